"""The coordinators' import of feed items (数据导入): upload, dry-run preview, confirm, error report.

Thin: the file is read by :mod:`risk.imports`, the items are checked and written by
:func:`risk.services.lead_ingest_batch` at the user's own center. Between the preview and the
confirmation the parsed rows wait in a private file that only this session's token and digest
open; the confirmation posts nothing but that token.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from departments.scope import center_of

from .. import imports
from ..forms import LeadImportForm
from ..models import Feed
from ..permissions import may_import_leads

SESSION_KEY = "risk_import"
PREVIEW_ROWS = 500


def _guard(request):
    if not may_import_leads(request.user) or center_of(request.user) is None:
        raise PermissionDenied


def _stored(request, token: str) -> dict:
    """Return this session's stored import named by ``token`` at the user's center, else 404."""
    held = request.session.get(SESSION_KEY) or {}
    if held.get("token") != token:
        raise Http404
    payload = imports.load(token, held.get("digest", ""))
    if payload is None or payload["center"] != center_of(request.user).pk:
        raise Http404
    return payload


@login_required
def lead_import(request):
    """Upload a file: it is checked in a dry run (nothing written) and shown for confirmation."""
    _guard(request)
    form = LeadImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        sheet = form.cleaned_data["sheet"]
        feed = form.cleaned_data["feed"]
        center = center_of(request.user)
        results = imports.run_import(
            feed=feed, center=center, rows=sheet.rows, actor=request.user, dry_run=True
        )
        payload = {
            "feed": feed,
            "center": center.pk,
            "name": form.cleaned_data["file"].name[:200],
            "headers": sheet.headers,
            "rows": sheet.rows,
            "results": results,
            "confirmed": False,
        }
        token, digest = imports.store(payload)
        imports.discard((request.session.get(SESSION_KEY) or {}).get("token"))
        request.session[SESSION_KEY] = {"token": token, "digest": digest}
        return redirect("risk:import_preview", token=token)
    return render(
        request,
        "risk/import.html",
        {"form": form, "headers": imports.TEMPLATE_HEADERS, "max_rows": imports.MAX_ROWS},
        status=400 if form.errors else 200,
    )


@login_required
def lead_import_preview(request, token: str):
    """What the import would do (or did, once confirmed): per row created / updated / rejected."""
    _guard(request)
    payload = _stored(request, token)
    results = payload["results"]
    return render(
        request,
        "risk/import_preview.html",
        {
            "token": token,
            "payload": payload,
            "feed_label": Feed(payload["feed"]).label,
            "counts": imports.summary(results),
            "results": results[:PREVIEW_ROWS],
            "truncated": len(results) > PREVIEW_ROWS,
            "preview_rows": PREVIEW_ROWS,
        },
    )


@login_required
@require_POST
def lead_import_confirm(request, token: str):
    """Write the previewed rows (once: a second confirmation shows the result again)."""
    _guard(request)
    payload = _stored(request, token)
    if not payload["confirmed"]:
        payload["results"] = imports.run_import(
            feed=payload["feed"],
            center=center_of(request.user),
            rows=payload["rows"],
            actor=request.user,
            dry_run=False,
        )
        payload["confirmed"] = True
        request.session[SESSION_KEY] = {"token": token, "digest": imports.replace(token, payload)}
        counts = imports.summary(payload["results"])
        messages.success(
            request,
            _("导入完成：新增 %(created)s 条，更新 %(updated)s 条，未导入 %(rejected)s 条。") % counts,
        )
    return redirect("risk:import_preview", token=token)


@login_required
def lead_import_errors(request, token: str):
    """Download the rejected rows with their errors (CSV)."""
    _guard(request)
    payload = _stored(request, token)
    response = StreamingHttpResponse(
        imports.error_lines(payload["headers"], payload["rows"], payload["results"]),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="import-errors.csv"'
    return response
