"""The demo's risk identification: the four feed clients and a few thousand leads that show every rule.

Leads come in the way a real feed sends them: items in the contract's shape, in batches, through
:func:`risk.services.lead_ingest_batch`, with the feed's own external ids (``JQ-2026-000123``).
They are made so that every default screening rule (risk/migrations/0002_default_rules.py) has
leads to find: people who turn up in several feeds within a few weeks and people who keep
coming back to one, parties of the county's open and recently closed cases, each group of
keywords, items listing five people or more, and a village and a grid whose count rises this
week against its own baseline. The rest is the everyday flow of a county's four feeds.

Deterministic and safe to run again: the same seed gives the same items under the same external
ids, dated back from the day they were first taken in (:func:`demo_day`), so a second run changes
nothing; ``seed_demo --redate-leads`` dates them back from today instead, updating every lead
(never duplicating one). Screening runs once, over
all leads, after the last batch (not batch by batch: a person seen in two feeds is only seen
once both feeds are in).
"""

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone
from rest_framework.authtoken.models import Token

from cases.models import OPEN_STATES, Case, Party, RiskColour
from common.tasks import skipping
from departments.models import Center, Level, Place
from risk.models import Feed, FeedClient, Lead
from risk.services import lead_ingest_batch, risk_entry_from_case

from . import content as c
from . import risk_content as rc
from .people import id_number, mobile, person_name

SEED = 20261208
DAYS = 120  # how far back the leads go
YEAR = "2026"  # in the external ids: the feeds' numbering, fixed so the ids never change
# Leads per feed at the county center (the everyday flow fills up to these).
COUNTS = {Feed.POLICE: 900, Feed.PUBLIC: 960, Feed.OPINION: 480, Feed.PETITION: 660}
TOWNSHIP_PUBLIC = 30  # grid members' reports straight to each township center
BATCH = 500
STORIES, CHRONIC, REPEATERS, CASE_LINKS, RISKS = 40, 6, 30, 30, 5
# The village and the grid whose reports rise in the last week: (town, village, grid name or "", extra leads).
RISING = (("青石镇", "石桥村", "", 26), ("柳河乡", "柳河村", "第二网格", 12))
CASE_LINK_BLOCK = (
    800_000  # case-linked leads are numbered apart, so the others' ids never depend on the cases
)


@dataclass
class Resident:
    name: str
    phone: str
    id_number: str

    @classmethod
    def make(cls, rng: random.Random) -> "Resident":
        gender = rng.choice("mf")
        return cls(name=person_name(rng, gender), phone=mobile(rng), id_number=id_number(rng, gender))

    def as_item(self, role: str, *, phone=True, id_number=True) -> dict:
        return {
            "name": self.name,
            "phone": self.phone if phone else "",
            "id_number": self.id_number if id_number else "",
            "role": role,
        }

    @property
    def short(self) -> str:
        return self.name[0] + "某"


@dataclass
class Spot:
    """Where an item happens: a village or grid of a township with a center, or a town without one."""

    town: str
    village: str
    township: Center | None = None
    grid: str = ""
    weight: float = 1.0

    def text(self, rng: random.Random) -> str:
        if self.grid:
            return f"{self.town}{self.village}{self.grid}"
        return f"{self.town}{self.village}{rng.randint(1, 9)}组"


@dataclass
class Outcome:
    clients: list[FeedClient] = field(default_factory=list)
    results: Counter = field(default_factory=Counter)  # created / updated / rejected / unchanged
    per_feed: Counter = field(default_factory=Counter)
    risks: int = 0
    screened: int = 0


# --- Feed clients -------------------------------------------------------------------------------


def demo_feed_usernames(townships) -> list[str]:
    """Return the user names of the demo's feed clients: the county's four and a 民情 one per township."""
    return [username for username, _feed, _name in rc.FEED_CLIENTS] + [
        f"feed-public-{t.slug}" for t in townships if t.level == Level.TOWNSHIP
    ]


