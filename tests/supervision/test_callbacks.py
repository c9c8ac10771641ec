"""Monthly callback sampling (reproducible, no person twice, once a month) and the callback form's rules."""

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from cases.models import CaseEvent, Evaluation, Rating, RiskColour, State
from cases.services import case_close, case_submit_result
from common.exceptions import ActionForbidden, InvalidTransition
from departments.models import Role
from supervision.models import Callback, CallbackAttempt, CallbackRound, Reason, SupervisionOrder
from supervision.services import (
    callback_record,
    callback_round_redraw,
    callback_round_sample,
    evaluation_record,
    sampling_population,
)

from ..factories import CaseFactory, PartyFactory, StaffFactory
from .conftest import at

pytestmark = pytest.mark.django_db

OCTOBER = dt.date(2026, 10, 1)
SAMPLING_DAY = at(2026, 11, 1, 9)


def closed_case(department, closed_at, *parties, state=State.CLOSED):
    case = CaseFactory(
        state=state, closed_at=closed_at, lead_department=department, risk_colour=RiskColour.BLUE,
        center=department.center,
    )  # fmt: skip
    for order, (name, phone, id_number) in enumerate(parties):
        PartyFactory(case=case, name=name, phone=phone, id_number=id_number, order=order)
    return case


@pytest.fixture
def october(department):
    """Cases closed in October 2026 (and around it), with people appearing more than once."""
    cases = [
        closed_case(department, at(2026, 10, 1, 0, 0, 1), ("甲", "13800000001", "110105194912310021")),
        # The same person (same ID number) on another case, with another phone: once only.
        closed_case(department, at(2026, 10, 2, 9), ("甲", "13900000009", "110105194912310021")),
        # No ID number, a phone already seen: the same person.
        closed_case(department, at(2026, 10, 3, 9), ("甲的家属", "13800000001", "")),
        # Two people with their own ID numbers sharing a phone: two people.
        closed_case(
            department,
            at(2026, 10, 4, 9),
            ("乙", "13800000002", "11010519491231004X"),
            ("丙", "13800000002", "110105194912310064"),
        ),
        # No phone: cannot be called.
        closed_case(department, at(2026, 10, 5, 9), ("丁", "", "110105194912310080")),
        closed_case(department, at(2026, 10, 6, 9), ("戊", "13800000003", ""), state=State.EVALUATED),
        closed_case(department, at(2026, 10, 31, 23, 59), ("己", "13800000004", "")),
    ]
    # Outside the month, or reopened since: not in October's population.
    closed_case(department, at(2026, 9, 30, 23, 59), ("庚", "13800000005", ""))
    closed_case(department, at(2026, 11, 1, 0, 0), ("辛", "13800000006", ""))
    reopened = closed_case(department, None, ("壬", "13800000007", ""), state=State.HANDLING)
    for n in range(30):  # enough people for a sample of 30 to be a real draw
        closed_case(
            department, at(2026, 10, 10, 8) + dt.timedelta(minutes=n), (f"众{n}", f"1370000{n:04d}", "")
        )
    return cases, reopened


def test_the_population_is_each_callable_person_once_in_a_fixed_order(october):
    population = sampling_population(OCTOBER)
    names = [c.party_id for c in population]
    from cases.models import Party

    by_id = {p.pk: p.name for p in Party.objects.filter(pk__in=names)}
    assert [by_id[pk] for pk in names][:6] == ["甲", "乙", "丙", "戊", "众0", "众1"]
    assert by_id[names[-1]] == "己"
    assert len(population) == 5 + 30
    assert len({c.person_key for c in population}) == len(population)
    assert sampling_population(OCTOBER) == population  # the same data, the same order


def test_sampling_draws_n_distinct_people_and_records_seed_and_population(october, coordinator, center):
    second_coordinator = StaffFactory(role=Role.COORDINATOR, center=center).user
    with time_machine.travel(SAMPLING_DAY, tick=False):
        round, created = callback_round_sample(month=OCTOBER)
    assert created
    assert (round.month, round.population_size, round.sample_size_requested, round.sample_size_taken) == (
        OCTOBER, 35, 30, 30,
    )  # fmt: skip
    assert round.seed and len(round.population_digest) == 64 and round.note == ""
    callbacks = list(round.callbacks.select_related("party").order_by("position"))
    assert [c.position for c in callbacks] == list(range(1, 31))
    people = [c.party.id_number or c.party.phone for c in callbacks]
    assert len(set(people)) == 30
    assert {c.assigned_to for c in callbacks} == {coordinator, second_coordinator}
    assert all(
        c.status == Callback.Status.PENDING and c.case.state in (State.CLOSED, State.EVALUATED)
        for c in callbacks
    )

    # Audit: drawing again from the stored seed gives the same people, in the same order.
    redraw = callback_round_redraw(round)
    assert redraw.population_unchanged and redraw.population_size == 35
    assert redraw.party_ids == [c.party_id for c in callbacks]


