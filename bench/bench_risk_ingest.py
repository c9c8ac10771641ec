"""Ingesting feed items through the real API on PostgreSQL: items/s, per-batch p50/p95, then screening.

    createdb -h 127.0.0.1 -U postgres zz_ingest_bench   # once; the script migrates it
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zz_ingest_bench .venv/bin/python bench/bench_risk_ingest.py

Posts ``--items`` items (default 100,000) in batches of ``--batch`` (1,000) to
``POST /api/v1/leads/{feed}/batch/`` with Django's test client in-process and a feed client's
token, so the figures are the server's whole request path (URL resolution, token auth, JSON
parsing, the per-item checks, the writes, the idempotency record) without a network. The four
feeds take turns; items are realistic: Chinese text, a place naming a village, two people each
(phone and ID number encrypted and blind-indexed), and ``--updates`` (10 %) of each batch
re-sends earlier ids with a changed text (updates). Every batch carries an Idempotency-Key.
Screening is timed separately afterwards: ``risk.screening.screen_leads(ids)`` per batch's ids.
Tasks: with ``CELERY_BROKER_URL`` set the screening task is published to Redis as in production
(no worker needed); without it the task is dropped during the ingest phase so the eager screening
does not land in the ingest figure. The leads of earlier runs are removed first (``--keep`` keeps
them). Results are printed and appended to ``bench/RESULTS-risk.md`` with ``--write``.
"""

import argparse
import contextlib
import json
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
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

