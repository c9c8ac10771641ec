"""Leads for the queue's tests: taken in through the ingestion service, then given a screening outcome."""

from risk.models import Lead
from risk.services import lead_ingest_batch

from .conftest import item

ID_WANG = "11010519491231002X"


def take_in(center, feed="police", items=None, **one) -> list[Lead]:
    """Take in ``items`` (or one item built from ``one``) at ``center``; return the leads in order."""
    outcome = lead_ingest_batch(feed=feed, center=center, items=items or [item(**one)])
    assert all(r["result"] in ("created", "updated") for r in outcome.results), outcome.results
    by_id = Lead.objects.in_bulk([r["lead"] for r in outcome.results])
    return [by_id[r["lead"]] for r in outcome.results]


def screened(lead: Lead, score: int, colour: str = "", reasons=None, **extra) -> Lead:
    """Give the lead a screening outcome (what risk.screening writes)."""
    reasons = (
        reasons
        if reasons is not None
        else [{"rule": 1, "kind": "keywords", "weight": score, "explanation": "命中关键词：讨薪"}]
    )
    Lead.objects.filter(pk=lead.pk).update(score=score, proposed_colour=colour, reasons=reasons, **extra)
    lead.refresh_from_db()
    return lead


def many(center, n: int, *, feed="police", prefix="P", township_code=None) -> list[Lead]:
    """Take in ``n`` leads with two people each, scored 1..n (the last scores highest)."""
    items = [
        item(
            f"{prefix}-{i}",
            people=[
                {"name": f"王{i}", "phone": f"139{i:08d}", "id_number": "", "role": "当事人"},
                {"name": "", "phone": f"137{i:08d}", "id_number": "", "role": "报警人"},
            ],
            **({"township_code": township_code} if township_code else {}),
        )
        for i in range(1, n + 1)
    ]
    leads = take_in(center, feed, items)
    for i, lead in enumerate(leads, start=1):
        Lead.objects.filter(pk=lead.pk).update(score=i, proposed_colour="blue")
    return leads
