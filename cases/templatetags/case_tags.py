"""Template helpers for case pages: deadline badges, colour badges, masked personal data."""

import math

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.when import deadline_text

register = template.Library()


@register.simple_tag
def deadline_badge(deadline, now=None):
    """Render a deadline as people read it, with days left (green/amber) or overdue (red)."""
    if deadline is None:
        return "—"
    now = now or timezone.now()
    seconds = (deadline - now).total_seconds()
    if seconds < 0:
        days = max(1, math.floor(-seconds / 86400))
        return format_html(
            '<span class="deadline overdue">{}<span class="days">{}</span></span>',
            deadline_text(deadline),
            _("超期 %(n)s 天") % {"n": days},
        )
    days = math.floor(seconds / 86400)
    cls = "soon" if seconds < 2 * 86400 else "ok"
    text = _("今日到期") if days == 0 else _("剩 %(n)s 天") % {"n": days}
    return format_html(
        '<span class="deadline {}">{}<span class="days">{}</span></span>', cls, deadline_text(deadline), text
    )


@register.simple_tag
def colour_badge(case, labels=None):
    """Render the case's risk colour (or the intake's proposal, marked as such)."""
    colour = case.risk_colour or case.proposed_colour
    if not colour:
        return "—"
    if labels is None:
        from cases.models import RiskColour

        labels = {c.value: c.label for c in RiskColour}
    label = labels[colour]
    if not case.risk_colour:
        return format_html(
            '<span class="badge {} proposed" title="{}">{}</span>',
            colour,
            _("受理时建议的风险等级，研判后确定"),
            _("建议：%(colour)s") % {"colour": label},
        )
    return format_html('<span class="badge {}">{}</span>', colour, label)


@register.filter
def show_personal(value, allowed):
    """Show a phone or ID number in full only where the viewer's role needs it."""
    if not value:
        return "—"
    return value if allowed else getattr(value, "masked", value)


@register.filter
def parties_summary(parties):
    """Name the first party and count them all: "张** 等 3 人" (a person's name masked, a company's not)."""
    parties = list(parties)
    if not parties:
        return "—"
    first = parties[0].name_masked
    if len(parties) == 1:
        return first
    return ngettext("%(name)s 等 %(n)s 人", "%(name)s 等 %(n)s 人", len(parties)) % {
        "name": first,
        "n": len(parties),
    }
