"""Plan the demo cases: who, what, where, which path through the lifecycle, and when.

A plan is pure data drawn from one seeded random generator, so the same seed always gives
the same cases. :mod:`demo.driving` then plays each plan through the real services.
"""

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from cases.models import Source, State
from cases.services import PartyData

from . import content as c
from .people import facts_for, parties_for

SUBCENTER_TOWNS = ("白鹤镇", "青石镇")
STATE_WEIGHTS = {
    State.RECEIVED: 4,
    State.ASSESSING: 5,
    State.ASSIGNED: 7,
    State.HANDLING: 14,
    State.SUPERVISED: 6,
    State.REVIEWING: 6,
    State.CLOSED: 13,
    State.EVALUATED: 26,
    State.REJECTED: 7,
    State.WITHDRAWN: 7,
    State.ESCALATED: 5,
}
SOURCE_WEIGHTS = {
    Source.WALK_IN: 40,
    Source.HOTLINE: 20,
    Source.GRID: 15,
    Source.POLICE: 8,
    Source.ONLINE: 10,
    Source.UPSTREAM: 7,
}
WITH_ASSIGNMENT = {
    State.ASSIGNED,
    State.HANDLING,
    State.SUPERVISED,
    State.REVIEWING,
    State.CLOSED,
    State.EVALUATED,
}
COLOURS = ("red", "yellow", "blue")
# Hours each step takes after the one before it (low, high), for a blue case; red goes faster.
DURATIONS = {
    "start_assessment": (0.1, 4),
    "assign": (0.5, 20),
    "accept": (0.3, 20),
    "return_to_center": (1, 24),
    "record": (12, 96),
    "supervise": (24, 120),
    "submit_result": (24, 160),
    "send_back": (3, 48),
    "close": (2, 48),
    "evaluate": (24, 240),
    "reopen": (24, 240),
    "reject": (0.3, 24),
    "withdraw": (24, 240),
    "escalate": (24, 120),
    "visit": (24, 200),
}
SPEED = {"red": 0.4, "yellow": 0.7, "blue": 1.0}
# How long ago (days) a case in this state was received: open ones recently, finished ones any time.
AGE_DAYS = {
    State.RECEIVED: (0.02, 1.2),
    State.ASSESSING: (0.1, 3),
    State.ASSIGNED: (0.3, 5),
    State.HANDLING: (1, 35),
    State.SUPERVISED: (5, 50),
    State.REVIEWING: (4, 40),
}
FINISHED_AGE_DAYS = (3, 120)
# Roughly how many calendar days the handling deadline of each colour spans (7, 15, 30 working days).
DUE_SOON_DAYS = {"red": 10, "yellow": 22, "blue": 43}


@dataclass
class Step:
    """One call of a lifecycle service (or a handling record) in a plan."""

    kind: str
    dept: str = ""  # department slug: who assigns/returns/records; "" = the lead, "center" = coordinator
    co: tuple[str, ...] = ()
    colour: str = ""
    text: str = ""
    extra: str = ""  # record kind, package, rating, redirect target, or who supervises/escalates
    flag: bool = False  # reopen under supervision; evaluation taken by callback


@dataclass
class Plan:
    """Everything about one demo case, decided before any row is written."""

    template: c.Template
    facts: dict
    state: str
    lead: str
    colour: str
    source: str
    parties: list[PartyData]
    co: tuple[str, ...] = ()
    package: str = ""  # slug of the service package chosen at assignment
    detours: tuple[str, ...] = ()
    subcenter_town: str = ""
    proposed_colour: str = ""
    colour_reason: str = ""
    steps: list[Step] = field(default_factory=list)
    times: list[dt.datetime] = field(default_factory=list)  # intake, then one per step

    @property
    def title(self) -> str:
        return self.template.title.format_map(self.facts)

    @property
    def description(self) -> str:
        return self.template.description.format_map(self.facts)

    @property
    def location(self) -> str:
        return self.template.where.format_map(self.facts)


