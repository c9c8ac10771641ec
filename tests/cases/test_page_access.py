"""Every staff page refuses anonymous visitors (to the log-in page) and the roles it is not for (403)."""

import pytest
from django.urls import reverse

from cases.services import case_assign, case_start_assessment

ROLES = ["reception", "coordinator", "leader", "liaison", "admin_user"]

# url name → (needs a case code, roles allowed)
PAGES = {
    "cases:intake": (False, {"reception", "coordinator", "admin_user"}),
    "cases:intake_lookup": (False, {"reception", "coordinator", "admin_user"}),
    "cases:search": (False, {"reception", "coordinator", "leader", "liaison", "admin_user"}),
    "cases:workbench": (False, {"coordinator", "admin_user"}),
    "cases:department_desk": (False, {"liaison"}),
    "cases:inbox": (False, {"reception", "coordinator", "leader", "liaison", "admin_user"}),
    "cases:receipt": (True, {"reception", "coordinator", "admin_user"}),
    "cases:detail": (True, {"reception", "coordinator", "leader", "liaison", "admin_user"}),
}


@pytest.fixture
def assigned(new_case, coordinator, department):
    case = case_start_assessment(case=new_case(), actor=coordinator)
    return case_assign(case=case, actor=coordinator, risk_colour="blue", lead_department=department)


# Pages that take phone or ID numbers only in a POST body (a GET is 405 for the roles allowed).
POST_ONLY = {"cases:intake_lookup"}


def url_for(name, case):
    needs_code, _roles = PAGES[name]
    return reverse(name, args=[case.code]) if needs_code else reverse(name)


def fetch(client, name, case):
    return (client.post if name in POST_ONLY else client.get)(url_for(name, case))


@pytest.mark.parametrize("name", sorted(PAGES))
def test_anonymous_visitors_are_sent_to_log_in(client, assigned, name):
    response = fetch(client, name, assigned)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_role_gets_its_pages_and_403_elsewhere(client, assigned, name, role, request):
    client.force_login(request.getfixturevalue(role))
    response = fetch(client, name, assigned)
    expected = 200 if role in PAGES[name][1] else 403
    assert response.status_code == expected, (name, role)


def test_a_user_without_a_role_sees_no_staff_page(client, assigned, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    for name in PAGES:
        assert fetch(client, name, assigned).status_code == 403, name
    assert client.get(reverse("home")).status_code == 403
