"""Real concurrency on PostgreSQL: gap-free codes under parallel intake, and one winner per race.

Each thread opens its own database connection (and closes it at the end), so the row locks
are exercised as in production. These tests skip on SQLite (or fail under
ZONGZHI_REQUIRE_POSTGRES=1) through the ``require_postgres`` fixture.
"""

import threading
from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.utils import timezone

from cases.codes import make_code, normalize_code
from cases.models import Case, CaseEvent, CaseSequence, State
from cases.services import PartyData, case_close, case_create, case_submit_result, case_supervise
from common.exceptions import ConcurrentChange, InvalidTransition
from departments.models import Role

from ..factories import StaffFactory
from .test_lifecycle import drive_to, make_ctx

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8
PER_THREAD = 13  # 104 cases in all
CONFLICTS = (ConcurrentChange, InvalidTransition)  # both are answered with 409


def run_in_threads(targets: list[Callable[[], object]], *, timeout: float = 120) -> list[tuple[str, object]]:
    """Run each target in its own thread, started together; return ("ok", value) or ("error", exc)."""
    barrier = threading.Barrier(len(targets))
    results: list[tuple[str, object] | None] = [None] * len(targets)

    def worker(i: int, target: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = ("ok", target())
        except BaseException as exc:  # report everything to the main thread
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def intake(reception, center, label: str) -> Case:
    return case_create(
        actor=reception,
        title=f"并发受理测试 {label}",
        description="同一时间多个窗口受理。",
        category="neighbour",
        source="walk_in",
        parties=[PartyData(name="张三", phone="13812345678")],
        center=center,
    )


def test_parallel_intake_gives_distinct_gap_free_codes(require_postgres, reception, center):
    def desk(t: int) -> list[str]:
        return [intake(reception, center, f"{t}-{n}").code for n in range(PER_THREAD)]

    results = run_in_threads([lambda t=t: desk(t) for t in range(THREADS)])

    assert [kind for kind, _ in results] == ["ok"] * THREADS, results
    codes = [code for _, batch in results for code in batch]
    total = THREADS * PER_THREAD
    assert len(codes) == total >= 100
    assert len(set(codes)) == total
    year = timezone.localtime().year
    assert sorted(codes) == [make_code("420923", year, n) for n in range(1, total + 1)]
    assert all(normalize_code(code) == code for code in codes)
    assert Case.objects.count() == total
    assert sorted(Case.objects.values_list("code", flat=True)) == sorted(codes)
    assert CaseSequence.objects.get(county_code="420923", year=year).last_number == total
    assert CaseEvent.objects.filter(transition="create").count() == total


def test_parallel_intake_with_rollbacks_leaves_no_gaps(require_postgres, reception, center):
    """Every third intake is undone after taking its number; the numbers still have no gaps."""

    def desk(t: int) -> int:
        kept = 0
        for n in range(PER_THREAD):
            try:
                with transaction.atomic():
                    intake(reception, center, f"{t}-{n}")
                    if (t + n) % 3 == 0:
                        raise RuntimeError("undo")
                kept += 1
            except RuntimeError:
                pass
        return kept

    results = run_in_threads([lambda t=t: desk(t) for t in range(THREADS)])

    assert [kind for kind, _ in results] == ["ok"] * THREADS, results
    kept = sum(value for _, value in results)
    assert 0 < kept < THREADS * PER_THREAD
    year = timezone.localtime().year
    assert sorted(Case.objects.values_list("code", flat=True)) == [
        make_code("420923", year, n) for n in range(1, kept + 1)
    ]
    assert CaseSequence.objects.get(county_code="420923", year=year).last_number == kept


@pytest.fixture
def ctx(request):
    return make_ctx(request)


def race(case: Case, actions: list[Callable[[Case], Case]]) -> list[tuple[str, object]]:
    """Let each action act at the same moment on its own fresh copy of ``case``."""

    def act(action: Callable[[Case], Case]) -> Callable[[], str]:
        copy = Case.objects.get(pk=case.pk)  # each person's page shows the same version
        return lambda: action(copy).state

    return run_in_threads([act(a) for a in actions])


def assert_one_winner(results, case: Case, *, version_before: int, events_before: int) -> str:
    outcomes = [kind for kind, _ in results]
    assert sorted(outcomes) == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, CONFLICTS), repr(error)
    assert error.status == 409
    case.refresh_from_db()
    assert case.version == version_before + 1
    assert CaseEvent.objects.filter(case=case).count() == events_before + 1
    return next(value for kind, value in results if kind == "ok")


@pytest.mark.parametrize("round_", range(3))
def test_two_coordinators_closing_at_once_close_it_once(require_postgres, ctx, center, round_):
    second = StaffFactory(role=Role.COORDINATOR, center=center).user
    case = drive_to(ctx, State.REVIEWING)
    case.refresh_from_db()
    version, events = case.version, case.events.count()

    results = race(
        case,
        [
            lambda c: case_close(case=c, actor=ctx.coordinator, reason="甲审核通过"),
            lambda c: case_close(case=c, actor=second, reason="乙审核通过"),
        ],
    )

    assert assert_one_winner(results, case, version_before=version, events_before=events) == State.CLOSED
    assert case.state == State.CLOSED
    assert case.events.filter(transition="close").count() == 1


@pytest.mark.parametrize("round_", range(3))
def test_submit_and_supervise_at_once_one_wins(require_postgres, ctx, round_):
    case = drive_to(ctx, State.HANDLING)
    case.refresh_from_db()
    version, events = case.version, case.events.count()

    results = race(
        case,
        [
            lambda c: case_submit_result(case=c, actor=ctx.liaison, result="已调解完毕"),
            lambda c: case_supervise(case=c, actor=ctx.coordinator, reason="超期督办"),
        ],
    )

    winner = assert_one_winner(results, case, version_before=version, events_before=events)
    assert case.state == winner
    assert winner in (State.REVIEWING, State.SUPERVISED)
    new_event = case.events.latest("id")
    assert new_event.transition == ("submit_result" if winner == State.REVIEWING else "supervise")
    assert new_event.from_state == State.HANDLING


def test_a_late_reader_gets_invalid_transition_not_a_second_success(require_postgres, ctx):
    """Without a preloaded copy, the loser may read the new state: still one event, one 409."""
    case = drive_to(ctx, State.REVIEWING)
    case.refresh_from_db()
    version, events = case.version, case.events.count()

    def close_fresh() -> str:
        return case_close(case=Case.objects.get(pk=case.pk), actor=ctx.coordinator).state

    results = run_in_threads([close_fresh, close_fresh])

    assert assert_one_winner(results, case, version_before=version, events_before=events) == State.CLOSED
