"""``manage.py seed_demo``: a fictional county center with its departments, staff and cases.

Safe to run again: the organisation is matched by code and slug, the users by username, and
cases are only added until the center holds ``--cases`` of them.
"""

import contextlib
import datetime as dt
import time
import zlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from rest_framework.authtoken.models import Token

from cases.models import Case, State
from cases.tasks import notify_case_event
from common.tasks import skipping
from demo import network as net
from demo.content import COUNTY
from demo.driving import SEED, DemoStaff, demo_case_count, generate_cases
from demo.risk import demo_feed_usernames, lead_counts, seed_risk
from departments.models import (
    Center,
    DeadlineRule,
    Department,
    Desk,
    DutyAssignment,
    Role,
    Service,
    ServicePackage,
    StaffProfile,
    Stage,
)
from risk.models import Feed, FeedClient

PASSWORD = "zongzhi-demo"
EMAIL_DOMAIN = net.EMAIL_DOMAIN
# The network's cases besides the main county's ``--cases``: a share per township and for the
# second county (320 → 8 per township, 32 at 南湖区).
TOWNSHIP_SHARE, SECOND_COUNTY_SHARE = 40, 10

K = Department.Kind
# slug, name, short name, kind, desk name
DEPARTMENTS = (
    ("court", "县人民法院", "法院", K.STANDING, "诉讼服务窗口"),
    ("procuratorate", "县人民检察院", "检察院", K.STANDING, "检察服务窗口"),
    ("police", "县公安局", "公安", K.STANDING, "公安调解窗口"),
    ("justice", "县司法局", "司法", K.STANDING, "公共法律服务窗口"),
    ("petition", "县信访局", "信访", K.STANDING, "信访接待窗口"),
    ("hrss", "县人力资源和社会保障局", "人社", K.SECTOR, "劳动维权窗口"),
    ("housing", "县住房和城乡建设局", "住建", K.SECTOR, "住建窗口"),
    ("health", "县卫生健康局", "卫健", K.SECTOR, "卫生健康窗口"),
    ("natres", "县自然资源和规划局", "自然资源", K.SECTOR, "自然资源窗口"),
    ("market", "县市场监督管理局", "市场监管", K.SECTOR, "消费维权窗口"),
    ("union", "县总工会", "工会", K.MASS, "职工维权窗口"),
    ("women", "县妇女联合会", "妇联", K.MASS, "妇女儿童维权窗口"),
    ("lawsoc", "县法学会", "法学会", K.MASS, "法律咨询窗口"),
    ("mediation", "县人民调解委员会", "人调委", K.MEDIATION, "人民调解室"),
    ("medmed", "县医疗纠纷人民调解室", "医调室", K.MEDIATION, "医疗纠纷调解室"),
)
# slug, name, description
SERVICES = (
    ("mediation", "调解", "人民调解、行政调解、行业性专业性调解"),
    ("arbitration", "仲裁", "劳动人事争议仲裁"),
    ("petition", "信访", "信访事项受理、办理和复查"),
    ("litigation", "诉讼", "诉讼服务：立案、诉前调解、司法确认"),
    ("notarization", "公证", "公证和证据保全"),
    ("counselling", "心理服务", "心理咨询与疏导、危机干预"),
    ("legal_aid", "法律援助", "法律咨询、法律援助律师指派"),
    ("appraisal", "司法鉴定", "伤残、医疗过错、房屋安全等鉴定"),
    ("hearing", "检察听证", "检察机关公开听证"),
)
# slug, name, services, description, proposed lead department, proposed co-departments
PACKAGES = (
    ("labour", "劳动争议套餐", ("mediation", "arbitration", "legal_aid"), "欠薪、劳动合同、工伤待遇争议",
     "hrss", ("union", "justice")),
    ("family", "婚姻家庭套餐", ("mediation", "counselling", "legal_aid"), "婚姻、抚养、赡养和家庭暴力",
     "women", ("justice",)),
    ("medical", "医疗纠纷套餐", ("mediation", "appraisal", "litigation"), "医疗损害赔偿争议",
     "medmed", ("health",)),
    ("property", "物业纠纷套餐", ("mediation", "notarization", "litigation"), "物业服务、车位和交房争议",
     "housing", ("mediation",)),
    ("land", "土地山林套餐", ("mediation", "petition", "litigation"), "承包地、宅基地和山林权属争议",
     "natres", ("justice",)),
    ("petition-law", "信访法治化套餐", ("petition", "legal_aid", "hearing"), "依法分类处理信访诉求",
     "petition", ("procuratorate", "justice")),
    ("consumer", "消费维权套餐", ("mediation", "appraisal", "litigation"), "商品质量、预付卡和餐饮消费争议",
     "market", ("mediation",)),
    ("traffic", "交通事故套餐", ("mediation", "appraisal", "legal_aid"), "道路交通事故损害赔偿",
     "police", ("court",)),
    ("contract", "合同债务套餐", ("mediation", "litigation", "legal_aid"), "买卖、租赁、承揽等合同和欠款争议",
     "court", ("lawsoc",)),
    ("loan", "民间借贷套餐", ("mediation", "notarization", "litigation"), "个人之间借款、还款和担保争议",
     "mediation", ("court", "lawsoc")),
)  # fmt: skip
# Time allowed by stage and colour: the defaults of the data migrations, should any be missing.
WD, HOURS = DeadlineRule.Unit.WORKING_DAYS, DeadlineRule.Unit.HOURS
GENERAL_RULES = {
    Stage.ASSESS: {"red": (4, HOURS), "yellow": (1, WD), "blue": (2, WD)},
    Stage.ACCEPT: {"red": (1, WD), "yellow": (2, WD), "blue": (3, WD)},
    Stage.HANDLE: {"red": (7, WD), "yellow": (15, WD), "blue": (30, WD)},
    Stage.RESPOND: {"red": (1, WD), "yellow": (3, WD), "blue": (5, WD)},
}
# username, role, display name, phone
STAFF = (
    ("reception", Role.RECEPTION, "刘晓燕", "13907120101"),
    ("coordinator", Role.COORDINATOR, "陈志远", "13907120102"),
    ("leader", Role.LEADER, "何振华", "13907120103"),
    ("admin", Role.ADMIN, "王海涛", "13907120104"),
)
LIAISON_NAMES = (
    "赵文静", "钱立军", "孙国平", "李雪梅", "周建军", "吴丽娟", "郑小兵", "冯春燕",
    "陈海波", "褚晓红", "卫东升", "蒋玉兰", "沈家豪", "韩秀英", "杨志刚",
)  # fmt: skip
# position, name, title, office phone
P = DutyAssignment.Position
LEADERS = (
    (P.FIRST_DIRECTOR, "周建国", "中共江北县委书记", "0712-4321001"),
    (P.SECOND_DIRECTOR, "何振华", "县委常委、政法委书记", "0712-4321002"),
    (P.CHIEF_DUTY_OFFICER, "孙立新", "县委政法委副书记、县综治中心主任", "0712-4321003"),
)
DUTY_DIRECTORS = (
    ("黄晓军", "县综治中心副主任"),
    ("邓丽萍", "县司法局副局长"),
    ("曹文斌", "县信访局副局长"),
    ("罗春燕", "县公安局副局长"),
)


