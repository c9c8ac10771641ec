import datetime as dt

import time_machine
from django.urls import reverse

from departments.models import CalendarDay
from tests.factories import UserFactory


def test_admin_index_warns_until_next_year_is_loaded(client, db):
    admin = UserFactory(is_staff=True, is_superuser=True)
    with time_machine.travel(dt.datetime(2026, 11, 27, 10, 0), tick=False):
        client.force_login(admin)  # at the moment of the visit: an idle session is signed out
        assert "工作日历缺少 2027 年" in client.get(reverse("admin:index")).content.decode()
        CalendarDay.objects.create(date=dt.date(2027, 1, 1), is_workday=False, note="元旦")
        assert "工作日历缺少" not in client.get(reverse("admin:index")).content.decode()
