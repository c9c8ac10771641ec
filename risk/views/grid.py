"""The grid member's report on a phone (网格员上报): one 民情 item through the ingestion service.

A 民情 feed client's account reports to its client's center, reception and coordinators to their
own center. The form carries a one-time key: the lead's external id is ``grid-<user>-<key>``, so
a double submit updates the same lead instead of making a second one.
"""

import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from departments.models import Center, Level, Place
from departments.scope import center_of

from ..forms import GridReportForm
from ..models import Feed, Lead
from ..permissions import feed_client_of, may_report_grid_item
from ..services import lead_ingest_batch


def _where(user):
    """Return (center, feed client or None) the user reports to; 403 if none."""
    if not may_report_grid_item(user):
        raise PermissionDenied
    client = feed_client_of(user)
    if client is not None and client.feed == Feed.PUBLIC:
        return client.center, client
    center = center_of(user)
    if center is None:
        raise PermissionDenied
    return center, None


def _choices(center: Center):
    if center.level == Level.TOWNSHIP:
        townships = Center.objects.filter(pk=center.pk)
    else:
        townships = Center.objects.filter(path__startswith=center.path, level=Level.TOWNSHIP).order_by("code")
    places = (
        Place.objects.filter(township__in=townships)
        .select_related("parent")
        .order_by("township__code", "parent__name", "name")
    )
    return townships, places


def _external_id(user, key) -> str:
    return f"grid-{user.pk}-{key.hex}"


def _item(form, user) -> dict:
    data = form.cleaned_data
    township, place = data.get("township"), data.get("place")
    return {
        "external_id": _external_id(user, data["key"]),
        "occurred_at": data["occurred_at"].isoformat(),
        "text": data["text"],
        "category": data.get("category") or "",
        "place": place.name if place else (township.name if township else ""),
        "township_code": township.code if township else "",
        "people": form.people(),
    }


PEOPLE_FIELDS = {"name": "name", "phone": "phone", "id_number": "id_number"}


def _add_item_errors(form, errors: dict) -> None:
    """Put the service's per-item errors on the form's fields ("people[1].phone" → person2_phone)."""
    for path, messages in errors.items():
        field = None
        if path.startswith("people["):
            index, _dot, key = path[len("people[") :].partition("].")
            if index.isdigit() and key in PEOPLE_FIELDS:
                field = f"person{int(index) + 1}_{key}"
        elif path in ("text", "occurred_at", "category"):
            field = path
        elif path in ("township_code", "place"):
            field = "township"
        for message in messages:
            form.add_error(field, message)


@login_required
def grid_report(request):
    """Report one matter seen on the grid; land it as a 民情 lead at the center."""
    center, client = _where(request.user)
    townships, places = _choices(center)
    if request.method == "POST":
        form = GridReportForm(request.POST, townships=townships, places=places)
        if form.is_valid():
            outcome = lead_ingest_batch(
                feed=Feed.PUBLIC,
                center=center,
                items=[_item(form, request.user)],
                actor=request.user,
                client=client,
            )
            result = outcome.results[0]
            if result["result"] != "rejected":
                return redirect("risk:grid_report_done", lead_id=result["lead"])
            _add_item_errors(form, result["errors"])
    else:
        now = timezone.localtime().replace(second=0, microsecond=0)
        initial = {"key": uuid.uuid4(), "occurred_at": now}
        if townships.count() == 1:
            initial["township"] = townships.first()
        form = GridReportForm(initial=initial, townships=townships, places=places)
    return render(
        request,
        "risk/grid_report.html",
        {"form": form, "center": center},
        status=400 if form.errors else 200,
    )


@login_required
def grid_report_done(request, lead_id: int):
    """The confirmation: the lead's number, and a link to report another."""
    center, _client = _where(request.user)
    lead = get_object_or_404(
        Lead,
        pk=lead_id,
        feed=Feed.PUBLIC,
        received_center=center,
        external_id__startswith=f"grid-{request.user.pk}-",
    )
    return render(request, "risk/grid_report_done.html", {"lead": lead, "center": center})
