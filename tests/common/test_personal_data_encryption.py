"""Phone and ID numbers encrypted at rest (issue 11, finding 5), found again through blind indexes.

The dump check writes personal data through the real services and API, then reads every column
of every table (and, on PostgreSQL, a ``pg_dump`` of the test database) looking for it.
"""

import os
import shutil
import subprocess

import pytest
from django.core import checks
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models
from django.test.utils import isolate_apps
from django.urls import reverse

from cases.models import Case, Party, SmsMessage, Visit
from cases.selectors import case_search, person_open_cases, repeat_visit_counts
from cases.services import (
    PartyData,
    case_accept,
    case_assign,
    case_close,
    case_record_visit,
    case_start_assessment,
    case_submit_result,
)
from cases.sms import MemorySmsBackend
from common import pii
from common.fields import BlindIndexField, PersonalDataField
from integrations.models import IdempotencyRecord
from tests.api.conftest import token_client, url
from tests.factories import PartyFactory, StaffFactory

APPLICANT_PHONE = "13912345678"
APPLICANT_ID = "11010519491231002X"
RESPONDENT_PHONE = "0716-7654321"  # stored normalised: 07167654321
VISITOR_PHONE = "13687654321"
VISITOR_ID = "420923198001011237"
STAFF_PHONE = "13566667777"

BODY = {
    "title": "网格员上报：拖欠工资",
    "description": "某工地拖欠 8 名工人工资。",
    "category": "labour",
    "source": "grid",
    "location": "城关镇建设路 8 号",
    "parties": [
        {"name": "王五", "phone": APPLICANT_PHONE, "id_number": APPLICANT_ID, "role": "applicant"},
        {"name": "某建筑公司", "phone": RESPONDENT_PHONE, "id_number": "", "role": "respondent"},
    ],
}


def _needles(case: Case) -> list[str]:
    numbers = [APPLICANT_PHONE, APPLICANT_ID, APPLICANT_ID.lower(), "07167654321", RESPONDENT_PHONE]
    numbers += [VISITOR_PHONE, VISITOR_ID, STAFF_PHONE]
    return [*numbers, case.tracking_key]


def _create_everything(user, center, liaison, department) -> Case:
    """Write personal data through the API (idempotent create, SMS) and the services (visit, staff)."""
    client = token_client(user)  # a coordinator; the stored answer is encrypted whatever it holds
    response = client.post(url("cases/"), BODY, format="json", HTTP_IDEMPOTENCY_KEY="dump-check-1")
    assert response.status_code == 201
    # The answer masks the numbers (full ones only through the logged reveal action).
    assert response.json()["parties"][0]["phone"] == "139****5678"
    assert response.json()["parties"][0]["id_number"].endswith(APPLICANT_ID[-4:])
    case = Case.objects.get(code=response.json()["code"])
    case_record_visit(
        case=case,
        actor=user,
        visitor=PartyData(name="王五", phone=VISITOR_PHONE, id_number=VISITOR_ID),
        note="再次来访",
    )
    StaffFactory(center=center, phone=STAFF_PHONE)
    # To the end: the closing SMS carries the tracking link with its key.
    case = case_start_assessment(case=case, actor=user)
    case = case_assign(case=case, actor=user, risk_colour="yellow", lead_department=department)
    case = case_accept(case=case, actor=liaison)
    case = case_submit_result(case=case, actor=liaison, result="已调解，工资已支付。")
    case = case_close(case=case, actor=user)
    # The records exist and read back in the clear through the models.
    assert {m.phone for m in SmsMessage.objects.filter(case=case)} == {APPLICANT_PHONE}
    assert IdempotencyRecord.objects.get().response_body == response.json()
    assert Visit.objects.get(case=case).id_number == VISITOR_ID
    return case


def _table_hits(needles: list[str]) -> list[tuple[str, str, str]]:
    """Return (table, column, needle) for every needle found in any column of any table."""
    hits = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {quote(table)}")
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    text = (
                        value.decode(errors="replace")
                        if isinstance(value, bytes | memoryview)
                        else str(value)
                    )
                    hits += [(table, column, needle) for needle in needles if needle in text]
    return hits