def test_the_same_seed_gives_the_same_sample_and_another_seed_another(october, department):
    from supervision.services.callbacks import draw

    population = sampling_population(OCTOBER)
    first = draw(population, seed=20261101, size=10)
    assert draw(population, seed=20261101, size=10) == first
    assert draw(population, seed=20261102, size=10) != first
    # Reproducible across rounds: sample, wipe, sample again with the stored seed.
    with time_machine.travel(SAMPLING_DAY, tick=False):
        round, _ = callback_round_sample(month=OCTOBER, size=10, seed=20261101)
    assert list(round.callbacks.order_by("position").values_list("party_id", flat=True)) == [
        c.party_id for c in first
    ]


def test_a_second_run_for_the_same_month_changes_nothing_and_says_so(october, coordinator):
    with time_machine.travel(SAMPLING_DAY, tick=False):
        out = io.StringIO()
        call_command("sample_callbacks", "--month", "2026-10", stdout=out)
        assert "回访抽样完成" in out.getvalue() and "抽取 30 人" in out.getvalue()
        round = CallbackRound.objects.get()
        before = list(Callback.objects.values_list("id", "party_id", "position"))
        again, created = callback_round_sample(month=OCTOBER, size=5, seed=1)
        assert (created, again) == (False, round)
        out = io.StringIO()
        call_command("sample_callbacks", "--month", "2026-10", stdout=out)
        assert "已有回访批次" in out.getvalue() and "未作任何改动" in out.getvalue()
        out = io.StringIO()
        call_command("sample_callbacks", "--month", "2026-10", "--verify", stdout=out)
        assert "结果一致" in out.getvalue()
    assert list(Callback.objects.values_list("id", "party_id", "position")) == before
    assert CallbackRound.objects.count() == 1


def test_fewer_eligible_than_asked_takes_all_and_says_so(department):
    closed_case(department, at(2026, 10, 8, 9), ("甲", "13800000001", ""))
    closed_case(department, at(2026, 10, 9, 9), ("乙", "13800000002", ""))
    with time_machine.travel(SAMPLING_DAY, tick=False):
        round, _ = callback_round_sample(month=OCTOBER)
    assert (round.population_size, round.sample_size_taken, round.sample_size_requested) == (2, 2, 30)
    assert "少于计划的 30 人" in round.note


def test_an_empty_month_makes_an_empty_round(center):  # a round is a center's
    with time_machine.travel(SAMPLING_DAY, tick=False):
        round, created = callback_round_sample(month=OCTOBER)
    assert created and round.sample_size_taken == 0 and round.population_size == 0


def test_only_a_month_that_has_ended_can_be_sampled(db):
    with time_machine.travel(at(2026, 10, 31, 23), tick=False), pytest.raises(ValidationError):
        callback_round_sample(month=OCTOBER)


def test_the_scheduled_task_samples_last_month(october, coordinator):
    from supervision.tasks import sample_callbacks

    with time_machine.travel(SAMPLING_DAY, tick=False):
        outcome = sample_callbacks.delay().get()
    centers = outcome.pop("centers")
    assert outcome == {"month": "2026-10", "created": True, "population": 35, "taken": 30}
    # One round for each county and township center: here the one county.
    assert [(c["center"], c["created"], c["taken"]) for c in centers] == [("420923", True, 30)]


def test_the_schedules_are_stored_for_beat_and_editable():
    sweep = PeriodicTask.objects.get(task="supervision.tasks.sweep_deadlines")
    assert (sweep.interval.every, sweep.interval.period, sweep.enabled) == (10, "minutes", True)
    sampling = PeriodicTask.objects.get(task="supervision.tasks.sample_callbacks")
    crontab = sampling.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year, crontab.day_of_week) == (
        "0", "9", "1", "*", "*",
    )  # fmt: skip
    assert str(crontab.timezone) == "Asia/Shanghai"
    assert json.loads(sampling.kwargs) == {}


