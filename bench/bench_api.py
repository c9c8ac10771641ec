"""Server-side timings of the REST API on PostgreSQL with 100,000 cases.

    createdb -h 127.0.0.1 -U postgres zongzhi_bench_api   # once; the script migrates it
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zongzhi_bench_api .venv/bin/python bench/bench_api.py

Generates the cases in bulk (once: it reuses them if they are there), then times requests made
with Django's test client in-process, so the figures are the server's time (URL resolution,
authentication, queries, serialisation) without a network: the median and 95th percentile of
``POST /api/v1/cases/``, the 50-row case list (coordinator and liaison, first and a later page)
and the case detail, with this process's CPU time beside the wall time (the machine may be busy).
Tasks are published to Redis if ``CELERY_BROKER_URL`` is set, as in production; without it they
run eagerly inside the request (notices, SMS) and the create figure includes them.
``--rows`` changes the number of cases, ``--repeat`` the requests per figure.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zongzhi.settings.base")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("DJANGO_LOG_LEVEL", "ERROR")
os.environ.setdefault("ZONGZHI_SMS_BACKEND", "cases.sms.MemorySmsBackend")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402


def generate(rows: int) -> None:
    """Write ``rows`` cases with two parties and a creation event each, in bulk."""
    from cases.codes import make_code
    from cases.models import Case, CaseEvent, CaseSequence, Party, State
    from departments.models import Center, Department

    center, _ = Center.objects.get_or_create(
        code=settings.ZONGZHI_COUNTY_CODE, defaults={"name": "基准测试县综治中心"}
    )
    departments = []
    for i, slug in enumerate(
        ["court", "procuratorate", "police", "justice", "petition", "hrss", "housing", "health"]
    ):
        department, _ = Department.objects.get_or_create(
            slug=slug,
            defaults={"center": center, "name": f"基准单位{i}", "short_name": slug[:4], "kind": "standing"},
        )
        departments.append(department)
    existing = Case.objects.count()
    if existing >= rows:
        print(f"{existing} cases already there")
        return
    year = timezone.localtime().year
    rng = random.Random(20261127)
    states = [
        State.RECEIVED,
        State.ASSESSING,
        State.ASSIGNED,
        State.HANDLING,
        State.REVIEWING,
        State.CLOSED,
        State.EVALUATED,
    ]
    now = timezone.now()
    batch = 5000
    started = time.perf_counter()
    for start in range(existing + 1, rows + 1, batch):
        numbers = range(start, min(start + batch, rows + 1))
        with transaction.atomic():
            cases = []
            for n in numbers:
                state = rng.choice(states)
                assigned = state not in (State.RECEIVED, State.ASSESSING)
                cases.append(
                    Case(
                        center=center,
                        code=make_code(center.code, year, n),
                        title=f"基准事项 {n}",
                        description="批量生成的基准测试数据。",
                        category=rng.choice(["labour", "neighbour", "property", "consumer", "land"]),
                        source=rng.choice(["walk_in", "hotline", "grid"]),
                        state=state,
                        risk_colour=rng.choice(["red", "yellow", "blue"]) if assigned else "",
                        lead_department=rng.choice(departments) if assigned else None,
                        due_by=now + __import__("datetime").timedelta(days=rng.randint(-10, 30))
                        if assigned
                        else None,
                    )
                )
            Case.objects.bulk_create(cases)
            ids = dict(Case.objects.filter(code__in=[c.code for c in cases]).values_list("code", "id"))
            parties, events = [], []
            for case in cases:
                pk = ids[case.code]
                parties.append(
                    Party(case_id=pk, name="张三", phone=f"138{rng.randint(0, 99_999_999):08d}", order=0)
                )
                parties.append(
                    Party(
                        case_id=pk,
                        name="某公司",
                        phone=f"0716-{rng.randint(1_000_000, 9_999_999)}",
                        role="respondent",
                        order=1,
                    )
                )
                events.append(CaseEvent(case_id=pk, transition="create", to_state="received", created_at=now))
            Party.objects.bulk_create(parties)
            CaseEvent.objects.bulk_create(events)
        print(f"  {min(start + batch - 1, rows)} cases ({time.perf_counter() - started:.0f} s)", flush=True)
    # Spread creation times over the past year, newest last, as a real register would be.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET created_at = %s - (%s - id) * interval '5 minutes', updated_at = %s",
            [now, rows, now],
        )
        cursor.execute("ANALYZE")
    CaseSequence.objects.update_or_create(
        county_code=center.code, year=year, defaults={"last_number": Case.objects.count()}
    )


def staff():
    """Return (coordinator token, liaison token, liaison's department slug)."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from departments.models import Center, Department, StaffProfile

    center = Center.objects.get(code=settings.ZONGZHI_COUNTY_CODE)
    court = Department.objects.get(slug="court")
    tokens = {}
    for username, role, department in (
        ("bench_coordinator", "coordinator", None),
        ("bench_liaison", "liaison", court),
    ):
        user, _ = get_user_model().objects.get_or_create(username=username)
        StaffProfile.objects.get_or_create(
            user=user, defaults={"role": role, "center": center, "department": department}
        )
        tokens[role] = Token.objects.get_or_create(user=user)[0].key
    return tokens["coordinator"], tokens["liaison"]


def timed(fn, repeat: int) -> tuple[list[float], list[float], int]:
    """Return wall times, this process's CPU times (ms) and the query count of ``repeat`` calls."""
    fn()  # warm up (imports, connection, caches)
    times, cpu = [], []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            started, started_cpu = time.perf_counter(), time.process_time()
            fn()
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        queries = len(ctx.captured_queries)
    return times, cpu, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/zongzhi_bench_api")

    call_command("migrate", verbosity=0)
    generate(args.rows)
    coordinator, liaison = staff()
    client = Client()
    auth_c = {"HTTP_AUTHORIZATION": f"Token {coordinator}"}
    auth_l = {"HTTP_AUTHORIZATION": f"Token {liaison}"}
    from cases.models import Case

    codes = list(Case.objects.order_by("?").values_list("code", flat=True)[:1000])
    later_page = client.get("/api/v1/cases/?page_size=50", **auth_c).json()
    for _ in range(20):  # 20 pages in: the cursor keeps it as cheap as the first
        later_page = client.get(later_page["next"], **auth_c).json()
    body = {
        "title": "基准：拖欠工资",
        "description": "基准测试受理。",
        "category": "labour",
        "source": "hotline",
        "parties": [{"name": "王五", "phone": "13912345678", "id_number": "", "role": "applicant"}],
    }

    def check(response, status):
        assert response.status_code == status, (response.status_code, response.content[:300])

    figures = {
        "POST /api/v1/cases/ (coordinator)": lambda: check(
            client.post("/api/v1/cases/", body, content_type="application/json", **auth_c), 201
        ),
        "GET /api/v1/cases/ 50 rows (coordinator)": lambda: check(
            client.get("/api/v1/cases/?page_size=50", **auth_c), 200
        ),
        "GET /api/v1/cases/ 50 rows, page 21 (coordinator)": lambda: check(
            client.get(later_page["next"], **auth_c), 200
        ),
        "GET /api/v1/cases/?state=handling 50 rows (coordinator)": lambda: check(
            client.get("/api/v1/cases/?page_size=50&state=handling", **auth_c), 200
        ),
        "GET /api/v1/cases/ 50 rows (liaison, own department)": lambda: check(
            client.get("/api/v1/cases/?page_size=50", **auth_l), 200
        ),
        "GET /api/v1/cases/{code}/ (coordinator)": lambda: check(
            client.get(f"/api/v1/cases/{random.choice(codes)}/", **auth_c), 200
        ),
    }
    print(
        f"\n{Case.objects.count()} cases, PostgreSQL {connection.pg_version}, {args.repeat} requests each"
        f" (POST: {max(50, args.repeat // 4)}), load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n"
    )
    print(f"{'request':58} {'median ms':>9} {'p95 ms':>7} {'CPU ms':>7} {'queries':>7}")
    for name, fn in figures.items():
        times, cpu, queries = timed(fn, args.repeat if "POST" not in name else max(50, args.repeat // 4))
        p95 = statistics.quantiles(times, n=20)[-1]
        print(
            f"{name:58} {statistics.median(times):9.1f} {p95:7.1f} {statistics.median(cpu):7.1f} {queries:7d}"
        )


if __name__ == "__main__":
    main()