def seed_feed_clients(county: Center, townships: list[Center], *, password_hash_for) -> list[FeedClient]:
    """Create the county's four feed clients and a 民情 client (a grid members' account) per township.

    ``password_hash_for(count_missing)`` returns (hash, reset) as for the network's users. Each
    client's user gets a DRF token (``manage.py drf_create_token <user>`` shows it too).
    """
    rows = [(username, feed, county, name) for username, feed, name in rc.FEED_CLIENTS]
    for township in townships:
        town = township.name.removesuffix("综治中心")
        rows.append((f"feed-public-{township.slug}", Feed.PUBLIC, township, f"{town}网格员上报"))
    User = get_user_model()
    existing = {u.username: u for u in User.objects.filter(username__in=[r[0] for r in rows])}
    password, reset = password_hash_for(len(rows) - len(existing))
    clients = []
    for username, feed, center, name in rows:
        user = existing.get(username)
        if user is None:
            user = User.objects.create(
                username=username, email=f"{username}@zongzhi.local", first_name=name, password=password
            )
        elif reset:
            user.password = password
            user.save(update_fields=["password"])
        client, _ = FeedClient.objects.update_or_create(
            user=user, defaults={"feed": feed, "center": center, "name": name, "is_active": True}
        )
        Token.objects.get_or_create(user=user)
        clients.append(client)
    return clients


# --- Items --------------------------------------------------------------------------------------


