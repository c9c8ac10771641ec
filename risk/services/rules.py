"""Screening rules and colour thresholds changed: every open lead is screened again, once, after the commit."""

import hashlib
import json

from django.utils import timezone

from common.tasks import enqueue_on_commit

from ..models import ColourThreshold, ScreeningRule


def _rules_digest() -> str:
    """A fingerprint of the rules and thresholds as they stand (in this transaction)."""
    state = [
        list(ScreeningRule.objects.order_by("pk").values_list("pk", "updated_at", "is_active", "weight")),
        list(ColourThreshold.objects.order_by("colour").values_list("colour", "min_score")),
    ]
    return hashlib.sha256(json.dumps(state, default=str).encode()).hexdigest()[:16]


def screening_rules_changed(actor=None) -> None:
    """Queue the re-screening of every open lead after the current transaction commits.

    The outbox drops a second request under the same key: asking twice for the same state of
    the rules (a save and its related save, one request) queues one run, while any further
    change — a new state, or the same state a second later — queues its own.
    """
    from ..tasks import rescreen_all_task

    key = f"risk-rescreen-all:{_rules_digest()}:{timezone.now():%Y%m%d%H%M%S}"
    enqueue_on_commit(rescreen_all_task, dedupe_key=key)
