"""Celery tasks of the risk app: thin, by id, safe to run twice."""

from celery import shared_task


@shared_task(name="risk.screen_leads")
def screen_leads_task(lead_ids: list[int]) -> int:
    """Screen the leads of one batch (after it is taken in), then grade them (risk.grading)."""
    from .grading import grade_leads
    from .screening import screen_leads

    screened = screen_leads(lead_ids)
    grade_leads(lead_ids)
    return screened


@shared_task(name="risk.rescreen_all")
def rescreen_all_task() -> int:
    """Screen every open lead again (a rule changed; and nightly, as counts and links move), 1,000 at a time."""
    from .screening import screen_leads

    return screen_leads(None)


@shared_task(name="risk.train_grading")
def train_grading_task() -> dict[str, str]:
    """Retrain every county center's grading model on its closed cases (monthly)."""
    from .grading import train_counties

    return train_counties()
