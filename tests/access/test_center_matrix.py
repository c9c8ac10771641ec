"""The access matrix across the tree of centers: centers × roles × departments × cases.

A city (420900) with two counties: A (420923, townships 420923101 and 420923102) and B (420902,
township 420902001). Every center has staff of every role and one department (a court at the
counties, a 司法所 at the townships, a petition bureau at the city), and cases in several states.

The expected answers are written here from the rule in words, independently of the code:
reception and administrators see their own center's cases; leaders and coordinators also every
case held under their center (read-only plus supervision), never another branch; a liaison sees
their department's. Every page and API call must agree with it, and with each other.
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, State
from common.exceptions import ActionForbidden
from departments.models import Role
from supervision.models import Level, OrderStatus, Reason, SupervisionOrder
from supervision.permissions import may_issue_order
from supervision.services import supervision_order_issue

from ..factories import CaseFactory, CenterFactory, DepartmentFactory, PartyFactory, StaffFactory

DAY = dt.timedelta(days=1)
ROLES = (Role.RECEPTION, Role.COORDINATOR, Role.LEADER, Role.ADMIN, Role.LIAISON)
STATES = (State.RECEIVED, State.HANDLING, State.CLOSED)
RECEIPT_ROLES = (Role.RECEPTION, Role.COORDINATOR, Role.ADMIN)
ORDER_LIST_ROLES = (Role.COORDINATOR, Role.LEADER, Role.ADMIN)


@dataclass
class Person:
    user: object
    role: str
    center: object
    department: object

    def __str__(self):
        return f"{self.role}@{self.center.code}"


def chain(center) -> set[str]:
    """The codes of ``center`` and every center above it (the tree walked by its parents)."""
    codes = set()
    while center is not None:
        codes.add(center.code)
        center = center.parent
    return codes


def sees(person: Person, case: Case) -> bool:
    """The rule, in words: whether ``person`` sees ``case``."""
    if person.role == Role.LIAISON:
        return case.lead_department_id == person.department.pk
    if person.role in (Role.RECEPTION, Role.ADMIN):
        return case.center_id == person.center.pk
    return person.center.code in chain(case.center)  # leaders and coordinators: their subtree


def in_their_centers(person: Person, case: Case) -> bool:
    """Whether the case is held at a center whose matters the person sees (else: another branch)."""
    if person.role in (Role.LEADER, Role.COORDINATOR):
        return person.center.code in chain(case.center)
    return case.center_id == person.center.pk


def page_status(person: Person, case: Case) -> int:
    if sees(person, case):
        return 200
    return 403 if in_their_centers(person, case) else 404


def receipt_status(person: Person, case: Case) -> int:
    if person.role not in RECEIPT_ROLES:
        return 403
    if case.center_id == person.center.pk:
        return 200
    return 403 if sees(person, case) else 404


@pytest.fixture
def tree(db):
    """The tree, its staff, departments, cases (three states at every center) and one order a handling case."""
    city = CenterFactory(code="420900", name="孝感市综治中心", level="city")
    county_a = CenterFactory(code="420923", name="云梦县综治中心", parent=city, level="county")
    county_b = CenterFactory(code="420902", name="孝南区综治中心", parent=city, level="county")
    townships = [
        CenterFactory(code="420923101", name="城关镇综治中心", parent=county_a),
        CenterFactory(code="420923102", name="义堂镇综治中心", parent=county_a),
        CenterFactory(code="420902001", name="书院街道综治中心", parent=county_b),
    ]
    centers = [city, county_a, county_b, *townships]
    now = timezone.now()
    people, cases, orders = [], [], []
    for i, center in enumerate(centers):
        kind = {"city": "市信访局", "county": "法院", "township": "司法所"}[center.level]
        department = DepartmentFactory(
            center=center, name=f"{center.name}{kind}", short_name=kind, slug=f"d-{center.code}"
        )
        for role in ROLES:
            profile = StaffFactory(
                role=role, center=center, department=department if role == Role.LIAISON else None
            )
            people.append(Person(profile.user, role, center, department if role == Role.LIAISON else None))
        for j, state in enumerate(STATES):
            working = state != State.RECEIVED
            case = CaseFactory(
                center=center,
                intake_center=center,
                state=state,
                title=f"{center.name}事项{j}",
                lead_department=department if working else None,
                assess_by=now + DAY,
                due_by=now + 5 * DAY if working else None,
                closed_at=now - DAY if state == State.CLOSED else None,
            )
            PartyFactory(case=case, name="张三")
            cases.append(case)
            if state == State.HANDLING:
                orders.append(
                    SupervisionOrder.objects.create(
                        number=f"DB2025{i + 1:06d}",
                        case=case,
                        department=department,
                        reason=Reason.DEADLINE_MISSED,
                        level=Level.ORDER,
                        status=OrderStatus.ISSUED,
                        required_action="按期办结",
                        issued_at=now - DAY,
                        respond_from=now - DAY,
                        respond_by=now + DAY,
                        issuing_center=center,
                    )
                )
    cases = list(Case.objects.select_related("center__parent__parent").order_by("pk"))
    return {"centers": centers, "people": people, "cases": cases, "orders": orders}


def client_for(person: Person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


def test_every_page_and_api_call_agrees_with_the_rule(tree):
    people, cases, orders = tree["people"], tree["cases"], tree["orders"]
    leaks, mismatches, checks = [], [], 0

    def check(what, person, case, expected, actual):
        nonlocal checks
        checks += 1
        if expected != actual:
            mismatches.append((what, str(person), case.code if case else "", expected, actual))
            shown = actual in (True, 200) and expected not in (True, 200)
            if shown:
                leaks.append(mismatches[-1])

    for person in people:
        client = client_for(person)
        # The API list and the search page: the whole set of cases at once.
        listed = {row["code"] for row in client.get("/api/v1/cases/", {"page_size": 100}).json()["results"]}
        found = client.post(reverse("cases:search"), {"q": "张三"})
        found_codes = {row["case"].code for row in found.context["rows"]}
        workbench = None
        if person.role in (Role.COORDINATOR, Role.ADMIN):
            response = client.get(reverse("cases:workbench"), {"queue": "new"})
            workbench = {c.code for c in response.context["cases"]}
        order_list = None
        if person.role in ORDER_LIST_ROLES:
            response = client.get(reverse("supervision:order_list"))
            order_list = {o.number for o in response.context["orders"]}
        else:
            check(
                "order list (role)",
                person,
                None,
                403,
                client.get(reverse("supervision:order_list")).status_code,
            )

        for case in cases:
            expected = sees(person, case)
            check("case page", person, case, page_status(person, case),
                  client.get(reverse("cases:detail", args=[case.code])).status_code)  # fmt: skip
            check("API detail", person, case, 200 if expected else 404,
                  client.get(f"/api/v1/cases/{case.code}/").status_code)  # fmt: skip
            check("API list", person, case, expected, case.code in listed)
            check("search", person, case, expected, case.code in found_codes)
            check("receipt", person, case, receipt_status(person, case),
                  client.get(reverse("cases:receipt", args=[case.code])).status_code)  # fmt: skip
            if workbench is not None:
                # The workbench is the own center's work: a center above supervises, it does not assess.
                own_new = case.center_id == person.center.pk and case.state == State.RECEIVED
                check("workbench", person, case, own_new, case.code in workbench)
        for order in orders:
            case = order.case
            if person.role == Role.RECEPTION:
                expected_status = 403
            elif person.role == Role.LIAISON:
                expected_status = 200 if order.department_id == person.department.pk else 404
            else:
                expected_status = 200 if sees(person, case) else 404
            check("order detail", person, case, expected_status,
                  client.get(reverse("supervision:order_detail", args=[order.number])).status_code)  # fmt: skip
            if order_list is not None:
                check("order list", person, case, sees(person, case), order.number in order_list)

    size = f"{len(people)} people × {len(cases)} cases ({len(orders)} orders): {checks} checks"
    print(f"\naccess matrix: {size}; {len(leaks)} leaks, {len(mismatches)} mismatches")
    assert leaks == [], leaks[:20]
    assert mismatches == [], mismatches[:20]


def test_the_page_and_the_api_answer_the_same_for_every_pair(tree):
    disagreements, pairs = [], 0
    for person in tree["people"]:
        client = client_for(person)
        for case in tree["cases"]:
            pairs += 1
            page = client.get(reverse("cases:detail", args=[case.code])).status_code
            api = client.get(f"/api/v1/cases/{case.code}/").status_code
            if (page == 200) != (api == 200):
                disagreements.append((str(person), case.code, page, api))
    print(f"\npage/API parity: {pairs} pairs, {len(disagreements)} disagreements")
    assert disagreements == []


def people_at(tree, code: str, role: str) -> Person:
    return next(p for p in tree["people"] if p.center.code == code and p.role == role)


def cases_at(tree, code: str, state: str | None = None) -> list[Case]:
    return [c for c in tree["cases"] if c.center.code == code and (state is None or c.state == state)]


@pytest.mark.parametrize("role", [Role.LEADER, Role.COORDINATOR])
def test_the_city_sees_its_subtree_read_only(tree, role):
    person = people_at(tree, "420900", role)
    client = client_for(person)
    below = [c for c in tree["cases"] if c.center.code != "420900"]
    for case in below:
        response = client.get(reverse("cases:detail", args=[case.code]))
        assert response.status_code == 200
        # No lifecycle action of the holding center; at most the supervision a center above may do.
        names = {action["name"] for action in response.context["actions"]}
        assert names <= {"supervise", "end_supervision"}, (case.code, names)
        assert response.context["record_form"] is None
        assert not response.context["can_print_receipt"]
        for name in ("start_assessment", "close", "reject"):
            posted = client.post(reverse("cases:action", args=[case.code, name]), {f"{name}-version": "1"})
            assert posted.status_code == 403, (case.code, name)
        posted = client.post(reverse("cases:record_add", args=[case.code]), {"record-text": "越级记录"})
        assert posted.status_code == 403


def test_a_city_leader_may_issue_an_order_anywhere_below_but_a_county_not_across(tree):
    city_leader = people_at(tree, "420900", Role.LEADER)
    county_b_leader = people_at(tree, "420902", Role.LEADER)
    township_case = cases_at(tree, "420923101", State.HANDLING)[0]

    assert may_issue_order(city_leader.user, case=township_case)
    assert not may_issue_order(county_b_leader.user, case=township_case)
    with pytest.raises(ActionForbidden):
        supervision_order_issue(
            case=township_case, actor=county_b_leader.user, reason=Reason.LEADER_INSTRUCTION,
            instruction="请抓紧办理", level=Level.LEADER,
        )  # fmt: skip
    order = supervision_order_issue(
        case=township_case, actor=city_leader.user, reason=Reason.LEADER_INSTRUCTION,
        instruction="请抓紧办理", level=Level.LEADER,
    )  # fmt: skip
    # The issuing center verifies the answer; the township's coordinators see the order all the same.
    assert order.issuing_center.code == "420900"
    township_coordinator = people_at(tree, "420923101", Role.COORDINATOR)
    assert (
        client_for(township_coordinator)
        .get(reverse("supervision:order_detail", args=[order.number]))
        .status_code
        == 200
    )
    # County B's staff do not even learn it exists.
    assert (
        client_for(county_b_leader).get(reverse("supervision:order_detail", args=[order.number])).status_code
        == 404
    )


def test_the_order_list_filters_by_a_center_within_the_subtree(tree):
    county_a_leader = client_for(people_at(tree, "420923", Role.LEADER))
    township = next(c for c in tree["centers"] if c.code == "420923101")
    response = county_a_leader.get(reverse("supervision:order_list"), {"center": township.slug})
    assert {o.case.center.code for o in response.context["orders"]} == {"420923101"}
    # Another branch's center is not a choice: the filter is ignored, nothing of it shows.
    elsewhere = next(c for c in tree["centers"] if c.code == "420902001")
    response = county_a_leader.get(reverse("supervision:order_list"), {"center": elsewhere.slug})
    assert "420902001" not in {o.case.center.code for o in response.context["orders"]}


def test_the_order_api_filters_by_a_center_within_the_subtree(tree):
    county_a_leader = client_for(people_at(tree, "420923", Role.LEADER))
    township = next(c for c in tree["centers"] if c.code == "420923101")
    elsewhere = next(c for c in tree["centers"] if c.code == "420902001")

    rows = county_a_leader.get(reverse("api:supervision-order-list"), {"center": township.slug}).json()[
        "results"
    ]
    assert [row["number"] for row in rows] == [o.number for o in tree["orders"] if o.case.center == township]
    rows = county_a_leader.get(reverse("api:supervision-order-list"), {"center": elsewhere.slug}).json()[
        "results"
    ]
    assert rows == []
