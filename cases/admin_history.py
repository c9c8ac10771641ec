"""Row history of one case for administrators: the case's and its parties' history rows, in time order.

Every row says when, who and what changed (field, old, new); phone and ID numbers and the
parties' names are masked, as in every list.
"""

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from common.fields import BlindIndexField, mask, mask_name

from .models import Case, Party

# Bookkeeping columns, not what anyone edited.
SKIPPED_FIELDS = {"id", "updated_at", "created_at", "version", "tracking_key", "intake_key"}


def _shown(model, field_name: str, value):
    """Return a value as the history page may show it: personal data masked."""
    if value in (None, ""):
        return "—"
    field = model._meta.get_field(field_name)
    kind = getattr(field, "kind", None)
    if kind:
        return getattr(value, "masked", None) or mask(kind, str(value))
    if model is Party and field_name == "name":
        return mask_name(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def _rows_with_diffs(model, history_rows, label) -> list[dict]:
    """Return one entry per history row with its changes against the object's previous row."""
    fields = [
        f.name
        for f in model._meta.concrete_fields
        if f.name not in SKIPPED_FIELDS
        and not f.name.startswith("history_")
        and not isinstance(f, BlindIndexField)  # a keyed hash: its field's change is shown already
    ]
    previous: dict[int, object] = {}
    entries = []
    for row in history_rows:
        before = previous.get(row.id)
        changes = []
        for name in fields:
            attname = model._meta.get_field(name).attname
            new = getattr(row, attname)
            old = getattr(before, attname) if before is not None else None
            if before is None and row.history_type != "+":
                continue
            if before is None or old != new:
                if before is None and new in (None, ""):
                    continue
                changes.append(
                    {
                        "field": str(model._meta.get_field(name).verbose_name),
                        "old": _shown(model, name, old) if before is not None else "",
                        "new": _shown(model, name, new),
                    }
                )
        previous[row.id] = row
        entries.append(
            {
                "at": row.history_date,
                "who": row.history_user.get_username() if row.history_user_id and row.history_user else "",
                "what": label(row),
                "type": row.get_history_type_display(),
                "reason": row.history_change_reason or "",
                "changes": changes,
            }
        )
    return entries


def case_row_history(case: Case) -> list[dict]:
    """Return the history rows of the case and its parties (deleted ones too), oldest first, with diffs."""
    case_rows = (
        Case.history.filter(id=case.pk).select_related("history_user").order_by("history_date", "history_id")
    )
    party_rows = (
        Party.history.filter(case_id=case.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    entries = _rows_with_diffs(Case, case_rows, lambda row: _("案件"))
    entries += _rows_with_diffs(
        Party, party_rows, lambda row: _("当事人 %(name)s") % {"name": mask_name(row.name)}
    )
    entries.sort(key=lambda e: e["at"])
    return entries


@staff_member_required
def case_row_history_view(request, model_admin, object_id):
    """The admin page listing a case's row history."""
    case = get_object_or_404(Case, pk=object_id)
    if not model_admin.has_view_permission(request, case):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Case._meta,
        "case": case,
        "entries": case_row_history(case),
        "title": _("%(code)s 的变更历史") % {"code": case.code_display},
    }
    return render(request, "admin/cases/case/row_history.html", context)
