"""Server time of the leaders' reports on PostgreSQL, and the xlsx/CSV export's time and memory.

Not part of the test suite. Run against a scratch database (it is dropped and re-created):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zongzhi_bench_reports .venv/bin/python bench/bench_reports.py

It builds the schema from the models (like pytest's ``--nomigrations``, so it does not depend on
migrations still being written), loads the demo organisation (``seed_demo --cases 0``) and
bulk-generates two years of cases — mostly closed, some open, late and rated the way a county
center's are — with evaluations, transition events, supervision orders and monthly callbacks.
At 10,000 and then 100,000 cases it times each report page RUNS times with Django's test
client (in-process: server time, no network) and prints median and p95 in milliseconds with
the query count; at 100,000 it exports the whole ledger (every case, no cap) as xlsx and CSV
in a fresh process and reports the time and the peak memory (tracemalloc's Python peak, and
the growth of the process's maximum resident set).

Environment: BENCH_SIZES (default "10000,100000"), BENCH_RUNS (default 30),
BENCH_TRACEMALLOC_XLSX=1 (also trace the xlsx export's Python heap: several times slower),
BENCH_DROP_REPORT_INDEXES=1 (drop Case.accepted_at's and CaseEvent(transition, case)'s indexes first),
BENCH_REUSE=1 (only time the pages again on the database the last run left).
"""

import contextlib
import datetime as dt
import os
import random
import resource
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

SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "10000,100000").split(",")]
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
TRACEMALLOC_XLSX = os.environ.get("BENCH_TRACEMALLOC_XLSX") == "1"
BATCH = 5000
EPOCH_DAYS = 730  # two years of cases


def use_models_not_migrations():
    """Build the schema straight from the models, as pytest's --nomigrations does."""
    from django.conf import settings

    settings.MIGRATION_MODULES = {app.split(".")[-1]: None for app in settings.INSTALLED_APPS}


def reset_database():
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        sys.exit("bench_reports needs DATABASE_URL=postgres://…")
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


class _KeepTimestamps:
    """Let bulk_create write the generated created_at instead of now (auto_now_add)."""

    def __init__(self, *models):
        self.fields = [m._meta.get_field("created_at") for m in models]

    def __enter__(self):
        for field in self.fields:
            field.auto_now_add = False

    def __exit__(self, *exc):
        for field in self.fields:
            field.auto_now_add = True


def setup_schema():
    from django.core.management import call_command

    import supervision.models.reports  # noqa: F401  (not yet imported by supervision.models)

    call_command("migrate", run_syncdb=True, verbosity=0)
    call_command("seed_demo", cases=0, verbosity=0)


