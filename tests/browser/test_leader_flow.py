"""The leader's reports in a real browser: charts drawn, the ranking, the A4 print, the xlsx download.

Run with ``--nomigrations`` until the report thresholds' migration is generated.
"""

import datetime as dt
import io
import os

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from cases.models import Case, Evaluation, State
from departments.models import DutyAssignment
from supervision.models import Level, OrderStatus, Reason, SupervisionOrder
from supervision.models.reports import ReportThresholds  # noqa: F401  (the table exists in a --nomigrations run)
from tests.factories import CaseFactory, DepartmentFactory, StaffFactory

pytestmark = pytest.mark.urls("tests.reports.urls")

# The harness's autouse fixture sets this per test and restores it before pytest-django flushes
# the database after a transactional test, which then runs beside Playwright's event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CANVASES = [
    "chart-weekly",
    "chart-category",
    "chart-colour",
    "chart-source",
    "chart-department-volume",
    "chart-department-rates",
]

# The number of painted pixels on a canvas: a blank canvas has none.
PAINTED = """(id) => {
  const canvas = document.getElementById(id);
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
  return painted;
}"""


def build_month(center, departments, now):
    """Cases over the last twelve weeks in every state, some late, some rated, one leader-level order."""
    states = [State.HANDLING, State.CLOSED, State.EVALUATED, State.ASSIGNED, State.SUPERVISED, State.RECEIVED]
    categories = ["labour", "neighbour", "property", "marriage_family", "land"]
    sources = ["walk_in", "hotline", "grid", "online"]
    for i in range(60):
        department = departments[i % len(departments)]
        state = states[i % len(states)]
        created = now - dt.timedelta(days=i % 80, hours=i % 5)
        with_department = state != State.RECEIVED
        closed = state in (State.CLOSED, State.EVALUATED)
        # The last department is late with everything: it must come out worst.
        late = department == departments[-1]
        due = created + dt.timedelta(days=10)
        finished = due + (dt.timedelta(days=2) if late else -dt.timedelta(days=2))
        case = CaseFactory(
            center=center,
            state=state,
            category=categories[i % len(categories)],
            source=sources[i % len(sources)],
            risk_colour=["red", "yellow", "blue"][i % 3] if with_department else "",
            lead_department=department if with_department else None,
            accept_by=created + dt.timedelta(days=1) if with_department else None,
            accepted_at=created + dt.timedelta(hours=30 if late else 2)
            if state != State.ASSIGNED and with_department
            else None,
            due_by=due if with_department else None,
            submitted_at=finished if closed else None,
            closed_at=min(finished, now) if closed else None,
            is_problem=i % 13 == 0,
        )
        Case.objects.filter(pk=case.pk).update(created_at=created)
        if state == State.EVALUATED:
            evaluation = Evaluation.objects.create(
                case=case, rating="dissatisfied" if late else "satisfied", channel=Evaluation.Channel.TRACKING
            )
            Evaluation.objects.filter(pk=evaluation.pk).update(
                created_at=min(finished + dt.timedelta(days=1), now)
            )
        if state == State.SUPERVISED and i % 4 == 0:
            SupervisionOrder.objects.create(
                number=f"DB2026{i:06d}", case=case, department=department, reason=Reason.LEADER_INSTRUCTION,
                level=Level.LEADER, status=OrderStatus.ISSUED, required_action="限期办结", issued_at=now,
                respond_from=now, respond_by=now + dt.timedelta(days=2),
            )  # fmt: skip


def test_leader_sees_drawn_charts_prints_the_month_and_downloads_xlsx(
    transactional_db,
    live_server,
    page_factory,
    login,
    artifacts,
    print_pdf,
    center,
    department,
    other_department,
    tmp_path,
):
    third = DepartmentFactory(center=center, slug="hrss", name="县人力资源和社会保障局", short_name="人社")
    leader = StaffFactory(role="leader", center=center, display_name="何振华").user
    now = timezone.now()
    build_month(center, [department, other_department, third], now)

    page = page_factory(viewport={"width": 1400, "height": 1000})
    login(page, leader.username)
    page.goto(f"{live_server.url}/supervision/reports/")
    assert page.locator("h1").inner_text().startswith("督办报表")

    # Every chart exists as a Chart.js instance and has painted pixels on its canvas.
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('chart-department-rates'))"
    )
    for canvas in CANVASES:
        assert page.evaluate(f"() => !!Chart.getChart(document.getElementById('{canvas}'))"), canvas
        assert page.evaluate(PAINTED, canvas) > 500, canvas
    weekly = page.evaluate(
        "() => Chart.getChart(document.getElementById('chart-weekly')).data.datasets[0].data"
    )
    assert len(weekly) == 12 and sum(weekly) > 0

    # The worst department is highlighted in the ranking, and its bars are red.
    worst = page.locator("#ranking tr.worst")
    assert worst.count() == 1
    assert "人社" in worst.inner_text() or third.name in worst.inner_text()
    colours = page.evaluate(
        "() => Chart.getChart(document.getElementById('chart-department-rates')).data.datasets[0].backgroundColor"
    )
    labels = page.evaluate(
        "() => Chart.getChart(document.getElementById('chart-department-rates')).data.labels"
    )
    assert colours[labels.index("人社")] == "#c0392b"
    assert "口径说明" in page.inner_text("#definitions")
    page.screenshot(path=str(artifacts / "leader-dashboard.png"), full_page=True)

    # A department's row opens its report for the same period, with its own charts.
    page.click("#ranking tr.worst a")
    page.wait_for_selector("#standing")
    assert "得分最低" in page.inner_text("#standing")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-weekly'))")
    assert page.evaluate(PAINTED, "chart-weekly") > 500
    page.screenshot(path=str(artifacts / "department-report.png"), full_page=True)
    page.go_back()
    page.wait_for_selector("#ranking")

    # A red case in the list opens the staff case page.
    first_red = page.locator("#red-cases a.code, #red-cases td.code a").first
    href = first_red.get_attribute("href")
    assert href.startswith("/cases/")

    # The xlsx downloads and reads back.
    with page.expect_download() as download_info:
        page.click("#xlsx-link")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    book = load_workbook(io.BytesIO(target.read_bytes()))
    assert "部门考评" in book.sheetnames and "案件台账" in book.sheetnames
    assert book["案件台账"].max_row > 1

    # The monthly report: A4 on paper, without the site's header or the toolbar.
    page.click("#monthly-link")
    page.wait_for_selector("#monthly-report")
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator(".toolbar").is_hidden()
    page.screenshot(path=str(artifacts / "monthly-report-print.png"), full_page=True)
    page.emulate_media(media="screen")
    pages, overflowing = print_pdf(page, "monthly-report")
    assert overflowing == [] and 1 <= pages <= 4

    # The hall's duty board, public, on a large screen.
    DutyAssignment.objects.create(
        center=center, position="first_director", person_name="周建国", title="中共江北县委书记",
        phone="0712-4321001", start_date=dt.date(2000, 1, 1),
    )  # fmt: skip
    DutyAssignment.objects.create(
        center=center, position="duty_director", person_name="邓丽萍", title="县司法局副局长",
        phone="0712-4321012", start_date=timezone.localdate(), end_date=timezone.localdate(),
    )  # fmt: skip
    screen = page_factory(viewport={"width": 1920, "height": 1080})
    screen.goto(f"{live_server.url}/duty-board/")
    assert "邓丽萍" in screen.inner_text("#duty-board")
    screen.screenshot(path=str(artifacts / "duty-board.png"))
