"""Admin for cases and their records.

Cases are created at the desk (or through the API) and move only through the lifecycle
services, so the admin cannot add a case and shows the state, the code and everything a
transition sets as read-only; administrators may correct the descriptive fields and the
parties. The transition log, handling records, evaluations, return visits, attachments,
notifications, text messages and the code sequence are view-only.
"""

import re

from django.contrib import admin, messages
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.fields import KIND_ID_NUMBER, KIND_PHONE, normalize

from .codes import CaseCodeMistyped, InvalidCaseCode, normalize_code
from .models import (
    Attachment,
    Case,
    CaseEvent,
    CaseSequence,
    Evaluation,
    HandlingRecord,
    Notification,
    Party,
    SmsMessage,
    Visit,
)

# A search term made of digits, separators and X only may be (part of) a case code.
_CODE_LIKE = re.compile(r"^[\d\s\-_./xX]{4,}$")


def _code_search(model_admin, request, queryset, search_term, code_path):
    """Return ``(rows, exact)`` found by case code; ``rows`` is None if the term is no code.

    A valid code (grouped, spaced, lower-case x) finds its case exactly; any other code-like
    term finds the codes containing it, and a code with a wrong check character is flagged.
    """
    term = search_term.strip()
    if not _CODE_LIKE.match(term):
        return None, False
    try:
        return queryset.filter(**{code_path: normalize_code(term)}), True
    except CaseCodeMistyped as exc:
        model_admin.message_user(request, exc.message, messages.WARNING)
    except InvalidCaseCode:
        pass
    fragment = re.sub(r"[\s\-_./]", "", term).upper()
    return queryset.filter(**{f"{code_path}__contains": fragment}), False


def _person_search(default, model_admin, request, queryset, search_term):
    """Search people by name, by full phone or ID number, and by their case's code."""
    term = search_term.strip()
    if not term:
        return default.get_search_results(request, queryset, search_term)
    by_code, exact = _code_search(model_admin, request, queryset, term, "case__code")
    if exact:
        return by_code, False
    # Phone and ID numbers match only in full (the stored form is normalised; a future
    # encrypted column can then be searched through a blind index).
    full_number = Q(phone=normalize(KIND_PHONE, term)) | Q(id_number=normalize(KIND_ID_NUMBER, term))
    results, duplicates = default.get_search_results(request, queryset, search_term)
    results |= queryset.filter(full_number)
    if by_code is not None:
        results |= by_code
    return results, duplicates


class CaseCodeSearchMixin:
    """Let the changelist search accept grouped codes, spaces and a lower-case x."""

    code_path = "code"

    def get_search_results(self, request, queryset, search_term):
        by_code, exact = _code_search(self, request, queryset, search_term, self.code_path)
        if exact:
            return by_code, False
        results, duplicates = super().get_search_results(request, queryset, search_term)
        if by_code is not None:
            results |= by_code
        return results, duplicates


