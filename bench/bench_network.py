"""Server time of a city leader's dashboard over a city of two counties and six townships (issue 13).

Not part of the test suite. Run against a scratch database (it is dropped and re-created):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zz_bench_network .venv/bin/python bench/bench_network.py

It builds the schema from the models (like pytest's ``--nomigrations``), then a city (420900)
with two counties (420923, 420981) and three townships under each, departments at every level
and a city leader. Cases are bulk-inserted over two years and spread over the nine centers
(townships 70 %, counties 25 %, the city 5 %) with the same lifecycle as ``bench_reports``
(mostly closed, some open, late, rated, supervised); 4 % of the township and county cases were
reported up (a Referral up to the parent), 3 % had a whistle blown on them summoning two
departments of the level above (on time 75 %, late 15 %, still waiting 10 %). At each size it
times the city leader's dashboard (this month and last month) and a county drill-down RUNS times
through the real view with Django's test client (in-process: server time, no network), and
prints median, p95 and the query count; at the largest size it prints the plans of the grouped
case aggregate and of the whistle aggregate.

Environment: BENCH_SIZES (default "2000,100000"), BENCH_RUNS (default 30),
BENCH_OUT (default /tmp/bench_network.txt).
"""

import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zongzhi.settings.base")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_DEBUG", "false")

import django
from bench_reports import (
    _KeepTimestamps,
    _lifecycle,
    analyze,
    measure,
    reset_database,
    use_models_not_migrations,
)

SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "2000,100000").split(",")]
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
BATCH = 5000
EPOCH_DAYS = 730

CITY = ("420900", "孝感市综治中心", "city")
COUNTIES = [("420923", "云梦县综治中心", "yunmeng"), ("420981", "应城市综治中心", "yingcheng")]
TOWNSHIPS = ["城关镇", "义堂镇", "曾店镇"]
COUNTY_DEPARTMENTS = ["法院", "公安局", "住建局", "自然资源局", "人社局", "信访局"]
TOWNSHIP_DEPARTMENTS = ["司法所", "派出所"]


def build_tree():
    """The city, its counties and townships, departments at each, and a city leader; returns the centers."""
    from django.contrib.auth import get_user_model

    import supervision.models.reports  # noqa: F401
    from departments.models import Center, Department, Level, Role, StaffProfile

    city = Center.objects.create(code=CITY[0], name=CITY[1], slug=CITY[2], level=Level.CITY)
    centers = [city]
    Department.objects.create(
        center=city, name="市信访局", short_name="市信访", slug="city-xinfang", kind="standing"
    )
    for code, name, slug in COUNTIES:
        county = Center.objects.create(code=code, name=name, slug=slug, level=Level.COUNTY, parent=city)
        centers.append(county)
        for i, dept in enumerate(COUNTY_DEPARTMENTS):
            Department.objects.create(
                center=county,
                name=f"{name[:3]}{dept}",
                short_name=dept,
                slug=f"{slug}-d{i}",
                kind="standing",
                order=i,
            )
        for j, town in enumerate(TOWNSHIPS):
            township = Center.objects.create(
                code=f"{code}{100 + j}",
                name=f"{town}综治中心",
                slug=f"{slug}-t{j}",
                level=Level.TOWNSHIP,
                parent=county,
            )
            centers.append(township)
            for i, dept in enumerate(TOWNSHIP_DEPARTMENTS):
                Department.objects.create(
                    center=township,
                    name=f"{town}{dept}",
                    short_name=dept,
                    slug=f"{slug}-t{j}-d{i}",
                    kind="standing",
                )
    user = get_user_model().objects.create_user("city-leader", password="bench-bench")
    StaffProfile.objects.create(user=user, role=Role.LEADER, center=city, display_name="市领导")
    return centers