# --- Paths through the lifecycle ---------------------------------------------------------------


class _PathBuilder:
    """Build the steps that take one plan from ``received`` to its state."""

    def __init__(self, plan: Plan, rng: random.Random, short_names: dict[str, str]):
        self.plan, self.rng, self.short_names = plan, rng, short_names
        self.result = plan.template.result.format_map(plan.facts)

    def to(self, state: str, variant: str = "", rating: str = "") -> list[Step]:
        p, rng = self.plan, self.rng
        if state == State.RECEIVED:
            return []
        if state == State.ASSESSING:
            steps = [Step("start_assessment")]
            for wrong in p.detours:
                reason = c.RETURN_REASON.format(lead=self.short_names[p.lead])
                steps += [
                    Step("assign", dept=wrong, colour=p.colour),
                    Step("return_to_center", dept=wrong, text=reason),
                ]
            return steps
        if state == State.ASSIGNED:
            return [
                *self.to(State.ASSESSING),
                Step("assign", dept=p.lead, co=p.co, colour=p.colour, extra=p.package),
            ]
        if state == State.HANDLING:
            if variant == "reopened":
                return [
                    *self.to(State.EVALUATED, rating="dissatisfied"),
                    Step("reopen", text=c.REOPEN_REASON),
                    *self.work(1),
                ]
            steps = [*self.to(State.ASSIGNED), Step("accept"), *self.work()]
            if variant == "sent_back":
                reason = rng.choice(c.SEND_BACK_REASONS)
                steps += [
                    Step("submit_result", text=self.result),
                    Step("send_back", text=reason),
                    *self.work(1),
                ]
            return steps
        if state == State.SUPERVISED:
            if variant == "from_assigned":
                return [
                    *self.to(State.ASSIGNED),
                    Step("supervise", extra="sweep", text=c.SUPERVISE_REASONS["sweep"]),
                ]
            if variant == "reopened":
                return [
                    *self.to(State.EVALUATED, rating="dissatisfied"),
                    Step("reopen", text=c.SUPERVISE_REASONS["reopened"], flag=True),
                    *self.work(1),
                ]
            who = rng.choice(("coordinator", "leader"))
            return [
                *self.to(State.HANDLING),
                Step("supervise", extra=who, text=c.SUPERVISE_REASONS[who]),
                *self.work(1),
            ]
        if state == State.REVIEWING:
            base = self.to(State.SUPERVISED) if variant == "supervised" else self.to(State.HANDLING, variant)
            return [*base, Step("submit_result", text=self.result)]
        if state == State.CLOSED:
            return [*self.to(State.REVIEWING, variant), Step("close")]
        if state == State.EVALUATED:
            rating = (
                rating or rng.choices(("satisfied", "basically_satisfied", "dissatisfied"), (75, 18, 7))[0]
            )
            comment = rng.choice(c.COMMENTS[rating])
            return [
                *self.to(State.CLOSED, variant),
                Step("evaluate", extra=rating, text=comment, flag=rng.random() < 0.4),
            ]
        if state == State.REJECTED:
            reason, target = rng.choice(c.REJECT_REASONS)
            assess = [Step("start_assessment")] if rng.random() < 0.6 else []
            return [*assess, Step("reject", text=reason, extra=target)]
        if state == State.WITHDRAWN:
            return [*self.to(variant), Step("withdraw", text=rng.choice(c.WITHDRAW_REASONS))]
        if state == State.ESCALATED:
            who = rng.choice(("coordinator", "leader"))
            return [*self.to(variant), Step("escalate", extra=who, text=rng.choice(c.ESCALATE_REASONS))]
        raise ValueError(state)

    def work(self, count: int | None = None) -> list[Step]:
        """Return handling records: the lead's, the co-departments', now and then a center note."""
        p, rng = self.plan, self.rng
        count = count or rng.randint(1, 3)
        kinds = ["contact", *rng.choices(("progress", "progress", "next_step", "contact"), k=count - 1)]
        steps = [
            Step("record", extra=k, text=rng.choice(c.RECORDS[k]).format_map(p.facts)) for k in kinds[:count]
        ]
        for slug in p.co:
            if rng.random() < 0.6:
                text = rng.choice(c.RECORDS["cooperation"]).format(dept=self.short_names[slug])
                steps.append(Step("record", dept=slug, extra="cooperation", text=text))
        if rng.random() < 0.15:
            steps.append(Step("record", dept="center", extra="note", text=c.RECORDS["note"][0]))
        return steps


