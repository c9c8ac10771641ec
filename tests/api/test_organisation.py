"""Departments, services, packages and the duty board."""

import datetime as dt

from django.utils import timezone

from departments.models import DutyAssignment
from tests.factories import DepartmentFactory, ServiceFactory, ServicePackageFactory

from .conftest import error_of, url


def test_departments_with_id_slug_and_name(
    api, department, other_department, center, django_assert_max_num_queries
):
    DepartmentFactory(center=center, slug="old", is_active=False)
    with django_assert_max_num_queries(3):
        response = api.liaison.get(url("departments/"))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    rows = {row["slug"]: row for row in body["results"]}
    assert rows["court"] == {
        "id": department.pk,
        "slug": "court",
        "name": "县人民法院",
        "short_name": "法院",
        "kind": "standing",
        "is_active": True,
    }
    active = api.liaison.get(url("departments/"), {"is_active": "true"}).json()["results"]
    assert {r["slug"] for r in active} == {"court", "police"}
    assert api.liaison.get(url("departments/"), {"kind": "alien"}).status_code == 400
    assert api.liaison.get(url("departments/"), {"page": 99}).status_code == 404


def test_services_and_packages(api, django_assert_max_num_queries):
    mediation, arbitration = (
        ServiceFactory(slug="mediation", name="调解"),
        ServiceFactory(slug="arbitration", name="仲裁"),
    )
    for i in range(5):
        ServicePackageFactory(slug=f"pkg-{i}").services.set([mediation, arbitration])

    services = api.reception.get(url("services/")).json()["results"]
    assert [s["slug"] for s in services] == ["mediation", "arbitration"]
    with django_assert_max_num_queries(4):
        packages = api.reception.get(url("packages/")).json()["results"]
    assert len(packages) == 5
    assert [s["slug"] for s in packages[0]["services"]] == ["mediation", "arbitration"]


def test_duty_board_shows_who_is_on_duty_today(api, center):
    today = timezone.localdate()
    DutyAssignment.objects.create(
        center=center,
        position="first_director",
        person_name="王书记",
        title="县委书记",
        phone="0716-1111111",
        start_date=today - dt.timedelta(days=30),
    )
    DutyAssignment.objects.create(
        center=center,
        position="duty_director",
        person_name="旧值班",
        start_date=today - dt.timedelta(days=30),
        end_date=today - dt.timedelta(days=1),
    )
    rows = api.leader.get(url("duty-board/")).json()["results"]
    assert [(r["position"], r["person_name"], r["position_label"]) for r in rows] == [
        ("first_director", "王书记", "第一主任")
    ]


def test_organisation_lists_need_a_token(api):
    for path in ("departments/", "services/", "packages/", "duty-board/"):
        response = api.anon.get(url(path))
        assert response.status_code == 401
        error_of(response)
