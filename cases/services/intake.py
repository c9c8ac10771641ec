"""Intake (受理): case codes, recording a new case with its parties, repeat and collective visits."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from common.exceptions import InvalidTransition
from departments.deadlines import deadline_for, is_provisional
from departments.models import Center, Desk, Place, Role, Service, Stage
from departments.permissions import require_role
from departments.places import place_is_under
from departments.scope import center_of

from ..codes import make_code
from ..models import (
    Case,
    CaseSequence,
    Party,
    RiskColour,
    Visit,
    guess_party_kind,
)
from ..selectors import repeat_visit_counts
from .base import _log


@dataclass(frozen=True)
class PartyData:
    """What the desk or an API client says about one party."""

    name: str
    phone: str = ""
    id_number: str = ""
    role: str = Party.Role.APPLICANT
    is_representative: bool = False
    address: str = ""
    kind: str = ""  # Party.Kind; blank: told from the name (an organisation's name shows unmasked)


# --- Codes ------------------------------------------------------------------------------------


def next_case_number(*, county_code: str, year: int) -> int:
    """Take the next number of the county's yearly sequence inside the current transaction.

    One upsert that locks the sequence row until commit: concurrent intakes queue behind it,
    so numbers never repeat, and a rolled-back intake gives its number back (no gaps).
    """
    table = CaseSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (county_code, year, last_number) VALUES (%s, %s, 1) "
            f"ON CONFLICT (county_code, year) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [county_code, year],
        )
        return cursor.fetchone()[0]


def default_center() -> Center:
    """Return the county center this deployment runs."""
    from django.conf import settings

    return Center.objects.get(code=settings.ZONGZHI_COUNTY_CODE)


def intake_center_for(user) -> Center | None:
    """Return the center a matter ``user`` takes in comes in at: theirs, else the deployment's county."""
    from django.conf import settings

    return center_of(user) or Center.objects.filter(code=settings.ZONGZHI_COUNTY_CODE).first()


# --- Intake -----------------------------------------------------------------------------------


MAX_REPRESENTATIVES = 5


