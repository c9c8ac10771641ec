"""Grading learned from history (风险分级): the chance that a new lead or case escalates, and why.

A small, explainable model. From the county's closed cases (a center and its subtree) each case
is labelled *escalated* when any of these happened to it: it was assessed red, a supervision
order was issued on it, the party came back (a :class:`cases.models.Visit` — one row is already
a return visit: the first visit is the intake itself, so one is enough), or it was reported up
(上报, a :class:`cases.models.Referral` of kind up). The labels are computed in the database
(``Exists`` annotations), never case by case.

A case and a lead are read the same way (:class:`Subject`, :func:`features`): category, township,
people count (bucketed), how many earlier cases the parties had (matched through the blind
indexes of ID number and phone; bucketed) and the words of the text (:func:`risk.text.tokens`,
the most frequent informative ones). A logistic regression (scikit-learn) is trained on cases
closed before a cutoff and evaluated on the later, held-out months; its intercept, weights,
threshold and feature labels are stored as data in :class:`risk.models.GradingModel`, so
:func:`predict` needs no scikit-learn and no pickle.

The fit uses balanced class weights (escalation is rare); that shifts every log-odds by
``log(n_negative / n_positive)``, so the stored ``prior_correction`` takes it back out and the
probability shown is the chance at the history's base rate (King & Zeng's prior correction).
"""

import bisect
import calendar
import datetime as dt
import math
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case, Category, Party, Referral, ReferralKind, RiskColour, State, Visit
from common.exceptions import DomainError
from departments.models import Center, Level
from departments.scope import subtree_q
from supervision.models import SupervisionOrder

from .models import GradingModel, Lead
from .text import tokens

CLOSED_STATES = (State.CLOSED, State.EVALUATED)
# The escalation kinds, as annotated by :func:`labelled_cases`.
ESCALATION_KINDS = ("is_red", "supervised", "revisited", "reported_up")
# (lowest count, bucket) in increasing order; a count falls in the last bucket whose lowest it reaches.
PEOPLE_BUCKETS = ((0, "1"), (2, "2-4"), (5, "5-9"), (10, "10+"))
HISTORY_BUCKETS = ((0, "0"), (1, "1"), (2, "2"), (3, "3-5"), (6, "6+"))
HISTORY_CAP = 6  # counting stops here: the last bucket is "6 or more"
MIN_WORD_COUNT = 5  # a word must appear in at least this many training cases
MAX_WORDS = 500
MAX_WORD_SHARE = 0.5  # words in more than half of the cases say nothing
MAX_FACTORS = 5
DEFAULT_MIN_CASES = 200
DEFAULT_MIN_POSITIVES = 20
# Digits say nothing general; 某 marks an anonymised person (姚某, 某某).
_NOT_A_WORD = re.compile(r"\d|某")


class GradingError(DomainError):
    """Training is impossible: too few closed cases, or too few of one kind."""

    code = "grading"
    default_message = gettext_lazy("已结案件太少，无法训练风险分级模型。")


@dataclass
class Subject:
    """What the model reads of a case or a lead."""

    category: str
    township: str  # the township's division code, or ""
    people: int
    history: int  # earlier cases of any party (capped at HISTORY_CAP)
    text: str
    words: set[str] = field(default_factory=set)

    def __post_init__(self):
        if not self.words:
            self.words = set(tokens(self.text))


def _bucket(value: int, buckets) -> str:
    name = buckets[0][1]
    for lowest, bucket in buckets:
        if value >= lowest:
            name = bucket
    return name


def features(subject: Subject, vocabulary: Iterable[str] | None = None) -> dict[str, float]:
    """Return the one-hot features of a case or a lead (words limited to ``vocabulary`` when given)."""
    out: dict[str, float] = {}
    if subject.category:
        out[f"category={subject.category}"] = 1.0
    if subject.township:
        out[f"township={subject.township}"] = 1.0
    out[f"people={_bucket(subject.people, PEOPLE_BUCKETS)}"] = 1.0
    out[f"history={_bucket(subject.history, HISTORY_BUCKETS)}"] = 1.0
    words = subject.words if vocabulary is None else subject.words.intersection(vocabulary)
    for word in words:
        out[f"word={word}"] = 1.0
    return out