class Command(BaseCommand):
    help = "Load the demo county center: departments, services, duty board, users and cases (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=320, help="bring the center up to this many cases")
        parser.add_argument(
            "--no-leads",
            dest="leads",
            action="store_false",
            help="create the risk feed clients but take in no demo leads (nor does --cases 0)",
        )
        parser.add_argument(
            "--redate-leads",
            action="store_true",
            help="date the demo leads back from today rather than from the day they were first made",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help=f"set every demo user's password back to {PASSWORD}",
        )

    def handle(
        self, *args, cases: int, reset_passwords: bool, leads: bool = True, redate_leads=False, **options
    ):
        started = time.monotonic()
        password_hash = _PasswordHash(reset=reset_passwords)
        with transaction.atomic():
            county, _townships = seed_centers()
            departments = seed_departments(county)
            seed_services(departments)
            seed_deadline_rules()
            staff = seed_users(county, departments, reset_passwords=reset_passwords)
            seed_duty_board(county, staff.leader)
            network = net.seed_network(county, password_hash_for=password_hash)
        existing = demo_case_count(county)
        if existing >= cases:
            self.stdout.write(f"已有 {existing} 件案件（≥ {cases}），跳过案件生成。")
        else:
            with _quiet_notifications():
                made = generate_cases(
                    county=county,
                    staff=staff,
                    count=cases - existing,
                    places=_places_by_village(network, county),
                )
            self.stdout.write(f"已生成 {len(made)} 件演示案件。")
        if cases:
            with _quiet_notifications():
                made = seed_network_cases(network, cases)
            if made:
                self.stdout.write(f"已为乡镇和{network.second_county.name}生成 {made} 件演示案件。")
            # Supervision's share: overdue cases for every level of the first sweep, last month's
            # closed cases for the callback sampling, orders behind supervised cases.
            from demo.supervision import seed_supervision_demo

            seed_supervision_demo(stdout=self.stdout)
            # Cases that travelled up, down and across, and whistles: once the services exist.
            import cases.services as case_services

            if all(hasattr(case_services, name) for name in TRAVEL_SERVICES):
                from demo.travel import seed_travel

                with _quiet_notifications():
                    seed_travel(network=network, county_staff=staff, stdout=self.stdout)
        # Leads are made-up history like the cases: ``--cases 0`` loads the organisation (and feed clients) only.
        self._risk(county, staff, password_hash, leads=leads and cases > 0, redate=redate_leads)
        self._summary(county, time.monotonic() - started)
        self._logins(network)
        self._feed_clients(network)

    def _risk(self, county: Center, staff: DemoStaff, password_hash, *, leads: bool, redate: bool) -> None:
        """The risk feeds' clients, a few thousand leads screened, and a few risks on the ledger (demo.risk)."""
        started = time.monotonic()
        outcome = seed_risk(
            county=county,
            coordinator=staff.coordinator,
            password_hash_for=password_hash,
            leads=leads,
            redate=redate,
        )
        if not leads:
            return
        held = lead_counts(county)
        feeds = "，".join(f"{label} {held.get(value, 0)}" for value, label in Feed.choices)
        done = "，".join(f"{k} {n}" for k, n in sorted(outcome.results.items()))
        self.stdout.write(
            f"风险研判演示数据：{county.name}线索 {sum(held.values())} 条（{feeds}）；本次接入 {done}；"
            f"筛查 {outcome.screened} 条；风险隐患台账 {outcome.risks} 条。用时 {time.monotonic() - started:.1f} 秒。"
        )

    def _feed_clients(self, network: net.Network) -> None:
        """Print the demo's feed clients with their API tokens (as ``manage.py drf_create_token <user>`` would)."""
        by_center = _demo_feed_clients(network)
        if not by_center:
            return
        self.stdout.write(
            f"\n风险研判数据接入方（密码均为 {PASSWORD}；POST /api/v1/leads/<feed>/batch/，见 docs/risk.md）："
        )
        tokens = dict(
            Token.objects.filter(
                user__feed_client__in=[c for cs in by_center.values() for c in cs]
            ).values_list("user_id", "key")
        )
        for center in sorted(by_center, key=lambda c: c.path):
            for client in by_center[center]:
                self.stdout.write(
                    f"    {client.user.username:<24}{client.get_feed_display()} → {center.name:<12}"
                    f"Token {tokens.get(client.user_id, '')}"
                )

    def _summary(self, county: Center, seconds: float) -> None:
        by_state = dict(
            Case.objects.filter(center__path__startswith=county.path)
            .values_list("state")
            .annotate(n=Count("id"))
            .values_list("state", "n")
        )
        states = "，".join(f"{label} {by_state.get(value, 0)}" for value, label in State.choices)
        self.stdout.write(
            self.style.SUCCESS(
                f"{county.name}（{county.code}）：{Department.objects.filter(center=county).count()} 个入驻单位，"
                f"{Service.objects.count()} 项服务，{ServicePackage.objects.count()} 个套餐，"
                f"{sum(by_state.values())} 件案件（{states}）。用时 {seconds:.1f} 秒。"
            )
        )
        city = county.parent
        if city is not None:
            held = dict(
                Case.objects.filter(center__path__startswith=city.path)
                .values_list("center__name")
                .annotate(n=Count("id"))
                .values_list("center__name", "n")
            )
            total = sum(held.values())
            each = "，".join(f"{name} {n}" for name, n in sorted(held.items(), key=lambda item: -item[1]))
            self.stdout.write(f"{city.name}（{city.code}）全市共 {total} 件案件，按承办中心：{each}。")

    def _logins(self, network: net.Network) -> None:
        """Print every demo log-in: a table per center (center — role — username), highest first."""
        self.stdout.write(f"\n演示账号（密码均为 {PASSWORD}）：")
        usernames = demo_usernames()
        profiles = (
            StaffProfile.objects.filter(center__path__startswith=network.city.path)
            .select_related("user", "center", "department")
            .order_by("center__path", "id")
        )
        by_center: dict[Center, list[StaffProfile]] = {}
        for profile in profiles:
            if profile.center_id == network.county.pk and profile.user.username not in usernames:
                continue  # someone's own account at the main county, not the demo's
            by_center.setdefault(profile.center, []).append(profile)
        order = {role: i for i, role in enumerate([*net.CENTER_ROLES, Role.LIAISON])}

        def tree_order(center: Center) -> tuple:
            # The city, then the main county and its townships, then the rest, each by path.
            return (center.level != "city", not center.is_within(network.county), center.path)

        feeds = _demo_feed_clients(network)
        for center in sorted(set(by_center) | set(feeds), key=tree_order):
            self.stdout.write(f"\n  {center.name}（{center.get_level_display()}，{center.code}）")
            rows = sorted(
                by_center.get(center, []), key=lambda p: (order.get(p.role, 9), p.department_id or 0, p.pk)
            )
            for profile in rows:
                where = f" · {profile.department.name}" if profile.department else ""
                self.stdout.write(f"    {profile.user.username:<36}{profile.get_role_display()}{where}")
            for client in feeds.get(center, []):
                self.stdout.write(f"    {client.user.username:<36}数据接入方 · {client.get_feed_display()}")


