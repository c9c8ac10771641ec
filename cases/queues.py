"""Reads for the coordinator workbench and the department dashboard; constant queries per page."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case as DbCase
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, When
from django.utils import timezone

from departments.models import Department
from departments.scope import own_center_q

from .models import OPEN_STATES, WITH_DEPARTMENT_STATES, WORKING_STATES, Case, CaseEvent, RiskColour, State

DUE_SOON = dt.timedelta(days=2)
RECENTLY_CLOSED_DAYS = 30


def recently_closed_since(now: dt.datetime) -> dt.datetime:
    """Return the start of the desk's "closed in the last 30 days": local midnight 30 days ago.

    Whole local days, so a case closed late on a day leaves the list on the same date as one
    closed in the morning, whatever the server's own time zone.
    """
    first_day = timezone.localdate(now) - dt.timedelta(days=RECENTLY_CLOSED_DAYS)
    return timezone.make_aware(dt.datetime.combine(first_day, dt.time.min), timezone.get_current_timezone())


def overdue_q(now: dt.datetime) -> Q:
    """Cases whose running deadline has passed: acceptance while assigned, handling afterwards."""
    return Q(state=State.ASSIGNED, accept_by__lt=now) | Q(
        state__in=[State.HANDLING, State.SUPERVISED], due_by__lt=now
    )


def due_soon_q(now: dt.datetime) -> Q:
    return Q(state=State.ASSIGNED, accept_by__gte=now, accept_by__lt=now + DUE_SOON) | Q(
        state__in=[State.HANDLING, State.SUPERVISED], due_by__gte=now, due_by__lt=now + DUE_SOON
    )


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    condition: object  # a callable now -> Q


def _queues():
    from django.utils.translation import gettext_lazy as _

    return [
        Queue("new", _("新受理"), lambda now: Q(state=State.RECEIVED)),
        Queue("assessing", _("研判中"), lambda now: Q(state=State.ASSESSING, return_count=0)),
        Queue("returned", _("部门退回"), lambda now: Q(state=State.ASSESSING, return_count__gt=0)),
        Queue("reviewing", _("待审核"), lambda now: Q(state=State.REVIEWING)),
        Queue(
            "red",
            _("红色预警"),
            lambda now: (
                Q(state__in=OPEN_STATES, risk_colour=RiskColour.RED)
                | Q(state__in=OPEN_STATES, risk_colour="", proposed_colour=RiskColour.RED)
            ),
        ),
        Queue("due_soon", _("即将到期"), due_soon_q),
        Queue("overdue", _("已超期"), overdue_q),
        Queue("problem", _("问题工单"), lambda now: Q(state__in=OPEN_STATES, is_problem=True)),
    ]


QUEUES = {q.key: q for q in _queues()}


def coordinator_queue_counts(*, user, now: dt.datetime) -> dict[str, int]:
    """Count every queue in one aggregate query over the open cases (every queue is a subset).

    The workbench is the user's own center's: the cases it holds (departments.scope.own_center_q).
    """
    return Case.objects.filter(own_center_q(user), state__in=OPEN_STATES).aggregate(
        **{q.key: Count("id", filter=q.condition(now)) for q in QUEUES.values()}
    )


def coordinator_queue(*, user, key: str, now: dt.datetime, filters: dict | None = None) -> QuerySet[Case]:
    """The cases of one queue held by the user's own center, filtered and sorted (by deadline unless told otherwise)."""
    filters = filters or {}
    cases = Case.objects.filter(own_center_q(user), QUEUES[key].condition(now)).select_related(
        "lead_department"
    )
    if filters.get("colour"):
        cases = cases.filter(
            Q(risk_colour=filters["colour"]) | Q(risk_colour="", proposed_colour=filters["colour"])
        )
    if filters.get("category"):
        cases = cases.filter(category=filters["category"])
    if filters.get("department"):
        cases = cases.filter(lead_department=filters["department"])
    if filters.get("source"):
        cases = cases.filter(source=filters["source"])
    if filters.get("date_from"):
        cases = cases.filter(created_at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        cases = cases.filter(created_at__date__lte=filters["date_to"])
    sort = filters.get("sort") or "deadline"
    if sort == "-created":
        return cases.order_by("-created_at", "-id")
    if sort == "created":
        return cases.order_by("created_at", "id")
    return cases.annotate(running_deadline=running_deadline()).order_by(
        F("running_deadline").asc(nulls_last=True), "created_at", "id"
    )


def running_deadline():
    """The deadline that is running now: acceptance while assigned, handling while with a department."""
    return DbCase(
        When(state=State.ASSIGNED, then=F("accept_by")),
        When(state__in=[State.HANDLING, State.SUPERVISED], then=F("due_by")),
        default=None,
    )


def department_cases_q(department: Department) -> Q:
    """A department's cases: those it leads and those it co-operates on."""
    co = Case.co_departments.through.objects.filter(case_id=OuterRef("pk"), department_id=department.pk)
    return Q(lead_department=department) | Q(Exists(co))


@dataclass
class DashboardGroups:
    to_accept: list
    handling: list
    supervised: list
    returned: list
    reviewing: list
    closed_recently: list


def department_dashboard(*, department: Department, now: dt.datetime) -> DashboardGroups:
    """A department's cases grouped for its liaisons: two queries whatever their number."""
    mine = department_cases_q(department)
    last_transition = (
        CaseEvent.objects.filter(case_id=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .values("transition")[:1]
    )
    open_cases = list(
        Case.objects.filter(mine, state__in=WORKING_STATES)
        .select_related("lead_department")
        .annotate(last_transition=Subquery(last_transition))
        .order_by("due_by", "accept_by", "id")
    )
    closed = list(
        Case.objects.filter(
            mine, state__in=[State.CLOSED, State.EVALUATED], closed_at__gte=recently_closed_since(now)
        )
        .select_related("lead_department")
        .order_by("-closed_at", "-id")
    )
    groups = DashboardGroups([], [], [], [], [], closed)
    for case in open_cases:
        case.is_lead = case.lead_department_id == department.pk
        if case.state == State.ASSIGNED:
            (groups.to_accept if case.is_lead else groups.handling).append(case)
        elif case.state == State.SUPERVISED:
            groups.supervised.append(case)
        elif case.state == State.REVIEWING:
            groups.reviewing.append(case)
        elif case.last_transition in ("send_back", "reopen"):
            groups.returned.append(case)
        else:
            groups.handling.append(case)
    return groups


def case_page(*, case_id: int) -> Case:
    """Everything the case page shows, loaded in a fixed number of queries."""
    from django.db.models import Prefetch

    from .models import Attachment, Evaluation, HandlingRecord, Party, Visit

    return (
        Case.objects.select_related(
            "center",
            "desk__department",
            "lead_department",
            "package",
            "created_by",
            "place__parent",
            "place__township",
        )
        .prefetch_related(
            Prefetch("parties", queryset=Party.objects.order_by("order", "id")),
            "co_departments",
            "requested_services",
            "package__services",
            Prefetch(
                "records",
                queryset=HandlingRecord.objects.select_related("department", "author").prefetch_related(
                    "attachments"
                ),
            ),
            Prefetch(
                "events",
                queryset=CaseEvent.objects.select_related("actor__staff_profile").order_by(
                    "created_at", "id"
                ),
            ),
            Prefetch("evaluations", queryset=Evaluation.objects.order_by("created_at", "id")),
            Prefetch("attachments", queryset=Attachment.objects.filter(record__isnull=True)),
            Prefetch("visits", queryset=Visit.objects.select_related("desk")),
        )
        .get(pk=case_id)
    )


# --- Tallies for the menu's badges and the start pages' "today" panel ------------------------
# Each tally is {"count", "overdue", "due_soon"}, counted in one aggregate query; the rows
# behind it are exactly the rows of the queue's own page.

# The workbench's queues that wait on a coordinator's decision (not the supervision views).
TO_DECIDE_QUEUES = ("new", "assessing", "returned", "reviewing")
CENTER_STATES = (State.RECEIVED, State.ASSESSING, State.REVIEWING)


def assess_overdue_q(now: dt.datetime) -> Q:
    """Cases not yet assigned whose assessment deadline has passed (a returned case is not timed again)."""
    return Q(state__in=[State.RECEIVED, State.ASSESSING], assigned_at__isnull=True, assess_by__lt=now)


def assess_due_soon_q(now: dt.datetime) -> Q:
    return Q(
        state__in=[State.RECEIVED, State.ASSESSING],
        assigned_at__isnull=True,
        assess_by__gte=now,
        assess_by__lt=now + DUE_SOON,
    )


def workbench_tallies(*, user, now: dt.datetime) -> dict[str, dict[str, int]]:
    """Count the queues waiting on the user's center's coordinators, with their overdue and soon-due cases, in one query."""
    aggregates = {}
    for key in TO_DECIDE_QUEUES:
        condition = QUEUES[key].condition(now)
        aggregates[f"{key}_count"] = Count("id", filter=condition)
        aggregates[f"{key}_overdue"] = Count("id", filter=condition & assess_overdue_q(now))
        aggregates[f"{key}_due_soon"] = Count("id", filter=condition & assess_due_soon_q(now))
    # Every one of these queues is held by the center: scan only the states it holds cases in.
    row = Case.objects.filter(own_center_q(user), state__in=CENTER_STATES).aggregate(**aggregates)
    return {
        key: {
            "count": row[f"{key}_count"],
            "overdue": row[f"{key}_overdue"],
            "due_soon": row[f"{key}_due_soon"],
        }
        for key in TO_DECIDE_QUEUES
    }


def cases_to_decide_by_deadline(*, user, now: dt.datetime, limit: int = 3) -> list[Case]:
    """The user's center's cases waiting on a coordinator with the nearest assessment deadline, the most urgent first."""
    condition = Q()
    for key in TO_DECIDE_QUEUES:
        condition |= QUEUES[key].condition(now)
    return list(
        Case.objects.filter(own_center_q(user), condition)
        .filter(assigned_at__isnull=True, assess_by__isnull=False)
        .order_by("assess_by", "id")[:limit]
    )


def department_desk_tally(*, department: Department, now: dt.datetime) -> dict[str, int]:
    """Count the desk's cases the department must act on (all but those awaiting the center's review)."""
    return Case.objects.filter(department_cases_q(department), state__in=WITH_DEPARTMENT_STATES).aggregate(
        count=Count("id"),
        overdue=Count("id", filter=overdue_q(now)),
        due_soon=Count("id", filter=due_soon_q(now)),
    )


def department_cases_by_deadline(*, department: Department, limit: int = 3) -> list[Case]:
    """The department's cases to act on with the nearest running deadline, the most urgent first."""
    return list(
        Case.objects.filter(department_cases_q(department), state__in=WITH_DEPARTMENT_STATES)
        .annotate(running_deadline=running_deadline())
        .filter(running_deadline__isnull=False)
        .order_by("running_deadline", "id")[:limit]
    )


def received_today_tally(*, user, now: dt.datetime) -> dict[str, int]:
    """Count the cases the user registered today (local day): reception's own figure."""
    midnight = timezone.make_aware(
        dt.datetime.combine(timezone.localdate(now), dt.time.min), timezone.get_current_timezone()
    )
    count = Case.objects.filter(created_by=user, created_at__gte=midnight, created_at__lte=now).count()
    return {"count": count, "overdue": 0, "due_soon": 0}


# --- 吹哨待报到 ----------------------------------------------------------------------------------

# A summons due within this is flagged as due soon (the menu's amber): an urgent call allows two hours.
SUMMONS_DUE_SOON = dt.timedelta(hours=2)


def department_summonses(*, department: Department) -> list:
    """The summonses waiting for the department's 报到, the earliest deadline first (one query)."""
    from .models import WhistleSummons

    return list(
        WhistleSummons.objects.filter(department=department, status=WhistleSummons.Status.WAITING)
        .select_related("whistle__case", "whistle__center")
        .order_by("respond_by", "id")
    )


def department_summons_tally(*, department: Department, now: dt.datetime) -> dict[str, int]:
    """Count the summonses waiting for the department's 报到, and those overdue or due soon."""
    from .models import WhistleSummons

    return WhistleSummons.objects.filter(
        department=department, status=WhistleSummons.Status.WAITING
    ).aggregate(
        count=Count("id"),
        overdue=Count("id", filter=Q(respond_by__lt=now)),
        due_soon=Count("id", filter=Q(respond_by__gte=now, respond_by__lt=now + SUMMONS_DUE_SOON)),
    )


# --- Hops between centers: what a center's coordinators decide on or follow up -----------------


@dataclass(frozen=True)
class ReferralQueue:
    key: str
    label: str
    condition: object  # a callable center → Q on Referral


def _referral_queues():
    from django.utils.translation import gettext_lazy as _

    from .models import ReferralKind, ReferralStatus

    return [
        ReferralQueue(
            "referrals_up",
            _("下级上报"),
            lambda center: Q(kind=ReferralKind.UP, status=ReferralStatus.PENDING, to_center=center),
        ),
        ReferralQueue(
            "transfers",
            _("移交待定"),
            lambda center: Q(kind=ReferralKind.TRANSFER, status=ReferralStatus.PENDING, via_center=center),
        ),
        ReferralQueue(
            "down_active",
            _("下派在办"),
            lambda center: Q(kind=ReferralKind.DOWN, status=ReferralStatus.ACTIVE, from_center=center),
        ),
        ReferralQueue(
            "down_reported",
            _("下派待审核"),
            lambda center: Q(kind=ReferralKind.DOWN, status=ReferralStatus.REPORTED, from_center=center),
        ),
    ]


REFERRAL_QUEUES = {q.key: q for q in _referral_queues()}


def referral_queue_counts(*, center, now: dt.datetime) -> dict[str, int]:
    """Count each hop queue of ``center`` in one aggregate query; ``down_overdue``: 下派 past their deadline."""
    from .models import Referral

    if center is None:
        return {**dict.fromkeys(REFERRAL_QUEUES, 0), "down_overdue": 0}
    down_active = REFERRAL_QUEUES["down_active"].condition(center)
    return Referral.objects.filter(
        Q(to_center=center) | Q(via_center=center) | Q(from_center=center)
    ).aggregate(
        **{q.key: Count("id", filter=q.condition(center)) for q in REFERRAL_QUEUES.values()},
        down_overdue=Count("id", filter=down_active & Q(due_by__lt=now)),
    )


def referral_queue(*, key: str, center) -> QuerySet:
    """The hops of one queue of ``center``: oldest deadline (or oldest hop) first, centers and case selected."""
    from .models import Referral

    if center is None:
        return Referral.objects.none()
    return (
        Referral.objects.filter(REFERRAL_QUEUES[key].condition(center))
        .select_related("case", "from_center", "to_center", "via_center")
        .order_by(F("due_by").asc(nulls_last=True), "created_at", "id")
    )
