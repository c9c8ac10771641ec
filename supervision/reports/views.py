"""The leaders' report pages: dashboard, monthly report, department report, full lists, exports.

Thin: read the period, check who may see what (a liaison only their own department: 403 for
another), call the selectors, render. Every figure comes from ``selectors``; these views only
format it.
"""

import tempfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from audit.models import Action as AuditAction
from audit.services import access_log_record
from departments.models import Center, Department, Role
from departments.permissions import department_of, role_of, role_required
from departments.scope import sees_whole_tree

from ..models.reports import ReportThresholds
from ..permissions import DEPARTMENT_REPORT_ROLES, REPORT_ROLES
from . import access, exports, present, selectors, workbook
from .periods import CURRENT_MONTH_FROM_WORKING_DAY, Period, default_period, month_period, parse_period

DEPARTMENT_ROLES = DEPARTMENT_REPORT_ROLES
LIST_LIMIT = 10
PAGE_SIZE = 50
NOTABLE_LIMIT = 30


def _period(request) -> tuple[Period, list[str]]:
    """The requested period, or the default one and the reasons the request could not be read."""
    today = timezone.localdate()
    default = request.report_default_period = default_period(today)
    try:
        return parse_period(request.GET, today=today, default=default), []
    except ValidationError as exc:
        return default, exc.messages


def _report_center(request) -> Center | None:
    """The center whose subtree the report covers: the user's own, or ``?center=<slug>`` under it.

    Leaders, coordinators and administrators (the report roles) read the reports of their center
    and of every center under it (drill-down), never of a center beside or above it: 404 for an
    unknown slug, 403 for a center outside the user's subtree. None only for an operator of an
    empty tree (every case then).
    """
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


def _center_context(request, chosen: Center | None) -> dict:
    """Breadcrumbs (from the user's own center down to the chosen one) and the query that keeps the choice."""
    if chosen is None:
        return {"center": None, "breadcrumbs": [], "center_param": "", "center_query": ""}
    home = access.home_center(request.user)
    chain = [c for c in reversed(chosen.ancestors()) if home is None or c.is_within(home)]
    explicit = bool(request.GET.get("center"))
    return {
        "center": chosen,
        "breadcrumbs": [*chain, chosen] if chain else [],
        "center_param": chosen.slug if explicit else "",
        "center_query": f"&center={chosen.slug}" if explicit else "",
    }


def _department_for(user, slug: str) -> Department:
    """The department whose report ``user`` asks for: 404 if none, 403 for another department's liaison or another branch's."""
    department = get_object_or_404(Department.objects.select_related("center"), slug=slug)
    if not access.may_read_department(user, department):
        raise PermissionDenied
    return department


def _period_context(request, period: Period, errors: list[str], now) -> dict:
    this_month = month_period(timezone.localdate(now))
    return {
        "period": period,
        "period_errors": errors,
        "previous_month": period.previous_month(),
        "next_month": period.next_month(),
        "this_month": this_month,
        # The month has barely begun and last month is shown: say why, and offer this one.
        "month_just_begun": period == this_month.previous_month()
        and request.report_default_period != this_month,
        "working_day_threshold": CURRENT_MONTH_FROM_WORKING_DAY,
        "as_of": present.as_of(now),
        "min_sample": selectors.MIN_SAMPLE,
    }


def _last_chart_day(period: Period, now):
    return min(period.last, timezone.localdate(now))


@role_required(*REPORT_ROLES)
@require_GET
def dashboard(request):
    """The leaders' one-page picture of a period: figures, charts, ranking, urgent lists."""
    chosen = _report_center(request)
    now = timezone.now()
    period, errors = _period(request)
    thresholds = ReportThresholds.current()
    report = selectors.network_report(period.start, period.end, now, thresholds=thresholds, centers=chosen)
    figures, ranking = report["figures"], report["ranking"]
    weekly = selectors.weekly_intake(last_day=_last_chart_day(period, now), centers=chosen)
    breakdowns = selectors.breakdowns(period.start, period.end, centers=chosen)
    context = {
        **_period_context(request, period, errors, now),
        **_center_context(request, chosen),
        "figures": present.shown(figures),
        "children": present.child_rows(report["children"], period.query),
        "ranking": present.ranking_rows(ranking, period.query),
        "thresholds": thresholds,
        "charts": present.chart_data(
            weekly=weekly, breakdowns=breakdowns, ranking=ranking, thresholds=thresholds
        ),
        "red_cases": present.case_rows(selectors.red_open_cases(centers=chosen)[:LIST_LIMIT]),
        "leader_orders": present.order_rows(selectors.leader_orders(centers=chosen)[:LIST_LIMIT]),
        "problem_cases": present.case_rows(selectors.problem_cases(centers=chosen)[:LIST_LIMIT]),
        "overdue_cases": present.case_rows(selectors.overdue_cases(now=now, centers=chosen)[:LIST_LIMIT]),
        "definitions": selectors.DEFINITIONS,
        "now": now,
    }
    return render(request, "supervision/reports/dashboard.html", context, status=400 if errors else 200)


