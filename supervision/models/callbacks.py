"""Monthly callback rounds (回访): the audited random sample of parties and each call's outcome."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Evaluation, Party, Rating
from departments.models import Center

from .orders import SupervisionOrder

MAX_ATTEMPTS = 3


class CallbackRound(models.Model):
    """One center's month's sample of parties to call back, reproducible from its stored seed.

    Each county and township center calls back the parties of the cases it closed.
    """

    center = models.ForeignKey(
        Center, verbose_name=_("综治中心"), on_delete=models.PROTECT, related_name="callback_rounds"
    )
    month = models.DateField(_("结案月份"), help_text=_("抽取该月结案案件的当事人；存为该月 1 日。"))
    seed = models.BigIntegerField(_("随机种子"))
    population_size = models.PositiveIntegerField(_("可抽样人数"))
    population_digest = models.CharField(
        _("抽样总体摘要"),
        max_length=64,
        help_text=_("按固定顺序排列的可抽样当事人的 SHA-256 摘要，供审计复核。"),
    )
    sample_size_requested = models.PositiveSmallIntegerField(_("计划抽取"))
    sample_size_taken = models.PositiveSmallIntegerField(_("实际抽取"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("抽样时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("为空表示定时任务。"),
    )

    class Meta:
        verbose_name = _("回访批次")
        verbose_name_plural = _("回访批次")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["center", "month"], name="one_callback_round_per_center_month")
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} ({self.sample_size_taken}/{self.sample_size_requested})"


class Callback(models.Model):
    """One party to call back in a round, the coordinator assigned, and the outcome."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待回访")
        DONE = "done", _("已回访")
        UNREACHABLE = "unreachable", _("无法联系")

    round = models.ForeignKey(
        CallbackRound, verbose_name=_("回访批次"), on_delete=models.CASCADE, related_name="callbacks"
    )
    position = models.PositiveSmallIntegerField(_("抽中顺序"))
    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="callbacks")
    party = models.ForeignKey(
        Party, verbose_name=_("当事人"), on_delete=models.PROTECT, related_name="callbacks"
    )
    # A one-way digest of "id:<ID number>" or "phone:<phone>": the database itself refuses
    # the same person twice in one round, without storing the number again.
    person_key = models.CharField(_("当事人标识"), max_length=64, editable=False)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访专员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="callbacks",
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("拨打次数"), default=0)
    rating = models.CharField(_("满意度"), max_length=20, choices=Rating.choices, blank=True)
    comment = models.TextField(_("当事人意见"), blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    order = models.ForeignKey(
        SupervisionOrder,
        verbose_name=_("督办单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callbacks",
    )
    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("评价"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["round", "position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "person_key"], name="callback_person_once_per_round"),
            models.UniqueConstraint(fields=["round", "position"], name="callback_position_unique"),
        ]

    def __str__(self):
        return f"{self.round} #{self.position}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class CallbackAttempt(models.Model):
    """One call: reached or not, by whom, when."""

    callback = models.ForeignKey(
        Callback, verbose_name=_("回访"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField(_("第几次"))
    reached = models.BooleanField(_("接通"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("拨打人"), on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["callback", "number"]
        constraints = [
            models.UniqueConstraint(fields=["callback", "number"], name="callback_attempt_number_unique")
        ]

    def __str__(self):
        return f"{self.callback_id} #{self.number}"
