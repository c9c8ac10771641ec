"""Admin for cases and their records.

Cases are created at the desk (or through the API) and move only through the lifecycle
services, so the admin cannot add a case and shows the state, the code and everything a
transition sets as read-only; administrators may correct the descriptive fields and the
parties. A correction is logged as an "admin_edit" event (old and new values) by
:func:`cases.services.case_admin_edit`; cases and parties keep their history
(django-simple-history, the "history" button). The transition log, handling records,
evaluations, return visits, attachments, notifications, text messages and the code sequence
are view-only (cases/admin_records.py).
"""

from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from audit.admin import log_url_for_case
from audit.models import Action as AuditAction
from audit.services import access_log_record
from departments.admin_scope import CenterScopedAdminMixin

from .admin_search import CaseCodeColumnMixin, CaseCodeSearchMixin, ReadOnlyAdminMixin, _person_search
from .models import (
    Attachment,
    Case,
    CaseEvent,
    Evaluation,
    HandlingRecord,
    Party,
    Referral,
    Visit,
    Whistle,
    WhistleSummons,
)
from .services.admin import ADMIN_EDITABLE_FIELDS, case_admin_edit

# --- Full numbers in the admin are logged -----------------------------------------------------


class LogFullNumbersMixin:
    """The change form shows parties' full phone and ID numbers (to correct them): each display is logged."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        shown = getattr(response, "context_data", None) or {}
        obj = shown.get("original")
        if request.method == "GET" and response.status_code == 200 and obj is not None:
            case = obj if isinstance(obj, Case) else obj.case
            access_log_record(
                action=AuditAction.REVEAL_PERSONAL,
                request=request,
                case_code=case.code,
                obj=obj,
                object_repr=case.code_display if obj is case else obj.name_masked,
                reason=_("管理后台查看（含当事人完整号码）"),
                details={"via": "admin"},
            )
        return response


# --- Inlines on the case page ------------------------------------------------------------------


class PartyInline(admin.TabularInline):
    model = Party
    extra = 0
    fields = ["name", "kind", "role", "phone", "id_number", "is_representative", "address", "order"]


class HandlingRecordInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = HandlingRecord
    extra = 0
    fields = ["created_at", "kind", "department", "author", "text", "is_public"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("department", "author")


class CaseEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = ["created_at", "transition_label", "from_state", "to_state", "actor", "reason"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("操作"))
    def transition_label(self, event):
        return event.transition_label


class EvaluationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Evaluation
    extra = 0
    fields = ["created_at", "rating", "channel", "comment", "recorded_by"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")


class VisitInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Visit
    extra = 0
    fields = ["created_at", "visitor_name", "phone", "people_count", "desk", "recorded_by", "note"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("desk", "recorded_by")


class AttachmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    # The file itself is not linked: attachments are served only through the case's access checks.
    model = Attachment
    extra = 0
    fields = ["created_at", "original_name", "content_type", "size", "record", "uploaded_by"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("record", "uploaded_by")


# --- Cases -------------------------------------------------------------------------------------


@admin.register(Case)
class CaseAdmin(CenterScopedAdminMixin, LogFullNumbersMixin, CaseCodeSearchMixin, SimpleHistoryAdmin):
    # Only what describes the matter is editable; everything else is set by a transition.
    editable_fields = ADMIN_EDITABLE_FIELDS

    list_display = [
        "code_display",
        "title",
        "state",
        "risk_colour",
        "category",
        "source",
        "lead_department",
        "accept_by",
        "due_by",
        "is_problem",
        "created_at",
    ]
    list_display_links = ["code_display", "title"]
    list_filter = ["state", "risk_colour", "category", "source", "lead_department", "is_problem"]
    list_select_related = ["lead_department"]
    search_fields = ["title", "parties__name"]
    search_help_text = _("按案件编号（可带分隔符）、事项或当事人姓名搜索。")
    date_hierarchy = "created_at"
    filter_horizontal = ["requested_services"]
    inlines = [
        PartyInline,
        VisitInline,
        HandlingRecordInline,
        AttachmentInline,
        CaseEventInline,
        EvaluationInline,
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "code_display",
                    "state",
                    "center",
                    "intake_center",
                    "place",
                    "desk",
                    "created_by",
                    "created_at",
                ]
            },
        ),
        (
            _("事项"),
            {
                "fields": [
                    "title",
                    "description",
                    "category",
                    "source",
                    "location",
                    "requested_services",
                    "is_collective",
                    "people_count",
                ]
            },
        ),
        (
            _("研判与交办"),
            {
                "fields": [
                    "proposed_colour",
                    "risk_colour",
                    "colour_reason",
                    "package",
                    "lead_department",
                    "co_departments",
                    "instructions",
                    "is_problem",
                    "return_count",
                    "send_back_count",
                ]
            },
        ),
        (
            _("期限与进度"),
            {
                "fields": [
                    "accept_by",
                    "due_by",
                    "assigned_at",
                    "accepted_at",
                    "submitted_at",
                    "closed_at",
                    "result",
                    "result_kind",
                    "agreement_terms",
                    "judicial_confirmation",
                    "redirect_target",
                ]
            },
        ),
        (
            _("系统"),
            {
                "classes": ["collapse"],
                "fields": ["code", "version", "intake_key", "updated_at"],
            },
        ),
        (_("审计"), {"fields": ["audit_links"]}),
    ]

    @admin.display(description=_("审计与历史"))
    def audit_links(self, case):
        if case.pk is None:
            return "-"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            log_url_for_case(case.code),
            _("访问审计日志"),
            reverse("admin:cases_case_row_history", args=[case.pk]),
            _("逐行变更历史"),
        )

    def get_urls(self):
        from .admin_history import case_row_history_view

        view = self.admin_site.admin_view(
            lambda request, object_id: case_row_history_view(request, self, object_id)
        )
        return [
            path("<path:object_id>/row-history/", view, name="cases_case_row_history"),
            *super().get_urls(),
        ]

    @admin.display(description=_("案件编号"), ordering="code")
    def code_display(self, case):
        return case.code_display

    def get_readonly_fields(self, request, obj=None):
        shown = [name for _title, options in self.fieldsets for name in options["fields"]]
        return [name for name in shown if name not in self.editable_fields]

    def has_add_permission(self, request):
        # Intake goes through the reception form or the API (case_create), which assigns the code.
        return False

    def has_delete_permission(self, request, obj=None):
        # One code per case, forever: a case and its transition log are never deleted.
        return False

    def save_model(self, request, obj, form, change):
        # Through the service: only the edited columns, under the row lock, logged as an event.
        changes = {
            name: form.cleaned_data[name] for name in form.changed_data if name in self.editable_fields
        }
        if changes:
            case_admin_edit(case=obj, actor=request.user, changes=changes)

    def save_related(self, request, form, formsets, change):
        # The service has set the edited relations already; save the inlines (the parties) only.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(Party)
class PartyAdmin(CenterScopedAdminMixin, LogFullNumbersMixin, CaseCodeColumnMixin, SimpleHistoryAdmin):
    center_field = "case__center"
    list_display = [
        "name",
        "kind",
        "phone_masked",
        "id_number_masked",
        "role",
        "is_representative",
        "case_code",
    ]
    list_filter = ["kind", "role", "is_representative"]
    list_select_related = ["case"]
    search_fields = ["name"]
    search_help_text = _("按姓名、完整电话号码、完整身份证号或案件编号搜索。")
    autocomplete_fields = ["case"]

    @admin.display(description=_("联系电话"))
    def phone_masked(self, party):
        return party.phone.masked

    @admin.display(description=_("身份证号"))
    def id_number_masked(self, party):
        return party.id_number.masked

    def get_search_results(self, request, queryset, search_term):
        return _person_search(super(), self, request, queryset, search_term)


# --- The network of centers: referrals and whistles (written by the services, view-only) -------


class WhistleSummonsInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WhistleSummons
    extra = 0
    fields = ["department", "respond_by", "status", "reported_at", "reported_by", "attendee", "note"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("department", "reported_by")


@admin.register(Referral)
class ReferralAdmin(CenterScopedAdminMixin, CaseCodeColumnMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # A referral belongs to the centers it passes between: the case's center holds it now.
    center_field = "case__center"
    list_display = [
        "case_code",
        "kind",
        "status",
        "from_center",
        "to_center",
        "via_center",
        "due_by",
        "created_at",
    ]
    list_filter = ["kind", "status", "reason_kind"]
    list_select_related = ["case", "from_center", "to_center", "via_center"]
    search_fields = ["case__code", "reason"]
    date_hierarchy = "created_at"


@admin.register(Whistle)
class WhistleAdmin(CenterScopedAdminMixin, CaseCodeColumnMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case_code", "center", "urgency", "hours", "blown_by", "blown_at"]
    list_filter = ["urgency"]
    list_select_related = ["case", "center", "blown_by"]
    search_fields = ["case__code", "reason"]
    date_hierarchy = "blown_at"
    inlines = [WhistleSummonsInline]


@admin.register(WhistleSummons)
class WhistleSummonsAdmin(CenterScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    center_field = "whistle__center"
    list_display = ["whistle", "department", "respond_by", "status", "reported_at", "attendee"]
    list_filter = ["status"]
    list_select_related = ["whistle__case", "department"]
    search_fields = ["whistle__case__code", "attendee"]


# The view-only admins of a case's records, and the calendar's (it recomputes cases' deadlines).
from . import admin_records  # noqa: E402, F401
from .calendar_admin import CalendarDayAdmin  # noqa: E402, F401
