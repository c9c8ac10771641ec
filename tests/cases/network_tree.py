"""A small network of centers for the flow tests: a city, two counties, townships, a coordinator at each.

420900 city
├── 420923 county A (the suite's ``center``)
│   ├── 420923101 township A1
│   └── 420923102 township A2
└── 420902 county B
    └── 420902101 township B1
"""

from dataclasses import dataclass

from cases.services import PartyData, case_create, case_start_assessment
from departments.models import Center, Level, Role

from ..factories import CenterFactory, StaffFactory


@dataclass
class Tree:
    city: Center
    county: Center
    a1: Center
    a2: Center
    county_b: Center
    b1: Center

    def staff(self, center: Center, role: str = Role.COORDINATOR):
        return StaffFactory(role=role, center=center).user


def build_tree(county: Center) -> Tree:
    city = CenterFactory(code="420900", name="孝感市综治中心", level=Level.CITY, slug="city")
    county.parent, county.name = city, "孝昌县综治中心"
    county.save()
    a1 = CenterFactory(code="420923101", name="花园镇综治中心", parent=county, slug="huayuan")
    a2 = CenterFactory(code="420923102", name="丰山镇综治中心", parent=county, slug="fengshan")
    county_b = CenterFactory(
        code="420902", name="孝南区综治中心", parent=city, level=Level.COUNTY, slug="xiaonan"
    )
    b1 = CenterFactory(code="420902101", name="书院街道综治中心", parent=county_b, slug="shuyuan")
    return Tree(city=city, county=county, a1=a1, a2=a2, county_b=county_b, b1=b1)


def take_in(center: Center, *, assess: bool = True, coordinator=None):
    """A case taken in at ``center`` by its reception, assessing (by its coordinator) unless ``assess`` is False."""
    reception = StaffFactory(role=Role.RECEPTION, center=center).user
    case = case_create(
        actor=reception,
        title="宅基地边界纠纷",
        description="两户村民因宅基地边界发生争执。",
        category="land",
        source="walk_in",
        location="花园镇某村",
        parties=[PartyData(name="王五", phone="13912345678", id_number="", role="applicant")],
        center=center,
    )
    if assess:
        coordinator = coordinator or StaffFactory(role=Role.COORDINATOR, center=center).user
        case = case_start_assessment(case=case, actor=coordinator)
    return case