def generate(first: int, last: int, now: dt.datetime, rng: random.Random):
    """Add cases number ``first``..``last`` (inclusive) with their evaluations, events and orders."""
    from cases.codes import make_code
    from cases.models import Case, CaseEvent, Category, Evaluation, Source
    from departments.models import Department
    from supervision.models import SupervisionOrder

    departments = list(Department.objects.values_list("id", flat=True))
    center_id = Department.objects.values_list("center_id", flat=True).first()
    categories = list(Category.values)
    category_weights = [30, 12, 14, 8, 10, 9, 5, 6, 6, 8, 10, 4]
    sources = list(Source.values)
    source_weights = [45, 20, 15, 8, 10, 2]
    # Rows go in in order of creation, as a live system writes them (the heap then follows created_at).
    times = sorted(
        now - dt.timedelta(minutes=rng.randint(0, EPOCH_DAYS * 24 * 60)) for _ in range(first, last + 1)
    )
    for start in range(first, last + 1, BATCH):
        stop = min(start + BATCH - 1, last)
        cases, plans = [], []
        for number in range(start, stop + 1):
            created = times[number - first]
            age = (now - created).days
            fields, plan = _lifecycle(rng, created, age, now, departments)
            cases.append(
                Case(
                    code=make_code("420923", 2020 + number // 900_000, number % 900_000 + 1),
                    center_id=center_id,
                    title=f"基准测试事项 {number}",
                    description="用于测量报表耗时的生成数据。",
                    category=rng.choices(categories, category_weights)[0],
                    source=rng.choices(sources, source_weights)[0],
                    created_at=created,
                    **fields,
                )
            )
            plans.append(plan)
        with _KeepTimestamps(Case):
            Case.objects.bulk_create(cases, batch_size=BATCH)
        events, evaluations, orders = [], [], []
        for case, plan in zip(cases, plans, strict=True):
            events.append(
                CaseEvent(
                    case_id=case.pk,
                    transition="create",
                    from_state="",
                    to_state="received",
                    created_at=case.created_at,
                )
            )
            if case.assigned_at:
                events.append(
                    CaseEvent(
                        case_id=case.pk,
                        transition="assign",
                        from_state="assessing",
                        to_state="assigned",
                        created_at=case.assigned_at,
                    )
                )
            for transition in plan["rework"]:
                events.append(
                    CaseEvent(
                        case_id=case.pk,
                        transition=transition,
                        from_state="reviewing",
                        to_state="handling",
                        created_at=case.assigned_at,
                    )
                )
            if plan["rating"]:
                evaluations.append(
                    Evaluation(
                        case_id=case.pk,
                        rating=plan["rating"],
                        channel=rng.choice(["tracking", "tracking", "staff"]),
                        created_at=min(now, case.closed_at + dt.timedelta(days=rng.randint(0, 5))),
                    )
                )
            if plan["order"]:
                issued = min(now, (case.due_by or case.created_at) + dt.timedelta(days=1))
                status, level = plan["order"]
                orders.append(
                    SupervisionOrder(
                        number=f"DB{issued.year}{case.pk:07d}"[:16],
                        case_id=case.pk,
                        department_id=case.lead_department_id,
                        reason="deadline_missed",
                        level=level,
                        status=status,
                        required_action="逾期未办，限期办结。",
                        issued_at=issued,
                        respond_from=issued,
                        respond_by=issued + dt.timedelta(days=3),
                        verified_at=issued + dt.timedelta(days=4) if status == "verified" else None,
                    )
                )
        CaseEvent.objects.bulk_create(events, batch_size=BATCH)
        with _KeepTimestamps(Evaluation):
            Evaluation.objects.bulk_create(evaluations, batch_size=BATCH)
        SupervisionOrder.objects.bulk_create(orders, batch_size=BATCH)
        print(f"  generated cases {start}–{stop}", file=sys.stderr)


def _lifecycle(rng, created, age, now, departments):
    """Where a case of this age stands: a county center closes most within weeks."""
    plan = {"rework": [], "rating": None, "order": None}
    if rng.random() < 0.06:
        return {"state": rng.choice(["rejected", "withdrawn", "escalated"]), "proposed_colour": "blue"}, plan
    if age < 2 and rng.random() < 0.6:
        return {
            "state": rng.choice(["received", "assessing"]),
            "proposed_colour": rng.choice(["red", "yellow", "blue"]),
        }, plan
    colour = rng.choices(["red", "yellow", "blue"], [10, 30, 60])[0]
    department = rng.choice(departments)
    slow = department % 5 == 0  # some departments are late more often
    assigned = created + dt.timedelta(hours=rng.randint(1, 30))
    accept_by = assigned + dt.timedelta(days={"red": 1, "yellow": 2, "blue": 3}[colour])
    due = assigned + dt.timedelta(days={"red": 9, "yellow": 21, "blue": 40}[colour])
    fields = {
        "risk_colour": colour,
        "lead_department_id": department,
        "assigned_at": min(assigned, now),
        "accept_by": accept_by,
        "due_by": due,
        "is_problem": rng.random() < 0.01,
    }
    if assigned > now or (accept_by > now and rng.random() < 0.5):
        fields["state"] = "assigned"
        return fields, plan
    late_accept = rng.random() < (0.15 if slow else 0.05)
    accepted = min(
        now,
        accept_by + dt.timedelta(hours=rng.randint(1, 48))
        if late_accept
        else assigned + dt.timedelta(hours=rng.randint(1, 20)),
    )
    fields["accepted_at"] = accepted
    on_time = rng.random() > (0.3 if slow else 0.1)
    span = (due - assigned).total_seconds()
    finished = (
        assigned + dt.timedelta(seconds=span * rng.uniform(0.2, 0.95))
        if on_time
        else due + dt.timedelta(days=rng.randint(1, 15))
    )
    if finished > now or (age < 120 and rng.random() < 0.04):  # still being handled (some long-running)
        fields["state"] = rng.choice(["handling", "handling", "handling", "supervised", "reviewing"])
        if fields["state"] == "reviewing":
            fields["submitted_at"] = now - dt.timedelta(hours=rng.randint(1, 48))
        if fields["state"] == "supervised" or due < now:
            plan["order"] = ("issued", "leader" if rng.random() < 0.2 else "order")
        return fields, plan
    fields["submitted_at"] = finished
    fields["closed_at"] = min(now, finished + dt.timedelta(hours=rng.randint(1, 72)))
    fields["state"] = "closed"
    if rng.random() < 0.08:
        plan["rework"].append("send_back")
        fields["send_back_count"] = 1
    if rng.random() < 0.02:
        plan["rework"].append("reopen")
    if rng.random() < 0.6:
        fields["state"] = "evaluated"
        plan["rating"] = rng.choices(["satisfied", "basically_satisfied", "dissatisfied"], [82, 13, 5])[0]
    if not on_time:
        plan["order"] = ("verified", "order")
    return fields, plan


def generate_callbacks(now: dt.datetime, rng: random.Random):
    """A round of 30 a month for the past two years, each with a party and an outcome."""
    from cases.models import Case, Party
    from supervision.models import Callback, CallbackRound

    Callback.objects.all().delete()
    CallbackRound.objects.all().delete()
    month = now.date().replace(day=1)
    for _ in range(24):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        following = (month + dt.timedelta(days=32)).replace(day=1)
        round = CallbackRound.objects.create(
            month=month,
            seed=rng.randint(1, 10**9),
            population_size=300,
            population_digest="0" * 64,
            sample_size_requested=30,
            sample_size_taken=30,
            created_at=now.replace(year=following.year, month=following.month, day=1),
        )
        case_ids = list(
            Case.objects.filter(closed_at__date__gte=month, closed_at__date__lt=following).values_list(
                "id", flat=True
            )[:30]
        )
        parties = Party.objects.bulk_create(
            [Party(case_id=i, name="张三", phone=f"139{i:08d}", role="applicant") for i in case_ids]
        )
        callbacks = []
        for position, party in enumerate(parties, start=1):
            done = rng.random() < 0.85
            rating = rng.choices(["satisfied", "basically_satisfied", "dissatisfied"], [80, 15, 5])[0]
            callbacks.append(
                Callback(
                    round=round,
                    position=position,
                    case_id=party.case_id,
                    party=party,
                    person_key=f"k{party.pk}",
                    status="done" if done else "unreachable",
                    attempts=1 if done else 3,
                    rating=rating if done else "",
                    completed_at=min(now, round.created_at + dt.timedelta(days=rng.randint(1, 20))),
                )
            )
        Callback.objects.bulk_create(callbacks)


def analyze():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def measure(label, request, runs=RUNS):
    """Time a request ``runs`` times: wall-clock and this process's CPU (PostgreSQL's is not in it)."""
    from django.db import connection, reset_queries

    times, cpu, queries = [], [], 0
    request()  # warm: templates, the layout's cached names
    for _ in range(runs):
        reset_queries()
        start, start_cpu = time.perf_counter(), time.process_time()
        response = request()
        if getattr(response, "streaming", False):
            for _chunk in response.streaming_content:
                pass
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        queries = len(connection.queries)
        assert response.status_code == 200, (label, response.status_code)
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    line = (
        f"| {label} | {statistics.median(times):.1f} | {p95:.1f} | {statistics.median(cpu):.1f} | {queries} |"
    )
    print(line)
    return line


def time_pages(n: int) -> list[str]:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    user_model = get_user_model()
    leader = user_model.objects.get(username="leader")
    liaison = user_model.objects.get(username="liaison-court")
    client = Client()
    client.force_login(leader)
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    lines = [
        f"\n{n:,} cases, load average {os.getloadavg()[0]:.2f} at start",
        "| page | median ms | p95 ms | CPU ms (median) | queries |",
        "|---|---|---|---|---|",
    ]
    print("\n".join(lines))
    lines.append(measure(f"dashboard, this month ({n:,})", lambda: client.get("/supervision/reports/")))
    lines.append(
        measure(
            f"dashboard, last month ({n:,})", lambda: client.get(f"/supervision/reports/?month={last_month}")
        )
    )
    lines.append(
        measure(
            f"dashboard, whole year ({n:,})",
            lambda: client.get("/supervision/reports/?from=2025-12-01&to=2026-11-30"),
        )
    )
    lines.append(
        measure(
            f"monthly report, last month ({n:,})",
            lambda: client.get(f"/supervision/reports/monthly/?month={last_month}"),
        )
    )
    lines.append(
        measure(
            f"department report, court ({n:,})", lambda: client.get("/supervision/reports/departments/court/")
        )
    )
    client.force_login(liaison)
    lines.append(
        measure(
            f"department report as its liaison ({n:,})",
            lambda: client.get("/supervision/reports/departments/court/"),
        )
    )
    lines.append(f"load average {os.getloadavg()[0]:.2f} at end")
    print(lines[-1])
    return lines


EXPORT_CHILD = "--export-child"


def export_child(kind: str, with_tracemalloc: bool):
    """In a fresh process: export every case of the database; print seconds, rows and memory."""
    import tracemalloc

    django.setup()
    from django.db import connection

    from cases.models import Case
    from supervision.reports import exports, workbook
    from supervision.reports.periods import Period

    first = Case.objects.order_by("created_at").values_list("created_at", flat=True).first()
    from django.utils import timezone

    period = Period(timezone.localtime(first).date(), timezone.localdate(), is_month=False)
    connection.ensure_connection()
    baseline = reset_peak_rss()
    if with_tracemalloc:
        tracemalloc.start()
    start = time.perf_counter()
    rows = 0
    size = 0
    if kind == "xlsx":
        import tempfile

        with tempfile.TemporaryFile() as tmp:
            workbook.write_report(tmp, period=period, now=timezone.now())
            size = tmp.tell()
        rows = Case.objects.count()
    else:
        for line in exports.ledger_csv(period):
            rows += 1
            size += len(line.encode())
        rows -= 1
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if with_tracemalloc else 0
    grown = status_kb("VmHWM") - baseline
    print(f"{seconds:.2f} {rows} {size} {peak} {grown} {baseline}")


def status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def reset_peak_rss() -> int:
    """Reset the process's peak resident set (Linux) and return the current one, in KiB."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return status_kb("VmRSS")


def time_export(kind: str, n: int) -> str:
    def run(with_tracemalloc):
        out = subprocess.run(
            [sys.executable, __file__, EXPORT_CHILD, kind, "1" if with_tracemalloc else "0"],
            check=True,
            capture_output=True,
            text=True,
            env=os.environ,
        ).stdout.split()
        return [float(x) for x in out]

    load = os.getloadavg()[0]
    seconds, rows, size, _peak, grown, baseline = run(False)
    peak = None
    if kind == "csv" or TRACEMALLOC_XLSX:  # tracemalloc slows openpyxl several times over
        peak = run(True)[3]
    line = (
        f"| {kind}, every case ({int(rows):,} rows) | {seconds:.1f} s | {size / 1e6:.1f} MB | "
        f"{'—' if peak is None else f'{peak / 1e6:.1f} MB'} | +{grown / 1024:.0f} MB over {baseline / 1024:.0f} MB | {load:.2f} |"
    )
    print(line)
    return line


# The indexes the reports rely on (cases/ migration 0005): acceptance times, and the log's
# transitions with their case (rework = send_back/reopen events). BENCH_DROP_REPORT_INDEXES=1
# measures without them.
REPORT_INDEXES = ("case_accepted_at", "caseevent_transition_case")


def drop_report_indexes():
    from django.db import connection

    with connection.cursor() as cursor:
        for name in REPORT_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


def explain():
    """The plan of the center's case aggregate (the dashboard's biggest query) at the largest size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from supervision.reports import selectors
    from supervision.reports.periods import month_period

    period = month_period(timezone.localdate())
    with CaptureQueriesContext(connection) as queries:
        selectors.summary_figures(period.start, period.end, timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) {queries.captured_queries[0]['sql']}")
        return [row[0] for row in cursor.fetchall()]


