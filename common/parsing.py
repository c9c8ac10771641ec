"""Strict parsers for numbers and months that arrive as text (query strings, headers, form fields).

Only ASCII digits are digits here: ``str.isdigit()`` is true for "²" (which ``int()`` refuses),
and ``int()`` reads "１２" and "٣" (which no client of ours means). Each parser raises
:class:`ParseError` (a ``ValueError``) and callers turn it into their own 400 or field error.
"""

import datetime as dt
import re

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# The largest primary key of a ``BigAutoField``: larger ids cannot exist, and overflow the database.
MAX_ID = 2**63 - 1
# The largest value of a PostgreSQL ``integer`` (versions, counts).
MAX_INT32 = 2**31 - 1

_DIGITS = re.compile(r"[0-9]{1,19}")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")


# A department (or other object) named by its id or its slug, in a query parameter.
validate_id_or_slug = RegexValidator(
    r"\A[-a-zA-Z0-9_]+\Z", _("请用单位的 id（整数）或标识（slug）指定单位。"), code="invalid"
)


class ParseError(ValueError):
    """The text is not what the parser accepts."""


def is_ascii_digits(text: object, *, max_length: int = 19) -> bool:
    """Return whether ``text`` is a string of 1 to ``max_length`` ASCII digits and nothing else."""
    return isinstance(text, str) and 0 < len(text) <= max_length and _DIGITS.fullmatch(text) is not None


def parse_positive_int(text: object, *, maximum: int) -> int:
    """Return the integer 1…``maximum`` written in ``text`` (ASCII digits only, no sign or spaces)."""
    if not is_ascii_digits(text):
        raise ParseError(f"not a number: {str(text)[:20]!r}")
    value = int(text)
    if not 1 <= value <= maximum:
        raise ParseError(f"out of range 1…{maximum}: {value}")
    return value


def parse_id(text: object) -> int:
    """Return a primary key written in ``text``: 1 to the largest ``BigAutoField`` value."""
    return parse_positive_int(text, maximum=MAX_ID)


def parse_month(text: object, *, earliest: int = 1900, latest: int = 9998) -> dt.date:
    """Return the first day of a month written ``YYYY-MM`` (or ``YYYY-M``) in ASCII digits.

    Years outside ``earliest``…``latest`` are refused, so that the month before and after
    always exist (``date`` stops at year 9999).
    """
    match = _MONTH.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ParseError(f"not a month: {str(text)[:20]!r}")
    year, month = int(match[1]), int(match[2])
    if not (earliest <= year <= latest and 1 <= month <= 12):
        raise ParseError(f"month out of range: {year}-{month}")
    return dt.date(year, month, 1)


def nul_paths(value: object, *, limit: int = 20) -> list[str]:
    """Return where U+0000 occurs in parsed JSON, as field paths (``title``, ``parties[1].name``).

    A key containing it is reported at the key's own path, written with ``\\0``; at most
    ``limit`` paths are returned. The walk is iterative: depth costs no recursion.
    """
    found: list[str] = []
    stack: list[tuple[str, object]] = [("", value)]
    while stack and len(found) < limit:
        path, item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                found.append(path or "non_field_errors")
        elif isinstance(item, dict):
            for key, child in reversed(item.items()):
                name = str(key).replace("\x00", "\\0")
                child_path = f"{path}.{name}" if path else name
                if "\x00" in str(key):
                    found.append(child_path)
                stack.append((child_path, child))
        elif isinstance(item, list | tuple):
            stack.extend((f"{path}[{i}]", child) for i, child in reversed(list(enumerate(item))))
    return found[:limit]
