"""The coordinators' CSV/xlsx import: a dry run writes nothing, the confirmation writes, the error report."""

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from risk.imports import MAX_ROWS, parse_upload
from risk.models import Lead, LeadEvent, LeadPerson

pytestmark = pytest.mark.django_db


def when(days=1) -> str:
    return (timezone.localtime() - dt.timedelta(days=days)).strftime("%Y-%m-%d %H:%M")


def csv_file(rows, name="leads.csv", encoding="utf-8") -> SimpleUploadedFile:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(encoding), content_type="text/csv")


def good_rows():
    return [
        ["外部编号", "发生时间", "内容", "类别", "地点", "乡镇代码", "姓名1", "电话1", "身份证号1", "身份1", "姓名2", "电话2"],
        ["W-1", when(), "工地讨薪，二十余名工人聚集", "劳动争议", "白河镇白河村", "420923101", "王五", "13900001111", "11010519491231002X", "当事人", "李四", "13900002222"],
        ["W-2", when(2), "邻里因宅基地争执", "", "白河村", "", "赵六", "12345", "", "", "", ""],
        ["", when(), "没有编号", "", "", "", "", "", "", "", "", ""],
        ["W-3", when(3), "夫妻争吵", "婚姻家庭", "", "", "", "", "", "", "", ""],
    ]  # fmt: skip


def upload(client, file, feed="petition"):
    return client.post("/risk/import/", {"feed": feed, "file": file})


@pytest.fixture
def coordinator_client(client, coordinator, township, village):
    client.force_login(coordinator)
    return client


def test_the_dry_run_writes_nothing_and_shows_each_row(coordinator_client):
    response = upload(coordinator_client, csv_file(good_rows()))
    assert response.status_code == 302
    preview = coordinator_client.get(response.url)
    assert preview.status_code == 200
    page = preview.content.decode()
    assert not Lead.objects.exists() and not LeadPerson.objects.exists()
    counts = preview.context["counts"]
    assert counts == {"created": 2, "updated": 0, "rejected": 2}
    results = preview.context["results"]
    assert [(r["row"], r["result"]) for r in results] == [
        (2, "created"),
        (3, "rejected"),
        (4, "rejected"),
        (5, "created"),
    ]
    assert "people[0].phone" in results[1]["errors"] and "external_id" in results[2]["errors"]
    assert "试导入" in page and "确认导入" in page


def test_confirming_writes_the_good_rows_at_the_users_center(coordinator_client, center, township, village):
    preview_url = upload(coordinator_client, csv_file(good_rows())).url
    done = coordinator_client.post(preview_url + "confirm/")
    assert done.status_code == 302
    assert set(Lead.objects.values_list("external_id", flat=True)) == {"W-1", "W-3"}
    lead = Lead.objects.get(external_id="W-1")
    assert (lead.feed, lead.center, lead.received_center) == ("petition", center, center)
    assert (lead.township, lead.place, lead.category) == (township, village, "labour")
    assert sorted(p.phone for p in lead.people.all()) == ["13900001111", "13900002222"]
    assert list(lead.events.values_list("action", flat=True)) == [LeadEvent.Action.IMPORTED]
    # A second confirmation (a double click) writes nothing more.
    coordinator_client.post(preview_url + "confirm/")
    assert Lead.objects.count() == 2 and LeadEvent.objects.count() == 2
    page = coordinator_client.get(preview_url).content.decode()
    assert "导入结果" in page
    # Importing the same file again updates, never duplicates.
    again = coordinator_client.get(upload(coordinator_client, csv_file(good_rows())).url)
    assert again.context["counts"] == {"created": 0, "updated": 2, "rejected": 2}


def test_the_error_report_lists_the_rejected_rows_with_their_errors(coordinator_client):
    preview_url = upload(coordinator_client, csv_file(good_rows())).url
    response = coordinator_client.get(preview_url + "errors.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="import-errors.csv"'
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][:4] == ["行号", "错误", "外部编号", "发生时间"]
    assert [line[0] for line in lines[1:]] == ["3", "4"]
    assert "people[0].phone" in lines[1][1] and lines[1][2] == "W-2"
    assert "external_id" in lines[2][1]


