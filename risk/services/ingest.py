"""Taking in feed items (接入): one batch of up to 1,000 items, each created, updated or rejected.

The contract (the API, the CSV/xlsx import and the grid member's form all come through here):
an item is ``{"external_id", "occurred_at", "text", "category"?, "place"?, "township_code"?,
"people": [{"name", "phone", "id_number", "role"}]}``. An item is one lead per (feed, receiving
center, external id): sending it again updates that lead, never a second one. A bad item is
rejected with its field errors; it never rejects the good ones. The batch is written in a few
statements whatever its size (one read of the existing leads, one insert, one update, the people
replaced in bulk), then screened after the commit (:mod:`risk.tasks`).
"""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cases.models import Category
from common import pii
from common.fields import KIND_ID_NUMBER, KIND_PHONE, normalize
from common.validators import validate_id_number, validate_phone
from departments.models import Center, Level, Place

from ..models import FeedClient, Lead, LeadEvent, LeadPerson

MAX_BATCH = 1000
MAX_PEOPLE = 500
MAX_TEXT = 5000
FUTURE_SLACK = dt.timedelta(hours=1)  # clocks of feeding systems drift; a day ahead is a wrong date

CATEGORY_BY_LABEL = {str(label): value for value, label in Category.choices}
CATEGORY_VALUES = frozenset(Category.values)  # Category.values builds a list on every call


class ItemResult(dict):
    """``{"external_id", "result", "errors"?, "lead"?}`` for one item, in the batch's order."""


@dataclass
class CleanItem:
    external_id: str
    occurred_at: dt.datetime
    text: str
    category: str
    category_text: str
    place_text: str
    township: Center | None
    place: Place | None
    people: list[dict] = field(default_factory=list)
    raw: dict = field(default_factory=dict)
    digest: str = ""


@dataclass
class BatchOutcome:
    results: list[ItemResult]
    lead_ids: list[int]

    def count(self, result: str) -> int:
        return sum(1 for r in self.results if r["result"] == result)


class PlaceIndex:
    """The townships and places under a center, to resolve an item's township code and place text once per batch."""

    def __init__(self, center: Center):
        self.center = center
        self.townships = {
            c.code: c for c in Center.objects.filter(path__startswith=center.path, level=Level.TOWNSHIP)
        }
        places = list(Place.objects.filter(township__in=list(self.townships.values()) or [center.pk]))
        if center.level == Level.TOWNSHIP:
            self.townships[center.code] = center
            places = list(Place.objects.filter(township=center))
        # Longest names first: "白河村三组网格" before "白河村".
        self.places = sorted(places, key=lambda p: -len(p.name))
        self.township_names = sorted(self.townships.values(), key=lambda c: -len(c.name))

    def township_for(self, code: str) -> Center | None:
        return self.townships.get(code)

    def match(self, text: str, township: Center | None) -> tuple[Center | None, Place | None]:
        """Return the township and the most specific place the free text names (within the township if given)."""
        place = None
        if text:
            for candidate in self.places:
                if (
                    candidate.name
                    and candidate.name in text
                    and (township is None or candidate.township_id == township.pk)
                ):
                    place = candidate
                    break
        if township is None and place is not None:
            township = next((t for t in self.townships.values() if t.pk == place.township_id), None)
        if township is None and text:
            township = next((t for t in self.township_names if t.name and t.name in text), None)
        return township, place


def _text(item: dict, key: str, errors: dict, *, required=False, max_length=200) -> str:
    value = item.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str | int):
        errors[key] = [_("应为文本。")]
        return ""
    value = str(value).strip()
    if required and not value:
        errors[key] = [_("此项为必填。")]
    elif len(value) > max_length:
        errors[key] = [
            _("最多 %(n)s 个字符（当前 %(length)s 个）。") % {"n": max_length, "length": len(value)}
        ]
    return value


