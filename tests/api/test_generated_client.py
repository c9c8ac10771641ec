"""A client generated from /api/schema/ with openapi-python-client imports and drives the lifecycle.

The generator runs offline with the configuration and template fix kept next to this test
(``openapi-python-client.yaml``: files as bytes, no post-hooks; ``openapi_client_templates/``:
upstream issue #1451, a required body with several media types). Every module of the
generated package is imported; then the client, over HTTP against ``live_server``, records a
case, assesses and assigns it, and the department accepts it, adds a record with a file and
submits a mediation agreement, while a leader issues an order with an instruction.
"""

import importlib
import io
import json
import pathlib
import pkgutil
import subprocess
import sys

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

HERE = pathlib.Path(__file__).resolve().parent
CONFIG = HERE / "openapi-python-client.yaml"
TEMPLATES = HERE / "openapi_client_templates"
PACKAGE = "zongzhi_api_client"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

EXPECTED_OPERATIONS = [
    "api.cases.cases_list",
    "api.cases.cases_create",
    "api.cases.cases_retrieve",
    "api.cases.cases_records_create",
    "api.cases.cases_qr_png",
    "api.cases.cases_qr_svg",
    "api.cases.cases_attachments_retrieve",
    "api.transitions.cases_transitions_list",
    "api.transitions.cases_transitions_start_assessment",
    "api.transitions.cases_transitions_assign",
    "api.transitions.cases_transitions_accept",
    "api.transitions.cases_transitions_submit_result",
    "api.transitions.cases_transitions_close",
    "api.transitions.cases_transitions_supervise",
    "api.transitions.cases_transitions_reopen",
    "api.supervision.supervision_orders_list",
    "api.supervision.supervision_orders_issue",
    "api.supervision.supervision_orders_respond",
    "api.supervision.supervision_orders_verify",
    "api.supervision.supervision_orders_reject",
    "api.supervision.callbacks_list",
    "api.webhooks.webhooks_subscriptions_list",
    "api.webhooks.webhooks_subscriptions_create",
    "api.webhooks.webhooks_subscriptions_update",
    "api.webhooks.webhooks_subscriptions_destroy",
]