class _Items:
    """Builds every item of the demo, in a fixed order from one seed."""

    def __init__(self, *, county: Center, townships: list[Center], today: dt.date, rng: random.Random):
        self.county, self.today, self.rng = county, today, rng
        self.tz = timezone.get_current_timezone()
        self.items: dict[str, list[tuple[dt.datetime, dict]]] = defaultdict(list)
        self.spots = self._spots(townships)
        self.weights = [s.weight for s in self.spots]

    # Places --------------------------------------------------------------------------------------

    def _spots(self, townships: list[Center]) -> list[Spot]:
        spots = []
        with_centers = set()
        places = Place.objects.filter(township__in=townships).select_related("parent", "township")
        for place in places.order_by("code"):
            town = place.township.name.removesuffix("综治中心")
            with_centers.add(town)
            if place.kind == Place.Kind.GRID:
                spots.append(Spot(town, place.parent.name, place.township, grid=place.name, weight=0.4))
            else:
                spots.append(Spot(town, place.name, place.township))
        # Towns without a center of their own: the item names a place the county cannot resolve.
        others = [
            (town, v) for town, villages in c.TOWNS.items() if town not in with_centers for v in villages
        ]
        share = 0.15 * sum(s.weight for s in spots) / 0.85 / max(len(others), 1)
        spots += [Spot(town, village, None, weight=share) for town, village in others]
        return spots

    def spot(self) -> Spot:
        return self.rng.choices(self.spots, self.weights)[0]

    def find_spot(self, town: str, village: str, grid: str = "") -> Spot | None:
        return next((s for s in self.spots if (s.town, s.village, s.grid) == (town, village, grid)), None)

    # Time ----------------------------------------------------------------------------------------

    def moment(self, days_ago: int) -> dt.datetime:
        """A moment ``days_ago`` days before today (never today: nothing lands in the future)."""
        day = self.today - dt.timedelta(days=max(days_ago, 1))
        minutes = self.rng.randrange(7 * 60, 22 * 60)
        return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=self.tz)

    # One item ------------------------------------------------------------------------------------

    def facts(self, spot: Spot, people: list[Resident], **extra) -> dict:
        rng = self.rng
        brand = rng.choice(c.BRANDS)
        other = people[1] if len(people) > 1 else Resident.make(rng)
        return {
            "a_s": people[0].short if people else "",
            "r_s": other.short,
            "place": spot.text(rng),
            "town": spot.town,
            "village": spot.village,
            "project": rng.choice(c.PROJECTS),
            "company": f"{c.COUNTY}{brand}{rng.choice(c.COMPANY_KINDS)}",
            "compound": rng.choice(c.COMPOUNDS),
            "developer": rng.choice(c.DEVELOPERS),
            "hospital": rng.choice(c.HOSPITALS),
            "street": rng.choice(c.STREETS),
            "street2": rng.choice(rc.STREETS2),
            "club": f"{brand}健身会所",
            "restaurant": f"{spot.town}{brand}土菜馆",
            "n": max(len(people), rng.randint(6, 40)),
            "months": rng.randint(2, 10),
            "yuan": rng.randrange(3000, 90000, 100),
            "area": f"{rng.uniform(0.3, 3):.1f}",
            "nick": rng.choice(rc.NICKS),
            "platform": rng.choice(rc.PLATFORMS),
            "views": rng.randrange(800, 60000, 100),
            "comments": rng.randint(12, 600),
            "photos": rng.randint(2, 9),
            **extra,
        }

    def people_for(self, feed: str, people: list[Resident], roles: tuple[str, str]) -> list[dict]:
        """The people as the feed knows them: police and petitions take ID numbers, online posts a phone at most."""
        rows = []
        for i, person in enumerate(people):
            role = roles[0] if i == 0 else roles[1]
            if feed == Feed.OPINION:
                rows.append(person.as_item(role, id_number=False))
            elif feed == Feed.PUBLIC:
                rows.append(person.as_item(role, id_number=self.rng.random() < 0.5))
            elif feed == Feed.POLICE:
                rows.append(person.as_item(role, id_number=i == 0 or self.rng.random() < 0.7))
            else:
                rows.append(person.as_item(role))
        return rows

    def add(
        self,
        feed: str,
        *,
        text: str,
        category: str,
        days_ago: int,
        spot: Spot,
        people: list[Resident],
        roles=("当事人", "对方当事人"),
        **facts,
    ) -> None:
        when = self.moment(days_ago)
        item = {
            "external_id": "",  # numbered once the feed's items are in time order
            "occurred_at": when.isoformat(),
            "text": text.format_map(self.facts(spot, people, **facts)),
            "category": category,
            "place": spot.text(self.rng),
            "people": self.people_for(feed, people, roles),
        }
        # Grids share names across townships (第一网格): their items always say which township.
        if spot.township is not None and (spot.grid or self.rng.random() < 0.8):
            item["township_code"] = spot.township.code
        self.items[feed].append((when, item))

    def from_template(self, feed: str, template: rc.LeadTemplate, *, days_ago: int, spot: Spot, first=None):
        low, high = template.people
        count = self.rng.randint(low, high)
        if first is not None:
            count = max(count, 1)
        people = [first] if first is not None else []
        people += [Resident.make(self.rng) for _ in range(count - len(people))]
        self.add(
            feed,
            text=template.text,
            category=template.category,
            days_ago=days_ago,
            spot=spot,
            people=people,
            roles=template.roles,
        )

    def template(self, feed: str, theme: str | None = None) -> rc.LeadTemplate:
        choices = [t for t in rc.TEMPLATES[feed] if theme is None or t.theme == theme]
        return self.rng.choices(choices, [t.weight for t in choices])[0]

    # The scenarios -------------------------------------------------------------------------------

    def stories(self, count: int, *, chronic: bool) -> None:
        """People seen in several feeds within a few weeks (同一人员多渠道出现); the chronic ones also repeatedly."""
        feeds = list(rc.TEMPLATES)
        for _ in range(count):
            person, spot = Resident.make(self.rng), self.spot()
            theme = self.rng.choice(("labour", "labour", "land", "family", "property"))
            # The story's last appearance ``start`` days ago, the others up to three weeks before it.
            if chronic:
                start = self.rng.randint(1, 10)
                appearances = feeds + self.rng.choices(feeds, k=self.rng.randint(2, 3))
            else:
                start = self.rng.randint(1, DAYS - 21)
                appearances = self.rng.sample(feeds, self.rng.randint(2, 4))
            for feed in appearances:
                days_ago = start + self.rng.randint(0, 21)
                self.from_template(
                    feed, self.template(feed, theme), days_ago=days_ago, spot=spot, first=person
                )

    def repeaters(self, count: int) -> None:
        """People who keep coming back to one feed within a month (同一人员反复出现)."""
        feeds = [Feed.PETITION] * 3 + [Feed.POLICE] * 2 + [Feed.PUBLIC]
        for _ in range(count):
            feed = self.rng.choice(feeds)
            person, other, spot = Resident.make(self.rng), Resident.make(self.rng), self.spot()
            text = self.rng.choice(rc.REPEATS[feed])
            roles = rc.PETITION_ROLES if feed == Feed.PETITION else ("当事人", "对方当事人")
            start = self.rng.randint(1, DAYS - 24)
            visits = self.rng.randint(3, 5)
            days = sorted({start + self.rng.randint(0, 24) for _ in range(visits)}, reverse=True)
            for k, days_ago in enumerate(days, start=2):
                people = [person, other] if feed == Feed.POLICE else [person]
                self.add(
                    feed, text=text, category=rc.TEMPLATES[feed][0].category, days_ago=days_ago, spot=spot,
                    people=people, roles=roles, k=k,
                )  # fmt: skip

    def rising(self) -> None:
        """A village and a grid whose reports rise this week (村（社区）/网格线索上升)."""
        feeds = [Feed.PUBLIC] * 5 + [Feed.POLICE] * 2 + [Feed.PETITION] * 2 + [Feed.OPINION]
        projects = {"石桥村": "青石河堤防加固工程", "柳河村": "柳河大道拓宽工程"}
        for town, village, grid, extra in RISING:
            spot = self.find_spot(town, village, grid)
            if spot is None:
                continue
            for _ in range(extra):
                feed = self.rng.choice(feeds)
                people = [] if feed == Feed.OPINION else [Resident.make(self.rng)]
                self.add(
                    feed, text=rc.BURST[feed], category="土地山林", days_ago=self.rng.randint(1, 6), spot=spot,
                    people=people, roles=("反映人", "涉事人员"), project=projects[village],
                )  # fmt: skip

    def everyday(self, counts: dict[str, int]) -> None:
        """Fill each feed up to its count with the everyday flow: new people, any place, any day."""
        for feed, target in counts.items():
            for _ in range(target - len(self.items[feed])):
                days_ago = self.rng.randint(1, DAYS)
                self.from_template(feed, self.template(feed), days_ago=days_ago, spot=self.spot())

    def numbered(self, start: int = 1) -> dict[str, list[dict]]:
        """Return each feed's items in time order, numbered like the feed numbers them."""
        result = {}
        for feed, rows in self.items.items():
            rows.sort(key=lambda row: row[0])
            for number, (_when, item) in enumerate(rows, start=start):
                item["external_id"] = f"{rc.PREFIXES[feed]}-{YEAR}-{number:06d}"
            result[feed] = [item for _when, item in rows]
        return result