def _variant(rng: random.Random, state: str) -> str:
    """Pick a less common route to ``state`` now and then (or the state a case left from)."""
    choices = {
        State.HANDLING: (("", "reopened", "sent_back"), (80, 8, 12)),
        State.SUPERVISED: (("", "from_assigned", "reopened"), (60, 30, 10)),
        State.REVIEWING: (("", "supervised", "sent_back"), (70, 20, 10)),
        State.CLOSED: (("", "sent_back"), (90, 10)),
        State.EVALUATED: (("", "sent_back"), (90, 10)),
        State.WITHDRAWN: (
            (
                State.RECEIVED,
                State.ASSESSING,
                State.ASSIGNED,
                State.HANDLING,
                State.SUPERVISED,
                State.REVIEWING,
            ),
            (2, 3, 2, 4, 1, 1),
        ),
        State.ESCALATED: ((State.ASSESSING, State.HANDLING, State.SUPERVISED), (3, 4, 3)),
    }
    if state not in choices:
        return ""
    values, weights = choices[state]
    return rng.choices(values, weights)[0]


# --- Time ---------------------------------------------------------------------------------------


def _office_hours(moment: dt.datetime, tz) -> dt.datetime:
    """Move a staff action into office hours (08:30–17:30, Monday to Friday)."""
    local = moment.astimezone(tz)
    opening = local.replace(hour=8, minute=30, second=0, microsecond=0)
    if local < opening:
        local = opening + dt.timedelta(minutes=local.minute * 3)
    elif local > local.replace(hour=17, minute=30):
        local = opening + dt.timedelta(days=1, minutes=local.minute * 3)
    while local.weekday() >= 5:
        local += dt.timedelta(days=1)
    return local


def _timeline(
    plan: Plan, rng: random.Random, *, now: dt.datetime, max_age_days: float, tz
) -> list[dt.datetime]:
    """Return when each step happened: intake some days ago, each step a while after the last."""
    speed = SPEED[plan.colour]
    low, high = AGE_DAYS.get(plan.state, FINISHED_AGE_DAYS)
    if plan.state in (State.HANDLING, State.SUPERVISED) and rng.random() < 0.3:
        # Assigned about one handling period ago, so the deadline falls in the next few days.
        low = high = DUE_SOON_DAYS[plan.colour] - rng.uniform(0, 2.5)
    age = min(rng.uniform(low, high), max_age_days)
    moment = now - dt.timedelta(days=age)
    staff_acts = plan.source != Source.HOTLINE  # the hotline answers round the clock
    if staff_acts:
        moment = _office_hours(moment, tz)
    times, office = [moment], [staff_acts]
    for step in plan.steps:
        moment += dt.timedelta(hours=rng.uniform(*DURATIONS[step.kind]) * speed)
        staff_acts = not (step.kind == "evaluate" and not step.flag)  # parties evaluate at any hour
        if staff_acts:
            moment = _office_hours(moment, tz)
        times.append(moment)
        office.append(staff_acts)
    latest = now - dt.timedelta(minutes=5)
    if times[-1] > latest:
        # Too slow to have happened yet: start whole days earlier, landing staff actions on weekdays.
        days = math.ceil((times[-1] - latest) / dt.timedelta(days=1))
        while any(
            o and (t - dt.timedelta(days=days)).astimezone(tz).weekday() >= 5
            for t, o in zip(times, office, strict=True)
        ):
            days += 1
        times = [t - dt.timedelta(days=days) for t in times]
    return times


# --- The plans ----------------------------------------------------------------------------------


