"""吹哨报到 over HTTP: the same rules as the service and the page, in the API's shapes."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import WhistleSummons
from cases.permissions import may_blow_whistle, may_report_summons
from cases.services import whistle_blow
from tests.cases.whistle_network import make_network
from tests.factories import DepartmentFactory


def token_client(user) -> APIClient:
    """A token client for ``user`` (one token per user, reused)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def network(center):
    return make_network(center)


def whistles_url(case):
    return f"/api/v1/cases/{case.code}/whistles/"


def report_url(summons):
    return f"/api/v1/summonses/{summons.pk}/report/"


BODY = {"departments": ["housing", "police"], "urgency": "urgent", "reason": "涉及规划红线，请到场。"}


def test_blow_list_and_report(network, clock):
    case = network.case()
    coordinator = token_client(network.township_coordinator)
    response = coordinator.post(whistles_url(case), BODY, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["case"] == case.code and body["center"] == "baihe" and body["hours"] == 2
    assert [s["department"] for s in body["summonses"]] == ["housing", "police"]
    assert {s["status"] for s in body["summonses"]} == {"waiting"}

    listed = coordinator.get(whistles_url(case)).json()
    assert [w["id"] for w in listed] == [body["id"]]

    housing = token_client(network.housing_liaison)
    waiting = housing.get("/api/v1/summonses/?status=waiting").json()
    assert [s["case"] for s in waiting["results"]] == [case.code]
    summons_id = waiting["results"][0]["id"]

    clock.shift(dt.timedelta(hours=2, minutes=59))  # late by 59 minutes: "1 hour"
    response = housing.post(
        f"/api/v1/summonses/{summons_id}/report/", {"attendee": "王强 副局长"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "reported" and response.json()["late"] is True
    assert response.json()["late_hours"] == 1
    assert housing.get("/api/v1/summonses/?status=waiting").json()["results"] == []
    assert len(housing.get("/api/v1/summonses/?status=reported").json()["results"]) == 1

    again = housing.post(f"/api/v1/summonses/{summons_id}/report/", {"attendee": "王强"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_reported"
    # Now a co-department: the case is in its list and it may add a 协办情况 record.
    records = housing.post(
        f"/api/v1/cases/{case.code}/records/", {"kind": "cooperation", "text": "已核对红线。"}, format="json"
    )
    assert records.status_code == 201, records.json()


def test_blow_refusals(network):
    case = network.case()
    coordinator = token_client(network.township_coordinator)
    bad = coordinator.post(whistles_url(case), {**BODY, "departments": ["baihe-sifasuo"]}, format="json")
    assert bad.status_code == 400 and "departments" in bad.json()["error"]["fields"]
    DepartmentFactory(center=network.sibling, slug="other-township")
    bad = coordinator.post(whistles_url(case), {**BODY, "departments": ["other-township"]}, format="json")
    assert bad.status_code == 400
    bad = coordinator.post(whistles_url(case), {**BODY, "departments": ["housing", "housing"]}, format="json")
    assert bad.status_code == 400 and "departments" in bad.json()["error"]["fields"]
    bad = coordinator.post(whistles_url(case), {**BODY, "departments": []}, format="json")
    assert bad.status_code == 400
    bad = coordinator.post(whistles_url(case), {**BODY, "urgency": "soon", "reason": ""}, format="json")
    assert bad.status_code == 400 and {"urgency", "reason"} <= set(bad.json()["error"]["fields"])

    # The sibling township does not see the case at all; the county overseeing it may not blow.
    assert (
        token_client(network.sibling_coordinator).post(whistles_url(case), BODY, format="json").status_code
        == 404
    )
    assert (
        token_client(network.county_coordinator).post(whistles_url(case), BODY, format="json").status_code
        == 403
    )
    assert (
        token_client(network.sifasuo_liaison).post(whistles_url(case), BODY, format="json").status_code == 403
    )
    assert not case.whistles.exists()


def test_blow_on_a_closed_case_is_a_conflict(network):
    from cases.models import Case

    case = network.case()
    Case.objects.filter(pk=case.pk).update(state="closed")
    response = token_client(network.township_coordinator).post(whistles_url(case), BODY, format="json")
    assert response.status_code == 409


def test_report_refusals(network):
    case = network.case()
    summons = whistle_blow(
        case=case,
        actor=network.township_coordinator,
        departments=[network.housing],
        urgency="normal",
        reason="x",
    ).summonses.get()
    # Not summoned: the police do not see the case, so not the summons either.
    assert (
        token_client(network.police_liaison).post(report_url(summons), {"attendee": "a"}).status_code == 404
    )
    # The township's coordinator sees the case but is not the summoned department.
    assert (
        token_client(network.township_coordinator).post(report_url(summons), {"attendee": "a"}).status_code
        == 403
    )
    missing = token_client(network.housing_liaison).post(report_url(summons), {"attendee": ""}, format="json")
    assert missing.status_code == 400 and "attendee" in missing.json()["error"]["fields"]
    assert token_client(network.township_coordinator).get("/api/v1/summonses/").status_code == 403
    bad = token_client(network.housing_liaison).get("/api/v1/summonses/?status=late")
    assert bad.status_code == 400


def test_page_and_api_agree_on_who_may_blow_and_report(network, client):
    case = network.case()
    whistle = whistle_blow(
        case=case,
        actor=network.township_coordinator,
        departments=[network.housing],
        urgency="normal",
        reason="x",
    )
    summons = whistle.summonses.get()
    users = [
        network.township_coordinator, network.sibling_coordinator, network.county_coordinator, network.county_leader,
        network.township_reception, network.sifasuo_liaison, network.housing_liaison, network.police_liaison,
    ]  # fmt: skip
    page_url = reverse("cases:detail", args=[case.code])
    for user in users:
        client.force_login(user)
        page = client.get(page_url)
        html = page.content.decode() if page.status_code == 200 else ""
        assert ('name="whistle-reason"' in html) == may_blow_whistle(user, case), user
        assert (f'name="report-{summons.pk}-attendee"' in html) == may_report_summons(user, summons), user
        api_blow = token_client(user).post(
            whistles_url(case), {**BODY, "departments": ["police"]}, format="json"
        )
        assert (api_blow.status_code == 201) == may_blow_whistle(user, case), (user, api_blow.status_code)
        if api_blow.status_code == 201:
            WhistleSummons.objects.filter(whistle_id=api_blow.json()["id"]).delete()
            case.whistles.filter(pk=api_blow.json()["id"]).delete()
    for user in users:
        allowed = may_report_summons(user, summons)
        response = token_client(user).post(report_url(summons), {"attendee": "到场人员 职务"}, format="json")
        assert (response.status_code == 200) == allowed, (user, response.status_code)
