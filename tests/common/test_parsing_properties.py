"""Properties of the parsers that read what people and clients type: any text gives a value or a clean error.

Run with the suite's "ci" hypothesis profile (tests/conftest.py): derandomised, no example database.
"""

import datetime as dt
import json
import re

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cases.api.serializers import CaseCreateSerializer
from cases.codes import CaseCodeMistyped, InvalidCaseCode, display_code, make_code, normalize_code
from common.fields import KIND_ID_NUMBER, KIND_PHONE, normalize
from common.parsers import nesting_depth
from common.parsing import MAX_ID, ParseError, nul_paths, parse_id, parse_month, parse_positive_int
from common.validators import ID_CHECK, ID_WEIGHTS, validate_id_number, validate_phone

# Text that looks like what the parsers expect, mixed with digits of other scripts and odd characters.
DIGITISH = st.text(
    alphabet=st.sampled_from("0123456789X-x /.²³１２٣९\x00\n\t+()") | st.characters(),
    max_size=30,
)
ANY_TEXT = st.text(max_size=40) | DIGITISH


# --- Case codes -------------------------------------------------------------------------------------


@given(ANY_TEXT)
@example("4209232026000123٧")
@example("٤٢٠٩٢٣٢٠٢٦٠٠٠١٢٣٧")
def test_normalize_code_gives_a_canonical_ascii_code_or_a_clean_error(text):
    try:
        code = normalize_code(text)
    except InvalidCaseCode:
        return
    assert re.fullmatch(r"[0-9]{16}[0-9X]", code)
    assert normalize_code(code) == code
    assert normalize_code(display_code(code)) == code


@given(
    county=st.from_regex(r"\A[0-9]{6}\Z"),
    year=st.integers(2000, 2099),
    number=st.integers(1, 999_999),
    position=st.integers(0, 15),
    digit=st.sampled_from("0123456789"),
)
def test_every_single_digit_typo_in_a_code_is_reported_as_mistyped(county, year, number, position, digit):
    code = make_code(county, year, number)
    assert normalize_code(display_code(code).lower()) == code
    typo = code[:position] + digit + code[position + 1 :]
    if typo == code:
        return
    with pytest.raises(CaseCodeMistyped):
        normalize_code(typo)


# --- Phones and ID numbers ------------------------------------------------------------------------


@given(ANY_TEXT)
@example("１３８１２３４５６７８")
@example("13812345٦٧٨")
def test_validate_phone_accepts_only_ascii_numbers(text):
    try:
        validate_phone(text)
    except ValidationError:
        return
    stored = normalize(KIND_PHONE, text)
    assert stored.isascii()
    assert re.fullmatch(r"\+?[0-9]{7,}(-[0-9]{1,6})?", stored), stored


@given(ANY_TEXT)
def test_normalize_is_idempotent(text):
    for kind in (KIND_PHONE, KIND_ID_NUMBER):
        once = normalize(kind, text)
        assert normalize(kind, once) == once


def _id_number(region: str, birth: str, sequence: str) -> str:
    first17 = region + birth + sequence
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return first17 + ID_CHECK[total % 11]


@given(ANY_TEXT)
@example("11010519491231002X".replace("1", "١"))
def test_validate_id_number_accepts_only_ascii_ids(text):
    try:
        validate_id_number(text)
    except ValidationError:
        return
    assert re.fullmatch(r"[0-9]{17}[0-9X]", str(text).strip().upper())


@given(
    region=st.from_regex(r"\A[1-6][0-9]{5}\Z"),
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
    sequence=st.from_regex(r"\A[0-9]{3}\Z"),
    position=st.integers(0, 16),
    digit=st.sampled_from("0123456789"),
)
def test_valid_id_numbers_pass_and_single_typos_do_not(region, birth, sequence, position, digit):
    number = _id_number(region, birth.strftime("%Y%m%d"), sequence)
    validate_id_number(number)
    validate_id_number(number.lower())
    typo = number[:position] + digit + number[position + 1 :]
    if typo != number:
        with pytest.raises(ValidationError):
            validate_id_number(typo)


# --- Page sizes, ids, versions, months ------------------------------------------------------------


@given(st.integers(1, 10_000))
def test_positive_ints_round_trip(n):
    assert parse_positive_int(str(n), maximum=10_000) == n
    assert parse_id(str(n)) == n


@given(ANY_TEXT, st.integers(1, 2**31 - 1))
@example("²", 200)
@example("１", 200)
@example("٣", 200)
@example("9" * 30, MAX_ID)
def test_parse_positive_int_takes_only_ascii_digits_in_range(text, maximum):
    try:
        value = parse_positive_int(text, maximum=maximum)
    except ParseError:
        assert not (re.fullmatch(r"[0-9]{1,19}", text) and 1 <= int(text) <= maximum)
        return
    assert re.fullmatch(r"[0-9]{1,19}", text)
    assert 1 <= value <= maximum and value == int(text)


@given(st.integers(1900, 9998), st.integers(1, 12))
def test_months_round_trip(year, month):
    assert parse_month(f"{year:04d}-{month:02d}").timetuple()[:3] == (year, month, 1)
    assert parse_month(f"{year:04d}-{month}") == parse_month(f"{year:04d}-{month:02d}")


@given(ANY_TEXT)
@example("２０２６-１０")
@example("2026-²")
def test_parse_month_gives_a_first_of_month_or_a_clean_error(text):
    try:
        first = parse_month(text)
    except ParseError:
        return
    assert first.day == 1 and 1900 <= first.year <= 9998
    assert re.fullmatch(r"[0-9]{4}-[0-9]{1,2}", text.strip())


# --- JSON: depth and NUL ----------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet=st.characters(), max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=30,
)


def _depth(value) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


@given(JSON, st.booleans())
def test_nesting_depth_matches_the_decoded_depth(value, ascii_only):
    assert nesting_depth(json.dumps(value, ensure_ascii=ascii_only)) == _depth(value)


@given(JSON)
def test_nul_paths_finds_every_nul(value):
    text = json.dumps(value)
    assert bool(nul_paths(value)) == ("\\u0000" in text)


# --- The intake serializer ------------------------------------------------------------------------

FIELD_VALUES = ANY_TEXT | st.none() | st.integers() | st.booleans() | st.lists(ANY_TEXT, max_size=2)
CREATE_FIELDS = [
    "title",
    "description",
    "category",
    "source",
    "location",
    "requested_services",
    "is_collective",
    "people_count",
]
PARTY_FIELDS = ["name", "phone", "id_number", "role", "is_representative", "address"]


@pytest.mark.django_db
@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    body=st.fixed_dictionaries({}, optional=dict.fromkeys(CREATE_FIELDS, FIELD_VALUES)),
    parties=st.lists(
        st.fixed_dictionaries({}, optional=dict.fromkeys(PARTY_FIELDS, FIELD_VALUES)), max_size=3
    )
    | FIELD_VALUES,
)
def test_the_intake_serializer_gives_data_or_field_errors_for_any_input(body, parties):
    serializer = CaseCreateSerializer(data={**body, "parties": parties})
    if serializer.is_valid():
        data = serializer.validated_data
        assert isinstance(data["title"], str) and data["title"]
        assert data["parties"] and all(isinstance(p["phone"], str) for p in data["parties"])
    else:
        assert serializer.errors and set(serializer.errors) <= {*CREATE_FIELDS, "parties", "non_field_errors"}
