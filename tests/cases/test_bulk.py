"""cases_supervise_bulk: the set-based supervise transition, with the one-case service's outcomes."""

import pytest
from django.utils import timezone

from cases.models import Case, CaseEvent, Notification, State
from cases.services import case_accept, case_assign, case_start_assessment, cases_supervise_bulk
from common.exceptions import ActionForbidden
from integrations.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_assigned(new_case, coordinator, department):
    def make(n: int = 1) -> list[Case]:
        cases = []
        for _ in range(n):
            case = case_start_assessment(case=new_case(), actor=coordinator)
            cases.append(
                case_assign(case=case, actor=coordinator, risk_colour="blue", lead_department=department)
            )
        return cases

    return make


def test_supervises_assigned_and_handling_cases_with_events_and_a_new_version(make_assigned, liaison):
    assigned, handling = make_assigned(2)
    handling = case_accept(case=handling, actor=liaison)
    now = timezone.now()

    done = cases_supervise_bulk(
        case_ids=[assigned.pk, handling.pk],
        reason="期限已过",
        reason_by_case={handling.pk: "督办单 DB2026000001：期限已过"},
        data_by_case={assigned.pk: {"sweep": "t1"}},
        now=now,
    )

    assert sorted(done) == sorted([assigned.pk, handling.pk])
    rows = {c.pk: c for c in Case.objects.filter(pk__in=done)}
    assert rows[assigned.pk].state == rows[handling.pk].state == State.SUPERVISED
    assert rows[assigned.pk].version == assigned.version + 1
    assert rows[handling.pk].version == handling.version + 1
    assert rows[assigned.pk].updated_at == now
    events = {e.case_id: e for e in CaseEvent.objects.filter(transition="supervise")}
    assert (events[assigned.pk].from_state, events[assigned.pk].to_state) == (
        State.ASSIGNED,
        State.SUPERVISED,
    )
    assert events[handling.pk].from_state == State.HANDLING
    assert events[assigned.pk].reason == "期限已过" and events[assigned.pk].data == {"sweep": "t1"}
    assert events[handling.pk].reason == "督办单 DB2026000001：期限已过"
    assert events[assigned.pk].actor is None and events[assigned.pk].created_at == now


def test_skips_states_the_machine_does_not_allow_and_is_idempotent(make_assigned, new_case):
    (assigned,) = make_assigned(1)
    received = new_case()
    now = timezone.now()

    first = cases_supervise_bulk(case_ids=[assigned.pk, received.pk], reason="期限已过", now=now)
    second = cases_supervise_bulk(case_ids=[assigned.pk, received.pk], reason="期限已过", now=now)

    assert first == [assigned.pk] and second == []
    assert Case.objects.get(pk=received.pk).state == State.RECEIVED
    assert CaseEvent.objects.filter(transition="supervise").count() == 1
    assert Case.objects.get(pk=assigned.pk).version == assigned.version + 1


def test_a_reason_is_required(make_assigned):
    (assigned,) = make_assigned(1)
    with pytest.raises(Exception) as caught:
        cases_supervise_bulk(case_ids=[assigned.pk], reason="  ", now=timezone.now())
    assert "reason" in caught.value.message_dict
    assert Case.objects.get(pk=assigned.pk).state == State.ASSIGNED


def test_a_person_needs_the_role_the_one_case_service_needs(make_assigned, liaison, coordinator):
    (assigned,) = make_assigned(1)
    with pytest.raises(ActionForbidden):
        cases_supervise_bulk(case_ids=[assigned.pk], actor=liaison, reason="督办", now=timezone.now())
    assert cases_supervise_bulk(
        case_ids=[assigned.pk], actor=coordinator, reason="督办", now=timezone.now()
    ) == [assigned.pk]
    assert CaseEvent.objects.get(case=assigned, transition="supervise").actor == coordinator


@pytest.mark.parametrize("n", [2, 12])
def test_a_constant_number_of_queries(make_assigned, n, django_assert_num_queries):
    WebhookSubscription.objects.create(
        name="市平台", url="https://example.org/hook", secret="s" * 32, event_types=["case.transition"]
    )
    cases = make_assigned(n)
    # Lock and read; UPDATE; events; history (cases, INSERT); subscriptions; deliveries, series
    # numbers and their ids; the outbox row (no savepoint: the service joins the caller's transaction whole).
    with django_assert_num_queries(BULK_QUERIES):
        done = cases_supervise_bulk(case_ids=[c.pk for c in cases], reason="期限已过", now=timezone.now())
    assert len(done) == n
    assert (
        WebhookDelivery.objects.filter(event_type="case.transition", payload__transition="supervise").count()
        == n
    )


BULK_QUERIES = 10  # + the outbox row of the notices (one INSERT)


def test_notices_and_webhooks_after_commit_as_the_one_case_service(
    make_assigned, liaison, django_capture_on_commit_callbacks
):
    WebhookSubscription.objects.create(
        name="市平台", url="https://example.org/hook", secret="s" * 32, event_types=["case.transition"]
    )
    cases = make_assigned(2)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        cases_supervise_bulk(case_ids=[c.pk for c in cases], reason="期限已过", now=timezone.now())
    assert not Notification.objects.exists()  # nothing before the commit
    assert len(callbacks) == 1 + 2  # one notice task for the batch, one delivery per event
    for callback in callbacks[:1]:
        callback()
    notices = Notification.objects.filter(user=liaison, kind="supervise")
    assert sorted(n.case_id for n in notices) == sorted(c.pk for c in cases)
    payloads = WebhookDelivery.objects.filter(payload__transition="supervise").values_list(
        "payload", flat=True
    )
    assert {p["case"] for p in payloads} == {c.code for c in cases}
    assert all(p["from_state"] == State.ASSIGNED and p["to_state"] == State.SUPERVISED for p in payloads)


def test_each_supervised_case_leaves_a_history_row(make_assigned, coordinator):
    (assigned,) = make_assigned(1)
    before = assigned.history.count()
    cases_supervise_bulk(case_ids=[assigned.pk], actor=coordinator, reason="期限已过", now=timezone.now())
    latest = Case.objects.get(pk=assigned.pk).history.first()
    assert assigned.history.count() == before + 1
    assert latest.state == State.SUPERVISED and latest.history_type == "~"
    assert latest.history_user == coordinator and latest.history_change_reason == "期限已过"


def test_a_caller_that_tells_people_itself_queues_no_notices(
    make_assigned, liaison, django_capture_on_commit_callbacks
):
    cases = make_assigned(2)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        done = cases_supervise_bulk(
            case_ids=[c.pk for c in cases], reason="期限已过", now=timezone.now(), notices=False
        )
    assert len(done) == 2 and callbacks == []  # no subscriber: no delivery either
    assert not Notification.objects.exists()
