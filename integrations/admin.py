"""Admin of the integrations: subscriptions are edited here; deliveries and attempts are read-only."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .events import WebhookEvent
from .models import IdempotencyRecord, WebhookAttempt, WebhookDelivery, WebhookSubscription
from .services import webhook_delivery_retry


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("接收地址"), max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        label=_("订阅事件"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "secret", "event_types", "is_active"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ["name", "url", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ["created_at", "status_code", "duration_ms", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "event_type",
        "event_id",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
    ]
    list_filter = ["status", "event_type", "subscription"]
    search_fields = ["event_id"]
    list_select_related = ["subscription"]
    readonly_fields = [
        "subscription",
        "event_type",
        "event_id",
        "payload",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "retry_until",
        "delivered_at",
        "created_at",
    ]
    inlines = [WebhookAttemptInline]
    actions = ["retry_now"]

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("integrations.change_webhookdelivery")

    @admin.action(description=_("立即重新投递"), permissions=["retry"])
    def retry_now(self, request, queryset):
        count = sum(1 for delivery in queryset if webhook_delivery_retry(delivery=delivery))
        self.message_user(
            request,
            ngettext("已重新排队 %d 个投递。", "已重新排队 %d 个投递。", count) % count,
            messages.SUCCESS,
        )


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ReadOnlyAdmin):
    list_display = ["delivery", "status_code", "duration_ms", "error", "created_at"]
    list_filter = ["status_code"]
    list_select_related = ["delivery__subscription"]
    readonly_fields = ["delivery", "status_code", "duration_ms", "error", "created_at"]


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ["user", "key", "method", "path", "response_status", "created_at"]
    search_fields = ["key", "user__username"]
    list_select_related = ["user"]
    readonly_fields = [
        "user",
        "key",
        "method",
        "path",
        "request_hash",
        "response_status",
        "created_at",
    ]
