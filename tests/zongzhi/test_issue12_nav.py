"""Issue 12 items 6 and 11, and the "today" panel: menu counts of every queue, for every role, equal
to the rows the queue's page shows (red when any is overdue); each start page's panel of counts and
the three most urgent items; pinned query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import RiskColour, State
from departments.models import Role
from supervision.models import Callback, CallbackRound, Level, OrderStatus, Reason, SupervisionOrder
from zongzhi.navigation import MENU_QUEUES, NAVIGATION
from zongzhi.today import Today

from ..factories import CaseFactory, PartyFactory, StaffFactory

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


def make_order(case, department, *, number, respond_by, status=OrderStatus.ISSUED, **extra):
    now = timezone.now()
    return SupervisionOrder.objects.create(
        number=number, case=case, department=department, reason=Reason.DEADLINE_MISSED, level=Level.ORDER,
        status=status, required_action="按期办结", issued_at=now - 5 * DAY, respond_from=now - 5 * DAY,
        respond_by=respond_by, **extra,
    )  # fmt: skip


@pytest.fixture
def world(center, department, other_department, coordinator, reception):
    """Cases, orders and callbacks in every queue, some overdue, some due soon, some another department's."""
    now = timezone.now()
    case = lambda **kw: CaseFactory(center=center, **kw)  # noqa: E731
    cases = {
        # The coordinator's: new (one overdue for assessment, one due soon, one later), assessing, returned, reviewing.
        "new_overdue": case(state=State.RECEIVED, assess_by=now - 3 * HOUR, created_by=reception),
        "new_soon": case(state=State.RECEIVED, assess_by=now + 5 * HOUR, created_by=reception),
        "new_later": case(state=State.RECEIVED, assess_by=now + 5 * DAY),
        "assessing": case(state=State.ASSESSING, assess_by=now + 3 * DAY),
        "returned": case(
            state=State.ASSESSING, return_count=1, assess_by=now - 9 * DAY, assigned_at=now - 8 * DAY
        ),
        "reviewing": case(state=State.REVIEWING, lead_department=department),
        # The department's: to accept (overdue), handling (due soon), supervised (later), a co-operation.
        "to_accept": case(state=State.ASSIGNED, lead_department=department, accept_by=now - 2 * DAY),
        "handling": case(state=State.HANDLING, lead_department=department, due_by=now + 10 * HOUR),
        "supervised": case(state=State.SUPERVISED, lead_department=department, due_by=now + 6 * DAY),
        "co_operating": case(state=State.HANDLING, lead_department=other_department, due_by=now + 4 * DAY),
        "closed": case(state=State.CLOSED, lead_department=department, closed_at=now - 2 * DAY),
        # Another department's, overdue: never on this department's liaison's pages.
        "others": case(state=State.HANDLING, lead_department=other_department, due_by=now - 20 * DAY),
    }
    cases["co_operating"].co_departments.add(department)
    orders = {
        "overdue_1": make_order(cases["supervised"], department, number="DB2026000001", respond_by=now - 3 * DAY),
        "overdue_2": make_order(cases["handling"], department, number="DB2026000002", respond_by=now - DAY),
        "soon": make_order(cases["to_accept"], department, number="DB2026000003", respond_by=now + 20 * HOUR),
        "later": make_order(cases["supervised"], department, number="DB2026000004", respond_by=now + 5 * DAY),
        "responded": make_order(
            cases["handling"], department, number="DB2026000005", respond_by=now - 4 * DAY,
            status=OrderStatus.RESPONDED, responded_at=now - 5 * DAY, response="已处理",
        ),
        "verified": make_order(
            cases["handling"], department, number="DB2026000006", respond_by=now - 6 * DAY,
            status=OrderStatus.VERIFIED, responded_at=now - 7 * DAY, verified_at=now - 2 * DAY, response="已处理",
        ),
        "others": make_order(cases["others"], other_department, number="DB2026000007", respond_by=now - 10 * DAY),
    }  # fmt: skip
    other_caller = StaffFactory(role=Role.COORDINATOR, center=center).user
    older = CallbackRound.objects.create(
        center=center, month=dt.date(2026, 9, 1), seed=1, population_size=5, population_digest="0" * 64,
        sample_size_requested=5, sample_size_taken=1, created_at=now - 60 * DAY,
    )  # fmt: skip
    latest = CallbackRound.objects.create(
        center=center, month=dt.date(2026, 10, 1), seed=2, population_size=9, population_digest="1" * 64,
        sample_size_requested=5, sample_size_taken=4, created_at=now - 30 * DAY,
    )  # fmt: skip
    for position, (rnd, who, status) in enumerate(
        [
            (latest, coordinator, Callback.Status.PENDING),
            (latest, coordinator, Callback.Status.PENDING),
            (latest, other_caller, Callback.Status.PENDING),
            (latest, coordinator, Callback.Status.DONE),
            (older, coordinator, Callback.Status.PENDING),
        ],
        start=1,
    ):
        closed = cases["closed"]
        Callback.objects.create(
            round=rnd, position=position, case=closed, party=PartyFactory(case=closed), person_key=f"k{position}",
            assigned_to=who, status=status,
        )  # fmt: skip
    return {"cases": cases, "orders": orders, "now": now}


