"""Personal data: one field type that normalises and masks, and the phone / ID number validators."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cases.models import Party
from common.fields import KIND_ID_NUMBER, KIND_PHONE, PersonalValue, mask, mask_name, normalize
from common.validators import id_number_check_character, validate_id_number, validate_phone

from ..factories import PartyFactory

VALID_ID = "11010519491231002X"
VALID_ID_DIGIT = "420923198805200017"


def with_check(first17: str) -> str:
    return first17 + id_number_check_character(first17)


# --- Normalisation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        (" 13812345678 ", "13812345678"),
        ("(0716) 123-4567", "07161234567"),
        ("0716-1234567", "07161234567"),
        ("+86 138 1234 5678", "+8613812345678"),
        ("", ""),
        (None, ""),
    ],
)
def test_phones_are_stored_without_spaces_dashes_or_brackets(typed, stored):
    assert normalize(KIND_PHONE, typed) == stored


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("11010519491231002x", VALID_ID),
        (" 110105 19491231 002x ", VALID_ID),
        (VALID_ID, VALID_ID),
        ("", ""),
    ],
)
def test_id_numbers_are_stored_upper_case_without_spaces(typed, stored):
    assert normalize(KIND_ID_NUMBER, typed) == stored


@pytest.mark.django_db
def test_the_field_normalises_on_write_and_reads_back_personal_values():
    party = PartyFactory(phone="138 1234-5678", id_number="11010519491231002x")
    assert party.phone == "13812345678"  # normalised on assignment, before saving

    party = Party.objects.get(pk=party.pk)
    assert party.phone == "13812345678"
    assert party.id_number == VALID_ID
    assert isinstance(party.phone, PersonalValue)
    assert isinstance(party.id_number, PersonalValue)
    assert party.phone.masked == "138****5678"
    assert party.id_number.masked == "1101**********002X"
    assert party.phone.last4 == "5678"
    stored = Party.objects.filter(pk=party.pk).values_list("phone", "id_number").get()
    assert stored == ("13812345678", VALID_ID)


@pytest.mark.django_db
def test_lookups_are_normalised_like_writes():
    party = PartyFactory(phone="13812345678", id_number=VALID_ID)
    assert Party.objects.get(phone="138 1234 5678") == party
    assert Party.objects.get(id_number="11010519491231002x") == party


@pytest.mark.django_db
def test_a_blank_personal_value_reads_as_an_empty_string():
    party = Party.objects.get(pk=PartyFactory(id_number="").pk)
    assert party.id_number == ""
    assert party.id_number.masked == ""


# --- Masking ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        (KIND_PHONE, "13812345678", "138****5678"),
        (KIND_PHONE, "07161234567", "071****4567"),
        (KIND_PHONE, "0101234567", "01****4567"),
        (KIND_PHONE, "1234", "****"),
        (KIND_PHONE, "", ""),
        (KIND_ID_NUMBER, VALID_ID, "1101**********002X"),
        (KIND_ID_NUMBER, VALID_ID_DIGIT, "4209**********0017"),
        (KIND_ID_NUMBER, "12345678", "********"),
        (KIND_ID_NUMBER, None, ""),
    ],
)
def test_mask_keeps_only_the_ends(kind, value, masked):
    assert mask(kind, value) == masked


def test_masked_id_numbers_keep_first_four_and_last_four():
    value = with_check("42092319900101123")
    masked = mask(KIND_ID_NUMBER, value)
    assert masked[:4] == value[:4] and masked[-4:] == value[-4:]
    assert set(masked[4:-4]) == {"*"}
    assert len(masked) == len(value)


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张*"), ("张三丰", "张**"), ("欧阳小明", "欧阳**"), ("李", "李"), ("", ""), (None, "")],
)
def test_mask_name_keeps_the_family_name(name, masked):
    assert mask_name(name) == masked


# --- Phone validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "13812345678",
        "19912345678",
        "138 1234 5678",
        "138-1234-5678",
        "+8613812345678",
        "8613812345678",
        "0716-1234567",
        "07161234567",
        "010-12345678",
        "01012345678",
        "0716-1234567-123",
        "(0716)1234567",
    ],
)
def test_valid_phones_are_accepted(phone):
    assert validate_phone(phone) is None


@pytest.mark.parametrize(
    "phone",
    [
        "12812345678",  # no mobile prefix 12
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "23812345678",
        "716-1234567",  # landline without the leading 0
        "0716-123456",  # 6-digit local number
        "1234567",
        "138abcd5678",
        "+4413812345678",
    ],
)
def test_invalid_phones_are_rejected(phone):
    with pytest.raises(ValidationError) as exc:
        validate_phone(phone)
    assert exc.value.code == "phone"
    assert "电话号码格式不正确" in exc.value.messages[0]


# --- ID number validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        VALID_ID,
        "11010519491231002x",
        VALID_ID_DIGIT,
        with_check("42092320000229001"),
        with_check("44030619000101001"),
    ],
)
def test_valid_id_numbers_are_accepted(value):
    assert validate_id_number(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "11010519491231002",  # 17 characters
        "11010519491231002X1",  # 19 characters
        "1101051949123100XX",  # X in the body
        "11010519491231002Y",
        "110105194912310",  # the old 15-digit form
    ],
)
def test_id_numbers_of_the_wrong_shape_are_rejected(value):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(value)
    assert exc.value.code == "id_length"
    assert f"当前 {len(value)} 位" in exc.value.messages[0]


@pytest.mark.parametrize(
    "first17",
    [
        "42092319881305001",  # month 13
        "42092319880230001",  # 30 February
        "42092320010229001",  # 29 February in a common year
        "42092318991231001",  # before 1900
        f"420923{dt.date.today().year + 1}0101001",  # born next year
    ],
)
def test_id_numbers_with_an_impossible_birth_date_are_rejected(first17):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(with_check(first17))
    assert exc.value.code == "id_birth"
    assert "出生日期" in exc.value.messages[0]


def test_a_wrong_check_character_says_which_one_is_expected():
    for wrong in "0123456789":
        with pytest.raises(ValidationError) as exc:
            validate_id_number(VALID_ID[:17] + wrong)
        assert exc.value.code == "id_check"
        assert "最后一位应为 X" in exc.value.messages[0]

    with pytest.raises(ValidationError) as exc:
        validate_id_number(VALID_ID_DIGIT[:17] + "X")
    assert "最后一位应为 7" in exc.value.messages[0]


def test_check_character_follows_gb_11643_weights():
    # Weighted sum of 11010519491231002 is 167; 167 mod 11 = 2 → "X".
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    assert sum(int(d) * w for d, w in zip("11010519491231002", weights, strict=True)) % 11 == 2
    assert id_number_check_character("11010519491231002") == "X"
    assert id_number_check_character("42092319880520001") == "7"
