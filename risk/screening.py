"""Screening (筛查): the rules (data, :class:`risk.models.ScreeningRule`) turned into a score, a colour and reasons.

``screen_leads(ids)`` scores leads in batches of 1,000: each rule kind looks at the whole batch
in a few queries (never one per lead), the matched rules' weights add up to the score, the colour
thresholds (:class:`risk.models.ColourThreshold`) turn it into a proposed colour, and each match
leaves its explanation (the rule's template, filled in) in ``Lead.reasons``. Run after every
batch is taken in, when a rule changes and nightly (:mod:`risk.tasks`).

One small function per rule kind, in :data:`RULE_KINDS`; what they share for a batch (its people,
where else those people appear, their cases, its places' daily counts) is loaded once by
:class:`Batch`. A rule whose params are invalid (typed in a shell, say) is skipped and logged,
never a crash; the admin refuses them (:func:`params_errors`).

People are matched only through blind indexes (``id_number_index``, else ``phone_index``): the
same person is the same ID number, else, when no ID number was given, the same phone.
"""

import datetime as dt
import json
import logging
from collections import defaultdict
from functools import cached_property
from typing import NamedTuple

from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Party, RiskColour
from cases.models.choices import OPEN_STATES as CASE_OPEN_STATES
from common.fields import mask_name
from departments.models import Center, Place

from .models import ColourThreshold, Feed, Lead, LeadPerson, ScreeningRule
from .text import add_words, find_phrases

logger = logging.getLogger(__name__)

BATCH = 1000
MAX_CASES_SHOWN = 3
MAX_DAYS = 3650
DEFAULT_THRESHOLDS = {RiskColour.RED: 60, RiskColour.YELLOW: 30}
FEED_ORDER = {value: i for i, value in enumerate(Feed.values)}
LEAD_FIELDS = ("id", "feed", "occurred_at", "text", "people_count", "place_id", "township_id", "case_id")

Kind = ScreeningRule.Kind


def colour_for(score: int, thresholds: dict[str, int] | None = None) -> str:
    """Return the colour a score proposes: red, yellow, else blue."""
    if thresholds is None:
        thresholds = load_thresholds()
    if score >= thresholds.get(RiskColour.RED, DEFAULT_THRESHOLDS[RiskColour.RED]):
        return RiskColour.RED
    if score >= thresholds.get(RiskColour.YELLOW, DEFAULT_THRESHOLDS[RiskColour.YELLOW]):
        return RiskColour.YELLOW
    return RiskColour.BLUE


def load_thresholds() -> dict[str, int]:
    """Return {colour: min score} as configured (the defaults when none is)."""
    return dict(ColourThreshold.objects.values_list("colour", "min_score")) or dict(DEFAULT_THRESHOLDS)


# --- params: what each kind takes -----------------------------------------------------------

# kind → {key: (type, required, minimum)}
PARAMS: dict[str, dict[str, tuple[type, bool, float | None]]] = {
    Kind.SAME_PERSON: {
        "window_days": (int, True, 1),
        "min_feeds": (int, False, 2),
        "min_hits": (int, False, 2),
    },
    Kind.CASE_LINK: {"closed_within_days": (int, True, 0)},
    Kind.KEYWORDS: {"words": (list, True, None)},
    Kind.MANY_PEOPLE: {"min_people": (int, True, 1)},
    Kind.RISING_PLACE: {
        "window_days": (int, True, 1),
        "baseline_days": (int, True, 1),
        "ratio": (float, True, 0),
        "min_count": (int, True, 1),
    },
}


def _type_ok(value, wanted: type) -> bool:
    if isinstance(value, bool):
        return False
    if wanted is float:
        return isinstance(value, int | float)
    return isinstance(value, wanted)


