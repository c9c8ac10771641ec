from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases.admin_search import ReadOnlyAdminMixin
from departments.admin_scope import CenterScopedAdminMixin

from .models import FeedClient, Lead, LeadEvent, LeadPerson

# --- Ingestion (issue 14, ingest slice): feed clients, leads (read-only), their log -------------


@admin.register(FeedClient)
class FeedClientAdmin(CenterScopedAdminMixin, admin.ModelAdmin):
    """The systems and accounts allowed to post one feed's items to one center."""

    list_display = ["name", "feed", "center", "user", "is_active", "token_hint", "created_at"]
    list_filter = ["feed", "is_active", "center"]
    search_fields = ["name", "user__username"]
    list_select_related = ["center", "user"]
    autocomplete_fields = ["user"]
    readonly_fields = ["token_hint"]
    fields = ["name", "feed", "center", "user", "is_active", "token_hint"]

    @admin.display(description=_("接口令牌"))
    def token_hint(self, obj):
        if obj is None or not obj.pk:
            return _("保存后在“令牌”中为该账号创建令牌，或运行 manage.py drf_create_token <用户名>。")
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:authtoken_tokenproxy_add") + f"?user={obj.user_id}",
            _("为该账号创建令牌"),
        )


class LeadPersonInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LeadPerson
    extra = 0
    fields = ["name_masked", "phone_masked", "id_number_masked", "role"]
    readonly_fields = fields

    @admin.display(description=_("姓名"))
    def name_masked(self, obj):
        return obj.name_masked

    @admin.display(description=_("联系电话"))
    def phone_masked(self, obj):
        return obj.phone.masked if obj.phone else ""

    @admin.display(description=_("身份证号"))
    def id_number_masked(self, obj):
        return obj.id_number.masked if obj.id_number else ""


class LeadEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LeadEvent
    extra = 0
    fields = ["created_at", "action", "actor", "note"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Lead)
class LeadAdmin(CenterScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Leads are written by the ingestion service and acted on in the screening queue: view only here."""

    list_display = ["external_id", "feed", "center", "occurred_at", "state", "score", "people_count"]
    list_filter = ["feed", "state", "proposed_colour"]
    search_fields = ["external_id"]
    list_select_related = ["center"]
    date_hierarchy = "occurred_at"
    fields = [
        "feed", "external_id", "center", "received_center", "client", "occurred_at", "text", "category",
        "category_text", "place_text", "township", "place", "people_count", "state", "score",
        "proposed_colour", "reasons", "screened_at", "case", "version",
    ]  # fmt: skip
    readonly_fields = fields
    inlines = [LeadPersonInline, LeadEventInline]


# --- end of the ingest slice's registrations ---------------------------------------------------
