"""The case lifecycle: every (state, transition) pair, roles, required input and stale views.

Cases are brought into each state through the real services (``drive_to``), never by writing
the state column, so the matrix also proves that every state is reachable.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import services
from cases.models import Case, CaseEvent, Evaluation, RiskColour, State
from common.exceptions import ActionForbidden, ConcurrentChange, InvalidTransition
from departments.models import Level, Role

from ..factories import CenterFactory, DepartmentFactory, StaffFactory, UserFactory

# --- The table of the issue, written out independently of the model's decorators. ------------

OPEN = [State.RECEIVED, State.ASSESSING, State.ASSIGNED, State.HANDLING, State.SUPERVISED, State.REVIEWING]

ALLOWED: dict[str, dict[str, str]] = {
    "start_assessment": {State.RECEIVED: State.ASSESSING},
    "assign": {State.ASSESSING: State.ASSIGNED},
    "accept": {State.ASSIGNED: State.HANDLING},
    "return_to_center": {State.ASSIGNED: State.ASSESSING},
    "supervise": {State.ASSIGNED: State.SUPERVISED, State.HANDLING: State.SUPERVISED},
    "end_supervision": {State.SUPERVISED: State.HANDLING},
    "submit_result": {State.HANDLING: State.REVIEWING, State.SUPERVISED: State.REVIEWING},
    "send_back": {State.REVIEWING: State.HANDLING},
    "close": {State.REVIEWING: State.CLOSED},
    "evaluate": {State.CLOSED: State.EVALUATED},
    "reopen": {State.CLOSED: State.HANDLING, State.EVALUATED: State.HANDLING},
    "reject": {State.RECEIVED: State.REJECTED, State.ASSESSING: State.REJECTED},
    # Also on its way between centers (reported up, being transferred): the hop ends with it.
    "withdraw": dict.fromkeys([*OPEN, State.ESCALATED, State.TRANSFERRING], State.WITHDRAWN),
    "escalate": {
        State.ASSESSING: State.ESCALATED,
        State.HANDLING: State.ESCALATED,
        State.SUPERVISED: State.ESCALATED,
    },
    # The network of centers: the parent decides on a report up (the case was escalated while
    # handling, so it goes back to handling); a case assessed here may go to a child center;
    # a transfer goes through the common parent (a case is transferred while assessing).
    "take_over": {State.ESCALATED: State.ASSESSING},
    "return_down": {State.ESCALATED: State.HANDLING},
    "assign_down": {State.ASSESSING: State.ASSESSING},
    "transfer": {State.RECEIVED: State.TRANSFERRING, State.ASSESSING: State.TRANSFERRING},
    "transfer_accept": {State.TRANSFERRING: State.ASSESSING},
    "transfer_decline": {State.TRANSFERRING: State.ASSESSING},
}

SERVICES = {
    "start_assessment": services.case_start_assessment,
    "assign": services.case_assign,
    "accept": services.case_accept,
    "return_to_center": services.case_return_to_center,
    "supervise": services.case_supervise,
    "end_supervision": services.case_end_supervision,
    "submit_result": services.case_submit_result,
    "send_back": services.case_send_back,
    "close": services.case_close,
    "evaluate": services.case_evaluate,
    "reopen": services.case_reopen,
    "reject": services.case_reject,
    "withdraw": services.case_withdraw,
    "escalate": services.case_escalate,
    "take_over": services.case_take_over,
    "return_down": services.case_return_down,
    "assign_down": services.case_assign_down,
    "transfer": services.case_transfer,
    "transfer_accept": services.case_transfer_accept,
    "transfer_decline": services.case_transfer_decline,
}

# Who fires each transition: a role name of ``Ctx``, or None for the party (evaluate) and the
# system's deadline sweep (supervise).
RIGHT_ACTOR = {
    "start_assessment": "coordinator",
    "assign": "coordinator",
    "accept": "liaison",
    "return_to_center": "liaison",
    "supervise": None,
    "end_supervision": "coordinator",
    "submit_result": "liaison",
    "send_back": "coordinator",
    "close": "coordinator",
    "evaluate": None,
    "reopen": "coordinator",
    "reject": "coordinator",
    "withdraw": "coordinator",
    "escalate": "coordinator",
    "take_over": "parent_coordinator",
    "return_down": "parent_coordinator",
    "assign_down": "coordinator",
    "transfer": "coordinator",
    "transfer_accept": "parent_coordinator",
    "transfer_decline": "parent_coordinator",
}

# The path from `received` to each state, through the services.
PATHS = {
    State.RECEIVED: [],
    State.ASSESSING: ["start_assessment"],
    State.ASSIGNED: ["start_assessment", "assign"],
    State.HANDLING: ["start_assessment", "assign", "accept"],
    State.SUPERVISED: ["start_assessment", "assign", "accept", "supervise"],
    State.REVIEWING: ["start_assessment", "assign", "accept", "submit_result"],
    State.CLOSED: ["start_assessment", "assign", "accept", "submit_result", "close"],
    State.EVALUATED: ["start_assessment", "assign", "accept", "submit_result", "close", "evaluate"],
    State.REJECTED: ["start_assessment", "reject"],
    State.WITHDRAWN: ["start_assessment", "assign", "accept", "withdraw"],
    State.ESCALATED: ["start_assessment", "assign", "accept", "escalate"],
    State.TRANSFERRING: ["start_assessment", "transfer"],
}


@dataclass
class Ctx:
    """The people and departments a lifecycle test acts with."""

    new_case: Any
    reception: Any
    coordinator: Any
    leader: Any
    liaison: Any
    other_liaison: Any
    admin_user: Any
    department: Any
    other_department: Any
    # The network around the suite's county center (built by ``make_ctx``): its parent city and
    # that city's coordinator, a township under the county, and another county under the city.
    parent_coordinator: Any = None
    township: Any = None
    other_county: Any = None


def default_args(ctx: Ctx, name: str) -> dict:
    """Return valid arguments (besides case and actor) for a transition's service."""
    return {
        "assign": {
            "risk_colour": RiskColour.YELLOW,
            "lead_department": ctx.department,
            "co_departments": [ctx.other_department],
            "instructions": "请法院牵头调处，公安协助。",
        },
        "return_to_center": {"reason": "不属于本单位职责范围。"},
        "supervise": {"reason": "超过签收期限未签收。"},
        "end_supervision": {"reason": "督办单已答复办结。"},
        "submit_result": {"result": "经调解双方达成协议，工资已全部支付。"},
        "send_back": {"reason": "缺少支付凭证，请补充。"},
        "close": {"reason": "办理结果属实。"},
        "evaluate": {"rating": "satisfied", "comment": "处理及时，满意。"},
        "reopen": {"reason": "协议未履行，重新办理。"},
        "reject": {"reason": "属于政务服务事项。", "redirect_target": "service_center"},
        "withdraw": {"reason": "当事人自愿撤回。"},
        "escalate": {"reason": "涉及跨县事项，报市级中心。"},
        "take_over": {"note": ""},
        "return_down": {"instructions": "请先组织双方调解。"},
        "assign_down": {
            "center": ctx.township,
            "instructions": "请乡镇综治中心办理。",
            "due_by": timezone.now() + dt.timedelta(days=10),
        },
        "transfer": {"to_center": ctx.other_county, "reason": "事发地属另一县。"},
        "transfer_accept": {"note": ""},
        "transfer_decline": {"reason": "属本县管辖。"},
    }.get(name, {})


