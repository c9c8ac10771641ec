"""Screening: each rule kind matches and does not (its boundaries), its explanation, the score and colour."""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case
from risk import screening
from risk.models import ColourThreshold, Lead, LeadPerson, ScreeningRule
from risk.screening import colour_for, fill, params_errors, screen_leads
from risk.text import add_words, find_phrases, tokens

from ..factories import CaseFactory, PartyFactory

pytestmark = pytest.mark.django_db

ID_WANG = "11010519491231002X"
_ext = itertools.count(1)


def make_lead(center, *, feed="police", text="邻里因琐事发生口角", when=None, people=(), **fields):
    """A lead written directly (no ingestion, so no screening yet); people are (name, phone, id_number)."""
    fields.setdefault("people_count", len(people))
    lead = Lead.objects.create(
        center=center,
        received_center=center,
        feed=feed,
        external_id=f"T-{next(_ext)}",
        occurred_at=when or timezone.now() - dt.timedelta(hours=1),
        text=text,
        **fields,
    )
    for i, (name, phone, id_number) in enumerate(people):
        LeadPerson.objects.create(lead=lead, name=name, phone=phone, id_number=id_number, order=i)
    return lead


def only_rule(kind, params, explanation="{count}", weight=10, name="测试规则"):
    """Switch the default rules off and make one rule."""
    ScreeningRule.objects.update(is_active=False)
    return ScreeningRule.objects.create(
        name=name, kind=kind, params=params, explanation=explanation, weight=weight
    )


def screened(lead):
    screen_leads([lead.pk])
    lead.refresh_from_db()
    return lead


def days_ago(n, hour=9):
    """A moment ``n`` local days before today (Asia/Shanghai), at ``hour`` o'clock."""
    day = timezone.localdate() - dt.timedelta(days=n)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


# --- same person ----------------------------------------------------------------------------------


def test_same_person_in_two_feeds_by_id_number_even_typed_differently_and_with_another_phone(center):
    rule = only_rule(
        "same_person",
        {"window_days": 30, "min_feeds": 2},
        "同一人员（{people}）近 {days} 天在{feeds}等 {count} 个渠道出现",
        weight=35,
    )
    police = make_lead(center, feed="police", when=days_ago(10), people=[("王五", "13900001111", ID_WANG)])
    petition = make_lead(
        center,
        feed="petition",
        people=[("王五", "13700002222", "110105 19491231 002x")],  # lower-case x, spaces, another phone
    )
    petition = screened(petition)
    assert petition.score == 35
    assert petition.reasons == [
        {
            "rule": rule.pk,
            "name": "测试规则",
            "kind": "same_person",
            "weight": 35,
            "explanation": "同一人员（王*）近 30 天在警情、访情等 2 个渠道出现",
        }
    ]
    assert screened(police).score == 35  # the earlier lead sees the later one too


def test_same_person_window_boundary_and_same_feed_is_not_two_feeds(center):
    only_rule("same_person", {"window_days": 30, "min_feeds": 2})
    person = [("王五", "", ID_WANG)]
    lead = make_lead(center, feed="petition", when=days_ago(0), people=person)
    make_lead(center, feed="petition", when=days_ago(5), people=person)  # same feed: one feed
    make_lead(center, feed="police", when=days_ago(31), people=person)  # outside the window
    assert screened(lead).score == 0
    make_lead(center, feed="opinion", when=days_ago(0, hour=9) - dt.timedelta(days=30), people=person)
    assert screened(lead).score == 10  # exactly 30 days before: inside


def test_same_person_by_phone_when_there_is_no_id_number_but_never_across_different_id_numbers(center):
    only_rule("same_person", {"window_days": 30, "min_feeds": 2})
    lead = make_lead(center, feed="public", people=[("李四", "139 0000 3333", "")])
    make_lead(center, feed="police", when=days_ago(3), people=[("李四", "13900003333", "")])
    assert screened(lead).score == 10

    with_ids = make_lead(center, feed="public", people=[("赵六", "13900004444", "420923198001010011")])
    make_lead(center, feed="police", people=[("赵六", "13900004444", "420923198001010038")])
    assert screened(with_ids).score == 0  # same phone, different ID numbers: two people


