"""Case codes (一案一码): format, display, lookups, and the typos the check character catches."""

import random

import pytest

from cases.codes import (
    CODE_LENGTH,
    CaseCodeMalformed,
    CaseCodeMistyped,
    InvalidCaseCode,
    check_character,
    display_code,
    is_valid_code,
    make_code,
    normalize_code,
)
from cases.models import Case
from cases.selectors import case_by_code
from common.validators import id_number_check_character

from ..factories import CaseFactory

ALPHABET = "0123456789X"
EXAMPLE = "42092320260001237"


def random_codes(n: int, *, seed: int) -> list[str]:
    """Return ``n`` distinct valid codes, a reproducible sample over counties, years and numbers."""
    rng = random.Random(seed)
    codes = set()
    while len(codes) < n:
        county = f"{rng.randrange(110000, 660000):06d}"
        codes.add(make_code(county, rng.randrange(2000, 2100), rng.randrange(1, 1_000_000)))
    return sorted(codes)


def codes_with_check(char: str, n: int) -> list[str]:
    """Return the first ``n`` codes of county 420923 in 2026 whose check character is ``char``."""
    found = []
    number = 1
    while len(found) < n:
        code = make_code("420923", 2026, number)
        if code[-1] == char:
            found.append(code)
        number += 1
    return found


# 2,000 random codes plus, for certain, codes ending in every check character and the extremes.
CODES = sorted(
    {
        *random_codes(2000, seed=20260001),
        *(code for char in ALPHABET for code in codes_with_check(char, 3)),
        make_code("420923", 2026, 1),
        make_code("420923", 2026, 999_999),
        make_code("000000", 0, 1),
        make_code("999999", 9999, 999_999),
        EXAMPLE,
    }
)


def classify(text: str) -> type[InvalidCaseCode] | None:
    """Return the error class ``normalize_code`` raises for ``text``, or None if it accepts it."""
    try:
        normalize_code(text)
    except InvalidCaseCode as exc:
        return type(exc)
    return None


# --- Format and display ----------------------------------------------------------------------


def test_the_issue_example_is_county_year_sequence_and_check():
    assert make_code("420923", 2026, 123) == EXAMPLE
    assert len(EXAMPLE) == CODE_LENGTH
    assert normalize_code(EXAMPLE) == EXAMPLE
    assert display_code(EXAMPLE) == "420923-2026-000123-7"


def test_codes_are_zero_padded_and_sequential():
    assert make_code("420923", 2026, 1)[:16] == "4209232026000001"
    assert make_code("420923", 2026, 999_999)[:16] == "4209232026999999"
    assert [make_code("420923", 2026, n)[10:16] for n in (9, 10, 11)] == ["000009", "000010", "000011"]


@pytest.mark.parametrize(
    ("county", "year", "number"),
    [
        ("42092", 2026, 1),
        ("4209231", 2026, 1),
        ("42092a", 2026, 1),
        ("420923", 2026, 0),
        ("420923", 2026, 1_000_000),
    ],
)
def test_make_code_refuses_what_cannot_be_a_code(county, year, number):
    with pytest.raises(ValueError):
        make_code(county, year, number)


def test_check_character_agrees_with_chinese_id_numbers():
    # GB 11643's example-style number 11010519491231002X: its first 17 digits give X.
    assert check_character("11010519491231002") == "X"
    assert id_number_check_character("11010519491231002") == "X"
    rng = random.Random(7)
    for _ in range(2000):
        digits = "".join(rng.choice("0123456789") for _ in range(17))
        assert check_character(digits) == id_number_check_character(digits)


def test_every_check_character_occurs():
    assert {code[-1] for code in CODES} == set(ALPHABET)


@pytest.mark.parametrize(
    "typed",
    [
        "420923-2026-000123-7",
        " 420923 2026 000123 7 ",
        "420923 2026-000123 7",
        "420923.2026.000123.7",
        "\t42092320260001237\n",
    ],
)
def test_lookups_accept_grouping_and_spaces(typed):
    assert normalize_code(typed) == EXAMPLE
    assert is_valid_code(typed)


def test_lookups_accept_a_lower_case_x():
    code = codes_with_check("X", 1)[0]
    grouped_lower = display_code(code).lower()
    assert grouped_lower.endswith("-x")
    assert normalize_code(grouped_lower) == code
    assert normalize_code(code[:-1] + "x") == code


