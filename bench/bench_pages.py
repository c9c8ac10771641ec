"""Server time of staff pages on PostgreSQL: intake submit, liaison dashboard, workbench, case page.

Not part of the test suite. Run against a scratch database (it is dropped and re-created):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zongzhi_bench_pages .venv/bin/python bench/bench_pages.py

It bulk-generates CASES cases (default 10,000) spread over the 13 resident departments and
all states, then times each page 50 times with Django's test client (in-process: server time,
no network) and prints median and p95 in milliseconds with the query count.
"""

import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zongzhi.settings.base")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_DEBUG", "false")

import django

CASES = int(os.environ.get("BENCH_CASES", "10000"))
RUNS = int(os.environ.get("BENCH_RUNS", "50"))


def reset_database():
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        sys.exit("bench_pages needs DATABASE_URL=postgres://…")
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


def generate(n: int):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from cases.codes import make_code
    from cases.models import Case, CaseEvent, CaseSequence, Party, State
    from departments.models import Department

    call_command("migrate", verbosity=0)
    call_command("seed_demo", cases=0, verbosity=0)  # the organisation and users, no demo cases
    Case.objects.all().delete()
    CaseSequence.objects.all().delete()
    departments = list(Department.objects.all())
    center_id = departments[0].center_id
    rng = random.Random(20261127)
    now = timezone.now()
    states = list(State.values)
    cases = []
    for i in range(1, n + 1):
        state = rng.choice(states)
        created = now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 365))
        dept = rng.choice(departments)
        assigned = state not in (State.RECEIVED, State.ASSESSING, State.REJECTED)
        cases.append(
            Case(
                code=make_code("420923", 2026, i),
                center_id=center_id,
                title=f"基准测试事项 {i}",
                description="用于测量页面耗时的生成数据。",
                category=rng.choice(["labour", "neighbour", "property"]),
                source="walk_in",
                risk_colour=rng.choice(["red", "yellow", "blue"]) if assigned else "",
                lead_department=dept if assigned else None,
                state=state,
                accept_by=created + dt.timedelta(days=2) if assigned else None,
                due_by=now + dt.timedelta(days=rng.randint(-20, 30)) if assigned else None,
                closed_at=now - dt.timedelta(days=rng.randint(0, 60))
                if state in (State.CLOSED, State.EVALUATED)
                else None,
            )
        )
    Case.objects.bulk_create(cases, batch_size=2000)
    Case.objects.update(created_at=now - dt.timedelta(days=1))
    CaseSequence.objects.create(county_code="420923", year=2026, last_number=n)
    ids = list(Case.objects.values_list("id", flat=True))
    Party.objects.bulk_create(
        [Party(case_id=i, name="张三", phone=f"139{i:08d}", role="applicant") for i in ids], batch_size=5000
    )
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(case_id=i, transition="create", from_state="", to_state="received", created_at=now)
            for i in ids
        ],
        batch_size=5000,
    )
    return get_user_model()


def measure(label, request, runs=RUNS):
    from django.db import connection, reset_queries

    times, queries = [], 0
    for _ in range(runs):
        reset_queries()
        start = time.perf_counter()
        response = request()
        times.append((time.perf_counter() - start) * 1000)
        queries = len(connection.queries)
        assert response.status_code in (200, 302), (label, response.status_code)
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    print(f"| {label} | {statistics.median(times):.1f} | {p95:.1f} | {queries} |")
    return statistics.median(times)


def main():
    django.setup()
    reset_database()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from cases.models import Case

    settings.DEBUG = True  # collect queries for the count; templates are cached in both modes
    user_model = generate(CASES)
    connection.close()
    liaison = user_model.objects.get(username="liaison-court")
    coordinator = user_model.objects.get(username="coordinator")
    reception = user_model.objects.get(username="reception")
    open_for_court = Case.objects.filter(
        lead_department__slug="court", state__in=["assigned", "handling", "supervised", "reviewing"]
    ).count()
    print(
        f"{Case.objects.count()} cases; the court's desk shows {open_for_court} open cases (+ closed in 30 days)\n"
    )
    print("| page | median ms | p95 ms | queries |\n|---|---|---|---|")
    with override_settings(ZONGZHI_SMS_BACKEND="cases.sms.MemorySmsBackend"):
        client = Client()
        client.force_login(liaison)
        measure("liaison dashboard /cases/desk/", lambda: client.get("/cases/desk/"))
        client.force_login(coordinator)
        measure("coordinator workbench, overdue queue", lambda: client.get("/cases/workbench/?queue=overdue"))
        code = Case.objects.filter(state="handling").values_list("code", flat=True).first()
        measure("case page", lambda: client.get(f"/cases/{code}/"))
        client.force_login(reception)
        counter = iter(range(10**6))

        def submit():
            i = next(counter)
            return client.post(
                "/cases/intake/",
                {
                    "intake_key": f"bench-{i}",
                    "title": "基准测试受理",
                    "category": "labour",
                    "source": "walk_in",
                    "description": "测量受理提交的服务器耗时。",
                    "parties-TOTAL_FORMS": "2",
                    "parties-INITIAL_FORMS": "0",
                    "parties-MIN_NUM_FORMS": "1",
                    "parties-MAX_NUM_FORMS": "200",
                    "parties-0-name": "李四",
                    "parties-0-phone": f"137{i:08d}",
                    "parties-0-role": "applicant",
                    "parties-0-id_number": "",
                    "parties-1-name": "某公司",
                    "parties-1-phone": "",
                    "parties-1-id_number": "",
                    "parties-1-role": "respondent",
                },
            )

        measure("intake submit POST /cases/intake/", submit)


if __name__ == "__main__":
    main()
