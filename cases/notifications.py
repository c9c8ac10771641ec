"""Who hears about a case event, and what they are told (e-mail through Django's backend)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.utils import translation
from django.utils.translation import gettext as _

from departments.models import Role

from .models import CaseEvent

# Events that call for a department's attention, and those that call for the center's.
TO_DEPARTMENT = {"assign", "send_back", "supervise", "reopen"}
TO_COORDINATORS = {"return_to_center", "submit_result", "flag_problem"}


def recipients_for(event: CaseEvent) -> list[str]:
    """Return the e-mail addresses of the staff who must hear of ``event``."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    if event.transition in TO_DEPARTMENT and event.case.lead_department_id:
        department_ids = [
            event.case.lead_department_id,
            *event.case.co_departments.values_list("pk", flat=True),
        ]
        users = users.filter(
            staff_profile__role=Role.LIAISON, staff_profile__department_id__in=department_ids
        )
    elif event.transition in TO_COORDINATORS:
        users = users.filter(staff_profile__role=Role.COORDINATOR)
    else:
        return []
    return sorted(set(users.values_list("email", flat=True)))


def send_event_mail(event: CaseEvent) -> int:
    """Send the e-mail for one case event; return how many messages went out."""
    addresses = recipients_for(event)
    if not addresses:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        case = event.case
        subject = _("【综治中心】%(code)s %(action)s") % {
            "code": case.code_display,
            "action": event.transition_label,
        }
        body = _("案件 %(code)s「%(title)s」：%(action)s。\n说明：%(reason)s\n当前状态：%(state)s") % {
            "code": case.code_display,
            "title": case.title,
            "action": event.transition_label,
            "reason": event.reason or "—",
            "state": case.get_state_display(),
        }
    return send_mass_mail([(subject, body, settings.DEFAULT_FROM_EMAIL, [a]) for a in addresses])
