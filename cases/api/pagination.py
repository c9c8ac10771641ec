"""Keyset (cursor) pagination on a unique ordering: pages never skip or repeat rows.

DRF's CursorPagination keeps only the first ordering field in its cursor and steps over ties
with an offset; here the cursor holds the last row's value for every ordering field, and the
ordering always ends with ``id``, so the position is exact however many rows share a time.
"""

import base64
import json
from collections import OrderedDict

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from common.parsing import ParseError, parse_positive_int


def _invalid(param: str, message) -> serializers.ValidationError:
    return serializers.ValidationError({param: [message]})


class KeysetPagination(BasePagination):
    page_size = 50
    max_page_size = 100
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    ordering_query_param = "ordering"
    default_ordering: tuple[str, ...] = ("-created_at", "-id")
    # Client-selectable fields: non-null ones only, so a keyset comparison is always defined.
    ordering_fields: tuple[str, ...] = ()

    # --- parameters -------------------------------------------------------------------------

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            return parse_positive_int(raw, maximum=self.max_page_size)
        except ParseError:
            raise _invalid(
                self.page_size_query_param,
                _("每页条数应为 1 到 %(max)s 之间的整数。") % {"max": self.max_page_size},
            ) from None

    def get_ordering(self, request) -> list[str]:
        raw = request.query_params.get(self.ordering_query_param) if self.ordering_fields else None
        if not raw:
            return list(self.default_ordering)
        ordering: list[str] = []
        for part in (p.strip() for p in raw.split(",")):
            if (part[1:] if part.startswith("-") else part) not in (*self.ordering_fields, "id"):
                raise _invalid(
                    self.ordering_query_param,
                    _("不支持的排序字段“%(field)s”；可用：%(fields)s。")
                    % {"field": part[:40], "fields": ", ".join(self.ordering_fields)},
                )
            if part.lstrip("-") not in (o.lstrip("-") for o in ordering):
                ordering.append(part)
        # The unique tiebreaker, in the direction of the last field the client named.
        ordering = [o for o in ordering if o.lstrip("-") != "id"] or ordering
        if ordering[-1].lstrip("-") != "id":
            ordering.append("-id" if ordering[-1].startswith("-") else "id")
        return ordering

    # --- cursors ----------------------------------------------------------------------------

    def _encode(self, values: list, reverse: bool) -> str:
        raw = json.dumps({"v": values, "r": int(reverse)}, separators=(",", ":"), default=str)
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def _decode(self, request, ordering: list[str], model) -> tuple[list, bool] | None:
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode())
            values, reverse = data["v"], bool(data["r"])
            if not isinstance(values, list) or len(values) != len(ordering):
                raise ValueError
            values = [
                model._meta.get_field(name.lstrip("-")).to_python(value)
                for name, value in zip(ordering, values, strict=True)
            ]
            if any(v is None for v in values):
                raise ValueError
        except (ValueError, TypeError, KeyError, AttributeError, DjangoValidationError, UnicodeDecodeError):
            raise _invalid(self.cursor_query_param, _("无效的翻页游标。")) from None
        return values, reverse

    @staticmethod
    def _after(ordering: list[str], values: list) -> Q:
        """Rows strictly after ``values`` in ``ordering``: (a > x) or (a = x and b > y) or …"""
        condition = Q(pk__in=[])
        for i, field in enumerate(ordering):
            name = field.lstrip("-")
            step = Q(**{f"{name}__{'lt' if field.startswith('-') else 'gt'}": values[i]})
            for previous, value in zip(ordering[:i], values[:i], strict=True):
                step &= Q(**{previous.lstrip("-"): value})
            condition |= step
        return condition

    # --- DRF interface ----------------------------------------------------------------------

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request)
        size = self.get_page_size(request)
        cursor = self._decode(request, self.ordering, queryset.model)
        reverse = bool(cursor and cursor[1])
        order = [o[1:] if o.startswith("-") else f"-{o}" for o in self.ordering] if reverse else self.ordering
        queryset = queryset.order_by(*order)
        if cursor is not None:
            queryset = queryset.filter(self._after(order, cursor[0]))
        rows = list(queryset[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if reverse:
            rows.reverse()
        self.has_next = True if reverse else more
        self.has_previous = more if reverse else cursor is not None
        self.rows = rows
        return rows

    def _values(self, row) -> list:
        values = []
        for field in self.ordering:
            value = getattr(row, field.lstrip("-"))
            values.append(value.isoformat() if hasattr(value, "isoformat") else value)
        return values

    def _link(self, row, reverse: bool) -> str:
        return replace_query_param(
            self.base_url, self.cursor_query_param, self._encode(self._values(row), reverse)
        )

    def get_next_link(self):
        if not self.has_next or not self.rows:
            return None
        return self._link(self.rows[-1], reverse=False)

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if not self.rows:
            return remove_query_param(self.base_url, self.cursor_query_param)
        return self._link(self.rows[0], reverse=True)

    def get_paginated_response(self, data):
        return Response(
            OrderedDict(
                [("next", self.get_next_link()), ("previous", self.get_previous_link()), ("results", data)]
            )
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        parameters = [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "翻页游标：取自上一页的 next 或 previous 链接。",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"每页条数（默认 {self.page_size}，最多 {self.max_page_size}）。",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
        if self.ordering_fields:
            choices = [f"{sign}{f}" for f in (*self.ordering_fields, "id") for sign in ("", "-")]
            parameters.append(
                {
                    "name": self.ordering_query_param,
                    "required": False,
                    "in": "query",
                    "description": (
                        "排序字段，逗号分隔，前缀 - 为倒序；最后总以 id 作唯一次序。默认 "
                        + ",".join(self.default_ordering)
                    ),
                    "schema": {"type": "array", "items": {"type": "string", "enum": choices}},
                    "style": "form",
                    "explode": False,
                }
            )
        return parameters


class CasePagination(KeysetPagination):
    ordering_fields = ("created_at", "updated_at", "code")


class LogPagination(KeysetPagination):
    """Events and records: oldest first, 100 a page."""

    page_size = 100
    max_page_size = 200
    default_ordering = ("created_at", "id")
