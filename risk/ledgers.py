"""The two ledgers (两本台账) and the risk map: reads only, constant queries whatever the rows.

- :func:`dispute_ledger` — 矛盾纠纷排查化解台账: every case taken in within a center's subtree in
  the period (by its intake time, local days), with its state, risk level, place, lead department
  and what was done (the result once there is one, else the latest handling record).
- :func:`risk_ledger` — 风险隐患台账: every :class:`~risk.models.RiskEntry` of the subtree open at
  some moment of the period (registered before its end, not resolved before its start).
- :func:`risk_map` — counts by colour per township, or per village/community and grid of one
  township: leads (by proposed colour), risk-ledger lines and cases (by risk level).

Rows are dicts (``.values()``), ordered red first, then yellow, blue, unassessed, then by the
registration time. The scope is the one of the leaders' reports
(:func:`supervision.reports.selectors.figures.scope_q`); the period is a
:class:`supervision.reports.periods.Period` (``start``/``end`` are its aware bounds).
"""

import datetime as dt

from django.db.models import Case as When_
from django.db.models import CharField, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Left, NullIf
from django.db.models.lookups import Exact

from cases.models import Case, HandlingRecord, RiskColour
from departments.models import Center, Level, Place
from supervision.reports.selectors.figures import scope_q

from .models import Lead, RiskEntry

MEASURES_LENGTH = 300
SUMMARY_LENGTH = 200
COLOURS = (RiskColour.RED, RiskColour.YELLOW, RiskColour.BLUE)
NONE = "none"  # the bucket of what has no colour yet (a case not assessed, a lead not screened)


def colour_rank(colour):
    """Order expression: red 0, yellow 1, blue 2, anything else 3 (``colour``: a field name or an expression)."""
    return When_(
        *(
            When(Exact(F(colour) if isinstance(colour, str) else colour, value), then=Value(rank))
            for rank, value in enumerate(COLOURS)
        ),
        default=Value(len(COLOURS)),
        output_field=IntegerField(),
    )


def _case_level():
    """A case's risk level: the coordinator's colour, else the proposed one (blank when neither)."""
    return Coalesce(NullIf(F("risk_colour"), Value("")), F("proposed_colour"), output_field=CharField())


def _case_township_id():
    """The township a case happened in: its place's, else the township center holding or taking it in."""
    return Coalesce(
        F("place__township_id"),
        When_(When(center__level=Level.TOWNSHIP, then=F("center_id"))),
        When_(When(intake_center__level=Level.TOWNSHIP, then=F("intake_center_id"))),
    )


def _place_names(prefix: str = "") -> dict:
    """Village/community and grid names from a place key (a grid's village is its parent)."""
    place = f"{prefix}place"
    return {
        "village_name": When_(
            When(**{f"{place}__kind": Place.Kind.GRID}, then=F(f"{place}__parent__name")),
            default=F(f"{place}__name"),
            output_field=CharField(),
        ),
        "grid_name": When_(
            When(**{f"{place}__kind": Place.Kind.GRID}, then=F(f"{place}__name")),
            default=Value(""),
            output_field=CharField(),
        ),
    }


def _taken_in_q(center: Center | None) -> Q:
    """Cases held in the subtree now, or taken in there (and reported up or transferred since)."""
    if center is None:
        return Q()
    return scope_q(center) | scope_q(center, "intake_center")


def _cases_in(center: Center | None, start: dt.datetime, end: dt.datetime) -> QuerySet[Case]:
    return Case.objects.filter(_taken_in_q(center), created_at__gte=start, created_at__lt=end)


DISPUTE_FIELDS = (
    "id", "code", "created_at", "category", "title", "summary", "people_count", "risk_colour",
    "level", "state", "closed_at", "township_name", "village_name", "grid_name", "department_name",
    "measures", "center_name",
)  # fmt: skip


def _dispute_rows(cases: QuerySet[Case]) -> QuerySet:
    latest_record = HandlingRecord.objects.filter(case=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        cases.annotate(
            level=_case_level(),
            level_rank=colour_rank("level"),
            summary=Left("description", SUMMARY_LENGTH),
            township_name=Coalesce(
                F("place__township__name"),
                When_(When(center__level=Level.TOWNSHIP, then=F("center__name"))),
                When_(When(intake_center__level=Level.TOWNSHIP, then=F("intake_center__name"))),
                Value(""),
                output_field=CharField(),
            ),
            **_place_names(),
            department_name=Coalesce(F("lead_department__name"), Value(""), output_field=CharField()),
            measures=Left(
                Coalesce(
                    NullIf(F("result"), Value("")),
                    Subquery(latest_record.values("text")[:1]),
                    Value(""),
                    output_field=CharField(),
                ),
                MEASURES_LENGTH,
            ),
            center_name=F("center__name"),
        )
        .order_by("level_rank", "created_at", "id")
        .values(*DISPUTE_FIELDS)
    )


