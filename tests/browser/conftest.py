"""Real-browser tests: Playwright for Python driving Debian's Chromium.

Without /usr/bin/chromium these tests skip with the reason; with ZONGZHI_REQUIRE_BROWSER=1
(set by .ci/run) they fail instead, so CI never passes with the browser flows unchecked.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("ZONGZHI_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True, scope="session")
def _allow_sync_orm_beside_playwright():
    """Playwright's sync API runs an event loop in the test thread; let the ORM run there too.

    Session-wide (set once the first browser test starts, removed at the end of the run), so
    the database flush after each live-server test runs with it as well.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        if os.environ.get("ZONGZHI_REQUIRE_BROWSER") == "1":
            pytest.fail(f"ZONGZHI_REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium fonts-wqy-microhei")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_factory(chromium):
    """Open pages in fresh browser contexts (a new context is a new person: no cookies)."""
    contexts = []

    def make(**options):
        options.setdefault("locale", "zh-CN")
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = chromium.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def artifacts():
    """Folder for screenshots kept after the run (test-artifacts/)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def login(live_server):
    def do(page, username, password="zongzhi-test"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("#login-form button[type=submit]")
        page.wait_for_load_state("networkidle")

    return do


# A4 portrait at 96 CSS px per inch: what fits between the default 1 cm print margins.
A4_PRINTABLE_WIDTH_PX = round((210 - 20) / 25.4 * 96)


@pytest.fixture
def print_pdf(artifacts):
    """Print the page to PDF as Chromium would on A4; keep it in test-artifacts; return its page count.

    Also returns the tables wider than their page: each as (id or first header, width, page width),
    measured under print media at the printable width, so a test can assert the list is empty.
    """
    from pypdf import PdfReader

    def do(page, name, *, landscape=False):
        width = round((297 - 20) / 25.4 * 96) if landscape else A4_PRINTABLE_WIDTH_PX
        page.emulate_media(media="print")
        size = page.viewport_size
        page.set_viewport_size({"width": width, "height": size["height"] if size else 900})
        overflowing = page.evaluate(
            """(limit) => Array.from(document.querySelectorAll('table'))
                .filter(t => t.offsetParent !== null && t.scrollWidth > limit + 1)
                .map(t => [t.id || (t.querySelector('th') || t).textContent.trim().slice(0, 20),
                           t.scrollWidth, limit])""",
            width,
        )
        path = artifacts / f"{name}.pdf"
        page.pdf(
            path=str(path), format="A4", landscape=landscape, print_background=True, prefer_css_page_size=True
        )
        page.emulate_media(media="screen")
        if size:
            page.set_viewport_size(size)
        return len(PdfReader(str(path)).pages), overflowing

    return do
