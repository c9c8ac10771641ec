"""Refuse requests that carry a NUL character before any view reads them.

PostgreSQL cannot store U+0000 in text (the query fails, a 500), SQLite keeps it silently, and
no person types one: a NUL in the path, the query string or a urlencoded form is a 400 — in the
API's error shape under ``/api/``, the 400 page elsewhere. Multipart bodies are left to their
forms and serializers (whose text fields refuse NUL), so uploads are not parsed twice.
"""

from contextlib import suppress

from django.core.exceptions import SuspiciousOperation
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

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
