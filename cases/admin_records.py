"""Admin for what is written about a case: visits, attachments, records, evaluations, events, notices.

All view-only: these rows are written by the services, never by hand.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from common.fields import KIND_PHONE, normalize
from departments.admin_scope import CenterScopedAdminMixin

from .admin_search import CaseCodeColumnMixin, CaseCodeSearchMixin, ReadOnlyAdminMixin, _person_search
from .models import (
    Attachment,
    CaseEvent,
    CaseSequence,
    Evaluation,
    HandlingRecord,
    Notification,
    SmsMessage,
    Visit,
)


@admin.register(Visit)
class VisitAdmin(CenterScopedAdminMixin, CaseCodeColumnMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    center_field = "case__center"
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
class AttachmentAdmin(
    CenterScopedAdminMixin, CaseCodeColumnMixin, ReadOnlyAdminMixin, CaseCodeSearchMixin, admin.ModelAdmin
):
    center_field = "case__center"
    code_path = "case__code"
    list_display = ["original_name", "case_code", "content_type", "size", "uploaded_by", "created_at"]
    list_filter = ["content_type"]
    list_select_related = ["case", "uploaded_by"]
    search_fields = ["original_name"]
    date_hierarchy = "created_at"
    # The file is not linked here: attachments are served only through the case's access checks.
    exclude = ["file"]


@admin.register(HandlingRecord)
class HandlingRecordAdmin(
    CenterScopedAdminMixin, CaseCodeColumnMixin, ReadOnlyAdminMixin, CaseCodeSearchMixin, admin.ModelAdmin
):
    center_field = "case__center"
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
class EvaluationAdmin(
    CenterScopedAdminMixin, CaseCodeColumnMixin, ReadOnlyAdminMixin, CaseCodeSearchMixin, admin.ModelAdmin
):
    center_field = "case__center"
    code_path = "case__code"
    list_display = ["case_code", "rating", "channel", "recorded_by", "created_at"]
    list_filter = ["rating", "channel"]
    list_select_related = ["case", "recorded_by"]
    search_fields = ["comment"]
    date_hierarchy = "created_at"


@admin.register(CaseEvent)
class CaseEventAdmin(
    CenterScopedAdminMixin, CaseCodeColumnMixin, ReadOnlyAdminMixin, CaseCodeSearchMixin, admin.ModelAdmin
):
    center_field = "case__center"
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
class NotificationAdmin(
    CenterScopedAdminMixin, CaseCodeColumnMixin, ReadOnlyAdminMixin, CaseCodeSearchMixin, admin.ModelAdmin
):
    # A notice is its recipient\'s: the center they work at.
    center_field = "user__staff_profile__center"
    code_path = "case__code"
    list_display = ["title", "user", "kind", "case_code", "created_at", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user", "case"]
    search_fields = ["title", "user__username"]
    date_hierarchy = "created_at"


@admin.register(SmsMessage)
class SmsMessageAdmin(
    CenterScopedAdminMixin, CaseCodeColumnMixin, ReadOnlyAdminMixin, CaseCodeSearchMixin, admin.ModelAdmin
):
    center_field = "case__center"
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