# The reason each transition writes into its event, from the default arguments.
def expected_reason(args: dict, name: str) -> str:
    if name == "assign":
        return args["instructions"]
    if name == "submit_result":
        return args["result"]
    if name == "evaluate":
        return args["comment"]
    if name in ("return_down", "assign_down"):
        return args["instructions"]
    if name in ("take_over", "transfer_accept"):
        return args["note"]
    return args.get("reason", "")


def fire(ctx: Ctx, name: str, case: Case, *, actor: Any = "right", **overrides) -> Case:
    """Call the service of transition ``name`` with the right role and valid arguments."""
    if actor == "right":
        role = RIGHT_ACTOR[name]
        actor = getattr(ctx, role) if role else None
    kwargs = {**default_args(ctx, name), **overrides}
    result = SERVICES[name](case=case, actor=actor, **kwargs)
    return result[0] if isinstance(result, tuple) else result


def drive_to(ctx: Ctx, state: str, case: Case | None = None) -> Case:
    """Create a case (unless given) and bring it to ``state`` through the real services."""
    case = case or ctx.new_case()
    for name in PATHS[state]:
        case = fire(ctx, name, case)
    assert case.state == state
    return case


def snapshot(case: Case) -> dict:
    """Return everything a refused transition must leave untouched, read from the database."""
    return {
        "row": Case.objects.filter(pk=case.pk).values().get(),
        "events": list(CaseEvent.objects.filter(case=case).values_list("pk", flat=True)),
        "evaluations": Evaluation.objects.filter(case=case).count(),
        "co_departments": sorted(case.co_departments.values_list("pk", flat=True)),
    }