def feature_label(name: str, township_names: dict[str, str] | None = None) -> str:
    """Return what people read for a feature: "类别：劳动争议", "词语：讨薪", "涉及 10 人以上"…"""
    kind, _sep, value = name.partition("=")
    if kind == "category":
        label = Category(value).label if value in Category.values else value
        return _("类别：%(name)s") % {"name": label}
    if kind == "township":
        return _("乡镇：%(name)s") % {"name": (township_names or {}).get(value, value)}
    if kind == "people":
        return {
            "1": _("涉及 1 人"),
            "2-4": _("涉及 2–4 人"),
            "5-9": _("涉及 5–9 人"),
            "10+": _("涉及 10 人以上"),
        }.get(value, name)
    if kind == "history":
        return {
            "0": _("当事人此前无案件"),
            "1": _("当事人此前有 1 件案件"),
            "2": _("当事人此前有 2 件案件"),
            "3-5": _("当事人此前有 3–5 件案件"),
            "6+": _("当事人此前有 6 件以上案件"),
        }.get(value, name)
    if kind == "word":
        return _("词语：%(word)s") % {"word": value}
    return name


# --- Labels --------------------------------------------------------------------------------------


def labelled_cases(center: Center) -> QuerySet[Case]:
    """Return the closed cases of ``center`` and its subtree, annotated with each escalation kind and ``escalated``."""
    here = OuterRef("pk")
    return (
        Case.objects.filter(subtree_q(center), closed_at__isnull=False, state__in=CLOSED_STATES)
        .annotate(
            is_red=ExpressionWrapper(Q(risk_colour=RiskColour.RED), output_field=BooleanField()),
            supervised=Exists(SupervisionOrder.objects.filter(case=here)),
            revisited=Exists(Visit.objects.filter(case=here)),
            reported_up=Exists(Referral.objects.filter(case=here, kind=ReferralKind.UP)),
        )
        .annotate(
            escalated=ExpressionWrapper(
                Q(is_red=True) | Q(supervised=True) | Q(revisited=True) | Q(reported_up=True),
                output_field=BooleanField(),
            )
        )
    )


# --- Parties' history ----------------------------------------------------------------------------


def _person_keys(id_index: str, phone_index: str) -> list[tuple[str, str]]:
    return [key for key in (("id", id_index), ("phone", phone_index)) if key[1]]


def _count_earlier(rows, wanted: dict) -> dict:
    """Count, per wanted subject, the distinct earlier cases sharing one of its person keys.

    ``rows``: (case_id, created_at, id_number_index, phone_index) of parties; ``wanted``:
    {subject: (keys, before, own_case_id)}. Counting stops at HISTORY_CAP.
    """
    by_key: dict[tuple, list] = defaultdict(list)
    for case_id, created_at, id_index, phone_index in rows:
        for key in _person_keys(id_index, phone_index):
            by_key[key].append((created_at, case_id))
    for entries in by_key.values():
        entries.sort()
    counts = {}
    for subject, (keys, before, own) in wanted.items():
        seen: set[int] = set()
        for key in keys:
            entries = by_key.get(key, ())
            stop = bisect.bisect_left(entries, (before, -1)) if entries else 0
            for index in range(stop - 1, -1, -1):
                case_id = entries[index][1]
                if case_id != own:
                    seen.add(case_id)
                if len(seen) >= HISTORY_CAP:
                    break
            if len(seen) >= HISTORY_CAP:
                break
        counts[subject] = len(seen)
    return counts


def _history_of(wanted: dict) -> dict:
    """Return the parties' earlier-case counts for ``wanted`` (see :func:`_count_earlier`) in one query."""
    ids = {value for keys, _before, _own in wanted.values() for kind, value in keys if kind == "id"}
    phones = {value for keys, _before, _own in wanted.values() for kind, value in keys if kind == "phone"}
    if not ids and not phones:
        return dict.fromkeys(wanted, 0)
    rows = Party.objects.filter(Q(id_number_index__in=ids) | Q(phone_index__in=phones)).values_list(
        "case_id", "case__created_at", "id_number_index", "phone_index"
    )
    return _count_earlier(rows, wanted)


