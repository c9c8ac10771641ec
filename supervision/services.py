"""Supervision services: what must follow a party's evaluation, callbacks and deadline sweeps."""

from django.db import transaction

from cases.models import Case, Evaluation
from cases.services import case_evaluate


@transaction.atomic
def evaluation_record(
    *, case: Case, actor, rating: str, comment: str = "", channel: str = Evaluation.Channel.TRACKING
) -> Evaluation:
    """Record a party's closing evaluation (评价) and whatever it calls for.

    The tracking page, callbacks and the API all come through here, so the rule for an
    unhappy answer lives in one place.
    """
    _case, evaluation = case_evaluate(case=case, actor=actor, rating=rating, comment=comment, channel=channel)
    return evaluation