def _demo_feed_clients(network: net.Network) -> dict[Center, list]:
    """Return center → the demo's risk feed clients there (demo.risk), in the feeds' order."""
    order = {feed: i for i, feed in enumerate(Feed.values)}
    clients = FeedClient.objects.filter(
        center__path__startswith=network.city.path,
        user__username__in=demo_feed_usernames(network.townships.values()),
    ).select_related("user", "center")
    by_center: dict[Center, list] = {}
    for client in sorted(clients, key=lambda cl: (order.get(cl.feed, 9), cl.user.username)):
        by_center.setdefault(client.center, []).append(client)
    return by_center


# The travel services of issue 13: seed_demo adds the travelling cases once they all exist.
TRAVEL_SERVICES = (
    "case_take_over",
    "case_return_down",
    "case_assign_down",
    "referral_approve",
    "referral_send_back",
    "case_transfer",
    "case_transfer_accept",
    "whistle_blow",
    "summons_report",
)


class _PasswordHash:
    """The demo password's hash, made once and only if some user needs it (the hasher is slow)."""

    def __init__(self, *, reset: bool):
        self.reset, self.value = reset, None

    def __call__(self, missing: int) -> tuple[str | None, bool]:
        if not (self.reset or missing):
            return None, False
        self.value = self.value or make_password(PASSWORD)
        return self.value, self.reset


