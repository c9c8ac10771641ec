"""Who hears about what and how: staff in their inbox and by e-mail, parties by text.

The one notification pipeline of the project. :func:`notify` writes inbox rows in the
caller's transaction and queues their e-mail after commit (:func:`send_notification_mail`,
run by the ``mail_notifications`` task); the case events' notices below and the supervision
app's reminders and orders all go through it. Case events are told from the Celery task
queued through the outbox (:func:`common.tasks.enqueue_on_commit`: a row in the event's own
transaction, so a broker that is down delays a notice but never loses it); each outbox row runs
once, and the tasks are safe to run twice anyway (unique constraints on notifications and sent
messages), so a retried task never tells anyone twice.
"""

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common.outbox import Incomplete
from common.tasks import enqueue_on_commit
from common.when import deadline_text
from departments.models import Role

from .models import CaseEvent, Notification, Party, SmsMessage, Whistle, WhistleSummons
from .sms import SmsError, get_backend

# Events that call for a department's attention, and those that call for the center's.
TO_DEPARTMENT = {"assign", "send_back", "supervise", "reopen"}
TO_COORDINATORS = {"return_to_center", "submit_result", "flag_problem"}
# Events of a hop between centers: whose coordinators hear of it (keys of the event's data naming
# a center by code): the receiving center of a report up, the deciding common parent of a transfer,
# the child of an assignment down, the sender of a decision; the parent of a child's closing.
TO_CENTERS = {
    "escalate": ("to_center",),
    "take_over": ("from_center",),
    "return_down": ("from_center",),
    "assign_down": ("to_center",),
    "close": ("report_to",),
    "approve_down": ("to_center",),
    "reject_down": ("to_center",),
    "transfer": ("via_center",),
    "transfer_accept": ("from_center", "to_center"),
    "transfer_decline": ("from_center",),
}
# Events the parties are told about by text message.
TO_PARTIES = {"create", "assign", "close"}


def staff_recipients(event: CaseEvent):
    """Return the active staff who must hear of ``event``."""
    users = get_user_model().objects.filter(is_active=True)
    case = event.case
    if event.transition in TO_DEPARTMENT and case.lead_department_id:
        department_ids = [case.lead_department_id, *case.co_departments.values_list("pk", flat=True)]
        return users.filter(staff_profile__role=Role.LIAISON, staff_profile__department_id__in=department_ids)
    if event.transition in TO_COORDINATORS:
        return users.filter(staff_profile__role=Role.COORDINATOR, staff_profile__center_id=case.center_id)
    if event.transition == "whistle":
        # The summoned departments' liaisons (吹哨): they must report within the deadline.
        summoned = WhistleSummons.objects.filter(whistle_id=event.data.get("whistle")).values("department_id")
        return users.filter(staff_profile__role=Role.LIAISON, staff_profile__department_id__in=summoned)
    if event.transition == "report_in":
        # The coordinators of the center that blew the whistle hear that a department came.
        center = Whistle.objects.filter(pk=event.data.get("whistle")).values("center_id")
        return users.filter(staff_profile__role=Role.COORDINATOR, staff_profile__center_id__in=center)
    codes = [event.data.get(key) for key in TO_CENTERS.get(event.transition, ())]
    codes = [code for code in codes if code]
    if codes:
        return users.filter(staff_profile__role=Role.COORDINATOR, staff_profile__center__code__in=codes)
    return users.none()


# --- The inbox and e-mail --------------------------------------------------------------------


def notification(
    *, user_id: int, kind: str, title: str, body: str = "", url: str = "", case_id=None, event_id=None
):
    """Return an unsaved inbox row."""
    return Notification(
        user_id=user_id,
        kind=kind,
        title=title[:200],
        body=body,
        url=url[:200],
        case_id=case_id,
        event_id=event_id,
    )


def notify(rows: list[Notification]) -> list[int]:
    """Write inbox rows in the caller's transaction and mail them after commit; return their ids."""
    if not rows:
        return []
    ids = [n.pk for n in Notification.objects.bulk_create(rows)]
    queue_mail(ids)
    return ids


def queue_mail(notification_ids: list[int]) -> None:
    """E-mail these inbox rows to their users once the transaction commits."""
    from .tasks import mail_notifications

    if notification_ids:
        # Each notification is mailed by one call: its first id names the mailing.
        ids = list(notification_ids)
        enqueue_on_commit(mail_notifications, ids, dedupe_key=f"mail-notifications:{min(ids)}")


def send_notification_mail(notification_ids: list[int]) -> int:
    """E-mail each notification not mailed yet to its user (those with an address); return how many went out.

    Each one sent is marked (``emailed_at``), so a retry after a failure part-way, or a
    duplicate run, sends only what has not gone out; a failure part-way raises
    :class:`common.outbox.Incomplete` for the outbox to retry the rest.
    """
    rows = list(
        Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("id")
    )
    if not rows:
        return 0
    base = settings.PUBLIC_BASE_URL
    sent: list[int] = []
    try:
        with get_connection() as connection:
            for n in rows:
                EmailMessage(
                    f"【综治中心】{n.title}",
                    f"{n.body}\n\n{base}{n.url}" if n.url else n.body,
                    settings.DEFAULT_FROM_EMAIL,
                    [n.user.email],
                    connection=connection,
                ).send()
                sent.append(n.pk)
    except Exception as exc:
        if not sent:
            raise
        Notification.objects.filter(pk__in=sent).update(emailed_at=timezone.now())
        raise Incomplete(f"{len(sent)} of {len(rows)} e-mails sent: {type(exc).__name__}: {exc}") from exc
    Notification.objects.filter(pk__in=sent).update(emailed_at=timezone.now())
    return len(sent)


