"""Play demo plans through the real lifecycle services, then date them back to when they happened.

Every case is created by ``case_create`` and moved only by the services, so its event log is a
true replay of the state machine. The services stamp everything "now"; afterwards the event,
record and evaluation times are rewritten in bulk to the plan's timeline, and the deadlines
are recomputed from the dated assignment under the deadline policy.
"""

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from cases import services as s
from cases.models import Case, CaseEvent, Evaluation, HandlingRecord, Visit
from departments.deadlines import deadline_for
from departments.models import Center, Department, Place, Service, ServicePackage, Stage

from .content import INSTRUCTIONS
from .planning import Plan, plan_cases

SEED = 20261127
CASE_TIME_FIELDS = ("assigned_at", "accepted_at", "submitted_at", "closed_at")


@dataclass
class DemoStaff:
    """The demo users who act on the cases."""

    reception: object
    coordinator: object
    leader: object
    liaisons: dict[str, object]  # department slug (or the kind of matter it leads) → user


@dataclass
class _Driven:
    """What playing one plan left behind, waiting to be dated."""

    case: Case
    plan: Plan
    event_times: list[dt.datetime] = field(default_factory=list)
    dated_rows: list[tuple[object, dt.datetime]] = field(default_factory=list)  # records, evaluations, visits
    assign_colour: str = ""
    assign_package: ServicePackage | None = None


class _Driver:
    def __init__(
        self,
        *,
        county: Center,
        subcenters: dict[str, Center],
        staff: DemoStaff,
        departments: dict[str, Department] | None = None,
        places: dict[tuple[str, str], Place] | None = None,
    ):
        self.county, self.subcenters, self.staff = county, subcenters, staff
        self.places = places or {}
        if departments is None:
            departments = {
                d.slug: d for d in Department.objects.filter(slug__in=staff.liaisons, is_active=True)
            }
        prefetch_related_objects(list(departments.values()), "desks")
        self.departments = departments
        self.packages = {p.slug: p for p in ServicePackage.objects.prefetch_related("services")}
        self.services = {sv.slug: sv for sv in Service.objects.all()}

    def play(self, plan: Plan) -> _Driven:
        staff, template = self.staff, plan.template
        center = self.subcenters.get(plan.subcenter_town, self.county)
        desk = None
        if plan.source == "walk_in" and center == self.county:
            desk = next(iter(self.departments[plan.lead].desks.all()), None)
        creator = staff.reception if plan.source in ("walk_in", "hotline") else staff.coordinator
        place = None
        if "{town}" in template.where or "{village}" in template.where:
            place = self.places.get((plan.facts["town"], plan.facts["village"]))
        case = s.case_create(
            actor=creator,
            title=plan.title,
            description=plan.description,
            category=template.category,
            source=plan.source,
            parties=plan.parties,
            location=plan.location,
            center=center,
            place=place,
            desk=desk,
            requested_services=[self.services[slug] for slug in template.services if slug in self.services],
            proposed_colour=plan.proposed_colour,
            colour_reason=plan.colour_reason,
            is_collective=template.group,
            people_count=plan.facts["n"] if template.group else None,
        )
        driven = _Driven(case=case, plan=plan, event_times=[plan.times[0]])
        lead = None
        for step, when in zip(plan.steps, plan.times[1:], strict=True):
            if step.kind == "record":
                author = staff.coordinator if step.dept == "center" else staff.liaisons[step.dept or lead]
                record = s.handling_record_add(
                    case=case,
                    actor=author,
                    text=step.text,
                    kind=step.extra,
                    is_public=step.extra in ("contact", "progress"),
                )
                driven.dated_rows.append((record, when))
                continue
            if step.kind == "assign":
                lead = step.dept
                driven.assign_colour, driven.assign_package = step.colour, self.packages.get(step.extra)
            case = self._transition(case, step, lead, driven, when)
            driven.event_times.append(when)
        driven.case = case
        return driven

    def _transition(self, case: Case, step, lead: str, driven: _Driven, when: dt.datetime) -> Case:
        staff, coordinator = self.staff, self.staff.coordinator
        senior = {"leader": staff.leader, "coordinator": coordinator, "sweep": None}
        match step.kind:
            case "start_assessment":
                return s.case_start_assessment(case=case, actor=coordinator)
            case "assign":
                return s.case_assign(
                    case=case,
                    actor=coordinator,
                    risk_colour=step.colour,
                    lead_department=self.departments[step.dept],
                    co_departments=[self.departments[slug] for slug in step.co],
                    package=driven.assign_package,
                    instructions=INSTRUCTIONS[step.colour],
                )
            case "accept":
                return s.case_accept(case=case, actor=staff.liaisons[lead])
            case "return_to_center":
                return s.case_return_to_center(case=case, actor=staff.liaisons[step.dept], reason=step.text)
            case "supervise":
                return s.case_supervise(case=case, actor=senior[step.extra], reason=step.text)
            case "submit_result":
                return s.case_submit_result(case=case, actor=staff.liaisons[lead], result=step.text)
            case "send_back":
                return s.case_send_back(case=case, actor=coordinator, reason=step.text)
            case "close":
                return s.case_close(case=case, actor=coordinator)
            case "evaluate":
                channel = "callback" if step.flag else "tracking"
                case, evaluation = s.case_evaluate(
                    case=case,
                    actor=coordinator if step.flag else None,
                    rating=step.extra,
                    comment=step.text,
                    channel=channel,
                )
                driven.dated_rows.append((evaluation, when))
                return case
            case "reopen":
                return s.case_reopen(case=case, actor=coordinator, reason=step.text, supervised=step.flag)
            case "reject":
                return s.case_reject(
                    case=case, actor=coordinator, reason=step.text, redirect_target=step.extra
                )
            case "withdraw":
                return s.case_withdraw(case=case, actor=coordinator, reason=step.text)
            case "escalate":
                return s.case_escalate(case=case, actor=senior[step.extra], reason=step.text)
            case "visit":
                visit = s.case_record_visit(
                    case=case, actor=staff.reception, visitor=driven.plan.parties[0], note=step.text
                )
                driven.dated_rows.append((visit, when))
                return case  # a visit is no transition: the case keeps its version
        raise ValueError(step.kind)


