"""How a case travels between centers (上报、下派、移交) and whom a center summons (吹哨报到).

A referral is one hop of a case between two centers, with why, what to do and by when; the
case itself keeps its code wherever it goes. A whistle summons departments of the level above
to report (报到) within a set time; each summons is answered, on time or late, by a liaison.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.models import TimeStampedModel
from departments.models import Center, Department, WhistleRule

from .case import Case


class ReferralKind(models.TextChoices):
    UP = "up", _("上报")
    DOWN = "down", _("下派")
    TRANSFER = "transfer", _("移交")


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("待接收")  # reported up or asked to transfer; the receiving center decides
    ACTIVE = "active", _("办理中")  # assigned down; the child center works it
    REPORTED = "reported", _("待审核")  # assigned down and closed by the child; the parent reviews
    ACCEPTED = "accepted", _("已接收")  # taken on (up), moved (transfer), or approved (down)
    RETURNED = "returned", _("已退回")  # sent back down (up) or refused (transfer)


OPEN_REFERRAL_STATUSES = (ReferralStatus.PENDING, ReferralStatus.ACTIVE, ReferralStatus.REPORTED)


class ReferralReason(models.TextChoices):
    """Why a case is reported up (上报理由)."""

    BEYOND_POWERS = "beyond_powers", _("超出本级职权")
    SEVERAL_PLACES = "several_places", _("涉及多个辖区")
    RED_RISK = "red_risk", _("重大风险（红色）")
    REPEATED_PETITIONS = "repeated_petitions", _("反复信访、多次调处未果")
    OTHER = "other", _("其他")


class Referral(TimeStampedModel):
    """One hop of a case between centers: reported up, assigned down, or transferred across."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="referrals")
    kind = models.CharField(_("类别"), max_length=10, choices=ReferralKind.choices)
    status = models.CharField(_("状态"), max_length=10, choices=ReferralStatus.choices, db_index=True)
    from_center = models.ForeignKey(
        Center, verbose_name=_("发出中心"), on_delete=models.PROTECT, related_name="referrals_sent"
    )
    to_center = models.ForeignKey(
        Center, verbose_name=_("接收中心"), on_delete=models.PROTECT, related_name="referrals_received"
    )
    # A transfer goes through the nearest center above both ends; it decides.
    via_center = models.ForeignKey(
        Center,
        verbose_name=_("经由中心"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_routed",
    )
    reason_kind = models.CharField(_("上报理由"), max_length=20, choices=ReferralReason.choices, blank=True)
    reason = models.TextField(_("说明"))
    instructions = models.TextField(_("办理要求"), blank=True)
    due_by = models.DateTimeField(_("办结期限"), null=True, blank=True, db_index=True)
    # The state the case was in when it left, to resume there if it is sent back.
    from_state = models.CharField(_("原状态"), max_length=20, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_note = models.TextField(_("处理意见"), blank=True)
    reported_at = models.DateTimeField(_("下级办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("上下级流转")
        verbose_name_plural = _("上下级流转")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["to_center", "status"], name="referral_to_status"),
            models.Index(fields=["from_center", "status"], name="referral_from_status"),
        ]
        constraints = [
            # One open hop per case at a time: a case is never in two places at once.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=["pending", "active", "reported"]),
                name="referral_one_open_per_case",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.from_center} → {self.to_center}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REFERRAL_STATUSES

    @property
    def deciding_center_id(self) -> int:
        """Return the center that decides on this hop: the common parent of a transfer, else the receiver."""
        return self.via_center_id if self.kind == ReferralKind.TRANSFER else self.to_center_id


class Whistle(TimeStampedModel):
    """A center blows the whistle on a case (吹哨): it summons departments of the level above to report."""

    Urgency = WhistleRule.Urgency

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="whistles")
    center = models.ForeignKey(
        Center, verbose_name=_("吹哨中心"), on_delete=models.PROTECT, related_name="whistles"
    )
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=WhistleRule.Urgency.choices)
    hours = models.PositiveSmallIntegerField(_("报到时限（小时）"))
    reason = models.TextField(_("吹哨事由"))
    blown_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("吹哨人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    blown_at = models.DateTimeField(_("吹哨时间"), db_index=True)

    class Meta:
        verbose_name = _("吹哨")
        verbose_name_plural = _("吹哨")
        ordering = ["-blown_at", "-id"]

    def __str__(self):
        return f"{self.case.code_display} {self.get_urgency_display()}"


class WhistleSummons(TimeStampedModel):
    """One department summoned by a whistle, and its answer (报到): who came, when."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("待报到")
        REPORTED = "reported", _("已报到")

    whistle = models.ForeignKey(
        Whistle, verbose_name=_("吹哨"), on_delete=models.CASCADE, related_name="summonses"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("被召单位"), on_delete=models.PROTECT, related_name="summonses"
    )
    respond_by = models.DateTimeField(_("报到期限"), db_index=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.WAITING)
    reported_at = models.DateTimeField(_("报到时间"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报到人账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    attendee = models.CharField(
        _("到场人员"), max_length=100, blank=True, help_text=_("到场或参与处置的人员姓名、职务。")
    )
    note = models.TextField(_("报到说明"), blank=True)

    class Meta:
        verbose_name = _("吹哨报到")
        verbose_name_plural = _("吹哨报到")
        ordering = ["respond_by", "id"]
        constraints = [
            models.UniqueConstraint(fields=["whistle", "department"], name="summons_unique_department"),
        ]

    def __str__(self):
        return f"{self.department} {self.get_status_display()}"

    @property
    def is_late(self) -> bool:
        """Whether the department reported after its deadline (or has not yet, past it: see the sweep)."""
        return self.reported_at is not None and self.reported_at > self.respond_by
