"""What the cases' admin pages share: search by case code and by full phone or ID number, view-only."""

import re

from django.contrib import admin, messages
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.fields import KIND_ID_NUMBER, KIND_PHONE, normalize

from .codes import CaseCodeMistyped, InvalidCaseCode, normalize_code

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
