"""Warn administrators while the working-day calendar lacks this year's or next year's holidays."""

from django import template
from django.utils import timezone

from departments.workdays import years_missing_data

register = template.Library()


@register.simple_tag
def calendar_missing_years() -> list[int]:
    """Return the years (this and next) with neither official data nor administrators' entries."""
    return years_missing_data(timezone.localdate())


@register.filter
def year_span(years) -> str:
    """Show missing years as "2027" or "2027–2028" (they are always this year and/or next)."""
    years = sorted(years)
    if not years:
        return ""
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"
