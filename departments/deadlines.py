"""The deadline policy: which rule applies and when a stage falls due — the one home of its precedence.

Ordinary rules set the time allowed; the most specific matching rule applies (one narrowed
to a service or a category beats a general one), the stricter among equals. Rules marked as
legal limits are ceilings: a deadline never goes past the strictest legal limit that matches,
whatever the ordinary rule or a coordinator's adjustment says.

Two ways in, one precedence (:func:`_choose` and :func:`_deadline`): :func:`deadline_for`
answers for one case with a query for its rules; :class:`DeadlineTable` loads every rule once
and answers for thousands of cases (the deadline sweep) without a query per case.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from .models import DeadlineRule, Service, ServicePackage, Stage
from .workdays import add_working_days, years_without_data

# Used when administrators have deleted every rule for a colour and stage: never crash intake.
FALLBACK = {
    (Stage.ASSESS, "red"): (4, DeadlineRule.Unit.HOURS),
    (Stage.ASSESS, "yellow"): (1, DeadlineRule.Unit.WORKING_DAYS),
    (Stage.ASSESS, "blue"): (2, DeadlineRule.Unit.WORKING_DAYS),
    (Stage.ACCEPT, "red"): (1, DeadlineRule.Unit.WORKING_DAYS),
    (Stage.ACCEPT, "yellow"): (2, DeadlineRule.Unit.WORKING_DAYS),
    (Stage.ACCEPT, "blue"): (3, DeadlineRule.Unit.WORKING_DAYS),
    (Stage.HANDLE, "red"): (7, DeadlineRule.Unit.WORKING_DAYS),
    (Stage.HANDLE, "yellow"): (15, DeadlineRule.Unit.WORKING_DAYS),
    (Stage.HANDLE, "blue"): (30, DeadlineRule.Unit.WORKING_DAYS),
    (Stage.RESPOND, "red"): (1, DeadlineRule.Unit.WORKING_DAYS),
    (Stage.RESPOND, "yellow"): (3, DeadlineRule.Unit.WORKING_DAYS),
    (Stage.RESPOND, "blue"): (5, DeadlineRule.Unit.WORKING_DAYS),
}
DEFAULT_COLOUR = "blue"  # a case not yet assessed is timed as low risk
DEFAULT_REMINDER_PERCENT = 80
_HOURS_PER_UNIT = {
    DeadlineRule.Unit.HOURS: 1,
    DeadlineRule.Unit.DAYS: 24,
    DeadlineRule.Unit.WORKING_DAYS: 33.6,
}


# --- The precedence ------------------------------------------------------------------------------


def _specificity(rule: DeadlineRule) -> int:
    return (rule.service_id is not None) + (rule.category != "")


def _rough_hours(rule: DeadlineRule) -> float:
    return rule.amount * _HOURS_PER_UNIT[rule.unit]


def _choose(matching) -> tuple[DeadlineRule | None, list[DeadlineRule]]:
    """Return the ordinary rule that applies (most specific, stricter among equals) and the legal limits."""
    ordinary = sorted(
        (r for r in matching if not r.is_legal_limit), key=lambda r: (-_specificity(r), _rough_hours(r))
    )
    return (ordinary[0] if ordinary else None), [r for r in matching if r.is_legal_limit]


def _deadline(stage, colour, start, rule, limits, add) -> dt.datetime:
    """Return the ordinary rule's (or the fallback's) deadline, capped by the strictest legal limit."""
    amount, unit = (rule.amount, rule.unit) if rule else FALLBACK[(Stage(stage), colour)]
    return min([add(start, amount, unit), *(add(start, r.amount, r.unit) for r in limits)])


def add_time(start: dt.datetime, amount: int, unit: str) -> dt.datetime:
    """Return when ``amount`` ``unit`` after ``start`` ends; days end at local midnight."""
    if unit == DeadlineRule.Unit.HOURS:
        return start + dt.timedelta(hours=amount)
    local = timezone.localtime(start)
    if unit == DeadlineRule.Unit.DAYS:
        last_day = local.date() + dt.timedelta(days=amount)
    else:
        last_day = add_working_days(local.date(), amount)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(end, timezone.get_current_timezone())


def is_provisional(start: dt.datetime, *deadlines: dt.datetime | None) -> bool:
    """Return whether any day from ``start`` to the latest deadline lies in a year without calendar data.

    Such deadlines were counted Monday–Friday; they are recomputed once the year is loaded.
    """
    ends = [d for d in deadlines if d is not None]
    if not ends:
        return False
    first, last = timezone.localdate(start), timezone.localdate(max(ends))
    return bool(years_without_data(first, max(first, last)))


def reminder_moment(start: dt.datetime, deadline: dt.datetime, percent: int) -> dt.datetime:
    """Return when ``percent`` of the time from ``start`` to ``deadline`` has passed."""
    return start + (deadline - start) * percent / 100


# --- One case --------------------------------------------------------------------------------------


def _matching(*, stage: str, colour: str, services, category: str) -> list[DeadlineRule]:
    service_ids = [s.pk for s in services]
    return list(
        DeadlineRule.objects.filter(stage=stage, colour=colour)
        .filter(Q(service__isnull=True) | Q(service_id__in=service_ids))
        .filter(Q(category="") | Q(category=category))
    )


def rule_for(*, stage: str, colour: str, services: list[Service] | tuple = (), category: str = ""):
    """Return the ordinary rule that applies: the most specific, the stricter among equals."""
    return _choose(_matching(stage=stage, colour=colour, services=services, category=category))[0]


def legal_limit_for(*, stage: str, colour: str, start: dt.datetime, services=(), category: str = ""):
    """Return (deadline, rule) of the strictest legal limit that matches, or (None, None)."""
    _rule, limits = _choose(_matching(stage=stage, colour=colour, services=services, category=category))
    pairs = [(add_time(start, r.amount, r.unit), r) for r in limits]
    return min(pairs, key=lambda pair: pair[0]) if pairs else (None, None)


@dataclass(frozen=True)
class StageDeadline:
    """A stage's deadline and, where a statute sets one, the legal ceiling it never passes."""

    stage: str
    deadline: dt.datetime
    legal_limit: dt.datetime | None = None
    legal_basis: str = ""  # the limit rule's note, e.g. "《信访工作条例》：60日内办结"


