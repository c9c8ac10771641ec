"""The demo's network of centers: a city, two counties and their townships, with departments,
staff at every level and the villages, communities and grids of each township.

Everything is invented, as the county is: 江汉市 (420900) holds 江北县 (the deployment's main
county, ``ZONGZHI_COUNTY_CODE``) and 南湖区 (420902). The main county's own departments and users
are ``seed_demo``'s (their names stay as they were); every other center's users are named
``<center-slug>-<role>`` and its liaisons ``<center-slug>-liaison-<department-slug>``.

Safe to run again: centers are matched by slug (or an older demo's code or name, and brought up
to date), departments by slug, users by username, places by code.
"""

import random
import zlib
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model

from departments.models import Center, Department, Level, Place, Role, StaffProfile

from . import content as c
from .people import mobile, person_name

K = Department.Kind

CITY_SLUG = "city"
CITY_CODE = "420900"
CITY_NAME = "江汉市"
MAIN_COUNTY_SLUG = "jiangbei"
SECOND_COUNTY_SLUG = "nanhu"
SECOND_COUNTY_CODE = "420902"
SECOND_COUNTY_NAME = "南湖区"

# slug, code (the county's code + 3 digits), town, county slug, codes an older demo gave it
TOWNSHIPS = (
    ("baihe", "101", "白鹤镇", MAIN_COUNTY_SLUG, ("420991",)),
    ("qingshi", "102", "青石镇", MAIN_COUNTY_SLUG, ("420992",)),
    ("liuhe", "103", "柳河乡", MAIN_COUNTY_SLUG, ()),
    ("hubin", "001", "湖滨街道", SECOND_COUNTY_SLUG, ()),
    ("lianhua", "101", "莲花镇", SECOND_COUNTY_SLUG, ()),
)
# The second county's townships: their villages (村) and communities (社区). The main county's
# towns take their villages from demo.content.TOWNS.
NANHU_TOWNS = {
    "湖滨街道": ("湖滨社区", "莲湖社区", "东港社区"),
    "莲花镇": ("莲花村", "荷塘村", "吴家台村"),
}
GRIDS_PER_TOWNSHIP = 2  # under the township's first village or community

# Departments: key (the kind of department the demo's matters name as lead, see demo.matters),
# name, short name, kind. Slugs are the center's slug + "-" + the key: unique across the tree.
CITY_DEPARTMENTS = (
    ("court", "市中级人民法院", "中院", K.STANDING),
    ("police", "市公安局", "市公安", K.STANDING),
    ("housing", "市住房和城乡建设局", "市住建", K.SECTOR),
    ("petition", "市信访局", "市信访", K.STANDING),
)
SECOND_COUNTY_DEPARTMENTS = (
    ("court", "南湖区人民法院", "区法院", K.STANDING),
    ("police", "南湖区公安分局", "区公安", K.STANDING),
    ("housing", "南湖区住房和城乡建设局", "区住建", K.SECTOR),
    ("natres", "南湖区自然资源和规划局", "区自然资源", K.SECTOR),
    ("justice", "南湖区司法局", "区司法", K.STANDING),
    ("petition", "南湖区信访局", "区信访", K.STANDING),
)
# A township's: slug suffix, name pattern, short name, kind, the kind of matter it leads.
TOWNSHIP_DEPARTMENTS = (
    ("sifasuo", "{town}司法所", "司法所", K.STANDING, "justice"),
    ("paichusuo", "{town}派出所", "派出所", K.STANDING, "police"),
    ("xinfangban", "{town}信访办", "信访办", K.STANDING, "petition"),
)
# The roles every center has besides its liaisons, in the order the log-ins are printed.
CENTER_ROLES = (Role.RECEPTION, Role.COORDINATOR, Role.LEADER, Role.ADMIN)


@dataclass
class Site:
    """One center of the network with its departments and users, as the case generator wants them."""

    center: Center
    town: str = ""  # a township's town name
    departments: dict[str, Department] = field(default_factory=dict)  # matter kind → department
    staff: dict[str, object] = field(default_factory=dict)  # role → user
    liaisons: dict[str, object] = field(default_factory=dict)  # matter kind → user
    places: list[Place] = field(default_factory=list)


@dataclass
class Network:
    city: Center
    county: Center  # the deployment's main county
    second_county: Center
    townships: dict[str, Center]  # slug → township
    sites: dict[str, Site]  # slug → every center but the main county (whose users are seed_demo's)

    @property
    def centers(self) -> list[Center]:
        return [self.city, self.county, self.second_county, *self.townships.values()]


