"""Serializers of the cases API: parse input for the services, render cases for clients.

No rules here: who may see what is decided by :mod:`cases.permissions`, what may be
done by the services.
"""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.fields import mask_name
from common.parsing import MAX_ID, is_ascii_digits
from departments.models import Department, Service, ServicePackage

from ..models import (
    TRANSITION_LABELS,
    Attachment,
    Case,
    CaseEvent,
    Category,
    Evaluation,
    HandlingRecord,
    Party,
    Rating,
    RedirectTarget,
    RiskColour,
    Source,
    State,
)
from ..permissions import may_print_receipt

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


# --- Parties ----------------------------------------------------------------------------------


class PartyInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=50)
    phone = StrictCharField(max_length=32, help_text="手机号或带区号的固定电话。")
    id_number = StrictCharField(max_length=32, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Party.Role.choices, default=Party.Role.APPLICANT)
    is_representative = StrictBooleanField(required=False, default=False)
    address = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


class PartySerializer(serializers.Serializer):
    """A party; phone and ID number masked unless ``context["personal_data"]`` is true."""

    name = serializers.CharField()
    phone = serializers.CharField()
    id_number = serializers.CharField()
    role = serializers.ChoiceField(choices=Party.Role.choices)
    is_representative = serializers.BooleanField()
    masked = serializers.BooleanField(help_text="为 true 时电话、身份证号（列表中还有姓名）已脱敏。")

    def to_representation(self, party: Party):
        return party_data(
            party, full=self.context.get("personal_data", False), bulk=self.context.get("bulk", False)
        )


def party_data(party: Party, *, full: bool, bulk: bool) -> dict:
    """Return a party as the API shows it: numbers in full only if ``full``, the name masked in bulk."""
    return {
        "name": mask_name(party.name) if bulk else party.name,
        "phone": str(party.phone) if full else party.phone.masked,
        "id_number": str(party.id_number) if full else party.id_number.masked,
        "role": party.role,
        "is_representative": party.is_representative,
        "masked": not full,
    }