def stage_deadline(
    *, stage: str, colour: str, start: dt.datetime, services=(), category: str = ""
) -> StageDeadline:
    """Return the deadline of a stage that starts at ``start`` with the strictest legal limit, if any."""
    colour = colour or DEFAULT_COLOUR
    rule, limits = _choose(_matching(stage=stage, colour=colour, services=list(services), category=category))
    deadline = _deadline(stage, colour, start, rule, limits, add_time)
    if not limits:
        return StageDeadline(stage=stage, deadline=deadline)
    limit, limit_rule = min(((add_time(start, r.amount, r.unit), r) for r in limits), key=lambda p: p[0])
    return StageDeadline(
        stage=stage, deadline=deadline, legal_limit=limit, legal_basis=limit_rule.note or str(limit_rule)
    )


def deadline_for(
    *, stage: str, colour: str, start: dt.datetime, services=(), category: str = ""
) -> dt.datetime:
    """Return the deadline of a stage that starts at ``start``, capped by any legal limit."""
    return stage_deadline(
        stage=stage, colour=colour, start=start, services=services, category=category
    ).deadline


# --- Many cases --------------------------------------------------------------------------------------


class DeadlineTable:
    """Every deadline rule and package's services, loaded in two queries, for batch callers.

    Applies the same precedence as :func:`deadline_for` (a test holds them equal) and computes
    each distinct ``(start, amount, unit)`` once.
    """

    def __init__(self):
        self.rules = list(
            DeadlineRule.objects.only(
                "id", "colour", "stage", "amount", "unit", "service_id", "category", "is_legal_limit",
                "reminder_percent",
            )
        )  # fmt: skip
        pairs: dict[int, set[int]] = {}
        through = ServicePackage.services.through
        for package_id, service_id in through.objects.values_list("servicepackage_id", "service_id"):
            pairs.setdefault(package_id, set()).add(service_id)
        self.package_services = {k: frozenset(v) for k, v in pairs.items()}
        self._add_time_cache: dict[tuple, dt.datetime] = {}
        self._match_cache: dict[tuple, tuple] = {}

    def services_of(self, package_id: int | None) -> frozenset[int]:
        return self.package_services.get(package_id, frozenset()) if package_id else frozenset()

    def _matching(self, stage: str, colour: str, service_ids: frozenset[int], category: str):
        key = (stage, colour, service_ids, category)
        if key not in self._match_cache:
            self._match_cache[key] = _choose(
                [
                    r
                    for r in self.rules
                    if r.stage == stage
                    and r.colour == colour
                    and (r.service_id is None or r.service_id in service_ids)
                    and (r.category == "" or r.category == category)
                ]
            )
        return self._match_cache[key]

    def rule(self, *, stage: str, colour: str, package_id: int | None = None, category: str = ""):
        """Return the ordinary rule that applies, or None."""
        colour = colour or DEFAULT_COLOUR
        return self._matching(stage, colour, self.services_of(package_id), category)[0]

    def reminder_percent(
        self, *, stage: str, colour: str, package_id: int | None = None, category: str = ""
    ) -> int:
        """Return the share of the time allowed after which the reminder goes out."""
        rule = self.rule(stage=stage, colour=colour, package_id=package_id, category=category)
        return rule.reminder_percent if rule is not None else DEFAULT_REMINDER_PERCENT

    def lowest_reminder_percent(self, stage: str) -> int:
        """Return the earliest reminder point any rule of ``stage`` sets (for a coarse SQL filter)."""
        percents = [r.reminder_percent for r in self.rules if r.stage == stage and not r.is_legal_limit]
        return min([*percents, DEFAULT_REMINDER_PERCENT])

    def add_time(self, start: dt.datetime, amount: int, unit: str) -> dt.datetime:
        key = (start, amount, unit)
        if key not in self._add_time_cache:
            self._add_time_cache[key] = add_time(start, amount, unit)
        return self._add_time_cache[key]

    def deadline(
        self,
        *,
        stage: str,
        colour: str,
        start: dt.datetime,
        package_id: int | None = None,
        category: str = "",
    ) -> dt.datetime:
        """Return what :func:`deadline_for` returns, without a query per call."""
        colour = colour or DEFAULT_COLOUR
        rule, limits = self._matching(stage, colour, self.services_of(package_id), category)
        return _deadline(stage, colour, start, rule, limits, self.add_time)
