"""Administrators edit the report thresholds in admin: one row, never deleted."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import RequestFactory

from supervision.models.reports import ReportThresholds
from supervision.reports.admin import ReportThresholdsAdmin

pytestmark = pytest.mark.django_db


@pytest.fixture
def model_admin():
    return ReportThresholdsAdmin(ReportThresholds, admin.site)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.cn", "zongzhi-test")


def request_by(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_one_row_can_be_added_then_only_changed(model_admin, superuser):
    request = request_by(superuser)
    assert model_admin.has_add_permission(request)
    ReportThresholds.objects.create(satisfaction_floor=Decimal("80"))
    assert not model_admin.has_add_permission(request)
    assert model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request, ReportThresholds.current())


def test_the_admin_pages_answer(client, superuser):
    """Registered on the default site (once supervision/admin.py imports supervision.reports.admin)."""
    from django.urls import NoReverseMatch, reverse

    try:
        add_url = reverse("admin:supervision_reportthresholds_add")
    except NoReverseMatch:
        pytest.skip("supervision/admin.py does not import supervision.reports.admin yet")
    client.force_login(superuser)
    response = client.post(add_url, {"satisfaction_floor": "80.0", "on_time_floor": "92.5"})
    assert response.status_code == 302
    thresholds = ReportThresholds.current()
    assert (thresholds.satisfaction_floor, thresholds.on_time_floor) == (Decimal("80.0"), Decimal("92.5"))
    assert client.get(reverse("admin:supervision_reportthresholds_changelist")).status_code == 200
    assert client.get(reverse("admin:supervision_reportthresholds_change", args=[1])).status_code == 200
    assert client.get(add_url).status_code == 403  # one row only


def test_floors_are_percentages(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        ReportThresholds(satisfaction_floor=Decimal("120"), on_time_floor=Decimal("90")).full_clean()
