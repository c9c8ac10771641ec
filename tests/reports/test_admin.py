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


def test_the_list_goes_straight_to_the_row(model_admin, superuser):
    request = request_by(superuser)
    response = model_admin.changelist_view(request)
    assert response.status_code == 302 and response["Location"].endswith("/add/")
    ReportThresholds.objects.create()
    response = model_admin.changelist_view(request)
    assert response.status_code == 302 and response["Location"].endswith("/1/change/")


def test_floors_are_percentages(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        ReportThresholds(satisfaction_floor=Decimal("120"), on_time_floor=Decimal("90")).full_clean()
