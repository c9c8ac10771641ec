"""The API's JSON parser: bounded size and nesting, and no U+0000 anywhere in the data.

Python's decoder recurses once per level, so 30 KB of ``[`` is a RecursionError (a 500) and
deep data recurses again in every serializer; PostgreSQL cannot store U+0000 in text, and
SQLite would keep it silently. All three answer 400 here, before any view sees the data.
"""

import re
from itertools import accumulate

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers
from rest_framework.utils import json

from .parsing import nul_paths

MAX_DEPTH = 32

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DELTA = {"[": 1, "{": 1, "]": -1, "}": -1}


def nesting_depth(text: str) -> int:
    """Return how deep the JSON text nests arrays and objects, without decoding it (no recursion).

    Brackets inside strings do not count; an unclosed bracket counts as open.
    """
    opening = text.count("[") + text.count("{")
    if opening <= 1:
        return opening
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_DELTA.__getitem__, brackets)), default=0)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, answering 400 to deep nesting and to U+0000, 413 to an oversized body."""

    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parsers.get_encoding(parser_context)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestDataTooBig(_("请求内容过大。"))
        try:
            text = raw.decode(encoding)
        except (UnicodeError, LookupError):
            raise exceptions.ParseError(_("请求体无法按所声明的字符集解码。")) from None
        if nesting_depth(text) > self.max_depth:
            raise exceptions.ParseError(_("请求体嵌套过深。"))
        try:
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except (ValueError, RecursionError) as exc:
            raise exceptions.ParseError(_("请求体不是有效的 JSON：%(error)s") % {"error": exc}) from None
        if paths := nul_paths(data):
            message = _("不能包含空字符（U+0000）。")
            raise exceptions.ValidationError({path: [message] for path in paths})
        return data
