"""The organisation: centers, resident departments, desks, staff roles, services, duty board."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.fields import KIND_PHONE, BlindIndexField, PersonalDataField
from common.models import TimeStampedModel

division_code_validator = RegexValidator(
    r"^(\d{6}|\d{9})$", _("行政区划代码应为 6 位（省、市、县）或 9 位（乡镇、街道）数字。")
)


class Level(models.TextChoices):
    """The four levels of centers (省市县乡四级综治中心), highest first."""

    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡镇（街道）")


# The level each level's parent has.
PARENT_LEVEL = {Level.CITY: Level.PROVINCE, Level.COUNTY: Level.CITY, Level.TOWNSHIP: Level.COUNTY}
# How many digits a division code has at each level (GB/T 2260; townships the statistical 9).
CODE_DIGITS = {Level.PROVINCE: 6, Level.CITY: 6, Level.COUNTY: 6, Level.TOWNSHIP: 9}


class Center(TimeStampedModel):
    """An integrated governance center (综治中心) at one of four levels, under its parent.

    ``path`` is the chain of division codes from the root (``420000/420900/420923/``), kept by
    ``save()``, so "this center and everything under it" is one indexed prefix match.
    """

    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(
        _("行政区划代码"), max_length=9, unique=True, validators=[division_code_validator]
    )
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices, default=Level.COUNTY)
    slug = models.SlugField(
        _("标识"), max_length=40, unique=True, help_text=_("英文标识，用于账号名和网址，如 baihe。")
    )
    path = models.CharField(_("层级路径"), max_length=100, editable=False, db_index=True, default="")
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级中心"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("综治中心")
        verbose_name_plural = _("综治中心")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        digits = CODE_DIGITS.get(self.level)
        if self.code and digits and len(self.code) != digits:
            errors["code"] = _("%(level)s中心的行政区划代码应为 %(n)s 位数字。") % {
                "level": self.get_level_display(),
                "n": digits,
            }
        if self.parent_id:
            if self.parent.level != PARENT_LEVEL.get(self.level):
                errors["parent"] = _("%(level)s中心的上级应为%(parent)s中心。") % {
                    "level": self.get_level_display(),
                    "parent": Level(PARENT_LEVEL[self.level]).label if self.level in PARENT_LEVEL else "—",
                }
            elif self.level == Level.TOWNSHIP and self.code and not self.code.startswith(self.parent.code):
                errors["code"] = _("乡镇（街道）代码应以所属县的代码 %(code)s 开头。") % {
                    "code": self.parent.code
                }
        elif self.level == Level.TOWNSHIP:
            errors["parent"] = _("乡镇（街道）中心必须属于一个县级中心。")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        old_path = self.path
        self.path = f"{self.parent.path if self.parent_id else ''}{self.code}/"
        if not self.slug:
            self.slug = self.code
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "path"}
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # Moved or recoded: the centers under it follow (a rare, administrative change).
            for child in self.children.all():
                child.save(update_fields=["path"])

    @property
    def county(self) -> "Center":
        """Return the center whose case-code sequence this center uses: a township its county's, others their own."""
        return self.code_center

    @property
    def code_center(self) -> "Center":
        """Return the center whose division code prefixes this center's case codes.

        A township's cases share its county's code and one gapless sequence with it; county,
        city and province centers number their own cases under their own codes.
        """
        if self.level == Level.TOWNSHIP and self.parent_id:
            return self.parent.code_center
        return self

    def is_within(self, other: "Center") -> bool:
        """Return whether this center is ``other`` or lies under it."""
        return self.path.startswith(other.path)

    def ancestors(self) -> list["Center"]:
        """Return the centers above this one, nearest first."""
        chain, center = [], self.parent
        while center is not None:
            chain.append(center)
            center = center.parent
        return chain

    def common_parent(self, other: "Center") -> "Center | None":
        """Return the nearest center both this one and ``other`` lie under (neither itself)."""
        mine = {c.pk: c for c in self.ancestors()}
        for center in other.ancestors():
            if center.pk in mine:
                return center
        return None