def _datetime(value):
    """Render a time as DRF's DateTimeField does (ISO 8601 in the current time zone), only faster."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _parties(case: Case):
    prefetched = getattr(case, "party_list", None)
    return prefetched if prefetched is not None else case.parties.all()


def _co_departments(case: Case):
    prefetched = getattr(case, "co_department_list", None)
    return prefetched if prefetched is not None else case.co_departments.order_by("order", "id")


def _department(department):
    if department is None:
        return None
    return {
        "id": department.pk,
        "slug": department.slug,
        "name": department.name,
        "short_name": department.short_name,
    }


# --- Cases ------------------------------------------------------------------------------------


class CaseSummarySerializer(serializers.ModelSerializer):
    """A row of the case list: parties always masked (personal data is never shown in bulk)."""

    code_display = serializers.CharField(read_only=True)
    state = serializers.ChoiceField(choices=State.choices, read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    lead_department = DepartmentRefSerializer(read_only=True, allow_null=True)
    package = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    parties = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "code",
            "code_display",
            "title",
            "category",
            "source",
            "state",
            "state_label",
            "risk_colour",
            "lead_department",
            "package",
            "accept_by",
            "due_by",
            "is_problem",
            "version",
            "created_at",
            "updated_at",
            "parties",
            "url",
        ]

    @extend_schema_field(PartySerializer(many=True))
    def get_parties(self, case):
        return [party_data(p, full=False, bulk=True) for p in _parties(case)]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, case) -> str:
        return self._url_pattern("api:case-detail").replace("__code__", case.code)

    def _url_pattern(self, name: str) -> str:
        """Return the absolute URL of ``name`` for the code ``__code__``, built once per serializer."""
        cache = self.context.setdefault("_urls", {}) if isinstance(self.context, dict) else {}
        if name not in cache:
            path = reverse(name, args=["__code__"])
            request = self.context.get("request")
            cache[name] = request.build_absolute_uri(path) if request is not None else path
        return cache[name]

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def to_representation(self, case: Case) -> dict:
        # Written out rather than field by field: a 50-row page renders in a few milliseconds.
        # The declared fields above are what the schema documents; tests hold the two together.
        return {
            "code": case.code,
            "code_display": case.code_display,
            "title": case.title,
            "category": case.category,
            "source": case.source,
            "state": case.state,
            "state_label": str(State(case.state).label),  # get_state_display() hashes every choice
            "risk_colour": case.risk_colour,
            "lead_department": _department(case.lead_department),
            "package": case.package.slug if case.package_id else None,
            "accept_by": _datetime(case.accept_by),
            "due_by": _datetime(case.due_by),
            "is_problem": case.is_problem,
            "version": case.version,
            "created_at": _datetime(case.created_at),
            "updated_at": _datetime(case.updated_at),
            "parties": self.get_parties(case),
            "url": self.get_url(case),
        }


class CaseSerializer(CaseSummarySerializer):
    """One case in full; parties' numbers masked unless the caller's role needs them."""

    co_departments = DepartmentRefSerializer(many=True, read_only=True)
    tracking_url = serializers.SerializerMethodField()
    qr_url = serializers.SerializerMethodField()
    qr_png_url = serializers.SerializerMethodField()

    class Meta(CaseSummarySerializer.Meta):
        fields = [
            *CaseSummarySerializer.Meta.fields,
            "co_departments",
            "description",
            "location",
            "proposed_colour",
            "colour_reason",
            "instructions",
            "result",
            "redirect_target",
            "assigned_at",
            "accepted_at",
            "submitted_at",
            "closed_at",
            "is_collective",
            "people_count",
            "return_count",
            "send_back_count",
            "tracking_url",
            "qr_url",
            "qr_png_url",
        ]

    def _may_have_qr(self) -> bool:
        request = self.context.get("request")
        # Who gets the receipt's QR (it holds the party's secret key), as on the staff pages.
        return request is not None and may_print_receipt(request.user)

    @extend_schema_field(PartySerializer(many=True))
    def get_parties(self, case):
        full = self.context.get("personal_data", False)
        return [party_data(p, full=full, bulk=False) for p in _parties(case)]

    def to_representation(self, case: Case) -> dict:
        return {
            **super().to_representation(case),
            "co_departments": [_department(d) for d in _co_departments(case)],
            "description": case.description,
            "location": case.location,
            "proposed_colour": case.proposed_colour,
            "colour_reason": case.colour_reason,
            "instructions": case.instructions,
            "result": case.result,
            "redirect_target": case.redirect_target,
            "assigned_at": _datetime(case.assigned_at),
            "accepted_at": _datetime(case.accepted_at),
            "submitted_at": _datetime(case.submitted_at),
            "closed_at": _datetime(case.closed_at),
            "is_collective": case.is_collective,
            "people_count": case.people_count,
            "return_count": case.return_count,
            "send_back_count": case.send_back_count,
            "tracking_url": self.get_tracking_url(case),
            "qr_url": self.get_qr_url(case),
            "qr_png_url": self.get_qr_png_url(case),
        }

    @extend_schema_field(OpenApiTypes.URI)
    def get_tracking_url(self, case) -> str:
        """The party's link; with the QR's secret key only for those who print receipts."""
        return case.tracking_url(with_key=self._may_have_qr())

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_qr_url(self, case):
        return self._absolute(reverse("api:case-qr-svg", args=[case.code])) if self._may_have_qr() else None

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_qr_png_url(self, case):
        return self._absolute(reverse("api:case-qr-png", args=[case.code])) if self._may_have_qr() else None


class CaseCreateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=120)
    description = StrictCharField(max_length=TEXT_MAX)
    category = serializers.ChoiceField(choices=Category.choices)
    source = serializers.ChoiceField(choices=Source.choices)
    location = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    parties = PartyInputSerializer(many=True, min_length=1, max_length=50)
    requested_services = SlugRefField(
        many=True, required=False, queryset=Service.objects.filter(is_active=True), default=list
    )
    is_collective = StrictBooleanField(required=False, default=False)
    people_count = StrictIntegerField(min_value=1, max_value=10000, required=False, allow_null=True)


# --- Events and records -----------------------------------------------------------------------


class ActorSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    role = serializers.CharField(allow_blank=True)

    def to_representation(self, user):
        profile = getattr(user, "staff_profile", None) if _has_profile(user) else None
        return {
            "username": user.get_username(),
            "name": (profile.display_name if profile else "") or user.get_username(),
            "role": profile.role if profile else "",
        }


def _has_profile(user) -> bool:
    try:
        user.staff_profile  # noqa: B018
    except Exception:  # RelatedObjectDoesNotExist
        return False
    return True


class CaseEventSerializer(serializers.ModelSerializer):
    transition_label = serializers.SerializerMethodField()
    actor = ActorSerializer(read_only=True, allow_null=True, help_text="为空表示系统或当事人。")

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "transition",
            "transition_label",
            "from_state",
            "to_state",
            "actor",
            "reason",
            "data",
            "created_at",
        ]

    def get_transition_label(self, event) -> str:
        return str(TRANSITION_LABELS.get(event.transition, event.transition))


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "url", "created_at"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, attachment) -> str:
        path = reverse("api:case-attachment", args=[self.context["case_code"], attachment.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class HandlingRecordSerializer(serializers.ModelSerializer):
    public = serializers.BooleanField(source="is_public")
    department = DepartmentRefSerializer(read_only=True, allow_null=True)
    author = ActorSerializer(read_only=True, allow_null=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = HandlingRecord
        fields = ["id", "kind", "text", "public", "department", "author", "attachments", "created_at"]


class HandlingRecordCreateSerializer(serializers.Serializer):
    text = StrictCharField(max_length=TEXT_MAX)
    public = StrictBooleanField(required=False, default=False, help_text="是否向当事人公开。")
    kind = serializers.ChoiceField(choices=HandlingRecord.Kind.choices, default=HandlingRecord.Kind.PROGRESS)
    attachments = serializers.ListField(
        child=serializers.FileField(max_length=200, allow_empty_file=False),
        required=False,
        default=list,
        max_length=10,
        help_text="附件（multipart/form-data 上传，可多个）。",
    )


class AvailableTransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    url = serializers.URLField()


# --- Transition bodies ------------------------------------------------------------------------


class TransitionSerializer(serializers.Serializer):
    """Every transition takes ``version``: the case's version the client acted on (optional)."""

    version = StrictIntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="客户端看到的案件版本；与当前版本不符时返回 409。也可用 If-Match 头。",
    )


