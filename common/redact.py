"""Personal data kept out of logs: phones and ID numbers masked, secret keys redacted.

:func:`redact` is the one rule; :class:`RedactingFilter` applies it to every log record the
project's handlers write (``LOGGING`` in the settings, the Celery worker's handlers), the SMS
backends that print or append apply it to what they write, and :mod:`zongzhi.gunicorn` applies
it to gunicorn's access log, whose request lines carry query strings (the tracking link's
``?k=``, an administrator's search by phone number).

A log line keeps what an operator needs to follow a request (the path, the case code, the
last four digits of a phone) and loses what would let someone reading the log act as the party.
"""

import logging
import re

from .fields import KIND_ID_NUMBER, KIND_PHONE, mask

REDACTED = "[redacted]"

# Query parameters whose value is a secret: the tracking link's key, tokens.
_SECRET_PARAMETER = re.compile(
    r"(?P<name>(?<![0-9A-Za-z_])(?:k|key|token|access_token|api_key)=)(?P<value>[^&\s\"'#<>;]+)",
    re.IGNORECASE,
)
# Digits may be spaced or dashed as people type them, or url-encoded in a query string.
_SEP = r"(?:[\s\-.+]|%20|%2D)?"
_EDGE_BEFORE = r"(?<![0-9A-Za-z])"
_EDGE_AFTER = r"(?![0-9A-Za-z])"
# A mainland ID number: 17 digits and a check digit or X.
_ID_NUMBER = re.compile(_EDGE_BEFORE + r"\d{6}" + _SEP + r"\d{8}" + _SEP + r"\d{3}[\dXx]" + _EDGE_AFTER)
# A mobile number (+86 optional) or a landline with its area code.
_PHONE = re.compile(
    _EDGE_BEFORE
    + r"(?:(?:\+|%2B)?86"
    + _SEP
    + r")?(?:1[3-9]\d"
    + _SEP
    + r"\d{4}"
    + _SEP
    + r"\d{4}|0\d{2,3}[\s\-]\d{7,8})"
    + _EDGE_AFTER
)


def _digits(text: str) -> str:
    return re.sub(r"%20|%2D|%2B|[^\dXx]", "", text, flags=re.IGNORECASE)


def _mask_phone(match: re.Match) -> str:
    digits = _digits(match[0])
    if len(digits) > 11 and digits.startswith("86"):
        digits = digits[2:]
    return mask(KIND_PHONE, digits)


def redact(text: str) -> str:
    """Return ``text`` with phone and ID numbers masked and secret query parameters redacted."""
    if not text:
        return text
    text = _SECRET_PARAMETER.sub(lambda m: m["name"] + REDACTED, text)
    text = _ID_NUMBER.sub(lambda m: mask(KIND_ID_NUMBER, _digits(m[0]).upper()), text)
    return _PHONE.sub(_mask_phone, text)


class RedactingFilter(logging.Filter):
    """Rewrite each record's message (and its traceback) through :func:`redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def add_redacting_filter(logger: logging.Logger | None = None, **_kwargs) -> None:
    """Add :class:`RedactingFilter` to each handler of ``logger`` (a Celery logging signal receiver)."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