def params_errors(kind: str, params) -> list[str]:
    """Return what is wrong with a rule's params for its kind (Chinese messages), [] when they are right."""
    spec = PARAMS.get(kind)
    if spec is None:
        return [_("未知的规则类型：%(kind)s。") % {"kind": kind}]
    if not isinstance(params, dict):
        return [_("参数应为 JSON 对象，如 %(example)s。") % {"example": example_params(kind)}]
    errors = []
    unknown = sorted(set(params) - set(spec))
    if unknown:
        errors.append(
            _("不认识的参数：%(keys)s；此类型可用的参数：%(allowed)s。")
            % {"keys": "、".join(unknown), "allowed": "、".join(spec)}
        )
    for key, (wanted, required, minimum) in spec.items():
        if key not in params or params[key] is None:
            if required:
                errors.append(_("缺少参数 %(key)s。") % {"key": key})
            continue
        value = params[key]
        if not _type_ok(value, wanted):
            label = {int: _("整数"), float: _("数字"), list: _("词语列表")}[wanted]
            errors.append(_("参数 %(key)s 应为%(type)s。") % {"key": key, "type": label})
        elif wanted is float and value <= 0:
            errors.append(_("参数 %(key)s 应大于 0。") % {"key": key})
        elif minimum is not None and value < minimum:
            errors.append(_("参数 %(key)s 应不小于 %(min)s。") % {"key": key, "min": minimum})
        elif key.endswith("_days") and value > MAX_DAYS:
            errors.append(_("参数 %(key)s 最多 %(max)s 天。") % {"key": key, "max": MAX_DAYS})
    if errors:
        return errors
    if kind == Kind.SAME_PERSON:
        if "min_feeds" not in params and "min_hits" not in params:
            errors.append(_("至少填写 min_feeds（渠道数）或 min_hits（出现次数）之一。"))
        if params.get("min_feeds", 0) > len(Feed.values):
            errors.append(_("参数 min_feeds 不能超过渠道总数 %(n)s。") % {"n": len(Feed.values)})
    elif kind == Kind.KEYWORDS:
        words = params["words"]
        if not words or not all(isinstance(w, str) and w.strip() and len(w) <= 50 for w in words):
            errors.append(_("参数 words 应为非空的词语列表，每个词 1–50 字。"))
    elif kind == Kind.RISING_PLACE and params["baseline_days"] < params["window_days"]:
        errors.append(_("参数 baseline_days 应不小于 window_days。"))
    return errors


def example_params(kind: str) -> str:
    """Return an example of a kind's params, for help texts and errors."""
    examples = {
        Kind.SAME_PERSON: '{"window_days": 30, "min_feeds": 2}',
        Kind.CASE_LINK: '{"closed_within_days": 90}',
        Kind.KEYWORDS: '{"words": ["讨薪", "欠薪"]}',
        Kind.MANY_PEOPLE: '{"min_people": 5}',
        Kind.RISING_PLACE: '{"window_days": 7, "baseline_days": 56, "ratio": 2.0, "min_count": 3}',
    }
    return examples.get(kind, "{}")


def load_rules() -> list[ScreeningRule]:
    """Return the active rules with valid params, in order; put keyword rules' words into the tokenizer."""
    rules = []
    for rule in ScreeningRule.objects.filter(is_active=True).order_by("order", "id"):
        errors = params_errors(rule.kind, rule.params)
        if errors:
            logger.warning("Screening rule %s (%s) skipped: %s", rule.pk, rule.name, "; ".join(errors))
            continue
        rules.append(rule)
    add_words(word for rule in rules if rule.kind == Kind.KEYWORDS for word in rule.params["words"])
    return rules


# --- explanations -------------------------------------------------------------------------------


class _Blanks(dict):
    """A placeholder nobody filled stays as typed: ``{place}`` shows ``{place}``."""

    def __missing__(self, key):
        return "{" + key + "}"


def fill(template: str, context: dict) -> str:
    """Fill an explanation template; a template an administrator mistyped never raises."""
    try:
        return template.format_map(_Blanks(context))
    except (ValueError, IndexError, KeyError, AttributeError, TypeError):
        text = template
        for key, value in context.items():
            text = text.replace("{" + key + "}", str(value))
        return text


def template_errors(template: str) -> list[str]:
    """Return why a template cannot be filled (unbalanced braces, positional fields), [] when it can."""
    try:
        template.format_map(_Blanks())
    except (ValueError, IndexError, KeyError, AttributeError, TypeError):
        return [
            _(
                "解释中的花括号不成对或占位符无效；可用 {count}、{words}、{feeds}、{cases}、{place}、{people}、{days}。"
            )
        ]
    return []


# --- the batch and what rules share ---------------------------------------------------------


class Person(NamedTuple):
    lead_id: int
    name: str
    key: tuple[str, str]  # ("id", id_number_index) or ("phone", phone_index)


def _place_key(lead: Lead) -> tuple[str, int] | None:
    if lead.place_id:
        return ("place", lead.place_id)
    if lead.township_id:
        return ("township", lead.township_id)
    return None


def _days(rules: list[ScreeningRule], kind: str, key: str) -> int:
    return max((rule.params[key] for rule in rules if rule.kind == kind), default=0)


