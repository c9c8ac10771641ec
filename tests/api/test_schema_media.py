"""What a client generator reads: one request schema per media type, images as images, months as YYYY-MM."""

import pytest

from cases.models import State

SCHEMA_ACCEPT = "application/vnd.oai.openapi+json"


@pytest.fixture
def schema(client):
    return client.get("/api/schema/", HTTP_ACCEPT=SCHEMA_ACCEPT).json()


def test_records_take_json_and_multipart_each_with_its_own_schema(schema):
    content = schema["paths"]["/api/v1/cases/{code}/records/"]["post"]["requestBody"]["content"]
    json_ref = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    form_ref = content["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert json_ref != form_ref
    components = schema["components"]["schemas"]
    assert "attachments" not in components[json_ref]["properties"]
    files = components[form_ref]["properties"]["attachments"]
    assert files["type"] == "array" and files["items"] == {"type": "string", "format": "binary"}


def test_files_are_described_in_their_media_types(schema):
    paths = schema["paths"]
    for path, media_type in [
        ("/api/v1/cases/{code}/qr.svg", "image/svg+xml"),
        ("/api/v1/cases/{code}/qr.png", "image/png"),
    ]:
        content = paths[path]["get"]["responses"]["200"]["content"]
        assert content == {media_type: {"schema": {"type": "string", "format": "binary"}}}
    attachment = paths["/api/v1/cases/{code}/attachments/{attachment_id}/"]["get"]["responses"]["200"]
    assert {"application/pdf", "image/jpeg", "image/png"} <= set(attachment["content"])
    assert all(c["schema"]["format"] == "binary" for c in attachment["content"].values())


def test_the_callback_month_is_a_yyyy_mm_string(schema):
    (month,) = [p for p in schema["paths"]["/api/v1/callbacks/"]["get"]["parameters"] if p["name"] == "month"]
    assert month["schema"]["type"] == "string" and "format" not in month["schema"]
    assert month["schema"]["pattern"] == "^[0-9]{4}-[0-9]{2}$"


@pytest.mark.parametrize("month", ["2026-1", "2026-10-01", "2026/10", " 2026-10", "２０２６-10"])
def test_a_month_not_written_yyyy_mm_is_400(api, month):
    response = api.coordinator.get("/api/v1/callbacks/", {"month": month})
    assert response.status_code == 400
    assert "month" in response.json()["error"]["fields"]


def test_a_yyyy_mm_month_filters(api):
    assert api.coordinator.get("/api/v1/callbacks/", {"month": "2026-10"}).status_code == 200


def test_qr_answers_carry_the_declared_media_types(api, case_in):
    case = case_in(State.RECEIVED)
    for suffix, media_type, accept in [
        ("qr.svg", "image/svg+xml", "image/svg+xml"),
        ("qr.png", "image/png", "image/png"),
        ("qr.png", "image/png", "*/*"),
    ]:
        response = api.coordinator.get(f"/api/v1/cases/{case.code}/{suffix}", HTTP_ACCEPT=accept)
        assert response.status_code == 200, (suffix, accept)
        assert response["Content-Type"] == media_type
    # Errors stay JSON whatever the client accepts.
    refused = api.liaison.get(f"/api/v1/cases/{case.code}/qr.png", HTTP_ACCEPT="image/png")
    assert refused.status_code in (403, 404) and refused["Content-Type"] == "application/json"


def test_files_go_as_multipart_not_json(api, case_in):
    case = case_in(State.HANDLING)
    response = api.liaison.post(
        f"/api/v1/cases/{case.code}/records/",
        {"text": "已约谈双方。", "attachments": ["协议.pdf"]},
        format="json",
    )
    assert response.status_code == 400
    assert "attachments" in response.json()["error"]["fields"]
    assert case.records.count() == 0
    ok = api.liaison.post(f"/api/v1/cases/{case.code}/records/", {"text": "已约谈双方。"}, format="json")
    assert ok.status_code == 201 and ok.json()["attachments"] == []
