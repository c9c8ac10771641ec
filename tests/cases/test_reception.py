"""Reception-hall pages: intake, the repeat-visit check, the receipt and case search."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from cases.models import Attachment, Case, CaseSequence, Party, Visit
from cases.services import PartyData, case_create
from tests.factories import DeskFactory, ServiceFactory

VALID_ID = "11010519491231002X"


def intake_post(**overrides):
    data = {
        "intake_key": overrides.pop("intake_key", "key-1"),
        "title": "拖欠工资",
        "category": "labour",
        "source": "walk_in",
        "location": "城关镇",
        "description": "某公司拖欠工资三个月。",
        "people_count": "",
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "1",
        "parties-MAX_NUM_FORMS": "200",
        "parties-0-name": "张三",
        "parties-0-phone": "13812345678",
        "parties-0-id_number": VALID_ID,
        "parties-0-role": "applicant",
        "parties-1-name": "某建筑公司",
        "parties-1-phone": "",
        "parties-1-id_number": "",
        "parties-1-role": "respondent",
    }
    data.update(overrides)
    return data


def test_intake_creates_a_case_and_shows_the_receipt(client, reception, center):
    desk = DeskFactory()
    service = ServiceFactory()
    client.force_login(reception)
    response = client.post(
        reverse("cases:intake"), intake_post(desk=desk.pk, requested_services=[service.pk]), follow=True
    )
    case = Case.objects.get()
    assert response.redirect_chain[-1][0] == reverse("cases:receipt", args=[case.code])
    assert [p.name for p in case.parties.all()] == ["张三", "某建筑公司"]
    assert case.desk == desk
    assert list(case.requested_services.all()) == [service]
    html = response.content.decode()
    assert case.code_display in html
    assert "张*" in html and "张三" not in html  # the receipt masks the party's name
    assert reverse("cases:qr_svg", args=[case.code]) in html


def test_a_bad_id_number_keeps_everything_typed(client, reception, center):
    client.force_login(reception)
    response = client.post(
        reverse("cases:intake"), intake_post(**{"parties-0-id_number": "110105194912310021"})
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "身份证号校验位错误：最后一位应为 X" in html
    assert 'value="张三"' in html and 'value="某建筑公司"' in html and "某公司拖欠工资三个月。" in html
    assert not Case.objects.exists()


def test_required_fields_and_phone_format_are_reported_in_chinese(client, reception, center):
    client.force_login(reception)
    response = client.post(
        reverse("cases:intake"), intake_post(title="", **{"parties-0-phone": "12345", "parties-1-name": ""})
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "这是必填项。" in html or "这个字段是必填项。" in html
    assert "电话号码格式不正确" in html
    assert not Case.objects.exists()


def test_resubmitting_the_same_form_creates_one_case(client, reception, center):
    client.force_login(reception)
    first = client.post(reverse("cases:intake"), intake_post(intake_key="same"))
    second = client.post(reverse("cases:intake"), intake_post(intake_key="same"))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Case.objects.count() == 1
    assert CaseSequence.objects.get().last_number == 1


def test_a_return_visit_is_recorded_on_the_open_case(client, reception, center):
    client.force_login(reception)
    client.post(reverse("cases:intake"), intake_post(intake_key="a"))
    case = Case.objects.get()
    response = client.post(
        reverse("cases:intake"), intake_post(intake_key="b", title="", category="", visit_case=case.code)
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:receipt", args=[case.code])
    assert Case.objects.count() == 1
    visit = Visit.objects.get()
    assert visit.case == case and visit.phone == "13812345678"
    assert case.events.filter(transition="visit").count() == 1


def test_the_repeat_visit_check_lists_open_cases_and_counts(client, reception, center):
    for _ in range(2):
        case_create(
            actor=reception,
            title="t",
            description="d",
            category="labour",
            source="walk_in",
            parties=[PartyData(name="王五", phone="13900001111")],
            center=center,
        )
    client.force_login(reception)
    response = client.post(reverse("cases:intake_lookup"), {"parties-0-phone": "139 0000 1111"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("choose-visit") == 2
    assert "90 日内已来访 2 次" in html
    assert "建议黄色" in html  # this visit would be the third
    assert "13900001111" not in html  # masked


def test_third_visit_proposes_yellow_and_fifth_red(reception, center):
    def create():
        return case_create(
            actor=reception,
            title="t",
            description="d",
            category="labour",
            source="walk_in",
            parties=[PartyData(name="王五", phone="13900001111")],
            center=center,
        )

    colours = [create().proposed_colour for _ in range(5)]
    assert colours == ["", "", "yellow", "yellow", "red"]
    assert "第 5 次来访" in Case.objects.order_by("-id").first().colour_reason


def test_collective_visit_of_five_proposes_red(reception, center):
    parties = [PartyData(name=f"工人{i}", phone=f"1380000000{i}", is_representative=i < 2) for i in range(5)]
    case = case_create(
        actor=reception,
        title="t",
        description="d",
        category="labour",
        source="walk_in",
        parties=parties,
        center=center,
    )
    assert case.is_collective and case.people_count == 5 and case.proposed_colour == "red"


def test_more_than_five_representatives_is_refused(client, reception, center):
    client.force_login(reception)
    data = intake_post(**{"parties-TOTAL_FORMS": "6"})
    for i in range(6):
        data.update(
            {
                f"parties-{i}-name": f"工人{i}",
                f"parties-{i}-phone": f"1380000000{i}",
                f"parties-{i}-role": "applicant",
                f"parties-{i}-is_representative": "on",
                f"parties-{i}-id_number": "",
            }
        )
    response = client.post(reverse("cases:intake"), data)
    assert response.status_code == 400
    assert "最多推选 5 名代表" in response.content.decode()


def test_attachments_are_checked_and_served_only_to_allowed_staff(client, reception, center, liaison):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(reception)
    bad = SimpleUploadedFile("合同.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = client.post(reverse("cases:intake"), intake_post(attachments=[bad]))
    assert response.status_code == 400 and "类型不允许上传" in response.content.decode()
    fake_pdf = SimpleUploadedFile("合同.pdf", b"not a pdf", content_type="application/pdf")
    response = client.post(reverse("cases:intake"), intake_post(attachments=[fake_pdf]))
    assert response.status_code == 400 and "内容与扩展名不符" in response.content.decode()
    pdf = SimpleUploadedFile("../../合同 扫描.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(reverse("cases:intake"), intake_post(attachments=[pdf]))
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == "合同 扫描.pdf"
    assert ".." not in attachment.file.name and "合同" not in attachment.file.name
    url = reverse("cases:attachment", args=[attachment.case.code, attachment.pk])
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 test"
    client.force_login(liaison)  # a department not (yet) assigned the case
    assert client.get(url).status_code == 404


def test_search_by_code_phone_id_and_name_masks_personal_data(client, reception, new_case):
    case = new_case()
    client.force_login(reception)
    for query in [
        case.code_display,
        case.code.lower(),
        "138-1234-5678",
        VALID_ID.lower(),
        "张三",
        "拖欠工资",
    ]:
        response = client.post(reverse("cases:search"), {"q": query})
        html = response.content.decode()
        html = html[html.index('id="search-results"') :]  # the results, not the echoed query
        assert case.code_display in html, query
        assert "13812345678" not in html and VALID_ID not in html and "张三" not in html
        assert "138****5678" in html


@pytest.mark.parametrize("url_name", ["cases:intake", "cases:search"])
def test_staff_pages_send_anonymous_visitors_to_log_in(client, db, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_wrong_roles_are_refused(client, liaison, leader, new_case):
    case = new_case()
    for user in (liaison, leader):
        client.force_login(user)
        assert client.get(reverse("cases:intake")).status_code == 403
        assert client.get(reverse("cases:receipt", args=[case.code])).status_code == 403
    assert "无权访问" in client.get(reverse("cases:intake")).content.decode()


def test_home_sends_each_role_to_its_workspace(client, reception, coordinator, liaison):
    client.force_login(reception)
    assert client.get(reverse("home"))["Location"] == reverse("cases:intake")


def test_intake_submit_query_count(client, reception, center, django_assert_num_queries):
    client.force_login(reception)
    client.get(reverse("cases:intake"))
    # case_create: 18 (its outbox row included); the center comes with the staff profile.
    with django_assert_num_queries(23):
        response = client.post(reverse("cases:intake"), intake_post())
    assert response.status_code == 302


def test_receipt_query_count(client, reception, new_case, django_assert_num_queries):
    case = new_case()
    client.force_login(reception)
    with django_assert_num_queries(7):  # session, user, profile, center name, unread count, case, parties
        response = client.get(reverse("cases:receipt", args=[case.code]))
    assert response.status_code == 200


def test_receipt_prints_on_a5_or_a4(client, reception, new_case):
    case = new_case()
    client.force_login(reception)
    # The page size comes from a static stylesheet (no inline style under the CSP).
    a5 = client.get(reverse("cases:receipt", args=[case.code])).content.decode()
    a4 = client.get(reverse("cases:receipt", args=[case.code]), {"paper": "a4"}).content.decode()
    assert "css/print-receipt-a5.css" in a5 and "print-receipt-a4" not in a5
    assert "css/print-receipt-a4.css" in a4 and "print-receipt-a5" not in a4
    assert "size: A5" in Path(finders.find("css/print-receipt-a5.css")).read_text(encoding="utf-8")
    assert "size: A4" in Path(finders.find("css/print-receipt-a4.css")).read_text(encoding="utf-8")


def test_party_rows_survive_a_rejected_form(client, reception, center):
    client.force_login(reception)
    data = intake_post(
        **{
            "parties-TOTAL_FORMS": "3",
            "parties-2-name": "赵六",
            "parties-2-phone": "abc",
            "parties-2-role": "other",
            "parties-2-id_number": "",
        }
    )
    html = client.post(reverse("cases:intake"), data).content.decode()
    assert 'value="赵六"' in html and "电话号码格式不正确" in html
    assert Party.objects.count() == 0