class ReasonSerializer(TransitionSerializer):
    reason = StrictCharField(max_length=REASON_MAX)


class OptionalReasonSerializer(TransitionSerializer):
    reason = StrictCharField(max_length=REASON_MAX, required=False, allow_blank=True, default="")


class AssignSerializer(TransitionSerializer):
    risk_colour = serializers.ChoiceField(choices=RiskColour.choices)
    lead_department = DepartmentField()
    co_departments = serializers.ListField(
        child=DepartmentField(), required=False, default=list, max_length=20
    )
    package = SlugRefField(
        queryset=ServicePackage.objects.filter(is_active=True), required=False, allow_null=True, default=None
    )
    instructions = StrictCharField(max_length=REASON_MAX, required=False, allow_blank=True, default="")
    due_by = BoundedDateTimeField(
        required=False, allow_null=True, default=None, help_text="调整后的办结期限（默认按时限规则）。"
    )
    due_by_reason = StrictCharField(max_length=REASON_MAX, required=False, allow_blank=True, default="")


class SubmitResultSerializer(TransitionSerializer):
    result = StrictCharField(max_length=TEXT_MAX)


class EvaluateSerializer(TransitionSerializer):
    rating = serializers.ChoiceField(choices=Rating.choices)
    comment = StrictCharField(max_length=1000, required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(
        choices=[(Evaluation.Channel.CALLBACK, _("电话回访")), (Evaluation.Channel.STAFF, _("工作人员代录"))],
        default=Evaluation.Channel.STAFF,
    )


class ReopenSerializer(ReasonSerializer):
    supervised = StrictBooleanField(required=False, default=False)


class RejectSerializer(ReasonSerializer):
    redirect_target = serializers.ChoiceField(
        choices=RedirectTarget.choices, required=False, allow_blank=True, default=""
    )
