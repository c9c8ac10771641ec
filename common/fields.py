"""Personal data (phone and ID numbers): one field type for reading, writing and masking.

Every phone and ID number in the project goes through :class:`PersonalDataField`, so that
protecting them further (encryption at rest with a blind index, say) changes this module only.
Values come back as :class:`PersonalValue` strings that know how to mask themselves.
"""

import re

from django.db import models

KIND_PHONE = "phone"
KIND_ID_NUMBER = "id_number"


def normalize(kind: str, value: str | None) -> str:
    """Return the canonical stored form: no spaces or dashes in phones, upper-case X in IDs."""
    if not value:
        return ""
    value = str(value).strip()
    if kind == KIND_PHONE:
        value = re.sub(r"[\s()]", "", value)
        # Keep the dash before a landline extension (0716-1234567-123); drop the others.
        if re.fullmatch(r"0\d{2,3}-?\d{7,8}-\d{1,6}", value):
            head, extension = value.rsplit("-", 1)
            return head.replace("-", "") + "-" + extension
        return value.replace("-", "")
    return re.sub(r"\s", "", value).upper()


def mask(kind: str, value: str | None) -> str:
    """Return the value masked for display in bulk (phones 138****5678, IDs 4209**********123X)."""
    if not value:
        return ""
    if kind == KIND_PHONE:
        if len(value) <= 4:
            return "*" * len(value)
        keep_head = 3 if len(value) >= 11 else max(0, len(value) - 8)
        return value[:keep_head] + "*" * (len(value) - keep_head - 4) + value[-4:]
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_name(name: str | None) -> str:
    """Mask a person's name: keep the family name (张**, 欧阳*)."""
    if not name:
        return ""
    name = str(name)
    if len(name) == 1:
        return name
    head = 2 if len(name) >= 4 else 1
    return name[:head] + "*" * (len(name) - head)


class PersonalValue(str):
    """A phone or ID number that can mask itself."""

    kind = ""

    def __new__(cls, value: str, kind: str):
        obj = super().__new__(cls, value)
        obj.kind = kind
        return obj

    @property
    def masked(self) -> str:
        return mask(self.kind, str(self))

    @property
    def last4(self) -> str:
        return str(self)[-4:]

    def __reduce__(self):
        return (PersonalValue, (str(self), self.kind))


class _PersonalDescriptor:
    def __init__(self, field):
        self.field = field

    def __get__(self, instance, owner):
        if instance is None:
            return self
        return instance.__dict__.get(self.field.attname, "")

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = self.field.wrap(value)


class PersonalDataField(models.CharField):
    """A phone or ID number, normalised on write and masked on demand."""

    def __init__(self, *args, kind: str = KIND_PHONE, **kwargs):
        self.kind = kind
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def wrap(self, value) -> PersonalValue:
        return PersonalValue(normalize(self.kind, value), self.kind)

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        setattr(cls, self.attname, _PersonalDescriptor(self))

    def from_db_value(self, value, expression, connection):
        return self.wrap(value)

    def get_prep_value(self, value):
        return normalize(self.kind, super().get_prep_value(value))
