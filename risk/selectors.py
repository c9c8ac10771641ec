"""Reads of the risk app: the screening queue, one lead, and its people's history.

Each selector owns its ``select_related`` / ``prefetch_related``: the queue page, the lead page
and the API list run a fixed number of queries whatever the number of leads or people.
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from cases.models import Party
from cases.selectors import cases_visible_to
from common import pii
from common.fields import KIND_ID_NUMBER, KIND_PHONE
from departments.models import Center
from departments.scope import subtree_q

from .models import Lead, LeadEvent, LeadPerson
from .permissions import leads_q

# What the queue's state filter accepts beside a state: the leads still to act on, or all of them.
OPEN = "open"
ALL = "all"
HISTORY_LIMIT = 200  # rows read per kind (leads, parties) for one lead's people: a bound, not a page


def _people_prefetch() -> Prefetch:
    return Prefetch("people", queryset=LeadPerson.objects.order_by("order", "id"))


def leads_for(
    user,
    *,
    feed: str | None = None,
    min_score: int | None = None,
    state: str | None = None,
    center: Center | None = None,
    township: Center | None = None,
) -> QuerySet[Lead]:
    """Return the leads the user sees (the queue), highest score first, then the most recent.

    ``state``: one of :class:`Lead.State`, ``"open"`` (the states still to act on) or
    ``None``/``"all"``. ``center``: held by that center or one under it. ``township``: the lead
    happened in that township.
    """
    leads = Lead.objects.filter(leads_q(user))
    if feed:
        leads = leads.filter(feed=feed)
    if min_score is not None:
        leads = leads.filter(score__gte=min_score)
    if state == OPEN:
        leads = leads.filter(state__in=Lead.OPEN_STATES)
    elif state and state != ALL:
        leads = leads.filter(state=state)
    if center is not None:
        leads = leads.filter(subtree_q(center))
    if township is not None:
        leads = leads.filter(township=township)
    return (
        leads.select_related("center", "township", "place")
        .prefetch_related(_people_prefetch())
        .order_by("-score", "-occurred_at", "-id")
    )


def lead_detail(user, pk) -> Lead:
    """Return the lead ``pk`` with its people, events and case, if the user sees it; else 404."""
    try:
        return (
            Lead.objects.filter(leads_q(user))
            .select_related(
                "center", "received_center", "township", "place", "case", "decided_by__staff_profile"
            )
            .prefetch_related(
                _people_prefetch(),
                Prefetch(
                    "events",
                    queryset=LeadEvent.objects.select_related("actor__staff_profile").order_by(
                        "created_at", "id"
                    ),
                ),
            )
            .get(pk=pk)
        )
    except (Lead.DoesNotExist, ValueError, TypeError):
        raise Http404(_("线索不存在或您无权查看。")) from None


@dataclass
class CaseSeen:
    """A case a person appears in as a party; ``visible``: the user may open it (else code, center, state only)."""

    case: object
    visible: bool
    role: str = ""


@dataclass
class PersonHistory:
    person: LeadPerson
    matched_by: str  # "id_number", "phone" or "" (nothing to match on)
    leads: list = field(default_factory=list)
    cases: list = field(default_factory=list)


def _match_key(person: LeadPerson) -> tuple[str, list[str]]:
    """How a person is matched: by ID number through the blind index, else by phone (every index key)."""
    if person.id_number:
        return "id_number", pii.blind_indexes(KIND_ID_NUMBER, str(person.id_number))
    if person.phone:
        return "phone", pii.blind_indexes(KIND_PHONE, str(person.phone))
    return "", []


def person_history(lead: Lead, user=None) -> list[PersonHistory]:
    """For each person of the lead: the other leads (any feed) and the cases they appear in.

    Three queries whatever the number of people: the other leads' people, the parties, and which
    of those cases the user may open. Other leads are limited to those the user sees; a case the
    user may not open shows only its code, center and state.
    """
    people = list(lead.people.all())
    keys = {p.pk: _match_key(p) for p in people}
    ids = {i for kind, values in keys.values() if kind == "id_number" for i in values}
    phones = {i for kind, values in keys.values() if kind == "phone" for i in values}
    history = [PersonHistory(person=p, matched_by=keys[p.pk][0]) for p in people]
    if not (ids or phones):
        return history

    condition = Q()
    if ids:
        condition |= Q(id_number_index__in=ids)
    if phones:
        condition |= Q(phone_index__in=phones)
    lead_rows = list(
        LeadPerson.objects.filter(condition)
        .exclude(lead_id=lead.pk)
        .filter(leads_q(user, "lead__center") if user is not None else Q())
        .select_related("lead__center")
        .order_by("-lead__occurred_at", "-lead_id")[:HISTORY_LIMIT]
    )
    party_rows = list(
        Party.objects.filter(condition)
        .select_related("case__center")
        .order_by("-case__created_at", "-case_id")[:HISTORY_LIMIT]
    )
    visible = set()
    if party_rows and user is not None:
        visible = set(
            cases_visible_to(user).filter(pk__in={p.case_id for p in party_rows}).values_list("pk", flat=True)
        )

    for entry in history:
        kind, values = keys[entry.person.pk]
        if not kind:
            continue
        column = f"{kind}_index"
        wanted = set(values)
        seen_leads: set[int] = set()
        for row in lead_rows:
            if getattr(row, column) in wanted and row.lead_id not in seen_leads:
                seen_leads.add(row.lead_id)
                entry.leads.append(row.lead)
        seen_cases: set[int] = set()
        for row in party_rows:
            if getattr(row, column) in wanted and row.case_id not in seen_cases:
                seen_cases.add(row.case_id)
                entry.cases.append(
                    CaseSeen(case=row.case, visible=row.case_id in visible, role=row.get_role_display())
                )
    return history


def child_townships(center: Center) -> QuerySet[Center]:
    """Return the township centers directly under ``center`` (where a lead may be handed)."""
    from departments.models import Level

    return Center.objects.filter(parent=center, level=Level.TOWNSHIP).order_by("code")


def townships_in_view(user) -> QuerySet[Center]:
    """Return the township centers whose leads the user sees (the queue's township filter)."""
    from departments.models import Level
    from departments.scope import visible_centers_q

    return Center.objects.filter(visible_centers_q(user, "pk"), level=Level.TOWNSHIP).order_by("code")
