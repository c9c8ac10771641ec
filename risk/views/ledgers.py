"""The two ledgers (两本台账), their xlsx, the risk map, and the risk ledger's lines (mark, update, resolve).

Thin: who may see (:func:`risk.permissions.sees_ledgers`: coordinators and leaders, 403 for
anyone else), which center (``?center=<slug>``: the user's own or one under it, 403 outside,
:mod:`supervision.reports.access`), which period (:mod:`supervision.reports.periods`), then one
selector (:mod:`risk.ledgers`) or one service (:mod:`risk.services.risks`).
"""

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.models import Action as AuditAction
from audit.services import access_log_record
from cases.codes import display_code
from cases.models import Case, Category, RiskColour, State
from common.exceptions import ActionForbidden
from common.forms import add_service_errors
from departments.models import Center, Level, Role
from departments.permissions import role_of
from departments.scope import sees_whole_tree
from supervision.reports import access
from supervision.reports.periods import Period, default_period, month_period, parse_period

from .. import exports, ledgers
from ..ledger_forms import MarkCaseForm, ResolveForm, RiskEntryForm
from ..models import Feed, RiskEntry
from ..permissions import may_edit_risk_entry, sees_ledgers
from ..services.risks import risk_entry_from_case, risk_entry_resolve, risk_entry_update

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def _require_ledgers(user) -> None:
    if not sees_ledgers(user):
        raise PermissionDenied


def _period(request) -> tuple[Period, list[str]]:
    today = timezone.localdate()
    default = request.report_default_period = default_period(today)
    try:
        return parse_period(request.GET, today=today, default=default), []
    except ValidationError as exc:
        return default, exc.messages


def _chosen_center(request) -> Center | None:
    """The center whose subtree the ledger covers: the user's own, or ``?center=<slug>`` under it (403 outside, 404 unknown)."""
    slug = request.GET.get("center")
    if not slug:
        home = access.home_center(request.user)
        if home is None and not sees_whole_tree(request.user):
            raise PermissionDenied
        return home
    chosen = get_object_or_404(Center, slug=slug)
    if not access.may_read_center(request.user, chosen):
        raise PermissionDenied
    return chosen


def _context(request, chosen: Center | None, period: Period, errors: list[str]) -> dict:
    """The period picker's and the center picker's context (the supervision reports' names)."""
    explicit = bool(request.GET.get("center")) and chosen is not None
    home = access.home_center(request.user)
    centers = Center.objects.only("pk", "name", "slug", "level", "path").order_by("path")
    if home is not None and not sees_whole_tree(request.user):
        centers = centers.filter(path__startswith=home.path)
    this_month = month_period(timezone.localdate())
    return {
        "center": chosen,
        "center_choices": centers,
        "center_param": chosen.slug if explicit else "",
        "center_query": f"&center={chosen.slug}" if explicit else "",
        "period": period,
        "period_errors": errors,
        "previous_month": period.previous_month(),
        "next_month": period.next_month(),
        "this_month": this_month,
        "month_just_begun": False,
        "may_mark": role_of(request.user) == Role.COORDINATOR,
    }


def _center_name(chosen: Center | None) -> str:
    return chosen.name if chosen is not None else _("综治中心")


# --- Pages ----------------------------------------------------------------------------------------


def dispute_rows(rows) -> list[dict]:
    """Add what the page shows to the dispute ledger's rows: labels, the code grouped, the place."""
    categories, colours, states = (
        _labels(Category.choices),
        _labels(RiskColour.choices),
        _labels(State.choices),
    )
    return [
        {
            **row,
            "code_display": display_code(row["code"]),
            "category_label": categories.get(row["category"], row["category"]),
            "level_label": colours.get(row["level"], ""),
            "level_proposed": bool(row["level"]) and not row["risk_colour"],
            "state_label": states.get(row["state"], row["state"]),
            "place": exports.place_label(row),
        }
        for row in rows
    ]


def risk_rows(rows, user) -> list[dict]:
    """Add what the page shows to the risk ledger's rows: labels, the source, whether the user may edit."""
    colours, states, feeds = (
        _labels(RiskColour.choices),
        _labels(RiskEntry.State.choices),
        _labels(Feed.choices),
    )
    coordinator_of = None
    if role_of(user) == Role.COORDINATOR:
        profile = getattr(user, "staff_profile", None)
        coordinator_of = profile.center_id if profile is not None else None
    return [
        {
            **row,
            "colour_label": colours.get(row["colour"], ""),
            "state_label": states.get(row["state"], row["state"]),
            "source": exports.source_label(row, feeds),
            "case_code_display": display_code(row["case_code"]) if row["case_code"] else "",
            "place": exports.place_label(row),
            "editable": coordinator_of is not None and coordinator_of == row["center_id"],
            "is_open": row["state"] == RiskEntry.State.OPEN,
        }
        for row in rows
    ]


