"""Admin for the organisation: centers, departments, desks, staff, services, duty board, deadlines."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from .holidays import calendar_year_load, parse_notice
from .models import (
    CalendarDay,
    Center,
    DeadlineRule,
    Department,
    Desk,
    DutyAssignment,
    Service,
    ServicePackage,
    StaffProfile,
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
class CenterAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "phone"]
    list_select_related = ["parent"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]


class DeskInline(admin.TabularInline):
    model = Desk
    extra = 0
    fields = ["number", "name", "is_active"]


@admin.register(Department)
class DepartmentAdmin(StableSlugMixin, admin.ModelAdmin):
    list_display = ["name", "short_name", "slug", "kind", "center", "is_active", "order"]
    list_display_links = ["name"]
    list_editable = ["is_active", "order"]
    list_filter = ["kind", "is_active", "center"]
    list_select_related = ["center"]
    search_fields = ["name", "short_name", "slug"]
    inlines = [DeskInline]


@admin.register(Desk)
class DeskAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "department", "is_active"]
    list_filter = ["is_active", "department"]
    list_select_related = ["department"]
    search_fields = ["name", "department__name", "department__short_name"]
    autocomplete_fields = ["department"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "display_name", "role", "department", "center"]
    list_filter = ["role", "department", "center"]
    list_select_related = ["user", "department", "center"]
    search_fields = ["user__username", "display_name"]
    autocomplete_fields = ["user", "department"]


class StaffProfileInline(admin.StackedInline):
    """Assign a user's role and department on the user's own page."""

    model = StaffProfile
    fk_name = "user"
    can_delete = False
    extra = 0
    max_num = 1
    fields = ["role", "center", "department", "display_name", "phone"]
    autocomplete_fields = ["department"]


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [StaffProfileInline]
    list_display = [*UserAdmin.list_display, "staff_role", "staff_department"]
    list_filter = [*UserAdmin.list_filter, "staff_profile__role"]
    list_select_related = ["staff_profile__department"]
    search_fields = [*UserAdmin.search_fields, "staff_profile__display_name"]

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
    list_display = ["name", "slug", "service_names", "is_active", "order"]
    list_editable = ["is_active", "order"]
    list_filter = ["is_active", "services"]
    search_fields = ["name", "slug"]
    filter_horizontal = ["services"]

    def get_queryset(self, request):
        services = Prefetch("services", queryset=Service.objects.order_by("order", "id"))
        return super().get_queryset(request).prefetch_related(services)

    @admin.display(description=_("包含服务"))
    def service_names(self, package):
        return "、".join(s.name for s in package.services.all())


@admin.register(DutyAssignment)
class DutyAssignmentAdmin(admin.ModelAdmin):
    list_display = ["position", "person_name", "title", "phone", "start_date", "end_date", "center"]
    list_filter = ["position", "center", "start_date", "end_date"]
    list_select_related = ["center"]
    search_fields = ["person_name", "title"]
    autocomplete_fields = ["user"]
    date_hierarchy = "start_date"


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
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


class CalendarNoticeForm(forms.Form):
    """A year's arrangement from the State Council notice: a file, or the same lines pasted."""

    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2100)
    file = forms.FileField(label=_("通知文件"), required=False)
    text = forms.CharField(
        label=_("或粘贴内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 70}),
        help_text=_(
            "每行：日期或“起..止”、holiday（休）或 workday（班）、节日名称，如“2027-01-01 holiday 元旦”。"
        ),
    )

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            try:
                data["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("文件须为 UTF-8 编码的文本。")) from None
        if not (data.get("text") or "").strip():
            raise forms.ValidationError(_("请上传通知文件或粘贴内容。"))
        if data.get("year") is not None:
            data["days"] = parse_notice(data["text"], year=data["year"])
        return data


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "note"]
    list_filter = ["is_workday"]
    search_fields = ["note"]
    date_hierarchy = "date"
    change_list_template = "admin/departments/calendarday/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.load_notice_view)
        return [path("load/", view, name="departments_calendarday_load"), *super().get_urls()]

    def load_notice_view(self, request):
        """Upload or paste → preview the year's holidays and make-up days → confirm to load."""
        # The admin wires two layers: the calendar, then the cases whose deadlines it changes.
        from cases.services import case_deadlines_recompute

        if not self.has_add_permission(request) or not self.has_delete_permission(request):
            raise PermissionDenied
        form = CalendarNoticeForm(request.POST or None, request.FILES or None)
        days = None
        if request.method == "POST" and form.is_valid():
            days = form.cleaned_data["days"]
            if "confirm" in request.POST:
                year = form.cleaned_data["year"]
                with transaction.atomic():
                    count = calendar_year_load(year=year, days=days)
                    changed = case_deadlines_recompute(actor=request.user)
                self.message_user(
                    request,
                    _("已载入 %(year)s 年的 %(count)s 个日期，重新计算了 %(cases)s 件案件的期限。")
                    % {"year": year, "count": count, "cases": len(changed)},
                    messages.SUCCESS,
                )
                return redirect("admin:departments_calendarday_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("按国务院办公厅通知录入节假日安排"),
            "form": form,
            "days": days,
            "holidays": sum(1 for d in days if not d.is_workday) if days else 0,
            "workdays": sum(1 for d in days if d.is_workday) if days else 0,
            "replaced": CalendarDay.objects.filter(date__year=form.cleaned_data["year"]).count()
            if days
            else 0,
        }
        return TemplateResponse(request, "admin/departments/calendarday/load.html", context)
