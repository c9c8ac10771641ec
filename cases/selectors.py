"""Reads of cases for pages, the API and reports; each owns its queries."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .codes import normalize_code
from .models import Case, CaseEvent, State

# The public timeline: 受理 then 研—交—办—督—结—评, each with the transition that reaches it.
PUBLIC_STAGES = [
    ("received", _("受理"), "create"),
    ("assessing", _("研判"), "start_assessment"),
    ("assigned", _("交办"), "assign"),
    ("handling", _("办理"), "accept"),
    ("supervised", _("督办"), "supervise"),
    ("closed", _("结案"), "close"),
    ("evaluated", _("评价"), "evaluate"),
]
_STAGE_ORDER = {key: i for i, (key, _label, _t) in enumerate(PUBLIC_STAGES)}
_STATE_TO_STAGE = {
    State.RECEIVED: "received",
    State.ASSESSING: "assessing",
    State.ASSIGNED: "assigned",
    State.HANDLING: "handling",
    State.SUPERVISED: "supervised",
    State.REVIEWING: "handling",
    State.CLOSED: "closed",
    State.EVALUATED: "evaluated",
}


def case_by_code(text: str, queryset: QuerySet[Case] | None = None) -> Case:
    """Return the case a typed code names; raise InvalidCaseCode or Case.DoesNotExist."""
    code = normalize_code(text)
    return (queryset if queryset is not None else Case.objects.all()).get(code=code)


# The public steps of a case between centers (上报、下派、移交): which centers, when; never why.
PUBLIC_HOPS = (
    "escalate",
    "take_over",
    "return_down",
    "assign_down",
    "transfer",
    "transfer_accept",
    "transfer_decline",
)


def public_timeline(case: Case) -> list[dict]:
    """Return the stages of the public timeline with the date each was first reached.

    Only stages and dates: nothing personal, no department, no deadline.
    """
    return public_progress(case)[0]


def public_progress(case: Case) -> tuple[list[dict], list[dict]]:
    """Return the public timeline and the case's steps between centers, from one query of its events.

    A step names the transition, when, and the two centers (public institutions); never the
    reason, the instructions or who acted.
    """
    from .models import TRANSITION_LABELS

    first_reached = {}
    hops = []
    events = (
        CaseEvent.objects.filter(case=case)
        .order_by("created_at", "id")
        .values_list("transition", "created_at", "data")
    )
    by_transition = {t: stage for stage, _label, t in PUBLIC_STAGES}
    for transition, created_at, data in events:
        stage = by_transition.get(transition)
        if stage and stage not in first_reached:
            first_reached[stage] = created_at
        if transition in PUBLIC_HOPS:
            data = data or {}
            ends = (data.get("from_center_name", ""), data.get("to_center_name", ""))
            if transition == "return_down":  # back from the parent to the sender
                ends = ends[::-1]
            hops.append(
                {
                    "kind": transition,
                    "label": str(TRANSITION_LABELS[transition]),
                    "at": created_at,
                    "from_center": ends[0],
                    "to_center": ends[1],
                }
            )
    current = _STATE_TO_STAGE.get(case.state)
    timeline = [
        {
            "key": key,
            "label": label,
            "reached_at": first_reached.get(key),
            "current": key == current,
            "done": key in first_reached and key != current,
        }
        for key, label, _t in PUBLIC_STAGES
    ]
    return timeline, hops


def _person_filter(phones, id_numbers, prefix: str = ""):
    from django.db.models import Q

    from common.fields import KIND_ID_NUMBER, KIND_PHONE, normalize

    phones = {normalize(KIND_PHONE, p) for p in phones if p}
    id_numbers = {normalize(KIND_ID_NUMBER, i) for i in id_numbers if i}
    condition = Q(pk__in=[])
    if phones:
        condition |= Q(**{f"{prefix}phone__in": phones})
    if id_numbers:
        condition |= Q(**{f"{prefix}id_number__in": id_numbers})
    return condition, phones, id_numbers


def repeat_visit_counts(*, phones, id_numbers, now, window_days: int = 90) -> dict[str, int]:
    """Count each person's visits in the window: cases they were party to plus recorded return visits.

    Keys are ``phone:<number>`` and ``id:<number>``; two queries whatever the number of people.
    """
    import datetime as dt
    from collections import defaultdict

    from .models import Party, Visit

    condition, phones, id_numbers = _person_filter(phones, id_numbers)
    if not phones and not id_numbers:
        return {}
    since = now - dt.timedelta(days=window_days)
    seen: dict[str, set] = defaultdict(set)
    for phone, id_number, case_id in Party.objects.filter(condition, case__created_at__gte=since).values_list(
        "phone", "id_number", "case_id"
    ):
        if phone in phones:
            seen[f"phone:{phone}"].add(("case", case_id))
        if id_number in id_numbers:
            seen[f"id:{id_number}"].add(("case", case_id))
    for phone, id_number, visit_id in Visit.objects.filter(condition, created_at__gte=since).values_list(
        "phone", "id_number", "id"
    ):
        if phone in phones:
            seen[f"phone:{phone}"].add(("visit", visit_id))
        if id_number in id_numbers:
            seen[f"id:{id_number}"].add(("visit", visit_id))
    return {key: len(items) for key, items in seen.items()}


def person_open_cases(*, phone: str = "", id_number: str = "", user=None) -> QuerySet[Case]:
    """Open cases a person (by phone or ID number) is party to, newest first, at every center.

    The repeat-visit warning looks across the whole deployment: a person taking one matter to two
    centers is exactly what the desk must see. Each case carries ``is_visible`` (``user`` sees it,
    by :func:`cases_visible_to`); of a case the user does not see, the desk shows only its code,
    its center and its state, never its title or parties, and cannot record a visit on it.
    """
    from django.db.models import Exists, OuterRef, Value

    condition, phones, id_numbers = _person_filter([phone], [id_number], prefix="parties__")
    if not phones and not id_numbers:
        return Case.objects.none()
    cases = Case.objects.open().filter(condition).distinct().order_by("-created_at", "-id")
    visible = Exists(cases_visible_to(user).filter(pk=OuterRef("pk"))) if user is not None else Value(False)
    return cases.select_related("center").annotate(is_visible=visible)


def center_cases_q(user, prefix: str = ""):
    """Return the condition on a case (``prefix`` + field, e.g. ``case__``) a center-wide role sees, or None.

    The cases held by the centers the user sees (``departments.scope.visible_centers_q``), and
    those that passed through the user's center (a hop sent, received or routed): the hops are one
    uncorrelated subquery on the referrals' indexed centers, so the database reads the few cases
    they name instead of testing every case. ``None``: the user has no center.
    """
    from django.db.models import Q

    from departments.scope import center_of, sees_whole_tree, visible_centers_q

    from .models import Referral

    if sees_whole_tree(user):
        return Q()
    center = center_of(user)
    if center is None:
        return None
    hops = Referral.objects.filter(Q(from_center=center) | Q(to_center=center) | Q(via_center=center))
    return visible_centers_q(user, f"{prefix}center") | Q(**{f"{prefix}pk__in": hops.values("case_id")})


def cases_visible_to(user) -> QuerySet[Case]:
    """The cases a staff member may see: the one rule (``permissions.sees_case`` is its one-case form).

    Center-wide roles: the cases their center holds; leaders and coordinators also every case
    held under their center (read-only plus supervision); and cases that passed through their
    center (the sender of a report up keeps a view). A liaison: their department's cases (lead or
    co-operating) and cases their department was summoned to by a whistle.
    """
    from django.db.models import Q

    from departments.models import Role
    from departments.permissions import department_of, role_of
    from departments.scope import sees_whole_tree

    from .models import WhistleSummons
    from .permissions import sees_every_case

    if sees_every_case(user):
        if sees_whole_tree(user):
            return Case.objects.all()
        condition = center_cases_q(user)
        return Case.objects.none() if condition is None else Case.objects.filter(condition)
    if role_of(user) == Role.LIAISON and (department := department_of(user)) is not None:
        # Uncorrelated subqueries on the department's own rows: read once, not tested per case.
        co = Case.co_departments.through.objects.filter(department_id=department.pk).values("case_id")
        summoned = WhistleSummons.objects.filter(department_id=department.pk).values("whistle__case_id")
        return Case.objects.filter(Q(lead_department=department) | Q(pk__in=co) | Q(pk__in=summoned))
    return Case.objects.none()


def case_search(*, user, query: str, limit: int = 50) -> list[Case]:
    """Find cases by code (any grouping), a party's phone or ID number, or a name or title."""
    import re

    from django.db.models import Prefetch, Q

    from common.fields import KIND_ID_NUMBER, KIND_PHONE, normalize

    from .codes import InvalidCaseCode
    from .models import Party

    query = (query or "").strip()
    if not query:
        return []
    cases = cases_visible_to(user)
    compact = re.sub(r"[\s\-]", "", query)
    try:
        cases = cases.filter(code=normalize_code(query))
    except InvalidCaseCode:
        if re.fullmatch(r"\d{17}[\dXx]", compact):
            cases = cases.filter(parties__id_number=normalize(KIND_ID_NUMBER, compact))
        elif re.fullmatch(r"\+?\d{7,13}", compact):
            cases = cases.filter(
                Q(parties__phone=normalize(KIND_PHONE, query)) | Q(parties__phone=compact.removeprefix("+86"))
            )
        else:
            cases = cases.filter(Q(parties__name__icontains=query) | Q(title__icontains=query))
    return list(
        cases.distinct()
        .select_related("lead_department", "center")
        .prefetch_related(
            Prefetch("parties", queryset=Party.objects.order_by("order", "id")),
            # Which rows a liaison may open (co-departments): see cases.permissions.may_open_case_page.
            Prefetch("co_departments", to_attr="co_department_list"),
        )
        .order_by("-created_at", "-id")[:limit]
    )