def test_same_person_min_hits_counts_this_lead_and_its_boundary(center):
    only_rule(
        "same_person", {"window_days": 30, "min_hits": 3}, "同一人员（{people}）近 {days} 天出现 {count} 次"
    )
    person = [("欧阳小明", "13900005555", "")]
    lead = make_lead(center, feed="public", people=person)
    make_lead(center, feed="public", when=days_ago(2), people=person)
    assert screened(lead).score == 0  # two occurrences
    make_lead(center, feed="public", when=days_ago(20), people=person)
    lead = screened(lead)
    assert lead.score == 10
    assert lead.reasons[0]["explanation"] == "同一人员（欧阳**）近 30 天出现 3 次"


def test_people_are_matched_through_blind_indexes_never_plaintext(center):
    only_rule("same_person", {"window_days": 30, "min_feeds": 2})
    lead = make_lead(center, feed="public", people=[("王五", "13900001111", ID_WANG)])
    make_lead(center, feed="police", people=[("王五", "13900001111", ID_WANG)])
    with CaptureQueriesContext(connection) as queries:
        assert screen_leads([lead.pk]) == 1
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "13900001111" not in sql and ID_WANG not in sql
    person = LeadPerson.objects.filter(lead=lead).get()
    assert person.id_number_index and person.id_number_index in sql
    lead.refresh_from_db()
    assert lead.score == 10


# --- case link ------------------------------------------------------------------------------------


def _case_with_party(center, *, state="handling", closed_days_ago=None, **party):
    case = CaseFactory(center=center)
    closed_at = timezone.now() - dt.timedelta(days=closed_days_ago) if closed_days_ago is not None else None
    Case.objects.filter(pk=case.pk).update(state=state, closed_at=closed_at)
    PartyFactory(case=case, **party)
    return case


def test_case_link_open_or_recently_closed_cases_listed_at_most_three(center):
    only_rule(
        "case_link", {"closed_within_days": 90}, "涉及人员是案件 {cases} 的当事人（在办或 {days} 天内结案）"
    )
    lead = make_lead(center, people=[("王五", "13900001111", ID_WANG)])
    assert screened(lead).score == 0

    open_case = _case_with_party(
        center, state="handling", name="王五", phone="13811112222", id_number=ID_WANG
    )
    lead = screened(lead)
    assert lead.score == 10
    assert lead.reasons[0]["explanation"] == f"涉及人员是案件 {open_case.code} 的当事人（在办或 90 天内结案）"

    for _ in range(3):
        _case_with_party(center, state="closed", closed_days_ago=89, name="王五", phone="", id_number=ID_WANG)
    explanation = screened(lead).reasons[0]["explanation"]
    assert explanation.count("、") == 2 and "等" in explanation


def test_case_link_ignores_cases_closed_long_ago_or_withdrawn_and_matches_by_phone_without_id(center):
    only_rule("case_link", {"closed_within_days": 90})
    lead = make_lead(center, people=[("李四", "0716-1234567", "")])
    _case_with_party(center, state="closed", closed_days_ago=91, name="李四", phone="07161234567")
    _case_with_party(center, state="withdrawn", name="李四", phone="0716-1234567")
    assert screened(lead).score == 0
    _case_with_party(center, state="evaluated", closed_days_ago=30, name="李四", phone="0716 1234567")
    assert screened(lead).score == 10


def test_case_link_does_not_count_the_case_opened_from_the_lead(center):
    only_rule("case_link", {"closed_within_days": 90})
    case = _case_with_party(center, name="王五", id_number=ID_WANG)
    lead = make_lead(center, people=[("王五", "", ID_WANG)], case=case, state="opened")
    assert screened(lead).score == 0


# --- keywords -------------------------------------------------------------------------------------


def test_tokens_segment_words_not_characters():
    assert tokens("楼上访客很多") == ["楼上", "访客", "很多"]
    add_words(["讨薪"])
    assert "讨薪" in tokens("工地讨薪，二十余名工人聚集")
    assert tokens("") == []


def test_keywords_match_words_and_list_them(center):
    only_rule("keywords", {"words": ["讨薪", "欠薪", "上访"]}, "含有矛盾纠纷词：{words}", weight=15)
    lead = screened(make_lead(center, text="公司欠薪三个月，工人到工地讨薪"))
    assert lead.score == 15
    assert lead.reasons[0]["explanation"] == "含有矛盾纠纷词：讨薪、欠薪"