def plan_cases(
    count: int,
    *,
    rng: random.Random,
    now: dt.datetime,
    tz,
    departments: list[str],
    short_names: dict[str, str],
    max_age_days: float = 120,
    towns: dict[str, tuple[str, ...]] | None = None,
    county: str = "",
) -> list[Plan]:
    """Return ``count`` plans in intake order, covering every state, colour, source and department.

    ``towns`` (town → villages) is where the matters happen: by default anywhere in the demo
    county; ``county`` names the county the local companies are registered in.
    """
    states = list(STATE_WEIGHTS)[:count]
    states += rng.choices(list(STATE_WEIGHTS), list(STATE_WEIGHTS.values()), k=count - len(states))
    rng.shuffle(states)
    leads = departments[:]
    rng.shuffle(leads)
    templates_for = {slug: [t for t in c.TEMPLATES if slug in t.leads] for slug in departments}
    categories_seen: set[str] = set()
    assigned_so_far = 0
    plans = []
    for index, state in enumerate(states):
        variant = _variant(rng, state)
        reaches_assignment = state in WITH_ASSIGNMENT or variant in WITH_ASSIGNMENT
        # Round robin among cases that get assigned, so every department leads some.
        lead = leads[assigned_so_far % len(leads)] if reaches_assignment else rng.choice(departments)
        fitting = templates_for[lead]
        fresh = [t for t in fitting if t.category not in categories_seen]
        template = rng.choice(fresh or fitting)
        categories_seen.add(template.category)
        if reaches_assignment and assigned_so_far < len(COLOURS):
            colour = COLOURS[assigned_so_far]
        else:
            colour = rng.choices(COLOURS, template.colours)[0]
        assigned_so_far += reaches_assignment
        facts = facts_for(rng, template, towns, county)
        if index < len(Source.values):
            source = Source.values[index]
        else:
            source = rng.choices(list(SOURCE_WEIGHTS), list(SOURCE_WEIGHTS.values()))[0]
        co_candidates = [s for s in template.co if s != lead and s in short_names]
        co = (
            tuple(rng.sample(co_candidates, k=min(len(co_candidates), rng.choice((1, 1, 2)))))
            if (co_candidates and rng.random() < 0.35)
            else ()
        )
        others = [s for s in departments if s != lead]
        detours: tuple[str, ...] = ()
        if reaches_assignment and rng.random() < 0.03:  # a problem case: passed across three departments
            detours = tuple(rng.sample(others, 2))
        elif rng.random() < (0.3 if state == State.ASSESSING else 0.07):
            detours = (rng.choice(others),)
        plan = Plan(
            template=template,
            facts=facts,
            state=state,
            lead=lead,
            colour=colour,
            source=source,
            parties=parties_for(rng, template, facts),
            co=co,
            detours=detours,
        )
        package = template.package or c.CATEGORY_PACKAGES.get(template.category)
        if package and rng.random() < 0.85:
            plan.package = package
        if "{town}" in template.where and facts["town"] in SUBCENTER_TOWNS and rng.random() < 0.4:
            plan.subcenter_town = facts["town"]
        if source in (Source.GRID, Source.POLICE) or template.group or rng.random() < 0.2:
            plan.proposed_colour = colour
            plan.colour_reason = rng.choice(c.COLOUR_REASONS[colour])
        plan.steps = _PathBuilder(plan, rng, short_names).to(state, variant)
        if state in (State.ASSESSING, State.HANDLING, State.SUPERVISED) and rng.random() < 0.12:
            # The applicant comes back to ask: recorded on the same case (one matter, one code).
            plan.steps += [
                Step("visit", text=rng.choice(c.VISIT_NOTES)) for _ in range(rng.choice((1, 1, 2)))
            ]
        plan.times = _timeline(plan, rng, now=now, max_age_days=max_age_days, tz=tz)
        plans.append(plan)
    plans.sort(key=lambda p: p.times[0])  # codes are sequential: number the cases in intake order
    return plans