def test_xlsx_with_english_headers_and_numbers_as_cells(coordinator_client):
    book = Workbook()
    sheet = book.active
    sheet.append(["external_id", "occurred_at", "text", "person1_name", "person1_phone", "township_code"])
    occurred = (timezone.localtime() - dt.timedelta(days=1)).replace(tzinfo=None)
    sheet.append(["X-1", occurred, "网民发帖反映物业乱收费", "周七", 13900003333, 420923101])
    out = io.BytesIO()
    book.save(out)
    file = SimpleUploadedFile("leads.xlsx", out.getvalue())
    preview_url = upload(coordinator_client, file, feed="opinion").url
    assert coordinator_client.get(preview_url).context["counts"]["created"] == 1
    coordinator_client.post(preview_url + "confirm/")
    lead = Lead.objects.get(external_id="X-1")
    assert lead.feed == "opinion" and lead.people.get().phone == "13900003333"
    assert lead.township.code == "420923101"


def test_gb18030_csv_is_read(coordinator_client):
    preview_url = upload(coordinator_client, csv_file(good_rows(), encoding="gb18030")).url
    assert coordinator_client.get(preview_url).context["counts"]["created"] == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("leads.pdf", b"%PDF-1.4", "只支持 CSV 或 xlsx"),
        ("leads.xlsx", b"PK\x03\x04garbage", "无法读取 xlsx"),
        ("leads.csv", b"\n,,\n", "文件是空的"),
        ("leads.csv", b"", "空"),
        ("leads.csv", "名称,数量\n甲,1\n".encode(), "缺少必需的列"),
        ("leads.csv", "外部编号,发生时间,内容\n".encode(), "没有数据行"),
        ("leads.csv", b"\xff\xfe\x00\x00binary\x00", "CSV"),
    ],
)
def test_bad_files_get_a_form_error_never_a_500(coordinator_client, name, content, message):
    response = upload(coordinator_client, SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Lead.objects.exists()


def test_too_many_rows_is_refused():
    from risk.imports import ImportFileError

    body = "外部编号,发生时间,内容\n" + "".join(f"R-{i},2026-11-01 09:00,内容\n" for i in range(MAX_ROWS + 1))
    with pytest.raises(ImportFileError, match="最多导入"):
        parse_upload("big.csv", body.encode())


def test_more_than_1000_rows_go_in_batches(coordinator_client):
    rows = [["外部编号", "发生时间", "内容"]] + [[f"B-{i}", when(), "内容"] for i in range(1200)]
    preview_url = upload(coordinator_client, csv_file(rows)).url
    assert coordinator_client.get(preview_url).context["counts"]["created"] == 1200
    coordinator_client.post(preview_url + "confirm/")
    assert Lead.objects.count() == 1200


def test_only_coordinators_import(client, reception, leader, feed_client):
    for user in (reception, leader, feed_client("petition").user):
        client.force_login(user)
        assert client.get("/risk/import/").status_code == 403
        assert upload(client, csv_file(good_rows())).status_code == 403
    client.logout()
    assert client.get("/risk/import/").status_code == 302  # to the log-in page
    assert not Lead.objects.exists()


def test_another_session_cannot_confirm_or_download(coordinator_client, client_factory=None):
    from django.test import Client

    from tests.factories import StaffFactory

    preview_url = upload(coordinator_client, csv_file(good_rows())).url
    other = Client()
    colleague = StaffFactory(
        role="coordinator", center=Lead._meta.get_field("center").related_model.objects.first()
    )
    other.force_login(colleague.user)
    assert other.post(preview_url + "confirm/").status_code == 404
    assert other.get(preview_url + "errors.csv").status_code == 404
    assert coordinator_client.post("/risk/import/not-a-token/confirm/").status_code == 404
    assert not Lead.objects.exists()


def test_a_new_upload_discards_the_previous_preview(coordinator_client):
    first = upload(coordinator_client, csv_file(good_rows())).url
    second = upload(coordinator_client, csv_file(good_rows())).url
    assert first != second
    assert coordinator_client.get(first).status_code == 404
    assert coordinator_client.post(first + "confirm/").status_code == 404
    assert coordinator_client.get(second).status_code == 200
    assert not Lead.objects.exists()