@login_required
@require_GET
def ledger_disputes(request):
    """矛盾纠纷排查化解台账: the cases taken in within the period, 50 a page, with totals."""
    _require_ledgers(request.user)
    chosen = _chosen_center(request)
    period, errors = _period(request)
    ids = ledgers.dispute_ledger_ids(center=chosen, start=period.start, end=period.end)
    page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = dispute_rows(ledgers.dispute_rows_of(page.object_list))
    context = {
        **_context(request, chosen, period, errors),
        "page": page,
        "totals": ledgers.dispute_totals(center=chosen, start=period.start, end=period.end),
        "title": exports.dispute_title(_center_name(chosen), period.label),
        "tab": "disputes",
    }
    return render(request, "risk/ledger_disputes.html", context, status=400 if errors else 200)


@login_required
@require_GET
def ledger_risks(request):
    """风险隐患台账: the ledger lines open during the period, 50 a page, with totals; the mark-a-case form."""
    _require_ledgers(request.user)
    chosen = _chosen_center(request)
    period, errors = _period(request)
    state = request.GET.get("state") or None
    if state not in (None, *RiskEntry.State.values):
        state = None
    rows = ledgers.risk_ledger(center=chosen, start=period.start, end=period.end, state=state)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = risk_rows(page.object_list, request.user)
    context = {
        **_context(request, chosen, period, errors),
        "page": page,
        "state": state or "",
        "state_query": f"&state={state}" if state else "",
        "states": RiskEntry.State.choices,
        "totals": ledgers.risk_totals(center=chosen, start=period.start, end=period.end),
        "title": exports.risk_title(_center_name(chosen), period.label),
        "mark_form": MarkCaseForm(),
        "tab": "risks",
    }
    return render(request, "risk/ledger_risks.html", context, status=400 if errors else 200)


def _chart(result: dict, unplaced_label: str) -> dict:
    """The stacked bars' data: per place, one stack per family, one segment per colour."""
    colours = _labels(RiskColour.choices)
    families = {
        "leads": _("线索（建议等级）"),
        "risks": _("风险隐患"),
        "cases": _("案件（风险等级）"),
    }
    rows = [row for row in result["rows"] if row["key"] is not None or any(row["total"].values())]
    labels = [("　" * row["depth"]) + (row["name"] or unplaced_label) for row in rows]
    datasets = []
    for family, family_label in families.items():
        for colour in (*ledgers.COLOURS, ledgers.NONE):
            datasets.append(
                {
                    "label": f"{family_label}·{colours.get(colour, _('未定级'))}",
                    "stack": family,
                    "colour": colour,
                    "data": [row["figures"][family][colour] for row in rows],
                }
            )
    return {"labels": labels, "datasets": datasets, "empty": _("本期没有数据。")}


@login_required
@require_GET
def risk_map(request):
    """The risk map by place: per township (or a township's villages and grids) the leads, risks and cases by colour."""
    _require_ledgers(request.user)
    chosen = _chosen_center(request)
    period, errors = _period(request)
    township = None
    if slug := request.GET.get("township"):
        township = get_object_or_404(Center, slug=slug, level=Level.TOWNSHIP)
        if chosen is not None and not township.is_within(chosen):
            raise Http404
    elif chosen is not None and chosen.level == Level.TOWNSHIP:
        township = chosen
    result = ledgers.risk_map(center=chosen, start=period.start, end=period.end, township=township)
    unplaced_label = _("未标注村（社区）") if township else _("未标注乡镇")
    context = {
        **_context(request, chosen, period, errors),
        "township": township,
        "result": result,
        "unplaced_label": unplaced_label,
        "families": [("leads", _("线索")), ("risks", _("风险隐患")), ("cases", _("案件"))],
        "colours": [*RiskColour.choices, (ledgers.NONE, _("未定级"))],
        "chart": _chart(result, unplaced_label),
        "tab": "map",
    }
    return render(request, "risk/risk_map.html", context, status=400 if errors else 200)


# --- Exports ------------------------------------------------------------------------------------


def _filer(user) -> str:
    profile = getattr(user, "staff_profile", None)
    return (profile.display_name if profile is not None else "") or user.get_username()


def _filename_period(period: Period) -> str:
    return period.month_param if period.is_month else f"{period.first:%Y%m%d}-{period.last:%Y%m%d}"


