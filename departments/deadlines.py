"""The deadline policy: which rule applies and when a stage falls due.

Ordinary rules set the time allowed; the most specific matching rule applies (one narrowed
to a service or a category beats a general one). Rules marked as legal limits are ceilings:
a deadline never goes past the strictest legal limit that matches, whatever the ordinary
rule or a coordinator's adjustment says.
"""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from .models import DeadlineRule, Service, Stage
from .workdays import add_working_days

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


def _matching(*, stage: str, colour: str, services, category: str) -> list[DeadlineRule]:
    service_ids = [s.pk for s in services]
    return list(
        DeadlineRule.objects.filter(stage=stage, colour=colour)
        .filter(Q(service__isnull=True) | Q(service_id__in=service_ids))
        .filter(Q(category="") | Q(category=category))
    )


def _specificity(rule: DeadlineRule) -> int:
    return (rule.service_id is not None) + (rule.category != "")


def rule_for(*, stage: str, colour: str, services: list[Service] | tuple = (), category: str = ""):
    """Return the ordinary rule that applies: the most specific, the stricter among equals."""
    rules = [
        r
        for r in _matching(stage=stage, colour=colour, services=services, category=category)
        if not r.is_legal_limit
    ]
    rules.sort(key=lambda r: (-_specificity(r), _rough_hours(r)))
    return rules[0] if rules else None


def legal_limit_for(*, stage: str, colour: str, start: dt.datetime, services=(), category: str = ""):
    """Return (deadline, rule) of the strictest legal limit that matches, or (None, None)."""
    limits = [
        (add_time(start, r.amount, r.unit), r)
        for r in _matching(stage=stage, colour=colour, services=services, category=category)
        if r.is_legal_limit
    ]
    return min(limits, key=lambda pair: pair[0]) if limits else (None, None)


def _rough_hours(rule: DeadlineRule) -> float:
    factor = {DeadlineRule.Unit.HOURS: 1, DeadlineRule.Unit.DAYS: 24, DeadlineRule.Unit.WORKING_DAYS: 33.6}
    return rule.amount * factor[rule.unit]


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


def deadline_for(
    *, stage: str, colour: str, start: dt.datetime, services=(), category: str = ""
) -> dt.datetime:
    """Return the deadline of a stage that starts at ``start``, capped by any legal limit."""
    services = list(services)
    rule = rule_for(stage=stage, colour=colour, services=services, category=category)
    amount, unit = (rule.amount, rule.unit) if rule else FALLBACK[(Stage(stage), colour)]
    deadline = add_time(start, amount, unit)
    limit, _rule = legal_limit_for(
        stage=stage, colour=colour, start=start, services=services, category=category
    )
    return min(deadline, limit) if limit else deadline
