"""Public pages of the organisation: the hall's duty board (公示牌), shown on a large screen."""

import datetime as dt

from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from .models import Center, DutyAssignment

POSITIONS = (
    DutyAssignment.Position.FIRST_DIRECTOR,
    DutyAssignment.Position.SECOND_DIRECTOR,
    DutyAssignment.Position.CHIEF_DUTY_OFFICER,
    DutyAssignment.Position.DUTY_DIRECTOR,
)
REFRESH_SECONDS = 300  # the screen reloads itself: today's duty director changes at midnight


def duty_board(*, center: Center, today: dt.date) -> list[dict]:
    """Who holds each position on ``today``, in board order; the latest start wins (one query)."""
    current = (
        DutyAssignment.objects.filter(center=center, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .order_by("position", "-start_date", "-id")
    )
    holders: dict[str, DutyAssignment] = {}
    for assignment in current:
        holders.setdefault(assignment.position, assignment)
    return [
        {
            "position": position.value,
            "label": position.label,
            "holder": holders.get(position),
            "is_duty_director": position == DutyAssignment.Position.DUTY_DIRECTOR,
        }
        for position in POSITIONS
    ]


@require_GET
@cache_control(max_age=60, public=True)
def duty_board_page(request, code: str | None = None):
    """The public duty board of a center (the county center unless a division code is given); no log-in."""
    from django.conf import settings

    centers = Center.objects.all()
    # The deployment's county center by default (the top of the tree may be a city's).
    center = (
        centers.filter(code=code).first()
        if code
        else centers.filter(code=settings.ZONGZHI_COUNTY_CODE).first()
        or centers.filter(parent__isnull=True).order_by("code").first()
    )
    if center is None:
        raise Http404
    today = timezone.localdate()
    context = {
        "center": center,
        "today": today,
        "posts": duty_board(center=center, today=today),
        "refresh_seconds": REFRESH_SECONDS,
    }
    return render(request, "departments/duty_board.html", context)
