"""Query filters of the supervision API (orders and callbacks)."""

import re

import django_filters
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field

from cases.codes import InvalidCaseCode, normalize_code
from common.api import StrictFilterSetMixin
from common.parsing import ParseError, is_ascii_digits, parse_month, validate_id_or_slug

from ..models import Callback, Level, OrderStatus, SupervisionOrder
from .serializers import EARLIEST, LATEST, MAX_ID

# --- Filters --------------------------------------------------------------------------------------


class CaseCodeField(forms.CharField):
    """A case code in any grouping or case, normalised; a mistyped one is a field error."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return normalize_code(value)
        except InvalidCaseCode as exc:
            raise forms.ValidationError(str(exc.message), code=exc.code) from None


class CaseCodeFilter(django_filters.CharFilter):
    field_class = CaseCodeField


def _department_lookup(value: str) -> dict | None:
    value = value.strip()
    if is_ascii_digits(value, max_length=40):
        return {"department_id": int(value)} if int(value) <= MAX_ID else None
    return {"department__slug": value}


class OrderFilter(StrictFilterSetMixin, django_filters.FilterSet):
    case = CaseCodeFilter(field_name="case__code", max_length=40, help_text="案件编号（任意分组）。")
    department = django_filters.CharFilter(
        method="filter_department",
        max_length=40,
        validators=[validate_id_or_slug],
        help_text="被督办单位的 id 或标识（slug）。",
    )
    status = django_filters.ChoiceFilter(
        choices=[*OrderStatus.choices, ("open", gettext_lazy("未结（待答复或待核查）"))],
        method="filter_status",
    )
    level = django_filters.ChoiceFilter(choices=Level.choices)
    center = django_filters.CharFilter(
        method="filter_center",
        max_length=40,
        help_text="综治中心的标识（slug）：该中心及其下级中心的案件的督办单（在调用者可见的范围内）。",
    )

    class Meta:
        model = SupervisionOrder
        fields = []

    def filter_center(self, queryset, name, value):
        from departments.models import Center
        from departments.scope import subtree_q

        # The orders are already those the caller may see: a center elsewhere simply matches none.
        center = Center.objects.filter(slug=value).first()
        return queryset.filter(subtree_q(center, "case__center")) if center else queryset.none()

    def filter_department(self, queryset, name, value):
        lookup = _department_lookup(value)
        return queryset.filter(**lookup) if lookup else queryset.none()

    def filter_status(self, queryset, name, value):
        if value == "open":
            return queryset.open()
        return queryset.filter(status=value)


MONTH_PATTERN = r"^[0-9]{4}-[0-9]{2}$"


class MonthField(forms.CharField):
    """A month written exactly ``YYYY-MM``, as the schema declares it (no spaces either)."""

    def __init__(self, **kwargs):
        super().__init__(**{**kwargs, "strip": False})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            if not re.fullmatch(MONTH_PATTERN, value):
                raise ParseError(value[:20])
            month_start = parse_month(value, earliest=1, latest=9999)
        except ParseError:
            raise forms.ValidationError(_("月份格式应为 YYYY-MM，如 2026-10。"), code="month") from None
        if not EARLIEST <= month_start <= LATEST:
            raise forms.ValidationError(_("日期应在 2000 年至 2099 年之间。"), code="invalid")
        return month_start


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN, "example": "2026-10"})
class MonthFilter(django_filters.Filter):
    field_class = MonthField


class CallbackFilter(StrictFilterSetMixin, django_filters.FilterSet):
    month = MonthFilter(field_name="round__month", help_text="回访批次的月份，YYYY-MM。")
    status = django_filters.ChoiceFilter(choices=Callback.Status.choices)

    class Meta:
        model = Callback
        fields = []
