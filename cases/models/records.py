"""What happens on a case: handling records, evaluations, the transition log, attachments, visits."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.fields import KIND_ID_NUMBER, KIND_PHONE, BlindIndexField, PersonalDataField, mask_name
from common.models import TimeStampedModel
from common.validators import validate_id_number, validate_phone
from departments.models import Department, Desk

from .case import Case
from .choices import Rating, State


class HandlingRecord(TimeStampedModel):
    """One step of handling (办理记录): what was done, by whom, public to the party or not."""

    class Kind(models.TextChoices):
        PROGRESS = "progress", _("办理进展")
        CONTACT = "contact", _("联系当事人")
        NEXT_STEP = "next_step", _("下一步计划")
        COOPERATION = "cooperation", _("协办情况")
        NOTE = "note", _("中心备注")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="records")
    department = models.ForeignKey(
        Department,
        verbose_name=_("办理单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.PROGRESS)
    text = models.TextField(_("内容"))
    is_public = models.BooleanField(_("向当事人公开"), default=False)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.case_id}: {self.text[:30]}"


class Evaluation(TimeStampedModel):
    """A party's evaluation of a case's result (结案评价), from the tracking page or a callback."""

    class Channel(models.TextChoices):
        TRACKING = "tracking", _("扫码评价")
        CALLBACK = "callback", _("电话回访")
        STAFF = "staff", _("工作人员代录")

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="evaluations"
    )
    rating = models.CharField(_("评价"), max_length=20, choices=Rating.choices)
    comment = models.TextField(_("意见"), blank=True)
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Who evaluated on the tracking page (each applicant once); empty for callbacks and for
    # evaluations given before they were recorded per party: those count as the receipt holder's.
    party = models.ForeignKey(
        "cases.Party",
        verbose_name=_("评价人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evaluations",
    )

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.case_id}: {self.get_rating_display()}"


class CaseEvent(models.Model):
    """An append-only log entry of one transition: who, when, from, to, why."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("为空表示系统或当事人。"),
    )
    transition = models.CharField(_("操作"), max_length=30)
    from_state = models.CharField(_("原状态"), max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20, choices=State.choices)
    reason = models.TextField(_("原因/说明"), blank=True)
    data = models.JSONField(_("附加信息"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("流转记录")
        verbose_name_plural = _("流转记录")
        ordering = ["created_at", "id"]
        # Reports count reworked cases (send_back / reopen events) without hashing every event.
        indexes = [models.Index(fields=["transition", "case"], name="caseevent_transition_case")]

    def __str__(self):
        return f"{self.case_id} {self.transition}: {self.from_state}→{self.to_state}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("CaseEvent is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("CaseEvent is append-only")

    @property
    def transition_label(self) -> str:
        return TRANSITION_LABELS.get(self.transition, self.transition)


TRANSITION_LABELS = {
    "create": _("受理登记"),
    "start_assessment": _("开始研判"),
    "assign": _("交办"),
    "accept": _("签收"),
    "return_to_center": _("退回中心"),
    "supervise": _("督办"),
    "end_supervision": _("督办办结"),
    "submit_result": _("提交办结"),
    "send_back": _("审核退回"),
    "close": _("结案"),
    "evaluate": _("评价"),
    "reopen": _("重新办理"),
    "reject": _("不予受理"),
    "withdraw": _("撤回"),
    "escalate": _("上报"),
    "take_over": _("接收上报"),
    "return_down": _("退回下级"),
    "assign_down": _("下派"),
    "approve_down": _("下派办结审核通过"),
    "reject_down": _("下派办结退回重办"),
    "transfer": _("申请移交"),
    "transfer_accept": _("移交"),
    "transfer_decline": _("不予移交"),
    "whistle": _("吹哨"),
    "report_in": _("报到"),
    "flag_problem": _("列为问题工单"),
    "admin_edit": _("后台更正"),
}


def attachment_upload_to(instance: "Attachment", filename: str) -> str:
    """Store uploads under a random name: the party's file name is kept only as data."""
    import os
    import uuid

    extension = os.path.splitext(filename)[1].lower()[:10]
    return f"attachments/{instance.case.code}/{uuid.uuid4().hex}{extension}"


class Attachment(TimeStampedModel):
    """A file attached at intake or to a handling record; served only to staff who may see the case."""

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="attachments"
    )
    record = models.ForeignKey(
        HandlingRecord,
        verbose_name=_("办理记录"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("文件"), upload_to=attachment_upload_to, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name


class Visit(TimeStampedModel):
    """A return visit about an existing case: recorded on it, no new code (一案一码)."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="visits")
    desk = models.ForeignKey(
        Desk, verbose_name=_("受理窗口"), null=True, blank=True, on_delete=models.SET_NULL
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    visitor_name = models.CharField(_("来访人"), max_length=50)
    phone = PersonalDataField(_("联系电话"), kind=KIND_PHONE, validators=[validate_phone])
    phone_index = BlindIndexField(source="phone")
    id_number = PersonalDataField(_("身份证号"), kind=KIND_ID_NUMBER, validators=[validate_id_number])
    id_number_index = BlindIndexField(source="id_number")
    people_count = models.PositiveSmallIntegerField(_("来访人数"), default=1)
    note = models.TextField(_("来访诉求"), blank=True)

    class Meta:
        verbose_name = _("重复来访")
        verbose_name_plural = _("重复来访")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.case_id} {mask_name(self.visitor_name)}"
