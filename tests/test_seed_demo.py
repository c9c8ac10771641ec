"""``manage.py seed_demo``: the demo organisation, users and cases, and running it twice."""

import datetime as dt
import io
import itertools
import random
from collections import defaultdict

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db.models import F
from django.test import RequestFactory
from django.utils import timezone

from cases.models import (
    Case,
    CaseEvent,
    Category,
    Evaluation,
    HandlingRecord,
    Party,
    RiskColour,
    Source,
    State,
    Visit,
)
from common.validators import validate_id_number, validate_phone
from demo.driving import demo_case_count
from demo.planning import plan_cases
from demo.travel import KEY as TRAVEL_KEY
from departments.models import (
    Center,
    DeadlineRule,
    Department,
    Desk,
    DutyAssignment,
    Place,
    Role,
    Service,
    ServicePackage,
    StaffProfile,
)

pytestmark = pytest.mark.django_db

RESIDENT_SLUGS = [
    "court", "procuratorate", "police", "justice", "petition", "hrss", "housing",
    "health", "natres", "market", "union", "women", "lawsoc",
]  # fmt: skip
SERVICE_SLUGS = {
    "mediation", "arbitration", "petition", "litigation", "notarization",
    "counselling", "legal_aid", "appraisal", "hearing",
}  # fmt: skip


def _travel_seeded() -> bool:
    import cases.services
    from demo.management.commands.seed_demo import TRAVEL_SERVICES

    return all(hasattr(cases.services, name) for name in TRAVEL_SERVICES)


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = (Center, Department, Desk, Service, ServicePackage, DeadlineRule, DutyAssignment, StaffProfile,
              Case, Party, CaseEvent, HandlingRecord, Evaluation, Visit)  # fmt: skip
    return {m.__name__: m.objects.count() for m in models} | {"User": get_user_model().objects.count()}


def test_organisation_users_and_duty_board():
    output = seed(cases=0)

    county = Center.objects.get(code="420923")
    assert county.name == "江北县综治中心"
    subcenters = list(county.children.all())
    assert [c.code for c in subcenters] == ["420923101", "420923102", "420923103"]
    assert all(c.county == county for c in subcenters)

    residents = Department.objects.filter(slug__in=RESIDENT_SLUGS).order_by("order")
    assert [d.slug for d in residents] == RESIDENT_SLUGS
    assert [d.kind for d in residents] == ["standing"] * 5 + ["sector"] * 5 + ["mass"] * 3
    assert residents.get(slug="hrss").name == "县人力资源和社会保障局"
    assert all(d.center == county and d.short_name for d in residents)
    assert Department.objects.filter(kind=Department.Kind.MEDIATION).exists()
    # The main county's hall has a desk per department; the other centers' departments have none.
    for department in Department.objects.filter(center=county):
        assert department.desks.count() == 1, department.slug
    assert not Desk.objects.exclude(department__center=county).exists()
    assert sorted(Desk.objects.values_list("number", flat=True)) == list(
        range(1, Department.objects.filter(center=county).count() + 1)
    )

    assert set(Service.objects.values_list("slug", flat=True)) == SERVICE_SLUGS
    assert ServicePackage.objects.count() >= 6
    labour = ServicePackage.objects.get(name="劳动争议套餐")
    assert set(labour.services.values_list("slug", flat=True)) == {"mediation", "arbitration", "legal_aid"}
    assert all(p.services.count() >= 2 for p in ServicePackage.objects.all())

    for stage in ("accept", "handle", "respond"):
        for colour in RiskColour.values:
            assert DeadlineRule.objects.filter(
                stage=stage, colour=colour, service=None, category="", is_legal_limit=False
            ).exists()
    assert DeadlineRule.objects.filter(category="petition", is_legal_limit=True, amount=60).count() == 3
    assert (
        DeadlineRule.objects.filter(service__slug="arbitration", is_legal_limit=True, amount=45).count() == 3
    )

    board = DutyAssignment.objects.filter(center=county)
    positions = set(board.values_list("position", flat=True))
    assert positions == set(DutyAssignment.Position.values)
    today = timezone.localdate()
    on_duty = board.filter(position="duty_director", start_date__lte=today, end_date__gte=today)
    assert on_duty.count() == 1
    assert board.filter(position="duty_director", end_date__lt=today).exists()
    assert board.filter(position="duty_director", start_date__gt=today).exists()

    usernames = ["reception", "coordinator", "leader", "admin"] + [f"liaison-{s}" for s in RESIDENT_SLUGS]
    for username in usernames:
        # A request, as every log-in has: axes counts failures per user and address.
        user = authenticate(
            RequestFactory().post("/accounts/login/"), username=username, password="zongzhi-demo"
        )
        assert user is not None, username
        assert user.email == f"{username}@zongzhi.local"
        assert user.staff_profile.center == county and user.staff_profile.display_name
        assert username in output
    roles = dict(StaffProfile.objects.values_list("user__username", "role"))
    assert (roles["reception"], roles["coordinator"], roles["leader"], roles["admin"]) == (
        Role.RECEPTION, Role.COORDINATOR, Role.LEADER, Role.ADMIN,
    )  # fmt: skip
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    for slug in RESIDENT_SLUGS:
        profile = StaffProfile.objects.get(user__username=f"liaison-{slug}")
        assert (profile.role, profile.department.slug) == (Role.LIAISON, slug)
    assert "zongzhi-demo" in output