# --- Subjects: a case or a lead ------------------------------------------------------------------


def _township_code(*candidates) -> str:
    """Return the first candidate that is a township center's code (candidates: (code, level) or None)."""
    for candidate in candidates:
        if candidate and candidate[0] and candidate[1] == Level.TOWNSHIP:
            return candidate[0]
    return ""


def case_subject(case: Case) -> Subject:
    """Return what the model reads of one case (its parties' history in one query)."""
    keys = [
        key for party in case.parties.all() for key in _person_keys(party.id_number_index, party.phone_index)
    ]
    history = _history_of({case.pk: (keys, case.created_at, case.pk)})[case.pk]
    place_township = case.place.township if case.place_id else None
    return Subject(
        category=case.category,
        township=_township_code(
            (place_township.code, Level.TOWNSHIP) if place_township else None,
            (case.intake_center.code, case.intake_center.level) if case.intake_center_id else None,
            (case.center.code, case.center.level),
        ),
        people=case.people_count or 1,
        history=history,
        text=f"{case.title}\n{case.description}",
    )


def lead_subjects(leads: list[Lead]) -> dict[int, Subject]:
    """Return what the model reads of each lead (people prefetched; their history in one query)."""
    wanted = {
        lead.pk: (
            [
                key
                for person in lead.people.all()
                for key in _person_keys(person.id_number_index, person.phone_index)
            ],
            lead.occurred_at,
            None,
        )
        for lead in leads
    }
    history = _history_of(wanted)
    subjects = {}
    for lead in leads:
        township = lead.township or (lead.place.township if lead.place_id else None)
        subjects[lead.pk] = Subject(
            category=lead.category,
            township=_township_code(
                (township.code, Level.TOWNSHIP) if township else None,
                (lead.received_center.code, lead.received_center.level),
            ),
            people=max(lead.people_count, len(lead.people.all()), 1),
            history=history[lead.pk],
            text=lead.text,
        )
    return subjects


def _training_subjects(center: Center, rows: list[dict]) -> tuple[dict[int, Subject], set[str]]:
    """Return the subjects of the labelled case rows and the parties' names (kept out of the words).

    One query for every party of the subtree's cases: the history is counted in memory.
    """
    parties = Party.objects.filter(subtree_q(center, "case__center")).values_list(
        "case_id", "case__created_at", "id_number_index", "phone_index", "name"
    )
    party_rows, names = [], set()
    keys_of: dict[int, list] = defaultdict(list)
    for case_id, created_at, id_index, phone_index, name in parties:
        party_rows.append((case_id, created_at, id_index, phone_index))
        keys_of[case_id] += _person_keys(id_index, phone_index)
        if name:
            # The full name and the given name (秀英 of 王秀英, 海燕 of 欧阳海燕): no person's name is a word.
            names.update({name, name[1:] if len(name) <= 3 else name[2:]})
    history = _count_earlier(
        party_rows, {r["id"]: (keys_of.get(r["id"], []), r["created_at"], r["id"]) for r in rows}
    )
    subjects = {}
    for r in rows:
        subjects[r["id"]] = Subject(
            category=r["category"],
            township=_township_code(
                (r["place__township__code"], Level.TOWNSHIP),
                (r["intake_center__code"], r["intake_center__level"]),
                (r["center__code"], r["center__level"]),
            ),
            people=r["people_count"] or 1,
            history=history[r["id"]],
            text=f"{r['title']}\n{r['description']}",
        )
    return subjects, names


def _vocabulary(
    word_sets: list[set[str]], excluded: set[str], *, min_count: int, max_words: int
) -> list[str]:
    """Return the most frequent informative words: in ≥ min_count cases, not in most, no digits, no people's names."""
    counts = Counter()
    for words in word_sets:
        counts.update(words)
    ceiling = MAX_WORD_SHARE * len(word_sets)
    kept = [
        (n, word)
        for word, n in counts.items()
        if min_count <= n <= ceiling and not _NOT_A_WORD.search(word) and word not in excluded
    ]
    kept.sort(key=lambda item: (-item[0], item[1]))
    return [word for _n, word in kept[:max_words]]


