"""Chinese text into words (分词): jieba, once per process, with the screening rules' words in its dictionary.

Screening and grading look for words, not substrings: "楼上访客" holds the characters of 上访 but
its words are 楼上 / 访客, and a word rule must not match it. :func:`tokens` segments with jieba's
precise mode. The dictionary is loaded lazily on the first call (about a second) on a private
tokenizer, so nothing else in the process changes how screening cuts; :func:`add_words` puts
configured keywords into it so each comes out as one word; a phrase typed with spaces
("拖欠 工资") goes in whole and word by word, and matches as one word or as those words in a row.
Results are cached per text; adding a new word clears the cache.
"""

import functools
import logging
import re
import threading

import jieba

jieba.setLogLevel(logging.WARNING)

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_added: set[str] = set()
_SPACE = re.compile(r"\s+")
# jieba's own blocks (runs of word characters): it segments each independently of the rest.
_BLOCK = jieba.re_han_default


def _get_tokenizer() -> jieba.Tokenizer:
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _tokenizer = tokenizer
    return _tokenizer


def phrase_parts(phrase: str) -> list[str]:
    """Return the words of a configured keyword: one word, or a phrase's words split on spaces."""
    return [part for part in _SPACE.split((phrase or "").strip()) if part]


def add_words(words) -> None:
    """Add keywords (and each word of a space-separated phrase) to the dictionary, once each."""
    new = set()
    for word in words:
        parts = phrase_parts(word)
        new.update(parts)
        if parts:
            new.add("".join(parts))  # the phrase as one word too: 拖欠 工资 → 拖欠工资
    new -= _added
    if not new:
        return
    tokenizer = _get_tokenizer()
    with _lock:
        for word in sorted(new):
            tokenizer.add_word(word)
        _added.update(new)
        _cached_tokens.cache_clear()


@functools.lru_cache(maxsize=4096)
def _cached_tokens(text: str) -> tuple[str, ...]:
    return tuple(t for t in _get_tokenizer().lcut(text) if t.strip())


def tokens(text: str) -> list[str]:
    """Return the words of ``text`` in order (jieba precise mode; blanks dropped)."""
    if not text:
        return []
    return list(_cached_tokens(text))


def find_phrases(text: str, phrases) -> list[str]:
    """Return the configured keywords/phrases found as whole words in ``text``, in the given order.

    A text that does not even contain a keyword's characters is not segmented for it (a cheap
    pre-check: containing them is necessary, never sufficient).
    """
    wanted = [(phrase, phrase_parts(phrase)) for phrase in phrases]
    wanted = [(phrase, parts) for phrase, parts in wanted if parts and all(p in text for p in parts)]
    if not wanted:
        return []
    # jieba segments each run of word characters on its own, so only the runs holding a keyword's
    # characters need segmenting: the same words as the whole text's, and short runs (clauses)
    # repeat across texts, so the cache finds them.
    characters = {part for _phrase, parts in wanted for part in parts}
    found = set()
    for block in _BLOCK.findall(text):
        if not any(part in block for part in characters):
            continue
        words = tokens(block)
        word_set = set(words)
        for phrase, parts in wanted:
            if phrase in found:
                continue
            n = len(parts)
            if "".join(parts) in word_set or (
                n > 1 and any(words[i : i + n] == parts for i in range(len(words) - n + 1))
            ):
                found.add(phrase)
    return [phrase for phrase, _parts in wanted if phrase in found]
