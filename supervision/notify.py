"""Who hears of reminders and orders: the supervision app's recipients on the one pipeline.

Reminders go to the department's liaisons (for the center's own duty, the assessment stage, to
the center's coordinators); orders also to the duty director on today's duty
board; leader-level orders also to the second and first directors. Recipients are looked up
for many departments and centers at once (a constant number of queries). The rows go through
:func:`cases.notifications.notify` (inbox in the caller's transaction, e-mail after commit),
the same pipeline as the case events' notices.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q
from django.urls import reverse

from cases.notifications import notification, notify
from departments.models import Center, DutyAssignment, Role, StaffProfile

from .models import Level

# ``notify`` and ``notification`` are the cases app's, re-exported for the supervision services.
__all__ = [
    "KIND_CALLBACKS",
    "KIND_LEADER",
    "KIND_ORDER",
    "KIND_REJECTED",
    "KIND_REMINDER",
    "KIND_RESPONSE",
    "Recipients",
    "notification",
    "notify",
    "order_url",
    "users_with_role",
]

Position = DutyAssignment.Position

KIND_REMINDER = "supervision_reminder"
KIND_ORDER = "supervision_order"
KIND_LEADER = "supervision_leader"
KIND_RESPONSE = "supervision_response"
KIND_REJECTED = "supervision_rejected"
KIND_CALLBACKS = "callback_round"


class Recipients:
    """Liaisons per department and duty-board users per center, loaded for a batch at once.

    A reminder or order without a department concerns the center's own duty: it goes to the
    coordinators of the case's center (else of its county center), read in one query when first needed.
    """

    def __init__(self, *, department_ids: Iterable[int], today: dt.date):
        self.liaisons: dict[int, list[int]] = defaultdict(list)
        self._coordinators: dict[int, list[int]] | None = None
        for department_id, user_id in (
            StaffProfile.objects.filter(
                role=Role.LIAISON, department_id__in=set(department_ids) - {None}, user__is_active=True
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

    def coordinators(self, center_id: int | None) -> list[int]:
        """Return the active coordinators of a center, else of the nearest center above it that has some."""
        if self._coordinators is None:
            self._coordinators = defaultdict(list)
            for staff_center_id, user_id in (
                StaffProfile.objects.filter(role=Role.COORDINATOR, user__is_active=True)
                .order_by("user_id")
                .values_list("center_id", "user_id")
            ):
                self._coordinators[staff_center_id].append(user_id)
        while center_id is not None:
            if users := self._coordinators.get(center_id):
                return list(users)
            center_id = self.parents.get(center_id)
        return []

    def for_reminder(self, *, department_id: int | None, center_id: int | None = None) -> list[int]:
        if department_id is None:
            return self.coordinators(center_id)
        return list(self.liaisons.get(department_id, []))

    def for_order(self, *, department_id: int | None, center_id: int, level: str) -> list[int]:
        users = [
            *self.for_reminder(department_id=department_id, center_id=center_id),
            *self.on_duty(center_id, Position.DUTY_DIRECTOR),
        ]
        if level == Level.LEADER:
            users += self.on_duty(center_id, Position.SECOND_DIRECTOR)
            users += self.on_duty(center_id, Position.FIRST_DIRECTOR)
        return list(dict.fromkeys(users))


def users_with_role(role: str, center=None) -> list[int]:
    """Return the ids of active staff with ``role`` (at ``center``, if given)."""
    at_center = {"center": center} if center is not None else {}
    return list(
        StaffProfile.objects.filter(role=role, user__is_active=True, **at_center)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def order_url(number: str) -> str:
    return reverse("supervision:order_detail", args=[number])