@transaction.atomic
def case_create(
    *,
    actor,
    title: str,
    description: str,
    category: str,
    source: str,
    parties: Sequence[PartyData],
    location: str = "",
    center: Center | None = None,
    desk: Desk | None = None,
    requested_services: Sequence[Service] = (),
    proposed_colour: str = "",
    colour_reason: str = "",
    is_collective: bool = False,
    people_count: int | None = None,
    intake_key: str | None = None,
    place: Place | None = None,
    origin_note: str = "",
) -> Case:
    """Record a new matter and give it its code (受理).

    ``place`` (the village, community or grid where it happened) must lie in the center's
    townships: a township's own, a county's townships'.

    ``origin_note`` says where the matter came from when another part of the system opened it
    (e.g. "来源：风险线索 警情 P-1"): kept on the "create" event, shown on the case page.

    ``intake_key`` makes a submission idempotent: a form posted twice gives the first case back.
    The risk colour proposed by repeat visits (3 in 90 days: yellow, 5: red) and by collective
    visits (5 people or more: red) is added here, so every channel applies the same rule.
    """
    require_role(actor, Role.RECEPTION, Role.COORDINATOR, Role.ADMIN)
    if intake_key and (existing := Case.objects.filter(intake_key=intake_key).first()):
        return existing
    if not parties:
        raise ValidationError({"parties": _("至少登记一名当事人。")})
    if sum(1 for p in parties if p.is_representative) > MAX_REPRESENTATIVES:
        raise ValidationError({"parties": _("集体访最多推选 5 名代表。")})
    people_count = max(people_count or 0, len(parties))
    # Taken in where the desk is: the actor's center (an API client's too), else the deployment's county.
    center = center or intake_center_for(actor) or default_center()
    if place is not None and not place_is_under(place, center):
        raise ValidationError({"place": _("所选村（社区）/网格不在本中心辖区内。")})
    now = timezone.now()
    case = Case(
        center=center,
        intake_center=center,
        place=place,
        desk=desk,
        title=title,
        description=description,
        category=category,
        source=source,
        location=location,
        created_by=actor,
        is_collective=is_collective or people_count >= COLLECTIVE_PEOPLE,
        people_count=people_count,
        intake_key=intake_key or None,
    )
    case.full_clean(
        exclude=[
            "code",
            "state",
            "center",
            "place",
            "intake_center",  # the same center, chosen above: no second existence check
            "desk",
            "created_by",
            "package",
            "lead_department",
            "intake_key",
        ]
    )
    party_rows = [
        Party(
            name=p.name,
            phone=p.phone,
            id_number=p.id_number,
            role=p.role,
            is_representative=p.is_representative,
            address=p.address,
            kind=p.kind or guess_party_kind(p.name),
            order=i,
        )
        for i, p in enumerate(parties)
    ]
    errors = {}
    for i, party in enumerate(party_rows):
        try:
            party.full_clean(exclude=["case"])
        except ValidationError as exc:
            errors.update({f"parties[{i}].{field}": msgs for field, msgs in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)

    visits = 1 + max(
        repeat_visit_counts(
            phones=[p.phone for p in party_rows], id_numbers=[p.id_number for p in party_rows], now=now
        ).values(),
        default=0,
    )
    colour, reason = stronger_colour(
        (proposed_colour, colour_reason), propose_colour(visits=visits, people=people_count)
    )
    case.proposed_colour, case.colour_reason = colour, reason
    # The "assess by" promised on the receipt: stored, printed from here, watched by the sweep.
    case.assess_by = deadline_for(stage=Stage.ASSESS, colour=colour, start=now, category=category)
    case.deadlines_provisional = is_provisional(now, case.assess_by)
    if getattr(actor, "is_authenticated", False):
        case._history_user = actor  # the history row names the receptionist, in a request or not

    year = timezone.localtime(now).year
    # A township's cases carry its county's code and share the county's one gapless sequence;
    # county, city and province centers number under their own codes.
    prefix = center.code_center.code
    try:
        with transaction.atomic():
            case.code = make_code(prefix, year, next_case_number(county_code=prefix, year=year))
            case.save()
    except IntegrityError:
        # The same form, posted twice at once: the first one won; its number is not consumed twice.
        if intake_key and (existing := Case.objects.filter(intake_key=intake_key).first()):
            return existing
        raise
    for party in party_rows:
        party.case = case
    # The parties' first history rows too (bulk_create sends no save signal): one more INSERT.
    bulk_create_with_history(
        party_rows, Party, default_user=actor if getattr(actor, "is_authenticated", False) else None
    )
    if requested_services:
        through = Case.requested_services.through
        through.objects.bulk_create([through(case_id=case.pk, service_id=s.pk) for s in requested_services])
    data = {"proposed_colour": colour, "colour_reason": reason} if colour else {}
    origin_note = (origin_note or "").strip()
    if origin_note:
        data["origin"] = origin_note
    _log(case, actor, "create", "", case.state, now=now, reason=origin_note, data=data or None)
    return case


# --- Repeat and collective visits -------------------------------------------------------------

REPEAT_WINDOW = dt.timedelta(days=90)
REPEAT_YELLOW, REPEAT_RED = 3, 5
COLLECTIVE_PEOPLE = 5
_SEVERITY = {"": 0, RiskColour.BLUE: 1, RiskColour.YELLOW: 2, RiskColour.RED: 3}


def propose_colour(*, visits: int, people: int) -> tuple[str, str]:
    """Return the colour proposed by visits in 90 days (this one included) and head count."""
    if people >= COLLECTIVE_PEOPLE:
        return RiskColour.RED, str(_("集体访 %(n)s 人（5 人及以上建议红色）") % {"n": people})
    if visits >= REPEAT_RED:
        return RiskColour.RED, str(_("90 日内第 %(n)s 次来访（5 次及以上建议红色）") % {"n": visits})
    if visits >= REPEAT_YELLOW:
        return RiskColour.YELLOW, str(_("90 日内第 %(n)s 次来访（3 次及以上建议黄色）") % {"n": visits})
    return "", ""


def stronger_colour(first: tuple[str, str], second: tuple[str, str]) -> tuple[str, str]:
    """Return whichever (colour, reason) is the more severe."""
    return second if _SEVERITY[second[0]] > _SEVERITY[first[0]] else first


@transaction.atomic
def case_record_visit(
    *, case: Case, actor, visitor: PartyData, desk: Desk | None = None, people_count: int = 1, note: str = ""
) -> Visit:
    """Record a return visit on an open case (no new code), raising its colour if visits warrant it."""
    require_role(actor, Role.RECEPTION, Role.COORDINATOR, Role.ADMIN)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not case.is_open:
        raise InvalidTransition(_("该案件已办结或终止，请登记为新案件。"))
    visit = Visit(
        case=case,
        desk=desk,
        recorded_by=actor,
        visitor_name=visitor.name,
        phone=visitor.phone,
        id_number=visitor.id_number,
        people_count=max(1, people_count),
        note=note,
    )
    visit.full_clean(exclude=["case", "desk", "recorded_by"])
    now = timezone.now()
    counts = repeat_visit_counts(phones=[visit.phone], id_numbers=[visit.id_number], now=now)
    visits = 1 + max(counts.values(), default=0)
    visit.save()
    proposal = propose_colour(visits=visits, people=visit.people_count)
    fields = []
    colour, reason = stronger_colour((case.proposed_colour, case.colour_reason), proposal)
    if colour != case.proposed_colour:
        case.proposed_colour, case.colour_reason = colour, reason
        fields += ["proposed_colour", "colour_reason"]
    if case.risk_colour and _SEVERITY[proposal[0]] > _SEVERITY[case.risk_colour]:
        case.risk_colour = proposal[0]
        fields.append("risk_colour")
    if fields:
        case.save(update_fields=[*fields, "updated_at"])
    _log(
        case,
        actor,
        "visit",
        case.state,
        case.state,
        reason=note,
        now=now,
        data={"visits_90d": visits, "people": visit.people_count, "raised_to": proposal[0] if fields else ""},
    )
    return visit
