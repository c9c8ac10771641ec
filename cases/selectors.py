"""Reads of cases for pages, the API and reports; each owns its queries."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .codes import normalize_code
from .models import Case, CaseEvent, State

# The public timeline: 受理 then 研—交—办—督—结—评, each with the transition that reaches it.
PUBLIC_STAGES = [
    ("received", _("受理"), "create"),
    ("assessing", _("研判"), "start_assessment"),
    ("assigned", _("交办"), "assign"),
    ("handling", _("办理"), "accept"),
    ("supervised", _("督办"), "supervise"),
    ("closed", _("结案"), "close"),
    ("evaluated", _("评价"), "evaluate"),
]
_STAGE_ORDER = {key: i for i, (key, _label, _t) in enumerate(PUBLIC_STAGES)}
_STATE_TO_STAGE = {
    State.RECEIVED: "received",
    State.ASSESSING: "assessing",
    State.ASSIGNED: "assigned",
    State.HANDLING: "handling",
    State.SUPERVISED: "supervised",
    State.REVIEWING: "handling",
    State.CLOSED: "closed",
    State.EVALUATED: "evaluated",
}


def case_by_code(text: str, queryset: QuerySet[Case] | None = None) -> Case:
    """Return the case a typed code names; raise InvalidCaseCode or Case.DoesNotExist."""
    code = normalize_code(text)
    return (queryset if queryset is not None else Case.objects.all()).get(code=code)


def public_timeline(case: Case) -> list[dict]:
    """Return the stages of the public timeline with the date each was first reached.

    Only stages and dates: nothing personal, no department, no deadline.
    """
    first_reached = {}
    events = (
        CaseEvent.objects.filter(case=case)
        .order_by("created_at", "id")
        .values_list("transition", "created_at")
    )
    by_transition = {t: stage for stage, _label, t in PUBLIC_STAGES}
    for transition, created_at in events:
        stage = by_transition.get(transition)
        if stage and stage not in first_reached:
            first_reached[stage] = created_at
    current = _STATE_TO_STAGE.get(case.state)
    return [
        {
            "key": key,
            "label": label,
            "reached_at": first_reached.get(key),
            "current": key == current,
            "done": key in first_reached and key != current,
        }
        for key, label, _t in PUBLIC_STAGES
    ]
