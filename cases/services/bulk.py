"""Set-based lifecycle services: one transition for many cases in a constant number of queries.

The counterpart of the one-case services for the deadline sweep. The same rules hold: only
the states the state machine allows for the transition, ``version`` and ``updated_at``
bumped, one :class:`CaseEvent` per case in the same transaction, a history row per case, and
the notices and webhooks queued after commit as the one-case service queues them.
"""

import datetime as dt
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.db.models import F, Q

from common.tasks import enqueue_on_commit
from integrations.events import WebhookEvent, case_sequence_key
from integrations.services import WebhookBatch

from ..models import Case, CaseEvent, State
from ..tasks import notify_case_events
from .base import _require_may, _required


def _sources(name: str) -> tuple[str, ...]:
    """Return the states the state machine lets ``name`` leave from (it has no conditions to check)."""
    transitions = [
        t
        for t in Case._meta.get_field("state").get_all_transitions(Case)
        if t.name == name and not t.conditions
    ]
    return tuple(sorted({str(t.source) for t in transitions}))


def cases_supervise_bulk(
    *,
    case_ids: Iterable[int],
    actor=None,
    reason: str = "",
    reason_by_case: Mapping[int, str] | None = None,
    now: dt.datetime,
    data_by_case: Mapping[int, dict] | None = None,
    webhooks: WebhookBatch | None = None,
    notices: bool = True,
) -> list[int]:
    """Put under supervision those of ``case_ids`` still in a state that allows it; return their ids.

    ``actor`` None is the system's deadline sweep. A case someone moved meanwhile is re-read
    under the row lock and skipped, so running twice supervises nothing the second time.
    ``reason_by_case`` gives a case its own reason instead of ``reason``. ``notices`` False: the
    caller tells the same people itself (the sweep's order notices name the case), so the
    department's liaisons are not told twice; the webhooks go out all the same.
    """
    if actor is not None:
        _require_may(actor, "supervise")
    reason_by_case = reason_by_case or {}
    case_ids = sorted(set(case_ids))
    reasons = {pk: _required(reason_by_case.get(pk, reason), "reason") for pk in case_ids}
    if not case_ids:
        return []
    return _supervise(
        case_ids,
        actor=actor,
        reasons=reasons,
        now=now,
        data_by_case=data_by_case or {},
        webhooks=webhooks,
        notices=notices,
    )


# Its own transaction, or the caller's (the sweep's) without a savepoint: all or nothing either way.
@transaction.atomic(savepoint=False)
def _supervise(case_ids, *, actor, reasons, now, data_by_case, webhooks, notices) -> list[int]:
    from departments.scope import visible_centers_q

    # A person supervises the cases of their center and, as a leader or coordinator, of the
    # centers below (cases.permissions.supervises_case); the sweep (no actor) every center's.
    scope = visible_centers_q(actor) if actor is not None else Q()
    rows = list(
        Case.objects.select_for_update(of=("self",))
        .filter(scope, pk__in=case_ids, state__in=_sources("supervise"))
        .order_by("pk")
        .values_list("pk", "state", "code", "risk_colour", "lead_department__slug")
    )
    if not rows:
        return []
    supervised = [pk for pk, *_rest in rows]
    Case.objects.filter(pk__in=supervised).update(
        state=State.SUPERVISED, version=F("version") + 1, updated_at=now
    )
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    events = CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case_id=pk,
                actor_id=actor_id,
                transition="supervise",
                from_state=state,
                to_state=State.SUPERVISED,
                reason=reasons[pk],
                data=data_by_case.get(pk, {}),
                created_at=now,
            )
            for pk, state, _code, _colour, _slug in rows
        ]
    )
    record_history(supervised, actor=actor, reasons=reasons, now=now)
    if notices:
        event_ids = [event.pk for event in events]
        enqueue_on_commit(notify_case_events, event_ids, dedupe_key=f"case-events:{min(event_ids)}")
    # The caller's batch lends its subscriptions (read once per sweep); the base class's emit
    # takes each event's series key, whatever the caller's subclass adds.
    WebhookBatch.emit(
        webhooks or WebhookBatch(),
        WebhookEvent.CASE_TRANSITION,
        [
            (
                f"case-event-{event.pk}",
                {
                    "event_id": event.pk,
                    "case": code,
                    "transition": "supervise",
                    "from_state": state,
                    "to_state": State.SUPERVISED,
                    "risk_colour": colour,
                    "lead_department": slug,
                    "created_at": now.isoformat(),
                },
                case_sequence_key(code),
            )
            for event, (_pk, state, code, colour, slug) in zip(events, rows, strict=True)
        ],
    )
    return supervised


def record_history(case_ids: list[int], *, actor, reasons: Mapping[int, str], now: dt.datetime) -> None:
    """Write the cases' history rows in one INSERT (an UPDATE sends no save signal)."""
    history = getattr(Case, "history", None)
    if history is None:
        return
    cases = list(Case.objects.filter(pk__in=case_ids).order_by("pk"))
    for case in cases:
        case._change_reason = reasons[case.pk][:100]
    history.bulk_history_create(
        cases,
        update=True,
        default_user=actor if getattr(actor, "is_authenticated", False) else None,
        default_date=now,
    )
