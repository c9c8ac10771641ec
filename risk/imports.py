"""The coordinators' CSV/xlsx import of feed items: read a sheet into the ingestion contract's items.

One row is one item. Headers, English or Chinese (either works, in any order; unknown columns
are ignored)::

    external_id / 外部编号      occurred_at / 发生时间     text / 内容
    category / 类别             place / 地点              township_code / 乡镇代码
    person1_name / 姓名1        person1_phone / 电话1      person1_id_number / 身份证号1
    person1_role / 身份1        … up to person3_… / 姓名3 … (姓名, 电话, 身份证号, 身份 = person 1)

The file is read here (bad files raise :class:`ImportFileError` with a message for the form);
the items are written by :func:`risk.services.lead_ingest_batch` in batches of 1,000, so the
rows are checked exactly as the API's items are. The parsed rows wait between the preview and
the confirmation in a private temporary file named by a random token that only the uploader's
session holds, with its digest: nothing the browser sends back is trusted.
"""

import csv
import datetime as dt
import hashlib
import io
import json
import secrets
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from common.spreadsheets import CsvLines

from .models import LeadEvent
from .services import MAX_BATCH, lead_ingest_batch

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
MAX_PEOPLE = 3
PERSON_FIELDS = ("name", "phone", "id_number", "role")
PERSON_HEADERS = {"name": "姓名", "phone": "电话", "id_number": "身份证号", "role": "身份"}
ITEM_HEADERS = {
    "external_id": "外部编号",
    "occurred_at": "发生时间",
    "text": "内容",
    "category": "类别",
    "place": "地点",
    "township_code": "乡镇代码",
}
REQUIRED = ("external_id", "occurred_at", "text")


def _header_names() -> dict[str, str]:
    """Return {header as written, lower-cased: canonical column}."""
    names = {}
    for key, chinese in ITEM_HEADERS.items():
        names[key] = names[chinese] = key
    for n in range(1, MAX_PEOPLE + 1):
        for field, chinese in PERSON_HEADERS.items():
            column = f"person{n}_{field}"
            names[column] = names[f"{chinese}{n}"] = column
            if n == 1:
                names[chinese] = column
    return names


HEADER_NAMES = _header_names()
TEMPLATE_HEADERS = [
    *ITEM_HEADERS.values(),
    *(f"{chinese}{n}" for n in range(1, MAX_PEOPLE + 1) for chinese in PERSON_HEADERS.values()),
]


class ImportFileError(ValueError):
    """The file cannot be read as an import (its message is shown on the form)."""


@dataclass
class ParsedSheet:
    headers: list[str]  # as written in the file
    rows: list[dict]  # {"row": n, "cells": [...], "item": {...}}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number or code the spreadsheet took for a number
    return str(value).strip()


def _csv_rows(data: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(_("无法识别文件编码，请另存为 UTF-8 编码的 CSV。"))
    if "\x00" in text:
        raise ImportFileError(_("文件内容不是有效的 CSV 文本。"))
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ImportFileError(_("CSV 格式有误：%(error)s") % {"error": exc}) from None


def _xlsx_rows(data: bytes):
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                break
        book.close()
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, IndexError, OSError) as exc:
        raise ImportFileError(_("无法读取 xlsx 文件：%(error)s") % {"error": str(exc)[:200]}) from None
    return rows


