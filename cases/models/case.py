"""The case (一案一码), its code sequence and its lifecycle state machine."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from common.models import TimeStampedModel
from departments.models import Center, Department, Desk, Place, Service, ServicePackage

from ..codes import display_code
from .choices import (
    OPEN_STATES,
    Category,
    RedirectTarget,
    ResultKind,
    RiskColour,
    Source,
    State,
    derive_tracking_key,
    hash_tracking_key,
    new_tracking_nonce,
)

# What checking or printing a receipt key reads (for ``.only()``).
TRACKING_KEY_FIELDS = ("code", "tracking_nonce", "tracking_key_hash", "tracking_key_legacy_hash")


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
    # The center holding the case now: it changes when the case is reported up (上报) and taken
    # on, assigned down (下派) or transferred (移交); the code never does. Where it came in is
    # ``intake_center``.
    center = models.ForeignKey(
        Center, verbose_name=_("承办中心"), on_delete=models.PROTECT, related_name="cases"
    )
    intake_center = models.ForeignKey(
        Center,
        verbose_name=_("受理中心"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="taken_in_cases",
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
    place = models.ForeignKey(
        Place,
        verbose_name=_("所在村（社区）/网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
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
    assess_by = models.DateTimeField(_("研判期限"), null=True, blank=True, db_index=True)
    accept_by = models.DateTimeField(_("签收期限"), null=True, blank=True, db_index=True)
    due_by = models.DateTimeField(_("办结期限"), null=True, blank=True, db_index=True)
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    deadlines_provisional = models.BooleanField(
        _("期限为推算"),
        default=False,
        help_text=_("期限跨入尚无节假日安排的年份，按周一至周五推算；录入该年安排后重新计算。"),
    )
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("办结提交时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True, db_index=True)
    result = models.TextField(_("办理结果"), blank=True)
    result_kind = models.CharField(_("结果类型"), max_length=20, choices=ResultKind.choices, blank=True)
    agreement_terms = models.TextField(_("调解协议条款"), blank=True)
    judicial_confirmation = models.BooleanField(
        _("申请司法确认"), default=False, help_text=_("调解协议送人民法院司法确认。")
    )
    mediated_by = models.ForeignKey(
        Department,
        verbose_name=_("调解组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mediated_cases",
        help_text=_("主持调解并在调解协议书上盖章的组织（提交办结时选定）。"),
    )
    redirect_target = models.CharField(
        _("引导去向"), max_length=20, choices=RedirectTarget.choices, blank=True
    )
    state = FSMField(
        _("状态"), max_length=20, choices=State.choices, default=State.RECEIVED, protected=True, db_index=True
    )
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    # The receipt's QR key is derived from the code and this nonce with ZONGZHI_TRACKING_SECRET;
    # only its hash is stored (and, for cases from before, the hash of the key they were printed with).
    tracking_nonce = models.CharField(max_length=32, default=new_tracking_nonce, editable=False)
    tracking_key_hash = models.CharField(max_length=64, blank=True, editable=False)
    tracking_key_legacy_hash = models.CharField(max_length=64, blank=True, editable=False)
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

    # Every edit is kept (who, when, what): django-simple-history, shown in the admin.
    history = HistoricalRecords()

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
        """The deadline running now: assessment at the center, acceptance while assigned, handling after."""
        if self.state in (State.RECEIVED, State.ASSESSING):
            return self.assess_by
        if self.state == State.ASSIGNED:
            return self.accept_by
        if self.state in (State.HANDLING, State.SUPERVISED):
            return self.due_by
        return None

    @property
    def open_referral(self):
        """Return the case's open hop between centers (reported up, assigned down, being transferred), or None.

        Read once per instance; a case has at most one open hop (a database constraint).
        """
        if "_open_referral" not in self.__dict__:
            from .network import OPEN_REFERRAL_STATUSES, Referral

            self.__dict__["_open_referral"] = (
                Referral.objects.filter(case_id=self.pk, status__in=OPEN_REFERRAL_STATUSES)
                .select_related("from_center", "to_center", "via_center")
                .first()
                if self.pk
                else None
            )
        return self.__dict__["_open_referral"]

    @property
    def shown_colour(self) -> str:
        """The assessed colour, or the intake's proposal until the case is assessed."""
        return self.risk_colour or self.proposed_colour

    def get_absolute_url(self) -> str:
        return reverse("tracking:case", args=[self.code])

    def save(self, *args, **kwargs):
        if self.code and not self.tracking_key_hash:
            self.tracking_key_hash = hash_tracking_key(self.tracking_key)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "tracking_key_hash"}
        super().save(*args, **kwargs)

    @property
    def tracking_key(self) -> str:
        """Return the receipt's QR key, derived again (it is not stored)."""
        return derive_tracking_key(self.code, self.tracking_nonce)

    def tracking_key_matches(self, key: str) -> bool:
        """Return whether ``key`` is this case's receipt key (hashes compared in constant time)."""
        given = hash_tracking_key(key).encode()
        expected = self.tracking_key_hash or hash_tracking_key(self.tracking_key)
        if secrets.compare_digest(given, expected.encode()):
            return True
        legacy = self.tracking_key_legacy_hash
        return bool(legacy) and secrets.compare_digest(given, legacy.encode())

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
        """Report the case up to the parent center (上报); it waits there to be taken on or sent back."""

    @transition(field=state, source=State.ESCALATED, target=State.ASSESSING)
    def take_over(self, *, center) -> None:
        """The parent takes on a case reported up (接收上报): it holds the case and assesses it anew."""
        self.center = center
        self.lead_department = None
        self.accept_by = None
        self.due_by = None
        self.accepted_at = None

    @transition(
        field=state,
        source=State.ESCALATED,
        target=RETURN_VALUE(State.ASSESSING, State.HANDLING, State.SUPERVISED),
    )
    def return_down(self, *, to_state: str) -> str:
        """The parent sends a case reported up back down with instructions (退回下级); it resumes where it was."""
        return to_state

    @transition(field=state, source=State.ASSESSING, target=State.ASSESSING)
    def assign_down(self, *, center) -> None:
        """Hand the case to a child center (下派/交办): the child holds it and runs its own loop."""
        self.center = center
        self.lead_department = None

    @transition(field=state, source=[State.RECEIVED, State.ASSESSING], target=State.TRANSFERRING)
    def transfer(self) -> None:
        """Ask the common parent to move the case to the center where it belongs (移交)."""

    @transition(field=state, source=State.TRANSFERRING, target=State.ASSESSING)
    def transfer_accept(self, *, center) -> None:
        """The common parent moves the case to its new center (移交), which assesses it."""
        self.center = center
        self.lead_department = None

    @transition(field=state, source=State.TRANSFERRING, target=RETURN_VALUE(State.RECEIVED, State.ASSESSING))
    def transfer_decline(self, *, to_state: str) -> str:
        """The common parent refuses the transfer: the case stays where it was."""
        return to_state