@pytest.mark.parametrize(
    ("word", "text"),
    [
        ("上访", "这栋楼的楼上访客很多"),  # 楼上 / 访客
        ("家暴", "大家暴露了很多问题"),  # 大家 / 暴露
        ("家暴", "他家暴力拆迁"),  # 他家 / 暴力
    ],
)
def test_keywords_do_not_match_where_segmentation_splits_the_characters(center, word, text):
    assert word in text  # substring matching would wrongly match
    only_rule("keywords", {"words": [word]})
    assert screened(make_lead(center, text=text)).score == 0


def test_keyword_phrases_match_as_one_word_or_consecutive_words():
    add_words(["拖欠 工资", "集体上访", "上访", "讨要 说法"])
    assert find_phrases("多次上门讨要说法", ["讨要 说法"]) == ["讨要 说法"]
    assert find_phrases("老板拖欠工资不还", ["拖欠 工资"]) == ["拖欠 工资"]
    assert find_phrases("工资被拖欠", ["拖欠 工资"]) == []
    assert find_phrases("组织集体上访", ["集体上访", "上访"]) == ["集体上访"]


# --- many people ----------------------------------------------------------------------------------


def test_many_people_boundary(center):
    only_rule("many_people", {"min_people": 5}, "涉及 {count} 人（{people} 人及以上）")
    assert screened(make_lead(center, people_count=4)).score == 0
    lead = screened(make_lead(center, people_count=5))
    assert lead.score == 10 and lead.reasons[0]["explanation"] == "涉及 5 人（5 人及以上）"


# --- rising place ---------------------------------------------------------------------------------


RISING = {"window_days": 7, "baseline_days": 56, "ratio": 2.0, "min_count": 3}
RISING_TEXT = "{place}近 {days} 天线索 {count} 条，此前平均每 {days} 天 {baseline} 条"


def _history(center, place, *, window, baseline, township=None):
    """``window`` leads in the 6 days before today, ``baseline`` leads spread over days 7..62 ago."""
    for i in range(window):
        make_lead(center, place=place, township=township, when=days_ago(1 + i % 6))
    for i in range(baseline):
        make_lead(center, place=place, township=township, when=days_ago(7 + (i * 7) % 56))


@pytest.mark.parametrize(("baseline", "matches"), [(8, True), (12, True), (14, False)])
def test_rising_place_ratio_boundary(center, village, baseline, matches):
    # 3 leads this week (with the lead); the baseline averages 1, 1.5, 1.75 a week: 3 ≥ 2 × average?
    only_rule("rising_place", RISING, RISING_TEXT)
    _history(center, village, window=2, baseline=baseline)
    lead = screened(make_lead(center, place=village, township=village.township, when=days_ago(0)))
    assert lead.score == (10 if matches else 0)
    if matches:
        average = {8: "1", 12: "1.5"}[baseline]
        assert lead.reasons[0]["explanation"] == f"白河村近 7 天线索 3 条，此前平均每 7 天 {average} 条"


def test_rising_place_min_count_and_window_boundary(center, village):
    only_rule("rising_place", RISING, RISING_TEXT)
    make_lead(center, place=village, when=days_ago(6))  # inside the 7 days (today and the 6 before)
    lead = make_lead(center, place=village, when=days_ago(0))
    assert screened(lead).score == 0  # 2 < min_count 3
    make_lead(center, place=village, when=days_ago(7))  # the day before the window: baseline
    assert screened(lead).score == 0
    make_lead(center, place=village, when=days_ago(3))
    assert screened(lead).score == 10


def test_rising_place_counts_a_township_when_no_village_is_known(center, township, village):
    only_rule("rising_place", RISING, RISING_TEXT)
    _history(center, None, window=2, baseline=0, township=township)
    make_lead(center, place=village, township=township, when=days_ago(1))  # the village's, not the township's
    lead = screened(make_lead(center, township=township, when=days_ago(0)))
    assert lead.score == 10
    assert lead.reasons[0]["explanation"].startswith("白河镇综治中心近 7 天线索 3 条")


# --- score, colour, explanations -----------------------------------------------------------------


def test_default_rules_add_up_to_a_red_lead(center, village):
    lead = make_lead(
        center,
        text="工地讨薪，二十余名工人聚集，有人扬言跳楼",
        people_count=20,
        place=village,
        people=[("王五", "13900001111", ID_WANG)],
    )
    lead = screened(lead)
    names = [reason["name"] for reason in lead.reasons]
    assert names == ["极端行为词", "群体性事件词", "矛盾纠纷词", "涉及人数多"]
    assert lead.score == 40 + 25 + 15 + 20
    assert lead.proposed_colour == "red"
    assert lead.screened_at is not None
    assert lead.reasons[0]["explanation"] == "含有极端行为词：跳楼"


