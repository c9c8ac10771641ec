"""Admin of the outbox: read-only rows, filtered by status, with a retry action for failed ones."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import OutboxMessage
from .outbox import outbox_message_retry


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["task", "key", "status", "attempts", "next_attempt_at", "short_error", "created_at"]
    list_filter = ["status", "task"]
    search_fields = ["key", "task"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "key",
        "task",
        "args",
        "kwargs",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "done_at",
    ]
    actions = ["retry_now"]

    @admin.display(description=_("最后错误"))
    def short_error(self, obj):
        return obj.last_error[:80]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("common.change_outboxmessage")

    @admin.action(description=_("立即重新执行"), permissions=["retry"])
    def retry_now(self, request, queryset):
        count = sum(1 for message in queryset if outbox_message_retry(message=message))
        self.message_user(
            request,
            ngettext("已重新排队 %d 个任务。", "已重新排队 %d 个任务。", count) % count,
            messages.SUCCESS,
        )
