"""Grading learned from history (risk.grading): labels, features, training, prediction, the page."""

import datetime as dt
import math
import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.codes import make_code
from cases.models import Case, Referral, State, Visit
from departments.models import Role
from risk import grading
from risk.grading import GradingError, Subject, features, grade_case, grade_leads, labelled_cases, predict
from risk.models import GradingModel, Lead, LeadPerson
from supervision.models import SupervisionOrder

from ..factories import CaseFactory, CenterFactory, PartyFactory, StaffFactory

_codes = iter(range(1, 10**6))


def closed_case(center, *, days_ago=30, **fields):
    """A case closed ``days_ago`` days ago (written directly: labels and features only read rows)."""
    now = timezone.now()
    fields.setdefault("state", State.CLOSED)
    fields.setdefault("closed_at", now - dt.timedelta(days=days_ago))
    return CaseFactory(center=center, code=make_code("420923", 2024, next(_codes)), **fields)


class _KeepCreatedAt:
    """Let bulk_create write the generated created_at instead of now (auto_now_add)."""

    def __enter__(self):
        self.field = Case._meta.get_field("created_at")
        self.field.auto_now_add = False

    def __exit__(self, *exc):
        self.field.auto_now_add = True


def order_on(case):
    now = timezone.now()
    return SupervisionOrder.objects.create(
        case=case, reason="deadline_missed", required_action="限期办结", issued_at=now, respond_from=now,
        respond_by=now + dt.timedelta(days=3),
    )  # fmt: skip


# --- Labels ---------------------------------------------------------------------------------------


def test_each_escalation_kind_labels_a_closed_case_of_the_subtree(center, township):
    plain = closed_case(center, risk_colour="blue")
    red = closed_case(center, risk_colour="red")
    supervised = closed_case(center, risk_colour="yellow")
    order_on(supervised)
    revisited = closed_case(township)
    Visit.objects.create(case=revisited, visitor_name="张三", phone="13812345678")
    reported = closed_case(center, state=State.EVALUATED)
    Referral.objects.create(case=reported, kind="up", status="accepted", from_center=township, to_center=center,
                            reason="超出本级职权")  # fmt: skip
    sent_down = closed_case(township)
    Referral.objects.create(case=sent_down, kind="down", status="accepted", from_center=center, to_center=township,
                            reason="属地办理")  # fmt: skip
    closed_case(center, risk_colour="red", state=State.HANDLING, closed_at=None)  # open: not a label
    other_county = CenterFactory(code="420981", name="应城市综治中心")
    closed_case(other_county, risk_colour="red")  # another county

    rows = {
        r["id"]: r
        for r in labelled_cases(center).values(
            "id", "escalated", "is_red", "supervised", "revisited", "reported_up"
        )
    }

    assert set(rows) == {plain.pk, red.pk, supervised.pk, revisited.pk, reported.pk, sent_down.pk}
    assert {pk for pk, r in rows.items() if r["escalated"]} == {
        red.pk,
        supervised.pk,
        revisited.pk,
        reported.pk,
    }
    assert rows[red.pk]["is_red"] and not rows[red.pk]["supervised"]
    assert rows[supervised.pk]["supervised"] and not rows[supervised.pk]["is_red"]
    assert rows[revisited.pk]["revisited"] and not rows[revisited.pk]["reported_up"]
    assert rows[reported.pk]["reported_up"] and not rows[reported.pk]["revisited"]
    assert not any(rows[sent_down.pk][k] for k in grading.ESCALATION_KINDS)


def test_labels_are_one_query(center, django_assert_num_queries):
    for _ in range(5):
        order_on(closed_case(center))
    with django_assert_num_queries(1):
        assert sum(r for r in labelled_cases(center).values_list("escalated", flat=True)) == 5


# --- Features -------------------------------------------------------------------------------------


def test_features_of_a_case_read_category_township_people_history_and_words(center, township, village):
    earlier = closed_case(center, days_ago=200)
    PartyFactory(case=earlier, name="王五", phone="13900001111")
    older = closed_case(center, days_ago=300)
    PartyFactory(case=older, name="王五", id_number="11010519491231002X", phone="")
    case = CaseFactory(
        center=center, code=make_code("420923", 2026, 9), place=village, people_count=12,
        title="工地讨薪", description="十二名工人讨薪未果，情绪激动。",
    )  # fmt: skip
    PartyFactory(case=case, name="王五", phone="13900001111", id_number="11010519491231002X")
    later = CaseFactory(center=center, code=make_code("420923", 2026, 10))  # after: not history
    PartyFactory(case=later, name="王五", phone="13900001111")

    subject = grading.case_subject(case)
    found = features(subject)

    assert subject.history == 2
    assert {"category=labour", "township=420923101", "people=10+", "history=2", "word=讨薪"} <= set(found)
    assert "word=工地" in found
    assert features(subject, vocabulary={"工地"}).keys() == {
        "category=labour", "township=420923101", "people=10+", "history=2", "word=工地",
    }  # fmt: skip


