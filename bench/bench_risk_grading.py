"""Training time and held-out precision/recall of the escalation grading model (issue 14, risk.grading).

Not part of the test suite. Run against a scratch database (it is dropped and re-created):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zz_grade_bench .venv/bin/python bench/bench_risk_grading.py

It builds the schema from the models, a county (420923) with eight townships and three villages
each, then BENCH_CASES closed cases (default 50,000) over BENCH_DAYS days (default 900) in intake
order, with parties, and escalations drawn from a *known* logistic model (the generating
assumptions below, written out in the results file). Then it trains the real model
(``risk.grading.train``, the last BENCH_TEST_MONTHS months held out) and prints what it reports.

Generating assumptions (invented, not measured anywhere; chosen to be noisy):
- category mix: labour 18 %, neighbour 20 %, marriage_family 14 %, property 12 %, land 8 %,
  construction 8 %, consumer 8 %, contract 6 %, medical 3 %, traffic 3 %;
- text: one of three phrasings per category plus two of 30 common filler phrases; signal phrases
  appear with category-dependent chances (讨薪 45 % of labour and 20 % of construction cases,
  2 % of others; 拆迁 30 % of land, 3 % of others; 聚集 6 %, doubled with ≥ 10 people;
  跳楼/轻生 1.5 %; 多次调解 10 %); "已协商一致" 15 % (a calming phrase);
- people: 1 person 70 %, 2–4 18 %, 5–9 7 %, 10+ 5 %;
- parties: 1–2 per case; 30 % of applicants come back from a pool of 4,000 people (weights
  1/rank: a few come very often), the rest are new; respondents are new people;
- escalation log-odds = −2.4 + category effect (labour +0.5, land +0.4, construction +0.4,
  medical +0.3, marriage_family −0.2, consumer −0.5, contract −0.3, others 0) + township effect
  (N(0, 0.25) each) + 讨薪 +1.0, 拆迁 +0.8, 聚集 +1.0, 跳楼/轻生 +1.6, 多次调解 +0.6,
  已协商一致 −0.7 + people (2–4 +0.2, 5–9 +0.5, 10+ +0.9) + the applicant's earlier cases
  (1: +0.4, 2: +0.7, 3+: +1.0) + an unobserved case effect N(0, 1.0) (the handling department,
  the people's temper: nothing the model can see);
- an escalated case shows it as one of: red colour 40 %, a supervision order 30 %, a return visit
  (Visit) 20 %, reported up 10 % (a township case; a county case gets a visit instead);
- each case is closed 3–60 days after intake; cases that would close after "now" stay open.

Environment: BENCH_REUSE=1 (keep the generated database, only train again), BENCH_CASES (50000), BENCH_DAYS (900), BENCH_TEST_MONTHS (3), BENCH_SEED (20261208),
BENCH_OUT (default /tmp/bench_risk_grading.txt).
"""

import datetime as dt
import json
import math
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
from bench_reports import _KeepTimestamps, analyze, reset_database, use_models_not_migrations

CASES = int(os.environ.get("BENCH_CASES", "50000"))
DAYS = int(os.environ.get("BENCH_DAYS", "900"))
TEST_MONTHS = int(os.environ.get("BENCH_TEST_MONTHS", "3"))
SEED = int(os.environ.get("BENCH_SEED", "20261208"))
REUSE = os.environ.get("BENCH_REUSE") == "1"  # keep the database, only train again
BATCH = 5000

CATEGORIES = {
    "labour": (18, 0.5), "neighbour": (20, 0.0), "marriage_family": (14, -0.2), "property": (12, 0.0),
    "land": (8, 0.4), "construction": (8, 0.4), "consumer": (8, -0.5), "contract": (6, -0.3),
    "medical": (3, 0.3), "traffic": (3, 0.0),
}  # fmt: skip
PHRASES = {
    "labour": ["务工期间工资被拖欠", "公司未签劳动合同即辞退", "工伤待遇迟迟未落实"],
    "neighbour": ["邻居装修噪音扰民", "相邻通道被占用", "楼上漏水损坏房屋"],
    "marriage_family": ["离婚后子女抚养费未付", "赡养老人问题发生争执", "家庭财产分割矛盾"],
    "property": ["物业费收取标准有争议", "小区停车位被占用", "电梯长期故障无人维修"],
    "land": ["宅基地界址不清", "承包地流转费用纠纷", "林地权属争议"],
    "construction": ["工程款结算不到位", "施工影响周边房屋", "项目验收存在争议"],
    "consumer": ["预付卡商家跑路", "购买商品存在质量问题", "培训机构拒绝退费"],
    "contract": ["借款到期未归还", "买卖合同货款未付", "租赁合同押金不退"],
    "medical": ["手术后出现并发症", "对诊疗费用有异议", "医疗损害赔偿争议"],
    "traffic": ["交通事故赔偿未谈拢", "车辆刮擦责任争议", "保险理赔金额争议"],
}
FILLER = [
    "当事人要求依法处理", "双方情绪较为平稳", "已向村委会反映", "希望尽快解决", "涉及金额较大", "双方各执一词",
    "申请人提供了相关证据", "对方不愿协商", "曾向派出所报警", "要求赔偿经济损失", "社区网格员已上门了解",
    "事情已持续数月", "双方系亲戚关系", "申请人年纪较大", "要求对方书面道歉", "对方表示愿意配合",
    "涉及多个家庭", "申请人生活困难", "已有初步调解意向", "需要相关部门核实", "现场已拍照取证",
    "申请人情绪有些激动", "对方已经联系不上", "村干部曾出面调解", "申请法律援助", "要求尽快答复",
    "事情发生在夜间", "相关票据已经丢失", "双方曾签订书面协议", "附近群众有意见",
]  # fmt: skip
PEOPLE = [(1, 70), (3, 10), (2, 8), (6, 7), (12, 3), (25, 2)]
HISTORY_EFFECT = {0: 0.0, 1: 0.4, 2: 0.7}
PEOPLE_EFFECT = lambda n: 0.9 if n >= 10 else 0.5 if n >= 5 else 0.2 if n >= 2 else 0.0  # noqa: E731


