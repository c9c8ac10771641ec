"""Intake (受理): case_create gives one code from the county's gap-free sequence, or writes nothing."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cases.codes import make_code, normalize_code
from cases.models import Case, CaseEvent, CaseSequence, Party, State
from cases.services import PartyData, case_create
from common.exceptions import ActionForbidden

from ..conftest import PARTIES
from ..factories import CenterFactory, ServiceFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def year_now() -> int:
    return timezone.localtime().year


def assert_nothing_written() -> None:
    assert Case.objects.count() == 0
    assert Party.objects.count() == 0
    assert CaseEvent.objects.count() == 0
    assert not CaseSequence.objects.filter(last_number__gt=0).exists()


def number_of(case: Case) -> int:
    return int(case.code[10:16])


# --- The happy path --------------------------------------------------------------------------


# Measured, then pinned: a change here means case_create's queries changed, on purpose or not.
CASE_CREATE_QUERIES = 18  # + the stored "assess by": its rules, the calendar, the years it spans;
# + the history rows of the case and of its parties (one INSERT each); + the outbox row of the
# event's notices (one INSERT, in the same transaction)


def test_case_create_with_two_parties_runs_in_a_fixed_number_of_queries(
    reception, center, django_assert_num_queries
):
    # A user as a request loads it: the staff profile is not cached yet.
    actor = get_user_model().objects.get(pk=reception.pk)

    # SAVEPOINT; staff profile; repeat visits (parties, visits); SAVEPOINT; sequence upsert; case;
    # RELEASE; parties (one bulk insert); event; outbox row; webhook subscriptions; RELEASE.
    with django_assert_num_queries(CASE_CREATE_QUERIES):
        case = case_create(
            actor=actor,
            title="拖欠工资纠纷",
            description="某建筑公司拖欠工人工资。",
            category="labour",
            source="walk_in",
            parties=PARTIES,
            center=center,
        )

    assert case.pk is not None
    assert case.parties.count() == 2


def test_case_create_query_count_does_not_grow_with_parties(reception, center, django_assert_num_queries):
    actor = get_user_model().objects.get(pk=reception.pk)
    many = [PartyData(name=f"工人{i}", phone=f"139{i:08d}") for i in range(12)]

    # A collective visit is proposed red: assessed within hours, so no working-day calendar query.
    with django_assert_num_queries(CASE_CREATE_QUERIES - 1):
        case = case_create(
            actor=actor,
            title="集体讨薪",
            description="12 名工人集体来访。",
            category="labour",
            source="walk_in",
            parties=many,
            center=center,
        )

    assert case.parties.count() == 12
    assert case.is_collective


def test_case_create_records_the_case_its_parties_and_one_event(new_case, reception, center):
    case = new_case()

    case = Case.objects.get(pk=case.pk)
    assert case.code == make_code("420923", year_now(), 1)
    assert normalize_code(case.code) == case.code
    assert case.state == State.RECEIVED
    assert case.version == 1
    assert case.center == center
    assert case.created_by == reception
    assert (case.title, case.category, case.source) == ("拖欠工资纠纷", "labour", "walk_in")
    assert case.lead_department is None and case.risk_colour == ""
    assert len(case.tracking_key) >= 16

    parties = list(case.parties.all())
    assert [(p.name, p.role, p.order) for p in parties] == [
        ("张三", "applicant", 0),
        ("李四", "respondent", 1),
    ]
    assert parties[0].phone == "13812345678"
    assert parties[0].id_number == "11010519491231002X"
    assert parties[1].phone == "07161234567"
    assert parties[1].id_number == ""

    event = case.events.get()
    assert (event.transition, event.from_state, event.to_state) == ("create", "", State.RECEIVED)
    assert event.actor == reception
    assert CaseSequence.objects.get(county_code="420923", year=year_now()).last_number == 1


def test_codes_follow_the_sequence(new_case):
    cases = [new_case() for _ in range(5)]

    assert [number_of(c) for c in cases] == [1, 2, 3, 4, 5]
    assert len({c.code for c in cases}) == 5
    assert CaseSequence.objects.get().last_number == 5


@pytest.mark.parametrize("role", ["reception", "coordinator", "admin_user"])
def test_reception_coordinators_and_administrators_may_record_a_case(new_case, request, role):
    actor = request.getfixturevalue(role)

    case = new_case(actor=actor)

    assert case.created_by == actor
    assert case.events.get().actor == actor


@pytest.mark.parametrize("role", ["liaison", "leader"])
def test_other_roles_may_not_record_a_case(new_case, request, role):
    with pytest.raises(ActionForbidden):
        new_case(actor=request.getfixturevalue(role))

    assert_nothing_written()


def test_requested_services_are_stored(new_case):
    mediation, legal_aid = ServiceFactory(name="调解"), ServiceFactory(name="法律援助")

    case = new_case(requested_services=[mediation, legal_aid])

    assert set(case.requested_services.all()) == {mediation, legal_aid}


def test_id_number_is_optional_for_respondents(new_case):
    case = new_case(
        parties=[
            PartyData(name="王五", phone="13900001111", id_number="11010519491231002X"),
            PartyData(name="某建筑公司", phone="0716-7654321", role="respondent"),
            PartyData(name="赵六", role="other"),
        ]
    )

    assert list(case.parties.values_list("name", "id_number", "role")) == [
        ("王五", "11010519491231002X", "applicant"),
        ("某建筑公司", "", "respondent"),
        ("赵六", "", "other"),
    ]


# --- Refused input writes nothing ------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"title": ""}, "title", ""),
        ({"description": ""}, "description", ""),
        ({"category": "alien_abduction"}, "category", ""),
        ({"source": "pigeon"}, "source", ""),
        ({"parties": []}, "parties", "至少"),
        (
            {"parties": [PartyData(name="张三", phone="1381234567")]},
            "parties[0].phone",
            "电话号码格式不正确",
        ),
        (
            {
                "parties": [
                    PARTIES[0],
                    PartyData(name="李四", phone="13812345678", id_number="110105194912310021"),
                ]
            },
            "parties[1].id_number",
            "最后一位应为 X",
        ),
        (
            {"parties": [PartyData(name="张三", phone="13812345678", id_number="42092319881305001X")]},
            "parties[0].id_number",
            "出生日期",
        ),
        (
            {"parties": [PartyData(name="", phone="13812345678")]},
            "parties[0].name",
            "",
        ),
        (
            {"parties": [PartyData(name="张三", phone="13812345678", role="judge")]},
            "parties[0].role",
            "",
        ),
    ],
    ids=[
        "missing-title",
        "missing-description",
        "unknown-category",
        "unknown-source",
        "no-parties",
        "bad-phone",
        "bad-id-check",
        "bad-id-birth-date",
        "missing-party-name",
        "unknown-party-role",
    ],
)
def test_invalid_intake_names_the_field_and_writes_nothing(new_case, overrides, field, fragment):
    with pytest.raises(ValidationError) as exc:
        new_case(**overrides)

    assert field in exc.value.message_dict
    assert fragment in " ".join(exc.value.message_dict[field])
    assert_nothing_written()


def test_all_party_errors_are_reported_together(new_case):
    with pytest.raises(ValidationError) as exc:
        new_case(
            parties=[
                PartyData(name="张三", phone="12345", id_number="11010519491231002X"),
                PartyData(name="李四", phone="13812345678", id_number="1101051949"),
            ]
        )

    assert set(exc.value.message_dict) == {"parties[0].phone", "parties[1].id_number"}
    assert_nothing_written()


def test_a_refused_intake_does_not_consume_a_number(new_case):
    first = new_case()
    with pytest.raises(ValidationError):
        new_case(title="")

    second = new_case()

    assert (number_of(first), number_of(second)) == (1, 2)


def test_a_rolled_back_intake_does_not_consume_a_number(new_case):
    first = new_case()

    with pytest.raises(RuntimeError), transaction.atomic():
        rolled_back = new_case()
        assert number_of(rolled_back) == 2
        raise RuntimeError("the desk's printer failed; the whole intake is undone")

    second = new_case()

    assert [number_of(first), number_of(second)] == [1, 2]
    assert Case.objects.count() == 2
    assert second.code == rolled_back.code  # the number was given back, not skipped
    assert list(Case.objects.order_by("code").values_list("code", flat=True)) == [first.code, second.code]
    assert CaseSequence.objects.get().last_number == 2


# --- Centers and years -----------------------------------------------------------------------


def test_township_sub_centers_use_the_county_code_and_share_its_sequence(new_case, center):
    township = CenterFactory(code="420923101", name="城关镇综治中心", parent=center, level="township")

    at_county = new_case()
    at_township = new_case(center=township)
    again_at_county = new_case()

    year = year_now()
    assert at_township.center == township
    assert at_township.code == make_code("420923", year, 2)
    assert [number_of(c) for c in (at_county, at_township, again_at_county)] == [1, 2, 3]
    assert list(CaseSequence.objects.values_list("county_code", "last_number")) == [("420923", 3)]


def test_another_county_has_its_own_sequence(new_case):
    other_county = CenterFactory(code="420902", name="孝南区综治中心")

    new_case()
    there = new_case(center=other_county)

    assert there.code == make_code("420902", year_now(), 1)


def test_the_default_center_is_the_configured_county(new_case, settings, center):
    settings.ZONGZHI_COUNTY_CODE = center.code

    case = new_case(center=None)

    assert case.center == center


def test_each_year_starts_a_new_sequence_in_local_time(new_case):
    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 30, tzinfo=SHANGHAI), tick=False):
        last_of_2026 = new_case()
    # 2026-12-31 16:30 UTC is already 2027 in Asia/Shanghai.
    with time_machine.travel(dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC), tick=False):
        first_of_2027 = new_case()
    with time_machine.travel(dt.datetime(2027, 1, 2, 9, 0, tzinfo=SHANGHAI), tick=False):
        second_of_2027 = new_case()

    assert last_of_2026.code == make_code("420923", 2026, 1)
    assert first_of_2027.code == make_code("420923", 2027, 1)
    assert second_of_2027.code == make_code("420923", 2027, 2)
    assert dict(CaseSequence.objects.values_list("year", "last_number")) == {2026: 1, 2027: 2}
