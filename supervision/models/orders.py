"""Supervision orders (督办单), their event history, and the reminders sent before a deadline."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from cases.models import Case
from common.models import TimeStampedModel
from departments.models import Center, Department, Stage


class Reason(models.TextChoices):
    DEADLINE_MISSED = "deadline_missed", _("逾期未办")
    LEADER_INSTRUCTION = "leader_instruction", _("领导批示")
    BAD_EVALUATION = "bad_evaluation", _("结案评价不满意")
    BAD_CALLBACK = "bad_callback", _("回访不满意")
    PROBLEM_CASE = "problem_case", _("问题工单")
    REFERRAL_OVERDUE = "referral_overdue", _("下派逾期")
    WHISTLE_LATE = "whistle_late", _("吹哨报到超时")


class Level(models.TextChoices):
    """How high an order goes; reminders (提醒) are notifications, not orders."""

    ORDER = "order", _("督办")
    LEADER = "leader", _("挂牌督办")


class OrderStatus(models.TextChoices):
    ISSUED = "issued", _("待答复")
    RESPONDED = "responded", _("待核查")
    VERIFIED = "verified", _("已核查办结")
    RAISED = "raised", _("已升级")


OPEN_ORDER_STATUSES = (OrderStatus.ISSUED, OrderStatus.RESPONDED)
# Who an order without a department supervises: the center's own assessment duty.
CENTER_ADDRESSEE = _("综治中心（研判交办）")


class OrderSequence(models.Model):
    """The last supervision-order number used in a year."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    last_number = models.PositiveIntegerField(_("已用号"), default=0)

    class Meta:
        verbose_name = _("督办单编号序列")
        verbose_name_plural = _("督办单编号序列")

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class SupervisionOrderQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_ORDER_STATUSES)