def test_full_demo_covers_every_state_colour_and_department():
    output = seed()
    now = timezone.now()
    cases = Case.objects.all()
    assert cases.count() >= 300
    assert "320" in output

    # Every state; "transferring" once the travelling cases are seeded (demo.travel, when the
    # services exist): the generator's cases stay where they came in.
    travelling = {State.TRANSFERRING} if _travel_seeded() else set()
    assert set(cases.values_list("state", flat=True)) >= set(State.values) - {State.TRANSFERRING} | travelling
    assert set(cases.exclude(risk_colour="").values_list("risk_colour", flat=True)) == set(RiskColour.values)
    assert set(cases.values_list("category", flat=True)) == set(Category.values)
    assert set(cases.values_list("source", flat=True)) == set(Source.values)
    leads = set(cases.exclude(lead_department=None).values_list("lead_department__slug", flat=True))
    assert leads >= set(RESIDENT_SLUGS)
    assert cases.filter(co_departments__isnull=False).exists()
    # Every township and the second county took cases in, with their own staff and departments.
    for center in Center.objects.exclude(level__in=["city", "province"]):
        taken_in = cases.filter(intake_center=center).exclude(intake_key__startswith=TRAVEL_KEY)
        assert taken_in.exists(), center.slug
        if center.level == "township":
            assert (
                not taken_in.filter(lead_department__isnull=False)
                .exclude(lead_department__center=center)
                .exists()
            )
            assert taken_in.filter(place__township=center).exists(), center.slug
    assert cases.filter(center__code="420923", place__isnull=False).exists()  # where it happened
    assert not cases.exclude(place=None).exclude(place__township__path__startswith=F("center__path")).exists()
    assert cases.filter(package__isnull=False).exists()
    assert cases.filter(is_problem=True).exists()
    assert cases.filter(events__transition="visit").exists()  # a return visit stays on its case

    # Dated over the last months, never in the future; open cases both overdue and due soon.
    assert cases.filter(created_at__lt=now - dt.timedelta(days=60)).exists()
    assert not cases.filter(created_at__lt=now - dt.timedelta(days=125)).exists()
    assert not CaseEvent.objects.filter(created_at__gt=now).exists()
    held = cases.filter(state__in=[State.ASSIGNED, State.HANDLING, State.SUPERVISED])
    assert held.filter(due_by__lt=now).exists()
    assert held.filter(due_by__gte=now, due_by__lt=now + dt.timedelta(days=4)).exists()
    assert not cases.filter(state=State.RECEIVED, created_at__lt=now - dt.timedelta(days=10)).exists()

    # The supervision demo's scenarios are timed to the deadline sweep, not to office hours.
    from demo.supervision import KEY as SUPERVISION_DEMO_KEY

    generated = cases.exclude(intake_key__startswith=SUPERVISION_DEMO_KEY)

    # Staff act on weekdays (only the hotline takes calls round the clock).
    hotline = set(cases.filter(source=Source.HOTLINE).values_list("id", flat=True))
    for event in CaseEvent.objects.exclude(actor=None).exclude(
        case__intake_key__startswith=SUPERVISION_DEMO_KEY
    ):
        if not (event.transition == "create" and event.case_id in hotline):
            assert timezone.localtime(event.created_at).weekday() < 5, (event.case_id, event.transition)

    # Every event log replays the state machine from `received` to the case's state, in time order.
    events = defaultdict(list)
    for event in CaseEvent.objects.order_by("case_id", "created_at", "id"):
        events[event.case_id].append(event)
    for case in generated.only("id", "state", "created_at", "assigned_at", "due_by", "closed_at"):
        log = events[case.pk]
        assert (log[0].transition, log[0].from_state, log[0].to_state) == ("create", "", State.RECEIVED)
        assert log[0].created_at == case.created_at
        for before, after in itertools.pairwise(log):
            assert after.from_state == before.to_state, (case.pk, before.transition, after.transition)
        assert log[-1].to_state == case.state
        assert [e.pk for e in log] == sorted(e.pk for e in log)  # dating kept the order
        assigns = [e for e in log if e.transition == "assign"]
        if assigns:
            assert case.assigned_at == assigns[-1].created_at and case.due_by > case.assigned_at
        if case.state in (State.CLOSED, State.EVALUATED):
            assert case.closed_at == [e for e in log if e.transition == "close"][-1].created_at
    assert HandlingRecord.objects.filter(created_at__gt=now).count() == 0
    assert Evaluation.objects.count() == cases.filter(events__transition="evaluate").count()

    parties = Party.objects.all()
    per_case = defaultdict(int)
    for party in parties:
        per_case[party.case_id] += 1
        if party.id_number:
            validate_id_number(party.id_number)
        if party.phone:
            validate_phone(party.phone)
        if party.role == Party.Role.APPLICANT:
            assert party.id_number and party.phone
    assert set(per_case.values()) <= {1, 2, 3} and len(per_case) == cases.count()
    assert parties.filter(role=Party.Role.RESPONDENT, id_number="").exists()