def reuse():
    """Time the pages again on the database a previous run left (BENCH_REUSE=1), nothing generated."""
    from django.conf import settings

    from cases.models import Case

    settings.DEBUG = True
    lines = time_pages(Case.objects.count())
    Path(os.environ.get("BENCH_OUT", "/tmp/bench_reports.txt")).write_text("\n".join(lines) + "\n")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == EXPORT_CHILD:
        export_child(sys.argv[2], sys.argv[3] == "1")
        return
    use_models_not_migrations()
    django.setup()
    if os.environ.get("BENCH_REUSE") == "1":
        reuse()
        return
    reset_database()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    settings.DEBUG = True  # count queries
    setup_schema()
    without_indexes = os.environ.get("BENCH_DROP_REPORT_INDEXES") == "1"
    if without_indexes:
        drop_report_indexes()
    rng = random.Random(20261127)
    now = timezone.now()
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()}")
    results = []
    exports = [
        "",
        "| export | time | file | Python peak (tracemalloc) | peak RSS during export | load avg |",
        "|---|---|---|---|---|---|",
    ]
    done = 0
    for size in SIZES:
        started = time.perf_counter()
        generate(done + 1, size, now, rng)
        done = size
        generate_callbacks(now, rng)
        analyze()
        connection.close()
        print(f"generated {size:,} cases in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        results += time_pages(size)
        exports.append(time_export("xlsx", size))
        exports.append(time_export("csv", size))
    results.insert(0, "without the report indexes" if without_indexes else "with the report indexes")
    results += exports
    plan = explain()
    print("\n".join(plan))
    Path(os.environ.get("BENCH_OUT", "/tmp/bench_reports.txt")).write_text(
        "\n".join([*results, "", *plan]) + "\n"
    )


if __name__ == "__main__":
    main()