def linked_cases(county: Center, *, today: dt.date, limit: int) -> list[tuple[Case, Party]]:
    """Open and recently closed cases of the county with a person party (ID number known), in code order."""
    since = dt.datetime.combine(
        today - dt.timedelta(days=80), dt.time(), tzinfo=timezone.get_current_timezone()
    )
    cases = (
        Case.objects.filter(center=county)
        .filter(Q(state__in=OPEN_STATES) | Q(closed_at__gte=since))
        .select_related("place__township", "place__parent")
        .prefetch_related("parties")
        .order_by("code")
    )
    rows = []
    for case in cases:
        party = next(
            (p for p in case.parties.all() if p.kind == Party.Kind.PERSON and p.id_number and p.phone), None
        )
        if party is not None:
            rows.append((case, party))
    rng = random.Random(SEED + 1)
    return sorted(rng.sample(rows, min(limit, len(rows))), key=lambda row: row[0].code)


def case_linked_items(items: _Items, cases: list[tuple[Case, Party]]) -> dict[str, list[dict]]:
    """Items naming a party of an open or recently closed case (关联在办或近期结案案件), with their own rng."""
    items.items = defaultdict(list)
    feeds = [Feed.PETITION] * 4 + [Feed.POLICE] * 3 + [Feed.PUBLIC] * 2 + [Feed.OPINION]
    for case, party in cases:
        person = Resident(name=party.name, phone=str(party.phone), id_number=str(party.id_number))
        spot = None
        if case.place_id and case.place.township_id:
            village = case.place.parent if case.place.kind == Place.Kind.GRID else case.place
            grid = case.place.name if case.place.kind == Place.Kind.GRID else ""
            spot = items.find_spot(case.place.township.name.removesuffix("综治中心"), village.name, grid)
        spot = spot or items.spot()
        for _ in range(items.rng.randint(1, 2)):
            feed = items.rng.choice(feeds)
            items.add(
                feed, text=rc.CASE_LINKED[feed], category=case.get_category_display(),
                days_ago=items.rng.randint(1, 20), spot=spot, people=[person], title=case.title[:40],
            )  # fmt: skip
    return items.numbered(start=CASE_LINK_BLOCK + 1)


def township_items(items: _Items, township: Center, count: int) -> list[dict]:
    """A township's grid members' reports, sent to the township's own center."""
    items.items = defaultdict(list)
    spots = [s for s in items.spots if s.township == township]
    for _ in range(count if spots else 0):
        template = items.template(Feed.PUBLIC)
        items.from_template(
            Feed.PUBLIC, template, days_ago=items.rng.randint(1, DAYS), spot=items.rng.choice(spots)
        )
    rows = items.numbered().get(Feed.PUBLIC, [])
    for item in rows:
        item["external_id"] = item["external_id"].replace(f"-{YEAR}-", f"-{township.code}-")
    return rows