@pytest.mark.django_db(transaction=True)
def test_a_dump_of_every_table_shows_no_phone_id_number_or_tracking_key(
    coordinator, center, liaison, department
):
    MemorySmsBackend.outbox.clear()
    case = _create_everything(coordinator, center, liaison, department)
    needles = _needles(case)

    # The SMS really went out with the working link; only the log is redacted.
    assert any(case.tracking_key in body for _phone, body in MemorySmsBackend.outbox)
    assert "?k=***" in SmsMessage.objects.get(case=case, kind="close").body

    assert _table_hits(["王五", "拖欠工资"])  # the scan does read the tables: names are not encrypted
    assert _table_hits(needles) == []

    if connection.vendor == "postgresql" and shutil.which("pg_dump"):
        dump = _pg_dump()
        assert "cases_party" in dump and "cases_smsmessage" in dump  # the dump did run
        assert [needle for needle in needles if needle in dump] == []


def _pg_dump() -> str:
    settings = connection.settings_dict
    command = ["pg_dump", "--data-only", "--no-owner", "-d", settings["NAME"]]
    for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
        if settings.get(key):
            command += [flag, str(settings[key])]
    environment = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    return subprocess.run(command, capture_output=True, text=True, check=True, env=environment).stdout


# --- Lookups through the blind index ------------------------------------------------------------


@pytest.fixture
def party(new_case):
    case = new_case(parties=[PartyData(name="王五", phone=APPLICANT_PHONE, id_number=APPLICANT_ID)])
    return case.parties.get()


def test_exact_and_in_lookups_find_the_party_whatever_the_spelling(party):
    assert Party.objects.get(phone="139 1234 5678") == party
    assert Party.objects.get(id_number=APPLICANT_ID.lower()) == party
    assert list(Party.objects.filter(phone__in=["13000000000", APPLICANT_PHONE])) == [party]
    assert not Party.objects.filter(phone="13000000000").exists()
    assert Party.objects.exclude(phone="").filter(pk=party.pk).exists()
    assert Case.objects.filter(parties__id_number=APPLICANT_ID).get() == party.case


def test_the_repeat_visit_check_and_open_cases_still_find_the_person(party):
    from django.utils import timezone

    counts = repeat_visit_counts(phones=[APPLICANT_PHONE], id_numbers=[APPLICANT_ID], now=timezone.now())
    assert counts == {f"phone:{APPLICANT_PHONE}": 1, f"id:{APPLICANT_ID}": 1}
    assert list(person_open_cases(phone="139-1234-5678")) == [party.case]
    assert list(person_open_cases(id_number=APPLICANT_ID.lower())) == [party.case]


def test_staff_search_finds_the_case_by_full_phone_or_id_number(party, coordinator):
    assert case_search(user=coordinator, query="+86 139 1234 5678") == [party.case]
    assert case_search(user=coordinator, query=APPLICANT_ID.lower()) == [party.case]
    assert case_search(user=coordinator, query="13912345670") == []


