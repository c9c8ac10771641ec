"""The Content-Security-Policy header, templates without inline code, and the API docs' gate."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.zongzhi.test_settings import _child_env, _run, _secret

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = ["templates", "cases", "departments", "supervision", "common", "integrations", "demo"]


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


class InlineCode(HTMLParser):
    """Collect what a CSP without 'unsafe-inline' would block: inline scripts, styles, handlers."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f'{tag} {name}="{value}"')
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}=javascript:")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def test_the_policy_allows_no_inline_code(client, db):
    response = client.get(reverse("login"))
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["object-src"] == ["'none'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_no_template_carries_inline_script_style_or_handlers():
    offenders = {}
    pattern = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.I)
    for folder in TEMPLATE_DIRS:
        for path in (ROOT / folder).rglob("*.html"):
            found = pattern.findall(path.read_text(encoding="utf-8"))
            if found:
                offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}


@pytest.mark.django_db
def test_main_pages_render_without_inline_code(client, reception, coordinator, liaison, leader, new_case):
    case = new_case()
    pages = {
        reception: [reverse("cases:intake"), reverse("cases:receipt", args=[case.code])],
        coordinator: [
            reverse("cases:detail", args=[case.code]),
            reverse("cases:rejection_notice", args=[case.code]),
        ],
        liaison: [reverse("cases:department_desk")],
        leader: [reverse("supervision:reports_dashboard"), reverse("supervision:reports_monthly")],
    }
    rendered = 0
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            if response.status_code != 200:
                continue  # a page this case's state does not offer
            rendered += 1
            assert "unsafe-inline" not in response["Content-Security-Policy"]
            assert inline_code(response.content.decode()) == [], url
    assert rendered >= 6
    anonymous = type(client)()
    for url in [reverse("tracking:start"), reverse("tracking:case", args=[case.code]), reverse("login")]:
        assert inline_code(anonymous.get(url).content.decode()) == [], url


# --- /api/docs/ ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/docs/", "/api/schema/", "/api/docs/?script="])
def test_api_docs_are_refused_to_anonymous_visitors_when_required(settings, url):
    settings.ZONGZHI_API_DOCS_REQUIRE_LOGIN = True
    response = APIClient().get(url)
    assert response.status_code in (401, 403)
    assert b"openapi" not in response.content and b"SwaggerUIBundle" not in response.content


@pytest.mark.django_db
def test_api_docs_open_to_signed_in_staff_when_required(settings, client, coordinator):
    settings.ZONGZHI_API_DOCS_REQUIRE_LOGIN = True
    client.force_login(coordinator)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert inline_code(page.content.decode()) == []
    assert client.get("/api/schema/").status_code == 200


@pytest.mark.django_db
def test_api_docs_open_to_all_when_not_required(settings):
    settings.ZONGZHI_API_DOCS_REQUIRE_LOGIN = False
    assert APIClient().get("/api/docs/").status_code == 200


def test_production_requires_a_login_for_the_api_docs():
    probe = "from django.conf import settings as s; print(s.ZONGZHI_API_DOCS_REQUIRE_LOGIN, s.DEBUG)"
    result = _run(
        ["-c", "import django; django.setup(); " + probe],
        _child_env(
            "zongzhi.settings.production",
            DJANGO_SECRET_KEY=_secret(),
            DJANGO_ALLOWED_HOSTS="zongzhi.example.cn",
        ),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False"]
