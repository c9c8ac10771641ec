"""Issue 12 in a real browser: the monthly report on A4 and on screen, the dashboard early in a month.

The month is a realistic one: every department of the demo (15, from ``seed_demo``) leads cases,
so the ranking is full and the longest name, "县人力资源和社会保障局", is in it.
"""

import datetime as dt
import os

import pytest

from cases.models import Case, Evaluation, State
from demo.management.commands.seed_demo import DEPARTMENTS
from supervision.models import Level
from supervision.models.reports import ReportThresholds  # noqa: F401  (the table exists in a --nomigrations run)
from tests.browser.conftest import printable_width
from tests.factories import CaseFactory, DepartmentFactory, StaffFactory
from tests.reports.conftest import at, evaluate, order

pytestmark = pytest.mark.urls("tests.reports.urls")

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# At most this many A4 pages for a full month of 15 departments: the title, figures and breakdowns,
# the ranking on a page of its own, the callbacks and orders, the notable cases and definitions.
MAX_MONTHLY_PAGES = 4

# How many lines each ranking row's department name takes (text rectangles with distinct tops).
NAME_LINES = """() => Array.from(document.querySelectorAll('#ranking tbody tr')).map(row => {
  const cell = row.querySelector('td:nth-child(2)');
  const range = document.createRange();
  range.selectNodeContents(cell);
  const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
  return [cell.textContent.trim(), tops.size, Math.round(cell.getBoundingClientRect().width)];
})"""


def build_month(center, *, month=(2026, 10), per_department=9):
    """A whole month of cases for every demo department: closed, evaluated, in hand, red, late, ordered."""
    year, number = month
    departments = [
        DepartmentFactory(center=center, slug=slug, name=name, short_name=short, kind=kind, order=i)
        for i, (slug, name, short, kind, _desk) in enumerate(DEPARTMENTS)
    ]
    states = [State.CLOSED, State.EVALUATED, State.HANDLING, State.EVALUATED, State.CLOSED, State.SUPERVISED]
    categories = ["labour", "neighbour", "property", "marriage_family", "land", "consumer"]
    serial = 0
    for d_index, department in enumerate(departments):
        # The last department is late with everything; the one before is rated badly.
        late = d_index == len(departments) - 1
        unhappy = d_index == len(departments) - 2
        for i in range(per_department + d_index % 3):
            serial += 1
            state = states[i % len(states)]
            created = at(year, number, 1 + (i * 3 + d_index) % 25, 9 + i % 8)
            due = created + dt.timedelta(days=5)
            finished = due + (dt.timedelta(days=1) if late or i % 10 == 9 else -dt.timedelta(days=1))
            closed = state in (State.CLOSED, State.EVALUATED)
            case = CaseFactory(
                center=center,
                title=f"{department.short_name}受理的第{i + 1}件纠纷（{categories[i % len(categories)]}）",
                state=state,
                category=categories[(i + d_index) % len(categories)],
                source=["walk_in", "hotline", "grid", "online"][serial % 4],
                risk_colour="red" if serial % 9 == 0 else ["yellow", "blue"][serial % 2],
                is_problem=serial % 17 == 0,
                lead_department=department,
                accept_by=created + dt.timedelta(days=1),
                accepted_at=created + dt.timedelta(hours=30 if late else 3),
                due_by=due,
                submitted_at=finished if closed else None,
                closed_at=finished + dt.timedelta(hours=4) if closed else None,
            )
            Case.objects.filter(pk=case.pk).update(created_at=created)
            if state == State.EVALUATED:
                rating = (
                    "dissatisfied" if unhappy or late else ("satisfied" if i % 5 else "basically_satisfied")
                )
                evaluate(case, rating, finished + dt.timedelta(days=1), Evaluation.Channel.TRACKING)
            if state == State.SUPERVISED:
                order(
                    case,
                    level=Level.LEADER if serial % 4 == 0 else Level.ORDER,
                    issued=created + dt.timedelta(days=6),
                    respond_by=created + dt.timedelta(days=9),
                )
    return departments


