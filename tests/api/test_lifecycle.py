"""A case's whole life over HTTP only, as an integration client and the party would live it."""

from .conftest import url


def test_full_lifecycle_over_http(api, department):
    # 受理: the grid platform reports a matter (a reception-role integration account).
    created = api.reception.post(
        url("cases/"),
        {
            "title": "网格员上报：物业停水纠纷",
            "description": "小区停水三天，业主与物业公司发生争执。",
            "category": "property",
            "source": "grid",
            "location": "城关镇幸福小区",
            "parties": [
                {"name": "赵六", "phone": "13700001111", "id_number": "", "role": "applicant"},
                {"name": "某物业公司", "phone": "0716-2222333", "role": "respondent"},
            ],
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="grid-2026-000042",
    )
    assert created.status_code == 201, created.content
    code = created.json()["code_display"]  # any grouping works from here on

    def fire(client, name, body=None, version=None):
        headers = {"HTTP_IF_MATCH": f'"{version}"'} if version is not None else {}
        response = client.post(url(f"cases/{code}/transitions/{name}/"), body or {}, format="json", **headers)
        assert response.status_code == 200, (name, response.content)
        return response.json()

    # 研 — 交: the coordinator assesses and assigns.
    case = fire(api.coordinator, "start_assessment", version=created.json()["version"])
    assert case["state"] == "assessing"
    case = fire(
        api.coordinator,
        "assign",
        {"risk_colour": "yellow", "lead_department": department.slug, "instructions": "尽快恢复供水"},
        version=case["version"],
    )
    assert case["state"] == "assigned" and case["lead_department"]["slug"] == "court"

    # 办: the department's liaison sees it in its queue, accepts it and records the handling.
    queue = api.liaison.get(url("cases/"), {"state": "assigned"}).json()["results"]
    assert [row["code_display"] for row in queue] == [code]
    transitions = api.liaison.get(url(f"cases/{code}/transitions/")).json()
    assert [t["name"] for t in transitions["results"]] == ["accept", "return_to_center"]
    case = fire(api.liaison, "accept")
    assert case["state"] == "handling"
    record = api.liaison.post(
        url(f"cases/{code}/records/"),
        {"text": "已协调物业公司，今日恢复供水。", "public": True},
        format="json",
    )
    assert record.status_code == 201
    internal = api.liaison.post(
        url(f"cases/{code}/records/"), {"text": "物业公司负责人态度消极。"}, format="json"
    )
    assert internal.status_code == 201

    # 结: result submitted, reviewed, closed.
    case = fire(api.liaison, "submit_result", {"result": "供水已恢复，双方无异议。"})
    assert case["state"] == "reviewing"
    case = fire(api.coordinator, "close", {"reason": "审核通过"}, version=case["version"])
    assert case["state"] == "closed"

    # 评: the party, without an account, verifies with the last four phone digits and evaluates.
    verified = api.anon.post(url(f"public/cases/{code}/verify/"), {"phone_last4": "1111"}, format="json")
    assert verified.status_code == 200
    view = verified.json()
    assert view["state"] == "closed" and view["can_evaluate"] is True
    assert [r["text"] for r in view["records"]] == ["已协调物业公司，今日恢复供水。"]
    assert view["result"] == "供水已恢复，双方无异议。"
    assert "赵六" not in verified.content.decode() and "13700001111" not in verified.content.decode()

    evaluated = api.anon.post(
        url(f"public/cases/{code}/evaluation/"),
        {"phone_last4": "1111", "rating": "satisfied", "comment": "很快解决"},
        format="json",
    )
    assert evaluated.status_code == 201
    assert evaluated.json()["evaluation"]["rating"] == "satisfied"

    # The log holds every step, who took it and why.
    events = api.coordinator.get(url(f"cases/{code}/events/")).json()["results"]
    assert [(e["transition"], e["from_state"], e["to_state"]) for e in events] == [
        ("create", "", "received"),
        ("start_assessment", "received", "assessing"),
        ("assign", "assessing", "assigned"),
        ("accept", "assigned", "handling"),
        ("submit_result", "handling", "reviewing"),
        ("close", "reviewing", "closed"),
        ("evaluate", "closed", "evaluated"),
    ]
    assert [e["actor"]["role"] if e["actor"] else None for e in events] == [
        "reception",
        "coordinator",
        "coordinator",
        "liaison",
        "liaison",
        "coordinator",
        None,  # the party
    ]
    assert events[2]["reason"] == "尽快恢复供水"
    assert events[-1]["data"]["rating"] == "satisfied"
    final = api.coordinator.get(url(f"cases/{code}/")).json()
    assert final["state"] == "evaluated" and final["version"] == 7
    public = api.anon.get(url(f"public/cases/{code}/")).json()
    assert [s["key"] for s in public["timeline"] if s["reached_at"]] == [
        "received",
        "assessing",
        "assigned",
        "handling",
        "closed",
        "evaluated",
    ]
