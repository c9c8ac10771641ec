"""The organisation: centers, resident departments, desks, staff roles, services, duty board."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.fields import KIND_PHONE, BlindIndexField, PersonalDataField
from common.models import TimeStampedModel

division_code_validator = RegexValidator(r"^\d{6}$", _("行政区划代码应为 6 位数字。"))


class Center(TimeStampedModel):
    """An integrated governance center (综治中心); township sub-centers hang under their county."""

    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(
        _("行政区划代码"), max_length=6, unique=True, validators=[division_code_validator]
    )
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

    @property
    def county(self) -> "Center":
        """Return the county center whose case-code sequence this center shares."""
        return self.parent.county if self.parent_id else self


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

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")
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
    stage = models.CharField(_("环节"), max_length=10, choices=Stage.choices)
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
