"""A small network for the 吹哨报到 tests: a county with two departments and a township under it."""

from dataclasses import dataclass

from cases.models import Case
from cases.services import case_accept, case_assign, case_create, case_start_assessment
from departments.models import Center, Department, Role
from tests.conftest import PARTIES
from tests.factories import CenterFactory, DepartmentFactory, StaffFactory


@dataclass
class Network:
    county: Center
    township: Center
    sibling: Center
    housing: Department  # a county department
    police: Department  # a county department
    sifasuo: Department  # the township's own
    township_coordinator: object
    sibling_coordinator: object
    county_coordinator: object
    county_leader: object
    housing_liaison: object
    police_liaison: object
    sifasuo_liaison: object
    township_reception: object

    def case(self, *, handling: bool = True, center: Center | None = None) -> Case:
        """A case taken in at the township, assigned to its 司法所 and accepted (unless ``handling`` is False)."""
        center = center or self.township
        reception = (
            self.township_reception
            if center == self.township
            else StaffFactory(role=Role.RECEPTION, center=center).user
        )
        coordinator = (
            self.township_coordinator
            if center == self.township
            else StaffFactory(role=Role.COORDINATOR, center=center).user
        )
        case = case_create(
            actor=reception, title="宅基地边界纠纷", description="两户因宅基地边界发生争执。", category="land",
            source="walk_in", location="白河村三组", parties=PARTIES, center=center,
        )  # fmt: skip
        if not handling:
            return case
        case = case_start_assessment(case=case, actor=coordinator)
        lead = self.sifasuo if center == self.township else DepartmentFactory(center=center)
        case = case_assign(case=case, actor=coordinator, risk_colour="yellow", lead_department=lead)
        liaison = (
            self.sifasuo_liaison
            if center == self.township
            else StaffFactory(role=Role.LIAISON, center=center, department=lead).user
        )
        return case_accept(case=case, actor=liaison)


def make_network(county: Center) -> Network:
    """Build the network under ``county`` (the suite's county center)."""
    township = CenterFactory(
        code="420923101", name="白河镇综治中心", parent=county, level="township", slug="baihe"
    )
    sibling = CenterFactory(
        code="420923102", name="城关镇综治中心", parent=county, level="township", slug="chengguan"
    )
    housing = DepartmentFactory(center=county, slug="housing", name="县住建局", short_name="住建", order=1)
    police = DepartmentFactory(center=county, slug="police", name="县公安局", short_name="公安", order=2)
    sifasuo = DepartmentFactory(center=township, slug="baihe-sifasuo", name="白河司法所", short_name="司法所")
    return Network(
        county=county,
        township=township,
        sibling=sibling,
        housing=housing,
        police=police,
        sifasuo=sifasuo,
        township_coordinator=StaffFactory(role=Role.COORDINATOR, center=township).user,
        sibling_coordinator=StaffFactory(role=Role.COORDINATOR, center=sibling).user,
        county_coordinator=StaffFactory(role=Role.COORDINATOR, center=county).user,
        county_leader=StaffFactory(role=Role.LEADER, center=county).user,
        housing_liaison=StaffFactory(role=Role.LIAISON, center=county, department=housing).user,
        police_liaison=StaffFactory(role=Role.LIAISON, center=county, department=police).user,
        sifasuo_liaison=StaffFactory(role=Role.LIAISON, center=township, department=sifasuo).user,
        township_reception=StaffFactory(role=Role.RECEPTION, center=township).user,
    )