# --- The parties' tracking page -----------------------------------------------------------------


def case_phone_endings(case: Case) -> list[tuple[int, str, str]]:
    """Return (party id, role, last four phone digits) per party: the tracking page's second factor.

    In the parties' order, applicants first, so that where two parties share the digits the
    applicant side is the one proved.
    """
    from .models import Party

    parties = Party.objects.filter(case=case).order_by("order", "id").values_list("id", "role", "phone")
    endings = [(pk, role, str(phone)[-4:]) for pk, role, phone in parties if len(str(phone)) >= 4]
    return sorted(endings, key=lambda e: e[1] != Party.Role.APPLICANT)


def case_receipt_party_id(case: Case) -> int | None:
    """Return the party whom the receipt's QR key proves: the representative applicant, else the first.

    The receipt is handed to the applicant at the desk; None when the case has no applicant.
    """
    from .models import Party

    return (
        Party.objects.filter(case=case, role=Party.Role.APPLICANT)
        .order_by("-is_representative", "order", "id")
        .values_list("id", flat=True)
        .first()
    )


def _party_redactor(case: Case):
    """Return a function that masks every party's name, phone and ID number in a text.

    Staff write records and results for the party to read; a name or number typed into them
    must still not appear on a public page.
    """
    import re

    from common.fields import KIND_ID_NUMBER, KIND_PHONE, mask, mask_name

    from .models import Party

    replacements, names = [], []
    for name, phone, id_number in Party.objects.filter(case=case).values_list("name", "phone", "id_number"):
        for kind, value in ((KIND_PHONE, str(phone)), (KIND_ID_NUMBER, str(id_number))):
            if len(value) >= 7:
                # Digits as stored, or typed with spaces or dashes between them (0716-1234567).
                pattern = r"[\s\-]?".join(re.escape(ch) for ch in value)
                replacements.append((re.compile(pattern, re.IGNORECASE), mask(kind, value)))
        if name and len(name) >= 2:
            names.append(name)
    # Longer names first, so 欧阳小明 is not half-masked as 欧阳 would be.
    for name in sorted(set(names), key=len, reverse=True):
        replacements.append((re.compile(re.escape(name)), mask_name(name)))

    def redact(text: str) -> str:
        for pattern, masked in replacements:
            text = pattern.sub(masked, text)
        return text

    return redact