def dispute_ledger(*, center: Center | None, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Return the dispute ledger's rows (dicts of :data:`DISPUTE_FIELDS`), red first, then by intake time.

    ``measures`` is the result once one is submitted, else the latest handling record's text:
    one correlated subquery, so the query count never grows with the rows. For a page of a long
    ledger, :func:`dispute_ledger_ids` and :func:`dispute_rows_of` read less.
    """
    return _dispute_rows(_cases_in(center, start, end))


def dispute_ledger_ids(*, center: Center | None, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Return the dispute ledger's case ids in its order: what a page's offset skips is only sorted, not read in full."""
    return (
        _cases_in(center, start, end)
        .annotate(level_rank=colour_rank(_case_level()))
        .order_by("level_rank", "created_at", "id")
        .values_list("id", flat=True)
    )


def dispute_rows_of(ids) -> list[dict]:
    """Return the dispute ledger's rows of the cases ``ids``, in that order (one query)."""
    ids = list(ids)
    position = {pk: n for n, pk in enumerate(ids)}
    return sorted(_dispute_rows(Case.objects.filter(pk__in=ids)), key=lambda row: position[row["id"]])


RISK_FIELDS = (
    "id", "created_at", "title", "colour", "state", "resolved_at", "review_on", "measures",
    "township_name", "village_name", "grid_name", "department_id", "department_name", "center_id",
    "center_name", "lead_id", "lead_feed", "lead_external_id", "case_id", "case_code",
)  # fmt: skip


def _risks_open_during(center: Center | None, start: dt.datetime, end: dt.datetime) -> QuerySet[RiskEntry]:
    return RiskEntry.objects.filter(
        scope_q(center),
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=start),
        created_at__lt=end,
    )


def risk_ledger(
    *, center: Center | None, start: dt.datetime, end: dt.datetime, state: str | None = None
) -> QuerySet:
    """Return the risk ledger's rows (dicts of :data:`RISK_FIELDS`): the lines open at some moment of the period.

    A line counts when it was registered before the period's end and not resolved before its
    start; ``state`` (open / resolved: as it stands now) narrows them. Red first, then by date.
    """
    entries = _risks_open_during(center, start, end)
    if state:
        entries = entries.filter(state=state)
    return (
        entries.annotate(
            colour_rank=colour_rank("colour"),
            township_name=Coalesce(F("township__name"), F("place__township__name"), Value("")),
            **_place_names(),
            department_name=Coalesce(F("department__name"), Value(""), output_field=CharField()),
            center_name=F("center__name"),
            lead_feed=Coalesce(F("lead__feed"), Value(""), output_field=CharField()),
            lead_external_id=Coalesce(F("lead__external_id"), Value(""), output_field=CharField()),
            case_code=Coalesce(F("case__code"), Value(""), output_field=CharField()),
        )
        .order_by("colour_rank", "created_at", "id")
        .values(*RISK_FIELDS)
    )


def dispute_totals(*, center: Center | None, start: dt.datetime, end: dt.datetime) -> dict:
    """Return the dispute ledger's totals in one query: all, per level, open and closed."""
    from cases.models.choices import OPEN_STATES

    counts = (
        _cases_in(center, start, end)
        .annotate(level=_case_level())
        .aggregate(
            total=Count("id"),
            **{colour: Count("id", filter=Q(level=colour)) for colour in COLOURS},
            open=Count("id", filter=Q(state__in=OPEN_STATES)),
        )
    )
    counts["finished"] = counts["total"] - counts["open"]
    counts[NONE] = counts["total"] - sum(counts[c] for c in COLOURS)
    return counts


def risk_totals(*, center: Center | None, start: dt.datetime, end: dt.datetime) -> dict:
    """Return the risk ledger's totals in one query: all, per colour, open and resolved (now)."""
    counts = _risks_open_during(center, start, end).aggregate(
        total=Count("id"),
        **{colour: Count("id", filter=Q(colour=colour)) for colour in COLOURS},
        open=Count("id", filter=Q(state=RiskEntry.State.OPEN)),
        resolved=Count("id", filter=Q(state=RiskEntry.State.RESOLVED)),
    )
    return counts


# --- The risk map ---------------------------------------------------------------------------------

FAMILIES = ("leads", "risks", "cases")


def _empty_figures() -> dict:
    return {family: dict.fromkeys((*COLOURS, NONE), 0) for family in FAMILIES}


def _add(figures: dict, family: str, colour: str, n: int) -> None:
    figures[family][colour if colour in COLOURS else NONE] += n


def worst_colour(figures: dict) -> str:
    """Return the place's colour: the highest colour any of its leads, risks or cases has ("" when none)."""
    for colour in COLOURS:
        if any(figures[family][colour] for family in FAMILIES):
            return colour
    return ""


def _grouped_townships(center, start, end) -> dict[str, list[tuple]]:
    """One grouped query per family: (township id, colour, count) rows."""
    leads = Lead.objects.filter(scope_q(center), occurred_at__gte=start, occurred_at__lt=end)
    risks = _risks_open_during(center, start, end)
    cases = _cases_in(center, start, end).annotate(level=_case_level(), township_key=_case_township_id())
    return {
        family: list(queryset.values(key, colour).annotate(n=Count("id")).values_list(key, colour, "n"))
        for family, queryset, key, colour in (
            ("leads", leads, "township_id", "proposed_colour"),
            ("risks", risks, "township_id", "colour"),
            ("cases", cases, "township_key", "level"),
        )
    }


