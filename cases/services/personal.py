"""Showing a party's full phone or ID number: an explicit, logged action ("显示"), never a page default."""

from django.utils.translation import gettext_lazy as _

from audit.models import Action
from audit.services import access_log_record
from common.exceptions import ActionForbidden, DomainError

from ..models import Case, Party
from ..permissions import sees_personal_data

REVEALABLE_FIELDS = {"phone": _("联系电话"), "id_number": _("身份证号")}
REASON_MAX = 100

# What the "显示" form suggests; the user may type another reason.
REVEAL_REASONS = (
    _("联系当事人"),
    _("核实当事人身份"),
    _("制作法律文书"),
    _("协调处置"),
)


def party_personal_reveal(*, case: Case, party: Party, actor, field: str, reason: str, request=None) -> str:
    """Return one full number of a party, writing the access log row (who, which case, party, field, why).

    Only those :func:`cases.permissions.sees_personal_data` allows; a reason is required.
    """
    if field not in REVEALABLE_FIELDS:
        raise DomainError(_("只能查看联系电话或身份证号。"), code="invalid")
    if party.case_id != case.pk:
        raise DomainError(_("该当事人不属于此案件。"), code="invalid")
    if not sees_personal_data(actor, case):
        raise ActionForbidden(_("您无权查看该案件当事人的完整个人信息。"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请说明查看事由。"), code="reason_required")
    value = str(getattr(party, field))
    access_log_record(
        action=Action.REVEAL_PERSONAL,
        actor=actor,
        request=request,
        case_code=case.code,
        obj=party,
        object_repr=party.name_masked,
        reason=reason[:REASON_MAX],
        details={"field": field, "party_id": party.pk, "party_role": party.role, "empty": not value},
    )
    return value