class Batch:
    """Up to 1,000 leads and what the rules read about them, each loaded once, lazily."""

    def __init__(self, leads: list[Lead], rules: list[ScreeningRule], now: dt.datetime):
        self.leads = leads
        self.rules = rules
        self.now = now
        self.ids = [lead.pk for lead in leads]

    @cached_property
    def feed_labels(self) -> dict[str, str]:
        return {value: str(label) for value, label in Feed.choices}

    @cached_property
    def people(self) -> dict[int, list[Person]]:
        """The batch's people who can be matched (an ID number's index, else a phone's), per lead."""
        people = defaultdict(list)
        rows = (
            LeadPerson.objects.filter(lead_id__in=self.ids)
            .order_by("lead_id", "order", "id")
            .values_list("lead_id", "name", "id_number_index", "phone_index")
        )
        for lead_id, name, id_index, phone_index in rows:
            if id_index:
                people[lead_id].append(Person(lead_id, name, ("id", id_index)))
            elif phone_index:
                people[lead_id].append(Person(lead_id, name, ("phone", phone_index)))
        return people

    def _keys(self) -> tuple[set[str], set[str]]:
        keys = {person.key for persons in self.people.values() for person in persons}
        return {v for k, v in keys if k == "id"}, {v for k, v in keys if k == "phone"}

    @staticmethod
    def _matched(keys, id_index: str, phone_index: str) -> list[tuple[str, str]]:
        ids, phones = keys
        found = []
        if id_index and id_index in ids:
            found.append(("id", id_index))
        if phone_index and phone_index in phones:
            found.append(("phone", phone_index))
        return found

    @cached_property
    def appearances(self) -> dict[tuple[str, str], dict[int, tuple[str, dt.datetime]]]:
        """Every lead (this batch's too) naming one of the batch's people near its time: key → {lead: (feed, when)}."""
        window = dt.timedelta(days=_days(self.rules, Kind.SAME_PERSON, "window_days"))
        keys = self._keys()
        found = defaultdict(dict)
        if not (keys[0] or keys[1]):
            return found
        times = [lead.occurred_at for lead in self.leads]
        rows = LeadPerson.objects.filter(
            Q(id_number_index__in=keys[0]) | Q(phone_index__in=keys[1]),
            lead__occurred_at__gte=min(times) - window,
            lead__occurred_at__lte=max(times) + window,
        ).values_list("lead_id", "id_number_index", "phone_index", "lead__feed", "lead__occurred_at")
        for lead_id, id_index, phone_index, feed, occurred_at in rows.order_by():
            for key in self._matched(keys, id_index, phone_index):
                found[key][lead_id] = (feed, occurred_at)
        return found

    @cached_property
    def cases(self) -> dict[tuple[str, str], dict[int, tuple[str, dt.datetime | None]]]:
        """The open or recently closed cases the batch's people are parties to: key → {case: (code, closed_at)}."""
        since = self.now - dt.timedelta(days=_days(self.rules, Kind.CASE_LINK, "closed_within_days"))
        keys = self._keys()
        found = defaultdict(dict)
        if not (keys[0] or keys[1]):
            return found
        rows = Party.objects.filter(
            Q(id_number_index__in=keys[0]) | Q(phone_index__in=keys[1]),
            Q(case__state__in=CASE_OPEN_STATES) | Q(case__closed_at__gte=since),
        ).values_list(
            "id_number_index", "phone_index", "case_id", "case__code", "case__state", "case__closed_at"
        )
        for id_index, phone_index, case_id, code, state, closed_at in rows.order_by():
            for key in self._matched(keys, id_index, phone_index):
                found[key][case_id] = (code, None if state in CASE_OPEN_STATES else closed_at)
        return found

    @cached_property
    def place_days(self) -> dict[tuple[str, int], dict[int, int]]:
        """Leads per place and local day (its ordinal) over the rising-place rules' windows and baselines: one grouped query."""
        span = max(
            (
                r.params["window_days"] + r.params["baseline_days"]
                for r in self.rules
                if r.kind == Kind.RISING_PLACE
            ),
            default=0,
        )
        keys = {key for lead in self.leads if (key := _place_key(lead))}
        counts = defaultdict(dict)
        if not keys:
            return counts
        dates = [timezone.localdate(lead.occurred_at) for lead in self.leads]
        start = _start_of(min(dates) - dt.timedelta(days=span))
        end = _start_of(max(dates) + dt.timedelta(days=1))
        places = [pk for kind, pk in keys if kind == "place"]
        townships = [pk for kind, pk in keys if kind == "township"]
        rows = (
            Lead.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
            .filter(Q(place_id__in=places) | Q(place__isnull=True, township_id__in=townships))
            .annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
            .values("place_id", "township_id", "day")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            key = ("place", row["place_id"]) if row["place_id"] else ("township", row["township_id"])
            counts[key][row["day"].toordinal()] = row["n"]
        return counts

    @cached_property
    def place_names(self) -> dict[tuple[str, int], str]:
        """The names of the batch's places and townships (two queries)."""
        keys = {key for lead in self.leads if (key := _place_key(lead))}
        places = [pk for kind, pk in keys if kind == "place"]
        townships = [pk for kind, pk in keys if kind == "township"]
        names = {
            ("place", pk): name for pk, name in Place.objects.filter(pk__in=places).values_list("pk", "name")
        }
        names.update(
            {
                ("township", pk): name
                for pk, name in Center.objects.filter(pk__in=townships).values_list("pk", "name")
            }
        )
        return names


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _names(persons: list[Person]) -> str:
    shown = list(dict.fromkeys(mask_name(p.name) or _("未留姓名") for p in persons))
    return "、".join(shown)


# --- one function per rule kind: (rule, batch) → {lead id: what fills its explanation} ------------


def same_person(rule: ScreeningRule, batch: Batch) -> dict[int, dict]:
    """The same person in leads within ``window_days`` either side: in ≥ ``min_feeds`` feeds or ≥ ``min_hits`` times.

    This lead counts (its feed, one occurrence). Either side, so a lead still open is raised when the
    same person turns up again after it (at the next screening: nightly, or a rule change).
    """
    days = rule.params["window_days"]
    window = dt.timedelta(days=days)
    min_feeds, min_hits = rule.params.get("min_feeds"), rule.params.get("min_hits")
    matched = {}
    for lead in batch.leads:
        hits_by_person = []
        for person in batch.people.get(lead.pk, ()):
            near = {
                lead_id: feed
                for lead_id, (feed, at) in batch.appearances.get(person.key, {}).items()
                if abs(at - lead.occurred_at) <= window
            }
            near[lead.pk] = lead.feed
            feeds, hits = set(near.values()), len(near)
            if (min_feeds and len(feeds) >= min_feeds) or (min_hits and hits >= min_hits):
                hits_by_person.append((person, feeds, hits))
        if not hits_by_person:
            continue
        feeds = set().union(*(f for _p, f, _h in hits_by_person))
        hits = max(h for _p, _f, h in hits_by_person)
        by_feeds = bool(min_feeds) and max(len(f) for _p, f, _h in hits_by_person) >= min_feeds
        matched[lead.pk] = {
            "people": _names([p for p, _f, _h in hits_by_person]),
            "feeds": "、".join(batch.feed_labels[f] for f in sorted(feeds, key=FEED_ORDER.get)),
            "count": len(feeds) if by_feeds else hits,
            "hits": hits,
            "days": days,
        }
    return matched


def case_link(rule: ScreeningRule, batch: Batch) -> dict[int, dict]:
    """A person of the lead is a party to an open case or one closed within ``closed_within_days``."""
    days = rule.params["closed_within_days"]
    since = batch.now - dt.timedelta(days=days)
    matched = {}
    for lead in batch.leads:
        codes, persons = set(), []
        for person in batch.people.get(lead.pk, ()):
            mine = {
                code
                for case_id, (code, closed_at) in batch.cases.get(person.key, {}).items()
                if case_id != lead.case_id and (closed_at is None or closed_at >= since)
            }
            if mine:
                codes |= mine
                persons.append(person)
        if codes:
            shown = sorted(codes, reverse=True)  # the newest codes first (they are sequential)
            text = "、".join(shown[:MAX_CASES_SHOWN])
            if len(shown) > MAX_CASES_SHOWN:
                text = _("%(codes)s等") % {"codes": text}
            matched[lead.pk] = {"cases": text, "count": len(shown), "people": _names(persons), "days": days}
    return matched


def keywords(rule: ScreeningRule, batch: Batch) -> dict[int, dict]:
    """The lead's text has one of ``words`` as a word (jieba segmentation, not substrings)."""
    matched = {}
    for lead in batch.leads:
        found = find_phrases(lead.text, rule.params["words"])
        if found:
            matched[lead.pk] = {"words": "、".join(found), "count": len(found)}
    return matched


def many_people(rule: ScreeningRule, batch: Batch) -> dict[int, dict]:
    """At least ``min_people`` people involved."""
    least = rule.params["min_people"]
    return {
        lead.pk: {"count": lead.people_count, "people": least}
        for lead in batch.leads
        if lead.people_count >= least
    }


def rising_place(rule: ScreeningRule, batch: Batch) -> dict[int, dict]:
    """The lead's place had ≥ ``min_count`` leads in the ``window_days`` up to its day, ≥ ``ratio`` × its own average."""
    window, baseline_days = rule.params["window_days"], rule.params["baseline_days"]
    ratio, min_count = rule.params["ratio"], rule.params["min_count"]
    matched = {}
    for lead in batch.leads:
        key = _place_key(lead)
        if key is None:
            continue
        per_day = batch.place_days.get(key, {})
        day = timezone.localdate(lead.occurred_at).toordinal()
        count = sum(per_day.get(day - i, 0) for i in range(window))
        before = sum(per_day.get(day - window - i, 0) for i in range(baseline_days))
        average = before * window / baseline_days
        if count >= min_count and count >= ratio * average:
            matched[lead.pk] = {
                "place": batch.place_names.get(key, ""),
                "count": count,
                "days": window,
                "baseline": f"{average:.1f}".removesuffix(".0"),
            }
    return matched


RULE_KINDS = {
    Kind.SAME_PERSON: same_person,
    Kind.CASE_LINK: case_link,
    Kind.KEYWORDS: keywords,
    Kind.MANY_PEOPLE: many_people,
    Kind.RISING_PLACE: rising_place,
}


# --- the engine ---------------------------------------------------------------------------------


def _batches(lead_ids):
    """Yield lists of up to 1,000 leads: the given ids (whatever their state), else every open lead."""
    leads = Lead.objects.only(*LEAD_FIELDS).order_by("pk")
    if lead_ids is not None:
        ids = list(dict.fromkeys(int(pk) for pk in lead_ids))
        for start in range(0, len(ids), BATCH):
            yield list(leads.filter(pk__in=ids[start : start + BATCH]))
        return
    last = 0
    while batch := list(leads.filter(state__in=Lead.OPEN_STATES, pk__gt=last)[:BATCH]):
        yield batch
        last = batch[-1].pk


def screen_batch(leads: list[Lead], rules: list[ScreeningRule], thresholds: dict, now: dt.datetime) -> int:
    """Score one batch of leads under ``rules`` and write score, colour, reasons and time in one statement."""
    if not leads:
        return 0
    batch = Batch(leads, rules, now)
    reasons = {lead.pk: [] for lead in leads}
    for rule in rules:
        for lead_id, context in RULE_KINDS[rule.kind](rule, batch).items():
            reasons[lead_id].append(
                {
                    "rule": rule.pk,
                    "name": rule.name,
                    "kind": rule.kind,
                    "weight": rule.weight,
                    "explanation": fill(rule.explanation, context),
                }
            )
    for lead in leads:
        lead.reasons = reasons[lead.pk]
        lead.score = sum(reason["weight"] for reason in lead.reasons)
        lead.proposed_colour = colour_for(lead.score, thresholds)
        lead.screened_at = now
    _write(leads, now)
    return len(leads)


SCREENED_FIELDS = ["score", "proposed_colour", "reasons", "screened_at"]


def _write(leads: list[Lead], now: dt.datetime) -> None:
    """Write the batch's scores in one statement.

    On PostgreSQL one ``UPDATE … FROM unnest(arrays)``: linear, where ``bulk_update``'s ``CASE WHEN``
    over 1,000 ids costs seconds to build and run. Elsewhere (SQLite in tests) ``bulk_update``.
    """
    if connection.vendor != "postgresql":
        Lead.objects.bulk_update(leads, SCREENED_FIELDS, batch_size=BATCH)
        return
    quote = connection.ops.quote_name
    column = {name: quote(Lead._meta.get_field(name).column) for name in [*SCREENED_FIELDS, "id"]}
    sql = (
        f"UPDATE {quote(Lead._meta.db_table)} AS lead SET {column['score']} = v.score, "
        f"{column['proposed_colour']} = v.colour, {column['reasons']} = v.reasons::jsonb, "
        f"{column['screened_at']} = %s "
        "FROM unnest(%s::bigint[], %s::integer[], %s::text[], %s::text[]) AS v(id, score, colour, reasons) "
        f"WHERE lead.{column['id']} = v.id"
    )
    params = [
        now,
        [lead.pk for lead in leads],
        [lead.score for lead in leads],
        [lead.proposed_colour for lead in leads],
        [json.dumps(lead.reasons, ensure_ascii=False) for lead in leads],
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def screen_leads(lead_ids=None, *, now: dt.datetime | None = None) -> int:
    """Score the leads ``lead_ids`` (every open lead when None), 1,000 at a time; return how many were screened."""
    now = now or timezone.now()
    rules = load_rules()
    thresholds = load_thresholds()
    return sum(screen_batch(leads, rules, thresholds, now) for leads in _batches(lead_ids))
