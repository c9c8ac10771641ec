"""The deadline policy for many cases at once: rules loaded once, matched in Python.

:func:`departments.deadlines.deadline_for` answers for one case with a few queries; a sweep
over thousands of cases cannot afford that per case. :class:`PolicyTable` loads every rule in
one query and applies the same precedence (the most specific ordinary rule, the stricter among
equals, capped by the strictest matching legal limit), and computes each distinct
``(amount, unit)`` from a start time once. A test holds it equal to ``deadline_for``.
"""

import datetime as dt
from collections.abc import Iterable

from departments.deadlines import FALLBACK, add_time
from departments.models import DeadlineRule, ServicePackage, Stage

DEFAULT_REMINDER_PERCENT = 80
_HOURS_PER_UNIT = {
    DeadlineRule.Unit.HOURS: 1,
    DeadlineRule.Unit.DAYS: 24,
    DeadlineRule.Unit.WORKING_DAYS: 33.6,
}


class PolicyTable:
    """The deadline rules and package services, loaded in two queries."""

    def __init__(self):
        self.rules = list(
            DeadlineRule.objects.only(
                "id", "colour", "stage", "amount", "unit", "service_id", "category", "is_legal_limit",
                "reminder_percent",
            )
        )  # fmt: skip
        through = ServicePackage.services.through
        self.package_services: dict[int, frozenset[int]] = {}
        pairs: dict[int, set[int]] = {}
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
            matching = [
                r
                for r in self.rules
                if r.stage == stage
                and r.colour == colour
                and (r.service_id is None or r.service_id in service_ids)
                and (r.category == "" or r.category == category)
            ]
            ordinary = [r for r in matching if not r.is_legal_limit]
            ordinary.sort(key=lambda r: (-_specificity(r), r.amount * _HOURS_PER_UNIT[r.unit]))
            limits = [r for r in matching if r.is_legal_limit]
            self._match_cache[key] = (ordinary[0] if ordinary else None, limits)
        return self._match_cache[key]

    def rule(self, *, stage: str, colour: str, package_id: int | None = None, category: str = ""):
        """Return the ordinary rule that applies, or None."""
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
        """Return what ``departments.deadlines.deadline_for`` returns, without a query per call."""
        colour = colour or "blue"
        rule, limits = self._matching(stage, colour, self.services_of(package_id), category)
        amount, unit = (rule.amount, rule.unit) if rule else FALLBACK[(Stage(stage), colour)]
        deadline = self.add_time(start, amount, unit)
        capped = [self.add_time(start, r.amount, r.unit) for r in limits]
        return min([deadline, *capped])


def _specificity(rule: DeadlineRule) -> int:
    return (rule.service_id is not None) + (rule.category != "")


def reminder_moment(start: dt.datetime, deadline: dt.datetime, percent: int) -> dt.datetime:
    """Return when ``percent`` of the time from ``start`` to ``deadline`` has passed."""
    return start + (deadline - start) * percent / 100


def distinct(values: Iterable) -> list:
    """Return the values without repeats, in first-seen order."""
    return list(dict.fromkeys(values))
