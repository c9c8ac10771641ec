"""Server time of the two ledgers and the risk map on PostgreSQL, and the ledgers' xlsx time and memory.

Not part of the test suite. Run against a scratch database (it is dropped and re-created):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zz_ledger .venv/bin/python bench/bench_ledgers.py

It builds the schema from the models, loads the demo organisation (``seed_demo --cases 0``:
two counties, their townships, villages and grids), then puts BENCH_CASES cases (default
50,000) in last month spread over the county's places, each with two handling records, and
every tenth case and as many watched leads on the risk ledger. It times the ledger pages (first
and last page of 50), the risk map (county and one township) RUNS times with Django's test client
(in-process: server time) — median, p95 and query count —, and exports each ledger as xlsx in
a fresh process: seconds, rows, file size and the growth of the peak resident set.
BENCH_REUSE=1 measures again on the database the last run left.
"""

import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zongzhi.settings.base")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_DEBUG", "false")

import django

from bench.bench_reports import (
    _KeepTimestamps,
    analyze,
    reset_database,
    reset_peak_rss,
    setup_schema,
    status_kb,
    use_models_not_migrations,
)

CASES = int(os.environ.get("BENCH_CASES", "50000"))
RUNS = int(os.environ.get("BENCH_RUNS", "15"))
BATCH = 5000
EXPORT_CHILD = "--export-child"


def last_month():
    from django.utils import timezone

    from supervision.reports.periods import month_period

    return month_period(timezone.localdate()).previous_month()


def county():
    from departments.models import Center, Level

    return (
        Center.objects.filter(level=Level.COUNTY, children__level=Level.TOWNSHIP)
        .distinct()
        .order_by("code")
        .first()
    )


def generate(rng: random.Random) -> None:
    from cases.codes import make_code
    from cases.models import Case, Category, HandlingRecord
    from departments.models import Center, Department, Place
    from risk.models import Lead, RiskEntry

    home = county()
    period = last_month()
    places = list(Place.objects.filter(township__path__startswith=home.path))
    departments = list(Department.objects.filter(center=home).values_list("id", flat=True))
    townships = list(Center.objects.filter(parent=home))
    seconds = int((period.end - period.start).total_seconds())
    colours = ["red", "yellow", "blue", "blue", ""]
    for first in range(0, CASES, BATCH):
        cases = []
        for number in range(first, min(first + BATCH, CASES)):
            place = rng.choice(places) if number % 7 else None
            cases.append(
                Case(
                    code=make_code(home.code, period.first.year, 500_000 + number),
                    center=home,
                    title=f"基准台账事项 {number}",
                    description="用于测量台账耗时的生成数据，" * 4,
                    category=rng.choice(Category.values),
                    place=place,
                    risk_colour=rng.choice(colours),
                    proposed_colour="yellow",
                    people_count=rng.randint(1, 30),
                    lead_department_id=rng.choice(departments),
                    result="达成调解协议" if number % 3 == 0 else "",
                    created_at=period.start + dt.timedelta(seconds=rng.randrange(seconds)),
                )
            )
        with _KeepTimestamps(Case, HandlingRecord, RiskEntry):
            Case.objects.bulk_create(cases, batch_size=BATCH)
            HandlingRecord.objects.bulk_create(
                [
                    HandlingRecord(
                        case=case, text=f"第{n}次走访", created_at=case.created_at + dt.timedelta(hours=n)
                    )
                    for case in cases
                    for n in (1, 2)
                ],
                batch_size=BATCH,
            )
            leads = Lead.objects.bulk_create(
                [
                    Lead(
                        center=home,
                        received_center=home,
                        feed="police",
                        external_id=f"B-{case.pk}",
                        occurred_at=case.created_at,
                        text="基准线索",
                        proposed_colour=rng.choice(colours),
                        township=rng.choice(townships),
                        created_at=case.created_at,
                    )
                    for case in cases[::10]
                ]
            )
            entries = [
                RiskEntry(
                    center=home,
                    case=case,
                    title=case.title,
                    colour=case.risk_colour or "blue",
                    place=case.place,
                    township_id=case.place.township_id if case.place else None,
                    department_id=case.lead_department_id,
                    measures="专班化解",
                    created_at=case.created_at,
                )
                for case in cases[::10]
            ] + [
                RiskEntry(
                    center=home,
                    lead=lead,
                    title=lead.text,
                    colour=lead.proposed_colour or "blue",
                    township=lead.township,
                    measures="每日走访",
                    created_at=lead.occurred_at,
                )
                for lead in leads
            ]
            RiskEntry.objects.bulk_create(entries, batch_size=BATCH)


