"""The OpenAPI schema is complete and valid; Swagger UI is served without the internet."""

from django.contrib.staticfiles import finders

from cases.permissions import TRANSITION_ROLES as TRANSITION_RULES


def test_schema_is_valid_openapi_and_lists_every_endpoint(client):
    from drf_spectacular.validation import validate_schema

    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)  # against the OpenAPI 3 JSON schema
    paths = schema["paths"]
    expected = {
        "/api/v1/cases/": {"get", "post"},
        "/api/v1/cases/{code}/": {"get"},
        "/api/v1/cases/{code}/events/": {"get"},
        "/api/v1/cases/{code}/records/": {"get", "post"},
        "/api/v1/cases/{code}/attachments/{attachment_id}/": {"get"},
        "/api/v1/cases/{code}/parties/{party_id}/reveal/": {"post"},
        "/api/v1/cases/{code}/qr.svg": {"get"},
        "/api/v1/cases/{code}/qr.png": {"get"},
        "/api/v1/cases/{code}/transitions/": {"get"},
        **{f"/api/v1/cases/{{code}}/transitions/{name}/": {"post"} for name in TRANSITION_RULES},
        "/api/v1/cases/{code}/whistles/": {"get", "post"},
        "/api/v1/summonses/": {"get"},
        "/api/v1/summonses/{summons_id}/report/": {"post"},
        "/api/v1/cases/{code}/referral/approve/": {"post"},
        "/api/v1/cases/{code}/referral/send-back/": {"post"},
        "/api/v1/referrals/": {"get"},
        "/api/v1/departments/": {"get"},
        "/api/v1/services/": {"get"},
        "/api/v1/packages/": {"get"},
        "/api/v1/duty-board/": {"get"},
        "/api/v1/supervision-orders/": {"get", "post"},
        "/api/v1/supervision-orders/{number}/": {"get"},
        "/api/v1/supervision-orders/{number}/respond/": {"post"},
        "/api/v1/supervision-orders/{number}/verify/": {"post"},
        "/api/v1/supervision-orders/{number}/reject/": {"post"},
        "/api/v1/callbacks/": {"get"},
        "/api/v1/callbacks/{id}/": {"get"},
        "/api/v1/callbacks/{id}/result/": {"post"},
        "/api/v1/reports/summary/": {"get"},
        "/api/v1/reports/departments/{slug}/": {"get"},
        "/api/v1/public/cases/{code}/": {"get"},
        "/api/v1/public/cases/{code}/verify/": {"post"},
        "/api/v1/public/cases/{code}/evaluation/": {"post"},
        "/api/v1/webhooks/subscriptions/": {"get", "post"},
        "/api/v1/webhooks/subscriptions/{id}/": {"get", "patch", "delete"},
        "/api/v1/leads/": {"get"},
        "/api/v1/auth/token/": {"post"},
        "/api/v1/leads/{feed}/batch/": {"post"},
    }
    assert {path: set(ops) - {"parameters"} for path, ops in paths.items()} == expected


def test_every_operation_documents_its_errors_in_the_one_shape(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    error_ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            errors = {code for code in responses if code.startswith(("4", "5"))}
            assert "406" in errors, (path, method)
            if "{code}" in path:
                assert {"400", "404"} <= errors, (path, method)
            if operation.get("security"):
                assert "401" in errors, (path, method)
            if "requestBody" in operation:
                assert {"400", "415"} <= errors, (path, method)
            if path.startswith("/api/v1/public/"):
                assert "429" in errors and not operation.get("security"), (path, method)
            for code in errors:
                assert responses[code]["content"]["application/json"]["schema"] == error_ref, (
                    path,
                    method,
                    code,
                )


def test_enums_are_in_the_schema(client):
    schemas = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["components"][
        "schemas"
    ]
    assert set(schemas["StateEnum"]["enum"]) >= {"received", "assessing", "closed", "evaluated"}
    assert set(schemas["RiskColourEnum"]["enum"]) == {"red", "yellow", "blue"}
    assert set(schemas["RatingEnum"]["enum"]) == {"satisfied", "basically_satisfied", "dissatisfied"}
    assert set(schemas["PartyRoleEnum"]["enum"]) == {"applicant", "respondent", "other"}
    assigned = schemas["AssignRequest"]
    assert set(assigned["required"]) == {"risk_colour", "lead_department"}


def test_swagger_ui_is_served_offline_from_the_sidecar(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
    # The start-up script comes from a URL (no inline script under the CSP) and names the schema.
    assert '<script src="/api/docs/?script="></script>' in html
    assert "/api/schema/" in client.get("/api/docs/?script=").content.decode()
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css")