def risk_map(
    *, center: Center | None, start: dt.datetime, end: dt.datetime, township: Center | None = None
) -> dict:
    """Return the map's rows: per township of ``center``'s subtree, or per village/community and grid of ``township``.

    ``{"level": "townships"|"places", "rows": [{"key", "name", "kind", "depth", "slug",
    "figures", "colour", "total", "by_family"}], "totals": figures, "totals_total": {family: n}}``;
    ``figures`` is ``{family: {colour|"none": n}}`` for leads (by proposed colour), risks (ledger
    lines open during the period) and cases (taken in during it, by risk level). A grid's row
    (depth 1) follows its village's, whose figures include it. A last row (key None) holds what
    has no place recorded. Four queries (the places and one per family) whatever the size.
    """
    if township is None:
        return _township_rows(center, start, end)
    return _place_rows(center, start, end, township)


def _row(key, name, *, kind="", depth=0, slug="") -> dict:
    return {"key": key, "name": name, "kind": kind, "depth": depth, "slug": slug, "figures": _empty_figures()}


def _sums(figures: dict) -> dict:
    return {family: sum(figures[family].values()) for family in FAMILIES}


def _finish(rows: list[dict]) -> dict:
    """Give each row its colour and sums; return the totals (grids are in their village's row already)."""
    totals = _empty_figures()
    for row in rows:
        row["colour"] = worst_colour(row["figures"])
        row["total"] = _sums(row["figures"])
        row["by_family"] = [(row["figures"][family], row["total"][family]) for family in FAMILIES]
        if row["depth"]:
            continue
        for family in FAMILIES:
            for colour, n in row["figures"][family].items():
                totals[family][colour] += n
    return totals


def _township_rows(center, start, end) -> dict:
    townships = Center.objects.filter(level=Level.TOWNSHIP)
    if center is not None:
        townships = townships.filter(path__startswith=center.path)
    rows = {
        t.pk: _row(t.pk, t.name, slug=t.slug) for t in townships.order_by("code").only("pk", "name", "slug")
    }
    unplaced = _row(None, "")
    grouped = _grouped_townships(center, start, end)
    for family, triples in grouped.items():
        for key, colour, n in triples:
            _add(rows.get(key, unplaced)["figures"], family, colour, n)
    ordered = [*rows.values(), unplaced]
    totals = _finish(ordered)
    return {"level": "townships", "rows": ordered, "totals": totals, "totals_total": _sums(totals)}


def _place_rows(center, start, end, township: Center) -> dict:
    places = list(
        Place.objects.filter(township=township).order_by("code", "id").only("pk", "name", "kind", "parent_id")
    )
    villages = [p for p in places if p.kind != Place.Kind.GRID]
    grids_of: dict[int, list[Place]] = {}
    for place in places:
        if place.kind == Place.Kind.GRID:
            grids_of.setdefault(place.parent_id, []).append(place)
    rows: dict = {}
    ordered = []
    for village in villages:
        row = _row(village.pk, village.name, kind=village.get_kind_display())
        rows[village.pk] = row
        ordered.append(row)
        for grid in grids_of.get(village.pk, []):
            grid_row = _row(grid.pk, grid.name, kind=grid.get_kind_display(), depth=1)
            grid_row["parent"] = row
            rows[grid.pk] = grid_row
            ordered.append(grid_row)
    unplaced = _row(None, "")
    grouped = _grouped_places(center, start, end, township)
    for family, triples in grouped.items():
        for key, colour, n in triples:
            row = rows.get(key, unplaced)
            _add(row["figures"], family, colour, n)
            if "parent" in row:  # a grid counts in its village too
                _add(row["parent"]["figures"], family, colour, n)
    for row in ordered:
        row.pop("parent", None)
    ordered.append(unplaced)
    totals = _finish(ordered)
    return {"level": "places", "rows": ordered, "totals": totals, "totals_total": _sums(totals)}


def _grouped_places(center, start, end, township: Center) -> dict[str, list[tuple]]:
    """One grouped query per family: (place id, colour, count) rows of one township's items."""
    in_township = Q(township=township) | Q(place__township=township)
    leads = Lead.objects.filter(scope_q(center), in_township, occurred_at__gte=start, occurred_at__lt=end)
    risks = _risks_open_during(center, start, end).filter(in_township)
    cases = (
        _cases_in(center, start, end)
        .annotate(township_key=_case_township_id(), level=_case_level())
        .filter(township_key=township.pk)
    )
    return {
        family: list(
            queryset.values("place_id", colour).annotate(n=Count("id")).values_list("place_id", colour, "n")
        )
        for family, queryset, colour in (
            ("leads", leads, "proposed_colour"),
            ("risks", risks, "colour"),
            ("cases", cases, "level"),
        )
    }
