"""Screening time for 100,000 leads on PostgreSQL, in batches of 1,000 (issue 14).

Not part of the test suite. Run against a scratch database (it is dropped and re-created):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zz_screen_bench .venv/bin/python bench/bench_risk_screening.py

It builds the schema from the models (like pytest's ``--nomigrations``), the default screening
rules and thresholds (risk/migrations/0002_default_rules.py), a county with 8 townships, 10
villages each and 2 grids per village. Leads are bulk-inserted over 180 days from the four feeds
(police 35 %, public 35 %, opinion 15 %, petition 15 %) with realistic Chinese texts (some with
the rules' words, some with their characters split across words: 楼上访客, 大家暴露), about two
people each from a pool of 200,000 (70 % with an ID number, the rest a phone only; the 4,000
frequent people take 20 % of the appearances, so they repeat across feeds), 80 % at a village or grid, 15 %
at a township only, a few places with recent surges; 3,000 cases have parties from the same pool
(40 % open, the rest closed over the past year). Then every lead is screened by
``risk.screening.screen_leads`` in batches of 1,000 ids (what the ingestion's task does), timing
each batch and each rule kind; it prints ms per batch (median, p95, first/cold), leads/s, the
query count per batch, how many leads each rule matched and the colour split.

Environment: BENCH_LEADS (default 100000), BENCH_POOL (default 200000; 1/50 of it frequent),
BENCH_FREQUENT_SHARE (default 0.2: their share of appearances), BENCH_OUT (default /tmp/bench_risk_screening.txt).
"""

import datetime as dt
import importlib
import os
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zongzhi.settings.base")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_DEBUG", "false")

import django
from bench_reports import _KeepTimestamps, analyze, reset_database, use_models_not_migrations

LEADS = int(os.environ.get("BENCH_LEADS", "100000"))
BATCH = 1000
DAYS = 180
POOL = int(os.environ.get("BENCH_POOL", "200000"))
FREQUENT = POOL // 50
FREQUENT_SHARE = float(os.environ.get("BENCH_FREQUENT_SHARE", "0.2"))

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅云飞鹏辉斌宇浩凯健俊帆帅旭宁"
TOWNSHIPS = ["城关镇", "义堂镇", "曾店镇", "吴铺镇", "伍洛镇", "下辛店镇", "道桥镇", "隔蒲潭镇"]
VILLAGE_WORDS = "东西南北前后上下新老大小高低河湖山岭塘湾桥店岗冲畈"

SUBJECTS = ["某建筑工地", "某小区物业", "村民", "某服装厂", "某驾校", "两户邻居", "某养殖场", "某学校门口", "某商铺店主", "某网约车司机"]  # fmt: skip
EVENTS = [
    "工人讨薪，要求结清拖欠的工资",
    "老板欠薪三个月未发",
    "因宅基地边界发生争执",
    "因噪音扰民多次发生口角",
    "家属称遭受家暴，请求帮助",
    "对拆迁补偿款分配有异议",
    "群众到镇政府上访反映征地问题",
    "业主在售楼部门口聚集维权",
    "十余人拉横幅堵路",
    "当事人情绪激动扬言跳楼",
    "双方酒后持刀对峙",
    "因停车位问题发生纠纷",
    "消费者要求退还预付卡余额",
    "网帖称某医院存在医疗纠纷",
    "大家暴露出对物业服务的不满",
    "楼上访客频繁，邻里有意见",
    "子女赡养老人问题协商未果",
    "合作社分红争议",
    "外卖骑手与商家发生争吵",
    "民间借贷讨债引发冲突",
]
TAILS = ["，民警已到场处置。", "，网格员已上门了解情况。", "，相关帖子阅读量较大。", "，来访人要求尽快答复。", "。", "，已联系社区调解。"]  # fmt: skip


