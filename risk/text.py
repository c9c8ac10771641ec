"""Chinese text into words (jieba): the one tokenizer of the risk app.

Minimal stand-in until the screening slice's version lands; callers rely only on ``tokens``.
"""

import logging
import re

import jieba

jieba.setLogLevel(logging.WARNING)

# A token worth keeping has a letter, a digit or a CJK character (punctuation and spaces do not).
_WORDLIKE = re.compile(r"\w")


def tokens(text: str) -> list[str]:
    """Return the words of ``text`` in order: jieba's segmentation, without 1-character tokens and punctuation."""
    return [t for t in jieba.lcut(text or "") if len(t) > 1 and _WORDLIKE.search(t)]
