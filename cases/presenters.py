"""Rows for long case lists, prepared in Python once per page: links and badges precomputed.

A department desk may list hundreds of cases; resolving URLs and translating labels per row in
the template costs milliseconds per row, so the views hand the templates ready rows instead.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from .models import RiskColour
from .templatetags.case_tags import colour_badge, deadline_badge

PLACEHOLDER = "00000000000000000"


def case_rows(cases, *, now, department=None) -> list[dict]:
    """Return one dict per case with what a list row shows."""
    detail = reverse("cases:detail", args=[PLACEHOLDER])
    accept = reverse("cases:action", args=[PLACEHOLDER, "accept"])
    role_labels = {True: _("牵头"), False: _("协办")}
    colour_labels = {c.value: str(c.label) for c in RiskColour}
    rows = []
    for case in cases:
        is_lead = department is not None and case.lead_department_id == department.pk
        rows.append(
            {
                "case": case,
                "code": case.code,
                "code_display": case.code_display,
                "url": detail.replace(PLACEHOLDER, case.code),
                "accept_url": accept.replace(PLACEHOLDER, case.code),
                "colour": case.shown_colour or "none",
                "colour_html": colour_badge(case, labels=colour_labels),
                "deadline_html": deadline_badge(case.current_deadline, now),
                "role_label": role_labels[is_lead],
                "is_lead": is_lead,
            }
        )
    return rows