def test_monthly_report_prints_on_few_a4_pages_with_names_on_one_line(
    transactional_db, live_server, page_factory, login, artifacts, print_pdf, center
):
    build_month(center)
    leader = StaffFactory(role="leader", center=center, display_name="何振华").user

    page = page_factory(viewport={"width": 1280, "height": 900})
    login(page, leader.username)
    page.goto(f"{live_server.url}/supervision/reports/monthly/?month=2026-10")
    page.wait_for_selector("#monthly-report")
    assert page.locator("#ranking tbody tr").count() == len(DEPARTMENTS)

    # On screen at 1280 wide: every name on one line, no table wider than the A4 sheet.
    screen_lines = page.evaluate(NAME_LINES)
    page.screenshot(path=str(artifacts / "issue12-monthly-report-screen.png"), full_page=True)
    sheet = page.evaluate("() => document.getElementById('monthly-report').getBoundingClientRect().right")
    widest = page.evaluate(
        "() => Math.max(...Array.from(document.querySelectorAll('#monthly-report table'))"
        ".map(t => t.getBoundingClientRect().right))"
    )

    # On paper: the same names measured at the printable width under print media, then the PDF.
    width, _landscape = printable_width(page)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": width, "height": 900})
    print_lines = page.evaluate(NAME_LINES)
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 900})
    pages, overflowing = print_pdf(page, "issue12-monthly-report")
    pdf = artifacts / "issue12-monthly-report.pdf"
    names = [name for _slug, name, *_rest in DEPARTMENTS]
    print(
        f"monthly report: {pages} pages, overflowing tables: {overflowing}; "
        f"print name lines {[lines for _n, lines, _w in print_lines]}, PDF names unbroken "
        f"{len(names) - len(broken_in_pdf(pdf, names))}/{len(names)}, ranking on one page: "
        f"{ranking_on_one_page(pdf, names)}; "
        f"screen name lines {[lines for _n, lines, _w in screen_lines]}, widest table {widest} / {sheet}"
    )
    assert [name for name, lines, _w in screen_lines if lines != 1] == [], screen_lines
    assert widest <= sheet + 1
    assert overflowing == []
    assert pages <= MAX_MONTHLY_PAGES
    assert [name for name, lines, _w in print_lines if lines != 1] == [], print_lines
    assert broken_in_pdf(pdf, names) == []
    assert ranking_on_one_page(pdf, names)


def _pdf_lines(path) -> list[list[str]]:
    from pypdf import PdfReader

    return [
        [line.replace(" ", "") for line in p.extract_text().splitlines()] for p in PdfReader(str(path)).pages
    ]


def broken_in_pdf(path, names) -> list[str]:
    """The names that no line of the PDF's text holds whole (printed over several lines, or not at all)."""
    lines = [line for page in _pdf_lines(path) for line in page]
    return [name for name in names if not any(name in line for line in lines)]


def ranking_on_one_page(path, names) -> bool:
    """Whether every department's full name is printed, all on the same PDF page (the ranking's)."""
    pages = ["".join(page) for page in _pdf_lines(path)]
    return any(all(name in text for name in names) for text in pages)


def test_early_in_a_month_the_dashboard_opens_on_last_month(
    transactional_db, live_server, page_factory, login, artifacts, clock, center
):
    """2 December: November in full by default, December one click away and its ranking 样本不足."""
    clock.move_to(at(2026, 12, 2, 10))
    departments = build_month(center, month=(2026, 11))
    for department in departments[:3]:  # December's first day: three cases, one of them late to accept
        created = at(2026, 12, 1, 9)
        case = CaseFactory(
            center=center,
            state=State.ASSIGNED,
            lead_department=department,
            risk_colour="blue",
            accept_by=created + dt.timedelta(hours=12),
        )
        Case.objects.filter(pk=case.pk).update(created_at=created)
    leader = StaffFactory(role="leader", center=center, display_name="何振华").user

    page = page_factory(viewport={"width": 1280, "height": 900})
    login(page, leader.username)
    page.goto(f"{live_server.url}/supervision/reports/")
    # The page's title and heading say the same: 督办报表.
    assert page.title().startswith("督办报表")
    assert page.locator("h1").inner_text().startswith("督办报表")
    assert "2026年11月" in page.locator("h1").inner_text()
    note = page.locator("#early-month-note")
    assert note.is_visible() and "2026年12月刚开始" in note.inner_text()
    verdicts = page.locator("#ranking td.verdict").all_inner_texts()
    assert len(verdicts) == len(DEPARTMENTS) and "样本不足" not in " ".join(verdicts)
    # Full-width brackets around a short word read as "（打印 ）" in the hall's font: no brackets.
    assert page.locator("#monthly-link").inner_text() == "打印月度通报"
    page.screenshot(path=str(artifacts / "issue12-dashboard-early-month.png"), full_page=True)
    page.locator(".report-head").screenshot(path=str(artifacts / "issue12-dashboard-title.png"))

    page.click("#current-month-button")
    page.wait_for_url("**month=2026-12")
    assert "2026年12月" in page.locator("h1").inner_text()
    assert not page.locator("#early-month-note").is_visible()
    rows = page.locator("#ranking tbody tr")
    thin = [rows.nth(i).inner_text() for i in range(rows.count()) if "样本不足" in rows.nth(i).inner_text()]
    assert len(thin) >= 3 and all("达标" not in row.replace("未达标", "") for row in thin)
    assert page.locator("#ranking tr.worst").count() == 0  # nobody is judged on a day's cases
    page.locator("#ranking").screenshot(path=str(artifacts / "issue12-ranking-too-few-cases.png"))
    page.screenshot(path=str(artifacts / "issue12-dashboard-current-month.png"), full_page=True)