def assert_unchanged(case: Case, before: dict) -> None:
    refreshed = Case.objects.get(pk=case.pk)
    assert refreshed.state == before["row"]["state"]
    assert refreshed.version == before["row"]["version"]
    assert snapshot(case) == before


NETWORK_FIELDS = ("parent_coordinator", "township", "other_county")


def make_ctx(request) -> Ctx:
    """Build a Ctx from the suite's fixtures (conftest.py), with a city above the suite's county."""
    ctx = Ctx(
        **{
            name: request.getfixturevalue(name)
            for name in Ctx.__dataclass_fields__
            if name not in NETWORK_FIELDS
        }
    )
    county = ctx.department.center
    city = CenterFactory(code="420900", name="测试市综治中心", level=Level.CITY, slug="test-city")
    county.parent = city
    county.save()
    ctx.township = CenterFactory(code=f"{county.code}101", parent=county, slug="test-township")
    ctx.other_county = CenterFactory(code="420902", parent=city, level=Level.COUNTY, slug="test-other-county")
    ctx.parent_coordinator = StaffFactory(role=Role.COORDINATOR, center=city).user
    return ctx


@pytest.fixture
def ctx(request):
    return make_ctx(request)


# --- Every (state, transition) pair ----------------------------------------------------------

PAIRS = [
    pytest.param(
        state,
        name,
        id=f"{state}-{name}-{'allowed' if state in ALLOWED[name] else 'refused'}",
    )
    for state in State.values
    for name in SERVICES
]


def test_table_covers_every_state_and_transition():
    assert set(PATHS) == set(State.values)
    assert set(ALLOWED) == set(SERVICES) == set(RIGHT_ACTOR)
    assert len(PAIRS) == 12 * 20


@pytest.mark.parametrize(("state", "name"), PAIRS)
def test_state_transition_pair(ctx, state, name):
    case = drive_to(ctx, state)
    case.refresh_from_db()
    before = snapshot(case)

    if state in ALLOWED[name]:
        args = default_args(ctx, name)
        role = RIGHT_ACTOR[name]
        result = fire(ctx, name, case)

        case.refresh_from_db()
        assert result.state == case.state == ALLOWED[name][state]
        assert case.version == before["row"]["version"] + 1
        new_events = list(CaseEvent.objects.filter(case=case).exclude(pk__in=before["events"]))
        assert len(new_events) == 1
        event = new_events[0]
        assert (event.transition, event.from_state, event.to_state) == (name, state, ALLOWED[name][state])
        assert event.actor == (getattr(ctx, role) if role else None)
        assert event.reason == expected_reason(args, name)
        assert event.created_at <= timezone.now()
    else:
        with pytest.raises(InvalidTransition) as exc:
            fire(ctx, name, case)
        assert exc.value.status == 409
        assert str(State(state).label) in str(exc.value)
        assert_unchanged(case, before)