def test_features_of_a_lead_have_the_same_shape(center, township):
    earlier = closed_case(center, days_ago=100)
    PartyFactory(case=earlier, name="王五", id_number="11010519491231002X", phone="")
    lead = Lead.objects.create(
        center=township, received_center=center, feed="police", external_id="P-1", occurred_at=timezone.now(),
        text="王五等三人讨薪，扬言聚集", category="labour", township=township, people_count=3,
    )  # fmt: skip
    LeadPerson.objects.create(lead=lead, name="王五", phone="13900001111", id_number="11010519491231002X")
    loaded = list(
        Lead.objects.filter(pk=lead.pk).select_related("received_center", "township", "place__township")
    )

    subject = grading.lead_subjects(loaded)[lead.pk]

    assert {
        "category=labour",
        "township=420923101",
        "people=2-4",
        "history=1",
        "word=讨薪",
        "word=聚集",
    } <= set(features(subject))


def test_buckets_and_labels():
    subject = Subject(category="labour", township="", people=1, history=7, text="")
    assert features(subject) == {"category=labour": 1.0, "people=1": 1.0, "history=6+": 1.0}
    assert grading.feature_label("category=labour") == "类别：劳动争议"
    assert grading.feature_label("word=讨薪") == "词语：讨薪"
    assert grading.feature_label("history=3-5") == "当事人此前有 3–5 件案件"
    assert grading.feature_label("people=10+") == "涉及 10 人以上"


# --- Training on a synthetic history with a real signal ------------------------------------------

FILLER = ["协商", "赔偿", "合同", "邻居", "物业费", "装修", "噪音", "漏水", "工资", "社保", "抚养", "离婚"]


def synthetic_history(center, n=700, seed=7):
    """Closed cases over 15 months: labour cases saying 讨薪 escalate (red) far more often than others."""
    rng = random.Random(seed)
    now = timezone.now()
    cases, escalated = [], []
    for i in range(n):
        closed = now - dt.timedelta(days=rng.uniform(1, 450))
        category = rng.choice(["labour", "neighbour", "property", "marriage_family"])
        words = rng.sample(FILLER, 3)
        wage = category == "labour" and rng.random() < 0.5
        if wage:
            words.append("讨薪")
        chance = 0.6 if wage else 0.08
        red = rng.random() < chance
        escalated.append(red)
        cases.append(
            Case(
                code=make_code("420923", 2025, 1000 + i), center=center, title=f"{category}事项",
                description="，".join(words) + "。", category=category, state=State.CLOSED,
                risk_colour="red" if red else "blue", closed_at=closed, created_at=closed - dt.timedelta(days=20),
            )
        )  # fmt: skip
    with _KeepCreatedAt():
        Case.objects.bulk_create(cases)
    return cases


def test_training_learns_the_signal_and_beats_the_base_rate_on_the_held_out_months(center):
    synthetic_history(center)
    out = StringIO()

    call_command("train_grading", "--center", center.code, "--test-months", "3", stdout=out)

    model = GradingModel.objects.get(center=center, is_active=True)
    m = model.metrics
    assert "held-out precision" in out.getvalue()
    assert model.params["weights"]["word=讨薪"] > 0.5
    assert model.params["weights"]["word=讨薪"] == max(model.params["weights"].values())
    assert model.params["feature_labels"]["word=讨薪"] == "词语：讨薪"
    assert m["train"] + m["test"] == 700 and m["test"] > 50
    assert m["test_months"] == 3 and model.train_until < model.test_until
    assert m["precision"] > 1.5 * m["base_rate_test"]
    assert m["recall"] > m["base_rate_test"]
    assert m["label_kinds"]["is_red"] == m["positives_train"]
    # Trained again: the new model is the active one, the old one is kept for the record.
    second = grading.train(center, test_months=3)
    assert list(GradingModel.objects.filter(is_active=True)) == [second]
    assert GradingModel.objects.count() == 2


def test_training_with_too_few_cases_says_why(center):
    for _ in range(5):
        closed_case(center, days_ago=200)
    with pytest.raises(GradingError, match="至少需要 200 件"):
        grading.train(center)
    assert not GradingModel.objects.exists()


