"""Refuse requests that carry a NUL character before any view reads them; answer 503 while the
database is unavailable.

PostgreSQL cannot store U+0000 in text (the query fails, a 500), SQLite keeps it silently, and
no person types one: a NUL in the path, the query string or a urlencoded form is a 400 — in the
API's error shape under ``/api/``, the 400 page elsewhere. Multipart bodies are left to their
forms and serializers (whose text fields refuse NUL), so uploads are not parsed twice.
"""

import logging
from contextlib import suppress

import psycopg
from django.core.exceptions import SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from psycopg_pool import PoolTimeout

NUL = "\x00"
API_PREFIX = "/api/"


def _nul_fields(query) -> list[str]:
    """Return the names of the parameters whose name or any value contains NUL."""
    return [
        key.replace(NUL, "\\0")[:100]
        for key, values in query.lists()
        if NUL in key or any(NUL in value for value in values)
    ]


class RejectNulBytesMiddleware:
    """Answer 400 to a NUL in the path, the query string or a urlencoded body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        fields = []
        if NUL in request.path_info:
            fields.append("path")
        fields += _nul_fields(request.GET)
        if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
            # Too big or too many fields: the view answers that in its own way (413, 400).
            with suppress(SuspiciousOperation):
                fields += _nul_fields(request.POST)
        if fields:
            return self.refuse(request, fields)
        return self.get_response(request)

    def refuse(self, request, fields: list[str]):
        message = _("请求中含有不允许的空字符（U+0000）。")
        if request.path_info.startswith(API_PREFIX):
            body = {
                "error": {"code": "invalid", "message": message, "fields": {f: [message] for f in fields}}
            }
            return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
        # The page must not echo the path back: its language switch links to the current one.
        request.path = request.path_info = request.path.replace(NUL, "")
        request.META["QUERY_STRING"] = ""
        return render(request, "400.html", {"message": message}, status=400)


# --- The database is unavailable ---------------------------------------------------------------

# What a request meets while PostgreSQL restarts or is unreachable: a connection that died under
# it (OperationalError, InterfaceError) or no connection from the pool in time (PoolTimeout, a
# psycopg OperationalError that Django's wrapper does not always see). psycopg's own classes
# too: an error raised outside Django's wrapper (returning a connection to the pool, say).
DATABASE_UNAVAILABLE = (
    OperationalError,
    InterfaceError,
    PoolTimeout,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)


def is_database_unavailable(error: BaseException | None) -> bool:
    """Return whether ``error``, or an error it was raised from or while handling, is the database gone."""
    seen = 0
    while error is not None and seen < 8:  # a short chain: cause or context, a few levels deep
        if isinstance(error, DATABASE_UNAVAILABLE):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


# Seconds a client is asked to wait: about the time PostgreSQL takes to restart.
RETRY_AFTER_SECONDS = 10

logger = logging.getLogger("zongzhi.database")


def database_unavailable_response(request):
    """Return the 503 a client gets while the database cannot answer: JSON under /api/, a page elsewhere."""
    message = _("系统暂时无法访问数据库，请稍后再试。")
    if request.path_info.startswith(API_PREFIX):
        body = {"error": {"code": "unavailable", "message": message, "fields": {}}}
        response = JsonResponse(body, status=503, json_dumps_params={"ensure_ascii": False})
    else:
        # Rendered without the request: the context processors would query the database again.
        html = render_to_string("503.html", {"message": message, "retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After, not a 500, when a view (page or API) finds the database unavailable.

    Errors raised outside views (a session saved after the view) reach ``common.views.server_error``,
    the 500 handler, which gives the same answer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_unavailable(exception):
            return None
        logger.error(
            "database unavailable: %s %s: %s",
            request.method,
            request.path_info,
            exception.__class__.__name__,
            exc_info=exception,
        )
        return database_unavailable_response(request)