# --- Roles -----------------------------------------------------------------------------------

# The state in which each transition is tried with a wrong role (one where it is allowed).
TRY_IN = {
    "start_assessment": State.RECEIVED,
    "assign": State.ASSESSING,
    "accept": State.ASSIGNED,
    "return_to_center": State.ASSIGNED,
    "supervise": State.HANDLING,
    "end_supervision": State.SUPERVISED,
    "submit_result": State.HANDLING,
    "send_back": State.REVIEWING,
    "close": State.REVIEWING,
    "evaluate": State.CLOSED,
    "reopen": State.CLOSED,
    "reject": State.ASSESSING,
    "withdraw": State.HANDLING,
    "escalate": State.HANDLING,
    "take_over": State.ESCALATED,
    "return_down": State.ESCALATED,
    "assign_down": State.ASSESSING,
    "transfer": State.ASSESSING,
    "transfer_accept": State.TRANSFERRING,
    "transfer_decline": State.TRANSFERRING,
}

WRONG_ROLES = {
    "start_assessment": ["reception", "liaison", "leader", "admin_user", "plain_user", "anonymous"],
    "assign": ["reception", "liaison", "leader", "admin_user"],
    "accept": ["coordinator", "other_liaison", "reception", "leader"],
    "return_to_center": ["coordinator", "other_liaison", "leader"],
    "supervise": ["reception", "liaison", "other_liaison"],
    "end_supervision": ["liaison", "reception"],
    "submit_result": ["coordinator", "other_liaison", "leader", "reception"],
    "send_back": ["liaison", "reception", "leader"],
    "close": ["reception", "liaison", "other_liaison", "leader", "plain_user"],
    "evaluate": ["liaison", "reception", "leader", "anonymous"],
    "reopen": ["liaison", "leader", "reception"],
    "reject": ["reception", "liaison", "leader"],
    "withdraw": ["reception", "liaison", "leader"],
    "escalate": ["reception", "liaison", "other_liaison"],
    "take_over": ["reception", "liaison", "leader", "admin_user"],
    "return_down": ["reception", "liaison", "leader"],
    "assign_down": ["reception", "liaison", "leader", "plain_user"],
    "transfer": ["reception", "liaison", "leader"],
    "transfer_accept": ["reception", "liaison", "leader", "anonymous"],
    "transfer_decline": ["reception", "liaison", "leader"],
}


def make_actor(ctx: Ctx, role: str):
    if role == "plain_user":
        return UserFactory()  # a Django user with no staff profile
    if role == "anonymous":
        return AnonymousUser()
    return getattr(ctx, role)


@pytest.mark.parametrize(
    ("name", "role"),
    [
        pytest.param(name, role, id=f"{name}-by-{role}")
        for name, roles in WRONG_ROLES.items()
        for role in roles
    ],
)
def test_wrong_role_is_forbidden_and_changes_nothing(ctx, name, role):
    case = drive_to(ctx, TRY_IN[name])
    case.refresh_from_db()
    before = snapshot(case)

    with pytest.raises(ActionForbidden) as exc:
        fire(ctx, name, case, actor=make_actor(ctx, role))

    assert exc.value.status == 403
    if role == "other_liaison" and RIGHT_ACTOR[name] == "liaison":
        assert "牵头单位" in str(exc.value)
    else:
        assert "此操作仅限" in str(exc.value)
    assert_unchanged(case, before)