def build_items(
    county: Center, townships: list[Center], *, today: dt.date, counts=None
) -> dict[str, list[dict]]:
    """Return the county's items per feed, the same for the same database and day."""
    items = _Items(county=county, townships=townships, today=today, rng=random.Random(SEED))
    items.stories(CHRONIC, chronic=True)
    items.stories(STORIES, chronic=False)
    items.repeaters(REPEATERS)
    items.rising()
    items.everyday(counts or COUNTS)
    return items.numbered()


# --- Seeding ------------------------------------------------------------------------------------


def _ingest(outcome: Outcome, *, feed: str, center: Center, client: FeedClient, items: list[dict]) -> None:
    for start in range(0, len(items), BATCH):
        batch = items[start : start + BATCH]
        result = lead_ingest_batch(feed=feed, center=center, items=batch, client=client)
        written = set(result.lead_ids)
        for row in result.results:
            kind = row["result"]
            if kind == "updated" and row.get("lead") not in written:
                kind = "unchanged"
            outcome.results[kind] += 1
        outcome.per_feed[feed] += len(batch)


def demo_day(county: Center, *, redate: bool = False) -> dt.date:
    """Return the day the demo's leads are dated back from: the day they were first taken in, or today.

    Like the demo's cases, the leads keep their dates once made, so running seed_demo again on a
    later day changes nothing; ``redate`` brings them up to today (every lead is updated).
    """
    first = (
        Lead.objects.filter(
            received_center=county, feed=Feed.POLICE, external_id=f"{rc.PREFIXES[Feed.POLICE]}-{YEAR}-000001"
        )
        .values_list("created_at", flat=True)
        .first()
    )
    return timezone.localdate() if redate or first is None else timezone.localdate(first)


def seed_risk(
    *, county: Center, coordinator, password_hash_for, leads: bool = True, redate: bool = False
) -> Outcome:
    """Create the feed clients, take in the demo's leads, screen them and put a few red cases on the risk ledger."""
    from risk.screening import screen_leads
    from risk.tasks import screen_leads_task

    townships = list(Center.objects.filter(parent=county, level=Level.TOWNSHIP).order_by("code"))
    outcome = Outcome(clients=seed_feed_clients(county, townships, password_hash_for=password_hash_for))
    if not leads:
        return outcome
    today = demo_day(county, redate=redate)
    clients = {(cl.center_id, cl.feed): cl for cl in outcome.clients}
    by_feed = build_items(county, townships, today=today)
    helper = _Items(county=county, townships=townships, today=today, rng=random.Random(SEED + 2))
    linked = case_linked_items(helper, linked_cases(county, today=today, limit=CASE_LINKS))
    # Screened once, over everything, below: a person in two feeds is only seen once both are in.
    with skipping(screen_leads_task):
        for feed in rc.TEMPLATES:
            client = clients[(county.pk, feed)]
            _ingest(outcome, feed=feed, center=county, client=client, items=by_feed.get(feed, []))
            _ingest(outcome, feed=feed, center=county, client=client, items=linked.get(feed, []))
        for township in townships:
            helper.rng = random.Random(f"{SEED}-{township.code}")
            items = township_items(helper, township, TOWNSHIP_PUBLIC)
            _ingest(
                outcome,
                feed=Feed.PUBLIC,
                center=township,
                client=clients[(township.pk, Feed.PUBLIC)],
                items=items,
            )
    outcome.screened = screen_leads(None)
    outcome.risks = seed_risk_ledger(county, coordinator, today=timezone.localdate())
    return outcome


def seed_risk_ledger(county: Center, coordinator, *, today: dt.date) -> int:
    """Mark a few of the county's open red cases as risks (风险隐患台账), as a coordinator would."""
    cases = Case.objects.filter(center=county, state__in=OPEN_STATES, risk_colour=RiskColour.RED).order_by(
        "code"
    )
    count = 0
    for i, case in enumerate(cases[:RISKS]):
        risk_entry_from_case(
            actor=coordinator,
            case=case,
            measures=rc.RISK_MEASURES[i % len(rc.RISK_MEASURES)],
            review_on=today + dt.timedelta(days=7 + i),
        )
        count += 1
    return count


def lead_counts(center: Center) -> dict[str, int]:
    """Return the leads received at ``center`` per feed."""
    rows = Lead.objects.filter(received_center=center).values("feed").annotate(n=Count("id")).order_by()
    return {row["feed"]: row["n"] for row in rows}
