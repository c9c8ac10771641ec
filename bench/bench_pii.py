"""Intake and search server time, to show what encrypting phone and ID numbers costs (issue 11).

Not part of the test suite. Runs on any checkout (before and after the encryption), from the
checkout's own directory, against a scratch PostgreSQL schema named in the URL:

    URL='postgres://postgres@127.0.0.1:5432/zz_crypto?options=-c%20search_path%3Dbench_a'
    DATABASE_URL=$URL .venv/bin/python bench/bench_pii.py setup   # drops and re-creates the schema
    DATABASE_URL=$URL .venv/bin/python bench/bench_pii.py run     # one timing round

``setup`` migrates, seeds the organisation and users (``seed_demo --cases 0``) and bulk-inserts
BENCH_CASES cases (default 10,000), each with an applicant (phone and ID number) and a
respondent (phone). ``run`` times, with Django's test client in-process (server time, no
network), BENCH_RUNS requests (default 30) of each: the intake form's submit with two parties,
the staff search page by a full phone and by a full ID number, and the intake's repeat-visit
check; it prints the median per request in milliseconds (wall and the process's own CPU time)
and the query count, and appends a JSON
line to BENCH_OUT if set. Rounds of two checkouts are meant to be run in turn (A B A B …).
"""

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zongzhi.settings.base")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_DEBUG", "false")

import django

CASES = int(os.environ.get("BENCH_CASES", "10000"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(serial: int) -> str:
    """Return a valid resident ID number (check character included) for a serial number."""
    head = f"420923{1960 + serial % 40}{1 + serial % 12:02d}{1 + serial % 28:02d}{serial % 1000:03d}"
    return head + "10X98765432"[sum(int(d) * w for d, w in zip(head, WEIGHTS, strict=True)) % 11]


def schema_name() -> str:
    from django.conf import settings

    options = settings.DATABASES["default"].get("OPTIONS", {}).get("options", "")
    if "search_path=" not in options:
        sys.exit("bench_pii wants its own schema: add ?options=-c%20search_path%3Dbench_x to DATABASE_URL")
    return options.split("search_path=")[1].split()[0]


def setup():
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from cases.codes import make_code
    from cases.models import Case, CaseSequence, Party

    schema = schema_name()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        cursor.execute(f'CREATE SCHEMA "{schema}"')
    call_command("migrate", verbosity=0)
    call_command("seed_demo", cases=0, verbosity=0)
    Case.objects.all().delete()
    CaseSequence.objects.all().delete()
    center_id = get_user_model().objects.get(username="coordinator").staff_profile.center_id
    now = timezone.now()
    Case.objects.bulk_create(
        [
            Case(
                code=make_code("420923", 2026, i),
                center_id=center_id,
                title=f"基准测试事项 {i}",
                description="用于测量受理与查询耗时的生成数据。",
                category="labour",
                source="walk_in",
                created_at=now,
            )
            for i in range(1, CASES + 1)
        ],
        batch_size=2000,
    )
    CaseSequence.objects.create(county_code="420923", year=2026, last_number=CASES)
    parties = []
    for i, case_id in enumerate(Case.objects.order_by("id").values_list("id", flat=True), start=1):
        parties.append(Party(case_id=case_id, name="张三", phone=f"139{i:08d}", id_number=id_number(i)))
        parties.append(
            Party(case_id=case_id, name="某公司", phone=f"0716{i:07d}", role="respondent", order=1)
        )
    Party.objects.bulk_create(parties, batch_size=2000)
    print(f"{schema}: {Case.objects.count()} cases, {Party.objects.count()} parties")


def measure(results, label, request):
    from django.db import connection, reset_queries

    times, cpu_times, queries = [], [], 0
    for i in range(RUNS):
        reset_queries()
        start, cpu_start = time.perf_counter(), time.process_time()
        response = request(i)
        times.append((time.perf_counter() - start) * 1000)
        cpu_times.append((time.process_time() - cpu_start) * 1000)
        queries = len(connection.queries)
        assert response.status_code in (200, 302), (label, response.status_code)
    wall, cpu = statistics.median(times), statistics.median(cpu_times)
    results[label] = {"median_ms": round(wall, 1), "cpu_ms": round(cpu, 1), "queries": queries}
    print(f"| {label} | {wall:.1f} | {cpu:.1f} | {queries} |")


def run():
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import override_settings

    schema = schema_name()
    settings.DEBUG = True  # count queries
    users = get_user_model().objects
    rng = random.Random()
    stamp = f"{time.time_ns()}"
    results = {}
    print("| request | median ms | CPU ms (median) | queries |\n|---|---|---|---|")
    with override_settings(ZONGZHI_SMS_BACKEND="cases.sms.MemorySmsBackend"):
        client = Client()
        client.force_login(users.get(username="reception"))

        def submit(i):
            serial = rng.randint(1, CASES)  # an existing person: the repeat-visit rule looks them up
            return client.post(
                "/cases/intake/",
                {
                    "intake_key": f"bench-{stamp}-{i}",
                    "title": "基准测试受理",
                    "category": "labour",
                    "source": "walk_in",
                    "description": "测量受理提交的服务器耗时。",
                    "parties-TOTAL_FORMS": "2",
                    "parties-INITIAL_FORMS": "0",
                    "parties-MIN_NUM_FORMS": "1",
                    "parties-MAX_NUM_FORMS": "200",
                    "parties-0-name": "李四",
                    "parties-0-phone": f"139{serial:08d}",
                    "parties-0-role": "applicant",
                    "parties-0-id_number": id_number(serial),
                    "parties-1-name": "某公司",
                    "parties-1-phone": f"0716{serial:07d}",
                    "parties-1-id_number": "",
                    "parties-1-role": "respondent",
                },
            )

        measure(results, "intake submit POST /cases/intake/ (two parties)", submit)

        def lookup(i):
            serial = rng.randint(1, CASES)
            return client.get(
                "/cases/intake/lookup/",
                {"parties-0-phone": f"139{serial:08d}", "parties-0-id_number": id_number(serial)},
            )

        measure(results, "repeat-visit check /cases/intake/lookup/ (phone + ID)", lookup)
        client.force_login(users.get(username="coordinator"))
        measure(
            results,
            "search /cases/search/ by full phone",
            lambda i: client.get("/cases/search/", {"q": f"139{rng.randint(1, CASES):08d}"}),
        )
        measure(
            results,
            "search /cases/search/ by full ID number",
            lambda i: client.get("/cases/search/", {"q": id_number(rng.randint(1, CASES))}),
        )
    if os.environ.get("BENCH_OUT"):
        with open(os.environ["BENCH_OUT"], "a") as out:
            out.write(json.dumps({"schema": schema, **results}, ensure_ascii=False) + "\n")


def main():
    django.setup()
    {"setup": setup, "run": run}[sys.argv[1] if len(sys.argv) > 1 else "run"]()


if __name__ == "__main__":
    main()
