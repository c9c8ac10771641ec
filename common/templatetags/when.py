"""Template filters for deadlines, built in to every template (settings TEMPLATES builtins)."""

from django import template

from common.when import deadline_text, moment_text

register = template.Library()


@register.filter(name="deadline")
def deadline_filter(moment):
    """Render a deadline as people read it: "12月4日24时前"."""
    return deadline_text(moment)


@register.filter(name="deadline_at")
def deadline_at_filter(moment):
    """Render a deadline as a point in time, for table cells: "12月4日24时"."""
    return moment_text(moment)