# --- The model ----------------------------------------------------------------------------------


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def predict(
    params: dict, feature_values: dict[str, float], *, corrected: bool = True
) -> tuple[float, list[dict]]:
    """Return (probability, top factors) from a stored model's params; no scikit-learn needed.

    ``corrected=False`` leaves out the prior correction: the fitted (balanced) model's own
    probability, exactly what scikit-learn's ``predict_proba`` says.
    """
    weights = params.get("weights", {})
    labels = params.get("feature_labels", {})
    contributions = {
        name: weights[name] * value for name, value in feature_values.items() if name in weights and value
    }
    z = params.get("intercept", 0.0) + sum(contributions.values())
    if corrected:
        z += params.get("prior_correction", 0.0)
    top = sorted(
        ((c, name) for name, c in contributions.items() if c > 0), key=lambda item: (-item[0], item[1])
    )
    factors = [
        {"feature": name, "label": labels.get(name) or feature_label(name), "weight": round(c, 3)}
        for c, name in top[:MAX_FACTORS]
    ]
    return _sigmoid(z), factors


def _vocabulary_of(params: dict) -> set[str]:
    return {name[5:] for name in params.get("weights", {}) if name.startswith("word=")}


def _months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """Return the same local time ``months`` calendar months earlier (the day clipped to the month)."""
    local = timezone.localtime(moment)
    year, month0 = divmod(local.year * 12 + local.month - 1 - months, 12)
    day = min(local.day, calendar.monthrange(year, month0 + 1)[1])
    return local.replace(year=year, month=month0 + 1, day=day)


def _fit(rows_x: list[dict], y: list[int]):
    """Fit the logistic regression; return (vectorizer, estimator)."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = DictVectorizer(sparse=True)
    matrix = vectorizer.fit_transform(rows_x)
    # lbfgs leaves the intercept unpenalised (liblinear shrinks it, and every word's weight then
    # carries a share of the base rate: all words would look like reasons).
    estimator = LogisticRegression(class_weight="balanced", solver="lbfgs", C=1.0, max_iter=2000)
    estimator.fit(matrix, y)
    return vectorizer, estimator


def model_params(vectorizer, estimator, *, positives: int, negatives: int) -> dict:
    """Return a fitted model as data: intercept, prior correction, weights and the features' labels."""
    names = vectorizer.get_feature_names_out()
    weights = {str(name): float(w) for name, w in zip(names, estimator.coef_[0], strict=True)}
    township_codes = [name.partition("=")[2] for name in weights if name.startswith("township=")]
    township_names = dict(Center.objects.filter(code__in=township_codes).values_list("code", "name"))
    with translation.override(settings.LANGUAGE_CODE):
        labels = {name: feature_label(name, township_names) for name in weights}
    return {
        "intercept": float(estimator.intercept_[0]),
        # Balanced class weights add log(negatives / positives) to every log-odds: take it back out.
        "prior_correction": -math.log(negatives / positives),
        "weights": weights,
        "feature_labels": labels,
    }


def _best_threshold(y: list[int], probabilities: list[float]) -> float:
    """Return the probability threshold that maximises F1 on (the training) data."""
    from sklearn.metrics import precision_recall_curve

    precision, recall, thresholds = precision_recall_curve(y, probabilities)
    best, best_f1 = 0.5, -1.0
    for p, r, t in zip(precision[:-1], recall[:-1], thresholds, strict=True):
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        if f1 > best_f1:
            best, best_f1 = float(t), f1
    return best


def _scores(y: list[int], probabilities: list[float], threshold: float) -> dict:
    tp = sum(1 for label, p in zip(y, probabilities, strict=True) if label and p >= threshold)
    fp = sum(1 for label, p in zip(y, probabilities, strict=True) if not label and p >= threshold)
    fn = sum(1 for label, p in zip(y, probabilities, strict=True) if label and p < threshold)
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    if precision is None or recall is None:
        f1 = None
    else:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    auc = None
    if 0 < sum(y) < len(y):
        from sklearn.metrics import roc_auc_score

        auc = float(roc_auc_score(y, probabilities))
    return {"precision": precision, "recall": recall, "f1": f1, "auc": auc, "flagged": tp + fp}


