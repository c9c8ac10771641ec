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


# A4 in CSS px (96 per inch); the margins when the page's CSS sets none (what Chrome prints with).
MM_PX = 96 / 25.4
A4_MM = (210, 297)
DEFAULT_MARGIN_MM = 10
A4_PRINTABLE_WIDTH_PX = round((A4_MM[0] - 2 * DEFAULT_MARGIN_MM) * MM_PX)

# The page box the document's print CSS asks for: the last @page rule's size and side margins
# (top level or inside @media print), as Chromium will apply them with prefer_css_page_size.
PAGE_RULE = """() => {
  const found = {size: "", left: "", right: ""};
  const walk = (rules) => {
    for (const rule of rules) {
      if (rule instanceof CSSPageRule && !rule.selectorText) {
        found.size = rule.style.getPropertyValue("size") || found.size;
        found.left = rule.style.getPropertyValue("margin-left") || found.left;
        found.right = rule.style.getPropertyValue("margin-right") || found.right;
      } else if (rule instanceof CSSMediaRule && /print|all/.test(rule.media.mediaText)) {
        walk(rule.cssRules);
      }
    }
  };
  for (const sheet of document.styleSheets) {
    try { walk(sheet.cssRules); } catch (e) { /* another origin's sheet */ }
  }
  return found;
}"""

# Tables wider than the printable width: the table's own scroll width or its right edge past it.
OVERFLOWING = """(limit) => Array.from(document.querySelectorAll('table'))
    .filter(t => t.offsetParent !== null)
    .map(t => [t, Math.max(t.scrollWidth, Math.ceil(t.getBoundingClientRect().right))])
    .filter(([t, width]) => width > limit + 1)
    .map(([t, width]) => [t.id || (t.querySelector('th') || t).textContent.trim().slice(0, 20), width, limit])"""


def _length_mm(text: str, default: float) -> float:
    text = text.strip()
    units = {"mm": 1, "cm": 10, "in": 25.4, "px": 25.4 / 96, "pt": 25.4 / 72}
    for unit, factor in units.items():
        if text.endswith(unit):
            try:
                return float(text[: -len(unit)]) * factor
            except ValueError:
                return default
    return 0.0 if text == "0" else default


def printable_width(page, *, landscape: bool = False) -> tuple[int, bool]:
    """The content width in CSS px of the page the document prints on, and whether it is landscape.

    The document's own @page rule wins (as it does in Chromium with prefer_css_page_size);
    without one, A4 in the asked orientation with the default margins.
    """
    rule = page.evaluate(PAGE_RULE)
    size = rule["size"].lower()
    if "landscape" in size:
        landscape = True
    elif "portrait" in size:
        landscape = False
    paper = A4_MM[1] if landscape else A4_MM[0]
    left = _length_mm(rule["left"], DEFAULT_MARGIN_MM) if rule["left"] else DEFAULT_MARGIN_MM
    right = _length_mm(rule["right"], DEFAULT_MARGIN_MM) if rule["right"] else DEFAULT_MARGIN_MM
    return round((paper - left - right) * MM_PX), landscape


@pytest.fixture
def print_pdf(artifacts):
    """Print the page to PDF as Chromium would on A4; keep it in test-artifacts; return its page count.

    Also returns the tables wider than their page: each as (id or first header, width, page width),
    measured under print media at the printable width of the page the document's CSS asks for
    (its @page size and margins; A4 with 10 mm margins otherwise), so a test can assert the list
    is empty.
    """
    from pypdf import PdfReader

    def do(page, name, *, landscape=False):
        width, landscape = printable_width(page, landscape=landscape)
        page.emulate_media(media="print")
        size = page.viewport_size
        page.set_viewport_size({"width": width, "height": size["height"] if size else 900})
        overflowing = page.evaluate(OVERFLOWING, width)
        path = artifacts / f"{name}.pdf"
        margin = f"{DEFAULT_MARGIN_MM}mm"
        page.pdf(
            path=str(path),
            format="A4",
            landscape=landscape,
            print_background=True,
            prefer_css_page_size=True,
            margin={"top": margin, "bottom": margin, "left": margin, "right": margin},
        )
        page.emulate_media(media="screen")
        if size:
            page.set_viewport_size(size)
        return len(PdfReader(str(path)).pages), overflowing

    return do
