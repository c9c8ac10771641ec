"""The decisions on a lead (研判处置): open a case, attach to a case, hand to a township, watch, dismiss.

Each decision is taken by a coordinator of the center holding the lead
(:func:`risk.permissions.may_act_on_lead`), on the version of the lead the coordinator saw: the
row is locked and a lead changed meanwhile (another coordinator's decision, the feed sending the
item again) is refused with :class:`common.exceptions.ConcurrentChange`, nothing written. Each
writes its :class:`LeadEvent` in the same transaction.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, Notification, Party, Source
from cases.permissions import holds_case
from cases.services import PartyData, case_create, handling_record_add
from common.exceptions import ActionForbidden, ConcurrentChange, InvalidTransition
from departments.models import Center, Level, Role, StaffProfile
from departments.places import place_is_under

from ..models import Feed, Lead, LeadEvent
from ..permissions import may_act_on_lead
from .risks import risk_entry_from_lead

# The case's source for a lead of each feed (cases.models.Source).
SOURCE_BY_FEED = {
    Feed.POLICE: Source.POLICE,
    Feed.PUBLIC: Source.GRID,
    Feed.OPINION: Source.ONLINE,
    Feed.PETITION: Source.WALK_IN,
}
UNNAMED = "未具名"  # a party must have a name; a feed sometimes knows only a phone or an ID number
# Decisions possible from these states (a lead opened or attached is done; a dismissed one is reopened first).
DECIDABLE = Lead.OPEN_STATES
REOPENABLE = (Lead.State.WATCHING, Lead.State.DISMISSED)
PARTY_ROLE_BY_LABEL = {str(label): value for value, label in Party.Role.choices}


def _lock(actor, lead: Lead, version, *, states=DECIDABLE) -> Lead:
    """Lock the lead, check the actor may act, that it is the version they saw, and its state."""
    locked = Lead.objects.select_for_update(of=("self",)).select_related("center").get(pk=lead.pk)
    if not may_act_on_lead(actor, locked):
        raise ActionForbidden(_("仅线索所在中心的研判督办专员可以处置该线索。"))
    try:
        version = int(version)
    except (TypeError, ValueError):
        version = -1
    if locked.version != version:
        raise ConcurrentChange(_("该线索刚被其他人处置或已更新，请刷新页面查看最新情况后重试。"))
    if locked.state not in states:
        raise InvalidTransition(
            _("线索处于“%(state)s”状态，不能执行此操作。") % {"state": locked.get_state_display()}
        )
    return locked


def _decide(
    lead: Lead, *, actor, state: str, action: str, note: str = "", data: dict | None = None, fields=()
) -> Lead:
    now = timezone.now()
    from_state = lead.state
    lead.state = state
    lead.decided_by = actor
    lead.decided_at = now
    lead.decision_note = note
    lead.version += 1
    lead.updated_at = now
    lead.save(
        update_fields=["state", "decided_by", "decided_at", "decision_note", "version", "updated_at", *fields]
    )
    LeadEvent.objects.create(
        lead=lead,
        action=action,
        actor=actor,
        note=note,
        data={"from_state": from_state, "to_state": state, **(data or {})},
        created_at=now,
    )
    return lead


def origin_note(lead: Lead) -> str:
    """Say where a case opened from a lead came from: "来源：风险线索 警情 P-1（接收于 …）"."""
    received = timezone.localtime(lead.created_at).strftime("%Y-%m-%d %H:%M") if lead.created_at else ""
    return _("来源：风险线索 %(feed)s %(external_id)s（接收于 %(received)s，风险分 %(score)s）") % {
        "feed": lead.get_feed_display(),
        "external_id": lead.external_id,
        "received": received,
        "score": lead.score,
    }


def _reasons_text(lead: Lead) -> str:
    parts = []
    for reason in lead.reasons or []:
        text = reason.get("explanation") if isinstance(reason, dict) else str(reason)
        if text:
            parts.append(str(text))
    return "；".join(parts)


def _parties(lead: Lead) -> list[PartyData]:
    return [
        PartyData(
            name=(person.name or "").strip() or UNNAMED,
            phone=str(person.phone or ""),
            id_number=str(person.id_number or ""),
            role=PARTY_ROLE_BY_LABEL.get((person.role or "").strip(), Party.Role.APPLICANT),
        )
        for person in lead.people.order_by("order", "id")
    ]


@transaction.atomic
def lead_open_case(
    *,
    actor,
    lead: Lead,
    version: int,
    title: str,
    category: str,
    description: str = "",
    note: str = "",
) -> Case:
    """Open a case from the lead (立案): its people become parties, the case says where it came from."""
    lead = _lock(actor, lead, version)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写事项名称。")})
    parties = _parties(lead)
    if not parties:
        raise ValidationError(
            {"__all__": _("该线索没有涉及人员，不能直接立案：请并入已有案件，或到受理登记录入当事人。")}
        )
    place = lead.place if lead.place_id and place_is_under(lead.place, lead.center) else None
    reasons = _reasons_text(lead)
    colour_reason = (_("风险线索研判：%(reasons)s") % {"reasons": reasons})[:200] if reasons else ""
    case = case_create(
        actor=actor,
        title=title,
        description=(description or "").strip() or lead.text,
        category=category,
        source=SOURCE_BY_FEED.get(lead.feed, Source.WALK_IN),
        parties=parties,
        location=lead.place_text,
        center=lead.center,
        place=place,
        # The screening's proposal with its reasons; a lead no rule matched proposes nothing.
        proposed_colour=lead.proposed_colour if colour_reason else "",
        colour_reason=colour_reason,
        people_count=max(lead.people_count, len(parties)),
        origin_note=origin_note(lead),
    )
    lead.case = case
    _decide(
        lead,
        actor=actor,
        state=Lead.State.OPENED,
        action=LeadEvent.Action.OPENED,
        note=(note or "").strip(),
        data={"case": case.code},
        fields=["case"],
    )
    return case


@transaction.atomic
def lead_attach(*, actor, lead: Lead, version: int, case: Case, note: str = "") -> Lead:
    """Attach the lead to an existing open case the actor's center holds (并案).

    The lead's people are not added as parties: the lead only links to the case, and a center note
    on the case says so.
    """
    lead = _lock(actor, lead, version)
    if not holds_case(actor, case):
        raise ValidationError({"case": _("只能并入本中心承办的案件。")})
    if not case.is_open:
        raise ValidationError({"case": _("该案件已办结或终止，不能并入。")})
    handling_record_add(
        case=case,
        actor=actor,
        kind="note",
        text=_("并入风险线索 %(feed)s %(external_id)s（涉及 %(n)s 人，未自动登记为当事人）。%(note)s")
        % {
            "feed": lead.get_feed_display(),
            "external_id": lead.external_id,
            "n": lead.people_count,
            "note": (note or "").strip(),
        },
    )
    lead.case = case
    return _decide(
        lead,
        actor=actor,
        state=Lead.State.ATTACHED,
        action=LeadEvent.Action.ATTACHED,
        note=(note or "").strip(),
        data={"case": case.code},
        fields=["case"],
    )


@transaction.atomic
def lead_hand_to_township(*, actor, lead: Lead, version: int, township: Center, note: str = "") -> Lead:
    """Hand the lead to a township center directly under the lead's center (交乡镇): it joins that queue."""
    lead = _lock(actor, lead, version)
    if township is None or township.parent_id != lead.center_id or township.level != Level.TOWNSHIP:
        raise ValidationError({"township": _("只能交给本中心直属的乡镇（街道）综治中心。")})
    from_center = lead.center
    lead.center = township
    lead = _decide(
        lead,
        actor=actor,
        state=Lead.State.HANDED,
        action=LeadEvent.Action.HANDED,
        note=(note or "").strip(),
        data={"from_center": from_center.code, "to_center": township.code},
        fields=["center"],
    )
    # The township's coordinators find it in their inbox too.
    users = StaffProfile.objects.filter(
        center=township, role=Role.COORDINATOR, user__is_active=True
    ).values_list("user_id", flat=True)
    title = _("%(center)s交来风险线索 %(feed)s %(external_id)s") % {
        "center": from_center.name,
        "feed": lead.get_feed_display(),
        "external_id": lead.external_id,
    }
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                kind="lead_handed",
                title=title[:200],
                body=lead.decision_note,
                url=reverse("risk:lead", args=[lead.pk]),
            )
            for user_id in users
        ]
    )
    return lead