def generator() -> list[str]:
    """The generator's command line, from this interpreter's environment."""
    script = pathlib.Path(sys.executable).with_name("openapi-python-client")
    return [str(script)] if script.exists() else [sys.executable, "-m", "openapi_python_client"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory, django_db_blocker):
    """Generate the client once for the module; put it on sys.path; take it away afterwards."""
    pytest.importorskip("openapi_python_client", reason="dev dependency: pip install -e .[dev]")
    root = tmp_path_factory.mktemp("client")
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = root / "schema.json"
    schema.write_text(json.dumps(response.json(), ensure_ascii=False), encoding="utf-8")
    run = subprocess.run(
        [
            *generator(),
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(root / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(CONFIG),
            "--custom-template-path",
            str(TEMPLATES),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    # A warning means a part of the API left out of the client (an unsupported media type, …).
    assert "warning" not in output.lower(), output
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_every_module_of_the_generated_client_imports(generated):
    names = [m.name for m in pkgutil.walk_packages(generated.__path__, f"{PACKAGE}.")]
    failures = {}
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:  # the point: report every module that does not import
            failures[name] = f"{type(exc).__name__}: {exc}"
    assert failures == {}
    assert len(names) > 100


@pytest.mark.parametrize("operation", EXPECTED_OPERATIONS)
def test_the_expected_operations_exist(generated, operation):
    module = importlib.import_module(f"{PACKAGE}.{operation}")
    assert callable(module.sync_detailed) and callable(module.sync)


def test_the_configuration_covers_every_file_media_type(generated, client):
    import yaml

    overrides = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["content_type_overrides"]
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    binary = {
        media_type
        for item in schema["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for response in operation.get("responses", {}).values()
        for media_type, content in response.get("content", {}).items()
        if content.get("schema", {}).get("format") == "binary" and not media_type.startswith("text/")
    }
    assert binary <= set(overrides), binary - set(overrides)


@pytest.fixture
def tokens(reception, coordinator, leader, liaison, admin_user):
    return {
        name: Token.objects.create(user=user).key
        for name, user in {
            "reception": reception,
            "coordinator": coordinator,
            "leader": leader,
            "liaison": liaison,
            "admin": admin_user,
        }.items()
    }


def test_the_generated_client_drives_a_case_over_http(generated, live_server, tokens, department):
    from zongzhi_api_client import AuthenticatedClient
    from zongzhi_api_client.api.cases import cases_create, cases_qr_png, cases_records_create, cases_retrieve
    from zongzhi_api_client.api.supervision import supervision_orders_issue
    from zongzhi_api_client.api.transitions import (
        cases_transitions_accept,
        cases_transitions_assign,
        cases_transitions_start_assessment,
        cases_transitions_submit_result,
    )
    from zongzhi_api_client.api.webhooks import webhooks_subscriptions_create
    from zongzhi_api_client.models import (
        AssignRequest,
        CaseCreateRequest,
        CategoryEnum,
        EventTypesEnum,
        HandlingRecordMultipartRequest,
        OrderIssueRequest,
        PartyInputRequest,
        ResultKindEnum,
        RiskColourEnum,
        SourceEnum,
        SubmitResultRequest,
        TransitionRequest,
        WebhookSubscriptionInputRequest,
    )
    from zongzhi_api_client.types import File

    def as_(role):
        return AuthenticatedClient(base_url=live_server.url, token=tokens[role], prefix="Token")

    created = cases_create.sync_detailed(
        client=as_("reception"),
        body=CaseCreateRequest(
            title="拖欠工资纠纷",
            description="某建筑公司拖欠12名工人三个月工资。",
            category=CategoryEnum.LABOUR,
            source=SourceEnum.WALK_IN,
            parties=[PartyInputRequest(name="张三", phone="13812345678")],
        ),
    )
    assert created.status_code == 201, created.content
    code = created.parsed.code
    assert created.parsed.state == "received"

    step = cases_transitions_start_assessment.sync_detailed(
        code, client=as_("coordinator"), body=TransitionRequest()
    )
    assert step.status_code == 200, step.content
    step = cases_transitions_assign.sync_detailed(
        code,
        client=as_("coordinator"),
        body=AssignRequest(risk_colour=RiskColourEnum.YELLOW, lead_department=department.slug),
    )
    assert step.status_code == 200, step.content
    assert step.parsed.lead_department.slug == department.slug
    step = cases_transitions_accept.sync_detailed(code, client=as_("liaison"), body=TransitionRequest())
    assert (step.status_code, step.parsed.state) == (200, "handling")

    record = cases_records_create.sync_detailed(
        code,
        client=as_("liaison"),
        body=HandlingRecordMultipartRequest(
            text="已约谈双方，达成初步意向。",
            public=True,
            attachments=[
                File(payload=io.BytesIO(PDF), file_name="协议草稿.pdf", mime_type="application/pdf")
            ],
        ),
    )
    assert record.status_code == 201, record.content
    assert [a.name for a in record.parsed.attachments] == ["协议草稿.pdf"] and record.parsed.public is True

    order = supervision_orders_issue.sync_detailed(
        client=as_("leader"), body=OrderIssueRequest(case=code, instruction="三日内拿出化解方案。")
    )
    assert order.status_code == 201, order.content
    assert order.parsed.case.state == "supervised" and order.parsed.instruction == "三日内拿出化解方案。"

    submitted = cases_transitions_submit_result.sync_detailed(
        code,
        client=as_("liaison"),
        body=SubmitResultRequest(
            result="经调解达成协议。",
            result_kind=ResultKindEnum.AGREEMENT,
            agreement_terms="一、12月10日前支付欠薪。",
            judicial_confirmation=True,
        ),
    )
    assert submitted.status_code == 200, submitted.content
    case = cases_retrieve.sync_detailed(code, client=as_("coordinator")).parsed
    assert (case.state, case.result_kind, case.judicial_confirmation) == ("reviewing", "agreement", True)

    png = cases_qr_png.sync_detailed(code, client=as_("coordinator"))
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.parsed.payload.read().startswith(b"\x89PNG")

    subscription = webhooks_subscriptions_create.sync_detailed(
        client=as_("admin"),
        body=WebhookSubscriptionInputRequest(
            name="上级平台", url="https://example.cn/hook", event_types=[EventTypesEnum.CASE_TRANSITION]
        ),
    )
    assert subscription.status_code == 201, subscription.content
    assert len(subscription.parsed.secret) >= 32
