"""Filters of the case list."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.api import StrictFilterSetMixin
from common.parsing import MAX_ID, is_ascii_digits, validate_id_or_slug

from ..codes import InvalidCaseCode, normalize_code
from ..models import Case, Category, RiskColour, Source, State
from .serializers import EARLIEST, LATEST


class BoundedIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time within 2000–2100: far-off years overflow time-zone arithmetic."""

    def clean(self, value):
        value = super().clean(value)
        if value is not None and not EARLIEST <= value < LATEST:
            raise forms.ValidationError(_("日期应在 2000 年至 2100 年之间。"), code="invalid")
        return value


class BoundedIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


class CaseFilter(StrictFilterSetMixin, django_filters.FilterSet):
    allow_empty = ("q",)

    state = django_filters.MultipleChoiceFilter(
        choices=State.choices, distinct=False, help_text="状态，可重复给出多个。"
    )
    risk_colour = django_filters.ChoiceFilter(choices=RiskColour.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    source = django_filters.ChoiceFilter(choices=Source.choices)
    lead_department = django_filters.CharFilter(
        method="filter_lead_department",
        max_length=40,
        validators=[validate_id_or_slug],
        help_text="牵头单位的 id 或标识（slug）。",
    )
    created_after = BoundedIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="受理时间不早于（ISO 8601）。"
    )
    created_before = BoundedIsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", help_text="受理时间早于（ISO 8601）。"
    )
    q = django_filters.CharFilter(
        method="filter_q", max_length=100, help_text="案件编号（任意分组）或事项标题关键词。"
    )

    class Meta:
        model = Case
        fields = []

    def filter_lead_department(self, queryset, name, value):
        value = value.strip()
        if is_ascii_digits(value, max_length=40):
            return queryset.filter(lead_department_id=int(value)) if int(value) <= MAX_ID else queryset.none()
        return queryset.filter(lead_department__slug=value)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        try:
            return queryset.filter(code=normalize_code(value))
        except InvalidCaseCode:
            return queryset.filter(Q(title__icontains=value) | Q(code__startswith=value.replace("-", "")))