def _xlsx(request, *, kind: str):
    _require_ledgers(request.user)
    chosen = _chosen_center(request)
    period, errors = _period(request)
    if errors:
        return HttpResponseBadRequest(" ".join(errors), content_type="text/plain; charset=utf-8")
    name = _center_name(chosen)
    if kind == "disputes":
        rows = ledgers.dispute_ledger(center=chosen, start=period.start, end=period.end)
        title, sheet, columns = (
            exports.dispute_title(name, period.label),
            _("矛盾纠纷台账"),
            exports.dispute_columns(),
        )
        values = exports.dispute_values(rows.iterator(chunk_size=exports.CHUNK))
        base = _("%(name)s矛盾纠纷排查化解台账") % {"name": name}
    else:
        rows = ledgers.risk_ledger(center=chosen, start=period.start, end=period.end)
        title, sheet, columns = (
            exports.risk_title(name, period.label),
            _("风险隐患台账"),
            exports.risk_columns(),
        )
        values = exports.risk_values(rows.iterator(chunk_size=exports.CHUNK))
        base = _("%(name)s风险隐患台账") % {"name": name}
    # Write-only openpyxl writes the zip at save: build it in an anonymous temporary file (gone
    # when the response closes it) and stream that, never the whole file in memory.
    tmp = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (FileResponse closes it)
    count = exports.write_ledger(
        tmp,
        title=title,
        sheet_title=sheet,
        center_name=name,
        period_label=period.label,
        columns=columns,
        rows=values,
        filer=_filer(request.user),
        today=timezone.localdate(),
    )
    tmp.seek(0)
    access_log_record(
        action=AuditAction.EXPORT_LEDGER,
        request=request,
        object_type="ledger",
        object_repr=title,
        details={
            "kind": f"{kind}_ledger",
            "format": "xlsx",
            "period": {"first": period.first.isoformat(), "last": period.last.isoformat()},
            "center": chosen.slug if chosen else None,
            "ledger_rows": count,
        },
    )
    return FileResponse(
        tmp, as_attachment=True, filename=f"{base}-{_filename_period(period)}.xlsx", content_type=XLSX
    )


@login_required
@require_GET
def ledger_disputes_xlsx(request):
    """The dispute ledger as the xlsx a county files upward."""
    return _xlsx(request, kind="disputes")


@login_required
@require_GET
def ledger_risks_xlsx(request):
    """The risk ledger as the xlsx a county files upward."""
    return _xlsx(request, kind="risks")


# --- The risk ledger's lines ----------------------------------------------------------------------


def _require_coordinator(user) -> None:
    if role_of(user) != Role.COORDINATOR:
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def risk_entry_mark(request):
    """登记风险隐患：输入案件编号 — mark a case of the coordinator's center as a risk."""
    _require_coordinator(request.user)
    form = MarkCaseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            case = (
                Case.objects.select_related("center", "place").filter(code=form.cleaned_data["code"]).first()
            )
            if case is None:
                form.add_error("code", _("未找到该案件编号。"))
            else:
                try:
                    entry = risk_entry_from_case(
                        actor=request.user,
                        case=case,
                        measures=form.cleaned_data["measures"],
                        review_on=form.cleaned_data["review_on"],
                        colour=form.cleaned_data["colour"],
                    )
                except ActionForbidden as exc:
                    form.add_error("code", str(exc))
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    messages.success(
                        request,
                        _("案件 %(code)s 已登记为风险隐患。") % {"code": display_code(case.code)},
                    )
                    month = month_period(timezone.localdate()).query
                    return redirect(f"{reverse('risk:ledger_risks')}?{month}#entry-{entry.pk}")
    return render(request, "risk/risk_entry_mark.html", {"form": form, "tab": "mark"}, status=status)


def _entry_for(user, pk: int) -> RiskEntry:
    entry = get_object_or_404(RiskEntry.objects.select_related("center", "department", "case", "lead"), pk=pk)
    if not may_edit_risk_entry(user, entry):
        raise PermissionDenied
    return entry


@login_required
@require_http_methods(["GET", "POST"])
def risk_entry_edit(request, pk: int):
    """Update a ledger line (measures, review date, responsible department) or resolve it."""
    entry = _entry_for(request.user, pk)
    initial = {"measures": entry.measures, "review_on": entry.review_on, "department": entry.department}
    form = RiskEntryForm(request.POST or None, initial=initial, center=entry.center)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                risk_entry_update(
                    actor=request.user,
                    entry=entry,
                    measures=form.cleaned_data["measures"],
                    review_on=form.cleaned_data["review_on"],
                    department=form.cleaned_data["department"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("风险隐患已更新。"))
                return redirect(f"{reverse('risk:ledger_risks')}#entry-{entry.pk}")
    context = {
        "entry": entry,
        "form": form,
        "resolve_form": ResolveForm(),
        "colour_label": entry.get_colour_display(),
        "case_code_display": display_code(entry.case.code) if entry.case_id else "",
        "tab": "risks",
    }
    return render(request, "risk/risk_entry_edit.html", context, status=status)


@login_required
@require_POST
def risk_entry_resolve_view(request, pk: int):
    """Mark a ledger line resolved (已化解)."""
    entry = _entry_for(request.user, pk)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            risk_entry_resolve(actor=request.user, entry=entry, note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("风险隐患已标记为已化解。"))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(f"{reverse('risk:ledger_risks')}#entry-{entry.pk}")
