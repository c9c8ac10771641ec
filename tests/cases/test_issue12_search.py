"""Issue 12, item 3: a search row links to what the searching role may open (case page, receipt).

The row's case link comes from ``cases.permissions.may_open_case_page``; the tests hold it equal to
what the case page itself answers, role by role, so a row never links to a 403.
"""

import re

import pytest
from django.urls import reverse

from cases.permissions import may_open_case_page
from cases.services import case_assign, case_start_assessment

pytestmark = pytest.mark.django_db

TITLE = "拖欠工资纠纷"  # the title of tests/conftest.py's new_case


@pytest.fixture
def cases(new_case, coordinator, department, other_department):
    """Three cases: led by the liaison's department, co-operated by it, and one it has nothing to do with."""

    def assign(lead, co=()):
        case = case_start_assessment(case=new_case(), actor=coordinator)
        return case_assign(
            case=case, actor=coordinator, risk_colour="blue", lead_department=lead, co_departments=list(co)
        )

    return {
        "lead": assign(department),
        "co": assign(other_department, [department]),
        "other": assign(other_department),
    }


def _rows(html: str) -> dict[str, str]:
    """Return each result row's HTML by the case code it carries."""
    return dict(re.findall(r'<tr data-code="(\w+)">(.*?)</tr>', html, re.S))


def _hrefs(row: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', row))


# role → (the cases it finds, whether rows link to the case page, whether rows link to the receipt)
EXPECTED = {
    "reception": ({"lead", "co", "other"}, True, True),
    "coordinator": ({"lead", "co", "other"}, True, True),
    "liaison": ({"lead", "co"}, True, False),
    "leader": ({"lead", "co", "other"}, True, False),
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_row_links_to_what_the_role_may_open_and_every_link_opens(client, request, cases, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.post(reverse("cases:search"), {"q": TITLE})
    assert response.status_code == 200
    rows = _rows(response.content.decode())
    found, case_link, receipt_link = EXPECTED[role]
    assert set(rows) == {cases[name].code for name in found}
    for name in found:
        case = cases[name]
        hrefs = _hrefs(rows[case.code])
        page, receipt = reverse("cases:detail", args=[case.code]), reverse("cases:receipt", args=[case.code])
        assert (page in hrefs, receipt in hrefs) == (case_link, receipt_link)
        assert hrefs <= {page, receipt}
        for href in hrefs:  # following any link of a row never ends in a 403
            assert client.get(href).status_code == 200, (role, name, href)


@pytest.mark.parametrize(
    "role", ["reception", "coordinator", "liaison", "other_liaison", "leader", "admin_user"]
)
def test_the_rule_agrees_with_the_case_page(client, request, cases, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    for case in cases.values():
        status = client.get(reverse("cases:detail", args=[case.code])).status_code
        assert status in (200, 403)
        assert may_open_case_page(user, case) == (status == 200), (role, case.title)


def test_the_code_and_title_are_links_to_the_case_page(client, leader, cases):
    client.force_login(leader)
    row = _rows(client.post(reverse("cases:search"), {"q": cases["lead"].code}).content.decode())[
        cases["lead"].code
    ]
    page = reverse("cases:detail", args=[cases["lead"].code])
    assert f'<a href="{page}" class="case-link">{cases["lead"].code_display}</a>' in row
    assert f'<a href="{page}">{TITLE}</a>' in row


def test_two_parties_read_as_two_people(client, reception, cases):
    """ "张** 等 1 人" for two parties read as one other person: the row counts the parties."""
    client.force_login(reception)
    row = _rows(client.post(reverse("cases:search"), {"q": cases["lead"].code}).content.decode())[
        cases["lead"].code
    ]
    assert "等 2 人" in row and "等 1 人" not in row


@pytest.mark.parametrize("role", ["reception", "liaison"])
def test_the_search_page_query_count_does_not_grow_with_the_rows(
    client, request, new_case, coordinator, department, other_department, role, django_assert_num_queries
):
    client.force_login(request.getfixturevalue(role))

    def add(n):
        for _ in range(n):
            case = case_start_assessment(case=new_case(), actor=coordinator)
            case_assign(
                case=case,
                actor=coordinator,
                risk_colour="blue",
                lead_department=other_department,
                co_departments=[department],  # the liaison sees it as a co-department
            )

    client.post(reverse("cases:search"), {"q": TITLE})  # warm the per-user caches (names, menu)
    counts = []
    for n in (2, 6):
        add(n)
        with django_assert_num_queries(QUERIES[role]) as captured:
            response = client.post(reverse("cases:search"), {"q": TITLE})
        counts.append(len(captured))
        assert len(_rows(response.content.decode())) == (2 if n == 2 else 8)
    assert counts[0] == counts[1]


# Session, user, staff profile (and a liaison's department), the cases, their parties, their
# co-departments (for the liaison's rows) and the unread notices, the menu's cached: a row adds none.
# A liaison's menu also counts its three queues (部门工作台, 待答复督办, 吹哨待报到): 3 more.
QUERIES = {"reception": 7, "liaison": 11}