def build_places():
    """A county, 8 townships, 10 villages each, 2 grids per village; returns (county, townships, places)."""
    from departments.models import Center, Level, Place

    county = Center.objects.create(code="420923", name="云梦县综治中心", slug="yunmeng", level=Level.COUNTY)
    townships, places = [], []
    for t, name in enumerate(TOWNSHIPS, start=1):
        township = Center.objects.create(
            code=f"420923{100 + t}", name=f"{name}综治中心", slug=f"t{t}", level=Level.TOWNSHIP, parent=county
        )
        townships.append(township)
        for v in range(10):
            village = Place.objects.create(
                township=township,
                kind=Place.Kind.VILLAGE,
                name=f"{VILLAGE_WORDS[(t * 7 + v) % len(VILLAGE_WORDS)]}{VILLAGE_WORDS[v]}村",
                code=f"420923{100 + t}{200 + v}",
            )
            places.append(village)
            for g in range(2):
                places.append(
                    Place.objects.create(
                        township=township,
                        parent=village,
                        kind=Place.Kind.GRID,
                        name=f"{village.name}第{g + 1}网格",
                        code=f"{village.code}{g + 1:02d}",
                    )
                )
    return county, townships, places


def default_rules():
    from risk.models import ColourThreshold, ScreeningRule

    defaults = importlib.import_module("risk.migrations.0002_default_rules")
    for rule in defaults.RULES:
        ScreeningRule.objects.create(**rule)
    ColourThreshold.objects.create(colour="red", min_score=60)
    ColourThreshold.objects.create(colour="yellow", min_score=30)


def make_pool(rng: random.Random) -> list[tuple[str, str, str]]:
    pool = []
    for i in range(POOL):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        phone = f"1{rng.choice('3578')}{i:09d}"
        id_number = ""
        if rng.random() < 0.7:
            birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 20000))
            id_number = f"420923{birth:%Y%m%d}{i % 1000:03d}{rng.choice('0123456789X')}"
        pool.append((name, phone, id_number))
    return pool


def pick_person(rng: random.Random, pool):
    if rng.random() < FREQUENT_SHARE:
        return pool[rng.randrange(FREQUENT)]
    return pool[rng.randrange(FREQUENT, POOL)]


def generate_leads(rng: random.Random, now: dt.datetime, county, townships, places, pool) -> None:
    from risk.models import Feed, Lead, LeadPerson

    feeds, feed_weights = list(Feed.values), [35, 35, 15, 15]
    hot = rng.sample(places, 6)  # places with a surge over the last two weeks
    times = sorted(now - dt.timedelta(minutes=rng.randint(0, DAYS * 24 * 60)) for _ in range(LEADS))
    for start in range(0, LEADS, 5000):
        leads, people = [], []
        for n in range(start, min(start + 5000, LEADS)):
            occurred = times[n]
            r = rng.random()
            if r < 0.03 and (now - occurred).days < 14:
                place = rng.choice(hot)
                township_id, place_id = place.township_id, place.pk
            elif r < 0.80:
                place = rng.choice(places)
                township_id, place_id = place.township_id, place.pk
            elif r < 0.95:
                township_id, place_id = rng.choice(townships).pk, None
            else:
                township_id, place_id = None, None
            count = rng.choices([0, 1, 2, 3, 6], [5, 30, 40, 22, 3])[0]
            persons = {pick_person(rng, pool) for _ in range(count)}
            text = f"{rng.choice(SUBJECTS)}{rng.choice(EVENTS)}{rng.choice(TAILS)}（{occurred:%m月%d日}第{n % 97}号）"
            lead = Lead(
                center=county,
                received_center=county,
                feed=rng.choices(feeds, feed_weights)[0],
                external_id=f"B-{n}",
                occurred_at=occurred,
                text=text,
                township_id=township_id,
                place_id=place_id,
                people_count=len(persons),
                created_at=occurred,
            )
            leads.append(lead)
            people.append(persons)
        with _KeepTimestamps(Lead):
            Lead.objects.bulk_create(leads, batch_size=1000)
        LeadPerson.objects.bulk_create(
            [
                LeadPerson(lead=lead, name=name, phone=phone, id_number=id_number, order=i)
                for lead, persons in zip(leads, people, strict=True)
                for i, (name, phone, id_number) in enumerate(persons)
            ],
            batch_size=2000,
        )
        print(f"  {start + len(leads):,} leads", file=sys.stderr)


