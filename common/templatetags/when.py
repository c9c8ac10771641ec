"""Template filters for deadlines, built in to every template (settings TEMPLATES builtins)."""

from django import template

from common.when import day_text, deadline_text, moment_text

register = template.Library()


@register.filter(name="deadline")
def deadline_filter(moment):
    """Render a deadline as people read it: "12月4日24时前"."""
    return deadline_text(moment)


@register.filter(name="deadline_at")
def deadline_at_filter(moment):
    """Render a deadline as a point in time, for table cells: "12月4日24时"."""
    return moment_text(moment)


@register.filter(name="day")
def day_filter(day):
    """Render a calendar day as people read it: "12月4日" (the year only when it is not this one)."""
    return day_text(day) if day else "—"