class ReadOnlyAdminMixin:
    """View only: rows are written by services, never by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseCodeColumnMixin:
    @admin.display(description=_("案件编号"), ordering="case__code")
    def case_code(self, obj):
        return obj.case.code_display if obj.case_id else "-"


# --- Inlines on the case page ------------------------------------------------------------------


class PartyInline(admin.TabularInline):
    model = Party
    extra = 0
    fields = ["name", "role", "phone", "id_number", "is_representative", "address", "order"]


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
class CaseAdmin(CaseCodeSearchMixin, admin.ModelAdmin):
    # Only what describes the matter is editable; everything else is set by a transition.
    editable_fields = ["title", "description", "category", "source", "location", "requested_services"]

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
        (None, {"fields": ["code_display", "state", "center", "desk", "created_by", "created_at"]}),
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
                "fields": ["code", "version", "tracking_key", "intake_key", "updated_at"],
            },
        ),
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
        # Write only the edited columns, so a transition committed meanwhile is never undone.
        fields = [name for name in form.changed_data if name in self.editable_fields]
        concrete = {f.name for f in obj._meta.concrete_fields}
        update_fields = [name for name in fields if name in concrete]
        if update_fields:
            obj.save(update_fields=[*update_fields, "updated_at"])


@admin.register(Party)
class PartyAdmin(CaseCodeColumnMixin, admin.ModelAdmin):
    list_display = ["name", "phone_masked", "id_number_masked", "role", "is_representative", "case_code"]
    list_filter = ["role", "is_representative"]
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


@admin.register(Visit)
class VisitAdmin(CaseCodeColumnMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case_code", "visitor_name", "phone_masked", "people_count", "desk", "created_at"]
    list_filter = ["desk"]
    list_select_related = ["case", "desk"]
    search_fields = ["visitor_name"]
    search_help_text = _("按来访人姓名、完整电话号码、完整身份证号或案件编号搜索。")
    date_hierarchy = "created_at"

    @admin.display(description=_("联系电话"))
    def phone_masked(self, visit):
        return visit.phone.masked

    def get_search_results(self, request, queryset, search_term):
        return _person_search(super(), self, request, queryset, search_term)


@admin.register(Attachment)
class AttachmentAdmin(CaseCodeColumnMixin, ReadOnlyAdminMixin, CaseCodeSearchMixin, admin.ModelAdmin):
    code_path = "case__code"
    list_display = ["original_name", "case_code", "content_type", "size", "uploaded_by", "created_at"]
    list_filter = ["content_type"]
    list_select_related = ["case", "uploaded_by"]
    search_fields = ["original_name"]
    date_hierarchy = "created_at"
    # The file is not linked here: attachments are served only through the case's access checks.
    exclude = ["file"]


@admin.register(HandlingRecord)
class HandlingRecordAdmin(CaseCodeColumnMixin, ReadOnlyAdminMixin, CaseCodeSearchMixin, admin.ModelAdmin):
    code_path = "case__code"
    list_display = ["case_code", "kind", "department", "author", "excerpt", "is_public", "created_at"]
    list_filter = ["kind", "is_public", "department"]
    list_select_related = ["case", "department", "author"]
    search_fields = ["text"]
    date_hierarchy = "created_at"

    @admin.display(description=_("内容"))
    def excerpt(self, record):
        return record.text if len(record.text) <= 40 else record.text[:40] + "…"


@admin.register(Evaluation)
class EvaluationAdmin(CaseCodeColumnMixin, ReadOnlyAdminMixin, CaseCodeSearchMixin, admin.ModelAdmin):
    code_path = "case__code"
    list_display = ["case_code", "rating", "channel", "recorded_by", "created_at"]
    list_filter = ["rating", "channel"]
    list_select_related = ["case", "recorded_by"]
    search_fields = ["comment"]
    date_hierarchy = "created_at"


@admin.register(CaseEvent)
class CaseEventAdmin(CaseCodeColumnMixin, ReadOnlyAdminMixin, CaseCodeSearchMixin, admin.ModelAdmin):
    code_path = "case__code"
    list_display = ["case_code", "transition_label", "from_state", "to_state", "actor", "created_at"]
    list_filter = ["transition", "to_state", "from_state"]
    list_select_related = ["case", "actor"]
    search_fields = ["reason", "actor__username"]
    date_hierarchy = "created_at"

    @admin.display(description=_("操作"), ordering="transition")
    def transition_label(self, event):
        return event.transition_label


@admin.register(Notification)
class NotificationAdmin(CaseCodeColumnMixin, ReadOnlyAdminMixin, CaseCodeSearchMixin, admin.ModelAdmin):
    code_path = "case__code"
    list_display = ["title", "user", "kind", "case_code", "created_at", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user", "case"]
    search_fields = ["title", "user__username"]
    date_hierarchy = "created_at"


@admin.register(SmsMessage)
class SmsMessageAdmin(CaseCodeColumnMixin, ReadOnlyAdminMixin, CaseCodeSearchMixin, admin.ModelAdmin):
    code_path = "case__code"
    list_display = ["case_code", "phone_masked", "kind", "status", "backend", "created_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["case"]
    search_fields = ["body"]
    search_help_text = _("按案件编号、完整手机号或短信内容搜索。")
    date_hierarchy = "created_at"

    @admin.display(description=_("手机号"))
    def phone_masked(self, message):
        return message.phone.masked

    def get_search_results(self, request, queryset, search_term):
        results, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            results |= queryset.filter(phone=normalize(KIND_PHONE, search_term))
        return results, duplicates


@admin.register(CaseSequence)
class CaseSequenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    # The model's fields carry no verbose names; label the columns here.
    list_display = ["county", "sequence_year", "last_used"]
    list_filter = ["year"]
    search_fields = ["=county_code"]

    @admin.display(description=_("区划代码"), ordering="county_code")
    def county(self, sequence):
        return sequence.county_code

    @admin.display(description=_("年度"), ordering="year")
    def sequence_year(self, sequence):
        return sequence.year

    @admin.display(description=_("已用序号"), ordering="last_number")
    def last_used(self, sequence):
        return sequence.last_number


# The calendar's admin lives beside the cases whose deadlines it recomputes.
from .calendar_admin import CalendarDayAdmin  # noqa: E402, F401