def test_second_run_adds_nothing_and_a_larger_target_tops_up():
    seed(cases=15)
    before = counts()
    assert before["Case"] >= 15  # plus the supervision demo's own cases

    output = seed(cases=15)
    assert counts() == before
    assert "跳过" in output

    # --cases is the main county's; the townships (1 in 40) and the second county (1 in 10) get a share.
    county = Center.objects.get(code="420923")
    target = demo_case_count(county) + 5
    seed(cases=target)
    after = counts()
    assert demo_case_count(county) == target
    shares = {c.slug: demo_case_count(c) for c in Center.objects.filter(level="township")}
    assert shares == dict.fromkeys(shares, target // 40) and demo_case_count(
        Center.objects.get(slug="nanhu")
    ) == max(target // 10, 15 // 10)
    assert after["Case"] == before["Case"] + 5 + sum(shares.values()) + target // 10 - 15 // 10
    unchanged = (
        "Center",
        "Department",
        "Desk",
        "Service",
        "ServicePackage",
        "DeadlineRule",
        "User",
        "StaffProfile",
    )
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    assert len(set(Case.objects.values_list("code", flat=True))) == after["Case"]


def test_plans_are_reproducible():
    now = timezone.now()
    tz = timezone.get_current_timezone()
    slugs = [*RESIDENT_SLUGS, "mediation", "medmed"]
    names = {slug: slug for slug in slugs}

    def titles(seed_value):
        plans = plan_cases(
            40, rng=random.Random(seed_value), now=now, tz=tz, departments=slugs, short_names=names
        )
        return [(p.title, p.state, p.lead, p.times[0]) for p in plans]

    assert titles(20261127) == titles(20261127)
    assert titles(20261127) != titles(1)


def test_the_network_of_centers_with_staff_at_every_level_and_places():
    output = seed(cases=0)

    city = Center.objects.get(code="420900")
    assert (city.slug, city.level, city.parent) == ("city", "city", None)
    counties = list(city.children.order_by("code"))
    assert [(c.code, c.level) for c in counties] == [("420902", "county"), ("420923", "county")]
    main = Center.objects.get(code="420923")
    assert main.parent == city and main.path == "420900/420923/"
    for county in counties:
        townships = list(county.children.all())
        assert 2 <= len(townships) <= 3, county.slug
        for township in townships:
            assert township.level == "township" and len(township.code) == 9
            assert township.code.startswith(county.code) and township.path == f"{county.path}{township.code}/"
            assert township.code_center == county
    assert {t.slug: t.code for t in main.children.all()} == {
        "baihe": "420923101",
        "qingshi": "420923102",
        "liuhe": "420923103",
    }
    for center in Center.objects.all():
        assert len(center.code) == (9 if center.level == "township" else 6), center.slug
        center.full_clean()  # levels, parents and code prefixes as the model wants them

    # Staff of every role at every center: the main county's keep their names, the others'
    # are <center-slug>-<role>; every department has a liaison <center-slug>-liaison-<department-slug>.
    User = get_user_model()
    for center in Center.objects.all():
        profiles = StaffProfile.objects.filter(center=center).select_related("user", "department")
        assert {p.role for p in profiles} == set(Role.values), center.slug
        for profile in profiles:
            username = profile.user.username
            if center == main:
                continue
            if profile.role == Role.LIAISON:
                assert profile.department.center == center
                assert username == f"{center.slug}-liaison-{profile.department.slug}"
            else:
                assert username == f"{center.slug}-{profile.role}"
            assert username in output and profile.display_name
        for department in Department.objects.filter(center=center):
            assert StaffProfile.objects.filter(department=department, role=Role.LIAISON).exists(), (
                department.slug
            )
    for username in (
        "city-leader",
        "city-coordinator",
        "baihe-reception",
        "baihe-coordinator",
        "nanhu-leader",
    ):
        user = authenticate(
            RequestFactory().post("/accounts/login/"), username=username, password="zongzhi-demo"
        )
        assert user is not None, username
    assert not User.objects.get(username="baihe-admin").is_superuser
    assert (
        User.objects.get(username="city-liaison-city-court").staff_profile.department.name == "市中级人民法院"
    )
    assert Department.objects.get(slug="baihe-sifasuo").name == "白鹤镇司法所"
    assert "江汉市综治中心" in output and "白鹤镇综治中心" in output

    # Villages and communities (12 digits under their township) and grids under them.
    for township in Center.objects.filter(level="township"):
        places = list(Place.objects.filter(township=township))
        assert sum(p.kind != "grid" for p in places) >= 3 and sum(p.kind == "grid" for p in places) >= 2
        for place in places:
            place.full_clean()
            assert place.code.startswith(township.code)
            if place.kind == "grid":
                assert place.parent.township == township and place.code.startswith(place.parent.code)
            else:
                assert len(place.code) == 12 and place.code.isdigit()
    assert set(
        Place.objects.filter(township__slug="baihe", kind="village").values_list("name", flat=True)
    ) == {
        "白鹤村",
        "王家湾村",
        "枫树村",
    }

    before = counts() | {"Place": Place.objects.count()}
    seed(cases=0)
    assert counts() | {"Place": Place.objects.count()} == before


def test_an_older_demo_database_is_brought_up_to_date():
    """Before the network, the townships were 420991 and 420992 under a parentless county."""
    county = Center.objects.create(code="420923", name="江北县综治中心", slug="420923")
    old = [
        Center.objects.create(code=code, name=name, slug=code, level="township", parent=county)
        for code, name in (("420991", "白鹤镇综治中心"), ("420992", "青石镇综治中心"))
    ]
    seed(cases=0)
    for center, (code, slug) in zip(old, (("420923101", "baihe"), ("420923102", "qingshi")), strict=True):
        center.refresh_from_db()
        assert (center.code, center.slug, center.path) == (code, slug, f"420900/420923/{code}/")
    county.refresh_from_db()
    assert (county.slug, county.parent.code, county.level) == ("jiangbei", "420900", "county")
    assert Center.objects.filter(level="township").count() == 5
