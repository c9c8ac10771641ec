"""Page and API give the same answer: same actor, same case → same visibility, masking, outcome.

Every rule that a staff page and the REST API both apply is asked here of both, for every role:
reception (the desk that recorded the case), coordinator, leader, administrator, a liaison of the
lead department, of a co-operating department, and of a department with nothing to do with it.
"""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import Case, CaseEvent, HandlingRecord, State
from cases.services import (
    case_accept,
    case_assign,
    case_close,
    case_start_assessment,
    case_submit_result,
)
from departments.models import Role
from supervision.models import Level, OrderStatus, Reason, SupervisionOrder
from supervision.services import evaluation_record, supervision_order_issue, supervision_order_respond
from tests.factories import DepartmentFactory, StaffFactory

pytestmark = pytest.mark.django_db

ROLES = ["reception", "coordinator", "leader", "admin", "lead_liaison", "co_liaison", "other_liaison"]
FULL_PHONE, FULL_ID = "13812345678", "11010519491231002X"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people(center, reception, coordinator, leader, admin_user, liaison, other_liaison):
    third = DepartmentFactory(center=center, slug="housing", name="县住建局", short_name="住建")
    return {
        "reception": reception,  # the desk that recorded the cases (``new_case``)
        "coordinator": coordinator,
        "leader": leader,
        "admin": admin_user,
        "lead_liaison": liaison,
        "co_liaison": other_liaison,
        "other_liaison": StaffFactory(role=Role.LIAISON, center=center, department=third).user,
    }


@pytest.fixture
def case_in(new_case, coordinator, liaison, department, other_department):
    """A case taken to ``state``: lead department ``department``, co-department ``other_department``."""

    def make(state: str) -> Case:
        case = new_case()
        steps = [
            (State.ASSESSING, lambda c: case_start_assessment(case=c, actor=coordinator)),
            (
                State.ASSIGNED,
                lambda c: case_assign(
                    case=c,
                    actor=coordinator,
                    risk_colour="yellow",
                    lead_department=department,
                    co_departments=[other_department],
                ),
            ),
            (State.HANDLING, lambda c: case_accept(case=c, actor=liaison)),
            (State.REVIEWING, lambda c: case_submit_result(case=c, actor=liaison, result="已调解。")),
            (State.CLOSED, lambda c: case_close(case=c, actor=coordinator)),
        ]
        order = [State.RECEIVED] + [s for s, _ in steps]
        for target, step in steps[: order.index(state)]:
            case = step(case)
            assert case.state == target
        return Case.objects.get(pk=case.pk)

    return make


class Actor:
    """One user, as a logged-in browser (``page``) and as a token API client (``api``)."""

    def __init__(self, user):
        self.user = user
        self.page = Client()
        self.page.force_login(user)
        self.api = APIClient()
        self.api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")

    def api_post(self, path, body):
        return self.api.post(f"/api/v1/{path}", body, format="json")


@pytest.fixture
def actor(people):
    return lambda role: Actor(people[role])


def allowed(status: int) -> bool:
    """200-class (a redirect after a form is the page's success) vs refused (403 or 404)."""
    assert status in (200, 201, 302, 403, 404), status
    return status in (200, 201, 302)


# --- Visibility and masking ---------------------------------------------------------------------

SEES_FULL = {"coordinator", "admin", "lead_liaison"}
SEES_CASE = set(ROLES) - {"other_liaison"}


@pytest.mark.parametrize("role", ROLES)
def test_case_page_and_api_detail_agree_on_visibility_and_masking(actor, case_in, role):
    """Both show every number masked, to every role; both offer "显示" to the same roles (issue 11)."""
    case = case_in(State.HANDLING)
    who = actor(role)

    page = who.page.get(reverse("cases:detail", args=[case.code]))
    api = who.api.get(f"/api/v1/cases/{case.code}/")

    assert allowed(page.status_code) is allowed(api.status_code) is (role in SEES_CASE)
    if role not in SEES_CASE:
        return
    html = page.content.decode()
    parties = {p["name"]: p for p in api.json()["parties"]}
    # Numbers are masked by default on both, whatever the role (was: in full for SEES_FULL).
    assert FULL_PHONE not in html and FULL_ID not in html
    assert parties["张三"]["phone"] != FULL_PHONE and parties["张三"]["id_number"] != FULL_ID
    assert parties["张三"]["masked"] is True
    page_offers_reveal = (
        reverse("cases:party_reveal", args=[case.code, parties["张三"]["id"], "phone"]) in html
    )
    assert page_offers_reveal is (role in SEES_FULL)