def build_county():
    from departments.models import Center, Level, Place

    county = Center.objects.create(code="420923", name="云梦县综治中心", slug="yunmeng", level=Level.COUNTY)
    townships, villages = [], {}
    for j, name in enumerate(
        ["城关镇", "义堂镇", "曾店镇", "吴铺镇", "伍洛镇", "下辛店镇", "道桥镇", "隔蒲潭镇"]
    ):
        township = Center.objects.create(
            code=f"420923{100 + j}", name=f"{name}综治中心", slug=f"t{j}", level=Level.TOWNSHIP, parent=county
        )
        townships.append(township)
        villages[township.pk] = [
            Place.objects.create(township=township, kind=Place.Kind.VILLAGE, name=f"{name}{k}村",
                                 code=f"420923{100 + j}{200 + k}")
            for k in range(3)
        ]  # fmt: skip
    return county, townships, villages


def _phone(n: int) -> str:
    return f"139{n:08d}"


def generate(now: dt.datetime, rng: random.Random, county, townships, villages) -> dict:
    from cases.codes import make_code
    from cases.models import Case, Party, Referral, Visit
    from supervision.models import SupervisionOrder

    township_effect = {t.pk: rng.gauss(0, 0.25) for t in townships}
    categories = list(CATEGORIES)
    weights = [CATEGORIES[c][0] for c in categories]
    pool = 4000
    pool_weights = [1 / (rank + 1) for rank in range(pool)]
    earlier: dict[int, int] = {}  # person -> cases so far
    next_person = pool
    times = sorted(now - dt.timedelta(minutes=rng.randint(0, DAYS * 24 * 60)) for _ in range(CASES))
    stats = {
        "cases": 0,
        "closed": 0,
        "escalated_closed": 0,
        "kinds": {"red": 0, "order": 0, "visit": 0, "up": 0},
    }
    for start in range(0, CASES, BATCH):
        cases, parties, plans = [], [], []
        for number in range(start, min(start + BATCH, CASES)):
            created = times[number]
            category = rng.choices(categories, weights)[0]
            at_township = rng.random() < 0.7
            township = rng.choice(townships)
            people = rng.choices([p for p, _w in PEOPLE], [w for _p, w in PEOPLE])[0]
            signals = []
            if rng.random() < {"labour": 0.45, "construction": 0.2}.get(category, 0.02):
                signals.append(("工人讨薪未果", 1.0))
            if rng.random() < (0.3 if category == "land" else 0.03):
                signals.append(("涉及拆迁补偿", 0.8))
            if rng.random() < (0.12 if people >= 10 else 0.06):
                signals.append(("有人员聚集", 1.0))
            if rng.random() < 0.015:
                signals.append(("扬言跳楼轻生", 1.6))
            if rng.random() < 0.10:
                signals.append(("经过多次调解无果", 0.6))
            if rng.random() < 0.15:
                signals.append(("双方已协商一致", -0.7))
            if rng.random() < 0.3:
                applicant = rng.choices(range(pool), pool_weights)[0]
            else:
                applicant, next_person = next_person, next_person + 1
            history = earlier.get(applicant, 0)
            earlier[applicant] = history + 1
            logit = (
                -2.4 + CATEGORIES[category][1] + township_effect[township.pk] + sum(w for _s, w in signals)
                + PEOPLE_EFFECT(people) + HISTORY_EFFECT.get(history, 1.0) + rng.gauss(0, 1.0)
            )  # fmt: skip
            escalated = rng.random() < 1 / (1 + math.exp(-logit))
            kind = rng.choices(["red", "order", "visit", "up"], [40, 30, 20, 10])[0] if escalated else ""
            if kind == "up" and not at_township:
                kind = "visit"
            closed = created + dt.timedelta(days=rng.uniform(3, 60))
            is_closed = closed < now
            words = [rng.choice(PHRASES[category]), *rng.sample(FILLER, 2), *(s for s, _w in signals)]
            rng.shuffle(words)
            center = township if at_township else county
            cases.append(
                Case(
                    code=make_code("420923", 2024 + number // 900_000, number % 900_000 + 1),
                    center_id=center.pk, intake_center_id=center.pk, title=words[0][:40],
                    description="，".join(words) + "。", category=category, source="walk_in",
                    place_id=rng.choice(villages[township.pk]).pk if rng.random() < 0.8 else None,
                    risk_colour="red" if kind == "red" else rng.choice(["yellow", "blue", "blue"]),
                    people_count=people, is_collective=people >= 5,
                    state="closed" if is_closed else "handling", closed_at=closed if is_closed else None,
                    created_at=created,
                )
            )  # fmt: skip
            parties.append((applicant, next_person if rng.random() < 0.6 else None))
            if rng.random() < 0.6:
                next_person += 1
            plans.append((kind, is_closed, center))
            stats["cases"] += 1
            stats["closed"] += is_closed
            if is_closed and escalated:
                stats["escalated_closed"] += 1
                stats["kinds"][kind] += 1
        with _KeepTimestamps(Case):
            Case.objects.bulk_create(cases, batch_size=BATCH)
        party_rows, orders, visits, referrals = [], [], [], []
        for case, (applicant, respondent), (kind, _closed, center) in zip(cases, parties, plans, strict=True):
            party_rows.append(
                Party(case_id=case.pk, name="申请人", phone=_phone(applicant), role="applicant")
            )
            if respondent is not None:
                party_rows.append(
                    Party(case_id=case.pk, name="被申请人", phone=_phone(respondent), role="respondent")
                )
            when = case.created_at + dt.timedelta(days=2)
            if kind == "order":
                orders.append(
                    SupervisionOrder(case_id=case.pk, reason="deadline_missed", required_action="限期办结",
                                     issued_at=when, respond_from=when, respond_by=when + dt.timedelta(days=3),
                                     status="verified", issuing_center_id=center.pk)
                )  # fmt: skip
            elif kind == "visit":
                visits.append(
                    Visit(case_id=case.pk, visitor_name="申请人", phone=_phone(applicant), note="询问进展")
                )
            elif kind == "up":
                referrals.append(
                    Referral(case_id=case.pk, kind="up", status="accepted", from_center_id=center.pk,
                             to_center_id=county.pk, reason_kind="beyond_powers", reason="超出本级职权")
                )  # fmt: skip
        Party.objects.bulk_create(party_rows, batch_size=BATCH)
        SupervisionOrder.objects.bulk_create(orders, batch_size=BATCH)
        Visit.objects.bulk_create(visits, batch_size=BATCH)
        Referral.objects.bulk_create(referrals, batch_size=BATCH)
        print(f"  generated cases {start + 1}–{start + len(cases)}", file=sys.stderr)
    return stats


def main():
    use_models_not_migrations()
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from departments.models import Center
    from risk.grading import train

    print(f"cores {os.cpu_count()}, load average {os.getloadavg()}")
    now = timezone.now()
    if REUSE:  # train again on the history the last run generated
        county = Center.objects.get(code="420923")
    else:
        reset_database()
        call_command("migrate", run_syncdb=True, verbosity=0)
        rng = random.Random(SEED)
        county, townships, villages = build_county()
        started = time.perf_counter()
        stats = generate(now, rng, county, townships, villages)
        analyze()
        connection.close()
        print(
            f"generated {stats['cases']:,} cases in {time.perf_counter() - started:.0f} s: {json.dumps(stats)}"
        )
    started = time.perf_counter()
    model = train(county, now=now, test_months=TEST_MONTHS)
    total = time.perf_counter() - started
    m = model.metrics
    top = sorted(model.params["weights"].items(), key=lambda item: -item[1])[:12]
    lines = [
        f"load average {os.getloadavg()[0]:.2f} after training",
        f"closed cases: train {m['train']:,} (escalated {m['positives_train']:,}, base rate {m['base_rate_train']:.1%}), "
        f"held out {m['test']:,} (escalated {m['positives_test']:,}, base rate {m['base_rate_test']:.1%}) "
        f"from {m['test_from'][:10]} ({TEST_MONTHS} months)",
        f"label kinds (train): {m['label_kinds']}",
        f"features {m['features']} ({m['words']} words)",
        f"seconds: train() total {total:.1f} (reading the labelled rows {m['read_seconds']:.1f}; parties' history "
        f"+ jieba words {m['subjects_seconds']:.1f}; with the vocabulary and feature dicts {m['feature_seconds']:.1f}; "
        f"LogisticRegression.fit {m['seconds']:.2f}; importing scikit-learn {m['import_seconds']:.1f})",
        f"threshold (max F1 on training) {m['threshold']:.3f}",
        f"held out: precision {m['precision']:.3f}, recall {m['recall']:.3f}, F1 {m['f1']:.3f}, AUC {m['auc']:.3f}, "
        f"flagged {m['flagged']:,}",
        f"training (in-sample): {json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in m['train_scores'].items()})}",
        "top weights: " + ", ".join(f"{model.params['feature_labels'][n]} {w:+.2f}" for n, w in top),
    ]
    print("\n".join(lines))
    Path(os.environ.get("BENCH_OUT", "/tmp/bench_risk_grading.txt")).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