def public_case_detail(case: Case, *, party_id: int | None = None, applicant: bool = False) -> dict:
    """Return what a verified party sees besides the timeline.

    The lead department, the handling deadline, the handling records marked public, the result
    once closed and, for the applicant side, the evaluation form or the evaluation given; never
    the parties. ``party_id`` and ``applicant`` say who verified (:class:`cases.tracking.Proof`).
    ``case`` should come with ``lead_department`` selected. Two queries (parties, public
    records), three once evaluated, whatever the number of records.
    """
    from .models import HandlingRecord

    redact = _party_redactor(case)
    records = [
        {
            "text": redact(record.text),
            "created_at": record.created_at,
            "department": _department_label(record.department),
        }
        for record in HandlingRecord.objects.filter(case=case, is_public=True)
        .select_related("department")
        .order_by("created_at", "id")
    ]
    evaluation = None
    if applicant and case.state == State.EVALUATED:
        evaluation = party_evaluation(case, party_id=party_id)
    closed = case.state in (State.CLOSED, State.EVALUATED)
    return {
        "lead_department": case.lead_department.name if case.lead_department_id else "",
        "awaiting_assignment": case.state in (State.RECEIVED, State.ASSESSING),
        "due_by": case.due_by if case.is_open else None,
        "is_supervised": case.state == State.SUPERVISED,
        "records": records,
        "result": redact(case.result) if closed else "",
        # The applicant side evaluates; each applicant once (the first one moves the case on).
        "can_evaluate": applicant and closed and evaluation is None,
        "evaluation": evaluation,
        "respondent_side": closed and not applicant,
    }


