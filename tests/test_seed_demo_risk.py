"""``manage.py seed_demo``'s risk data (demo.risk): the feed clients, the leads that show every rule, running it twice.

The leads are screened by whatever engine :mod:`risk.screening` holds; these tests check what the
default rules (risk/migrations/0002_default_rules.py) need to find in the data — the same
person in several feeds and repeatedly, parties of open cases, each keyword group (through word
segmentation, as the rules match), many people, a place rising against its baseline — so they
hold whatever the engine's scores are.
"""

import datetime as dt
import io
import logging
from collections import defaultdict

import jieba
import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.authtoken.models import Token

from cases.models import OPEN_STATES, Party
from demo import risk as demo_risk
from departments.models import Center, Place
from risk.models import Feed, FeedClient, Lead, LeadEvent, LeadPerson, RiskEntry, ScreeningRule

pytestmark = pytest.mark.django_db

FEED_USERS = {
    "feed-police": "police",
    "feed-public": "public",
    "feed-opinion": "opinion",
    "feed-petition": "petition",
}


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def lead_rows() -> dict[str, int]:
    return {
        m.__name__: m.objects.count() for m in (Lead, LeadPerson, LeadEvent, RiskEntry, FeedClient, Token)
    }


def test_feed_clients_have_tokens_and_the_demo_password(client):
    output = seed("--cases", "0")  # the organisation only: feed clients, no leads

    county = Center.objects.get(code="420923")
    clients = {c.user.username: c for c in FeedClient.objects.select_related("user", "center")}
    for username, feed in FEED_USERS.items():
        feed_client = clients[username]
        assert (feed_client.feed, feed_client.center, feed_client.is_active) == (feed, county, True)
        user = authenticate(
            RequestFactory().post("/accounts/login/"), username=username, password="zongzhi-demo"
        )
        assert user == feed_client.user
        assert not hasattr(user, "staff_profile")  # a feed client is no member of staff
        token = Token.objects.get(user=user)
        assert f"Token {token.key}" in output and username in output
        # The API's log-in answers the same token for the demo password.
        response = client.post(
            "/api/v1/auth/token/",
            {"username": username, "password": "zongzhi-demo"},
            content_type="application/json",
        )
        assert response.status_code == 200 and response.json() == {"token": token.key}
    # A grid members' 民情 account per township of the county, sending to the township's center.
    for township in county.children.all():
        feed_client = clients[f"feed-public-{township.slug}"]
        assert (feed_client.feed, feed_client.center) == (Feed.PUBLIC, township)
    assert not Lead.objects.exists()


