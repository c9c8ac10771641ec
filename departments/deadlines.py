"""The deadline policy: which rule applies and when a stage falls due."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from .models import DeadlineRule, Service, Stage
from .workdays import add_working_days

# Used when administrators have deleted every rule for a colour and stage: never crash intake.
FALLBACK = {
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


def rule_for(
    *, stage: str, colour: str, services: list[Service] | tuple = (), category: str = ""
) -> DeadlineRule | None:
    """Return the most specific rule for the stage and colour (service and category narrow it)."""
    service_ids = [s.pk for s in services]
    candidates = DeadlineRule.objects.filter(stage=stage, colour=colour).filter(
        Q(service__isnull=True) | Q(service_id__in=service_ids)
    ).filter(Q(category="") | Q(category=category))

    def specificity(rule: DeadlineRule) -> tuple:
        # Narrower first; among equally narrow rules, the shorter time wins (the stricter one).
        return (-(rule.service_id is not None) - (rule.category != ""), _rough_hours(rule))

    rules = sorted(candidates, key=specificity)
    return rules[0] if rules else None


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
    """Return the deadline of a stage that starts at ``start``."""
    rule = rule_for(stage=stage, colour=colour, services=list(services), category=category)
    if rule is None:
        amount, unit = FALLBACK[(Stage(stage), colour)]
    else:
        amount, unit = rule.amount, rule.unit
    return add_time(start, amount, unit)