def measure(label, request):
    from django.db import connection, reset_queries

    request()
    times, queries = [], 0
    for _ in range(RUNS):
        reset_queries()
        start = time.perf_counter()
        response = request()
        times.append((time.perf_counter() - start) * 1000)
        queries = len(connection.queries)
        assert response.status_code == 200, (label, response.status_code)
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    line = f"| {label} | {statistics.median(times):.1f} | {p95:.1f} | {queries} |"
    print(line)
    return line


def time_pages() -> list[str]:
    from django.test import Client
    from django.urls import reverse

    from departments.models import Center, Role, StaffProfile

    home = county()
    leader = StaffProfile.objects.filter(center=home, role=Role.LEADER).select_related("user").first().user
    township = Center.objects.filter(parent=home).order_by("code").first()
    client = Client()
    client.force_login(leader)
    month = last_month().month_param
    lines = ["| page | median ms | p95 ms | queries |", "|---|---|---|---|"]
    last_page = CASES // 50 + 1
    for label, url, params in [
        ("矛盾纠纷台账, page 1", reverse("risk:ledger_disputes"), {"month": month}),
        (
            f"矛盾纠纷台账, page {last_page}",
            reverse("risk:ledger_disputes"),
            {"month": month, "page": last_page},
        ),
        ("风险隐患台账, page 1", reverse("risk:ledger_risks"), {"month": month}),
        ("风险地图, county", reverse("risk:risk_map"), {"month": month}),
        ("风险地图, a township", reverse("risk:risk_map"), {"month": month, "township": township.slug}),
    ]:
        lines.append(measure(label, lambda url=url, params=params: client.get(url, params)))
    return lines


def export_child(kind: str) -> None:
    """In a fresh process: write one ledger's xlsx; print seconds, rows, bytes, RSS growth and baseline."""
    import tempfile

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from risk import exports, ledgers

    home, period = county(), last_month()
    connection.ensure_connection()
    baseline = reset_peak_rss()
    start = time.perf_counter()
    with tempfile.TemporaryFile() as tmp:
        if kind == "disputes":
            rows = ledgers.dispute_ledger(center=home, start=period.start, end=period.end)
            values, columns = (
                exports.dispute_values(rows.iterator(chunk_size=exports.CHUNK)),
                exports.dispute_columns(),
            )
        else:
            rows = ledgers.risk_ledger(center=home, start=period.start, end=period.end)
            values, columns = (
                exports.risk_values(rows.iterator(chunk_size=exports.CHUNK)),
                exports.risk_columns(),
            )
        count = exports.write_ledger(
            tmp,
            title="bench",
            sheet_title="bench",
            center_name=home.name,
            period_label=period.label,
            columns=columns,
            rows=values,
            filer="bench",
            today=timezone.localdate(),
        )
        size = tmp.tell()
    seconds = time.perf_counter() - start
    print(f"{seconds:.2f} {count} {size} {status_kb('VmHWM') - baseline} {baseline}")


def time_export(kind: str) -> str:
    out = subprocess.run(
        [sys.executable, __file__, EXPORT_CHILD, kind],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
    ).stdout.split()
    seconds, rows, size, grown, baseline = (float(x) for x in out)
    line = (
        f"| {kind} ledger xlsx ({int(rows):,} rows) | {seconds:.1f} s | {size / 1e6:.1f} MB | "
        f"+{grown / 1024:.0f} MB over {baseline / 1024:.0f} MB | {os.getloadavg()[0]:.2f} |"
    )
    print(line)
    return line


def main():
    if len(sys.argv) > 1 and sys.argv[1] == EXPORT_CHILD:
        export_child(sys.argv[2])
        return
    use_models_not_migrations()
    django.setup()
    from django.conf import settings
    from django.db import connection

    reuse = os.environ.get("BENCH_REUSE") == "1"
    if not reuse:
        reset_database()
    settings.DEBUG = True  # count queries
    started = time.perf_counter()
    if not reuse:
        setup_schema()
        generate(random.Random(20261208))
        analyze()
    connection.close()
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()}")
    print(f"generated {CASES:,} cases in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    lines = time_pages()
    lines += ["", "| export | time | file | peak RSS during export | load avg |", "|---|---|---|---|---|"]
    lines += [time_export("disputes"), time_export("risks")]
    Path(os.environ.get("BENCH_OUT", "/tmp/bench_ledgers.txt")).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
