"""Risk identification (风险研判): leads from the four feeds, the rules that screen them, the risk ledger.

The app stands on ``cases``, ``departments`` and ``supervision``; none of them imports it. A
lead (线索) is one item a feed sent — a police incident, a grid member's report, an online post, a
petition visit —, kept with its people (personal data protected exactly like parties'), screened
into a score with its reasons, and acted on by the center's coordinators.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Category, RiskColour
from common.fields import (
    KIND_ID_NUMBER,
    KIND_PHONE,
    BlindIndexField,
    EncryptedJSONField,
    PersonalDataField,
    mask_name,
)
from common.models import TimeStampedModel
from common.validators import validate_id_number, validate_phone
from departments.models import Center, Department, Place


class Feed(models.TextChoices):
    """Where a lead comes from (四情)."""

    POLICE = "police", _("警情")
    PUBLIC = "public", _("民情")
    OPINION = "opinion", _("舆情")
    PETITION = "petition", _("访情")


class FeedClient(TimeStampedModel):
    """A system (or a grid member's account) allowed to send one feed's items to one center.

    Its user has no staff profile: its API token can post this feed's batches and nothing else.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="feed_client"
    )
    feed = models.CharField(_("数据来源"), max_length=10, choices=Feed.choices)
    center = models.ForeignKey(
        Center, verbose_name=_("接收中心"), on_delete=models.PROTECT, related_name="feed_clients"
    )
    name = models.CharField(_("名称"), max_length=100, help_text=_("如：县公安局警情推送接口。"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("数据接入方")
        verbose_name_plural = _("数据接入方")
        ordering = ["center", "feed", "name"]

    def __str__(self):
        return f"{self.name}（{self.get_feed_display()}）"


class Lead(TimeStampedModel):
    """One item from a feed (线索), screened into a score, proposed colour and reasons."""

    class State(models.TextChoices):
        NEW = "new", _("待研判")
        WATCHING = "watching", _("持续关注")
        OPENED = "opened", _("已立案")
        ATTACHED = "attached", _("已并案")
        HANDED = "handed", _("已交乡镇")
        DISMISSED = "dismissed", _("已排除")

    # States a coordinator still has to act on (the queue); watching comes back on its review date.
    OPEN_STATES = (State.NEW, State.WATCHING, State.HANDED)

    center = models.ForeignKey(
        Center, verbose_name=_("所属中心"), on_delete=models.PROTECT, related_name="leads",
        help_text=_("线索在哪个中心的研判队列：接收中心，交乡镇后为该乡镇。"),
    )  # fmt: skip
    received_center = models.ForeignKey(
        Center, verbose_name=_("接收中心"), on_delete=models.PROTECT, related_name="received_leads"
    )
    feed = models.CharField(_("数据来源"), max_length=10, choices=Feed.choices, db_index=True)
    external_id = models.CharField(_("外部编号"), max_length=100)
    client = models.ForeignKey(
        FeedClient, verbose_name=_("接入方"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="leads",
    )  # fmt: skip
    occurred_at = models.DateTimeField(_("发生时间"), db_index=True)
    text = models.TextField(_("内容"))
    category = models.CharField(_("类别"), max_length=30, choices=Category.choices, blank=True)
    category_text = models.CharField(_("原始类别"), max_length=100, blank=True)
    place_text = models.CharField(_("地点"), max_length=200, blank=True)
    township = models.ForeignKey(
        Center, verbose_name=_("乡镇（街道）"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="township_leads",
    )  # fmt: skip
    place = models.ForeignKey(
        Place, verbose_name=_("村（社区）/网格"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="leads",
    )  # fmt: skip
    people_count = models.PositiveIntegerField(_("涉及人数"), default=0)
    # The item as the feed sent it, for audit; it names people, so it is encrypted (common.pii).
    raw = EncryptedJSONField(_("原始数据（加密）"), null=True, blank=True, editable=False)
    digest = models.CharField(_("内容摘要"), max_length=64, blank=True, editable=False)

    state = models.CharField(
        _("状态"), max_length=12, choices=State.choices, default=State.NEW, db_index=True
    )
    score = models.PositiveIntegerField(_("风险分"), default=0, db_index=True)
    proposed_colour = models.CharField(
        _("建议风险等级"), max_length=10, choices=RiskColour.choices, blank=True
    )
    # [{"rule": id, "kind": ..., "weight": n, "explanation": "..."}], in the order they were found.
    reasons = models.JSONField(_("命中规则"), default=list, blank=True)
    screened_at = models.DateTimeField(_("研判时间"), null=True, blank=True)
    # The learned grading (risk.grading): the chance the matter escalates, and its top factors.
    escalation_probability = models.FloatField(_("升级概率"), null=True, blank=True)
    grading_factors = models.JSONField(_("主要因素"), default=list, blank=True)

    case = models.ForeignKey(
        Case,
        verbose_name=_("关联案件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    review_on = models.DateField(_("复查日期"), null=True, blank=True)
    decision_note = models.TextField(_("处理说明"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        verbose_name = _("风险线索")
        verbose_name_plural = _("风险线索")
        ordering = ["-score", "-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["feed", "received_center", "external_id"], name="lead_unique_per_feed_and_center"
            )
        ]
        indexes = [
            models.Index(fields=["center", "state", "-score"], name="lead_queue"),
            models.Index(fields=["place", "occurred_at"], name="lead_place_time"),
        ]

    def __str__(self):
        return f"{self.get_feed_display()} {self.external_id}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class LeadPerson(models.Model):
    """A person a lead names: protected exactly like a party (encrypted, blind-indexed, masked)."""

    lead = models.ForeignKey(Lead, verbose_name=_("线索"), on_delete=models.CASCADE, related_name="people")
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = PersonalDataField(_("联系电话"), kind=KIND_PHONE, validators=[validate_phone])
    phone_index = BlindIndexField(source="phone")
    id_number = PersonalDataField(_("身份证号"), kind=KIND_ID_NUMBER, validators=[validate_id_number])
    id_number_index = BlindIndexField(source="id_number")
    role = models.CharField(_("身份"), max_length=50, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("线索涉及人员")
        verbose_name_plural = _("线索涉及人员")
        ordering = ["lead", "order", "id"]

    def __str__(self):
        return mask_name(self.name)

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)


class LeadEvent(models.Model):
    """What happened to a lead, who did it and why: the append-only log."""

    class Action(models.TextChoices):
        RECEIVED = "received", _("接收")
        UPDATED = "updated", _("更新")
        IMPORTED = "imported", _("导入")
        OPENED = "opened", _("立案")
        ATTACHED = "attached", _("并案")
        HANDED = "handed", _("交乡镇")
        WATCHED = "watched", _("持续关注")
        DISMISSED = "dismissed", _("排除")
        REOPENED = "reopened", _("恢复研判")

    lead = models.ForeignKey(Lead, verbose_name=_("线索"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=12, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("线索处理记录")
        verbose_name_plural = _("线索处理记录")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.lead_id} {self.get_action_display()}"


class ScreeningRule(TimeStampedModel):
    """One screening rule (筛查规则): data, editable in the admin, with a weight and an explanation.

    ``params`` by kind (see :mod:`risk.screening`): ``same_person`` {"window_days", "min_hits"};
    ``case_link`` {"closed_within_days"}; ``keywords`` {"words": [...]}; ``many_people``
    {"min_people"}; ``rising_place`` {"window_days", "baseline_days", "ratio", "min_count"}.
    The explanation is a template: ``{count}``, ``{words}``, ``{feeds}``, ``{cases}``, ``{place}``,
    ``{people}``, ``{days}``, ``{baseline}`` are filled in with what the rule found.
    """

    class Kind(models.TextChoices):
        SAME_PERSON = "same_person", _("同一人员多源或反复出现")
        CASE_LINK = "case_link", _("关联在办或近期结案案件")
        KEYWORDS = "keywords", _("关键词")
        MANY_PEOPLE = "many_people", _("涉及人数多")
        RISING_PLACE = "rising_place", _("村（社区）/网格数量上升")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    weight = models.PositiveSmallIntegerField(_("权重（分）"), default=10)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    explanation = models.CharField(
        _("解释"), max_length=300,
        help_text=_("命中时显示给研判人员的理由，可用 {count}、{words}、{feeds}、{cases}、{place}、{people}、{days}。"),
    )  # fmt: skip
    is_active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("筛查规则")
        verbose_name_plural = _("筛查规则")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class ColourThreshold(models.Model):
    """The score from which a lead is proposed red or yellow (below yellow: blue)."""

    colour = models.CharField(_("风险等级"), max_length=10, choices=RiskColour.choices, unique=True)
    min_score = models.PositiveSmallIntegerField(_("最低分"))

    class Meta:
        verbose_name = _("预警分数线")
        verbose_name_plural = _("预警分数线")
        ordering = ["-min_score"]

    def __str__(self):
        return f"{self.get_colour_display()} ≥ {self.min_score}"


class GradingModel(models.Model):
    """A trained escalation model (risk.grading): its weights as data, how it did on the held-out period."""

    center = models.ForeignKey(Center, verbose_name=_("中心"), on_delete=models.CASCADE, related_name="+")
    trained_at = models.DateTimeField(_("训练时间"))
    train_until = models.DateTimeField(_("训练数据截止"))
    test_until = models.DateTimeField(_("检验数据截止"))
    # {"intercept": b, "weights": {feature: w}, "threshold": t, "feature_labels": {...}}
    params = models.JSONField(_("模型参数"), default=dict)
    # {"train": n, "test": n, "positives_test": n, "precision": p, "recall": r, "seconds": s, ...}
    metrics = models.JSONField(_("评估"), default=dict)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("风险分级模型")
        verbose_name_plural = _("风险分级模型")
        ordering = ["-trained_at", "-id"]

    def __str__(self):
        return f"{self.center} {self.trained_at:%Y-%m-%d %H:%M}"


class RiskEntry(TimeStampedModel):
    """A line of the risk ledger (风险隐患台账): a lead under watch, or a case marked as a risk."""

    class State(models.TextChoices):
        OPEN = "open", _("管控中")
        RESOLVED = "resolved", _("已化解")

    center = models.ForeignKey(
        Center, verbose_name=_("综治中心"), on_delete=models.PROTECT, related_name="risks"
    )
    lead = models.OneToOneField(
        Lead,
        verbose_name=_("来源线索"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="risk_entry",
    )
    case = models.OneToOneField(
        Case,
        verbose_name=_("来源案件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="risk_entry",
    )
    title = models.CharField(_("风险隐患"), max_length=200)
    colour = models.CharField(_("风险等级"), max_length=10, choices=RiskColour.choices)
    township = models.ForeignKey(
        Center,
        verbose_name=_("乡镇（街道）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    place = models.ForeignKey(
        Place,
        verbose_name=_("村（社区）/网格"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    measures = models.TextField(_("管控措施"), blank=True)
    review_on = models.DateField(_("复查日期"), null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.OPEN, db_index=True
    )
    resolved_at = models.DateTimeField(_("化解时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("风险隐患")
        verbose_name_plural = _("风险隐患台账")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lead__isnull=False) | models.Q(case__isnull=False),
                name="risk_entry_has_source",
            )
        ]

    def __str__(self):
        return self.title