def train(
    center: Center,
    *,
    now: dt.datetime | None = None,
    test_months: int = 3,
    min_cases: int = DEFAULT_MIN_CASES,
    min_positives: int = DEFAULT_MIN_POSITIVES,
) -> GradingModel:
    """Train the center's model on its closed cases, evaluate it on the last ``test_months``, store and activate it.

    Raises :class:`GradingError` with too few training cases, escalated or not.
    """
    now = now or timezone.now()
    test_from = _months_before(now, test_months)
    started = time.perf_counter()
    # Imported before the clock starts: seconds on a busy machine, timed apart.
    import sklearn.feature_extraction
    import sklearn.linear_model
    import sklearn.metrics  # noqa: F401

    import_seconds = time.perf_counter() - started
    started = time.perf_counter()
    rows = list(
        labelled_cases(center)
        .filter(closed_at__lt=now)
        .values(
            "id", "created_at", "closed_at", "category", "people_count", "title", "description",
            "place__township__code", "intake_center__code", "intake_center__level", "center__code",
            "center__level", "escalated", *ESCALATION_KINDS,
        )
        .order_by("closed_at", "id")
    )  # fmt: skip
    train_rows = [r for r in rows if r["closed_at"] < test_from]
    test_rows = [r for r in rows if r["closed_at"] >= test_from]
    positives = sum(1 for r in train_rows if r["escalated"])
    if len(train_rows) < min_cases:
        raise GradingError(
            _("%(center)s %(date)s 之前只有 %(n)s 件已结案件，至少需要 %(min)s 件才能训练风险分级模型。")
            % {"center": center.name, "date": f"{timezone.localtime(test_from):%Y-%m-%d}", "n": len(train_rows), "min": min_cases}
        )  # fmt: skip
    if positives < min_positives or len(train_rows) - positives < min_positives:
        raise GradingError(
            _("训练期内升级案件 %(pos)s 件、未升级 %(neg)s 件，两类各至少需要 %(min)s 件。")
            % {"pos": positives, "neg": len(train_rows) - positives, "min": min_positives}
        )
    read_seconds = time.perf_counter() - started
    subjects, names = _training_subjects(center, rows)
    subjects_seconds = time.perf_counter() - started - read_seconds
    vocabulary = _vocabulary(
        [subjects[r["id"]].words for r in train_rows], names, min_count=MIN_WORD_COUNT, max_words=MAX_WORDS
    )
    vocab = set(vocabulary)
    x_train = [features(subjects[r["id"]], vocab) for r in train_rows]
    y_train = [int(r["escalated"]) for r in train_rows]
    feature_seconds = time.perf_counter() - started

    fit_started = time.perf_counter()
    vectorizer, estimator = _fit(x_train, y_train)
    fit_seconds = time.perf_counter() - fit_started

    params = model_params(vectorizer, estimator, positives=positives, negatives=len(y_train) - positives)
    train_p = [predict(params, x)[0] for x in x_train]
    params["threshold"] = _best_threshold(y_train, train_p)
    x_test = [features(subjects[r["id"]], vocab) for r in test_rows]
    y_test = [int(r["escalated"]) for r in test_rows]
    test_p = [predict(params, x)[0] for x in x_test]
    held_out = _scores(y_test, test_p, params["threshold"])
    metrics = {
        "train": len(train_rows),
        "test": len(test_rows),
        "positives_train": positives,
        "positives_test": sum(y_test),
        "base_rate_train": positives / len(train_rows),
        "base_rate_test": (sum(y_test) / len(y_test)) if y_test else None,
        **held_out,
        "train_scores": _scores(y_train, train_p, params["threshold"]),
        "threshold": params["threshold"],
        "features": len(params["weights"]),
        "words": len(vocabulary),
        "label_kinds": {kind: sum(1 for r in train_rows if r[kind]) for kind in ESCALATION_KINDS},
        "seconds": round(fit_seconds, 3),
        "feature_seconds": round(feature_seconds, 3),
        "import_seconds": round(import_seconds, 3),
        "read_seconds": round(read_seconds, 3),
        "subjects_seconds": round(subjects_seconds, 3),
        "test_from": test_from.isoformat(),
        "test_months": test_months,
    }
    with transaction.atomic():
        GradingModel.objects.filter(center=center, is_active=True).update(is_active=False)
        return GradingModel.objects.create(
            center=center,
            trained_at=now,
            train_until=test_from,
            test_until=now,
            params=params,
            metrics=metrics,
            is_active=True,
        )


