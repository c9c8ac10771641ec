"""Workspaces: the coordinator workbench (研判/督办), the department desk, the staff inbox."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from departments.models import Role
from departments.permissions import department_of, role_required
from departments.scope import center_of
from departments.workdays import years_missing_data

from ..forms import QueueFilterForm
from ..models import Notification
from ..permissions import STAFF_ROLES
from ..presenters import case_rows
from ..queues import (
    QUEUES,
    REFERRAL_QUEUES,
    coordinator_queue,
    coordinator_queue_counts,
    department_dashboard,
    department_summonses,
    referral_queue,
    referral_queue_counts,
)

PAGE_SIZE = 50
ALL_STAFF = STAFF_ROLES


@role_required(Role.COORDINATOR, Role.ADMIN)
@require_GET
def workbench(request):
    """Queues with counts, filters and deadline sorting for the center's coordinators."""
    now = timezone.now()
    key = request.GET.get("queue", "new")
    if key not in QUEUES and key not in REFERRAL_QUEUES:
        key = "new"
    form = QueueFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    center = center_of(request.user)
    hops = key in REFERRAL_QUEUES
    rows = (
        referral_queue(key=key, center=center)
        if hops
        else coordinator_queue(user=request.user, key=key, now=now, filters=filters)
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = coordinator_queue_counts(user=request.user, now=now)
    hop_counts = referral_queue_counts(center=center, now=now)
    query = request.GET.copy()
    query.pop("queue", None)
    query.pop("page", None)
    return render(
        request,
        "cases/workbench.html",
        {
            "queues": [
                {"key": q.key, "label": q.label, "count": counts[q.key], "active": q.key == key}
                for q in QUEUES.values()
            ],
            # Between centers: reported up to us, transfers we decide, 下派 we follow and review.
            "referral_queues": [
                {
                    "key": q.key,
                    "label": q.label,
                    "count": hop_counts[q.key],
                    "overdue": hop_counts["down_overdue"] if q.key == "down_active" else 0,
                    "active": q.key == key,
                }
                for q in REFERRAL_QUEUES.values()
            ],
            "queue": REFERRAL_QUEUES[key] if hops else QUEUES[key],
            "page": page,
            "hops": page.object_list if hops else None,
            "cases": [] if hops else page.object_list,
            "rows": [] if hops else case_rows(page.object_list, now=now),
            "form": form,
            "filter_query": query.urlencode(),
            "missing_years": years_missing_data(timezone.localdate(now)),
            "now": now,
        },
    )


@role_required(Role.LIAISON)
@require_GET
def department_desk(request):
    """A liaison's dashboard: only their department's cases, grouped by what they need."""
    department = department_of(request.user)
    now = timezone.now()
    groups = department_dashboard(department=department, now=now)
    summonses = department_summonses(department=department)
    sections = [
        ("to_accept", _("待签收"), groups.to_accept),
        ("returned", _("退回重办"), groups.returned),
        ("supervised", _("督办中"), groups.supervised),
        ("handling", _("办理中"), groups.handling),
        ("reviewing", _("待中心审核"), groups.reviewing),
        ("closed", _("近 30 日办结"), groups.closed_recently),
    ]
    return render(
        request,
        "cases/department_desk.html",
        {
            "department": department,
            "sections": [
                {"key": k, "label": label, "rows": case_rows(cases, now=now, department=department)}
                for k, label, cases in sections
            ],
            "cases": [c for _k, _l, cases in sections for c in cases],
            "summonses": summonses,
            "desk_url": request.path,
            "accept_label": _("签收"),
            "return_label": _("退回"),
            "handle_label": _("办理"),
            "now": now,
        },
    )


@role_required(*ALL_STAFF)
@require_GET
def inbox(request):
    """The signed-in user's notifications, newest first."""
    notifications = Paginator(
        Notification.objects.filter(user=request.user).select_related("case"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(request, "cases/inbox.html", {"page": notifications})


@role_required(*ALL_STAFF)
@require_POST
def inbox_read(request, pk: int):
    """Mark one notification read and open what it is about."""
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    if notification.read_at is None:
        Notification.objects.filter(pk=pk).update(read_at=timezone.now())
    return redirect(notification.url or "cases:inbox")


@role_required(*ALL_STAFF)
@require_POST
def inbox_read_all(request):
    """Mark every notification read."""
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("cases:inbox")