USERS = {
    Role.RECEPTION: "reception",
    Role.COORDINATOR: "coordinator",
    Role.LIAISON: "liaison",
    Role.LEADER: "leader",
    Role.ADMIN: "admin_user",
}


def menu_item(response, url_name):
    path = reverse(url_name)
    return next(item for item in response.context["nav_menu"] if item["url"].split("?")[0] == path)


def rows_on_page(url_name, context, now):
    """The rows a queue's page lists, and those of them that are overdue."""
    if url_name == "cases:workbench":
        rows = list(context["cases"])
        return rows, [c for c in rows if c.assess_by and c.assigned_at is None and c.assess_by < now]
    if url_name == "cases:department_desk":
        rows = [
            row["case"]
            for section in context["sections"]
            if section["key"] in ("to_accept", "returned", "supervised", "handling")
            for row in section["rows"]
        ]
        return rows, [c for c in rows if c.current_deadline and c.current_deadline < now]
    if url_name == "supervision:order_list":
        rows = list(context["orders"])
        return rows, [o for o in rows if o.is_overdue(now)]
    if url_name == "supervision:orders_to_answer":
        rows = list(context["to_answer"])
        return rows, [o for o in rows if o.is_overdue(now)]
    if url_name == "supervision:callbacks":
        return list(context["callbacks"]), []
    raise AssertionError(f"no parity rule for {url_name}")


# --- Item 6: a count on every queue's menu item, for every role --------------------------------


def test_every_queue_in_every_roles_menu_has_a_count():
    """The menu items that list work to do are exactly those with a count (none forgotten)."""
    queues = {"cases:workbench", "cases:department_desk", "supervision:order_list", "supervision:orders_to_answer",
              "supervision:callbacks"}  # fmt: skip
    expected = {
        (role, name) for role, items in NAVIGATION.items() for _label, name in items if name in queues
    }
    assert set(MENU_QUEUES) == expected
    assert {role for role, _name in expected} == {Role.COORDINATOR, Role.LIAISON, Role.LEADER, Role.ADMIN}


@pytest.mark.parametrize(("role", "url_name"), sorted(MENU_QUEUES))
def test_the_menu_count_equals_the_rows_its_page_shows(request, client, world, role, url_name):
    user = request.getfixturevalue(USERS[role])
    client.force_login(user)
    item = menu_item(client.get(reverse("cases:search")), url_name)
    page = client.get(item["url"])
    assert page.status_code == 200
    rows, overdue = rows_on_page(url_name, page.context, timezone.now())
    assert item["count"] == len(rows) > 0
    assert item["overdue"] == len(overdue)
    # The page it opens also shows the same count in its own menu.
    assert menu_item(page, url_name)["count"] == len(rows)


def test_the_liaisons_menu_shows_the_overdue_orders_in_red(client, world, liaison):
    client.force_login(liaison)
    html = client.get(reverse("cases:department_desk")).content.decode()
    # Orders to answer: four (two overdue, red); the department's cases to act on: four (one overdue).
    assert '待答复督办 <span class="nav-count overdue" title="其中 2 件已超期">4</span>' in html
    assert '部门工作台 <span class="nav-count overdue" title="其中 1 件已超期">4</span>' in html


def test_counts_only_for_the_liaisons_own_department(client, world, other_liaison):
    client.force_login(other_liaison)
    response = client.get(reverse("cases:department_desk"))
    assert menu_item(response, "supervision:orders_to_answer")["count"] == 1  # DB2026000007 only
    # Its own overdue case, and the case it leads with the court co-operating.
    assert menu_item(response, "cases:department_desk")["count"] == 2


def test_a_queue_without_overdue_items_has_a_neutral_count(client, world, liaison):
    now = world["now"]
    SupervisionOrder.objects.filter(status=OrderStatus.ISSUED).update(respond_by=now + 5 * DAY)
    client.force_login(liaison)
    html = client.get(reverse("cases:search")).content.decode()
    assert '待答复督办 <span class="nav-count">4</span>' in html


def test_an_empty_queue_has_no_badge(client, liaison, leader):
    for user in (liaison, leader):
        client.force_login(user)
        response = client.get(reverse("cases:search"))
        assert "nav-count" not in response.content.decode()
        assert all(item["count"] == 0 for item in response.context["nav_menu"])