@role_required(*REPORT_ROLES)
@require_GET
def monthly(request):
    """The monthly report (月度通报) as a printable A4 page."""
    chosen = _report_center(request)
    now = timezone.now()
    period, errors = _period(request)
    thresholds = ReportThresholds.current()
    round_month = period.previous_month().first
    callback_round = selectors.callback_round(round_month, centers=chosen)
    notable = selectors.notable_cases(period.start, period.end, centers=chosen)
    report = selectors.network_report(period.start, period.end, now, thresholds=thresholds, centers=chosen)
    context = {
        **_period_context(request, period, errors, now),
        **_center_context(request, chosen),
        "figures": present.shown(report["figures"]),
        "children": present.child_rows(report["children"], period.query),
        "ranking": [present.shown(row) for row in report["ranking"]],
        "thresholds": thresholds,
        "round_month": round_month,
        "callback_round": present.shown(callback_round),
        "callbacks": list(selectors.round_callbacks(callback_round["round"], centers=chosen))
        if callback_round["round"]
        else [],
        "orders_by_reason": selectors.orders_by_reason(period.start, period.end, centers=chosen),
        "breakdowns": selectors.breakdowns(period.start, period.end, centers=chosen),
        "notable_cases": present.case_rows(notable[:NOTABLE_LIMIT]),
        "notable_total": notable.count(),
        "notable_limit": NOTABLE_LIMIT,
        "definitions": selectors.DEFINITIONS,
    }
    return render(request, "supervision/reports/monthly.html", context, status=400 if errors else 200)


@role_required(*DEPARTMENT_ROLES)
@require_GET
def department_report(request, slug: str):
    """One department's report: its figures, rank, charts, overdue cases and open orders."""
    department = _department_for(request.user, slug)
    now = timezone.now()
    period, errors = _period(request)
    thresholds = ReportThresholds.current()
    # Ranked among the departments of its own center, over that center's subtree.
    ranking = selectors.department_ranking(
        period.start, period.end, now, thresholds=thresholds, centers=department.center
    )
    # The department's row of the ranking holds exactly its figures (same counts, same scope).
    own = next((row for row in ranking if row["department_id"] == department.pk), None)
    figures = own or selectors.department_figures(department, period.start, period.end, now)
    weekly = selectors.weekly_intake(last_day=_last_chart_day(period, now), department=department)
    breakdowns = selectors.breakdowns(period.start, period.end, department=department)
    overdue = selectors.overdue_cases(now=now, department=department)
    context = {
        **_period_context(request, period, errors, now),
        "department": department,
        "figures": present.shown(figures),
        "standing": present.shown(own) if own else None,
        "ranked_total": sum(1 for row in ranking if row["rank"] is not None),
        "thresholds": thresholds,
        "charts": present.chart_data(
            weekly=weekly, breakdowns=breakdowns, ranking=None, thresholds=thresholds
        ),
        "overdue_cases": present.case_rows(overdue[:PAGE_SIZE]),
        "open_orders": present.order_rows(selectors.open_orders(department=department)[:PAGE_SIZE]),
        "red_cases": present.case_rows(selectors.red_open_cases(department=department)[:PAGE_SIZE]),
        "list_limit": PAGE_SIZE,
        "definitions": selectors.DEFINITIONS,
        "now": now,
    }
    return render(request, "supervision/reports/department.html", context, status=400 if errors else 200)


@role_required(*DEPARTMENT_ROLES)
@require_GET
def my_report(request):
    """Send a liaison to their department's report, everyone else to the dashboard."""
    if role_of(request.user) == Role.LIAISON:
        department = department_of(request.user)
        if department is None:
            raise PermissionDenied
        return redirect("supervision:reports_department", slug=department.slug)
    return redirect("supervision:reports_dashboard")


LISTS = {
    "red": (gettext_lazy("红色预警在办案件"), "cases"),
    "problem": (gettext_lazy("问题工单（在办）"), "cases"),
    "overdue": (gettext_lazy("当前超期案件"), "cases"),
    "leader-orders": (gettext_lazy("挂牌督办（在办）"), "orders"),
}


