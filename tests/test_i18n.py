"""Chinese first, English complete: the catalogues are complete and pages render fully in English."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[1]
HAN = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]")


@pytest.mark.parametrize(
    "catalogue", ["locale/en/LC_MESSAGES/django.po", "locale/zh_Hans/LC_MESSAGES/django.po"]
)
def test_catalogue_is_complete(catalogue):
    result = subprocess.run(
        [sys.executable, "scripts/po.py", "missing", catalogue],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:]


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<option value="zh-hans"[^>]*>.*?</option>', " ", html)
    html = re.sub(r"<[^>]+>", " ", html)
    return html


def assert_english(html: str, data: list[str]) -> None:
    text = visible_text(html)
    for item in [*data, "中文"]:  # the language switch names Chinese in Chinese, as it should
        text = text.replace(item, " ")
    leftovers = sorted({m.group(0) for m in HAN.finditer(text)})
    snippet = [text[max(0, m.start() - 30) : m.end() + 30] for m in HAN.finditer(text)][:5]
    assert not leftovers, f"Chinese left in the English page: {leftovers} e.g. {snippet}"


@pytest.mark.parametrize("url_name", ["login", "tracking:start"])
def test_public_pages_in_english(client, db, url_name):
    response = client.get(reverse(url_name), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert_english(response.content.decode(), [])


@pytest.mark.parametrize(
    ("role", "url_name"),
    [
        ("reception", "cases:intake"),
        ("reception", "cases:search"),
        ("coordinator", "cases:workbench"),
        ("liaison", "cases:department_desk"),
        ("coordinator", "cases:inbox"),
    ],
)
def test_staff_pages_in_english(client, request, role, url_name, center, department):
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.get(reverse(url_name), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert_english(
        response.content.decode(),
        [center.name, user.staff_profile.display_name, department.name, department.short_name],
    )


def test_case_page_in_english(client, new_case, coordinator, center):
    from cases.services import case_start_assessment

    case = case_start_assessment(case=new_case(), actor=coordinator)
    client.force_login(coordinator)
    response = client.get(reverse("cases:detail", args=[case.code]), HTTP_ACCEPT_LANGUAGE="en")
    data = [
        center.name,
        coordinator.staff_profile.display_name,
        case.title,
        case.description,
        case.location,
        *[p.name for p in case.parties.all()],
        *[p.name_masked for p in case.parties.all()],
    ]
    from departments.models import Department, StaffProfile

    data += [d.name for d in Department.objects.all()] + [d.short_name for d in Department.objects.all()]
    data += list(StaffProfile.objects.values_list("display_name", flat=True))
    assert "Assessing" in response.content.decode()
    assert_english(response.content.decode(), data)


def test_chinese_is_the_default(client, db):
    html = client.get(reverse("tracking:start")).content.decode()
    assert "案件进度查询" in html and 'lang="zh-hans"' in html
