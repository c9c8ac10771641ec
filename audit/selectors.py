"""Reads of the access log: the admin's list and the CSV export."""

from collections.abc import Iterable, Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from common.spreadsheets import safe_row

from .models import AccessLogEntry


def access_log_list():
    """Return every row, newest first, with what the list shows."""
    return AccessLogEntry.objects.order_by("-created_at", "-id")


def access_log_csv_header() -> list:
    return safe_row(
        [
            _("时间"),
            _("操作人账号"),
            _("操作"),
            _("案件编号"),
            _("涉及账号"),
            _("对象类型"),
            _("对象编号"),
            _("对象"),
            _("事由"),
            _("客户端地址"),
            _("详情"),
        ]
    )


def access_log_csv_rows(entries: Iterable[AccessLogEntry]) -> Iterator[list]:
    """Yield one CSV row per entry, every cell through ``safe_row``."""
    import json

    for entry in entries:
        yield safe_row(
            [
                timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                entry.actor_name,
                entry.get_action_display(),
                entry.case_code,
                entry.target_user_id or "",
                entry.object_type,
                entry.object_id,
                entry.object_repr,
                entry.reason,
                entry.client_address,
                json.dumps(entry.details, ensure_ascii=False, sort_keys=True) if entry.details else "",
            ]
        )
