"""The grid member's phone-sized report: a 民情 lead at the right center, once, and who may use it."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from departments.models import Place
from risk.models import Lead, LeadPerson

pytestmark = pytest.mark.django_db


def form_data(township, place=None, **extra):
    return {
        "key": str(uuid.uuid4()),
        "text": "村民反映征地补偿款未发放，扬言集体上访",
        "occurred_at": (timezone.localtime() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "township": township.pk,
        "place": place.pk if place else "",
        "category": "land",
        "person1_name": "王五",
        "person1_phone": "13900001111",
        "person1_id_number": "11010519491231002X",
        "person2_name": "",
        "person2_phone": "",
        "person2_id_number": "",
        **extra,
    }


def test_the_form_offers_the_centers_townships_and_places(client, reception, township, other_township, grid):
    client.force_login(reception)
    response = client.get("/risk/report/")
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.fields["township"].queryset) == {township, other_township}
    assert set(form.fields["place"].queryset) == {grid.parent, grid}
    page = response.content.decode()
    assert 'name="viewport"' in page and 'type="datetime-local"' in page
    assert "risk/grid.css" in page and "<style" not in page
    assert form.initial["occurred_at"] <= timezone.localtime()


def test_a_report_lands_as_a_public_lead_at_the_staff_members_center(
    client, reception, center, township, grid
):
    client.force_login(reception)
    response = client.post("/risk/report/", form_data(township, grid))
    assert response.status_code == 302
    lead = Lead.objects.get()
    assert response.url == f"/risk/report/done/{lead.pk}/"
    assert (lead.feed, lead.center, lead.township, lead.place) == ("public", center, township, grid)
    assert lead.category == "land" and lead.external_id.startswith(f"grid-{reception.pk}-")
    assert LeadPerson.objects.get(lead=lead).phone == "13900001111"
    done = client.get(response.url).content.decode()
    assert f"线索编号 {lead.pk}" in done and 'href="/risk/report/"' in done


def test_a_double_submit_makes_one_lead(client, reception, township):
    client.force_login(reception)
    data = form_data(township)
    first = client.post("/risk/report/", data)
    second = client.post("/risk/report/", data)
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert Lead.objects.count() == 1
    # A new form (a new key) is a new report.
    client.post("/risk/report/", form_data(township))
    assert Lead.objects.count() == 2


def test_a_public_feed_clients_report_lands_at_its_clients_center(client, feed_client, township, village):
    grid_member = feed_client("public", at=township)
    client.force_login(grid_member.user)
    form = client.get("/risk/report/").context["form"]
    assert list(form.fields["township"].queryset) == [township]
    client.post("/risk/report/", form_data(township, village))
    lead = Lead.objects.get()
    assert (lead.received_center, lead.client, lead.place) == (township, grid_member, village)


def test_field_errors_in_chinese_and_nothing_written(client, reception, township, other_township):
    client.force_login(reception)
    other_place = Place.objects.create(township=other_township, kind=Place.Kind.VILLAGE, name="青石村")
    response = client.post(
        "/risk/report/", form_data(township, other_place, text="", person1_phone="12345", person2_name="李四")
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "text" in errors and "place" in errors
    assert not Lead.objects.exists()
    response = client.post("/risk/report/", form_data(township, person1_phone="12345"))
    assert response.status_code == 400
    assert "person1_phone" in response.context["form"].errors
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/risk/report/", form_data(township, occurred_at=future))
    assert "occurred_at" in response.context["form"].errors
    assert not Lead.objects.exists()


def test_who_may_report(client, liaison, leader, feed_client, coordinator, township):
    for user in (liaison, leader, feed_client("police").user):
        client.force_login(user)
        assert client.get("/risk/report/").status_code == 403
        assert client.post("/risk/report/", form_data(township)).status_code == 403
    client.logout()
    assert client.get("/risk/report/").status_code == 302
    client.force_login(coordinator)
    assert client.get("/risk/report/").status_code == 200
    assert not Lead.objects.exists()


def test_the_confirmation_is_only_the_reporters(client, reception, coordinator, township):
    client.force_login(reception)
    url = client.post("/risk/report/", form_data(township)).url
    client.force_login(coordinator)
    assert client.get(url).status_code == 404
