"""Case codes (一案一码): county code + year + sequence + an ISO 7064 MOD 11-2 check character.

``42092320260001237`` is displayed as ``420923-2026-000123-7``. The check character is the one
of Chinese ID numbers: it catches every single-character typo and every swap of two adjacent
characters, so a mistyped code is reported as mistyped rather than "not found".
"""

import re

from django.utils.translation import gettext_lazy as _

CODE_LENGTH = 17
_CANONICAL = re.compile(r"\A[0-9]{16}[0-9X]\Z")  # ASCII: "\d" would take ٣ and １


class InvalidCaseCode(ValueError):
    """The text is not a valid case code."""

    code = "code_invalid"

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


class CaseCodeMalformed(InvalidCaseCode):
    code = "code_malformed"

    def __init__(self):
        super().__init__(
            _("案件编号格式不正确：应为 17 位（6 位区划代码、4 位年份、6 位序号、1 位校验码）。")
        )


class CaseCodeMistyped(InvalidCaseCode):
    code = "code_mistyped"

    def __init__(self):
        super().__init__(_("案件编号有误（校验码不符），请核对后重新输入。"))


def check_character(digits: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character of a string of digits."""
    remainder = 0
    for ch in digits:
        remainder = (remainder + int(ch)) * 2 % 11
    value = (12 - remainder) % 11
    return "X" if value == 10 else str(value)


def make_code(county_code: str, year: int, number: int) -> str:
    """Return the canonical code for the ``number``-th case of a county in ``year``."""
    if not re.fullmatch(r"[0-9]{6}", county_code):
        raise ValueError(f"bad county code {county_code!r}")
    if not 0 < number < 1_000_000:
        raise ValueError(f"sequence number {number} out of range")
    body = f"{county_code}{year:04d}{number:06d}"
    return body + check_character(body)


def normalize_code(text: str) -> str:
    """Return the canonical form of a typed code; raise InvalidCaseCode if it cannot be one."""
    cleaned = re.sub(r"[\s\-_./]", "", str(text or "")).upper()
    if not _CANONICAL.match(cleaned):
        raise CaseCodeMalformed()
    if check_character(cleaned[:-1]) != cleaned[-1]:
        raise CaseCodeMistyped()
    return cleaned


def is_valid_code(text: str) -> bool:
    try:
        normalize_code(text)
    except InvalidCaseCode:
        return False
    return True


def display_code(code: str) -> str:
    """Return the grouped form read out over the phone: 420923-2026-000123-7."""
    return f"{code[:6]}-{code[6:10]}-{code[10:16]}-{code[16:]}"