# --- Case events ------------------------------------------------------------------------------


def notify_staff(event: CaseEvent) -> int:
    """Put the event in the inbox of each recipient and e-mail those who have an address."""
    recipients = list(staff_recipients(event).exclude(pk=event.actor_id).values_list("pk", flat=True))
    if not recipients:
        return 0
    case = event.case
    with translation.override(settings.LANGUAGE_CODE):
        title = _("%(code)s %(action)s：%(title)s") % {
            "code": case.code_display,
            "action": event.transition_label,
            "title": case.title,
        }
        body = _("说明：%(reason)s；当前状态：%(state)s") % {
            "reason": event.reason or "—",
            "state": case.get_state_display(),
        }
        if case.current_deadline:
            body += _("；当前期限：%(deadline)s") % {"deadline": deadline_text(case.current_deadline)}
    already = set(
        Notification.objects.filter(event=event, kind=event.transition).values_list("user_id", flat=True)
    )
    fresh = [user_id for user_id in recipients if user_id not in already]
    if not fresh:
        return 0
    url = reverse("cases:detail", args=[case.code])
    # A run of the same task at the same moment may have written some rows first: skip those.
    Notification.objects.bulk_create(
        [
            notification(
                user_id=user_id, kind=event.transition, title=title, body=body, url=url, case_id=case.pk,
                event_id=event.pk,
            )
            for user_id in fresh
        ],
        ignore_conflicts=True,
    )  # fmt: skip
    queue_mail(
        list(
            Notification.objects.filter(event=event, kind=event.transition, user_id__in=fresh)
            .order_by("id")
            .values_list("pk", flat=True)
        )
    )
    return len(fresh)


def party_message(event: CaseEvent) -> str:
    """Return the text for the parties about ``event`` (the code and how to follow it)."""
    case = event.case
    track = f"{settings.PUBLIC_BASE_URL}/t/"
    with translation.override(settings.LANGUAGE_CODE):
        if event.transition == "create":
            return _(
                "【综治中心】您反映的事项已受理，案件编号 %(code)s。查询进度：%(url)s（输入编号和手机后四位）。"
            ) % {"code": case.code_display, "url": track}
        if event.transition == "assign":
            if case.due_by is None:
                return _("【综治中心】案件 %(code)s 已交由%(dept)s办理，请保持电话畅通。") % {
                    "code": case.code_display,
                    "dept": case.lead_department.name if case.lead_department else "",
                }
            return _("【综治中心】案件 %(code)s 已交由%(dept)s办理，办结期限%(due)s，请保持电话畅通。") % {
                "code": case.code_display,
                "dept": case.lead_department.name if case.lead_department else "",
                "due": deadline_text(case.due_by),
            }
        return _("【综治中心】案件 %(code)s 已办结。请对办理结果进行评价：%(url)s") % {
            "code": case.code_display,
            "url": case.tracking_url(),
        }


_KEY_IN_LINK = re.compile(r"([?&]k=)[A-Za-z0-9_-]+")


def redact_keys(text: str) -> str:
    """Return ``text`` with the key of every tracking link (``?k=…``) replaced by asterisks."""
    return _KEY_IN_LINK.sub(r"\1***", text)


def notify_parties(event: CaseEvent) -> int:
    """Text the applicants (or, failing those, any party with a mobile number) about ``event``.

    A text the gateway refuses is logged as failed, and :class:`common.outbox.Incomplete` is
    raised once the others are sent: the outbox keeps what was sent and retries the rest.
    """
    if event.transition not in TO_PARTIES:
        return 0
    case = event.case
    phones = []
    for party in case.parties.all().order_by("order", "id"):
        if party.phone and len(party.phone) == 11 and party.phone.startswith("1"):
            phones.append((party.role == Party.Role.APPLICANT, str(party.phone)))
    chosen = sorted({p for is_applicant, p in phones if is_applicant}) or sorted({p for _a, p in phones})
    if not chosen:
        return 0
    body = party_message(event)
    logged_body = redact_keys(body)  # the log keeps no usable tracking link
    backend = get_backend()
    sent = 0
    refused = []
    for phone in chosen:
        if SmsMessage.objects.filter(
            case=case, event=event, kind=event.transition, phone=phone, status=SmsMessage.Status.SENT
        ).exists():
            continue
        try:
            backend.send(phone, body)
        except SmsError as exc:
            SmsMessage.objects.create(
                case=case,
                event=event,
                kind=event.transition,
                phone=phone,
                body=logged_body,
                backend=backend.name,
                status=SmsMessage.Status.FAILED,
                error=str(exc)[:300],
            )
            refused.append(str(exc)[:300])
            continue
        try:
            with transaction.atomic():  # the outbox runs this task inside its transaction
                SmsMessage.objects.create(
                    case=case,
                    event=event,
                    kind=event.transition,
                    phone=phone,
                    body=logged_body,
                    backend=backend.name,
                    status=SmsMessage.Status.SENT,
                )
        except IntegrityError:  # a concurrent run of the same task logged it first
            continue
        sent += 1
    if refused:
        # The texts that went out are logged and stay so; the outbox tries the others again later.
        raise Incomplete(f"{len(refused)} of {len(chosen)} texts refused: {refused[-1]}")
    return sent
