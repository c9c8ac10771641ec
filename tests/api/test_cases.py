"""The cases API: list, create, detail, events, records, attachments and QR codes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Attachment, Case, CaseEvent, HandlingRecord, State
from cases.services import case_create
from tests.factories import CaseFactory, DepartmentFactory, PartyFactory

from .conftest import error_of, url

CREATE_BODY = {
    "title": "网格员上报：拖欠工资",
    "description": "某工地拖欠 8 名工人工资。",
    "category": "labour",
    "source": "grid",
    "location": "城关镇建设路 8 号",
    "parties": [
        {"name": "王五", "phone": "13912345678", "id_number": "11010519491231002X", "role": "applicant"},
        {"name": "某建筑公司", "phone": "0716-7654321", "id_number": "", "role": "respondent"},
    ],
}


# --- List -----------------------------------------------------------------------------------------


def test_list_shows_visible_cases_newest_first_with_parties_masked(api, case_in):
    first, second = case_in(), case_in()

    response = api.coordinator.get(url("cases/"))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    assert [row["code"] for row in body["results"]] == [second.code, first.code]
    row = body["results"][0]
    assert row["code_display"] == second.code_display
    assert row["url"].endswith(f"/api/v1/cases/{second.code}/")
    # Personal data is never shown in bulk, not even to a coordinator.
    assert [p["phone"] for p in row["parties"]] == ["138****5678", "071****4567"]
    assert row["parties"][0]["id_number"] == "1101**********002X"
    assert row["parties"][0]["name"] == "张*"
    assert all(p["masked"] for p in row["parties"])
    assert "13812345678" not in response.content.decode()


def test_liaison_lists_only_cases_of_their_department(api, case_in, other_department, coordinator):
    from cases.services import case_assign, case_start_assessment

    mine = case_in(State.HANDLING)
    theirs = case_start_assessment(case=case_in(), actor=coordinator)
    case_assign(case=theirs, actor=coordinator, risk_colour="blue", lead_department=other_department)
    unassigned = case_in()

    codes = [row["code"] for row in api.liaison.get(url("cases/")).json()["results"]]
    assert codes == [mine.code]
    other_codes = [row["code"] for row in api.other_liaison.get(url("cases/")).json()["results"]]
    assert other_codes == [theirs.code]
    assert unassigned.code not in codes + other_codes


def test_co_department_liaison_sees_the_case_in_the_list(api, case_in, other_department, coordinator):
    from cases.services import case_assign, case_start_assessment

    case = case_start_assessment(case=case_in(), actor=coordinator)
    case_assign(
        case=case,
        actor=coordinator,
        risk_colour="red",
        lead_department=DepartmentFactory(center=other_department.center),
        co_departments=[other_department],
    )
    codes = [row["code"] for row in api.other_liaison.get(url("cases/")).json()["results"]]
    assert codes == [case.code]


def test_list_filters(api, case_in, department):
    received = case_in(title="邻里噪音")
    handling = case_in(State.HANDLING)

    def listed(**params):
        return [r["code"] for r in api.coordinator.get(url("cases/"), params).json()["results"]]

    assert listed(state="handling") == [handling.code]
    assert set(listed(state=["handling", "received"])) == {handling.code, received.code}
    assert listed(risk_colour="yellow") == [handling.code]
    assert listed(lead_department="court") == [handling.code]
    assert listed(lead_department=str(department.pk)) == [handling.code]
    assert listed(lead_department="999999999999999999999") == []
    assert listed(category="labour", source="walk_in") == [handling.code, received.code]
    assert listed(q="噪音") == [received.code]
    assert listed(q=received.code_display.lower()) == [received.code]
    assert listed(created_after="2000-01-01T00:00:00Z", created_before="2099-01-01T00:00:00+08:00") == [
        handling.code,
        received.code,
    ]
    assert listed(created_after="2099-01-01T00:00:00Z") == []


@pytest.mark.parametrize(
    "params",
    [
        {"state": "lost"},
        {"risk_colour": "purple"},
        {"category": "x"},
        {"created_after": "yesterday"},
        {"created_after": "0001-01-01T00:00:00+14:00"},
        {"ordering": "title"},
        {"ordering": "--created_at"},
        {"page_size": "0"},
        {"page_size": "101"},
        {"page_size": "ten"},
        {"cursor": "not-a-cursor"},
        {"cursor": "eyJ2IjpbIngiLCJ5Il0sInIiOjB9"},  # {"v":["x","y"],"r":0}: values of the wrong type
    ],
)
def test_list_rejects_bad_parameters_with_400(api, params):
    response = api.coordinator.get(url("cases/"), params)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {next(iter(params))}


def test_cursor_pagination_walks_every_case_once_forward_and_back(api, center):
    # Identical creation times: only the id tiebreaker orders them.
    cases = CaseFactory.create_batch(7, center=center)
    Case.objects.update(created_at=cases[0].created_at)
    expected = [c.code for c in sorted(cases, key=lambda c: -c.pk)]

    seen, pages, link = [], [], url("cases/") + "?page_size=3"
    while link:
        body = api.coordinator.get(link).json()
        pages.append(body)
        seen += [row["code"] for row in body["results"]]
        link = body["next"]
    assert seen == expected
    assert [len(p["results"]) for p in pages] == [3, 3, 1]
    assert pages[0]["previous"] is None

    back = api.coordinator.get(pages[2]["previous"]).json()
    assert [row["code"] for row in back["results"]] == expected[3:6]
    back = api.coordinator.get(back["previous"]).json()
    assert [row["code"] for row in back["results"]] == expected[:3]
    assert back["next"] is not None


def test_client_ordering_ends_with_id(api, center):
    cases = CaseFactory.create_batch(4, center=center)
    Case.objects.update(created_at=cases[0].created_at)
    body = api.coordinator.get(url("cases/"), {"ordering": "created_at", "page_size": 2}).json()
    assert [r["code"] for r in body["results"]] == [cases[0].code, cases[1].code]
    rest = api.coordinator.get(body["next"]).json()
    assert [r["code"] for r in rest["results"]] == [cases[2].code, cases[3].code]
    by_code = api.coordinator.get(url("cases/"), {"ordering": "-code"}).json()["results"]
    assert [r["code"] for r in by_code] == sorted((c.code for c in cases), reverse=True)


@pytest.mark.parametrize("role", ["coordinator", "liaison"])
def test_case_list_runs_a_constant_number_of_queries(
    api, center, department, role, django_assert_num_queries
):
    def make(n):
        for case in CaseFactory.create_batch(
            n, center=center, lead_department=department, state=State.HANDLING
        ):
            PartyFactory.create_batch(2, case=case)
            case.co_departments.add(DepartmentFactory(center=center))

    client = getattr(api, role)
    counts = {}
    for n in (5, 50):
        make(n if n == 5 else 45)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url("cases/"), {"page_size": 100})
        assert len(response.json()["results"]) == n
        counts[n] = len(ctx.captured_queries)
    # Token with user, profile and department (1), cases with their departments (1), parties (1).
    assert counts == {5: 3, 50: 3}


def test_list_needs_a_token(api):
    response = api.anon.get(url("cases/"))
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"
    bad = api.anon.get(url("cases/"), HTTP_AUTHORIZATION="Token nope")
    assert bad.status_code == 401
    assert error_of(bad)["code"] == "authentication_failed"


def test_session_authentication_works_too(client, coordinator, case_in):
    case = case_in()
    client.force_login(coordinator)
    assert client.get(url(f"cases/{case.code}/")).status_code == 200


# --- Create ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reception", "coordinator"])
def test_create_answers_201_with_code_and_links(api, role):
    response = getattr(api, role).post(url("cases/"), CREATE_BODY, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(code=body["code"])
    assert body["code_display"] == case.code_display
    assert body["state"] == "received" and body["risk_colour"] == ""
    assert body["version"] == 1
    assert body["tracking_url"] == case.tracking_url()  # with the key: this caller prints receipts
    assert body["qr_url"].endswith(f"/api/v1/cases/{case.code}/qr.svg")
    assert body["qr_png_url"].endswith(f"/api/v1/cases/{case.code}/qr.png")
    assert body["created_at"]
    # Masked for every role, the coordinator included (issue 11: a full number only through
    # the logged "reveal"; and this response may be stored for an idempotent replay).
    assert [p["phone"] for p in body["parties"]] == ["139****5678", "071****4321"]
    assert all(p["masked"] for p in body["parties"])
    assert "11010519491231002X" not in response.content.decode()
    assert case.source == "grid" and case.parties.count() == 2
    assert list(case.events.values_list("transition", flat=True)) == ["create"]
    assert response["ETag"] == '"1"'


@pytest.mark.parametrize("role", ["liaison", "leader"])
def test_create_is_forbidden_to_other_roles_whatever_the_body(api, role):
    for body in (CREATE_BODY, {"nonsense": True}, []):
        response = getattr(api, role).post(url("cases/"), body, format="json")
        assert response.status_code == 403
        assert error_of(response)["code"] == "forbidden"
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "长" * 121}, "title"),
        ({"category": "aliens"}, "category"),
        ({"source": None}, "source"),
        ({"parties": []}, "parties"),
        ({"parties": "张三"}, "parties"),
        ({"description": "x" * 5001}, "description"),
        ({"parties": [{"name": "张三", "phone": "12345"}]}, "parties[0].phone"),
        (
            {"parties": [{"name": "张三", "phone": "13812345678", "id_number": "110105194912310021"}]},
            "parties[0].id_number",
        ),
        ({"parties": [{"name": "张三", "phone": "13812345678", "role": "judge"}]}, "parties[0].role"),
        ({"parties": [{"phone": "13812345678"}]}, "parties[0].name"),
        ({"requested_services": ["nope"]}, "requested_services"),
        ({"people_count": 0}, "people_count"),
        ({"title": "a\x00b"}, "title"),
    ],
)
def test_create_reports_field_errors_with_400(api, change, field):
    response = api.reception.post(url("cases/"), {**CREATE_BODY, **change}, format="json")
    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    assert not Case.objects.exists()


def test_create_with_malformed_json_is_a_400(api):
    response = api.reception.post(url("cases/"), b'{"title": ', content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


def test_create_with_form_data_is_a_415(api):
    response = api.reception.post(url("cases/"), {"title": "x"}, format="multipart")
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_create_with_a_json_array_is_a_400(api):
    response = api.reception.post(url("cases/"), [1, 2], format="json")
    assert response.status_code == 400
    assert error_of(response)["fields"]["non_field_errors"]


# --- Detail ---------------------------------------------------------------------------------------


def test_detail_accepts_the_code_in_any_grouping_or_case(api, case_in):
    case = case_in()
    for text in (case.code, case.code_display, case.code.lower(), f"{case.code[:6]} {case.code[6:]}"):
        response = api.coordinator.get(url(f"cases/{text}/"))
        assert response.status_code == 200, text
        assert response.json()["code"] == case.code
        assert response["ETag"] == f'"{case.version}"'


def test_mistyped_code_is_400_code_mistyped_and_unknown_is_404(api, case_in):
    case = case_in()
    wrong_check = case.code[:-1] + ("0" if case.code[-1] != "0" else "1")
    response = api.coordinator.get(url(f"cases/{wrong_check}/"))
    assert response.status_code == 400
    assert error_of(response)["code"] == "code_mistyped"

    malformed = api.coordinator.get(url("cases/12345/"))
    assert malformed.status_code == 400
    assert error_of(malformed)["code"] == "code_malformed"

    from cases.codes import make_code

    unknown = api.coordinator.get(url(f"cases/{make_code('420923', 2026, 999999)}/"))
    assert unknown.status_code == 404
    assert error_of(unknown)["code"] == "not_found"


def test_liaison_of_another_department_gets_404_for_a_case(api, case_in):
    case = case_in(State.HANDLING)
    for path in ("", "events/", "records/", "transitions/", "qr.svg"):
        response = api.other_liaison.get(url(f"cases/{case.code}/{path}"))
        assert response.status_code == 404, path
        assert error_of(response)["code"] == "not_found"


PERSONAL = ("13812345678", "11010519491231002X", "07161234567")


@pytest.mark.parametrize(
    ("role", "may_reveal"),
    [
        ("coordinator", True),
        ("admin", True),
        ("liaison", True),  # the lead department's
        ("leader", False),
        ("reception", False),  # even the desk that recorded it (``new_case``), as its page and receipt
    ],
)
def test_detail_masks_personal_data_for_every_role_and_reveal_is_for_those_who_need_it(
    api, case_in, role, may_reveal
):
    """Issue 11: the detail masks numbers for everyone (it showed them in full to three roles)."""
    case = case_in(State.HANDLING)
    response = getattr(api, role).get(url(f"cases/{case.code}/"))
    body = response.content.decode()
    for value in PERSONAL:
        assert value not in body, (role, value)
    assert "138****5678" in body
    party = response.json()["parties"][0]
    reveal = getattr(api, role).post(
        url(f"cases/{case.code}/parties/{party['id']}/reveal/"),
        {"field": "id_number", "reason": "核实当事人身份"},
        format="json",
    )
    assert reveal.status_code == (200 if may_reveal else 403)
    assert ("11010519491231002X" in reveal.content.decode()) is may_reveal


def test_reception_sees_masked_numbers_on_cases_it_did_not_record(api, coordinator, center):
    from tests.conftest import PARTIES

    case = case_create(
        actor=coordinator,
        title="t",
        description="d",
        category="labour",
        source="walk_in",
        parties=PARTIES,
        center=center,
    )
    body = api.reception.get(url(f"cases/{case.code}/")).json()
    assert [p["phone"] for p in body["parties"]] == ["138****5678", "071****4567"]
    assert body["parties"][0]["masked"] is True


def test_co_department_liaison_sees_masked_numbers(api, case_in, other_department, coordinator, department):
    from cases.services import case_assign, case_start_assessment

    case = case_start_assessment(case=case_in(), actor=coordinator)
    case_assign(
        case=case,
        actor=coordinator,
        risk_colour="red",
        lead_department=department,
        co_departments=[other_department],
    )
    body = api.other_liaison.get(url(f"cases/{case.code}/")).content.decode()
    assert not any(value in body for value in PERSONAL)
    # The lead department's liaison gets the numbers only by the logged reveal (issue 11).
    party = api.liaison.get(url(f"cases/{case.code}/")).json()["parties"][0]
    for who, status in ((api.other_liaison, 403), (api.liaison, 200)):
        response = who.post(
            url(f"cases/{case.code}/parties/{party['id']}/reveal/"),
            {"field": "phone", "reason": "联系当事人"},
            format="json",
        )
        assert response.status_code == status
        assert ("13812345678" in response.content.decode()) is (status == 200)


def test_tracking_key_only_for_those_who_print_receipts(api, case_in):
    case = case_in(State.HANDLING)
    liaison_view = api.liaison.get(url(f"cases/{case.code}/")).json()
    assert case.tracking_key not in liaison_view["tracking_url"]
    assert liaison_view["qr_url"] is None
    assert case.tracking_key in api.coordinator.get(url(f"cases/{case.code}/")).json()["tracking_url"]


def test_detail_runs_a_fixed_number_of_queries(api, case_in, django_assert_num_queries):
    case = case_in(State.HANDLING)
    # Token with user, profile, department (1); case with departments (1); parties (1); co-departments (1).
    with django_assert_num_queries(4):
        assert api.liaison.get(url(f"cases/{case.code}/")).status_code == 200


# --- Events ---------------------------------------------------------------------------------------


def test_events_list_the_transition_log_oldest_first(api, case_in, django_assert_max_num_queries):
    case = case_in(State.CLOSED)
    with django_assert_max_num_queries(3):
        response = api.liaison.get(url(f"cases/{case.code}/events/"))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["transition"] for r in rows] == [
        "create",
        "start_assessment",
        "assign",
        "accept",
        "submit_result",
        "close",
    ]
    assert rows[2] | {"actor": None, "created_at": None, "id": None, "data": None} == {
        "id": None,
        "transition": "assign",
        "transition_label": "交办",
        "from_state": "assessing",
        "to_state": "assigned",
        "actor": None,
        "reason": "",
        "data": None,
        "created_at": None,
    }
    assert rows[2]["actor"]["role"] == "coordinator"
    assert set(rows[0]) == {
        "id",
        "transition",
        "transition_label",
        "from_state",
        "to_state",
        "actor",
        "reason",
        "data",
        "created_at",
    }


def test_events_query_count_does_not_grow(api, case_in, django_assert_num_queries):
    case = case_in(State.HANDLING)
    for _ in range(30):
        CaseEvent.objects.create(
            case=case,
            actor=api.coordinator_user,
            transition="visit",
            from_state="handling",
            to_state="handling",
            created_at=case.created_at,
        )
    # Token (1), case (1), events with actors and profiles (1).
    with django_assert_num_queries(3):
        response = api.coordinator.get(url(f"cases/{case.code}/events/"))
    assert len(response.json()["results"]) == 34


# --- Records --------------------------------------------------------------------------------------


def test_lead_liaison_adds_a_record_with_attachments(api, case_in):
    case = case_in(State.HANDLING)
    pdf = SimpleUploadedFile("调解协议.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    photo = SimpleUploadedFile("现场.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, content_type="image/png")

    response = api.liaison.post(
        url(f"cases/{case.code}/records/"),
        {"text": "已约谈双方，达成初步意向。", "public": "true", "attachments": [pdf, photo]},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["text"] == "已约谈双方，达成初步意向。" and body["public"] is True
    assert body["department"]["slug"] == "court"
    assert [a["name"] for a in body["attachments"]] == ["调解协议.pdf", "现场.png"]
    record = HandlingRecord.objects.get(pk=body["id"])
    assert record.is_public and record.attachments.count() == 2

    download = api.coordinator.get(body["attachments"][0]["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"
    assert download["Content-Type"] == "application/pdf"
    assert api.other_liaison.get(body["attachments"][0]["url"]).status_code == 404
    assert api.coordinator.get(url(f"cases/{case.code}/attachments/999999/")).status_code == 404


def test_records_accept_json_and_list_them(api, case_in, django_assert_max_num_queries):
    case = case_in(State.HANDLING)
    response = api.coordinator.post(
        url(f"cases/{case.code}/records/"), {"text": "中心备注", "kind": "note"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["department"] is None and response.json()["public"] is False
    for i in range(5):
        api.liaison.post(url(f"cases/{case.code}/records/"), {"text": f"进展 {i}"}, format="json")
    with django_assert_max_num_queries(4):
        listing = api.liaison.get(url(f"cases/{case.code}/records/"))
    assert [r["text"] for r in listing.json()["results"]] == ["中心备注", *[f"进展 {i}" for i in range(5)]]


def test_a_bad_attachment_rolls_the_record_back(api, case_in):
    case = case_in(State.HANDLING)
    fake = SimpleUploadedFile("x.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = api.liaison.post(
        url(f"cases/{case.code}/records/"), {"text": "附件", "attachments": [fake]}, format="multipart"
    )
    assert response.status_code == 400
    assert not HandlingRecord.objects.exists() and not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("role", "state"), [("reception", State.HANDLING), ("leader", State.HANDLING), ("liaison", State.CLOSED)]
)
def test_records_forbidden_whatever_the_body(api, case_in, role, state):
    case = case_in(state)
    for body in ({"text": "x"}, {"text": ""}, {"bogus": 1}):
        response = getattr(api, role).post(url(f"cases/{case.code}/records/"), body, format="json")
        assert response.status_code == 403, (role, body)
    assert not HandlingRecord.objects.exists()


def test_record_without_text_is_a_400(api, case_in):
    case = case_in(State.HANDLING)
    response = api.liaison.post(url(f"cases/{case.code}/records/"), {"text": "  "}, format="json")
    assert response.status_code == 400
    assert "text" in error_of(response)["fields"]


# --- QR -------------------------------------------------------------------------------------------


def test_qr_codes_for_reception_and_coordinators(api, case_in):
    case = case_in()
    svg = api.reception.get(url(f"cases/{case.code}/qr.svg"))
    assert svg.status_code == 200
    assert svg["Content-Type"] == "image/svg+xml" and svg.content.startswith(b"<")
    png = api.coordinator.get(url(f"cases/{case.code_display}/qr.png"), HTTP_ACCEPT="image/png")
    assert png.status_code == 200
    assert png.content.startswith(b"\x89PNG")
    assert (
        api.coordinator.get(url(f"cases/{case.code}/qr.png"), HTTP_IF_NONE_MATCH=png["ETag"]).status_code
        == 304
    )


def test_qr_code_is_forbidden_to_a_liaison(api, case_in):
    case = case_in(State.HANDLING)
    response = api.liaison.get(url(f"cases/{case.code}/qr.svg"), HTTP_ACCEPT="image/svg+xml")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "forbidden"


def test_case_representations_have_exactly_the_documented_fields(api, case_in):
    """The serializers write rows out by hand for speed; their keys must stay the declared ones."""
    from cases.api.serializers import CaseSerializer, CaseSummarySerializer

    case = case_in(State.HANDLING)
    row = api.coordinator.get(url("cases/")).json()["results"][0]
    assert list(row) == CaseSummarySerializer.Meta.fields
    detail = api.coordinator.get(url(f"cases/{case.code}/")).json()
    assert list(detail) == CaseSerializer.Meta.fields
    assert detail["lead_department"] == {
        "id": case.lead_department.pk,
        "slug": "court",
        "name": "县人民法院",
        "short_name": "法院",
    }
    assert detail["created_at"].endswith("+08:00")