# --- The callback form's rules ------------------------------------------------------------------


@pytest.fixture
def callback_for(assigned, liaison, coordinator):
    """A callback on a case closed through the services (optionally evaluated first)."""

    def make(*, evaluated: str = ""):
        case = assigned(colour=RiskColour.YELLOW, when=at(2026, 10, 12, 10), accept_at=at(2026, 10, 12, 11))
        with time_machine.travel(at(2026, 10, 20, 15), tick=False):
            case = case_submit_result(case=case, actor=liaison, result="已调解，工资已发放。")
            case = case_close(case=case, actor=coordinator)
        if evaluated:
            with time_machine.travel(at(2026, 10, 25, 15), tick=False):
                evaluation_record(case=case, actor=None, rating=evaluated)
        with time_machine.travel(at(2026, 12, 1, 9), tick=False):
            round, _ = callback_round_sample(month=case.closed_at.date().replace(day=1), size=1)
        return round.callbacks.get()

    return make


def test_three_unanswered_calls_close_the_callback_as_unreachable(callback_for, coordinator):
    callback = callback_for()
    for n in (1, 2):
        callback = callback_record(callback=callback, actor=coordinator, reached=False, note="无人接听")
        assert (callback.status, callback.attempts) == (Callback.Status.PENDING, n)
    callback = callback_record(callback=callback, actor=coordinator, reached=False, note="关机")
    assert (callback.status, callback.attempts, callback.completed_by) == (
        Callback.Status.UNREACHABLE,
        3,
        coordinator,
    )
    assert list(CallbackAttempt.objects.values_list("number", "reached")) == [
        (1, False),
        (2, False),
        (3, False),
    ]
    with pytest.raises(InvalidTransition):
        callback_record(callback=callback, actor=coordinator, reached=True, rating=Rating.SATISFIED)
    assert not SupervisionOrder.objects.exists()


def test_a_satisfied_answer_is_recorded_as_the_evaluation(callback_for, coordinator):
    callback = callback_for()
    callback = callback_record(callback=callback, actor=coordinator, reached=True, rating=Rating.SATISFIED)
    assert callback.status == Callback.Status.DONE and callback.order is None
    evaluation = Evaluation.objects.get()
    assert (evaluation.channel, evaluation.rating, evaluation.recorded_by) == (
        "callback",
        "satisfied",
        coordinator,
    )
    assert callback.evaluation == evaluation and callback.case.state == State.EVALUATED
    assert CaseEvent.objects.filter(case=callback.case, transition="evaluate", actor=coordinator).exists()


@pytest.mark.parametrize("rating", [Rating.BASICALLY_SATISFIED, Rating.DISSATISFIED])
def test_an_unhappy_answer_issues_an_order_and_records_the_evaluation(
    rating, callback_for, coordinator, liaison
):
    callback = callback_for()
    callback = callback_record(
        callback=callback, actor=coordinator, reached=True, rating=rating, comment="还有一个月工资没发"
    )
    order = callback.order
    assert (order.reason, order.issued_by, order.department) == (
        Reason.BAD_CALLBACK, coordinator, callback.case.lead_department,
    )  # fmt: skip
    assert "还有一个月工资没发" in order.required_action
    assert Evaluation.objects.get().channel == Evaluation.Channel.CALLBACK
    assert callback.case.state == State.EVALUATED  # until a coordinator reopens it


def test_an_unhappy_answer_on_an_evaluated_case_issues_an_order_only(callback_for, coordinator):
    callback = callback_for(evaluated=Rating.SATISFIED)
    callback = callback_record(callback=callback, actor=coordinator, reached=True, rating=Rating.DISSATISFIED)
    assert callback.order.reason == Reason.BAD_CALLBACK
    assert Evaluation.objects.count() == 1 and callback.evaluation is None


def test_the_callback_needs_a_coordinator_and_a_rating(callback_for, liaison, coordinator):
    callback = callback_for()
    with pytest.raises(ActionForbidden):
        callback_record(callback=callback, actor=liaison, reached=False)
    with pytest.raises(ValidationError):
        callback_record(callback=callback, actor=coordinator, reached=True, rating="")
    callback.refresh_from_db()
    assert callback.attempts == 0