def parse_upload(name: str, data: bytes) -> ParsedSheet:
    """Read an uploaded CSV or xlsx into rows with their items; ImportFileError if it cannot be read."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(_("文件过大：最大 %(mb)s MB。") % {"mb": MAX_FILE_BYTES // (1024 * 1024)})
    lower = name.lower()
    if lower.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        raw_rows = _xlsx_rows(data)
    elif lower.endswith((".csv", ".txt")):
        raw_rows = _csv_rows(data)
    else:
        raise ImportFileError(_("只支持 CSV 或 xlsx 文件。"))
    rows = [[_cell(v) for v in row] for row in raw_rows]
    start = next((i for i, row in enumerate(rows) if any(row)), None)
    if start is None:
        raise ImportFileError(_("文件是空的。"))
    headers = rows[start]
    columns = [HEADER_NAMES.get(h.strip().lower()) for h in headers]
    missing = [ITEM_HEADERS[key] for key in REQUIRED if key not in columns]
    if missing:
        raise ImportFileError(
            _("缺少必需的列：%(columns)s。第一行应为表头，如：%(example)s。")
            % {"columns": "、".join(missing), "example": "、".join(TEMPLATE_HEADERS[:6])}
        )
    parsed = []
    for offset, cells in enumerate(rows[start + 1 :], start=start + 2):
        if not any(cells):
            continue
        if len(parsed) >= MAX_ROWS:
            raise ImportFileError(_("行数过多：每次最多导入 %(n)s 行。") % {"n": MAX_ROWS})
        parsed.append({"row": offset, "cells": cells, "item": _item(columns, cells)})
    if not parsed:
        raise ImportFileError(_("文件中没有数据行。"))
    return ParsedSheet(headers=headers, rows=parsed)


def _item(columns: list[str | None], cells: list[str]) -> dict:
    values: dict[str, str] = {}
    for column, value in zip(columns, cells, strict=False):
        if column and value and column not in values:
            values[column] = value
    item = {key: values.get(key, "") for key in ITEM_HEADERS}
    people = []
    for n in range(1, MAX_PEOPLE + 1):
        person = {field: values.get(f"person{n}_{field}", "") for field in PERSON_FIELDS}
        if any(person.values()):
            people.append(person)
    item["people"] = people
    return item


def run_import(*, feed: str, center, rows: list[dict], actor, dry_run: bool) -> list[dict]:
    """Take in the rows in batches of 1,000 (or check them only); return each row's result with its number."""
    results = []
    for start in range(0, len(rows), MAX_BATCH):
        chunk = rows[start : start + MAX_BATCH]
        outcome = lead_ingest_batch(
            feed=feed,
            center=center,
            items=[row["item"] for row in chunk],
            actor=actor,
            action=LeadEvent.Action.IMPORTED,
            dry_run=dry_run,
        )
        for row, result in zip(chunk, outcome.results, strict=True):
            results.append({"row": row["row"], **result})
    return results


def summary(results: list[dict]) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "rejected": 0}
    for result in results:
        counts[result["result"]] += 1
    return counts


def error_lines(sheet_headers: list[str], rows: list[dict], results: list[dict]):
    """Yield the CSV lines of the error report: the rejected rows as uploaded, with their row and errors."""
    writer = CsvLines()
    yield "\ufeff"  # Excel opens UTF-8 CSV with a BOM as UTF-8
    yield writer.writerow([_("行号"), _("错误"), *sheet_headers])
    by_row = {row["row"]: row for row in rows}
    for result in results:
        if result["result"] != "rejected":
            continue
        errors = "；".join(
            f"{field}: {' '.join(messages)}" for field, messages in (result.get("errors") or {}).items()
        )
        yield writer.writerow([result["row"], errors, *by_row[result["row"]]["cells"]])


# --- The rows between the preview and the confirmation ---------------------------------------------


def _store_dir() -> Path:
    path = Path(tempfile.gettempdir()) / "zongzhi-risk-imports"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


STALE_AFTER_SECONDS = 24 * 3600


def discard(token: str | None) -> None:
    """Remove a stored import (the session moved on to another file)."""
    if token and all(ch.isalnum() or ch in "-_" for ch in token):
        (_store_dir() / f"{token}.json").unlink(missing_ok=True)


def _sweep(now: float) -> None:
    """Remove stored imports nobody confirmed within a day."""
    for path in _store_dir().glob("*.json"):
        try:
            if now - path.stat().st_mtime > STALE_AFTER_SECONDS:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def store(payload: dict) -> tuple[str, str]:
    """Keep the parsed import in a private temporary file; return (token, digest) for the session."""
    _sweep(time.time())
    token = secrets.token_urlsafe(24)
    data = json.dumps(payload, ensure_ascii=False).encode()
    (_store_dir() / f"{token}.json").write_bytes(data)
    return token, hashlib.sha256(data).hexdigest()


def load(token: str, digest: str) -> dict | None:
    """Return the stored import if the token names one and its content is unchanged, else None."""
    if not token or not all(ch.isalnum() or ch in "-_" for ch in token):
        return None
    path = _store_dir() / f"{token}.json"
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not secrets.compare_digest(hashlib.sha256(data).hexdigest(), digest or ""):
        return None
    return json.loads(data)


def replace(token: str, payload: dict) -> str:
    """Rewrite the stored import (its results after the confirmation); return the new digest."""
    data = json.dumps(payload, ensure_ascii=False).encode()
    (_store_dir() / f"{token}.json").write_bytes(data)
    return hashlib.sha256(data).hexdigest()