def test_the_menu_link_opens_the_rows_counted(client, world, coordinator):
    """督办管理 opens the open orders (what is counted), 电话回访 the calls still to make."""
    client.force_login(coordinator)
    response = client.get(reverse("cases:search"))
    assert (
        menu_item(response, "supervision:order_list")["url"]
        == reverse("supervision:order_list") + "?status=open"
    )
    assert (
        menu_item(response, "supervision:callbacks")["url"]
        == reverse("supervision:callbacks") + "?status=pending"
    )
    # The item is still marked as the current page on its list.
    assert menu_item(client.get(reverse("supervision:order_list")), "supervision:order_list")["active"]


# --- Item 11 (the menu's part) ------------------------------------------------------------------


def test_the_leaders_menu_says_督办报表(client, leader):
    client.force_login(leader)
    html = client.get(reverse("cases:search")).content.decode()
    assert "督办报表" in html
    assert "领导驾驶舱" not in html


# --- The "today" panel ---------------------------------------------------------------------------


def panel_of(client, user, url_name):
    client.force_login(user)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    return response, response.context["nav_today"]


def test_the_liaisons_panel_counts_its_queues_and_lists_the_three_most_urgent(client, world, liaison):
    response, panel = panel_of(client, liaison, "cases:department_desk")
    queues = {str(q["label"]): (q["count"], q["colour"]) for q in panel["queues"]}
    assert queues == {
        "本单位待办案件": (4, "overdue"),
        "吹哨待报到": (0, "neutral"),
        "待答复督办": (4, "overdue"),
    }
    # Overdue first (the oldest deadline first), then the soonest; cut at three.
    orders, cases = world["orders"], world["cases"]
    assert [item.reference for item in panel["items"]] == [
        orders["overdue_1"].number,  # 3 days overdue
        cases["to_accept"].code_display,  # acceptance 2 days overdue
        orders["overdue_2"].number,  # 1 day overdue
    ]
    assert [item.colour for item in panel["items"]] == ["overdue"] * 3
    html = response.content.decode()
    assert 'id="today"' in html and "今日待办" in html
    assert f'href="{reverse("supervision:order_detail", args=[orders["overdue_1"].number])}"' in html


def test_a_liaison_sees_only_its_departments_items(client, world, other_liaison):
    _response, panel = panel_of(client, other_liaison, "cases:department_desk")
    assert [item.reference for item in panel["items"]] == [
        world["cases"]["others"].code_display,  # 20 days overdue
        world["orders"]["others"].number,  # 10 days overdue
        world["cases"]["co_operating"].code_display,  # the case it leads, the court co-operating
    ]


def test_due_soon_is_amber_and_later_is_neutral(client, world, liaison):
    now = world["now"]
    SupervisionOrder.objects.filter(status=OrderStatus.ISSUED).update(respond_by=now + 10 * HOUR)
    type(world["cases"]["to_accept"]).objects.filter(pk=world["cases"]["to_accept"].pk).update(
        accept_by=now + 8 * DAY
    )
    _response, panel = panel_of(client, liaison, "cases:department_desk")
    queues = {str(q["label"]): q["colour"] for q in panel["queues"]}
    assert queues == {"本单位待办案件": "due-soon", "吹哨待报到": "neutral", "待答复督办": "due-soon"}
    assert [item.colour for item in panel["items"]] == ["due-soon"] * 3
    SupervisionOrder.objects.filter(status=OrderStatus.ISSUED).update(respond_by=now + 9 * DAY)
    type(world["cases"]["handling"]).objects.filter(pk=world["cases"]["handling"].pk).update(
        due_by=now + 8 * DAY
    )
    _response, panel = panel_of(client, liaison, "cases:department_desk")
    assert {str(q["label"]): q["colour"] for q in panel["queues"]} == {
        "本单位待办案件": "neutral",
        "吹哨待报到": "neutral",
        "待答复督办": "neutral",
    }


def test_the_coordinators_panel(client, world, coordinator):
    _response, panel = panel_of(client, coordinator, "cases:workbench")
    queues = [(str(q["label"]), q["count"], q["colour"]) for q in panel["queues"]]
    assert queues == [
        ("新受理", 3, "overdue"),
        ("研判中", 1, "neutral"),
        ("部门退回", 1, "neutral"),  # its old assessment deadline no longer runs
        ("待审核", 1, "neutral"),
        ("未办结督办", 6, "overdue"),  # five issued (three overdue) and one awaiting verification
        ("待回访", 2, "neutral"),  # the latest round's calls still to make, the coordinator's own
    ]
    orders, cases = world["orders"], world["cases"]
    assert [item.reference for item in panel["items"]] == [
        orders["others"].number,
        orders["overdue_1"].number,
        orders["overdue_2"].number,
    ]
    # With the orders answered, the cases awaiting assessment come next, overdue first.
    SupervisionOrder.objects.filter(status=OrderStatus.ISSUED).update(respond_by=world["now"] + 30 * DAY)
    _response, panel = panel_of(client, coordinator, "cases:workbench")
    assert [item.reference for item in panel["items"]] == [
        cases["new_overdue"].code_display,
        cases["new_soon"].code_display,
        cases["assessing"].code_display,
    ]
    assert [item.colour for item in panel["items"]] == ["overdue", "due-soon", "neutral"]


