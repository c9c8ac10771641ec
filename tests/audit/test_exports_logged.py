"""Exports and downloads leave an access log row: which report, which period and department, how many rows."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from audit.models import AccessLogEntry
from cases.services import attachment_add
from tests.reports.conftest import at, make_case  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def october_cases(make_case, department, other_department):  # noqa: F811
    for day, dept in ((2, department), (3, department), (4, other_department)):
        make_case(created=at(2026, 10, day, 9, 30), title=f"十月事项{day}", lead_department=dept)


def consume(response):
    content = getattr(response, "streaming_content", None)
    return b"".join(content) if content is not None else response.content


@pytest.mark.parametrize(
    ("name", "args", "action", "kind", "fmt", "slug", "rows"),
    [
        ("supervision:reports_xlsx", [], "export.report", "center_report", "xlsx", None, 3),
        ("supervision:reports_ledger_csv", [], "export.ledger", "ledger", "csv", None, 3),
        (
            "supervision:reports_department_xlsx",
            ["court"],
            "export.report",
            "department_report",
            "xlsx",
            "court",
            2,
        ),
        ("supervision:reports_department_csv", ["court"], "export.ledger", "ledger", "csv", "court", 2),
    ],
)
def test_each_export_writes_a_row(
    client, leader, center, october_cases, name, args, action, kind, fmt, slug, rows
):
    client.force_login(leader)
    response = client.get(reverse(name, args=args), {"month": "2026-10"}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    consume(response)

    row = AccessLogEntry.objects.get(action=action)
    assert (row.actor, row.client_address) == (leader, "10.1.2.3")
    assert row.details == {
        "kind": kind,
        "format": fmt,
        "period": {"first": "2026-10-01", "last": "2026-10-31"},
        "department": slug,
        # A center's export names the center whose subtree it covers (issue 13); a department's, none.
        "center": None if slug else center.slug,
        "ledger_rows": rows,
    }


def test_a_refused_or_malformed_export_writes_no_row(client, leader, liaison, october_cases):
    client.force_login(leader)
    assert client.get(reverse("supervision:reports_ledger_csv"), {"month": "2026-13"}).status_code == 400
    client.force_login(liaison)  # another department's export
    assert client.get(reverse("supervision:reports_department_csv", args=["police"])).status_code == 403
    assert not AccessLogEntry.objects.filter(action__startswith="export.").exists()


@pytest.fixture
def attachment(settings, tmp_path, new_case, reception):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("合同.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    return attachment_add(case=new_case(), actor=reception, upload=upload)


def test_attachment_downloads_on_the_page_and_the_api_write_rows(client, attachment, coordinator):
    case = attachment.case
    client.force_login(coordinator)
    page = client.get(reverse("cases:attachment", args=[case.code, attachment.pk]))
    assert page.status_code == 200 and consume(page) == b"%PDF-1.4 test"

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=coordinator)[0].key}")
    response = api.get(f"/api/v1/cases/{case.code}/attachments/{attachment.pk}/")
    assert response.status_code == 200 and consume(response) == b"%PDF-1.4 test"

    rows = AccessLogEntry.objects.filter(action="attachment.download").order_by("id")
    assert [(r.actor, r.case_code, r.object_id, r.object_repr) for r in rows] == [
        (coordinator, case.code, str(attachment.pk), "合同.pdf")
    ] * 2
    assert rows[0].details == {"content_type": "application/pdf", "size": 13, "record": None}


def test_a_download_refused_writes_no_row(client, attachment, liaison):
    client.force_login(liaison)  # the case is not (yet) their department's
    assert (
        client.get(reverse("cases:attachment", args=[attachment.case.code, attachment.pk])).status_code == 404
    )
    assert not AccessLogEntry.objects.filter(action="attachment.download").exists()
