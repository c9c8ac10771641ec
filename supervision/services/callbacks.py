"""Monthly callbacks (回访): the audited random sample, and recording each call.

The sample is drawn with ``random.Random(seed).sample`` from the population in a fixed order
(closing time, case, party), after removing repeats of a person (same ID number; else same
phone). The seed, the population's size and a digest of it are stored with the round, so an
auditor can draw again and get the same people (:func:`callback_round_redraw`).
"""

import calendar
import datetime as dt
import hashlib
import random
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Evaluation, Party, Rating, State
from common import parsing
from common.exceptions import ActionForbidden, InvalidTransition
from common.pii import decrypt
from departments.models import Role
from departments.permissions import require_role

from .. import notify
from ..models import MAX_ATTEMPTS, Callback, CallbackAttempt, CallbackRound, Reason
from .evaluations import evaluate_and_follow_up, unhappy_order
from .orders import site_language


def sample_size_setting() -> int:
    return settings.ZONGZHI_CALLBACK_SAMPLE_SIZE


# --- Months -----------------------------------------------------------------------------------


def parse_month(text: str) -> dt.date:
    """Return the first day of a month written ``YYYY-MM``."""
    try:
        return parsing.parse_month(text)
    except parsing.ParseError as exc:
        raise ValidationError(_("月份格式应为 YYYY-MM，如 2026-10。")) from exc