def test_the_leaders_panel(client, world, leader):
    _response, panel = panel_of(client, leader, "supervision:reports_dashboard")
    queues = [(str(q["label"]), q["count"], q["colour"]) for q in panel["queues"]]
    assert queues == [("未办结督办", 6, "overdue"), ("待回访", 3, "neutral")]  # a reader sees every call
    assert [item.kind for item in panel["items"]] == ["督办单"] * 3


def test_the_receptions_panel_counts_todays_intake(client, world, reception):
    _response, panel = panel_of(client, reception, "cases:intake")
    assert [(str(q["label"]), q["count"]) for q in panel["queues"]] == [("今日受理", 2)]
    assert panel["items"] == []


def test_the_admins_panel_is_on_the_admin_index(client, world, admin_user):
    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    response, panel = panel_of(client, admin_user, "admin:index")
    assert [str(q["label"]) for q in panel["queues"]] == ["新受理", "研判中", "部门退回", "待审核"]
    assert "今日待办" in response.content.decode()
    assert "css/today" in response.content.decode()  # styled there too: the admin loads no app.css


def test_the_panel_is_only_on_the_start_page(client, world, coordinator, liaison):
    client.force_login(coordinator)
    response = client.get(reverse("supervision:order_list"))
    assert response.context["nav_today"] is None
    assert "今日待办" not in response.content.decode()
    client.force_login(liaison)
    assert "今日待办" not in client.get(reverse("supervision:orders_to_answer")).content.decode()


def test_today_counts_each_queue_once(world, coordinator, django_assert_num_queries):
    """Menu and panel share one Today: the workbench's four queues in one query, orders, callbacks."""
    today = Today(coordinator, now=timezone.now())
    with django_assert_num_queries(3):
        for name in (
            "workbench_new",
            "workbench_returned",
            "open_orders",
            "callbacks",
            "workbench_reviewing",
        ):
            today.tally(name)
        today.queues()
    with django_assert_num_queries(2):  # the most urgent cases, the most urgent orders
        today.urgent()


# --- Query counts of each role's start page (constant whatever the number of rows) ----------------

START_PAGE_QUERIES = {
    # The page's own queries, plus session, user and profile, the unread count, the center's name
    # (cached after the first request), the menu's queue counts and the panel's most urgent items.
    # Reception: 1 for its count of today's intake; leader: 2 counts + 1 for the most urgent orders;
    # coordinator: 3 counts + 2 (cases, orders); liaison: 3 + 2 and its waiting summonses (1); admin: 1 + 1.
    # Reception also finds its own window (the latest intake's and visit's desk, the desks: 3);
    # the leader's dashboard reads the working-day calendar for its default period (1), and since
    # issue 13 groups seven figure families by center, reads its subtree's centers and its overdue list.
    # Since issue 13 the user's center comes with the staff profile (no query of its own); the intake
    # form offers its center's places (1); the workbench counts its hops between centers (1).
    Role.RECEPTION: ("cases:intake", 11),
    Role.COORDINATOR: ("cases:workbench", 15),
    Role.LIAISON: ("cases:department_desk", 13),
    Role.LEADER: ("supervision:reports_dashboard", 24),
    Role.ADMIN: ("admin:index", 10),
}


def more_rows(world, department, n):
    now = world["now"]
    center = department.center
    for i in range(n):
        CaseFactory(center=center, state=State.RECEIVED, assess_by=now + i * HOUR)
        case = CaseFactory(
            center=center, state=State.HANDLING, lead_department=department, due_by=now - i * HOUR,
            risk_colour=RiskColour.YELLOW,
        )  # fmt: skip
        make_order(case, department, number=f"DB2026{100 + i:06d}", respond_by=now + (i - 3) * DAY)


@pytest.mark.parametrize("role", list(START_PAGE_QUERIES))
def test_each_start_page_runs_a_fixed_number_of_queries(request, client, world, department, role):
    user = request.getfixturevalue(USERS[role])
    if role == Role.ADMIN:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    client.force_login(user)
    url_name, pinned = START_PAGE_QUERIES[role]
    url = reverse(url_name)
    client.get(url)  # warm up the cached center name

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    more_rows(world, department, 20)
    assert count() == few
    assert few == pinned