def party_evaluation(case: Case, *, party_id: int | None):
    """Return the evaluation the party gave since the case was last closed, or None.

    An evaluation recorded for no party (a callback, or given before evaluations were per
    party) counts as the receipt holder's: the representative applicant's.
    """
    from .models import Evaluation

    if case.closed_at is None:
        return None
    given = list(
        Evaluation.objects.filter(case=case, created_at__gte=case.closed_at)
        .filter(Q(party_id=party_id) | Q(party__isnull=True))
        .order_by("-created_at", "-id")
    )
    for evaluation in given:
        if evaluation.party_id is not None:
            return evaluation
    if given and (party_id is None or party_id == case_receipt_party_id(case)):
        return given[0]
    return None


def _department_label(department) -> str:
    return (department.short_name or department.name) if department is not None else ""


# --- The REST API -------------------------------------------------------------------------------


def case_list_for(user) -> QuerySet[Case]:
    """Cases the user may see, with everything one case shows (parties, co-departments) prefetched."""
    from django.db.models import Prefetch

    from departments.models import Department

    from .models import Party

    # Prefetched into plain lists (``party_list``, ``co_department_list``): a related manager per
    # row costs more than the row itself on a 50-row page.
    return (
        cases_visible_to(user)
        .select_related(
            "center", "lead_department", "package", "mediated_by", "place__parent", "place__township"
        )
        .prefetch_related(
            Prefetch("parties", queryset=Party.objects.order_by("order", "id"), to_attr="party_list"),
            Prefetch(
                "co_departments",
                queryset=Department.objects.order_by("order", "id"),
                to_attr="co_department_list",
            ),
        )
    )


def case_events_for(case: Case) -> QuerySet[CaseEvent]:
    """The transition log of a case, oldest first, with each actor's staff profile."""
    return CaseEvent.objects.filter(case=case).select_related("actor__staff_profile")


def case_records_for(case: Case) -> QuerySet:
    """The handling records of a case, oldest first, with their department, author and files."""
    from .models import HandlingRecord

    return (
        HandlingRecord.objects.filter(case=case)
        .select_related("department", "author__staff_profile")
        .prefetch_related("attachments")
    )


def case_rows_for(user) -> QuerySet[Case]:
    """Cases the user may see, with what a row of the list shows: three queries a page, whatever its size.

    The co-operating departments are left to the case itself: on a 50-row page their prefetch
    costs more than the rest of the page.
    """
    from django.db.models import Prefetch

    from .models import Party

    return (
        cases_visible_to(user)
        .select_related("center", "lead_department", "package")
        .prefetch_related(
            Prefetch("parties", queryset=Party.objects.order_by("order", "id"), to_attr="party_list")
        )
    )


def mediating_organisations(case: Case) -> list:
    """Return who may mediate a case and seal its agreement: its departments, then mediation bodies.

    The one rule for the submit form's choices, the API's check and the service's validation:
    the lead department, the co-operating departments, and the active mediation organisations
    (人民调解委员会、专业调解室). Each carries ``on_case``: it is the lead or a co-department.
    """
    from departments.models import Department

    co_ids = set(case.co_departments.values_list("pk", flat=True)) if case.pk else set()
    departments = list(
        Department.objects.filter(
            Q(pk=case.lead_department_id)
            | Q(pk__in=co_ids)
            # The mediation bodies stationed at the case's center.
            | Q(kind=Department.Kind.MEDIATION, is_active=True, center_id=case.center_id)
        ).order_by("order", "id")
    )
    for department in departments:
        department.on_case = department.pk == case.lead_department_id or department.pk in co_ids
    departments.sort(key=lambda d: (d.pk != case.lead_department_id, not d.on_case))
    return departments


def default_mediator(organisations: list):
    """Return the proposed mediator: the case's own mediation body if it has one, else its lead."""
    from departments.models import Department

    own = [d for d in organisations if d.on_case]
    return next((d for d in own if d.kind == Department.Kind.MEDIATION), own[0] if own else None)


