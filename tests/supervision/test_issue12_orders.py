"""Issue 12, item 9: the leader's order form (批示督办) — the case picked by search, its preview, and
an answer deadline the leader may choose within the policy's window, on the page and over the API.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.codes import display_code, make_code, normalize_code
from cases.models import RiskColour, State
from departments.models import DeadlineRule, Stage
from supervision.forms import CaseFindForm
from supervision.models import Reason, SupervisionOrder, SupervisionOrderEvent
from supervision.services import supervision_order_issue
from supervision.services.orders import ANSWER_LATEST_WORKING_DAYS, respond_by_window

from ..api.conftest import error_of, token_client
from .conftest import SHANGHAI, at

pytestmark = pytest.mark.django_db

# A Wednesday with ordinary weeks around it: the next working day is Thursday 19 November, the
# 20th working day after it Wednesday 16 December; the rules give a blue case 5 working days.
NOW = at(2026, 11, 18, 10)
FIRST, LAST, DEFAULT = dt.date(2026, 11, 19), dt.date(2026, 12, 16), dt.date(2026, 11, 25)
ISSUE = reverse("supervision:order_issue")
INSTRUCTION = "请于12月10日前办结并报告。"


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def case(assigned):
    return assigned(colour=RiskColour.BLUE, when=at(2026, 11, 17, 10), accept_at=at(2026, 11, 17, 11))


def _html(response) -> str:
    return response.content.decode()


# --- The policy's window -----------------------------------------------------------------------


def test_the_window_runs_from_the_next_working_day_to_the_twentieth(case):
    assert ANSWER_LATEST_WORKING_DAYS == 20
    assert respond_by_window(case, start=NOW) == (FIRST, LAST)


def test_on_a_friday_the_first_day_is_monday(case):
    assert respond_by_window(case, start=at(2026, 11, 20, 16))[0] == dt.date(2026, 11, 23)


def test_a_legal_limit_of_the_answering_stage_caps_the_window(case):
    DeadlineRule.objects.create(
        colour="blue", stage=Stage.RESPOND, amount=8, unit=DeadlineRule.Unit.WORKING_DAYS, is_legal_limit=True
    )
    assert respond_by_window(case, start=NOW) == (FIRST, dt.date(2026, 11, 30))


# --- The service -------------------------------------------------------------------------------


def test_without_a_chosen_day_the_rules_set_the_answer_deadline(case, leader):
    order = supervision_order_issue(
        case=case, actor=leader, reason=Reason.LEADER_INSTRUCTION, instruction="办"
    )
    assert order.respond_by == end_of(DEFAULT)


@pytest.mark.parametrize("day", [FIRST, dt.date(2026, 12, 10), LAST])
def test_a_chosen_day_ends_the_answer_time_at_its_midnight(case, leader, day):
    order = supervision_order_issue(
        case=case, actor=leader, reason=Reason.LEADER_INSTRUCTION, instruction=INSTRUCTION, respond_by=day
    )
    assert order.respond_by == end_of(day)
    event = order.events.get(action=SupervisionOrderEvent.Action.ISSUE)
    assert event.data == {"respond_by_chosen": day.isoformat()}


@pytest.mark.parametrize(
    "day", [dt.date(2026, 11, 18), dt.date(2026, 11, 17), LAST + dt.timedelta(days=1), dt.date(2027, 3, 1)]
)
def test_a_day_outside_the_window_is_refused_and_nothing_is_kept(case, leader, day):
    with pytest.raises(ValidationError) as caught:
        supervision_order_issue(
            case=case, actor=leader, reason=Reason.LEADER_INSTRUCTION, instruction=INSTRUCTION, respond_by=day
        )
    assert caught.value.message_dict == {"respond_by": ["答复期限须在11月19日至12月16日之间（含当日）。"]}
    assert not SupervisionOrder.objects.exists()
    case.refresh_from_db()
    assert case.state == State.HANDLING


# --- The page ------------------------------------------------------------------------------------


def test_the_example_code_is_grouped_as_codes_are_printed():
    placeholder = str(CaseFindForm().fields["q"].widget.attrs["placeholder"])
    example = re.search(r"[0-9][0-9-]+[0-9X]", placeholder)[0]
    assert example == display_code(normalize_code(example)) == display_code(make_code("420923", 2026, 123))


@pytest.mark.parametrize("role", ["coordinator", "liaison", "reception"])
def test_only_leaders_open_the_form_and_its_picker(client, request, role, case):
    client.force_login(request.getfixturevalue(role))
    assert client.get(ISSUE).status_code == 403
    assert client.post(reverse("supervision:order_case_find"), {"q": case.title}).status_code == 403
    assert client.get(reverse("supervision:order_case_preview"), {"code": case.code}).status_code == 403


@pytest.mark.parametrize(
    "query", ["拖欠工资", "张三", "13812345678", "{code}", "{code_lower_grouped}"], ids=str
)
def test_the_picker_finds_the_case_by_code_title_or_party(client, leader, case, query):
    query = query.format(code=case.code, code_lower_grouped=" ".join(re.findall(".{1,4}", case.code)).lower())
    client.force_login(leader)
    response = client.post(reverse("supervision:order_case_find"), {"q": query})
    assert response.status_code == 200
    html = _html(response)
    assert f'data-code="{case.code}"' in html and case.code_display in html
    preview = reverse("supervision:order_case_preview") + f"?code={case.code}"
    assert f'hx-get="{preview}"' in html
    assert "13812345678" not in html  # the number typed is not echoed back


def test_the_picker_takes_the_query_from_a_post_body_only(client, leader, case):
    client.force_login(leader)
    assert client.get(reverse("supervision:order_case_find"), {"q": "13812345678"}).status_code == 405
    response = client.post(reverse("supervision:order_case_find"), {"q": "不存在的事项"})
    assert 'id="no-choices"' in _html(response)


def test_the_preview_shows_the_case_and_the_days_one_may_choose(client, leader, case):
    client.force_login(leader)
    response = client.get(reverse("supervision:order_case_preview"), {"code": case.code_display.lower()})
    html = _html(response)
    assert f'name="code" value="{case.code}"' in html
    for text in (case.title, "督办中" if case.state == State.SUPERVISED else "办理中", "县人民法院"):
        assert text in html
    assert f'min="{FIRST.isoformat()}"' in html and f'max="{LAST.isoformat()}"' in html
    assert 'type="date"' in html
    assert "11月25日24时前" in html  # the rules' default, read as people read it
    assert "可选范围：11月19日 至 12月16日" in html


@pytest.mark.parametrize(
    ("code", "message"), [("420923-2026-000001-0", "校验码不符"), ("12345", "格式不正确")]
)
def test_the_preview_explains_a_bad_code(client, leader, case, code, message):
    client.force_login(leader)
    html = _html(client.get(reverse("supervision:order_case_preview"), {"code": code}))
    assert message in html and 'name="code" value=""' in html


def test_a_case_without_a_department_is_previewed_with_a_warning(client, leader, new_case):
    received = new_case()
    client.force_login(leader)
    html = _html(client.get(reverse("supervision:order_case_preview"), {"code": received.code}))
    assert "尚无承办单位，不能督办" in html


def test_the_form_opened_from_a_case_comes_with_its_preview(client, leader, case):
    client.force_login(leader)
    html = _html(client.get(ISSUE, {"code": case.code}))
    assert 'id="chosen-case"' in html and case.title in html


def test_the_leader_sets_the_answer_deadline_on_the_page(client, leader, case):
    client.force_login(leader)
    response = client.post(
        ISSUE,
        {
            "code": case.code_display,
            "level": "leader",
            "instruction": INSTRUCTION,
            "respond_by": "2026-12-10",
        },
        follow=True,
    )
    order = SupervisionOrder.objects.get()
    assert order.respond_by == end_of(dt.date(2026, 12, 10))
    assert f"已下发督办单 {order.number}，县人民法院须于12月10日24时前答复。" in _html(response)


def test_an_out_of_range_day_is_a_field_error_and_nothing_typed_is_lost(client, leader, case):
    client.force_login(leader)
    response = client.post(
        ISSUE,
        {
            "code": case.code,
            "level": "order",
            "instruction": INSTRUCTION,
            "required_action": "三日内报送化解方案",
            "respond_by": "2027-01-29",
        },
    )
    assert response.status_code == 400
    html = _html(response)
    field = html[html.index('id="id_respond_by"') - 400 : html.index('id="id_respond_by"') + 600]
    assert "答复期限须在11月19日至12月16日之间（含当日）。" in field
    assert 'value="2027-01-29"' in field
    assert INSTRUCTION in html and "三日内报送化解方案" in html
    assert f'name="code" value="{case.code}"' in html and 'id="chosen-case"' in html
    assert re.search(r'<option value="order" selected>', html)
    assert not SupervisionOrder.objects.exists()


def test_an_unreadable_date_is_a_field_error(client, leader, case):
    client.force_login(leader)
    response = client.post(
        ISSUE, {"code": case.code, "level": "leader", "instruction": INSTRUCTION, "respond_by": "12月10日"}
    )
    assert response.status_code == 400 and "请选择有效的日期。" in _html(response)


def test_without_a_case_the_form_asks_for_one(client, leader):
    client.force_login(leader)
    response = client.post(ISSUE, {"code": "", "level": "leader", "instruction": INSTRUCTION})
    assert response.status_code == 400
    assert "请先查找并选择要督办的案件。" in _html(response) and INSTRUCTION in _html(response)


# --- The case page's button ------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "shown"), [("leader", True), ("coordinator", False), ("liaison", False)])
def test_the_case_page_offers_the_order_to_whom_may_issue_it(client, request, case, role, shown):
    client.force_login(request.getfixturevalue(role))
    assert 'id="case-head-actions"' in _html(client.get(reverse("cases:detail", args=[case.code])))
    panel = _html(client.get(reverse("supervision:case_panel", args=[case.code])))
    assert ('id="issue-order-from-case"' in panel) is shown
    if shown:
        assert 'hx-swap-oob="true"' in panel and f'name="code" value="{case.code}"' in panel
        assert client.get(ISSUE, {"code": case.code}).status_code == 200


# --- Page and API agree ------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["2026-12-10", "2026-11-18", "2026-12-17"])
def test_the_page_and_the_api_take_the_same_days(client, leader, assigned, day):
    cases = [
        assigned(colour=RiskColour.BLUE, when=at(2026, 11, 17, 10), accept_at=at(2026, 11, 17, 11))
        for _ in (1, 2)
    ]
    client.force_login(leader)
    page = client.post(
        ISSUE, {"code": cases[0].code, "level": "leader", "instruction": INSTRUCTION, "respond_by": day}
    )
    api = token_client(leader).post(
        reverse("api:supervision-order-list"),
        {"case": cases[1].code_display, "instruction": INSTRUCTION, "respond_by": day},
        format="json",
    )
    accepted = day == "2026-12-10"
    assert (page.status_code, api.status_code) == ((302, 201) if accepted else (400, 400))
    if accepted:
        by_case = {o.case_id: o.respond_by for o in SupervisionOrder.objects.all()}
        assert by_case[cases[0].pk] == by_case[cases[1].pk] == end_of(dt.date(2026, 12, 10))
        assert api.json()["respond_by"] == "2026-12-11T00:00:00+08:00"
    else:
        message = error_of(api)["fields"]["respond_by"][0]
        assert message == "答复期限须在11月19日至12月16日之间（含当日）。"
        assert message in _html(page)
        assert not SupervisionOrder.objects.exists()


def test_the_supervise_transition_takes_the_day_too(leader, case):
    api = token_client(leader)
    url = f"/api/v1/cases/{case.code}/transitions/supervise/"
    response = api.post(url, {"instruction": INSTRUCTION, "respond_by": "2026-12-17"}, format="json")
    assert response.status_code == 400 and "respond_by" in error_of(response)["fields"]
    response = api.post(url, {"instruction": INSTRUCTION, "respond_by": "2026-12-10"}, format="json")
    assert response.status_code == 200, response.json()
    assert SupervisionOrder.objects.get().respond_by == end_of(dt.date(2026, 12, 10))