def _occurred_at(value, errors: dict, now: dt.datetime) -> dt.datetime | None:
    if not value or not isinstance(value, str):
        errors["occurred_at"] = [_("此项为必填，应为 ISO 8601 时间（如 2026-12-01T09:30:00+08:00）。")]
        return None
    try:
        parsed = parse_datetime(value.strip())
        if parsed is None:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value.strip()), dt.time())
    except ValueError:
        parsed = None
    if parsed is None:
        errors["occurred_at"] = [_("时间格式无效，应为 ISO 8601（如 2026-12-01T09:30:00+08:00）。")]
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)  # the center's time zone: Asia/Shanghai
    if parsed > now + FUTURE_SLACK:
        errors["occurred_at"] = [_("发生时间不能晚于当前时间。")]
        return None
    return parsed


def _people(value, errors: dict) -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        errors["people"] = [_("应为人员列表。")]
        return []
    if len(value) > MAX_PEOPLE:
        errors["people"] = [_("每条最多 %(n)s 名人员。") % {"n": MAX_PEOPLE}]
        return []
    people = []
    for i, person in enumerate(value):
        if not isinstance(person, dict):
            errors[f"people[{i}]"] = [_('应为对象：{"name", "phone", "id_number", "role"}。')]
            continue
        own: dict = {}
        name = _text(person, "name", own, max_length=50)
        phone = normalize(KIND_PHONE, _text(person, "phone", own, max_length=32))
        id_number = normalize(KIND_ID_NUMBER, _text(person, "id_number", own, max_length=18))
        role = _text(person, "role", own, max_length=50)
        for key, validator, v in (
            ("phone", validate_phone, phone),
            ("id_number", validate_id_number, id_number),
        ):
            if v and key not in own:
                try:
                    validator(v)
                except ValidationError as exc:
                    own[key] = list(exc.messages)
        if not (name or phone or id_number) and not own:
            own["name"] = [_("至少填写姓名、电话或身份证号之一。")]
        for key, messages in own.items():
            errors[f"people[{i}].{key}"] = messages
        if not own:
            people.append({"name": name, "phone": phone, "id_number": id_number, "role": role})
    return people