@pytest.mark.parametrize(
    ("name", "role", "state"),
    [
        ("supervise", "coordinator", State.ASSIGNED),
        ("supervise", "leader", State.HANDLING),
        ("escalate", "leader", State.SUPERVISED),
        ("escalate", "coordinator", State.ASSESSING),
        ("end_supervision", "leader", State.SUPERVISED),
        ("end_supervision", None, State.SUPERVISED),
    ],
)
def test_other_permitted_actors(ctx, name, role, state):
    case = drive_to(ctx, state)
    actor = getattr(ctx, role) if role else None

    case = fire(ctx, name, case, actor=actor)

    case.refresh_from_db()
    assert case.state == ALLOWED[name][state]
    event = case.events.latest("id")
    assert (event.transition, event.actor) == (name, actor)


def test_coordinator_records_a_callback_evaluation(ctx):
    case = drive_to(ctx, State.CLOSED)

    case, evaluation = services.case_evaluate(
        case=case, actor=ctx.coordinator, rating="basically_satisfied", comment="基本满意", channel="callback"
    )

    assert case.state == State.EVALUATED
    assert (evaluation.rating, evaluation.channel, evaluation.recorded_by) == (
        "basically_satisfied",
        "callback",
        ctx.coordinator,
    )
    assert case.events.latest("id").actor == ctx.coordinator


def test_liaison_of_a_co_department_cannot_act_for_the_lead(ctx):
    case = drive_to(ctx, State.ASSIGNED)
    assert list(case.co_departments.all()) == [ctx.other_department]
    before = snapshot(case)

    with pytest.raises(ActionForbidden):
        services.case_accept(case=case, actor=ctx.other_liaison)

    assert_unchanged(case, before)


# --- Required input --------------------------------------------------------------------------

MISSING = [
    ("assign", {"risk_colour": ""}, "risk_colour"),
    ("assign", {"risk_colour": "purple"}, "risk_colour"),
    ("assign", {"lead_department": None}, "lead_department"),
    ("return_to_center", {"reason": ""}, "reason"),
    ("return_to_center", {"reason": "   "}, "reason"),
    ("supervise", {"reason": ""}, "reason"),
    ("submit_result", {"result": ""}, "result"),
    ("submit_result", {"result": " \n "}, "result"),
    ("send_back", {"reason": ""}, "reason"),
    ("evaluate", {"rating": ""}, "rating"),
    ("evaluate", {"rating": "excellent"}, "rating"),
    ("evaluate", {"channel": "callback"}, "channel"),  # the party itself can only use the tracking page
    ("reopen", {"reason": ""}, "reason"),
    ("reject", {"reason": ""}, "reason"),
    ("reject", {"redirect_target": "moon"}, "redirect_target"),
    ("withdraw", {"reason": ""}, "reason"),
    ("escalate", {"reason": "  "}, "reason"),
    ("escalate", {"reason_kind": "whim"}, "reason_kind"),
    ("return_down", {"instructions": " "}, "instructions"),
    ("assign_down", {"instructions": ""}, "instructions"),
    ("assign_down", {"center": None}, "center"),
    ("assign_down", {"due_by": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}, "due_by"),
    ("transfer", {"reason": ""}, "reason"),
    ("transfer", {"to_center": None}, "to_center"),
    ("transfer_decline", {"reason": ""}, "reason"),
]


@pytest.mark.parametrize(
    ("name", "overrides", "field"),
    [pytest.param(n, o, f, id=f"{n}-{f}-{i}") for i, (n, o, f) in enumerate(MISSING)],
)
def test_missing_input_names_the_field_and_changes_nothing(ctx, name, overrides, field):
    case = drive_to(ctx, TRY_IN[name])
    case.refresh_from_db()
    before = snapshot(case)

    with pytest.raises(ValidationError) as exc:
        fire(ctx, name, case, **overrides)

    assert list(exc.value.message_dict) == [field]
    assert all(message.strip() for message in exc.value.message_dict[field])
    assert_unchanged(case, before)


def test_assign_to_an_inactive_department_is_refused(ctx):
    gone = DepartmentFactory(center=ctx.department.center, is_active=False)
    case = drive_to(ctx, State.ASSESSING)
    before = snapshot(case)

    with pytest.raises(ValidationError) as exc:
        fire(ctx, "assign", case, lead_department=gone)

    assert list(exc.value.message_dict) == ["lead_department"]
    assert_unchanged(case, before)