class SupervisionOrder(FSMModelMixin, TimeStampedModel):
    """A supervision order (督办单) on one department, or on the center itself, about one case.

    An order without a department concerns the center's own duty (the assessment stage, 研判交办):
    it is addressed to the center's coordinators and never counts against a department.

    Orders issued by the deadline sweep name the stage and the deadline they concern; a
    database constraint allows one order per case, stage, deadline and level, so running the
    sweep twice (or in two workers at once) never issues a second one.
    """

    number = models.CharField(
        _("督办单号"), max_length=16, unique=True, null=True, editable=False, help_text=_("如 DB2026000123。")
    )
    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="supervision_orders"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("被督办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_orders",
        help_text=_("为空表示督办综治中心自身（研判交办逾期），由研判督办专员答复。"),
    )
    reason = models.CharField(_("督办原因"), max_length=20, choices=Reason.choices)
    # The center that supervises: the case's own, or one above it (a leader's order on a township
    # case, an overdue 下派 raised at the parent). Empty on orders from before the network: the case's center.
    issuing_center = models.ForeignKey(
        Center,
        verbose_name=_("督办中心"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_orders",
    )
    level = models.CharField(_("督办级别"), max_length=10, choices=Level.choices, default=Level.ORDER)
    status = FSMField(
        _("状态"),
        max_length=10,
        choices=OrderStatus.choices,
        default=OrderStatus.ISSUED,
        protected=True,
        db_index=True,
    )
    stage = models.CharField(_("逾期环节"), max_length=10, choices=Stage.choices, blank=True)
    deadline = models.DateTimeField(_("所涉期限"), null=True, blank=True)
    required_action = models.TextField(_("督办要求"))
    instruction = models.TextField(_("领导批示"), blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("下发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("为空表示系统自动督办。"),
    )
    issued_at = models.DateTimeField(_("下发时间"))
    respond_from = models.DateTimeField(_("答复期起算"), help_text=_("下发或退回重办的时间。"))
    respond_by = models.DateTimeField(_("答复期限"), db_index=True)
    response = models.TextField(_("答复内容"), blank=True)
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核查人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rejection_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    raised_to = models.ForeignKey(
        "self",
        verbose_name=_("升级为"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="raised_from",
    )
    # Which sweep inserted the row: after an INSERT that skips conflicts, a sweep re-selects
    # by its token the orders that are really its own, and notifies only about those.
    sweep_token = models.UUIDField(null=True, blank=True, editable=False, db_index=True)

    objects = SupervisionOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["department", "status"], name="order_department_status"),
            models.Index(fields=["case", "status"], name="order_case_status"),
            models.Index(fields=["status", "level", "respond_by"], name="order_status_level_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "stage", "level", "deadline"],
                condition=Q(deadline__isnull=False) & ~Q(stage="whistle"),
                name="supervision_order_once_per_deadline",
                violation_error_message=_("该期限已经下发过同级督办单。"),
            ),
            # A whistle summons several departments with one deadline: one order per department.
            models.UniqueConstraint(
                fields=["case", "department", "level", "deadline"],
                condition=Q(deadline__isnull=False, stage="whistle"),
                name="supervision_order_once_per_summons",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(reason="problem_case"),
                name="supervision_order_once_per_problem_case",
            ),
            models.CheckConstraint(
                condition=~Q(status="raised") | Q(raised_to__isnull=False),
                name="supervision_order_raised_has_target",
            ),
            # Only the sweep addresses an order to a center itself: a missed assessment deadline, or
            # an overdue 下派 (the child center holding the case answers it).
            models.CheckConstraint(
                condition=Q(department__isnull=False)
                | Q(reason__in=["deadline_missed", "referral_overdue"], issued_by__isnull=True),
                name="supervision_order_center_only_for_missed_deadline",
            ),
        ]

    def __str__(self):
        return f"{self.number_display} {self.get_level_display()}"

    @property
    def number_display(self) -> str:
        """Return the number as printed on paper: 督办〔2026〕123号."""
        if not self.number:
            return ""
        return f"督办〔{self.number[2:6]}〕{int(self.number[6:])}号"

    @property
    def is_center_order(self) -> bool:
        """Whether the order concerns the center's own duty (no department): coordinators answer it."""
        return self.department_id is None

    @property
    def addressee(self) -> str:
        """Return who the order supervises, as lists print it: the department, or the center."""
        if self.department_id is None:
            return str(CENTER_ADDRESSEE)
        return self.department.short_name or self.department.name

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ORDER_STATUSES

    def is_overdue(self, now) -> bool:
        return self.status == OrderStatus.ISSUED and self.respond_by < now

    # --- Transitions: they only guard and change status; services do the rest. --------------

    @transition(field=status, source=OrderStatus.ISSUED, target=OrderStatus.RESPONDED)
    def respond(self, *, response: str, by, now) -> None:
        """Record the department's answer (答复)."""
        self.response, self.responded_by, self.responded_at = response, by, now

    @transition(field=status, source=OrderStatus.RESPONDED, target=OrderStatus.VERIFIED)
    def verify(self, *, by, now) -> None:
        """Accept the answer after checking it (核查办结)."""
        self.verified_by, self.verified_at = by, now

    @transition(field=status, source=OrderStatus.RESPONDED, target=OrderStatus.ISSUED)
    def reject(self, *, respond_by) -> None:
        """Send the answer back: the department must answer again by ``respond_by``."""
        self.respond_by = respond_by
        self.rejection_count += 1


class SupervisionOrderEvent(models.Model):
    """An append-only entry in an order's history: who did what, when, and why."""

    class Action(models.TextChoices):
        ISSUE = "issue", _("下发")
        RESPOND = "respond", _("答复")
        VERIFY = "verify", _("核查办结")
        REJECT = "reject", _("退回重办")
        RAISE = "raise", _("升级挂牌督办")

    order = models.ForeignKey(
        SupervisionOrder, verbose_name=_("督办单"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("为空表示系统。"),
    )
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    from_status = models.CharField(_("原状态"), max_length=10, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=10, choices=OrderStatus.choices)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("附加信息"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("督办记录")
        verbose_name_plural = _("督办记录")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.order_id} {self.action}: {self.from_status}→{self.to_status}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("SupervisionOrderEvent is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("SupervisionOrderEvent is append-only")


class Reminder(models.Model):
    """A reminder (提醒) sent before a deadline: one per case, stage and deadline."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="reminders")
    stage = models.CharField(_("环节"), max_length=10, choices=Stage.choices)
    deadline = models.DateTimeField(_("期限"))
    department = models.ForeignKey(
        Department,
        verbose_name=_("提醒单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reminders",
        help_text=_("为空表示提醒综治中心的研判督办专员。"),
    )
    order = models.ForeignKey(
        SupervisionOrder,
        verbose_name=_("督办单"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
        help_text=_("答复环节的提醒所针对的督办单。"),
    )
    percent = models.PositiveSmallIntegerField(_("提醒点(%)"))
    remind_at = models.DateTimeField(_("应提醒时间"))
    sent_at = models.DateTimeField(_("发送时间"), db_index=True)
    sweep_token = models.UUIDField(null=True, blank=True, editable=False, db_index=True)

    class Meta:
        verbose_name = _("期限提醒")
        verbose_name_plural = _("期限提醒")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "stage", "deadline"], name="reminder_once_per_deadline")
        ]

    def __str__(self):
        return f"{self.case_id} {self.get_stage_display()} {self.deadline:%Y-%m-%d %H:%M}"