def clean_item(item, *, places: PlaceIndex, now: dt.datetime) -> tuple[CleanItem | None, dict]:
    """Return (the item cleaned, {}) or (None, field errors)."""
    if not isinstance(item, dict):
        return None, {"item": [_("应为对象。")]}
    errors: dict = {}
    external_id = _text(item, "external_id", errors, required=True, max_length=100)
    occurred_at = _occurred_at(item.get("occurred_at"), errors, now)
    text = _text(item, "text", errors, required=True, max_length=MAX_TEXT)
    category_text = _text(item, "category", errors, max_length=100)
    category = category_text if category_text in CATEGORY_VALUES else CATEGORY_BY_LABEL.get(category_text, "")
    place_text = _text(item, "place", errors, max_length=200)
    township_code = _text(item, "township_code", errors, max_length=20)
    township = None
    if township_code and "township_code" not in errors:
        if not (len(township_code) == 9 and township_code.isdigit()):
            errors["township_code"] = [_("乡镇（街道）代码应为 9 位数字。")]
        elif (township := places.township_for(township_code)) is None:
            errors["township_code"] = [
                _("乡镇（街道）代码 %(code)s 不在本中心辖区内。") % {"code": township_code}
            ]
    people = _people(item.get("people"), errors)
    if errors:
        return None, errors
    township, place = places.match(place_text, township)
    digest = hashlib.sha256(
        json.dumps(item, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()
    return CleanItem(
        external_id=external_id,
        occurred_at=occurred_at,
        text=text,
        category=category,
        category_text=category_text,
        place_text=place_text,
        township=township,
        place=place,
        people=people,
        raw=item,
        digest=digest,
    ), {}


CONTENT_FIELDS = [
    "occurred_at", "text", "category", "category_text", "place_text", "township", "place",
    "people_count", "raw", "digest", "client", "updated_at",
]  # fmt: skip


def _apply(lead: Lead, item: CleanItem, client: FeedClient | None, now: dt.datetime) -> None:
    lead.occurred_at = item.occurred_at
    lead.text = item.text
    lead.category = item.category
    lead.category_text = item.category_text
    lead.place_text = item.place_text
    lead.township = item.township
    lead.place = item.place
    lead.people_count = len(item.people)
    lead.raw = item.raw
    lead.digest = item.digest
    lead.client = client
    lead.updated_at = now


def _update_leads(leads: list[Lead], fields: list[str]) -> None:
    """Write ``fields`` of the changed leads in one statement.

    Django's ``bulk_update`` builds a ``CASE WHEN id = … THEN …`` per field and row: for 1,000
    leads that is seconds of Python. On PostgreSQL one ``UPDATE … FROM (VALUES …)`` does it.
    """
    if connection.vendor != "postgresql":
        Lead.objects.bulk_update(leads, fields, batch_size=500)
        return
    model_fields = [Lead._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    table = quote(Lead._meta.db_table)
    columns = [quote(f.column) for f in model_fields]
    row = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    params: list = []
    for lead in leads:
        params.append(lead.pk)
        params.extend(f.get_db_prep_save(getattr(lead, f.attname), connection) for f in model_fields)
    assignments = ", ".join(
        f"{column} = v.{column}::{f.db_type(connection)}"
        for column, f in zip(columns, model_fields, strict=True)
    )
    sql = (
        f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([row] * len(leads))}) "
        f"AS v(id, {', '.join(columns)}) WHERE {table}.id = v.id::bigint"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# Fields whose Python value COPY takes as it is (no encryption, no adaptation of our own).
_PLAIN_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.DateTimeField, models.DateField,
                 models.FloatField, models.BooleanField, models.ForeignKey)  # fmt: skip


def _db_value(field, value):
    if isinstance(field, models.JSONField):  # COPY takes the JSON text
        return None if value is None else json.dumps(value, cls=field.encoder, ensure_ascii=False)
    if type(field) in _PLAIN_TYPES:
        return value
    return field.get_db_prep_save(value, connection)  # the encrypted raw item


_PLAIN_TYPES: set[type] = set()


def _copy(model, columns: list[str], rows: list[tuple]) -> None:
    """Write ``rows`` (database values in ``columns`` order) with one COPY (PostgreSQL)."""
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _insert_leads(leads: list[Lead]) -> None:
    """Insert the new leads, setting their pks: one id allocation and one COPY on PostgreSQL.

    ``bulk_create`` spends most of a 1,000-item batch compiling its INSERT field by field; COPY
    takes the values as they are. Elsewhere (SQLite in tests) ``bulk_create`` does it.
    """
    if connection.vendor != "postgresql":
        Lead.objects.bulk_create(leads, batch_size=MAX_BATCH)
        return
    if not leads:
        return
    table = Lead._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(leads)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    fields = list(Lead._meta.concrete_fields)
    _PLAIN_TYPES.update(
        type(f) for f in fields if isinstance(f, _PLAIN_FIELDS) and type(f).__module__.startswith("django.")
    )
    for lead, pk in zip(leads, ids, strict=True):
        lead.pk = pk
        lead._state.adding = False
    _copy(
        Lead,
        [f.column for f in fields],
        [tuple(_db_value(f, f.pre_save(lead, True)) for f in fields) for lead in leads],
    )


def _insert_people(pairs: list[tuple[int, int, dict]]) -> None:
    """Insert the people (lead id, order, person) of the written leads."""
    if connection.vendor != "postgresql":
        LeadPerson.objects.bulk_create(
            [LeadPerson(lead_id=lead_id, order=n, **person) for lead_id, n, person in pairs], batch_size=1000
        )
        return
    if not pairs:
        return
    phone = LeadPerson._meta.get_field("phone")
    id_number = LeadPerson._meta.get_field("id_number")
    rows = [
        (
            lead_id,
            person["name"],
            pii.encrypt(person["phone"]),  # normalised by _people
            pii.blind_index(phone.kind, person["phone"]),
            pii.encrypt(person["id_number"]),
            pii.blind_index(id_number.kind, person["id_number"]),
            person["role"],
            n,
        )
        for lead_id, n, person in pairs
    ]
    _copy(
        LeadPerson,
        ["lead_id", "name", "phone", "phone_index", "id_number", "id_number_index", "role", "order"],
        rows,
    )


def _insert_events(events: list[tuple[int, str]], actor, now: dt.datetime) -> None:
    """Insert one event (lead id, action) per written lead."""
    actor_id = actor.pk if actor is not None else None
    if connection.vendor != "postgresql":
        LeadEvent.objects.bulk_create(
            [
                LeadEvent(lead_id=lead_id, action=a, actor_id=actor_id, created_at=now)
                for lead_id, a in events
            ],
            batch_size=1000,
        )
        return
    if events:
        _copy(
            LeadEvent,
            ["lead_id", "action", "actor_id", "note", "data", "created_at"],
            [(lead_id, a, actor_id, "", "{}", now) for lead_id, a in events],
        )


def lead_ingest_batch(
    *,
    feed: str,
    center: Center,
    items: list,
    actor=None,
    client: FeedClient | None = None,
    action: str = LeadEvent.Action.RECEIVED,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> BatchOutcome:
    """Take in one batch of a feed's items at ``center``: create, update or reject each, in order.

    ``dry_run`` checks and reports what would happen and writes nothing (the import's preview).
    The leads written are screened after the commit.
    """
    if len(items) > MAX_BATCH:
        raise ValidationError({"items": _("每批最多 %(n)s 条。") % {"n": MAX_BATCH}})
    now = now or timezone.now()
    places = PlaceIndex(center)
    cleaned: list[tuple[int, CleanItem]] = []
    results: list[ItemResult] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        clean, errors = clean_item(item, places=places, now=now)
        external_id = (
            clean.external_id if clean else (item.get("external_id") if isinstance(item, dict) else None)
        )
        if clean is not None and clean.external_id in seen:
            clean, errors = None, {"external_id": [_("同一批次中外部编号重复：以第一条为准。")]}
        if clean is None:
            results.append(ItemResult(external_id=external_id, result="rejected", errors=errors))
            continue
        seen.add(clean.external_id)
        results.append(ItemResult(external_id=clean.external_id, result=""))
        cleaned.append((i, clean))

    existing = {
        lead.external_id: lead
        for lead in Lead.objects.filter(
            feed=feed, received_center=center, external_id__in=[c.external_id for _i, c in cleaned]
        )
    }
    for i, clean in cleaned:
        results[i]["result"] = "updated" if clean.external_id in existing else "created"
    if dry_run:
        return BatchOutcome(results=results, lead_ids=[])

    with transaction.atomic():
        new_leads, changed, unchanged = [], [], []
        for i, clean in cleaned:
            lead = existing.get(clean.external_id)
            if lead is None:
                lead = Lead(feed=feed, center=center, received_center=center, external_id=clean.external_id)
                _apply(lead, clean, client, now)
                lead.created_at = now
                new_leads.append((i, clean, lead))
            elif lead.digest != clean.digest:
                _apply(lead, clean, client, now)
                lead.version += 1
                changed.append((i, clean, lead))
            else:
                unchanged.append((i, clean, lead))
        _insert_leads([lead for _i, _c, lead in new_leads])
        if changed:
            _update_leads([lead for _i, _c, lead in changed], [*CONTENT_FIELDS, "version"])
            LeadPerson.objects.filter(lead__in=[lead.pk for _i, _c, lead in changed]).delete()
        _insert_people(
            [
                (lead.pk, n, person)
                for _i, clean, lead in [*new_leads, *changed]
                for n, person in enumerate(clean.people)
            ]
        )
        _insert_events(
            [(lead.pk, action) for _i, _c, lead in new_leads]
            + [(lead.pk, LeadEvent.Action.UPDATED) for _i, _c, lead in changed],
            actor,
            now,
        )
        for i, _c, lead in [*new_leads, *changed, *unchanged]:
            results[i]["lead"] = lead.pk
        written = [lead.pk for _i, _c, lead in [*new_leads, *changed]]
        if written:
            from common.tasks import enqueue_on_commit

            from ..tasks import screen_leads_task

            enqueue_on_commit(screen_leads_task, written)
    return BatchOutcome(results=results, lead_ids=written)