def test_colour_thresholds_come_from_the_data():
    assert [colour_for(s) for s in (29, 30, 59, 60)] == ["blue", "yellow", "yellow", "red"]
    ColourThreshold.objects.filter(colour="red").update(min_score=80)
    assert colour_for(60) == "yellow" and colour_for(80) == "red"
    assert colour_for(10, {"red": 20, "yellow": 10}) == "yellow"


def test_explanation_templates_never_crash():
    assert fill("{place}近 {days} 天 {unknown}", {"place": "白河村", "days": 7}) == "白河村近 7 天 {unknown}"
    assert fill("坏模板 {count", {"count": 3}) == "坏模板 {count"
    assert fill("{0} 与 {count}", {"count": 3}) == "{0} 与 3"
    assert fill("{count:d} 次，{words:d}", {"count": 3, "words": "讨薪"}) == "{count:d} 次，{words:d}"


def test_a_rule_with_bad_params_is_skipped_not_a_crash(center):
    only_rule("many_people", {"min_people": 1})
    ScreeningRule.objects.create(name="坏规则", kind="keywords", params={"words": "讨薪"}, explanation="x")
    assert screened(make_lead(center, text="讨薪", people_count=1)).score == 10


def test_params_errors_per_kind():
    assert params_errors("same_person", {"window_days": 30, "min_feeds": 2}) == []
    assert params_errors("same_person", {"window_days": 30}) != []
    assert params_errors("same_person", {"window_days": "30", "min_hits": 3}) == [
        "参数 window_days 应为整数。"
    ]
    assert params_errors("keywords", {"words": []}) != []
    assert params_errors("keywords", {"words": ["讨薪"], "x": 1}) != []
    assert params_errors("many_people", {"min_people": True}) != []
    assert (
        params_errors("rising_place", {"window_days": 7, "baseline_days": 56, "ratio": 2, "min_count": 3})
        == []
    )
    assert (
        params_errors("rising_place", {"window_days": 7, "baseline_days": 3, "ratio": 2, "min_count": 3})
        != []
    )
    assert (
        params_errors("rising_place", {"window_days": 7, "baseline_days": 56, "ratio": 0, "min_count": 3})
        != []
    )
    assert params_errors("case_link", []) != []
    assert params_errors("nope", {}) != []


# --- which leads, how many queries --------------------------------------------------------------


def test_the_all_run_screens_open_leads_in_batches_and_a_batch_its_ids_always(center, monkeypatch):
    only_rule("many_people", {"min_people": 1})
    monkeypatch.setattr(screening, "BATCH", 2)
    open_leads = [
        make_lead(center, people_count=1, state=state) for state in ("new", "watching", "handed", "new")
    ]
    dismissed = make_lead(center, people_count=1, state="dismissed")
    assert screen_leads() == 4
    assert set(Lead.objects.filter(score=10).values_list("pk", flat=True)) == {lead.pk for lead in open_leads}
    dismissed.refresh_from_db()
    assert dismissed.screened_at is None
    assert screen_leads([dismissed.pk]) == 1
    dismissed.refresh_from_db()
    assert dismissed.score == 10


def _screen_queries(center, village, n):
    leads = []
    for i in range(n):
        person = [("王五" if i % 2 else "李四", f"139{i % 7:08d}", ID_WANG if i % 3 == 0 else "")]
        leads.append(
            make_lead(
                center,
                feed=["police", "petition"][i % 2],
                text="工地讨薪，工人聚集",
                people=person,
                people_count=6,
                place=village,
                when=days_ago(i % 10),
            )
        )
    case = CaseFactory(center=center)
    PartyFactory(case=case, name="王五", id_number=ID_WANG)
    with CaptureQueriesContext(connection) as queries:
        assert screen_leads([lead.pk for lead in leads]) == n
    assert Lead.objects.filter(pk__in=[lead.pk for lead in leads], score__gt=0).count() == n
    return len(queries.captured_queries)


def test_screening_query_count_does_not_grow_with_leads(center, village):
    assert _screen_queries(center, village, 10) == _screen_queries(center, village, 50)