def username_for(center: Center, role: str) -> str:
    """Return the demo username of ``role`` at ``center`` (not the main county: see seed_demo.STAFF)."""
    return f"{center.slug}-{role}"


def liaison_username_for(center: Center, department: Department) -> str:
    return f"{center.slug}-liaison-{department.slug}"


# --- Centers ------------------------------------------------------------------------------------


def _upsert_center(*, slug: str, code: str, old_codes=(), name: str, **values) -> Center:
    """Find the center by slug, else by its code or an older demo's, else by name; bring it up to date."""
    center = (
        Center.objects.filter(slug=slug).first()
        or Center.objects.filter(code__in=[code, *old_codes]).order_by("-code").first()
        or Center.objects.filter(name=name).first()
        or Center(slug=slug)
    )
    wanted = {"slug": slug, "code": code, "name": name, **values}
    if center.pk is None or any(getattr(center, k) != v for k, v in wanted.items()):
        for key, value in wanted.items():
            setattr(center, key, value)
        center.save()
    return center


def seed_network_centers(county: Center) -> tuple[Center, Center, dict[str, Center]]:
    """Create the city, the second county and the townships; put the main county under the city."""
    city = _upsert_center(
        slug=CITY_SLUG,
        code=CITY_CODE,
        name=f"{CITY_NAME}综治中心",
        level=Level.CITY,
        parent=None,
        address=f"{CITY_NAME}长征路 1 号",
        phone="0712-2360000",
    )
    changed = []
    if county.level != Level.COUNTY or county.parent_id != city.pk:
        county.level, county.parent = Level.COUNTY, city
        changed += ["level", "parent"]
    if county.slug in ("", county.code):  # the foundation's default slug: give it a name
        county.slug = MAIN_COUNTY_SLUG
        changed.append("slug")
    if changed:
        county.save(update_fields=changed)
    second = _upsert_center(
        slug=SECOND_COUNTY_SLUG,
        code=SECOND_COUNTY_CODE,
        name=f"{SECOND_COUNTY_NAME}综治中心",
        level=Level.COUNTY,
        parent=city,
        address=f"{SECOND_COUNTY_NAME}湖滨大道 66 号",
        phone="0712-2880000",
    )
    counties = {MAIN_COUNTY_SLUG: county, SECOND_COUNTY_SLUG: second}
    townships = {}
    for slug, suffix, town, county_slug, old_codes in TOWNSHIPS:
        parent = counties[county_slug]
        county_name = c.COUNTY if parent == county else SECOND_COUNTY_NAME
        townships[slug] = _upsert_center(
            slug=slug,
            code=f"{parent.code}{suffix}",
            old_codes=old_codes,
            name=f"{town}综治中心",
            level=Level.TOWNSHIP,
            parent=parent,
            address=f"{county_name}{town}政府院内",
        )
    return city, second, townships


def county_name_of(center: Center, network: "Network") -> str:
    """Return the name of the county ``center`` is (or lies in), as the demo's matters write it."""
    county = center.parent if center.level == Level.TOWNSHIP else center
    return c.COUNTY if county == network.county else county.name.removesuffix("综治中心")


def town_of(township: Center) -> str:
    return township.name.removesuffix("综治中心")


def villages_of(town: str) -> tuple[str, ...]:
    return c.TOWNS.get(town) or NANHU_TOWNS.get(town, ())


def seed_places(township: Center) -> list[Place]:
    """Create the township's villages and communities (12-digit codes) and a few grids."""
    places = []
    names = villages_of(town_of(township))
    for number, name in enumerate(names, start=1):
        kind = Place.Kind.COMMUNITY if name.endswith("社区") else Place.Kind.VILLAGE
        # The statistical convention: communities 001–199, villages 200 and up.
        code = (
            f"{township.code}{number:03d}"
            if kind == Place.Kind.COMMUNITY
            else f"{township.code}{199 + number}"
        )
        place, _ = Place.objects.get_or_create(
            code=code, defaults={"township": township, "kind": kind, "name": name}
        )
        places.append(place)
    if places:
        first = places[0]
        for number in range(1, GRIDS_PER_TOWNSHIP + 1):
            grid, _ = Place.objects.get_or_create(
                code=f"{first.code}{number:02d}",
                defaults={
                    "township": township,
                    "parent": first,
                    "kind": Place.Kind.GRID,
                    "name": f"第{'一二三四五六七八九'[number - 1]}网格",
                },
            )
            places.append(grid)
    return places