def _places_by_village(network: net.Network, center: Center) -> dict[tuple[str, str], object]:
    """Return (town, village) → Place for the villages and communities of ``center``'s townships."""
    return {
        (site.town, place.name): place
        for site in network.sites.values()
        if site.center.level == "township" and site.center.is_within(center)
        for place in site.places
        if place.kind != place.Kind.GRID
    }


def seed_network_cases(network: net.Network, cases: int) -> int:
    """Bring every township and the second county up to their share of ``cases``; return how many were made."""
    made = 0
    for slug, site in network.sites.items():
        if site.center.level == "township":
            target = cases // TOWNSHIP_SHARE
            towns = {site.town: net.villages_of(site.town)}
        elif site.center == network.second_county:
            target = cases // SECOND_COUNTY_SHARE
            towns = {
                s.town: net.villages_of(s.town)
                for s in network.sites.values()
                if s.center.parent_id == site.center.pk
            }
        else:
            continue  # the city takes cases on from below; it takes none in
        missing = target - demo_case_count(site.center)
        if missing <= 0:
            continue
        staff = DemoStaff(
            reception=site.staff[Role.RECEPTION],
            coordinator=site.staff[Role.COORDINATOR],
            leader=site.staff[Role.LEADER],
            liaisons=site.liaisons,
        )
        made += len(
            generate_cases(
                county=site.center,
                staff=staff,
                count=missing,
                departments=site.departments,
                towns=towns,
                places=_places_by_village(network, site.center),
                seed=SEED + zlib.crc32(slug.encode()) % 10_000,
                county_name=net.county_name_of(site.center, network),
            )
        )
    return made


