"""The floors of the department evaluation (考评): one row, edited by administrators."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class ReportThresholds(models.Model):
    """The satisfaction and on-time floors below which a department is marked in the reports.

    A singleton: the row's id is always 1 (a check constraint keeps it so). Until an
    administrator saves it, :meth:`current` answers with the defaults without writing.
    """

    SINGLETON_ID = 1

    satisfaction_floor = models.DecimalField(
        _("满意率达标线（%）"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("85.0"),
        validators=PERCENT,
        help_text=_("单位的满意率（结案评价与电话回访合计，“满意”占全部评价的比例）低于此值时标为未达标。"),
    )
    on_time_floor = models.DecimalField(
        _("按期办结率达标线（%）"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("90.0"),
        validators=PERCENT,
        help_text=_("单位的按期办结率低于此值时标为未达标。"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("考评达标线")
        verbose_name_plural = _("考评达标线")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="report_thresholds_singleton")]

    def __str__(self):
        return str(
            _("满意率 ≥ %(s)s%%，按期办结率 ≥ %(t)s%%")
            % {"s": self.satisfaction_floor, "t": self.on_time_floor}
        )

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON_ID
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "ReportThresholds":
        """Return the saved thresholds, or the defaults (unsaved) if none were saved yet."""
        return cls.objects.filter(pk=cls.SINGLETON_ID).first() or cls(pk=cls.SINGLETON_ID)

    @property
    def satisfaction(self) -> float:
        """The satisfaction floor as a fraction."""
        return float(self.satisfaction_floor) / 100

    @property
    def on_time(self) -> float:
        """The on-time closure floor as a fraction."""
        return float(self.on_time_floor) / 100