def test_leads_show_every_rule_and_a_second_run_changes_nothing():
    output = seed("--cases", "15")
    now = timezone.now()
    county = Center.objects.get(code="420923")
    leads = Lead.objects.filter(received_center=county)

    # Every item came through the ingestion service: none rejected, each with its client and event.
    assert "rejected" not in output
    per_feed = dict(leads.values_list("feed").annotate(n=Count("id")).values_list("feed", "n"))
    for feed, count in demo_risk.COUNTS.items():
        assert count <= per_feed[feed] <= count + demo_risk.CASE_LINKS * 2, feed
    assert not leads.filter(client__isnull=True).exists()
    assert not leads.exclude(client__feed=F("feed")).exists()
    assert LeadEvent.objects.filter(lead__received_center=county, action="received").count() == leads.count()
    ids = list(leads.filter(feed=Feed.POLICE).values_list("external_id", flat=True))
    assert "JQ-2026-000001" in ids and all(i.startswith("JQ-2026-") for i in ids)
    # Over the last 120 days, none today or later; most placed in a township's village or grid.
    today_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    assert not leads.filter(occurred_at__gte=today_start).exists()
    assert not leads.filter(occurred_at__lt=today_start - dt.timedelta(days=demo_risk.DAYS + 1)).exists()
    assert leads.filter(place__isnull=False).count() >= leads.count() * 0.7
    assert leads.filter(township__isnull=True).exists()  # towns without a center of their own
    for township in county.children.all():
        assert (
            Lead.objects.filter(received_center=township, feed=Feed.PUBLIC).count()
            == demo_risk.TOWNSHIP_PUBLIC
        )

    # Texts name people as "王某": never a listed person's full name.
    for lead in leads.filter(people_count__gte=1).prefetch_related("people")[:300]:
        assert all(p.name not in lead.text for p in lead.people.all()), lead.text

    people = LeadPerson.objects.filter(lead__received_center=county)
    # 同一人员多渠道出现: people (by ID number's blind index) in two feeds or more.
    multi = (
        people.exclude(id_number_index="")
        .values("id_number_index")
        .annotate(feeds=Count("lead__feed", distinct=True))
        .filter(feeds__gte=2)
    )
    assert multi.count() >= 30
    # 同一人员反复出现: three leads or more within 30 days.
    seen = defaultdict(list)
    for key, when in people.exclude(id_number_index="").values_list("id_number_index", "lead__occurred_at"):
        seen[key].append(when)
    repeated = [
        key
        for key, times in seen.items()
        if any(sum(1 for t in times if t0 <= t <= t0 + dt.timedelta(days=30)) >= 3 for t0 in times)
    ]
    assert len(repeated) >= 25
    # Some of them are also known by phone only (online posts): matched through the phone's blind index.
    assert people.filter(lead__feed=Feed.OPINION, id_number_index="").exclude(phone_index="").exists()

    # 关联在办或近期结案案件: parties of the county's open (or recently closed) cases appear in leads.
    parties = Party.objects.filter(case__center=county).filter(
        Q(case__state__in=OPEN_STATES) | Q(case__closed_at__gte=now - dt.timedelta(days=90))
    )
    linked = people.filter(id_number_index__in=parties.exclude(id_number_index="").values("id_number_index"))
    assert linked.values("lead").distinct().count() >= min(5, parties.count())

    # Each keyword group, as the rules match it: through word segmentation, not substrings.
    tokenizer = jieba.Tokenizer()
    jieba.setLogLevel(logging.ERROR)
    rules = list(ScreeningRule.objects.filter(kind="keywords"))
    assert {r.name for r in rules} == {"极端行为词", "群体性事件词", "矛盾纠纷词"}
    for rule in rules:
        for word in rule.params["words"]:
            tokenizer.add_word(word)
    texts = list(leads.values_list("text", flat=True))
    tokens = [set(tokenizer.lcut(text)) for text in texts]
    for rule in rules:
        words = set(rule.params["words"])
        assert sum(1 for t in tokens if t & words) >= 50, rule.name
    assert sum(1 for t in tokens if not t & {w for r in rules for w in r.params["words"]}) >= len(texts) * 0.3

    # 涉及人数多: five people or more, each listed.
    many = leads.filter(people_count__gte=5)
    assert many.count() >= 50
    assert all(
        n == count for n, count in many.annotate(n=Count("people")).values_list("n", "people_count")[:50]
    )

    # 村（社区）/网格线索上升: the last week against the eight weeks before it, per village or grid.
    week, baseline = now - dt.timedelta(days=7), now - dt.timedelta(days=63)
    by_place = (
        Place.objects.filter(township__parent=county)
        .annotate(
            recent=Count("leads", filter=Q(leads__occurred_at__gte=week)),
            before=Count("leads", filter=Q(leads__occurred_at__gte=baseline, leads__occurred_at__lt=week)),
        )
        .values_list("township__slug", "name", "recent", "before")
    )
    rising = {
        (town, name) for town, name, recent, before in by_place if recent >= 3 and recent >= 2 * before / 8
    }
    assert rising == {("qingshi", "石桥村"), ("liuhe", "第二网格")}

    # A few red cases are on the risk ledger, with their measures.
    entries = RiskEntry.objects.filter(center=county, case__isnull=False)
    assert 1 <= entries.count() <= demo_risk.RISKS
    assert all(e.measures and e.colour == "red" for e in entries)

    # Again: the same items under the same external ids, nothing written.
    before = lead_rows()
    again = seed("--cases", "15")
    assert lead_rows() == before
    summary = next(line for line in again.splitlines() if line.startswith("风险研判演示数据"))
    assert "unchanged" in summary and "created" not in summary and "updated" not in summary