@role_required(*REPORT_ROLES)
@require_GET
def report_list(request, kind: str):
    """A dashboard list in full, 50 a page."""
    if kind not in LISTS:
        raise Http404
    chosen = _report_center(request)
    now = timezone.now()
    rows = {
        "red": lambda: selectors.red_open_cases(centers=chosen),
        "problem": lambda: selectors.problem_cases(centers=chosen),
        "overdue": lambda: selectors.overdue_cases(now=now, centers=chosen),
        "leader-orders": lambda: selectors.leader_orders(centers=chosen),
    }[kind]()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    title, what = LISTS[kind]
    page.object_list = (present.order_rows if what == "orders" else present.case_rows)(page.object_list)
    return render(
        request,
        "supervision/reports/list.html",
        {
            "title": title,
            "what": what,
            "page": page,
            "kind": kind,
            "now": now,
            **_center_context(request, chosen),
        },
    )


# --- Exports ------------------------------------------------------------------------------------


def _xlsx_response(period: Period, now, *, department=None, centers=None) -> FileResponse:
    # Write-only openpyxl writes the zip at save: build it in an anonymous temporary file
    # (gone when the response closes it) and stream that, never the whole file in memory.
    tmp = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (FileResponse closes it)
    workbook.write_report(tmp, period=period, now=now, department=department, centers=centers)
    tmp.seek(0)
    name = department.short_name if department else (centers.name if centers else _("综治中心"))
    filename = _("%(name)s督办报表-%(period)s.xlsx") % {"name": name, "period": _filename_period(period)}
    return FileResponse(
        tmp,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _csv_response(period: Period, *, department=None, centers=None) -> StreamingHttpResponse:
    name = department.short_name if department else (centers.name if centers else _("综治中心"))
    filename = _("%(name)s案件台账-%(period)s.csv") % {"name": name, "period": _filename_period(period)}
    response = StreamingHttpResponse(
        exports.ledger_csv(period, department=department, centers=centers),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _log_export(
    request, *, action: str, kind: str, fmt: str, period: Period, department=None, centers=None
) -> None:
    """Write the export's access log row: which report, which period and department, how many ledger rows."""
    access_log_record(
        action=action,
        request=request,
        obj=department,
        object_type="" if department else "report",
        object_repr=department.short_name if department else str(_("综治中心")),
        details={
            "kind": kind,
            "format": fmt,
            "period": {"first": period.first.isoformat(), "last": period.last.isoformat()},
            "department": department.slug if department else None,
            "center": centers.slug if centers else None,
            "ledger_rows": selectors.ledger_count(
                period.start, period.end, department=department, centers=centers
            ),
        },
    )


def _filename_period(period: Period) -> str:
    return period.month_param if period.is_month else f"{period.first:%Y%m%d}-{period.last:%Y%m%d}"


def _bad_period(errors: list[str]) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(" ".join(errors), content_type="text/plain; charset=utf-8")


@role_required(*REPORT_ROLES)
@require_GET
def report_xlsx(request):
    """The center's report for the period as xlsx: one sheet per table, the full ledger last."""
    chosen = _report_center(request)
    period, errors = _period(request)
    if errors:
        return _bad_period(errors)
    _log_export(
        request,
        action=AuditAction.EXPORT_REPORT,
        kind="center_report",
        fmt="xlsx",
        period=period,
        centers=chosen,
    )
    return _xlsx_response(period, timezone.now(), centers=chosen)


@role_required(*REPORT_ROLES)
@require_GET
def ledger_csv(request):
    """The case ledger (台账) of the period as a streamed CSV."""
    chosen = _report_center(request)
    period, errors = _period(request)
    if errors:
        return _bad_period(errors)
    _log_export(
        request, action=AuditAction.EXPORT_LEDGER, kind="ledger", fmt="csv", period=period, centers=chosen
    )
    return _csv_response(period, centers=chosen)


@role_required(*DEPARTMENT_ROLES)
@require_GET
def department_xlsx(request, slug: str):
    """One department's report as xlsx (its own sheets and ledger)."""
    department = _department_for(request.user, slug)
    period, errors = _period(request)
    if errors:
        return _bad_period(errors)
    _log_export(
        request,
        action=AuditAction.EXPORT_REPORT,
        kind="department_report",
        fmt="xlsx",
        period=period,
        department=department,
    )
    return _xlsx_response(period, timezone.now(), department=department)


@role_required(*DEPARTMENT_ROLES)
@require_GET
def department_csv(request, slug: str):
    """One department's case ledger as a streamed CSV."""
    department = _department_for(request.user, slug)
    period, errors = _period(request)
    if errors:
        return _bad_period(errors)
    _log_export(
        request,
        action=AuditAction.EXPORT_LEDGER,
        kind="ledger",
        fmt="csv",
        period=period,
        department=department,
    )
    return _csv_response(period, department=department)
