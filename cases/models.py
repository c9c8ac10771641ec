"""Cases, their parties, handling records, evaluations and the append-only transition log."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from common.fields import KIND_ID_NUMBER, KIND_PHONE, PersonalDataField, mask_name
from common.models import TimeStampedModel
from common.validators import validate_id_number, validate_phone
from departments.models import Center, Department, Desk, Service, ServicePackage

from .codes import display_code


class State(models.TextChoices):
    RECEIVED = "received", _("已受理")
    ASSESSING = "assessing", _("研判中")
    ASSIGNED = "assigned", _("已交办")
    HANDLING = "handling", _("办理中")
    SUPERVISED = "supervised", _("督办中")
    REVIEWING = "reviewing", _("待审核")
    CLOSED = "closed", _("已结案")
    EVALUATED = "evaluated", _("已评价")
    REJECTED = "rejected", _("不予受理")
    WITHDRAWN = "withdrawn", _("已撤回")
    ESCALATED = "escalated", _("已上报")


OPEN_STATES = (
    State.RECEIVED,
    State.ASSESSING,
    State.ASSIGNED,
    State.HANDLING,
    State.SUPERVISED,
    State.REVIEWING,
)
# States in which a department holds the case and its handling deadline runs.
WITH_DEPARTMENT_STATES = (State.ASSIGNED, State.HANDLING, State.SUPERVISED)


class RiskColour(models.TextChoices):
    RED = "red", _("红色")
    YELLOW = "yellow", _("黄色")
    BLUE = "blue", _("蓝色")


class Category(models.TextChoices):
    LABOUR = "labour", _("劳动争议")
    MARRIAGE_FAMILY = "marriage_family", _("婚姻家庭")
    NEIGHBOUR = "neighbour", _("邻里纠纷")
    LAND = "land", _("土地山林")
    PROPERTY = "property", _("物业纠纷")
    CONSUMER = "consumer", _("消费维权")
    MEDICAL = "medical", _("医疗纠纷")
    CONSTRUCTION = "construction", _("工程建设")
    TRAFFIC = "traffic", _("交通事故")
    CONTRACT = "contract", _("合同债务")
    PETITION = "petition", _("信访事项")
    OTHER = "other", _("其他")


class Source(models.TextChoices):
    WALK_IN = "walk_in", _("来访")
    HOTLINE = "hotline", _("热线")
    GRID = "grid", _("网格员上报")
    POLICE = "police", _("公安移交")
    ONLINE = "online", _("网上受理")
    UPSTREAM = "upstream", _("上级转办")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class ResultKind(models.TextChoices):
    MEDIATION_AGREEMENT = "agreement", _("达成调解协议")
    RESOLVED = "resolved", _("问题已解决")
    EXPLAINED = "explained", _("解释说明、息诉罢访")
    REFERRED = "referred", _("引导通过法定途径解决")
    OTHER = "other", _("其他")


class RedirectTarget(models.TextChoices):
    SERVICE_CENTER = "service_center", _("政务服务中心")
    COURT = "court", _("人民法院")
    OTHER = "other", _("其他部门")


def new_tracking_key() -> str:
    """Return the secret printed inside a receipt's QR code (the party's second factor)."""
    return secrets.token_urlsafe(12)


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_STATES)


class CaseSequence(models.Model):
    """The last case number used for a county and year (township sub-centers share it)."""

    county_code = models.CharField(max_length=6)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("案件编号序列")
        verbose_name_plural = _("案件编号序列")
        constraints = [models.UniqueConstraint(fields=["county_code", "year"], name="case_sequence_unique")]

    def __str__(self):
        return f"{self.county_code}/{self.year}: {self.last_number}"


class Case(FSMModelMixin, TimeStampedModel):
    """One matter, one code (一案一码)."""

    code = models.CharField(_("案件编号"), max_length=17, unique=True, editable=False)
    center = models.ForeignKey(
        Center, verbose_name=_("受理中心"), on_delete=models.PROTECT, related_name="cases"
    )
    desk = models.ForeignKey(
        Desk,
        verbose_name=_("受理窗口"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    title = models.CharField(_("事项"), max_length=120)
    description = models.TextField(_("事项描述"))
    category = models.CharField(_("类别"), max_length=30, choices=Category.choices, db_index=True)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.WALK_IN)
    location = models.CharField(_("发生地点"), max_length=200, blank=True)
    requested_services = models.ManyToManyField(
        Service, verbose_name=_("申请服务"), blank=True, related_name="requested_by_cases"
    )
    risk_colour = models.CharField(
        _("风险等级"), max_length=10, choices=RiskColour.choices, blank=True, db_index=True
    )
    proposed_colour = models.CharField(
        _("建议风险等级"), max_length=10, choices=RiskColour.choices, blank=True
    )
    colour_reason = models.CharField(_("风险等级理由"), max_length=200, blank=True)
    package = models.ForeignKey(
        ServicePackage,
        verbose_name=_("服务套餐"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    lead_department = models.ForeignKey(
        Department,
        verbose_name=_("牵头单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_cases",
    )
    co_departments = models.ManyToManyField(
        Department, verbose_name=_("协办单位"), blank=True, related_name="co_cases"
    )
    instructions = models.TextField(_("交办意见"), blank=True)
    accept_by = models.DateTimeField(_("签收期限"), null=True, blank=True, db_index=True)
    due_by = models.DateTimeField(_("办结期限"), null=True, blank=True, db_index=True)
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("办结提交时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True, db_index=True)
    result = models.TextField(_("办理结果"), blank=True)
    result_kind = models.CharField(_("结果类型"), max_length=20, choices=ResultKind.choices, blank=True)
    agreement_terms = models.TextField(_("调解协议条款"), blank=True)
    judicial_confirmation = models.BooleanField(
        _("申请司法确认"), default=False, help_text=_("调解协议送人民法院司法确认。")
    )
    redirect_target = models.CharField(
        _("引导去向"), max_length=20, choices=RedirectTarget.choices, blank=True
    )
    state = FSMField(
        _("状态"), max_length=20, choices=State.choices, default=State.RECEIVED, protected=True, db_index=True
    )
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    tracking_key = models.CharField(_("查询密钥"), max_length=32, default=new_tracking_key, editable=False)
    is_problem = models.BooleanField(_("问题工单"), default=False, db_index=True)
    is_collective = models.BooleanField(_("集体访"), default=False)
    people_count = models.PositiveSmallIntegerField(_("来访人数"), default=1)
    intake_key = models.CharField(
        _("登记令牌"),
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_("受理表单的一次性令牌：重复提交不会生成第二个案件。"),
    )
    return_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    send_back_count = models.PositiveSmallIntegerField(_("审核退回次数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["lead_department", "state"], name="case_dept_state"),
            # Leaders' reports: "accepted in the period" joins the other period conditions.
            models.Index(fields=["accepted_at"], name="case_accepted_at"),
        ]

    def __str__(self):
        return f"{self.code_display} {self.title}"

    @property
    def code_display(self) -> str:
        return display_code(self.code)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def current_deadline(self):
        """The deadline running now: acceptance while assigned, handling while with a department."""
        if self.state == State.ASSIGNED:
            return self.accept_by
        if self.state in (State.HANDLING, State.SUPERVISED):
            return self.due_by
        return None

    @property
    def shown_colour(self) -> str:
        """The assessed colour, or the intake's proposal until the case is assessed."""
        return self.risk_colour or self.proposed_colour

    def get_absolute_url(self) -> str:
        return reverse("tracking:case", args=[self.code])

    def tracking_url(self, *, with_key: bool = True) -> str:
        """Return the public link a party opens; with the key it is the receipt's QR link."""
        url = f"{settings.PUBLIC_BASE_URL}/t/{self.code}/"
        return f"{url}?k={self.tracking_key}" if with_key else url

    # --- Transitions: they only guard and change state; services do the rest. ---------------

    @transition(field=state, source=State.RECEIVED, target=State.ASSESSING)
    def start_assessment(self) -> None:
        """Start assessing the matter (研判)."""

    @transition(field=state, source=State.ASSESSING, target=State.ASSIGNED)
    def assign(self, *, risk_colour, lead_department, package, instructions, accept_by, due_by, now) -> None:
        """Hand the case to its lead department (交办)."""
        self.risk_colour = risk_colour
        self.lead_department = lead_department
        self.package = package
        self.instructions = instructions
        self.accept_by = accept_by
        self.due_by = due_by
        self.assigned_at = now
        self.accepted_at = None

    @transition(field=state, source=State.ASSIGNED, target=State.HANDLING)
    def accept(self, *, now) -> None:
        """Accept the assignment (签收)."""
        self.accepted_at = now

    @transition(field=state, source=State.ASSIGNED, target=State.ASSESSING)
    def return_to_center(self) -> None:
        """Return the case to the center as not theirs (退回)."""
        self.return_count += 1

    @transition(field=state, source=[State.ASSIGNED, State.HANDLING], target=State.SUPERVISED)
    def supervise(self) -> None:
        """Put the case under an open supervision order (督办)."""

    @transition(field=state, source=State.SUPERVISED, target=State.HANDLING)
    def end_supervision(self) -> None:
        """Return to ordinary handling once no supervision order is open."""

    @transition(field=state, source=[State.HANDLING, State.SUPERVISED], target=State.REVIEWING)
    def submit_result(self, *, result, now) -> None:
        """Submit the handling result for review (办结)."""
        self.result = result
        self.submitted_at = now

    @transition(field=state, source=State.REVIEWING, target=State.HANDLING)
    def send_back(self) -> None:
        """Send the result back to the department (审核退回)."""
        self.send_back_count += 1

    @transition(field=state, source=State.REVIEWING, target=State.CLOSED)
    def close(self, *, now) -> None:
        """Close the case (结案)."""
        self.closed_at = now

    @transition(field=state, source=State.CLOSED, target=State.EVALUATED)
    def evaluate(self) -> None:
        """Record that the party has evaluated the result (评价)."""

    @transition(
        field=state,
        source=[State.CLOSED, State.EVALUATED],
        target=RETURN_VALUE(State.HANDLING, State.SUPERVISED),
    )
    def reopen(self, *, supervised: bool) -> str:
        """Reopen a closed case for more handling, under supervision if an order is open."""
        self.closed_at = None
        return State.SUPERVISED if supervised else State.HANDLING

    @transition(field=state, source=[State.RECEIVED, State.ASSESSING], target=State.REJECTED)
    def reject(self, *, redirect_target) -> None:
        """Refuse the matter or direct the party elsewhere (不予受理 / 引导)."""
        self.redirect_target = redirect_target

    @transition(field=state, source=list(OPEN_STATES), target=State.WITHDRAWN)
    def withdraw(self) -> None:
        """Record that the party withdrew the matter (撤回)."""

    @transition(
        field=state, source=[State.ASSESSING, State.HANDLING, State.SUPERVISED], target=State.ESCALATED
    )
    def escalate(self) -> None:
        """Escalate the case to the city level (上报)."""