def generate(first: int, last: int, now: dt.datetime, rng: random.Random, centers):
    from cases.codes import make_code
    from cases.models import Case, CaseEvent, Evaluation, Referral, Whistle, WhistleSummons
    from departments.models import Department
    from supervision.models import SupervisionOrder

    departments = {}
    for center in centers:
        departments[center.pk] = list(Department.objects.filter(center=center).values_list("id", flat=True))
    # Cases at a township are led by its own or its county's departments; whistles summon the county's.
    lead_pool = {
        c.pk: departments[c.pk] + (departments[c.parent_id] if c.parent_id else []) or departments[c.pk]
        for c in centers
    }
    weights = [5 if c.level == "city" else 12.5 if c.level == "county" else 70 / 6 for c in centers]
    prefix = {c.pk: (c.code if c.level != "township" else c.code[:6]) for c in centers}
    times = sorted(
        now - dt.timedelta(minutes=rng.randint(0, EPOCH_DAYS * 24 * 60)) for _ in range(first, last + 1)
    )
    for start in range(first, last + 1, BATCH):
        stop = min(start + BATCH - 1, last)
        cases, plans, homes = [], [], []
        for number in range(start, stop + 1):
            created = times[number - first]
            center = rng.choices(centers, weights)[0]
            fields, plan = _lifecycle(rng, created, (now - created).days, now, lead_pool[center.pk])
            cases.append(
                Case(
                    code=make_code(prefix[center.pk], 2020 + number // 900_000, number % 900_000 + 1),
                    center_id=center.pk,
                    intake_center_id=center.pk,
                    title=f"基准测试事项 {number}",
                    description="用于测量城市驾驶舱耗时的生成数据。",
                    category="labour",
                    source="walk_in",
                    created_at=created,
                    **fields,
                )
            )
            plans.append(plan)
            homes.append(center)
        with _KeepTimestamps(Case):
            Case.objects.bulk_create(cases, batch_size=BATCH)
        events, evaluations, orders, referrals, whistles, answers = [], [], [], [], [], []
        for case, plan, center in zip(cases, plans, homes, strict=True):
            for transition in plan["rework"]:
                events.append(
                    CaseEvent(case_id=case.pk, transition=transition, from_state="reviewing", to_state="handling",
                              created_at=case.assigned_at)
                )  # fmt: skip
            if plan["rating"]:
                evaluations.append(
                    Evaluation(case_id=case.pk, rating=plan["rating"], channel="tracking",
                               created_at=min(now, case.closed_at + dt.timedelta(days=rng.randint(0, 5))))
                )  # fmt: skip
            if plan["order"]:
                issued = min(now, (case.due_by or case.created_at) + dt.timedelta(days=1))
                status, level = plan["order"]
                orders.append(
                    SupervisionOrder(
                        number=f"DB{issued.year}{case.pk:07d}"[:16], case_id=case.pk,
                        department_id=case.lead_department_id, reason="deadline_missed", level=level, status=status,
                        required_action="逾期未办，限期办结。", issued_at=issued, respond_from=issued,
                        respond_by=issued + dt.timedelta(days=3), issuing_center_id=center.pk,
                        verified_at=issued + dt.timedelta(days=4) if status == "verified" else None,
                    )
                )  # fmt: skip
            if center.parent_id and rng.random() < 0.04:  # reported up (accepted: no open hop left)
                referrals.append(
                    Referral(case_id=case.pk, kind="up", status="accepted", from_center_id=center.pk,
                             to_center_id=center.parent_id, reason_kind="beyond_powers", reason="超出本级职权",
                             created_at=min(now, case.created_at + dt.timedelta(hours=rng.randint(2, 72))))
                )  # fmt: skip
            if center.parent_id and rng.random() < 0.03:
                blown = min(now, case.created_at + dt.timedelta(hours=rng.randint(1, 48)))
                whistles.append(
                    (Whistle(case_id=case.pk, center_id=center.pk, urgency="normal", hours=24, reason="需要部门到场",
                             blown_at=blown),
                     rng.sample(departments[center.parent_id], min(2, len(departments[center.parent_id]))))
                )  # fmt: skip
        CaseEvent.objects.bulk_create(events, batch_size=BATCH)
        with _KeepTimestamps(Evaluation):
            Evaluation.objects.bulk_create(evaluations, batch_size=BATCH)
        SupervisionOrder.objects.bulk_create(orders, batch_size=BATCH)
        with _KeepTimestamps(Referral):
            Referral.objects.bulk_create(referrals, batch_size=BATCH)
        Whistle.objects.bulk_create([w for w, _ in whistles], batch_size=BATCH)
        for whistle, summoned in whistles:
            for department_id in summoned:
                respond_by = whistle.blown_at + dt.timedelta(hours=24)
                roll = rng.random()
                if roll < 0.75:
                    reported = whistle.blown_at + dt.timedelta(hours=rng.randint(1, 23))
                elif roll < 0.9:
                    reported = respond_by + dt.timedelta(hours=rng.randint(1, 48))
                else:
                    reported = None
                if reported is not None and reported > now:
                    reported = None
                answers.append(
                    WhistleSummons(whistle=whistle, department_id=department_id, respond_by=respond_by,
                                   status="reported" if reported else "waiting", reported_at=reported)
                )  # fmt: skip
        WhistleSummons.objects.bulk_create(answers, batch_size=BATCH)
        print(f"  generated cases {start}–{stop}", file=sys.stderr)


def time_dashboard(n: int) -> list[str]:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    client = Client()
    client.force_login(get_user_model().objects.get(username="city-leader"))
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    lines = [
        f"\n{n:,} cases, load average {os.getloadavg()[0]:.2f} at start",
        "| page | median ms | p95 ms | CPU ms (median) | queries |",
        "|---|---|---|---|---|",
    ]
    print("\n".join(lines))
    lines.append(
        measure(f"city dashboard, this month ({n:,})", lambda: client.get("/supervision/reports/"), RUNS)
    )
    lines.append(
        measure(
            f"city dashboard, last month ({n:,})",
            lambda: client.get(f"/supervision/reports/?month={last_month}"),
            RUNS,
        )
    )
    lines.append(
        measure(
            f"county drill-down, last month ({n:,})",
            lambda: client.get(f"/supervision/reports/?month={last_month}&center=yunmeng"),
            RUNS,
        )
    )
    lines.append(
        measure(
            f"city monthly report, last month ({n:,})",
            lambda: client.get(f"/supervision/reports/monthly/?month={last_month}"),
            RUNS,
        )
    )
    lines.append(f"load average {os.getloadavg()[0]:.2f} at end")
    print(lines[-1])
    return lines


def explain() -> list[str]:
    """The plans of the grouped queries of last month's city dashboard, slowest first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from departments.models import Center
    from supervision.models.reports import ReportThresholds
    from supervision.reports import selectors
    from supervision.reports.periods import month_period

    period = month_period(timezone.localdate()).previous_month()
    city = Center.objects.get(slug="city")
    thresholds = ReportThresholds.current()
    with CaptureQueriesContext(connection) as queries:
        selectors.network_report(
            period.start, period.end, timezone.now(), thresholds=thresholds, centers=city
        )
    out = []
    for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]:
        out.append(f"-- {float(query['time']) * 1000:.1f} ms: {query['sql'][:160]}…")
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) {query['sql']}")
            out += [row[0] for row in cursor.fetchall()]
    return out


def main():
    use_models_not_migrations()
    django.setup()
    reset_database()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    settings.DEBUG = True  # count queries
    call_command("migrate", run_syncdb=True, verbosity=0)
    centers = build_tree()
    rng = random.Random(20261207)
    now = timezone.now()
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()}")
    results, done = [], 0
    for size in SIZES:
        started = time.perf_counter()
        generate(done + 1, size, now, rng, centers)
        done = size
        analyze()
        connection.close()
        print(f"generated {size:,} cases in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        results += time_dashboard(size)
    plan = explain()
    print("\n".join(plan))
    Path(os.environ.get("BENCH_OUT", "/tmp/bench_network.txt")).write_text(
        "\n".join([*results, "", *plan]) + "\n"
    )


if __name__ == "__main__":
    main()
