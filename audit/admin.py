"""The access log in the admin: read-only, filtered per case and per user, exportable as CSV."""

import csv

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext_lazy as _

from departments.admin_scope import CenterScopedAdminMixin

from .models import AccessLogEntry, Action
from .selectors import access_log_csv_header, access_log_csv_rows
from .services import access_log_record

UTF8_BOM = "\ufeff"


def log_url_for_case(code: str) -> str:
    """Return the admin's list of the log rows about one case."""
    return (
        reverse("admin:audit_accesslogentry_changelist") + "?" + urlencode({CaseFilter.parameter_name: code})
    )


def log_url_for_user(user_id: int) -> str:
    """Return the admin's list of the log rows by or about one account."""
    return (
        reverse("admin:audit_accesslogentry_changelist")
        + "?"
        + urlencode({UserFilter.parameter_name: user_id})
    )


class CaseFilter(admin.SimpleListFilter):
    """Rows about one case (the link from the case's admin page); shown only once chosen."""

    title = _("案件编号")
    parameter_name = "case"

    def lookups(self, request, model_admin):
        value = self.value()
        return [(value, value)] if value else []

    def queryset(self, request, queryset):
        value = (self.value() or "").replace("-", "").replace(" ", "").upper()
        return queryset.filter(case_code=value) if value else queryset


class UserFilter(admin.SimpleListFilter):
    """Rows by an account or about it (a change of its role)."""

    title = _("账号（操作人或涉及账号）")
    parameter_name = "user"

    def lookups(self, request, model_admin):
        User = get_user_model()
        # The accounts in the rows this administrator sees (their own center's, unless a superuser).
        ids = model_admin.get_queryset(request).exclude(actor__isnull=True).values("actor_id")
        return [(str(u.pk), u.get_username()) for u in User.objects.filter(pk__in=ids).order_by("username")]

    def queryset(self, request, queryset):
        value = self.value()
        if not value or not str(value).isdigit():
            return queryset
        return queryset.filter(actor_id=value) | queryset.filter(target_user_id=value)


class ReadOnlyLogAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(CenterScopedAdminMixin, ReadOnlyLogAdmin):
    # A center's administrator reads (and exports) what their own center's staff did.
    center_field = "actor__staff_profile__center"
    change_list_template = "admin/audit/accesslogentry/change_list.html"
    list_display = [
        "created_at",
        "actor_name",
        "action",
        "case_code",
        "object_repr",
        "reason",
        "client_address",
    ]
    list_filter = ["action", CaseFilter, UserFilter, "created_at"]
    search_fields = ["actor_name", "case_code", "object_repr", "reason"]
    date_hierarchy = "created_at"
    list_per_page = 100
    show_full_result_count = False
    actions = None
    fields = [
        "created_at",
        "actor",
        "actor_name",
        "action",
        "case_code",
        "target_user",
        "object_type",
        "object_id",
        "object_repr",
        "reason",
        "client_address",
        "details",
    ]
    readonly_fields = fields

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_csv)
        return [path("export/", export, name="audit_accesslogentry_export"), *super().get_urls()]

    def export_csv(self, request):
        """Stream the rows the list shows (same filters and search) as CSV, and log the export."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        queryset = changelist.get_queryset(request)
        filters = dict(request.GET.items())
        access_log_record(
            action=Action.EXPORT_AUDIT,
            request=request,
            object_type="audit.accesslogentry",
            details={"filters": filters, "rows": queryset.count()},
        )

        class Echo:
            def write(self, value):
                return value

        writer = csv.writer(Echo())

        def lines():
            yield UTF8_BOM + writer.writerow(access_log_csv_header())
            for row in access_log_csv_rows(queryset.iterator(chunk_size=2000)):
                yield writer.writerow(row)

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        filename = f"audit-log-{timezone.localdate():%Y%m%d}.csv"
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