class Party(models.Model):
    """A party to a case (当事人). Phone and ID number are personal data."""

    class Role(models.TextChoices):
        APPLICANT = "applicant", _("申请人")
        RESPONDENT = "respondent", _("被申请人")
        OTHER = "other", _("其他当事人")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="parties")
    name = models.CharField(_("姓名"), max_length=50)
    phone = PersonalDataField(_("联系电话"), kind=KIND_PHONE, db_index=True, validators=[validate_phone])
    id_number = PersonalDataField(
        _("身份证号"), kind=KIND_ID_NUMBER, db_index=True, validators=[validate_id_number]
    )
    role = models.CharField(_("身份"), max_length=20, choices=Role.choices, default=Role.APPLICANT)
    is_representative = models.BooleanField(_("代表人"), default=False)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["case", "order", "id"]

    def __str__(self):
        return self.name_masked

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)


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
    "flag_problem": _("列为问题工单"),
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
    phone = PersonalDataField(_("联系电话"), kind=KIND_PHONE, db_index=True, validators=[validate_phone])
    id_number = PersonalDataField(
        _("身份证号"), kind=KIND_ID_NUMBER, db_index=True, validators=[validate_id_number]
    )
    people_count = models.PositiveSmallIntegerField(_("来访人数"), default=1)
    note = models.TextField(_("来访诉求"), blank=True)

    class Meta:
        verbose_name = _("重复来访")
        verbose_name_plural = _("重复来访")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.case_id} {mask_name(self.visitor_name)}"


class Notification(models.Model):
    """An entry in a staff member's in-app inbox."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("案件"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.ForeignKey(
        CaseEvent,
        verbose_name=_("流转记录"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("类型"), max_length=30)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=200, blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]
        constraints = [
            # One notice per user per event and kind: a task run twice notifies once.
            models.UniqueConstraint(fields=["user", "event", "kind"], name="notification_once_per_event")
        ]

    def __str__(self):
        return self.title


class SmsMessage(models.Model):
    """A text message to a party, logged per case whatever the gateway answered."""

    class Status(models.TextChoices):
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="sms_messages"
    )
    event = models.ForeignKey(
        CaseEvent,
        verbose_name=_("流转记录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("类型"), max_length=30)
    phone = PersonalDataField(_("手机号"), kind=KIND_PHONE)
    body = models.TextField(_("内容"))
    backend = models.CharField(_("通道"), max_length=100)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("短信记录")
        verbose_name_plural = _("短信记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "event", "kind", "phone"],
                condition=models.Q(status="sent"),
                name="sms_sent_once_per_event",
            )
        ]

    def __str__(self):
        return f"{self.phone.masked} {self.body[:20]}"