@pytest.mark.parametrize("role", ROLES)
def test_page_and_api_reveal_agree_and_both_log(actor, case_in, role):
    """The "显示" action: the same roles get the full number on the page and the API, each call logged."""
    from audit.models import AccessLogEntry

    case = case_in(State.HANDLING)
    who = actor(role)
    party = case.parties.get(name="张三")

    page = who.page.post(
        reverse("cases:party_reveal", args=[case.code, party.pk, "phone"]), {"reason": "联系当事人"}
    )
    api = who.api_post(
        f"cases/{case.code}/parties/{party.pk}/reveal/", {"field": "phone", "reason": "联系当事人"}
    )

    assert allowed(page.status_code) is allowed(api.status_code) is (role in SEES_FULL)
    assert (FULL_PHONE in page.content.decode()) is (role in SEES_FULL)
    assert (FULL_PHONE in api.content.decode()) is (role in SEES_FULL)
    logged = AccessLogEntry.objects.filter(action="personal.reveal", actor=who.user, case_code=case.code)
    assert logged.count() == (2 if role in SEES_FULL else 0)


@pytest.mark.parametrize("role", ROLES)
def test_the_desk_sees_on_the_api_what_its_receipt_shows(actor, new_case, role):
    """Even the case the desk has just recorded: the receipt masks the party, so does the API."""
    case = new_case()
    who = actor(role)
    api = who.api.get(f"/api/v1/cases/{case.code}/")
    page = who.page.get(reverse("cases:detail", args=[case.code]))
    if role == "reception":
        receipt = who.page.get(reverse("cases:receipt", args=[case.code])).content.decode()
        assert "张三" not in receipt and FULL_PHONE not in receipt
    if allowed(api.status_code):
        full = api.json()["parties"][0]["phone"] == FULL_PHONE
        assert full is (FULL_PHONE in page.content.decode()) is False


# --- QR (the receipt's secret key) --------------------------------------------------------------