def test_admin_search_finds_the_party_by_full_number(party, client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.cn", "x"))
    found = client.get(reverse("admin:cases_party_changelist"), {"q": APPLICANT_ID})
    assert found.status_code == 200
    assert list(found.context["cl"].queryset) == [party]
    partial = client.get(reverse("admin:cases_party_changelist"), {"q": APPLICANT_PHONE[:7]})
    assert list(partial.context["cl"].queryset) == []


def test_lookups_that_cannot_work_on_ciphertext_are_refused(party):
    for lookup in ("contains", "startswith", "icontains", "gt"):
        with pytest.raises(FieldError, match="encrypted"):
            list(Party.objects.filter(**{f"phone__{lookup}": "139"}))


def test_saving_a_personal_field_without_its_index_is_refused(party):
    party.phone = "13800001111"
    with pytest.raises(ImproperlyConfigured, match="phone_index"):
        party.save(update_fields=["phone"])
    party.save(update_fields=["phone", "phone_index"])
    assert Party.objects.get(phone="13800001111") == party


@isolate_apps("cases")
def test_a_personal_field_without_its_blind_index_fails_the_system_check():
    class Leaky(models.Model):  # noqa: DJ008
        phone = PersonalDataField()

        class Meta:
            app_label = "cases"

    class Indexed(models.Model):  # noqa: DJ008
        phone = PersonalDataField()
        phone_index = BlindIndexField(source="phone")

        class Meta:
            app_label = "cases"

    errors = Leaky._meta.get_field("phone").check()
    assert [e.id for e in errors] == ["common.E001"]
    assert isinstance(errors[0], checks.Error)
    assert Indexed._meta.get_field("phone").check() == []


def test_every_personal_field_of_the_project_has_its_index():
    assert [e for e in checks.run_checks() if e.id == "common.E001"] == []


# --- Storage: encrypted, random per value, authenticated ----------------------------------------


def _raw(table: str, column: str, pk: int, pk_column: str = "id") -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {pk_column} = %s", [pk])
        return cursor.fetchone()[0]


def test_equal_numbers_are_stored_differently_but_indexed_equally(new_case):
    first = PartyFactory(case=new_case(), phone=APPLICANT_PHONE)
    second = PartyFactory(case=new_case(), phone=APPLICANT_PHONE)
    raw_first, raw_second = _raw("cases_party", "phone", first.pk), _raw("cases_party", "phone", second.pk)
    assert raw_first != raw_second and APPLICANT_PHONE not in raw_first
    assert pii.decrypt(raw_first) == pii.decrypt(raw_second) == APPLICANT_PHONE
    assert _raw("cases_party", "phone_index", first.pk) == _raw("cases_party", "phone_index", second.pk)
    assert PartyFactory(case=first.case, phone="").phone == ""
    assert _raw("cases_party", "phone", Party.objects.get(phone="").pk) == ""


def test_a_tampered_ciphertext_is_refused_not_read(party):
    token = _raw("cases_party", "phone", party.pk)
    flipped = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    for stored in (flipped, APPLICANT_PHONE):  # a modified token, or plaintext slipped in
        with connection.cursor() as cursor:
            cursor.execute("UPDATE cases_party SET phone = %s WHERE id = %s", [stored, party.pk])
        with pytest.raises(pii.PersonalDataError):
            Party.objects.get(pk=party.pk)


def test_history_rows_are_encrypted_too(party):
    history = party.history.get()
    assert history.phone == APPLICANT_PHONE
    raw = _raw("cases_historicalparty", "phone", history.pk, pk_column="history_id")
    assert pii.is_encrypted(raw) and APPLICANT_PHONE not in raw


# --- Key rotation ---------------------------------------------------------------------------------


def test_keys_rotate_with_the_management_command(party, settings, capsys):
    old_key, old_index_key = settings.ZONGZHI_PII_KEYS[0], settings.ZONGZHI_PII_INDEX_KEYS[0]
    new_key, new_index_key = pii.generate_key(), pii.generate_key()
    visit = Visit.objects.create(case=party.case, visitor_name="王五", phone=APPLICANT_PHONE)

    # Step 1: the new keys first, the old ones after them: everything still reads and is found.
    settings.ZONGZHI_PII_KEYS = [new_key, old_key]
    settings.ZONGZHI_PII_INDEX_KEYS = [new_index_key, old_index_key]
    assert Party.objects.get(phone=APPLICANT_PHONE) == party
    with pytest.raises(CommandError, match="not yet under the current keys"):
        call_command("rotate_pii_keys", "--check")

    # Step 2: re-encrypt (twice: it is idempotent).
    call_command("rotate_pii_keys", "--batch", "1")
    call_command("rotate_pii_keys")
    call_command("rotate_pii_keys", "--check")

    # Step 3: the old keys removed: everything reads, every lookup works, history included.
    settings.ZONGZHI_PII_KEYS = [new_key]
    settings.ZONGZHI_PII_INDEX_KEYS = [new_index_key]
    assert Party.objects.get(phone=APPLICANT_PHONE) == party
    assert Party.objects.get(id_number=APPLICANT_ID).phone == APPLICANT_PHONE
    assert Visit.objects.get(phone=APPLICANT_PHONE) == visit
    assert party.history.get().id_number == APPLICANT_ID
    assert case_search(user=party.case.created_by, query=APPLICANT_PHONE) == [party.case]

    # And the old key alone no longer reads anything.
    settings.ZONGZHI_PII_KEYS = [old_key]
    with pytest.raises(pii.PersonalDataError):
        Party.objects.get(pk=party.pk)


def test_generate_prints_a_usable_key(capsys):
    call_command("rotate_pii_keys", "--generate")
    key = capsys.readouterr().out.strip()
    from cryptography.fernet import Fernet

    assert Fernet(key.encode()).decrypt(Fernet(key.encode()).encrypt(b"x")) == b"x"