def test_train_counties_reports_the_reason_per_county(center):
    result = grading.train_counties()
    assert list(result) == [center.code]
    assert "至少需要" in result[center.code]


# --- Prediction from stored weights --------------------------------------------------------------


def test_prediction_from_stored_weights_equals_sklearn(center):
    rng = random.Random(3)
    rows, y = [], []
    for _ in range(300):
        subject = Subject(
            category=rng.choice(["labour", "neighbour", "land"]), township=rng.choice(["420923101", ""]),
            people=rng.choice([1, 3, 12]), history=rng.choice([0, 1, 4]), text="",
            words=set(rng.sample(["讨薪", "聚集", "漏水", "噪音", "赔偿"], 2)),
        )  # fmt: skip
        x = features(subject)
        rows.append(x)
        y.append(int(rng.random() < (0.5 if "word=讨薪" in x else 0.1)))
    vectorizer, estimator = grading._fit(rows, y)
    params = grading.model_params(vectorizer, estimator, positives=sum(y), negatives=len(y) - sum(y))

    for x in rows[:40]:
        sklearn_p = estimator.predict_proba(vectorizer.transform([x]))[0, 1]
        logit = estimator.decision_function(vectorizer.transform([x]))[0]
        assert predict(params, x, corrected=False)[0] == pytest.approx(sklearn_p, abs=1e-6)
        corrected = 1 / (1 + math.exp(-(logit + params["prior_correction"])))
        assert predict(params, x)[0] == pytest.approx(corrected, abs=1e-6)
    assert params["prior_correction"] == pytest.approx(-math.log((len(y) - sum(y)) / sum(y)))


def test_top_factors_are_the_largest_positive_contributions_with_labels():
    params = {
        "intercept": -1.0,
        "weights": {"a=1": 0.5, "word=讨薪": 2.0, "people=10+": 1.0, "category=land": -3.0, "history=1": 0.2},
        "feature_labels": {"word=讨薪": "词语：讨薪", "people=10+": "涉及 10 人以上"},
    }
    p, factors = predict(
        params, {"word=讨薪": 1, "people=10+": 1, "category=land": 1, "history=1": 1, "x=y": 1}
    )
    assert p == pytest.approx(1 / (1 + math.exp(-(-1.0 + 2.0 + 1.0 - 3.0 + 0.2))))
    assert [f["label"] for f in factors] == ["词语：讨薪", "涉及 10 人以上", "当事人此前有 1 件案件"]


# --- Grading leads and cases ----------------------------------------------------------------------

PARAMS = {
    "intercept": -2.0,
    "prior_correction": 0.0,
    "weights": {"category=labour": 1.5, "word=讨薪": 2.0, "people=10+": 1.0, "history=1": 0.7},
    "threshold": 0.5,
    "feature_labels": {"category=labour": "类别：劳动争议", "word=讨薪": "词语：讨薪"},
}


def make_model(center, **extra):
    now = timezone.now()
    return GradingModel.objects.create(
        center=center, trained_at=now, train_until=now, test_until=now, params=PARAMS,
        metrics={"train": 900, "test": 100, "precision": 0.41, "recall": 0.63, "base_rate_test": 0.12}, **extra,
    )  # fmt: skip


def make_leads(center, township, n):
    leads = []
    for i in range(n):
        lead = Lead.objects.create(
            center=township, received_center=township, feed="public", external_id=f"G-{township.code}-{i}",
            occurred_at=timezone.now(), text="工地讨薪" if i % 2 == 0 else "邻里噪音", category="labour",
            township=township, people_count=12 if i == 0 else 1,
        )  # fmt: skip
        LeadPerson.objects.create(lead=lead, name="赵六", phone=f"1390000{i:04d}")
        leads.append(lead)
    return leads


def test_grade_leads_fills_the_fields_with_the_nearest_model_in_constant_queries(
    center, township, other_township, django_assert_num_queries
):
    make_model(center)
    PartyFactory(case=closed_case(center, days_ago=90), phone="13900000001")  # lead 1's person: history 1
    few = make_leads(center, township, 2)
    many = make_leads(center, other_township, 6)

    with django_assert_num_queries(6) as few_queries:
        assert grade_leads([lead.pk for lead in few]) == 2
    with django_assert_num_queries(len(few_queries.captured_queries)):
        assert grade_leads([lead.pk for lead in many]) == 6

    first, second = Lead.objects.filter(pk__in=[few[0].pk, few[1].pk]).order_by("pk")
    assert first.escalation_probability == pytest.approx(1 / (1 + math.exp(-(-2.0 + 1.5 + 2.0 + 1.0))))
    assert [f["label"] for f in first.grading_factors] == ["词语：讨薪", "类别：劳动争议", "涉及 10 人以上"]
    assert second.escalation_probability == pytest.approx(1 / (1 + math.exp(-(-2.0 + 1.5 + 0.7))))
    assert "当事人此前有 1 件案件" in [f["label"] for f in second.grading_factors]