def generate_cases(rng: random.Random, now: dt.datetime, county, pool) -> None:
    from cases.codes import make_code
    from cases.models import Case, Party

    cases = []
    for n in range(3000):
        is_open = rng.random() < 0.4
        closed_at = None if is_open else now - dt.timedelta(days=rng.randint(0, 365))
        cases.append(
            Case(
                code=make_code("420923", 2026, n + 1),
                center=county,
                title=f"基准测试案件 {n}",
                description="生成数据",
                category="labour",
                state="handling" if is_open else "closed",
                closed_at=closed_at,
            )
        )
    Case.objects.bulk_create(cases, batch_size=1000)
    Party.objects.bulk_create(
        [
            Party(case=case, name=name, phone=phone, id_number=id_number, order=0)
            for case in cases
            for name, phone, id_number in [pick_person(rng, pool)]
        ],
        batch_size=1000,
    )


def screen(now: dt.datetime) -> list[str]:
    from django.db import connection, reset_queries

    from risk import screening
    from risk.models import Lead

    spent = defaultdict(float)

    def timed(kind, fn):
        def wrapper(rule, batch):
            started = time.perf_counter()
            try:
                return fn(rule, batch)
            finally:
                spent[kind] += time.perf_counter() - started

        return wrapper

    screening.RULE_KINDS = {kind: timed(kind, fn) for kind, fn in screening.RULE_KINDS.items()}
    ids = list(Lead.objects.order_by("pk").values_list("pk", flat=True))
    times, queries = [], []
    started_all = time.perf_counter()
    for start in range(0, len(ids), BATCH):
        reset_queries()
        started = time.perf_counter()
        screening.screen_leads(ids[start : start + BATCH], now=now)
        times.append((time.perf_counter() - started) * 1000)
        queries.append(len(connection.queries))
    total = time.perf_counter() - started_all

    warm = times[1:]
    lines = [
        f"leads {len(ids):,}, batches {len(times)} of {BATCH:,}",
        f"total {total:.1f} s, {len(ids) / total:,.0f} leads/s",
        f"per batch: first (cold: jieba dictionary) {times[0]:.0f} ms, median {statistics.median(warm):.0f} ms, "
        f"p95 {sorted(warm)[int(len(warm) * 0.95)]:.0f} ms, max {max(warm):.0f} ms",
        f"queries per batch: {sorted(set(queries))}",
        "time per rule kind over all batches: "
        + ", ".join(
            f"{kind} {seconds:.1f} s" for kind, seconds in sorted(spent.items(), key=lambda kv: -kv[1])
        ),
        f"(the rest — loading leads and people, thresholds, bulk_update — {total - sum(spent.values()):.1f} s)",
    ]
    matched = Counter()
    colours = Counter()
    for reasons, colour in Lead.objects.values_list("reasons", "proposed_colour").iterator(chunk_size=5000):
        colours[colour] += 1
        for reason in reasons:
            matched[reason["name"]] += 1
    lines.append("leads matched per rule: " + ", ".join(f"{name} {n:,}" for name, n in matched.most_common()))
    lines.append("proposed colours: " + ", ".join(f"{colour} {n:,}" for colour, n in colours.most_common()))
    example = (
        Lead.objects.filter(score__gt=0).order_by("-score", "pk").values_list("score", "reasons").first()
    )
    if example:
        lines.append(f"highest score {example[0]}: " + "；".join(r["explanation"] for r in example[1]))
    return lines


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
    rng = random.Random(20261208)
    now = timezone.now()
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()}")
    started = time.perf_counter()
    county, townships, places = build_places()
    default_rules()
    pool = make_pool(rng)
    generate_leads(rng, now, county, townships, places, pool)
    generate_cases(rng, now, county, pool)
    analyze()
    connection.close()
    print(f"generated {LEADS:,} leads in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    lines = screen(now)
    print("\n".join(lines))
    Path(os.environ.get("BENCH_OUT", "/tmp/bench_risk_screening.txt")).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