# --- Stale views: the second of two people acting on the same case ---------------------------


@pytest.mark.parametrize(
    ("state", "first", "second"),
    [
        (State.REVIEWING, "close", "close"),
        (State.REVIEWING, "close", "send_back"),
        (State.HANDLING, "submit_result", "supervise"),
        (State.ASSIGNED, "accept", "return_to_center"),
        (State.RECEIVED, "start_assessment", "reject"),
        (State.CLOSED, "evaluate", "reopen"),
    ],
)
def test_acting_on_a_stale_copy_raises_concurrent_change(ctx, state, first, second):
    case = drive_to(ctx, state)
    copy_a = Case.objects.get(pk=case.pk)
    copy_b = Case.objects.get(pk=case.pk)

    fire(ctx, first, copy_a)
    after_first = snapshot(case)

    with pytest.raises(ConcurrentChange) as exc:
        fire(ctx, second, copy_b)

    assert exc.value.status == 409
    assert "刷新" in str(exc.value)
    assert_unchanged(case, after_first)  # no event, no new version from the second person
    assert case.events.latest("id").transition == first


def test_version_counts_every_transition(ctx):
    case = drive_to(ctx, State.EVALUATED)
    case.refresh_from_db()
    transitions = case.events.exclude(transition="create").count()
    assert transitions == len(PATHS[State.EVALUATED])
    assert case.version == 1 + transitions
    assert list(case.events.values_list("transition", flat=True)) == ["create", *PATHS[State.EVALUATED]]


# --- Details of single transitions -----------------------------------------------------------


def test_assign_computes_deadlines_and_co_departments(ctx):
    third = DepartmentFactory(center=ctx.department.center)
    case = drive_to(ctx, State.ASSESSING)
    start = timezone.now()

    case = services.case_assign(
        case=case,
        actor=ctx.coordinator,
        risk_colour=RiskColour.RED,
        lead_department=ctx.department,
        co_departments=[ctx.department, ctx.other_department, third],
        instructions="限期调处",
    )

    case.refresh_from_db()
    assert case.state == State.ASSIGNED
    assert case.risk_colour == RiskColour.RED
    assert case.lead_department == ctx.department
    assert set(case.co_departments.all()) == {ctx.other_department, third}
    assert case.assigned_at is not None and case.assigned_at >= start
    assert start < case.accept_by < case.due_by
    assert case.due_by - start < dt.timedelta(days=60)  # red: days, not months
    assert case.accepted_at is None
    event = case.events.latest("id")
    assert event.data["lead_department"] == ctx.department.slug
    assert sorted(event.data["co_departments"]) == sorted([ctx.other_department.slug, third.slug])
    assert event.data["risk_colour"] == "red"


def test_accept_and_submit_record_their_times(ctx):
    case = drive_to(ctx, State.HANDLING)
    case.refresh_from_db()
    assert case.accepted_at is not None

    case = fire(ctx, "submit_result", case, result="已调解结案")

    case.refresh_from_db()
    assert case.result == "已调解结案"
    assert case.submitted_at >= case.accepted_at


def test_close_sets_and_reopen_clears_closed_at(ctx):
    case = drive_to(ctx, State.CLOSED)
    case.refresh_from_db()
    assert case.closed_at is not None

    fire(ctx, "reopen", case)

    case.refresh_from_db()
    assert case.state == State.HANDLING
    assert case.closed_at is None


@pytest.mark.parametrize("state", [State.CLOSED, State.EVALUATED])
def test_reopen_goes_to_supervised_when_an_order_is_open(ctx, state):
    case = drive_to(ctx, state)

    case = services.case_reopen(case=case, actor=ctx.coordinator, reason="回访不满意，督办", supervised=True)

    case.refresh_from_db()
    assert case.state == State.SUPERVISED
    event = case.events.latest("id")
    assert (event.transition, event.from_state, event.to_state) == ("reopen", state, State.SUPERVISED)