def _date_back(driven_cases: list[_Driven]) -> None:
    """Rewrite the services' "now" stamps to each plan's timeline, in a few bulk updates."""
    by_case = {d.case.pk: d for d in driven_cases}
    events = list(CaseEvent.objects.filter(case_id__in=by_case).order_by("case_id", "id"))
    real_to_planned: dict[int, dict[dt.datetime, dt.datetime]] = defaultdict(dict)
    position: dict[int, int] = defaultdict(int)
    for event in events:
        driven = by_case[event.case_id]
        if event.transition == "flag_problem":  # written by the same service call as the event before it
            planned = driven.event_times[position[event.case_id] - 1]
        else:
            planned = driven.event_times[position[event.case_id]]
            position[event.case_id] += 1
        real_to_planned[event.case_id][event.created_at] = planned
        event.created_at = planned
    CaseEvent.objects.bulk_update(events, ["created_at"], batch_size=500)

    rows_by_model = defaultdict(list)
    for driven in driven_cases:
        for row, when in driven.dated_rows:
            row.created_at = row.updated_at = when
            rows_by_model[type(row)].append(row)
    for model in (HandlingRecord, Evaluation, Visit):
        model.objects.bulk_update(rows_by_model[model], ["created_at", "updated_at"], batch_size=500)

    cases = []
    for driven in driven_cases:
        case, mapping = driven.case, real_to_planned[driven.case.pk]
        case.created_at = driven.event_times[0]
        case.updated_at = max(
            driven.event_times[-1], *(when for _row, when in driven.dated_rows), case.created_at
        )
        for name in CASE_TIME_FIELDS:
            value = getattr(case, name)
            if value is not None:
                setattr(case, name, mapping.get(value, driven.event_times[-1]))
        # The receipt's "assess by", from the planned intake time (the sweep watches it).
        case.assess_by = deadline_for(
            stage=Stage.ASSESS, colour=case.proposed_colour, start=case.created_at, category=case.category
        )
        if case.assigned_at is not None:
            case.accept_by, case.due_by = s.assignment_deadlines(
                case=case,
                risk_colour=driven.assign_colour,
                package=driven.assign_package,
                start=case.assigned_at,
            )
        cases.append(case)
    Case.objects.bulk_update(
        cases,
        ["created_at", "updated_at", *CASE_TIME_FIELDS, "assess_by", "accept_by", "due_by"],
        batch_size=200,
    )


def demo_case_count(center: Center) -> int:
    """Return how many demo cases came in at ``center`` (not the travelling cases of demo.travel)."""
    from .travel import KEY as TRAVEL_KEY

    return Case.objects.filter(intake_center=center).exclude(intake_key__startswith=TRAVEL_KEY).count()


def max_age_days(now: dt.datetime, *, days: int = 120) -> float:
    """Spread cases over ``days``, but not across New Year while the year is long enough."""
    local = timezone.localtime(now)
    into_year = (local - local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)).days
    return float(min(days, into_year)) if into_year >= 60 else float(days)


@transaction.atomic
def generate_cases(
    *,
    county: Center,
    staff: DemoStaff,
    count: int,
    subcenters: dict[str, Center] | None = None,
    seed: int = SEED,
    now: dt.datetime | None = None,
    departments: dict[str, Department] | None = None,
    towns: dict[str, tuple[str, ...]] | None = None,
    places: dict[tuple[str, str], Place] | None = None,
    county_name: str = "",
) -> list[Case]:
    """Create ``count`` demo cases through the lifecycle services, dated over recent months.

    ``county`` is the center taking them in (any center: a township's cases come in there).
    ``subcenters`` maps a town to a township center where some of its cases come in (acted on by
    ``staff`` all the same). ``departments`` maps the kind of department the matters name as lead
    (``justice``, ``police``…, see demo.matters) to the center's own department, and
    ``staff.liaisons`` uses the same keys; by default the keys are the departments' slugs.
    ``towns`` (town → villages) is where matters happen; ``places`` ((town, village) → Place)
    gives a case its place.
    """
    now = now or timezone.now()
    driver = _Driver(
        county=county, subcenters=subcenters or {}, staff=staff, departments=departments, places=places
    )
    departments = list(driver.departments)
    plans = plan_cases(
        count,
        rng=random.Random(seed),
        now=now,
        tz=timezone.get_current_timezone(),
        departments=departments,
        short_names={slug: d.short_name for slug, d in driver.departments.items()},
        max_age_days=max_age_days(now),
        towns=towns,
        county=county_name,
    )
    driven_cases = [driver.play(plan) for plan in plans]
    _date_back(driven_cases)
    return [d.case for d in driven_cases]