# --- Using the model ----------------------------------------------------------------------------


def _path_codes(center: Center) -> list[str]:
    """Return the division codes from ``center`` up to the root, nearest first."""
    return [code for code in reversed(center.path.strip("/").split("/")) if code] or [center.code]


def _models_for(centers: Iterable[Center]) -> dict[int, GradingModel]:
    """Return the active model of each center: its own, else the nearest center's above it (one query)."""
    centers = {c.pk: c for c in centers}
    codes = {code for c in centers.values() for code in _path_codes(c)}
    newest: dict[str, GradingModel] = {}
    for model in (
        GradingModel.objects.filter(is_active=True, center__code__in=codes)
        .select_related("center")
        .order_by("-trained_at", "-id")
    ):
        newest.setdefault(model.center.code, model)
    found = {}
    for pk, center in centers.items():
        for code in _path_codes(center):
            if code in newest:
                found[pk] = newest[code]
                break
    return found


def active_model(center: Center) -> GradingModel | None:
    """Return the model that grades ``center``'s matters: its own newest active one, else its nearest ancestor's."""
    return _models_for([center]).get(center.pk)


def grade_leads(lead_ids: Iterable[int]) -> int:
    """Fill the escalation probability and top factors of the leads; return how many were graded.

    In a constant number of queries; leads whose center (and the centers above it) has no active
    model are left alone, and with no model at all nothing is read.
    """
    ids = list(lead_ids)
    if not ids or not GradingModel.objects.filter(is_active=True).exists():
        return 0
    leads = list(
        Lead.objects.filter(pk__in=ids)
        .select_related("received_center", "township", "place__township")
        .prefetch_related("people")
    )
    models_of = _models_for({lead.received_center_id: lead.received_center for lead in leads}.values())
    leads = [lead for lead in leads if lead.received_center_id in models_of]
    if not leads:
        return 0
    subjects = lead_subjects(leads)
    vocabularies: dict[int, set[str]] = {}
    for lead in leads:
        model = models_of[lead.received_center_id]
        if model.pk not in vocabularies:
            vocabularies[model.pk] = _vocabulary_of(model.params)
        probability, factors = predict(model.params, features(subjects[lead.pk], vocabularies[model.pk]))
        lead.escalation_probability = probability
        lead.grading_factors = factors
    Lead.objects.bulk_update(leads, ["escalation_probability", "grading_factors"], batch_size=1000)
    return len(leads)


def grade_case(case: Case) -> dict | None:
    """Return the case's grading: probability, top factors, the model's id and date; None without a model."""
    model = active_model(case.center)
    if model is None:
        return None
    probability, factors = predict(model.params, features(case_subject(case), _vocabulary_of(model.params)))
    return {
        "probability": probability,
        "factors": factors,
        "model": model.pk,
        "trained_at": model.trained_at,
        "threshold": model.params.get("threshold"),
        "high": probability >= model.params.get("threshold", 1.0),
        "metrics": model.metrics,
    }


def train_counties(*, now: dt.datetime | None = None, test_months: int = 3) -> dict[str, str]:
    """Retrain every county center's model; return {center code: model id or the reason it was skipped}."""
    now = now or timezone.now()
    done = {}
    for center in Center.objects.filter(level=Level.COUNTY).order_by("code"):
        try:
            done[center.code] = str(train(center, now=now, test_months=test_months).pk)
        except GradingError as exc:
            done[center.code] = str(exc.message)
    return done