def previous_month(today: dt.date) -> dt.date:
    first = today.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def month_range(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Return the month's start and end as aware datetimes in the center's time zone."""
    tz = timezone.get_current_timezone()
    last_day = calendar.monthrange(month.year, month.month)[1]
    start = timezone.make_aware(dt.datetime(month.year, month.month, 1), tz)
    end = timezone.make_aware(dt.datetime(month.year, month.month, last_day) + dt.timedelta(days=1), tz)
    return start, end


# --- The population and the draw --------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    party_id: int
    case_id: int
    person_key: str


def person_key(*, id_number: str, phone: str) -> str:
    """Return a one-way key of a person: by ID number if known, else by phone."""
    raw = f"id:{id_number}" if id_number else f"phone:{phone}"
    return hashlib.sha256(raw.encode()).hexdigest()


def sampling_population(month: dt.date, center=None) -> list[Candidate]:
    """Return the parties of cases closed in ``month`` (at ``center``) that can be called, each person once.

    A center calls back the cases it closed: those it holds, closed in the month.

    One query, in a fixed order (closing time, case, party), so the same data always gives
    the same list. A person is the same if the ID numbers match, or, when either lacks an ID
    number, if the phones match; the first appearance stays.
    """
    start, end = month_range(month)
    at_center = {"case__center": center} if center is not None else {}
    rows = (
        Party.objects.filter(
            **at_center,
            case__closed_at__gte=start,
            case__closed_at__lt=end,
            case__state__in=(State.CLOSED, State.EVALUATED),
        )
        .exclude(phone="")
        .order_by("case__closed_at", "case_id", "order", "id")
        # As stored (normalised, then encrypted): decrypted here without the personal-data field's
        # per-value wrapper, which costs more than the query on a month of a large county. Not the
        # blind indexes: the person keys (and the round's digest) must survive a key rotation.
        .values_list("id", "case_id", Cast("phone", TextField()), Cast("id_number", TextField()))
    )
    population = []
    seen_ids: set[str] = set()
    phones: dict[str, bool] = {}  # phone → whether someone without an ID number used it
    for party_id, case_id, sealed_phone, sealed_id_number in rows:
        phone, id_number = decrypt(sealed_phone), decrypt(sealed_id_number)
        shared_without_id = phones.get(phone)
        if id_number:
            if id_number in seen_ids or shared_without_id:
                continue
            seen_ids.add(id_number)
        elif shared_without_id is not None:
            continue
        phones[phone] = bool(shared_without_id) or not id_number
        population.append(Candidate(party_id, case_id, person_key(id_number=id_number, phone=phone)))
    return population


def population_digest(population: list[Candidate]) -> str:
    lines = "\n".join(f"{c.party_id}:{c.person_key}" for c in population)
    return hashlib.sha256(lines.encode()).hexdigest()


def draw(population: list[Candidate], *, seed: int, size: int) -> list[Candidate]:
    """Return the sample: ``random.Random(seed).sample`` of the ordered population."""
    return random.Random(seed).sample(population, min(size, len(population)))


@dataclass
class Redraw:
    party_ids: list[int]
    population_size: int
    population_unchanged: bool


def callback_round_redraw(round: CallbackRound) -> Redraw:
    """Draw a round again from its stored seed, for audit."""
    population = sampling_population(round.month, round.center)
    sample = draw(population, seed=round.seed, size=round.sample_size_requested)
    return Redraw(
        party_ids=[c.party_id for c in sample],
        population_size=len(population),
        population_unchanged=population_digest(population) == round.population_digest,
    )


# --- The round --------------------------------------------------------------------------------


@transaction.atomic
def callback_round_sample(
    *, month: dt.date, size: int | None = None, seed: int | None = None, actor=None, center=None
) -> tuple[CallbackRound, bool]:
    """Draw a center's callback sample of the month; return ``(round, created)``.

    A month that already has a round at the center is left as it is (``created`` False): one
    round a center a month. ``center``: by default the actor's, else the deployment's county.
    ``actor`` None is the scheduled job; a person must be a coordinator or administrator, and
    draws for their own center only.
    """
    from cases.services.intake import default_center
    from departments.scope import center_of, works_at

    if actor is not None:
        require_role(actor, Role.COORDINATOR, Role.ADMIN)
        if center is not None and not works_at(actor, center.pk):
            raise ActionForbidden(_("只能为本中心抽取回访对象。"))
    month = month.replace(day=1)
    now = timezone.now()
    if month >= timezone.localdate(now).replace(day=1):
        raise ValidationError(_("只能对已经结束的月份抽样回访。"))
    center = center or center_of(actor) or default_center()
    if existing := CallbackRound.objects.filter(center=center, month=month).first():
        return existing, False
    size = sample_size_setting() if size is None else size
    if size < 1:
        raise ValidationError(_("抽样人数至少为 1。"))
    seed = secrets.randbits(62) if seed is None else seed
    population = sampling_population(month, center)
    sample = draw(population, seed=seed, size=size)
    with site_language():
        note = (
            _("可抽样 %(eligible)s 人，少于计划的 %(size)s 人，已全部抽取。")
            % {"eligible": len(population), "size": size}
            if len(population) < size
            else ""
        )
    try:
        with transaction.atomic():
            round = CallbackRound.objects.create(
                center=center,
                month=month,
                seed=seed,
                population_size=len(population),
                population_digest=population_digest(population),
                sample_size_requested=size,
                sample_size_taken=len(sample),
                note=note,
                created_at=now,
                created_by=actor,
            )
    except IntegrityError:  # the same month sampled at the same moment elsewhere: that one stands
        return CallbackRound.objects.get(center=center, month=month), False
    coordinators = notify.users_with_role(Role.COORDINATOR, center=center)
    Callback.objects.bulk_create(
        [
            Callback(
                round=round,
                position=position,
                case_id=candidate.case_id,
                party_id=candidate.party_id,
                person_key=candidate.person_key,
                assigned_to_id=coordinators[(position - 1) % len(coordinators)] if coordinators else None,
            )
            for position, candidate in enumerate(sample, start=1)
        ]
    )
    _notify_coordinators(round, coordinators)
    return round, True


def _notify_coordinators(round: CallbackRound, coordinators: list[int]) -> None:
    if not round.sample_size_taken:
        return
    with site_language():
        title = _("%(month)s 结案回访：本批 %(n)s 件待回访") % {
            "month": round.month.strftime("%Y-%m"),
            "n": round.sample_size_taken,
        }
    url = reverse("supervision:callbacks") + f"?month={round.month:%Y-%m}"
    notify.notify(
        [
            notify.notification(user_id=user_id, kind=notify.KIND_CALLBACKS, title=title, url=url)
            for user_id in coordinators
        ]
    )


# --- One call ---------------------------------------------------------------------------------


@transaction.atomic
def callback_record(
    *, callback: Callback, actor, reached: bool, rating: str = "", comment: str = "", note: str = ""
) -> Callback:
    """Record one call: not reached (after three, unreachable) or the party's answer.

    An answer of 基本满意 or worse issues a supervision order on the lead department (reason:
    callback). If the case is still closed, the answer is recorded as its evaluation
    (``evaluate``, channel callback) — for every rating, as it is the party's evaluation.
    """
    require_role(actor, Role.COORDINATOR)
    locked = Callback.objects.select_for_update(of=("self",)).select_related("case").get(pk=callback.pk)
    if not locked.is_pending:
        raise InvalidTransition(_("该回访已经结束（%(status)s）。") % {"status": locked.get_status_display()})
    comment = (comment or "").strip()
    if reached and rating not in Rating.values:
        raise ValidationError({"rating": _("请选择当事人的满意度。")})
    now = timezone.now()
    locked.attempts += 1
    CallbackAttempt.objects.create(
        callback=locked,
        number=locked.attempts,
        reached=reached,
        note=(note or "").strip()[:200],
        made_by=actor,
        made_at=now,
    )
    fields = ["attempts"]
    if not reached:
        if locked.attempts >= MAX_ATTEMPTS:
            locked.status, locked.completed_at, locked.completed_by = Callback.Status.UNREACHABLE, now, actor
            fields += ["status", "completed_at", "completed_by"]
        locked.save(update_fields=fields)
        return locked
    locked.status, locked.rating, locked.comment = Callback.Status.DONE, rating, comment
    locked.completed_at, locked.completed_by = now, actor
    fields += ["status", "rating", "comment", "completed_at", "completed_by"]
    case = locked.case
    if case.state == State.CLOSED:
        case, evaluation, order = evaluate_and_follow_up(
            case=case, actor=actor, rating=rating, comment=comment, channel=Evaluation.Channel.CALLBACK
        )
        locked.evaluation = evaluation
        fields.append("evaluation")
    else:
        # Evaluated already (by the party, on the tracking page): the callback's answer is its own.
        order = unhappy_order(
            case=case, actor=actor, rating=rating, comment=comment, reason=Reason.BAD_CALLBACK
        )
    if order is not None:
        locked.order = order
        fields.append("order")
        case = order.case
    locked.case = case
    locked.save(update_fields=fields)
    return locked