@pytest.mark.parametrize(
    "typed",
    [
        "",
        None,
        "4209232026000123",  # 16 characters
        "420923202600012370",  # 18 characters
        "42092320260001A37",
        "X2092320260001237",
        "420923-2026-000123-",
        "案件42092320260001237",
    ],
)
def test_malformed_codes_are_reported_as_malformed(typed):
    with pytest.raises(CaseCodeMalformed) as exc:
        normalize_code(typed)
    assert exc.value.code == "code_malformed"
    assert "17 位" in str(exc.value)
    assert not is_valid_code(typed)


def test_a_wrong_check_character_is_reported_as_mistyped():
    with pytest.raises(CaseCodeMistyped) as exc:
        normalize_code("420923-2026-000123-8")
    assert exc.value.code == "code_mistyped"
    assert "有误" in str(exc.value)
    assert issubclass(CaseCodeMistyped, InvalidCaseCode)
    assert issubclass(CaseCodeMalformed, InvalidCaseCode)


# --- Every single-character typo and every adjacent transposition ----------------------------


def test_codes_under_test_are_valid_and_many():
    assert len(CODES) >= 2000
    assert all(normalize_code(code) == code for code in CODES)


def substitutions(code: str):
    """Yield (position, typo) for every single-character substitution of ``code``."""
    for i, original in enumerate(code):
        for char in ALPHABET:
            if char != original:
                yield i, code[:i] + char + code[i + 1 :]


def test_every_single_character_substitution_changes_the_check():
    """All 2,000+ codes, through the check character itself (fast)."""
    failures = []
    checked = 0
    for code in CODES:
        for i, typo in substitutions(code):
            checked += 1
            if i < 16 and typo[i] != "X" and check_character(typo[:16]) == typo[16]:
                failures.append((code, typo))
    assert failures == []
    assert checked == len(CODES) * CODE_LENGTH * (len(ALPHABET) - 1)


# A sample goes through normalize_code, which also decides malformed versus mistyped.
SAMPLE = sorted({*CODES[::10], *[code for code in CODES if code.endswith("X")][::4]})


def test_every_single_character_typo_is_rejected_with_the_right_error():
    failures = []
    for code in SAMPLE:
        for _i, typo in substitutions(code):
            # 16 digits + any check character looks like a code: the check must catch it.
            expected = CaseCodeMistyped if typo[:16].isdigit() else CaseCodeMalformed
            got = classify(typo)
            if got is not expected:
                failures.append((code, typo, got))
    assert failures == []
    assert len(SAMPLE) >= 200 and sum(c.endswith("X") for c in SAMPLE) >= 40


def test_every_adjacent_transposition_is_caught():
    checked = 0
    failures = []
    for code in CODES:
        for i in range(CODE_LENGTH - 1):
            a, b = code[i], code[i + 1]
            if a == b:
                continue
            swapped = code[:i] + b + a + code[i + 2 :]
            # Moving an X check character into the body makes the text malformed; everything else
            # looks like a code whose check character does not fit.
            expected = CaseCodeMalformed if "X" in swapped[:16] else CaseCodeMistyped
            got = classify(swapped)
            if got is not expected:
                failures.append((code, swapped, got))
            checked += 1
    assert failures == []
    assert checked > len(CODES) * 10  # most neighbours differ


def test_transposing_the_last_digit_with_the_check_character_is_caught():
    code = make_code("420923", 2026, 123)  # ...3 then check 7
    assert classify(code[:15] + code[16] + code[15]) is CaseCodeMistyped
    x_code = codes_with_check("X", 1)[0]
    assert classify(x_code[:15] + "X" + x_code[15]) is CaseCodeMalformed


# --- Lookups against stored cases ------------------------------------------------------------


@pytest.mark.django_db
def test_case_by_code_finds_the_case_from_any_typed_form():
    code = codes_with_check("X", 1)[0]
    case = CaseFactory(code=code)
    assert case.code_display == display_code(code)

    for typed in (code, code.lower(), display_code(code), display_code(code).lower(), " ".join(code)):
        assert case_by_code(typed) == case


@pytest.mark.django_db
def test_case_by_code_tells_mistyped_from_not_found():
    case = CaseFactory(code=EXAMPLE)
    wrong_check = EXAMPLE[:-1] + "8"
    swapped = EXAMPLE[:14] + EXAMPLE[15] + EXAMPLE[14] + EXAMPLE[16:]  # ...0132-7

    with pytest.raises(CaseCodeMistyped):
        case_by_code(wrong_check)
    with pytest.raises(CaseCodeMistyped):
        case_by_code(swapped)
    with pytest.raises(Case.DoesNotExist):
        case_by_code(make_code("420923", 2026, 124))  # valid, just not issued
    assert case_by_code("420923-2026-000123-7") == case
