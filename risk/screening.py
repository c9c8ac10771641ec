"""Screening (筛查): the rules (data, :class:`risk.models.ScreeningRule`) turned into a score, a colour and reasons.

``screen_leads(ids)`` scores leads in bulk: each rule kind looks at the whole batch in a few
queries (never one per lead), the matched rules' weights add up to the score, the colour
thresholds (:class:`risk.models.ColourThreshold`) turn it into a proposed colour, and each match
leaves its human explanation in ``Lead.reasons``. Run after every batch is taken in, when a rule
changes and nightly (:mod:`risk.tasks`).
"""

import datetime as dt

from django.utils import timezone

from cases.models import RiskColour

from .models import ColourThreshold, Lead

DEFAULT_THRESHOLDS = {RiskColour.RED: 60, RiskColour.YELLOW: 30}


def colour_for(score: int, thresholds: dict[str, int] | None = None) -> str:
    """Return the colour a score proposes: red, yellow, else blue."""
    if thresholds is None:
        thresholds = dict(ColourThreshold.objects.values_list("colour", "min_score")) or DEFAULT_THRESHOLDS
    if score >= thresholds.get(RiskColour.RED, DEFAULT_THRESHOLDS[RiskColour.RED]):
        return RiskColour.RED
    if score >= thresholds.get(RiskColour.YELLOW, DEFAULT_THRESHOLDS[RiskColour.YELLOW]):
        return RiskColour.YELLOW
    return RiskColour.BLUE


def screen_leads(lead_ids=None, *, now: dt.datetime | None = None) -> int:
    """Score the leads ``lead_ids`` (all open leads when None); return how many were screened.

    Foundation version: no rule kinds yet, every lead scores 0 (blue). The rule kinds land with
    the screening slice of issue 14.
    """
    now = now or timezone.now()
    leads = Lead.objects.all() if lead_ids is None else Lead.objects.filter(pk__in=list(lead_ids))
    return leads.update(score=0, proposed_colour=colour_for(0), reasons=[], screened_at=now)
