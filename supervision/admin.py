"""Admin for supervision: orders, reminders and callbacks are records, so they are view-only.

Orders change only through the supervision services (issue, answer, verify, send back, raise),
callbacks through the callback form. The schedules of the sweep and the sampling are edited
under "Periodic tasks" (django-celery-beat); failed tasks are listed under "Task results"
(django-celery-results).
"""

from django.contrib import admin

from departments.admin_scope import CenterScopedAdminMixin, admin_center_q

from .models import (
    Callback,
    CallbackAttempt,
    CallbackRound,
    OrderSequence,
    Reminder,
    SupervisionOrder,
    SupervisionOrderEvent,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderEventInline(ReadOnlyInline):
    model = SupervisionOrderEvent
    fields = ("created_at", "action", "from_status", "to_status", "actor", "note")
    readonly_fields = fields


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(CenterScopedAdminMixin, ReadOnlyAdmin):
    # The orders on the center's cases and the orders the center issued.
    def get_queryset(self, request):
        queryset = super(CenterScopedAdminMixin, self).get_queryset(request)
        user = request.user
        return queryset.filter(admin_center_q(user, "case__center") | admin_center_q(user, "issuing_center"))

    list_display = ("number", "case", "department", "reason", "level", "status", "issued_at", "respond_by")
    list_filter = ("status", "level", "reason", "department")
    search_fields = ("number", "case__code")
    date_hierarchy = "issued_at"
    list_select_related = ("case", "department")
    raw_id_fields = ("case", "raised_to")
    readonly_fields = ("number",)
    inlines = [OrderEventInline]


@admin.register(Reminder)
class ReminderAdmin(CenterScopedAdminMixin, ReadOnlyAdmin):
    center_field = "case__center"
    list_display = ("case", "stage", "deadline", "department", "percent", "sent_at")
    list_filter = ("stage", "department")
    search_fields = ("case__code",)
    list_select_related = ("case", "department")


class CallbackAttemptInline(ReadOnlyInline):
    model = CallbackAttempt
    fields = ("number", "reached", "note", "made_by", "made_at")
    readonly_fields = fields


@admin.register(Callback)
class CallbackAdmin(CenterScopedAdminMixin, ReadOnlyAdmin):
    center_field = "round__center"
    list_display = ("round", "position", "case", "status", "attempts", "rating", "assigned_to")
    list_filter = ("round", "status", "rating")
    search_fields = ("case__code",)
    list_select_related = ("round", "case", "assigned_to")
    exclude = ("person_key",)
    inlines = [CallbackAttemptInline]


@admin.register(CallbackRound)
class CallbackRoundAdmin(CenterScopedAdminMixin, ReadOnlyAdmin):
    list_display = (
        "month",
        "center",
        "population_size",
        "sample_size_requested",
        "sample_size_taken",
        "seed",
        "note",
    )
    readonly_fields = ("population_digest",)


@admin.register(OrderSequence)
class OrderSequenceAdmin(ReadOnlyAdmin):
    list_display = ("year", "last_number")


# The report thresholds' admin lives with the reports.
from .reports import admin as reports_admin  # noqa: E402, F401
