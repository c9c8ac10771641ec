"""Fields of the cases API's input and references in its output: strict JSON types, bounded dates, departments."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.parsing import MAX_ID, is_ascii_digits
from departments.models import Department

TEXT_MAX = 5000
REASON_MAX = 2000
# Dates beyond these are typing errors, and far-off years overflow time-zone arithmetic.
EARLIEST, LATEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def validate_sane_datetime(value: dt.datetime) -> None:
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if not EARLIEST <= value < LATEST:
        raise serializers.ValidationError(_("日期应在 2000 年至 2100 年之间。"))


class BoundedDateTimeField(serializers.DateTimeField):
    default_validators = [validate_sane_datetime]


class StrictCharField(serializers.CharField):
    """Text that must arrive as a JSON string: a number or a list where text belongs is the client's bug."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """An integer that must arrive as a JSON integer (not "3", 3.0 or true)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=str(data)[:20])
        return data


# --- References ------------------------------------------------------------------------------


class DepartmentRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "slug", "name", "short_name"]


@extend_schema_field(
    {"oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "minLength": 1, "maxLength": 40}]}
)
class DepartmentField(serializers.Field):
    """A department named by its id or its slug."""

    default_error_messages = {
        "invalid": _("请用单位的 id（整数）或标识（slug）指定单位。"),
        "does_not_exist": _("单位“%(value)s”不存在。"),
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        if isinstance(data, int) or is_ascii_digits(data):
            lookup = {"pk": int(data)} if 0 < int(data) <= MAX_ID else None
        else:
            lookup = {"slug": data} if 0 < len(data) <= 40 else None
        department = Department.objects.filter(**lookup).first() if lookup else None
        if department is None:
            self.fail("does_not_exist", value=str(data)[:40])
        return department

    def to_representation(self, value):
        return value.slug


class SlugRefField(serializers.SlugRelatedField):
    """An active service or package by slug."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "slug")
        kwargs.setdefault(
            "error_messages",
            {
                "does_not_exist": _("“%(value)s”不存在。"),
                "invalid": _("请填写标识（slug）。"),
            },
        )
        super().__init__(**kwargs)


@extend_schema_field({"type": "string", "minLength": 1, "maxLength": 40})
class CenterField(serializers.Field):
    """A center named by its slug or its division code."""

    default_error_messages = {
        "invalid": _("请用中心的标识（slug）或行政区划代码指定中心。"),
        "does_not_exist": _("中心“%(value)s”不存在。"),
    }

    def to_internal_value(self, data):
        from departments.models import Center

        if not isinstance(data, str) or not 0 < len(data) <= 40:
            self.fail("invalid")
        lookup = {"code": data} if is_ascii_digits(data) else {"slug": data}
        center = Center.objects.filter(**lookup).first()
        if center is None:
            self.fail("does_not_exist", value=data[:40])
        return center

    def to_representation(self, value):
        return value.slug