@contextlib.contextmanager
def _quiet_notifications():
    """Queue no notification for the demo's made-up history: it is months old and nobody's news.

    Otherwise some 1,600 tasks would run (or wait for a worker) and mail the demo liaisons.
    """
    with skipping(notify_case_event):
        yield


def demo_usernames() -> list[str]:
    return [username for username, *_rest in STAFF] + [f"liaison-{slug}" for slug, *_rest in DEPARTMENTS]


def seed_centers() -> tuple[Center, dict[str, Center]]:
    """Create the main county center, the city above it and the network's centers (demo.network).

    Return the county and its townships by town name.
    """
    county, _ = Center.objects.get_or_create(
        code=settings.ZONGZHI_COUNTY_CODE,
        defaults={
            "name": f"{COUNTY}综治中心",
            "slug": net.MAIN_COUNTY_SLUG,
            "level": "county",
            "address": f"{COUNTY}城关镇人民大道 88 号",
            "phone": "0712-4321000",
        },
    )
    _city, _second, townships = net.seed_network_centers(county)
    county.refresh_from_db()
    return county, {net.town_of(t): t for t in townships.values() if t.parent_id == county.pk}


def seed_departments(county: Center) -> dict[str, Department]:
    """Create the resident departments, each with one intake desk."""
    departments = {}
    for number, (slug, name, short_name, kind, desk_name) in enumerate(DEPARTMENTS, start=1):
        department, _ = Department.objects.get_or_create(
            slug=slug,
            defaults={
                "center": county,
                "name": name,
                "short_name": short_name,
                "kind": kind,
                "order": number,
            },
        )
        if not department.desks.exists():
            Desk.objects.get_or_create(number=number, defaults={"department": department, "name": desk_name})
        departments[slug] = department
    return departments


def seed_services(departments: dict[str, Department] | None = None) -> None:
    """Create the nine services and the combined packages, with the departments each proposes."""
    services = {}
    for order, (slug, name, description) in enumerate(SERVICES, start=1):
        services[slug], _ = Service.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "order": order}
        )
    departments = departments or {d.slug: d for d in Department.objects.all()}
    for order, (slug, name, included, description, lead, co) in enumerate(PACKAGES, start=1):
        package, created = ServicePackage.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "order": order,
                "lead_department": departments.get(lead),
            },
        )
        if created:
            package.services.set([services[s] for s in included])
        # Packages from before the proposal existed get theirs once; an administrator's choice stays.
        if package.lead_department_id is None and not package.co_departments.exists():
            package.lead_department = departments.get(lead)
            package.save(update_fields=["lead_department"])
            package.co_departments.set([departments[s] for s in co if s in departments])
        elif created:
            package.co_departments.set([departments[s] for s in co if s in departments])


