"""Admin for the organisation: centers, departments, desks, staff, services, duty board, deadlines."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Prefetch
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from audit.admin import log_url_for_user

from .admin_scope import CenterScopedAdminMixin
from .models import (
    Center,
    DeadlineRule,
    Department,
    Desk,
    DutyAssignment,
    Place,
    Service,
    ServicePackage,
    StaffProfile,
    WhistleRule,
)

admin.site.site_header = _("综治中心管理后台")
admin.site.site_title = _("综治中心管理后台")
admin.site.index_title = _("系统管理")

User = get_user_model()


class StableSlugMixin:
    """Make the slug read-only once saved: event logs and log-in names refer to it."""

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, "slug") if obj is not None else readonly


@admin.register(Center)
class CenterAdmin(CenterScopedAdminMixin, admin.ModelAdmin):
    center_field = None  # the center's own row
    list_display = ["code", "name", "level", "parent", "phone"]
    list_filter = ["level"]
    list_select_related = ["parent"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]


class DeskInline(admin.TabularInline):
    model = Desk
    extra = 0
    fields = ["number", "name", "is_active"]


@admin.register(Department)
class DepartmentAdmin(CenterScopedAdminMixin, StableSlugMixin, SimpleHistoryAdmin):
    list_display = ["name", "short_name", "slug", "kind", "center", "is_active", "order"]
    list_display_links = ["name"]
    list_editable = ["is_active", "order"]
    list_filter = ["kind", "is_active", "center"]
    list_select_related = ["center"]
    search_fields = ["name", "short_name", "slug"]
    inlines = [DeskInline]


@admin.register(Desk)
class DeskAdmin(CenterScopedAdminMixin, admin.ModelAdmin):
    center_field = "department__center"
    list_display = ["number", "name", "department", "is_active"]
    list_filter = ["is_active", "department"]
    list_select_related = ["department"]
    search_fields = ["name", "department__name", "department__short_name"]
    autocomplete_fields = ["department"]


@admin.register(StaffProfile)
class StaffProfileAdmin(CenterScopedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "display_name", "role", "department", "center"]
    list_filter = ["role", "department", "center"]
    list_select_related = ["user", "department", "center"]
    search_fields = ["user__username", "display_name"]
    autocomplete_fields = ["user", "department"]


class StaffProfileInline(CenterScopedAdminMixin, admin.StackedInline):
    """Assign a user's role and department on the user's own page."""

    model = StaffProfile
    fk_name = "user"
    can_delete = False
    extra = 0
    max_num = 1
    fields = ["role", "center", "department", "desk", "display_name", "phone"]
    autocomplete_fields = ["department"]


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(CenterScopedAdminMixin, UserAdmin):
    center_field = "staff_profile__center"
    inlines = [StaffProfileInline]
    list_display = [*UserAdmin.list_display, "staff_role", "staff_department"]
    list_filter = [*UserAdmin.list_filter, "staff_profile__role"]
    list_select_related = ["staff_profile__department"]
    search_fields = [*UserAdmin.search_fields, "staff_profile__display_name"]
    fieldsets = [*UserAdmin.fieldsets, (_("审计"), {"fields": ["audit_links"]})]
    readonly_fields = ["audit_links"]

    @admin.display(description=_("审计日志"))
    def audit_links(self, user):
        if user.pk is None:
            return "-"
        return format_html('<a href="{}">{}</a>', log_url_for_user(user.pk), _("该账号的操作与权限变更记录"))

    @admin.display(description=_("角色"), ordering="staff_profile__role")
    def staff_role(self, user):
        profile = self._profile(user)
        return profile.get_role_display() if profile else "-"

    @admin.display(description=_("所属单位"), ordering="staff_profile__department__order")
    def staff_department(self, user):
        profile = self._profile(user)
        return (profile.department if profile else None) or "-"

    @staticmethod
    def _profile(user):
        try:
            return user.staff_profile
        except StaffProfile.DoesNotExist:
            return None


@admin.register(Service)
class ServiceAdmin(StableSlugMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "is_active", "order"]
    list_editable = ["is_active", "order"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]


@admin.register(ServicePackage)
class ServicePackageAdmin(StableSlugMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "service_names", "lead_department", "is_active", "order"]
    list_editable = ["is_active", "order"]
    list_filter = ["is_active", "services"]
    search_fields = ["name", "slug"]
    filter_horizontal = ["services", "co_departments"]
    autocomplete_fields = ["lead_department"]

    def get_queryset(self, request):
        services = Prefetch("services", queryset=Service.objects.order_by("order", "id"))
        return super().get_queryset(request).select_related("lead_department").prefetch_related(services)

    @admin.display(description=_("包含服务"))
    def service_names(self, package):
        return "、".join(s.name for s in package.services.all())


@admin.register(DutyAssignment)
class DutyAssignmentAdmin(CenterScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["position", "person_name", "title", "phone", "start_date", "end_date", "center"]
    list_filter = ["position", "center", "start_date", "end_date"]
    list_select_related = ["center"]
    search_fields = ["person_name", "title"]
    autocomplete_fields = ["user"]
    date_hierarchy = "start_date"


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(SimpleHistoryAdmin):
    list_display = [
        "colour",
        "stage",
        "amount",
        "unit",
        "service",
        "category",
        "is_legal_limit",
        "reminder_percent",
    ]
    list_filter = ["colour", "stage", "unit", "is_legal_limit", "service"]
    list_select_related = ["service"]
    search_fields = ["category", "note", "service__name"]


@admin.register(Place)
class PlaceAdmin(CenterScopedAdminMixin, admin.ModelAdmin):
    center_field = "township"
    list_display = ["code", "name", "kind", "parent", "township"]
    list_filter = ["kind", "township"]
    list_select_related = ["parent", "township"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]


@admin.register(WhistleRule)
class WhistleRuleAdmin(SimpleHistoryAdmin):
    list_display = ["urgency", "hours", "note"]