# --- Departments and staff ----------------------------------------------------------------------


def _departments_for(center: Center, rows) -> dict[str, Department]:
    departments = {}
    for order, (key, name, short_name, kind) in enumerate(rows, start=1):
        departments[key], _ = Department.objects.get_or_create(
            slug=f"{center.slug}-{key}",
            defaults={"center": center, "name": name, "short_name": short_name, "kind": kind, "order": order},
        )
    return departments


def seed_network_departments(city, second, townships) -> dict[str, dict[str, Department]]:
    """Return center slug → (matter kind → department) for every center but the main county."""
    result = {
        city.slug: _departments_for(city, CITY_DEPARTMENTS),
        second.slug: _departments_for(second, SECOND_COUNTY_DEPARTMENTS),
    }
    for township in townships.values():
        town = town_of(township)
        rows = [
            (suffix, name.format(town=town), short, kind)
            for suffix, name, short, kind, _lead in TOWNSHIP_DEPARTMENTS
        ]
        by_suffix = _departments_for(township, rows)
        result[township.slug] = {lead: by_suffix[suffix] for suffix, *_rest, lead in TOWNSHIP_DEPARTMENTS}
    return result


def _person(username: str) -> tuple[str, str]:
    """Return a made-up name and mobile number, the same for the same username on every run."""
    rng = random.Random(zlib.crc32(username.encode()))
    return person_name(rng, rng.choice("mf")), mobile(rng)


def seed_network_staff(sites: dict[str, Site], *, password_hash_for) -> None:
    """Create every site's users: one of each center role and a liaison per department.

    ``password_hash_for(count_missing)`` returns the hash new (and reset) users get, or None.
    """
    rows = []  # username, role, center, department, matter kind
    for site in sites.values():
        for role in CENTER_ROLES:
            rows.append((username_for(site.center, role), role, site.center, None, ""))
        for key, department in site.departments.items():
            rows.append(
                (liaison_username_for(site.center, department), Role.LIAISON, site.center, department, key)
            )
    User = get_user_model()
    existing = {u.username: u for u in User.objects.filter(username__in=[r[0] for r in rows])}
    password, reset = password_hash_for(len(rows) - len(existing))
    profiles = {
        p.user_id: p for p in StaffProfile.objects.filter(user__in=existing.values()).select_related("center")
    }
    for username, role, center, department, key in rows:
        name, phone = _person(username)
        user = existing.get(username)
        if user is None:
            user = User.objects.create(
                username=username,
                email=f"{username}@{EMAIL_DOMAIN}",
                first_name=name,
                # A center's administrator manages its users in the admin; only the main county's is a superuser.
                is_staff=role == Role.ADMIN,
                password=password,
            )
        elif reset:
            user.password = password
            user.save(update_fields=["password"])
        profile = profiles.get(user.pk)
        if profile is None or (profile.role, profile.center_id, profile.department_id) != (
            role,
            center.pk,
            department.pk if department else None,
        ):
            StaffProfile.objects.update_or_create(
                user=user,
                defaults={
                    "role": role,
                    "center": center,
                    "department": department,
                    "display_name": name,
                    "phone": phone,
                },
            )
        site = sites[center.slug]
        if key:
            site.liaisons[key] = user
        else:
            site.staff[role] = user


EMAIL_DOMAIN = "zongzhi.local"


def seed_network(county: Center, *, password_hash_for) -> Network:
    """Create (or bring up to date) the whole demo network around the main county."""
    city, second, townships = seed_network_centers(county)
    departments = seed_network_departments(city, second, townships)
    sites = {
        city.slug: Site(center=city, departments=departments[city.slug]),
        second.slug: Site(center=second, departments=departments[second.slug]),
    }
    for slug, township in townships.items():
        sites[slug] = Site(
            center=township,
            town=town_of(township),
            departments=departments[slug],
            places=seed_places(township),
        )
    seed_network_staff(sites, password_hash_for=password_hash_for)
    return Network(city=city, county=county, second_county=second, townships=townships, sites=sites)


def main_county() -> Center | None:
    return Center.objects.filter(code=settings.ZONGZHI_COUNTY_CODE).first()