SEES_QR = {"reception", "coordinator", "admin"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_qr_page_url_and_api_endpoint_agree(actor, case_in, role, fmt):
    case = case_in(State.HANDLING)
    who = actor(role)
    page = who.page.get(reverse(f"cases:qr_{fmt}", args=[case.code]))
    api = who.api.get(f"/api/v1/cases/{case.code}/qr.{fmt}")
    assert allowed(page.status_code) is allowed(api.status_code) is (role in SEES_QR)
    if role in SEES_QR:
        assert page.content == api.content
    elif role in SEES_CASE:
        assert page.status_code == api.status_code == 403
    # The detail links the QR exactly when the endpoint serves it.
    detail = who.api.get(f"/api/v1/cases/{case.code}/")
    if detail.status_code == 200:
        assert (detail.json()["qr_url"] is not None) is (role in SEES_QR)
        assert ("k=" in detail.json()["tracking_url"]) is (role in SEES_QR)


# --- Handling records ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", [State.ASSIGNED, State.REVIEWING, State.CLOSED])
def test_may_add_a_record_on_the_page_and_the_api_alike(actor, case_in, role, state):
    page_case, api_case = case_in(state), case_in(state)
    who = actor(role)
    page = who.page.post(
        reverse("cases:record_add", args=[page_case.code]),
        {"record-kind": "progress", "record-text": "已电话联系申请人。"},
    )
    api = who.api_post(f"cases/{api_case.code}/records/", {"kind": "progress", "text": "已电话联系申请人。"})
    page_added = HandlingRecord.objects.filter(case=page_case).exists()
    api_added = HandlingRecord.objects.filter(case=api_case).exists()
    assert allowed(page.status_code) is page_added
    assert allowed(api.status_code) is api_added
    expected = role == "coordinator" or (role in {"lead_liaison", "co_liaison"} and state != State.CLOSED)
    assert page_added is api_added is expected


# --- Supervise: one order, under supervision ----------------------------------------------------


def _outcome(case: Case) -> tuple:
    case = Case.objects.get(pk=case.pk)
    orders = list(SupervisionOrder.objects.filter(case=case).values_list("reason", "level", "instruction"))
    events = list(
        CaseEvent.objects.filter(case=case, transition="supervise").values_list("from_state", "to_state")
    )
    return case.state, orders, events


@pytest.mark.parametrize("role", ROLES)
def test_supervise_on_the_page_and_over_http_give_the_same_outcome(actor, case_in, role):
    page_case, api_case = case_in(State.HANDLING), case_in(State.HANDLING)
    who = actor(role)
    page = who.page.post(
        reverse("supervision:order_issue"),
        {
            "code": page_case.code,
            "level": Level.LEADER,
            "instruction": "三日内拿出化解方案",
            "required_action": "",
        },
    )
    api = who.api_post(
        f"cases/{api_case.code}/transitions/supervise/",
        {"instruction": "三日内拿出化解方案", "level": "leader"},
    )
    assert allowed(page.status_code) is allowed(api.status_code) is (role == "leader")
    assert _outcome(page_case) == _outcome(api_case)
    if role == "leader":
        state, orders, events = _outcome(api_case)
        assert state == State.SUPERVISED
        assert orders == [(Reason.LEADER_INSTRUCTION, Level.LEADER, "三日内拿出化解方案")]
        assert events == [(State.HANDLING, State.SUPERVISED)]
    else:
        assert _outcome(api_case) == (State.HANDLING, [], [])
        if role in SEES_CASE:
            assert page.status_code == api.status_code == 403


def test_a_missing_instruction_is_refused_on_both(actor, case_in):
    page_case, api_case = case_in(State.HANDLING), case_in(State.HANDLING)
    who = actor("leader")
    page = who.page.post(reverse("supervision:order_issue"), {"code": page_case.code, "level": "leader"})
    api = who.api_post(f"cases/{api_case.code}/transitions/supervise/", {"level": "leader"})
    assert page.status_code == api.status_code == 400
    assert "instruction" in api.json()["error"]["fields"]
    assert _outcome(page_case) == _outcome(api_case) == (State.HANDLING, [], [])


# --- End of supervision: the department answers, the center verifies ----------------------------


def _supervised(case_in, leader, liaison, *, answered: bool):
    case = case_in(State.HANDLING)
    order = supervision_order_issue(
        case=case, actor=leader, reason=Reason.LEADER_INSTRUCTION, instruction="答复"
    )
    if answered:
        supervision_order_respond(order=order, actor=liaison, response="已化解。")
    return Case.objects.get(pk=case.pk), order


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("answered", [True, False])
def test_ending_supervision_on_the_page_and_over_http_alike(actor, case_in, leader, liaison, role, answered):
    page_case, page_order = _supervised(case_in, leader, liaison, answered=answered)
    api_case, api_order = _supervised(case_in, leader, liaison, answered=answered)
    who = actor(role)
    page = who.page.post(reverse("supervision:order_verify", args=[page_order.number]), {"note": "核查属实"})
    api = who.api_post(f"cases/{api_case.code}/transitions/end_supervision/", {"reason": "核查属实"})

    may = role in {"coordinator", "leader"}
    if may and not answered:
        # Refused by the state of the order on both: the page says so, the API answers 409.
        assert page.status_code == 302 and api.status_code == 409
    else:
        assert allowed(page.status_code) is allowed(api.status_code) is may
    page_order.refresh_from_db()
    api_order.refresh_from_db()
    ended = may and answered
    assert page_order.status == api_order.status == (OrderStatus.VERIFIED if ended else page_order.status)
    assert Case.objects.get(pk=page_case.pk).state == Case.objects.get(pk=api_case.pk).state
    assert Case.objects.get(pk=api_case.pk).state == (State.HANDLING if ended else State.SUPERVISED)


# --- Reopen: under supervision while an order is open -------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("open_order", [True, False])
def test_reopen_on_the_page_and_over_http_alike(actor, case_in, coordinator, role, open_order):
    def closed():
        case = case_in(State.CLOSED)
        if open_order:
            evaluation_record(
                case=case, actor=coordinator, rating="dissatisfied", comment="没解决", channel="staff"
            )
        return Case.objects.get(pk=case.pk)

    page_case, api_case = closed(), closed()
    who = actor(role)
    page = who.page.post(reverse("supervision:case_reopen", args=[page_case.code]), {"reason": "重新办理"})
    api = who.api_post(f"cases/{api_case.code}/transitions/reopen/", {"reason": "重新办理"})
    page_state = Case.objects.get(pk=page_case.pk).state
    api_state = Case.objects.get(pk=api_case.pk).state
    assert page_state == api_state
    if role == "coordinator":
        assert page.status_code == 302 and api.status_code == 200
        assert api_state == (State.SUPERVISED if open_order else State.HANDLING)
    else:
        assert not allowed(page.status_code) and not allowed(api.status_code)
        assert page.status_code == api.status_code  # 403, or 404 for a case the user may not see
        assert api_state == (State.EVALUATED if open_order else State.CLOSED)
    assert SupervisionOrder.objects.filter(case=api_case).count() == int(open_order)


# --- Tracking: the second factor ----------------------------------------------------------------


def _stranger_guesses(client, case, how: str, count: int = 5) -> None:
    for i in range(count):
        address = f"198.51.100.{i + 1}"
        if how == "page":
            Client().post(
                reverse("tracking:verify", args=[case.code]), {"last4": "0000"}, REMOTE_ADDR=address
            )
        else:
            client.post(
                f"/api/v1/public/cases/{case.code}/verify/",
                {"phone_last4": "0000"},
                format="json",
                REMOTE_ADDR=address,
            )


@pytest.mark.parametrize("how", ["page", "api"])
def test_after_strangers_guesses_the_key_still_works_and_digits_are_blocked_on_both(new_case, how):
    case = new_case()
    _stranger_guesses(APIClient(), case, how)
    party = "203.0.113.7"

    page_key = Client().get(
        reverse("tracking:case", args=[case.code]) + f"?k={case.tracking_key}", REMOTE_ADDR=party
    )
    api_key = APIClient().post(
        f"/api/v1/public/cases/{case.code}/verify/",
        {"key": case.tracking_key},
        format="json",
        REMOTE_ADDR=party,
    )
    assert page_key.status_code == 302 and page_key["Location"] == reverse("tracking:case", args=[case.code])
    assert api_key.status_code == 200 and api_key.json()["code"] == case.code

    page_digits = Client().post(
        reverse("tracking:verify", args=[case.code]), {"last4": "5678"}, REMOTE_ADDR=party
    )
    api_digits = APIClient().post(
        f"/api/v1/public/cases/{case.code}/verify/", {"phone_last4": "5678"}, format="json", REMOTE_ADDR=party
    )
    assert page_digits.status_code == api_digits.status_code == 429


def test_a_wrong_key_counts_the_same_on_both_and_the_right_digits_pass_on_both(new_case):
    case = new_case()
    page = Client().get(reverse("tracking:case", args=[case.code]) + "?k=wrong", REMOTE_ADDR="192.0.2.1")
    api = APIClient().post(
        f"/api/v1/public/cases/{case.code}/verify/", {"key": "wrong"}, format="json", REMOTE_ADDR="192.0.2.2"
    )
    assert page.status_code == api.status_code == 403
    page = Client().post(
        reverse("tracking:verify", args=[case.code]), {"last4": "5678"}, REMOTE_ADDR="192.0.2.3"
    )
    api = APIClient().post(
        f"/api/v1/public/cases/{case.code}/verify/",
        {"phone_last4": "5678"},
        format="json",
        REMOTE_ADDR="192.0.2.4",
    )
    assert page.status_code == 302 and api.status_code == 200


@pytest.mark.parametrize("how", ["page", "api"])
def test_an_address_that_guessed_too_often_at_one_code_still_opens_others_on_both(new_case, how):
    """Guesses lock the code, not the address every party behind a proxy shares (issue 11, finding 2)."""
    case, other = new_case(), new_case()
    guesser = "198.51.100.99"
    for _ in range(5):
        if how == "page":
            Client().post(
                reverse("tracking:verify", args=[other.code]), {"last4": "0000"}, REMOTE_ADDR=guesser
            )
        else:
            APIClient().post(
                f"/api/v1/public/cases/{other.code}/verify/",
                {"phone_last4": "0000"},
                format="json",
                REMOTE_ADDR=guesser,
            )
    page = Client().get(
        reverse("tracking:case", args=[case.code]) + f"?k={case.tracking_key}", REMOTE_ADDR=guesser
    )
    api = APIClient().post(
        f"/api/v1/public/cases/{case.code}/verify/",
        {"key": case.tracking_key},
        format="json",
        REMOTE_ADDR=guesser,
    )
    assert page.status_code == 302 and api.status_code == 200
    page = Client().post(reverse("tracking:verify", args=[case.code]), {"last4": "5678"}, REMOTE_ADDR=guesser)
    api = APIClient().post(
        f"/api/v1/public/cases/{case.code}/verify/",
        {"phone_last4": "5678"},
        format="json",
        REMOTE_ADDR=guesser,
    )
    assert page.status_code == 302 and api.status_code == 200
    # The guessed-at code itself: its receipt key opens it on both, its digits are locked on both.
    page = Client().get(
        reverse("tracking:case", args=[other.code]) + f"?k={other.tracking_key}", REMOTE_ADDR=guesser
    )
    api = APIClient().post(
        f"/api/v1/public/cases/{other.code}/verify/",
        {"key": other.tracking_key},
        format="json",
        REMOTE_ADDR=guesser,
    )
    assert page.status_code == 302 and api.status_code == 200


# --- Tracking: the closing evaluation belongs to the applicant side -----------------------------


@pytest.mark.parametrize(
    ("digits", "may"), [("5678", True), ("4567", False)], ids=["applicant", "respondent"]
)
def test_page_and_api_agree_on_who_may_evaluate(case_in, digits, may):
    page_case, api_case = case_in(State.CLOSED), case_in(State.CLOSED)
    page_client = Client()
    assert (
        page_client.post(reverse("tracking:verify", args=[page_case.code]), {"last4": digits}).status_code
        == 302
    )
    page_form = reverse("supervision:public_evaluate", args=[page_case.code])
    shown = page_form in page_client.get(reverse("tracking:case", args=[page_case.code])).content.decode()
    verified = APIClient().post(
        f"/api/v1/public/cases/{api_case.code}/verify/", {"phone_last4": digits}, format="json"
    )
    assert shown is verified.json()["can_evaluate"] is may

    page = page_client.post(page_form, {"rating": "dissatisfied"})
    api = APIClient().post(
        f"/api/v1/public/cases/{api_case.code}/evaluation/",
        {"phone_last4": digits, "rating": "dissatisfied"},
        format="json",
    )
    assert (page.status_code, api.status_code) == ((302, 201) if may else (403, 403))
    for case in (page_case, api_case):
        case = Case.objects.get(pk=case.pk)
        assert case.state == (State.EVALUATED if may else State.CLOSED)
        assert SupervisionOrder.objects.filter(case=case, reason=Reason.BAD_EVALUATION).count() == int(may)
        assert list(case.evaluations.values_list("party__role", flat=True)) == (["applicant"] if may else [])