FEEDS = ["police", "public", "opinion", "petition"]
TOWNSHIPS = [("101", "城关镇"), ("102", "白河镇"), ("103", "青石镇"), ("104", "黄龙乡")]
VILLAGES = ["东风村", "红星村", "新华社区", "前进村", "光明社区", "胜利村"]
TEXTS = [
    "{place}工地讨薪，二十余名工人聚集在项目部门口，情绪激动",
    "{place}邻里因宅基地界址发生争执，双方互不相让",
    "{place}村民反映征地补偿款迟迟未发放，扬言集体上访",
    "网民发帖称{place}某小区物业乱收费，评论数百条",
    "{place}一家庭夫妻争吵，女方报警称遭受家暴",
    "{place}商户与消费者因退款发生纠纷，现场围观较多",
    "来访人反映{place}拆迁安置房至今未交付，已多次来访",
    "{place}两车刮擦后双方当事人发生口角",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明"]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"


def id_number(rng: random.Random) -> str:
    """Return a valid 18-digit resident ID number (checksum right)."""
    body = f"420923{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def setup() -> dict[str, str]:
    """Make the county, its townships and villages, and one feed client per feed; return their tokens."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from departments.models import Center, Level, Place
    from risk.models import FeedClient

    county, _ = Center.objects.get_or_create(
        code=settings.ZONGZHI_COUNTY_CODE, defaults={"name": "基准测试县综治中心"}
    )
    for suffix, name in TOWNSHIPS:
        township, _ = Center.objects.get_or_create(
            code=f"{county.code}{suffix}",
            defaults={"name": f"{name}综治中心", "parent": county, "level": Level.TOWNSHIP},
        )
        for v, village in enumerate(VILLAGES):
            Place.objects.get_or_create(
                township=township,
                name=f"{name[:-1]}{village}",
                defaults={"kind": Place.Kind.VILLAGE, "code": f"{township.code}{v + 201:03d}"},
            )
    tokens = {}
    for feed in FEEDS:
        user, _ = get_user_model().objects.get_or_create(username=f"bench-feed-{feed}")
        FeedClient.objects.get_or_create(user=user, defaults={"feed": feed, "center": county, "name": feed})
        tokens[feed] = Token.objects.get_or_create(user=user)[0].key
    return tokens


def make_item(rng: random.Random, feed: str, n: int, when) -> dict:
    suffix, township = rng.choice(TOWNSHIPS)
    place = f"{township}{township[:-1]}{rng.choice(VILLAGES)}{rng.randint(1, 12)}组"
    people = []
    for role in ("当事人", "对方当事人"):
        people.append(
            {
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                "phone": f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}",
                "id_number": id_number(rng) if rng.random() < 0.8 else "",
                "role": role,
            }
        )
    return {
        "external_id": f"{feed[:3].upper()}-{n:07d}",
        "occurred_at": (
            when - __import__("datetime").timedelta(minutes=rng.randint(0, 60 * 24 * 30))
        ).isoformat(timespec="seconds"),
        "text": rng.choice(TEXTS).format(place=place),
        "category": rng.choice(["劳动争议", "邻里纠纷", "土地纠纷", "婚姻家庭", "消费纠纷", ""]),
        "place": place,
        "township_code": f"{settings.ZONGZHI_COUNTY_CODE}{suffix}" if rng.random() < 0.5 else "",
        "people": people,
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument(
        "--updates", type=float, default=0.10, help="share of each batch re-sending earlier ids"
    )
    parser.add_argument("--keep", action="store_true", help="keep the leads of earlier runs")
    parser.add_argument("--write", action="store_true", help="append the results to bench/RESULTS-risk.md")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run on PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/zz_ingest_bench")

    call_command("migrate", verbosity=0)
    if not args.keep:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE risk_leadperson, risk_leadevent, risk_riskentry, risk_lead, "
                "integrations_idempotencyrecord, common_outboxmessage RESTART IDENTITY CASCADE"
            )
    tokens = setup()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    from common.tasks import skipping
    from risk.screening import screen_leads
    from risk.tasks import screen_leads_task

    rng = random.Random(20261208)
    now = timezone.now()
    client = Client()
    sent: dict[str, int] = dict.fromkeys(FEEDS, 0)
    batches = args.items // args.batch
    times, cpu, batch_ids = [], [], []
    counts = {"created": 0, "updated": 0, "rejected": 0}
    broker = bool(os.environ.get("CELERY_BROKER_URL"))
    quiet = contextlib.nullcontext() if broker else skipping(screen_leads_task)
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()}, broker {'redis' if broker else 'none'}")
    load_start = tuple(round(x, 1) for x in os.getloadavg())
    started_all = time.perf_counter()
    with quiet:
        for b in range(batches):
            feed = FEEDS[b % len(FEEDS)]
            updates = int(args.batch * args.updates) if sent[feed] >= args.batch else 0
            olds = rng.sample(range(1, sent[feed] + 1), updates) if updates else []
            items = [make_item(rng, feed, n, now) for n in olds]
            for item in items:
                item["text"] += "（续报：情况有新进展）"
            for _ in range(args.batch - updates):
                sent[feed] += 1
                items.append(make_item(rng, feed, sent[feed], now))
            body = json.dumps({"items": items}, ensure_ascii=False)
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.post(
                f"/api/v1/leads/{feed}/batch/",
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {tokens[feed]}",
                HTTP_IDEMPOTENCY_KEY=f"bench-{b}",
            )
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            if response.status_code != 200:
                sys.exit(f"batch {b}: HTTP {response.status_code} {response.content[:500]!r}")
            data = response.json()
            for key in counts:
                counts[key] += data[key]
            batch_ids.append([r["lead"] for r in data["results"] if "lead" in r])
            if (b + 1) % 10 == 0:
                print(
                    f"  {b + 1} batches, {(b + 1) * args.batch:,} items, median {statistics.median(times):.0f} ms"
                )
    ingest_seconds = sum(times) / 1000
    elapsed = time.perf_counter() - started_all
    total = batches * args.batch

    started = time.perf_counter()
    screen_times = []
    for ids in batch_ids:
        t0 = time.perf_counter()
        screen_leads(ids)
        screen_times.append((time.perf_counter() - t0) * 1000)
    screen_seconds = time.perf_counter() - started
    t0 = time.perf_counter()
    screened_all = screen_leads(None)
    rescreen_seconds = time.perf_counter() - t0

    from risk.models import Lead, LeadPerson

    lines = [
        f"- Items: {total:,} in {batches} batches of {args.batch:,} "
        f"({counts['created']:,} created, {counts['updated']:,} updated, {counts['rejected']:,} rejected); "
        f"leads {Lead.objects.count():,}, people {LeadPerson.objects.count():,}",
        f"- Load average at the start / end: {load_start} / {tuple(round(x, 1) for x in os.getloadavg())}",
        "",
        "| figure | value |",
        "|---|---|",
        f"| ingest throughput (sum of request times) | {total / ingest_seconds:,.0f} items/s |",
        f"| ingest throughput by the Django process's CPU time (sum) | {total / (sum(cpu) / 1000):,.0f} items/s |",
        f"| ingest wall time incl. generating the items | {elapsed:.1f} s |",
        f"| per batch of {args.batch:,}: p50 / p95 / max | {statistics.median(times):.0f} / "
        f"{percentile(times, 95):.0f} / {max(times):.0f} ms |",
        f"| per batch CPU of the Django process: p50 | {statistics.median(cpu):.0f} ms |",
        f"| screening per batch (`screen_leads(ids)`): total / p50 / p95 | {screen_seconds:.1f} s / "
        f"{statistics.median(screen_times):.0f} / {percentile(screen_times, 95):.0f} ms |",
        f"| re-screening every lead (`screen_leads(None)`, {screened_all:,} leads) | {rescreen_seconds:.1f} s |",
    ]
    print("\n".join(lines))
    if args.write:
        commit = os.popen("git rev-parse --short HEAD").read().strip()
        header = [
            "",
            f"### Run {timezone.localtime():%Y-%m-%d %H:%M} (Asia/Shanghai), commit `{commit}`",
            "",
            "- Command: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/zz_ingest_bench "
            f"{'CELERY_BROKER_URL=… ' if broker else ''}.venv/bin/python bench/bench_risk_ingest.py"
            f"{'' if args.items == 100_000 else f' --items {args.items}'} --write`",
        ]
        path = Path(__file__).resolve().parent / "RESULTS-risk.md"
        if not path.exists():
            path.write_text("# Benchmarks: risk identification (issue 14)\n")
        with path.open("a") as out:
            out.write("\n".join([*header, *lines]) + "\n")


if __name__ == "__main__":
    main()