def seed_deadline_rules() -> None:
    """Create any missing default deadline rules and the statutory limits they must respect."""
    for stage, by_colour in GENERAL_RULES.items():
        for colour, (amount, unit) in by_colour.items():
            DeadlineRule.objects.get_or_create(
                colour=colour,
                stage=stage,
                service=None,
                category="",
                is_legal_limit=False,
                defaults={"amount": amount, "unit": unit, "note": "中心默认时限"},
            )
    arbitration = Service.objects.get(slug="arbitration")
    for colour in ("red", "yellow", "blue"):
        DeadlineRule.objects.get_or_create(
            colour=colour,
            stage=Stage.HANDLE,
            service=None,
            category="petition",
            is_legal_limit=True,
            defaults={"amount": 60, "unit": DeadlineRule.Unit.DAYS, "note": "《信访工作条例》：60日内办结"},
        )
        DeadlineRule.objects.get_or_create(
            colour=colour,
            stage=Stage.HANDLE,
            service=arbitration,
            category="",
            is_legal_limit=True,
            defaults={"amount": 45, "unit": DeadlineRule.Unit.DAYS, "note": "劳动争议调解仲裁法：45日内结案"},
        )


def seed_users(county: Center, departments: dict[str, Department], *, reset_passwords: bool) -> DemoStaff:
    """Create the demo users with their staff profiles; new users get the demo password."""
    rows = [(username, role, name, phone, None) for username, role, name, phone in STAFF]
    for index, (slug, department) in enumerate(departments.items()):
        name = LIAISON_NAMES[index % len(LIAISON_NAMES)]
        rows.append((f"liaison-{slug}", Role.LIAISON, name, f"139071202{index:02d}", department))
    User = get_user_model()
    existing = set(User.objects.filter(username__in=[r[0] for r in rows]).values_list("username", flat=True))
    # Hashed once for all: the password hasher is slow on purpose.
    password = make_password(PASSWORD) if reset_passwords or len(existing) < len(rows) else None
    users = {}
    general_desk = Desk.objects.filter(department__slug="justice").order_by("number").first()
    for username, role, name, phone, department in rows:
        is_admin = role == Role.ADMIN
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@{EMAIL_DOMAIN}",
                "first_name": name,
                "is_staff": is_admin,
                "is_superuser": is_admin,
                "password": password,
            },
        )
        if reset_passwords and not created:
            user.password = password
            user.save(update_fields=["password"])
        StaffProfile.objects.update_or_create(
            user=user,
            defaults={
                "role": role,
                "center": county,
                "department": department,
                "display_name": name,
                "phone": phone,
                # The demo's receptionist sits at the hall's general window (public legal services).
                "desk": general_desk if role == Role.RECEPTION else None,
            },
        )
        users[username] = User.objects.select_related("staff_profile__department").get(pk=user.pk)
    return DemoStaff(
        reception=users["reception"],
        coordinator=users["coordinator"],
        leader=users["leader"],
        liaisons={slug: users[f"liaison-{slug}"] for slug in departments},
    )


def seed_duty_board(county: Center, leader) -> None:
    """Fill the hall's duty board: the directors, and a weekly rota of duty directors around today."""
    today = timezone.localdate()
    for position, name, title, phone in LEADERS:
        DutyAssignment.objects.update_or_create(
            center=county,
            position=position,
            person_name=name,
            defaults={
                "title": title,
                "phone": phone,
                "start_date": dt.date(today.year, 1, 1),
                "end_date": None,
                "user": leader if position == P.SECOND_DIRECTOR else None,
            },
        )
    monday = today - dt.timedelta(days=today.weekday())
    for week, (name, title) in enumerate(DUTY_DIRECTORS, start=-1):
        start = monday + dt.timedelta(weeks=week)
        DutyAssignment.objects.update_or_create(
            center=county,
            position=P.DUTY_DIRECTOR,
            person_name=name,
            defaults={
                "title": title,
                "phone": f"0712-43210{11 + week}",
                "start_date": start,
                "end_date": start + dt.timedelta(days=6),
            },
        )
