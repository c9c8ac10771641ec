"""Personal data (phone and ID numbers): one field type for reading, writing and masking.

Every phone and ID number in the project goes through :class:`PersonalDataField`. It is
encrypted at rest (authenticated encryption, a random IV per value: :mod:`common.pii`) and found
through its companion :class:`BlindIndexField` (a keyed hash of the normalised value), declared
next to it as ``<field>_index``. ``filter(phone=x)`` and ``filter(phone__in=[...])`` compare
blind indexes, transparently; any other lookup (contains, startswith, gt…) is impossible on
ciphertext and is refused (ordering by the column runs, and means nothing). Values come back as
:class:`PersonalValue` strings that know how to mask themselves.
"""

import re

from django.core import checks
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, FieldError, ImproperlyConfigured
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.expressions import Col
from django.db.models.lookups import Lookup
from django.db.models.signals import pre_save

from . import pii

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


# Room for a Fernet token of the longest plaintext (32 characters → 140 base64 characters).
STORED_MAX_LENGTH = 255
PLAIN_MAX_LENGTH = 32


def index_name(field_name: str) -> str:
    """Return the name of a personal-data field's blind index companion."""
    return f"{field_name}_index"


class PersonalDataField(models.CharField):
    """A phone or ID number: normalised on write, encrypted at rest, masked on demand.

    Searchable only by exact value, through the ``<name>_index`` :class:`BlindIndexField`
    the model declares next to it (a system check makes sure it does).
    """

    allowed_lookups = ("exact", "in", "isnull")

    def __init__(self, *args, kind: str = KIND_PHONE, **kwargs):
        self.kind = kind
        kwargs.setdefault("max_length", STORED_MAX_LENGTH)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)
        # CharField's own length check would count stored characters; the plaintext is what is typed.
        self.validators.append(MaxLengthValidator(PLAIN_MAX_LENGTH))

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def wrap(self, value) -> PersonalValue:
        return PersonalValue(normalize(self.kind, value), self.kind)

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        setattr(cls, self.attname, _PersonalDescriptor(self))
        if not cls._meta.abstract:
            pre_save.connect(
                _refuse_stale_index, sender=cls, weak=False, dispatch_uid=f"pii:{cls._meta.label}"
            )

    def from_db_value(self, value, expression, connection):
        return self.wrap(pii.decrypt(value))

    def get_prep_value(self, value):
        return normalize(self.kind, super().get_prep_value(value))

    def get_db_prep_save(self, value, connection):
        if hasattr(value, "as_sql"):
            return value
        return pii.encrypt(self.get_prep_value(value))

    def formfield(self, **kwargs):
        kwargs.setdefault("max_length", PLAIN_MAX_LENGTH)
        return super().formfield(**kwargs)

    def get_lookup(self, lookup_name):
        if lookup_name not in self.allowed_lookups:
            raise FieldError(
                f"{self.model.__name__}.{self.name} is encrypted: only exact and 'in' lookups "
                f"(through its blind index) are possible, not '{lookup_name}'."
            )
        return super().get_lookup(lookup_name)

    def check(self, **kwargs):
        return [*super().check(**kwargs), *self._check_blind_index()]

    def _check_blind_index(self):
        try:
            companion = self.model._meta.get_field(index_name(self.name))
        except FieldDoesNotExist:
            companion = None
        if isinstance(companion, BlindIndexField) and companion.source == self.name:
            return []
        return [
            checks.Error(
                f"{self.model.__name__}.{self.name} has no blind index.",
                hint=f'Declare {index_name(self.name)} = BlindIndexField(source="{self.name}") next to it.',
                obj=self,
                id="common.E001",
            )
        ]


def _refuse_stale_index(sender, instance, update_fields=None, **kwargs):
    """Refuse ``save(update_fields=[...])`` naming a personal field without its blind index."""
    if not update_fields:
        return
    for field in sender._meta.concrete_fields:
        stale = field.name in update_fields and index_name(field.name) not in update_fields
        if isinstance(field, PersonalDataField) and stale:
            raise ImproperlyConfigured(
                f"save(update_fields=...) names {field.name} but not {index_name(field.name)}: "
                "the blind index would go stale."
            )


class BlindIndexField(models.CharField):
    """The keyed hash of a personal-data field's normalised value, kept right on every save."""

    def __init__(self, *args, source: str = "", **kwargs):
        self.source = source
        kwargs.setdefault("max_length", pii.INDEX_LENGTH)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            # The same type, spelled so that PostgreSQL gets no second (varchar_pattern_ops) index
            # for LIKE, useless on a hash: every insert would maintain it.
            return f"character varying({self.max_length})"
        return super().db_type(connection)

    def pre_save(self, model_instance, add):
        source = model_instance._meta.get_field(self.source)
        value = pii.blind_index(source.kind, getattr(model_instance, source.attname))
        setattr(model_instance, self.attname, value)
        return value


class _BlindIndexLookup(Lookup):
    """Compare a personal-data field's blind index with those of the wanted value(s)."""

    prepare_rhs = False

    def get_prep_lookup(self):
        return self.rhs

    def wanted(self) -> list:
        raise NotImplementedError

    def as_sql(self, compiler, connection):
        field = self.lhs.output_field
        if not isinstance(self.lhs, Col) or hasattr(self.rhs, "resolve_expression"):
            raise FieldError(f"{field.name} is encrypted: compare it with values, not with expressions.")
        index_column = Col(self.lhs.alias, field.model._meta.get_field(index_name(field.name)))
        digests = sorted(
            {
                d
                for value in self.wanted()
                for d in pii.blind_indexes(field.kind, normalize(field.kind, value))
            }
        )
        if not digests:
            raise EmptyResultSet
        sql, params = compiler.compile(index_column)
        return f"{sql} IN ({', '.join(['%s'] * len(digests))})", (*params, *digests)


@PersonalDataField.register_lookup
class PersonalExact(_BlindIndexLookup):
    lookup_name = "exact"

    def wanted(self):
        return [self.rhs]


@PersonalDataField.register_lookup
class PersonalIn(_BlindIndexLookup):
    lookup_name = "in"

    def wanted(self):
        if isinstance(self.rhs, str):
            raise FieldError("An 'in' lookup wants a list of values.")
        return [value for value in self.rhs if value is not None]


class EncryptedJSONField(models.TextField):
    """JSON data stored as one authenticated-encryption token; read back exactly as written."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return pii.decrypt_json(value)

    def get_db_prep_save(self, value, connection):
        if value is None or hasattr(value, "as_sql"):
            return value
        return pii.encrypt_json(value)

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError(f"{self.name} is encrypted: it cannot be searched.")
        return super().get_lookup(lookup_name)