def test_evaluate_creates_an_evaluation(ctx):
    case = drive_to(ctx, State.CLOSED)

    case, evaluation = services.case_evaluate(
        case=case, actor=None, rating="dissatisfied", comment="没有解决"
    )

    assert Evaluation.objects.filter(case=case).count() == 1
    evaluation.refresh_from_db()
    assert (evaluation.rating, evaluation.comment, evaluation.channel) == (
        "dissatisfied",
        "没有解决",
        "tracking",
    )
    assert evaluation.recorded_by is None
    event = case.events.latest("id")
    assert event.data == {"rating": "dissatisfied", "channel": "tracking"}
    assert event.actor is None


def test_reject_stores_the_redirect_target(ctx):
    case = ctx.new_case()

    case = services.case_reject(
        case=case, actor=ctx.coordinator, reason="应向法院起诉", redirect_target="court"
    )

    case.refresh_from_db()
    assert case.state == State.REJECTED
    assert case.redirect_target == "court"
    event = case.events.latest("id")
    assert event.data == {"redirect_target": "court"}
    assert event.reason == "应向法院起诉"


def test_return_to_center_counts_and_logs_the_department(ctx):
    case = drive_to(ctx, State.ASSIGNED)

    case = fire(ctx, "return_to_center", case)

    case.refresh_from_db()
    assert case.state == State.ASSESSING
    assert case.return_count == 1
    assert not case.is_problem
    assert case.events.latest("id").data == {"department": ctx.department.slug}


def test_returned_three_times_becomes_a_problem_case(ctx):
    case = drive_to(ctx, State.ASSESSING)
    for n in range(1, 4):
        case = fire(ctx, "assign", case, risk_colour=RiskColour.BLUE)
        case = fire(ctx, "return_to_center", case)
        case.refresh_from_db()
        assert case.return_count == n
        assert case.is_problem is (n == 3)

    assert case.risk_colour == RiskColour.RED
    assert case.state == State.ASSESSING
    flags = case.events.filter(transition="flag_problem")
    assert flags.count() == 1
    assert (flags.get().from_state, flags.get().to_state) == (State.ASSESSING, State.ASSESSING)


def test_sent_back_three_times_becomes_a_problem_case(ctx):
    case = drive_to(ctx, State.REVIEWING)
    for n in range(1, 4):
        case = fire(ctx, "send_back", case)
        case.refresh_from_db()
        assert (case.send_back_count, case.is_problem) == (n, n == 3)
        if n < 3:
            case = fire(ctx, "submit_result", case)

    assert case.risk_colour == RiskColour.RED
    assert case.state == State.HANDLING


def test_handed_across_three_departments_becomes_a_problem_case(ctx):
    third = DepartmentFactory(center=ctx.department.center)
    third_liaison = StaffFactory(role=Role.LIAISON, center=ctx.department.center, department=third).user
    case = drive_to(ctx, State.ASSESSING)
    for lead, liaison in [(ctx.department, ctx.liaison), (ctx.other_department, ctx.other_liaison)]:
        case = fire(ctx, "assign", case, lead_department=lead, co_departments=[])
        case = fire(ctx, "return_to_center", case, actor=liaison)
    case.refresh_from_db()
    assert not case.is_problem

    case = fire(ctx, "assign", case, lead_department=third, co_departments=[])

    case.refresh_from_db()
    assert case.is_problem
    assert case.risk_colour == RiskColour.RED
    # The third department's liaison can now accept it.
    case = fire(ctx, "accept", case, actor=third_liaison)
    assert case.state == State.HANDLING


def test_events_are_append_only(ctx):
    case = ctx.new_case()
    event = case.events.get()

    event.reason = "篡改"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()

    assert case.events.get().reason == ""
