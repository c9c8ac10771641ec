"""Who hears of reminders and orders, in the in-app inbox and by e-mail.

Reminders go to the department's liaisons; orders also to the duty director on today's duty
board; leader-level orders also to the second and first directors. Recipients are looked up
for many departments and centers at once (a constant number of queries), and inbox rows are
written in bulk in the caller's transaction; e-mail follows after commit, in one task.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db.models import Q
from django.urls import reverse

from cases.models import Notification
from departments.models import Center, DutyAssignment, Role, StaffProfile

from .models import Level

Position = DutyAssignment.Position

KIND_REMINDER = "supervision_reminder"
KIND_ORDER = "supervision_order"
KIND_LEADER = "supervision_leader"
KIND_RESPONSE = "supervision_response"
KIND_REJECTED = "supervision_rejected"
KIND_CALLBACKS = "callback_round"


class Recipients:
    """Liaisons per department and duty-board users per center, loaded for a batch at once."""

    def __init__(self, *, department_ids: Iterable[int], today: dt.date):
        self.liaisons: dict[int, list[int]] = defaultdict(list)
        for department_id, user_id in (
            StaffProfile.objects.filter(
                role=Role.LIAISON, department_id__in=set(department_ids), user__is_active=True
            )
            .order_by("user_id")
            .values_list("department_id", "user_id")
        ):
            self.liaisons[department_id].append(user_id)
        self.parents = dict(Center.objects.values_list("id", "parent_id"))
        self.board: dict[tuple[int, str], list[int]] = defaultdict(list)
        for center_id, position, user_id in (
            DutyAssignment.objects.filter(user__isnull=False, user__is_active=True, start_date__lte=today)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
            .order_by("user_id")
            .values_list("center_id", "position", "user_id")
        ):
            self.board[(center_id, position)].append(user_id)

    def on_duty(self, center_id: int, position: str) -> list[int]:
        """Return today's holders of ``position`` at a center, else at its county center."""
        while center_id is not None:
            if users := self.board.get((center_id, position)):
                return users
            center_id = self.parents.get(center_id)
        return []

    def for_reminder(self, *, department_id: int) -> list[int]:
        return list(self.liaisons.get(department_id, []))

    def for_order(self, *, department_id: int, center_id: int, level: str) -> list[int]:
        users = [*self.liaisons.get(department_id, []), *self.on_duty(center_id, Position.DUTY_DIRECTOR)]
        if level == Level.LEADER:
            users += self.on_duty(center_id, Position.SECOND_DIRECTOR)
            users += self.on_duty(center_id, Position.FIRST_DIRECTOR)
        return list(dict.fromkeys(users))


def users_with_role(role: str) -> list[int]:
    """Return the ids of active staff with ``role``."""
    return list(
        StaffProfile.objects.filter(role=role, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def order_url(number: str) -> str:
    return reverse("supervision:order_detail", args=[number])


def notify(rows: list[Notification]) -> list[int]:
    """Write inbox rows in the caller's transaction and mail them after commit; return their ids.

    Callers create rows only for reminders and orders they have just inserted themselves
    (a second sweep inserts none, so it notifies nobody), and leave ``event`` empty: the
    inbox's unique (user, event, kind) constraint is for the cases app's per-event notices.
    """
    if not rows:
        return []
    ids = [n.pk for n in Notification.objects.bulk_create(rows)]
    from .tasks import enqueue_on_commit, mail_notifications

    enqueue_on_commit(mail_notifications, ids)
    return ids


def notification(*, user_id: int, kind: str, title: str, body: str = "", url: str = "", case_id=None):
    """Return an unsaved inbox row."""
    return Notification(
        user_id=user_id, kind=kind, title=title[:200], body=body, url=url[:200], case_id=case_id
    )


def send_notification_mail(notification_ids: list[int]) -> int:
    """E-mail each notification to its user (those with an address); return how many went out."""
    rows = (
        Notification.objects.filter(pk__in=notification_ids, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("id")
    )
    base = settings.PUBLIC_BASE_URL
    messages = [
        (
            f"【综治中心】{n.title}",
            f"{n.body}\n\n{base}{n.url}" if n.url else n.body,
            settings.DEFAULT_FROM_EMAIL,
            [n.user.email],
        )
        for n in rows
    ]
    return send_mass_mail(messages) if messages else 0