@transaction.atomic
def lead_watch(
    *, actor, lead: Lead, version: int, review_on: dt.date, measures: str = "", note: str = ""
) -> Lead:
    """Keep the lead under watch until ``review_on`` (持续关注); it goes on the risk ledger."""
    lead = _lock(actor, lead, version)
    today = timezone.localdate()
    if review_on is None:
        raise ValidationError({"review_on": _("请选择复查日期。")})
    if review_on <= today:
        raise ValidationError({"review_on": _("复查日期应晚于今天。")})
    lead.review_on = review_on
    lead = _decide(
        lead,
        actor=actor,
        state=Lead.State.WATCHING,
        action=LeadEvent.Action.WATCHED,
        note=(note or "").strip(),
        data={"review_on": review_on.isoformat(), "measures": (measures or "").strip()},
        fields=["review_on"],
    )
    risk_entry_from_lead(actor=actor, lead=lead, measures=(measures or "").strip(), review_on=review_on)
    return lead


@transaction.atomic
def lead_dismiss(*, actor, lead: Lead, version: int, reason: str) -> Lead:
    """Dismiss the lead with a reason (排除)."""
    reason = (reason or "").strip()
    lead = _lock(actor, lead, version)
    if not reason:
        raise ValidationError({"reason": _("请填写排除理由。")})
    return _decide(
        lead, actor=actor, state=Lead.State.DISMISSED, action=LeadEvent.Action.DISMISSED, note=reason
    )


@transaction.atomic
def lead_reopen(*, actor, lead: Lead, version: int, note: str = "") -> Lead:
    """Put a watched or dismissed lead back in the queue (恢复研判)."""
    lead = _lock(actor, lead, version, states=REOPENABLE)
    lead.review_on = None
    return _decide(
        lead,
        actor=actor,
        state=Lead.State.NEW,
        action=LeadEvent.Action.REOPENED,
        note=(note or "").strip(),
        fields=["review_on"],
    )
