"""Invented people and the facts of their matters: names, phones, ID numbers, places, sums."""

import datetime as dt
import random

from cases.models import Party
from cases.services import PartyData
from common.validators import id_number_check_character

from . import content as c


def person_name(rng: random.Random, gender: str) -> str:
    return rng.choice(c.SURNAMES) + rng.choice(c.MALE_NAMES if gender == "m" else c.FEMALE_NAMES)


def mobile(rng: random.Random) -> str:
    return rng.choice(c.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def landline(rng: random.Random) -> str:
    return f"0712-4{rng.randrange(10**6):06d}"


def id_number(rng: random.Random, gender: str) -> str:
    """Return a well-formed resident ID number (GB 11643) of an adult; odd sequence = male."""
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(54 * 365))
    sequence = rng.randrange(1 if gender == "m" else 2, 995, 2)
    body = f"{rng.choice(c.ID_REGIONS)}{birth:%Y%m%d}{sequence:03d}"
    return body + id_number_check_character(body)


def facts_for(
    rng: random.Random,
    template: c.Template,
    towns: dict[str, tuple[str, ...]] | None = None,
    county: str = "",
) -> dict:
    """Return the made-up facts of one matter; ``towns`` (town → villages) of ``county`` is where it may happen."""
    towns = towns or c.TOWNS
    genders = template.genders or rng.choice("mf") + rng.choice("mf")
    town = rng.choice(list(towns))
    brand = rng.choice(c.BRANDS)
    facts = {
        "a_gender": genders[0],
        "r_gender": genders[1],
        "a": person_name(rng, genders[0]),
        "r": person_name(rng, genders[1]),
        "town": town,
        "village": rng.choice(towns[town]),
        "group": f"{rng.randint(1, 9)}组",
        "community": rng.choice(c.COMMUNITIES),
        "compound": rng.choice(c.COMPOUNDS),
        "building": f"{rng.randint(1, 18)}栋{rng.randint(1, 3)}单元",
        "street": rng.choice(c.STREETS),
        "no": rng.randint(1, 260),
        "project": rng.choice(c.PROJECTS),
        "company": f"{county or c.COUNTY}{brand}{rng.choice(c.COMPANY_KINDS)}",
        "property_co": rng.choice(c.PROPERTY_COMPANIES),
        "developer": rng.choice(c.DEVELOPERS),
        "hospital": rng.choice(c.HOSPITALS),
        "bike_shop": f"城关镇{brand}车业",
        "club": f"{brand}健身会所",
        "restaurant": f"{town}{brand}土菜馆",
        "insurer": c.INSURER,
        "n": rng.randint(3, 36),
        "money": f"{rng.uniform(1.5, 80):.1f}",
        "yuan": rng.randrange(1500, 60000, 100),
        "months": rng.randint(2, 10),
        "years": rng.randint(2, 15),
        "area": f"{rng.uniform(1.2, 30):.1f}",
    }
    facts["a_s"] = facts["a"][0] + "某"
    facts["r_s"] = facts["r"][0] + "某"
    facts["where"] = template.where.format_map(facts)
    if template.respondent != "person":
        facts["r"] = facts[template.respondent] if template.respondent else "相关责任单位"
    return facts


def parties_for(rng: random.Random, template: c.Template, facts: dict) -> list[PartyData]:
    home = f"{facts['town']}{facts['village']}{facts['group']}"
    parties = [
        PartyData(
            name=facts["a"],
            phone=mobile(rng),
            id_number=id_number(rng, facts["a_gender"]),
            role=Party.Role.APPLICANT,
            is_representative=template.group,
            address=home,
        )
    ]
    if template.group and rng.random() < 0.5:
        gender = rng.choice("mf")
        parties.append(
            PartyData(
                name=person_name(rng, gender),
                phone=mobile(rng),
                id_number=id_number(rng, gender),
                role=Party.Role.APPLICANT,
            )
        )
    if template.respondent == "person":
        known_id = rng.random() < 0.2
        parties.append(
            PartyData(
                name=facts["r"],
                phone=mobile(rng) if rng.random() < 0.85 else "",
                id_number=id_number(rng, facts["r_gender"]) if known_id else "",
                role=Party.Role.RESPONDENT,
            )
        )
    elif template.respondent:
        parties.append(PartyData(name=facts["r"], phone=landline(rng), role=Party.Role.RESPONDENT))
    if template.category == "traffic" and template.respondent == "person" and len(parties) < 3:
        parties.append(PartyData(name=c.INSURER, phone=landline(rng), role=Party.Role.OTHER))
    return parties[:3]