def test_without_a_model_grade_leads_does_nothing(center, township):
    leads = make_leads(center, township, 2)
    make_model(CenterFactory(code="420981", name="应城市综治中心"))  # another county's model does not apply
    assert grade_leads([lead.pk for lead in leads]) == 0
    GradingModel.objects.all().delete()
    assert grade_leads([lead.pk for lead in leads]) == 0
    assert not Lead.objects.filter(escalation_probability__isnull=False).exists()


def test_screening_task_grades_the_batch(center, township):
    from risk.tasks import screen_leads_task

    make_model(center)
    leads = make_leads(center, township, 2)
    screen_leads_task.delay([lead.pk for lead in leads])
    assert Lead.objects.filter(escalation_probability__isnull=False).count() == 2


def test_active_model_is_the_centers_newest_else_an_ancestors(center, township):
    assert grading.active_model(township) is None
    county = make_model(center)
    assert grading.active_model(township) == county
    make_model(center, is_active=False)
    own = make_model(township)
    assert grading.active_model(township) == own
    assert grading.active_model(center) == county


def test_grade_case(center, new_case):
    case = new_case(description="某建筑公司拖欠 12 名工人工资，工人讨薪未果。")
    assert grade_case(case) is None
    model = make_model(center)
    result = grade_case(case)
    assert result["model"] == model.pk and result["trained_at"] == model.trained_at
    assert [f["label"] for f in result["factors"]][:2] == ["词语：讨薪", "类别：劳动争议"]
    assert result["probability"] == pytest.approx(1 / (1 + math.exp(-(-2.0 + 1.5 + 2.0))))


# --- The page --------------------------------------------------------------------------------------


def test_the_page_shows_probability_factors_and_the_models_record(client, coordinator, center, new_case):
    case = new_case(description="工人讨薪未果。")
    make_model(center)
    client.force_login(coordinator)
    response = client.get(f"/risk/cases/{case.code}/grading/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "81.8%" in body  # 1 / (1 + e^-1.5)
    assert "词语：讨薪" in body and "类别：劳动争议" in body
    assert "41%" in body and "63%" in body  # held-out precision and recall
    assert "无可用模型" not in body


def test_the_page_says_when_there_is_no_model(client, leader, new_case):
    case = new_case()
    client.force_login(leader)
    response = client.get(f"/risk/cases/{case.code}/grading/")
    assert response.status_code == 200
    assert "无可用模型" in response.content.decode()


def test_the_page_refuses_liaisons_and_hides_other_branches(client, liaison, center, new_case):
    case = new_case()
    client.force_login(liaison)
    assert client.get(f"/risk/cases/{case.code}/grading/").status_code == 403
    other = CenterFactory(code="420981", name="应城市综治中心")
    client.force_login(StaffFactory(role=Role.COORDINATOR, center=other).user)
    assert client.get(f"/risk/cases/{case.code}/grading/").status_code == 404
    assert client.get("/risk/cases/NOPE/grading/").status_code == 404


def test_the_admin_lists_models_read_only(client, center, django_user_model):
    model = make_model(center)
    admin = django_user_model.objects.create_superuser("root", "root@example.cn", "x")
    client.force_login(admin)
    response = client.get("/admin/risk/gradingmodel/")
    assert response.status_code == 200
    assert "41.0%" in response.content.decode()
    assert client.get("/admin/risk/gradingmodel/add/").status_code == 403
    page = client.get(f"/admin/risk/gradingmodel/{model.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "词语：讨薪: +2.000" in body and 'name="_save"' not in body


def test_the_monthly_retraining_is_scheduled(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="risk.train_grading")
    assert task.crontab.day_of_month == "1"


def test_the_vocabulary_keeps_frequent_words_and_no_names_digits_or_anonymised_people():
    docs = [{"讨薪", "秀英", "姚某", "36", "工地"}] * 6 + [{"聚集"}] * 4 + [{"其他"}] * 6
    vocabulary = grading._vocabulary(docs, {"王秀英", "秀英"}, min_count=5, max_words=10)
    assert vocabulary == ["其他", "工地", "讨薪"]