class Place(TimeStampedModel):
    """A village or community (村/社区) under a township, or a grid (网格) in one: where a matter happened.

    Places are not centers: nobody works at one. They name where a matter happened and are counted.
    """

    class Kind(models.TextChoices):
        VILLAGE = "village", _("村")
        COMMUNITY = "community", _("社区")
        GRID = "grid", _("网格")

    township = models.ForeignKey(
        Center,
        verbose_name=_("所属乡镇（街道）"),
        on_delete=models.PROTECT,
        related_name="places",
        limit_choices_to={"level": Level.TOWNSHIP},
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("所属村（社区）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grids",
        help_text=_("网格填写所属的村或社区。"),
    )
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(
        _("代码"),
        max_length=20,
        unique=True,
        help_text=_("村（社区）为 12 位统计用区划代码；网格为其代码后加网格序号。"),
    )

    class Meta:
        verbose_name = _("村（社区）与网格")
        verbose_name_plural = _("村（社区）与网格")
        ordering = ["code"]

    def __str__(self):
        return f"{self.parent.name}·{self.name}" if self.parent_id else self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.kind == self.Kind.GRID:
            if self.parent_id is None:
                raise ValidationError({"parent": _("网格必须属于一个村或社区。")})
        elif self.code and (len(self.code) != 12 or not self.code.isdigit()):
            raise ValidationError({"code": _("村（社区）代码应为 12 位数字。")})
        if self.code and self.township_id and not self.code.startswith(self.township.code):
            raise ValidationError(
                {"code": _("代码应以所属乡镇（街道）的代码 %(code)s 开头。") % {"code": self.township.code}}
            )


class Department(TimeStampedModel):
    """A resident department (入驻单位) of a center."""

    class Kind(models.TextChoices):
        STANDING = "standing", _("常驻单位")
        SECTOR = "sector", _("行业部门")
        MASS = "mass", _("群团组织")
        MEDIATION = "mediation", _("调解组织")

    center = models.ForeignKey(
        Center, verbose_name=_("综治中心"), on_delete=models.PROTECT, related_name="departments"
    )
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=20)
    slug = models.SlugField(_("标识"), max_length=40, unique=True)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    is_active = models.BooleanField(_("在驻"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    # Every edit is kept (who, when, what): django-simple-history, shown in the admin.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("入驻单位")
        verbose_name_plural = _("入驻单位")
        ordering = ["order", "id"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """Return the name people read wherever a department is named: the full name, never the short one.

        Side by side, "人调委" beside "县人民法院" reads as two kinds of thing; the short name is
        only for tight tables, where it carries the full name as its title.
        """
        return self.name


class Desk(TimeStampedModel):
    """An intake desk (窗口) in the reception hall."""

    department = models.ForeignKey(
        Department, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="desks"
    )
    number = models.PositiveSmallIntegerField(_("窗口号"), unique=True)
    name = models.CharField(_("窗口名称"), max_length=100)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("受理窗口")
        verbose_name_plural = _("受理窗口")
        ordering = ["number"]

    def __str__(self):
        return _("%(number)s 号窗口 %(name)s") % {"number": self.number, "name": self.name}


class Role(models.TextChoices):
    """What a staff member does at the center; decides what they may see and do."""

    RECEPTION = "reception", _("窗口受理员")
    COORDINATOR = "coordinator", _("研判督办专员")
    LIAISON = "liaison", _("部门联络员")
    LEADER = "leader", _("中心领导")
    ADMIN = "admin", _("系统管理员")


class StaffProfileManager(models.Manager):
    """Loads the profile with its center: ``user.staff_profile`` is how every check finds the center.

    The base manager, so the reverse access ``user.staff_profile`` (departments.scope.center_of,
    once per request) joins the center instead of costing a second query.
    """

    def get_queryset(self):
        return super().get_queryset().select_related("center")


class StaffProfile(TimeStampedModel):
    """A staff member's role (and, for liaisons, department), on top of a Django user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    center = models.ForeignKey(
        Center, verbose_name=_("综治中心"), on_delete=models.PROTECT, related_name="staff"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text=_("部门联络员必须属于一个入驻单位。"),
    )
    desk = models.ForeignKey(
        Desk,
        verbose_name=_("受理窗口"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
        help_text=_("本人所在的受理窗口，登记时默认选中。"),
    )
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = PersonalDataField(_("电话"), kind=KIND_PHONE)
    phone_index = BlindIndexField(source="phone")

    objects = models.Manager()
    with_center = StaffProfileManager()

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")
        base_manager_name = "with_center"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="liaison") | models.Q(department__isnull=False),
                name="liaison_has_department",
                violation_error_message=_("部门联络员必须属于一个入驻单位。"),
            )
        ]

    def __str__(self):
        return f"{self.display_name or self.user.get_username()} ({self.get_role_display()})"


class Service(TimeStampedModel):
    """A service the center offers (调解、仲裁、法律援助 …)."""

    name = models.CharField(_("名称"), max_length=50)
    slug = models.SlugField(_("标识"), max_length=40, unique=True)
    description = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class ServicePackage(TimeStampedModel):
    """A combined service package (组合式套餐服务): a named set of services."""

    name = models.CharField(_("名称"), max_length=50)
    slug = models.SlugField(_("标识"), max_length=40, unique=True)
    description = models.TextField(_("说明"), blank=True)
    services = models.ManyToManyField(Service, verbose_name=_("包含服务"), related_name="packages")
    # What the assign form proposes when the package is chosen; the coordinator may change it.
    lead_department = models.ForeignKey(
        Department,
        verbose_name=_("建议牵头单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_packages",
        help_text=_("交办时选择该套餐，将建议由该单位牵头。"),
    )
    co_departments = models.ManyToManyField(
        Department,
        verbose_name=_("建议协办单位"),
        blank=True,
        related_name="cooperating_packages",
        help_text=_("交办时选择该套餐，将建议这些单位协办。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("服务套餐")
        verbose_name_plural = _("服务套餐")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class DutyAssignment(TimeStampedModel):
    """One line of the hall's duty board (公示牌): who holds a position over a period."""

    class Position(models.TextChoices):
        FIRST_DIRECTOR = "first_director", _("第一主任")
        SECOND_DIRECTOR = "second_director", _("第二主任")
        CHIEF_DUTY_OFFICER = "chief_duty_officer", _("总值班长")
        DUTY_DIRECTOR = "duty_director", _("值班主任")

    center = models.ForeignKey(
        Center, verbose_name=_("综治中心"), on_delete=models.CASCADE, related_name="duty_board"
    )
    position = models.CharField(_("职务"), max_length=30, choices=Position.choices)
    person_name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(_("职务全称"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True, help_text=_("公示的办公电话。"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("对应账号"), null=True, blank=True, on_delete=models.SET_NULL
    )
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)

    # Every edit is kept (who, when, what): django-simple-history, shown in the admin.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("值班公示")
        verbose_name_plural = _("值班公示")
        ordering = ["center", "position", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="duty_dates_ordered",
                violation_error_message=_("结束日期不能早于开始日期。"),
            )
        ]

    def __str__(self):
        return f"{self.get_position_display()} {self.person_name}"


class Stage(models.TextChoices):
    """A stage whose time is limited by the deadline policy."""

    ASSESS = "assess", _("研判交办")
    ACCEPT = "accept", _("签收")
    HANDLE = "handle", _("办结")
    RESPOND = "respond", _("督办答复")
    REFERRAL = "referral", _("下派办结")
    WHISTLE = "whistle", _("吹哨报到")


# The stages the deadline policy times (a 下派's deadline is set by the parent, a whistle's by WhistleRule).
DEADLINE_STAGES = [(value, label) for value, label in Stage.choices if value not in ("referral", "whistle")]


class DeadlineRule(TimeStampedModel):
    """One row of the deadline policy: risk colour × stage → time allowed.

    A rule may be narrowed to a service and/or a case category; the most specific rule that
    matches applies. Rules marked as legal limits are the statutory ceiling: no manual
    adjustment may go past them.
    """

    class Unit(models.TextChoices):
        HOURS = "hours", _("小时")
        DAYS = "days", _("自然日")
        WORKING_DAYS = "working_days", _("工作日")

    colour = models.CharField(
        _("风险等级"), max_length=10, choices=[("red", _("红色")), ("yellow", _("黄色")), ("blue", _("蓝色"))]
    )
    stage = models.CharField(_("环节"), max_length=10, choices=DEADLINE_STAGES)
    amount = models.PositiveIntegerField(_("时限"))
    unit = models.CharField(_("单位"), max_length=15, choices=Unit.choices, default=Unit.WORKING_DAYS)
    service = models.ForeignKey(
        Service,
        verbose_name=_("限于服务"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadline_rules",
    )
    category = models.CharField(_("限于类别"), max_length=30, blank=True)
    is_legal_limit = models.BooleanField(_("法定时限"), default=False)
    reminder_percent = models.PositiveSmallIntegerField(_("提醒点(%)"), default=80)
    note = models.CharField(_("依据"), max_length=200, blank=True)

    # Every edit is kept (who, when, what): django-simple-history, shown in the admin.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")
        ordering = ["stage", "colour", "service", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["colour", "stage", "category", "is_legal_limit"],
                condition=models.Q(service__isnull=True),
                name="deadline_rule_unique_general",
            ),
            models.UniqueConstraint(
                fields=["colour", "stage", "service", "category", "is_legal_limit"],
                condition=models.Q(service__isnull=False),
                name="deadline_rule_unique_service",
            ),
        ]

    def __str__(self):
        return (
            f"{self.get_colour_display()}·{self.get_stage_display()}: {self.amount}{self.get_unit_display()}"
        )


class CalendarDay(TimeStampedModel):
    """An administrator's entry in the working-day calendar, overriding the official data."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    # Every edit is kept (who, when, what): django-simple-history, shown in the admin.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {'班' if self.is_workday else '休'}"


class WhistleRule(TimeStampedModel):
    """How long summoned departments have to report (报到) when a center blows the whistle (吹哨)."""

    class Urgency(models.TextChoices):
        URGENT = "urgent", _("紧急")
        NORMAL = "normal", _("一般")

    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, unique=True)
    hours = models.PositiveSmallIntegerField(_("报到时限（小时）"))
    note = models.CharField(_("依据"), max_length=200, blank=True)

    # Every edit is kept (who, when, what): django-simple-history, shown in the admin.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("吹哨报到时限")
        verbose_name_plural = _("吹哨报到时限")
        ordering = ["hours"]

    def __str__(self):
        return f"{self.get_urgency_display()}: {self.hours}{_('小时')}"

    # Used when the table has no row for an urgency (a fresh database before its data migration).
    DEFAULT_HOURS = {Urgency.URGENT: 2, Urgency.NORMAL: 24}

    @classmethod
    def hours_for(cls, urgency: str) -> int:
        """Return the hours allowed to report for ``urgency`` (the table, else the policy's default)."""
        row = cls.objects.filter(urgency=urgency).values_list("hours", flat=True).first()
        return row if row is not None else cls.DEFAULT_HOURS[urgency]
