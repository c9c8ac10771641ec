"""Handling records (办理记录) and attachments."""

import os

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.models import Action as AuditAction
from audit.services import access_log_record
from common.exceptions import ActionForbidden
from departments.models import Role
from departments.permissions import department_of, require_role, role_of

from ..attachments import max_files, validate_upload
from ..models import (
    Attachment,
    Case,
    HandlingRecord,
)
from ..permissions import may_add_record, record_kinds_for
from .base import _required

# --- Handling records -------------------------------------------------------------------------


@transaction.atomic
def handling_record_add(
    *, case: Case, actor, text: str, kind: str = HandlingRecord.Kind.PROGRESS, is_public: bool = False
) -> HandlingRecord:
    """Add a handling record by the lead or a co-operating department, or a center note."""
    require_role(actor, Role.LIAISON, Role.COORDINATOR)
    if not may_add_record(actor, case):
        raise ActionForbidden(_("只有参与办理的单位可以在办理期间添加记录。"))
    text = _required(text, "text", _("请填写办理情况。"))
    department = department_of(actor) if role_of(actor) == Role.LIAISON else None
    if kind not in HandlingRecord.Kind.values:
        raise ValidationError({"kind": _("记录类型无效。")})
    if kind not in record_kinds_for(actor, case):
        raise ValidationError(
            {"kind": _("您不能添加“%(kind)s”类型的记录。") % {"kind": HandlingRecord.Kind(kind).label}}
        )
    record = HandlingRecord(
        case=case, department=department, author=actor, kind=kind, text=text, is_public=is_public
    )
    record.full_clean(exclude=["case", "department", "author"])
    record.save()
    return record


# --- Attachments ------------------------------------------------------------------------------


@transaction.atomic
def attachment_add(*, case: Case, actor, upload, record: HandlingRecord | None = None) -> Attachment:
    """Attach an uploaded file to a case (at intake) or to one of its handling records."""
    require_role(actor, Role.RECEPTION, Role.COORDINATOR, Role.LIAISON, Role.ADMIN)
    content_type = validate_upload(upload)
    if case.attachments.count() >= max_files() * 5:
        raise ValidationError({"attachments": _("该案件的附件数量已达上限。")})
    attachment = Attachment(
        case=case,
        record=record,
        original_name=os.path.basename(upload.name)[:200],
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    attachment.file.save(upload.name, upload, save=False)
    attachment.save()
    return attachment


def attachment_download_log(*, case: Case, attachment: Attachment, actor, request=None) -> None:
    """Log that ``actor`` downloaded an attachment of ``case`` (the page and the API alike)."""
    access_log_record(
        action=AuditAction.DOWNLOAD_ATTACHMENT,
        actor=actor,
        request=request,
        case_code=case.code,
        obj=attachment,
        object_repr=attachment.original_name,
        details={
            "content_type": attachment.content_type,
            "size": attachment.size,
            "record": attachment.record_id,
        },
    )