def intake_desk_for(user):
    """Return the desk a user's intake form starts on: their own window.

    The desk on their staff profile; else their department's desk if they belong to one; else the desk of their latest intake or
    recorded visit (a receptionist works at one window all day); else the only desk, if one.
    """
    from departments.models import Desk
    from departments.scope import own_center_q

    from .models import Visit

    # The desks of the user's own center only.
    desks = Desk.objects.filter(own_center_q(user, "department__center"), is_active=True)
    profile = getattr(user, "staff_profile", None)
    if profile is not None and profile.desk_id and (own := desks.filter(pk=profile.desk_id).first()):
        return own
    department_id = getattr(profile, "department_id", None)
    if department_id and (own := desks.filter(department_id=department_id).first()):
        return own
    latest = [
        row
        for row in (
            Case.objects.filter(created_by=user, desk__is_active=True)
            .order_by("-created_at")
            .values_list("created_at", "desk_id")
            .first(),
            Visit.objects.filter(recorded_by=user, desk__is_active=True)
            .order_by("-created_at")
            .values_list("created_at", "desk_id")
            .first(),
        )
        if row
    ]
    if latest:
        return desks.get(pk=max(latest)[1])
    only = list(desks[:2])
    return only[0] if len(only) == 1 else None


# --- 吹哨报到 ------------------------------------------------------------------------------------


def summonable_departments(case: Case):
    """Return the departments a whistle on ``case`` may summon: the active ones of the level above.

    The level above a township is its county: a township summons its parent's departments. A
    county (or higher) center holding a case summons the functional departments with the powers a
    township lacks: its own, and its parent's (a county's city). Never a township's own or a
    sibling's departments. The page, the API and :func:`cases.services.whistle_blow` all ask this
    one function.
    """
    from django.db.models import Q

    from departments.models import Department, Level

    center = case.center
    condition = Q(pk__in=[])
    if center.parent_id is not None:
        condition |= Q(center_id=center.parent_id)
    if center.level != Level.TOWNSHIP:
        condition |= Q(center_id=center.pk)
    return Department.objects.filter(condition, is_active=True).order_by("-center__path", "order", "id")


def case_whistles(case: Case) -> list:
    """Return the case's whistles, latest first, each with its summonses and their departments (two queries)."""
    from django.db.models import Prefetch

    from .models import Whistle, WhistleSummons

    return list(
        Whistle.objects.filter(case=case)
        .select_related("center", "blown_by")
        .prefetch_related(
            Prefetch(
                "summonses",
                queryset=WhistleSummons.objects.select_related("department", "reported_by").order_by(
                    "department__order", "department_id"
                ),
            )
        )
        .order_by("-blown_at", "-id")
    )


def summonses_for(user, *, status: str | None = None):
    """Return the summonses of the liaison's department (none for anyone else), earliest deadline first."""
    from departments.models import Role
    from departments.permissions import department_of, role_of

    from .models import WhistleSummons

    department = department_of(user) if role_of(user) == Role.LIAISON else None
    if department is None:
        return WhistleSummons.objects.none()
    rows = WhistleSummons.objects.filter(department=department)
    if status:
        rows = rows.filter(status=status)
    return rows.select_related("whistle__case", "whistle__center", "department").order_by("respond_by", "id")


# --- Hops between centers (上报、下派、移交) -------------------------------------------------------


def referrals_for(user, *, direction: str = "incoming", kind: str = "", status: str = "") -> QuerySet:
    """Return the hops of the user's center: ``incoming`` (sent to it, or routed through it) or ``outgoing``.

    Scoped by ``departments.scope.center_of``: a user without a center sees none; the operator
    every hop. Centers, case and people selected: no query per row.
    """
    from departments.scope import center_of, sees_whole_tree

    from .models import Referral

    rows = Referral.objects.select_related(
        "case", "from_center", "to_center", "via_center", "created_by", "decided_by"
    )
    if not sees_whole_tree(user):
        center = center_of(user)
        if center is None:
            return rows.none()
        if direction == "outgoing":
            rows = rows.filter(from_center=center)
        else:
            rows = rows.filter(Q(to_center=center) | Q(via_center=center))
    if kind:
        rows = rows.filter(kind=kind)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-id")


def case_referrals(case: Case) -> list:
    """Return every hop of ``case`` between centers, oldest first (the 流转记录), in one query."""
    from .models import Referral

    return list(
        Referral.objects.filter(case_id=case.pk)
        .select_related("from_center", "to_center", "via_center", "created_by__staff_profile", "decided_by")
        .order_by("created_at", "id")
    )
