"""Serializers of the cases API: parse input for the services, render cases for clients.

No rules here: who may see what is decided by :mod:`cases.permissions` (``sees_personal_data``),
what may be done by the services. The case and its parties are here; the input fields in
:mod:`.fields`, the log (events, records, attachments) in :mod:`.record_serializers`, the
transitions' bodies in :mod:`.transition_serializers`, all re-exported from this module.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from departments.models import Place, Service
from departments.places import places_under

from ..models import Case, Category, Party, Source, State
from ..permissions import RECEIPT_ROLES, may_print_receipt
from .fields import (
    EARLIEST,
    LATEST,
    REASON_MAX,
    TEXT_MAX,
    BoundedDateTimeField,
    DepartmentField,
    DepartmentRefSerializer,
    SlugRefField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    validate_sane_datetime,
)
from .record_serializers import (
    ActorSerializer,
    AttachmentSerializer,
    AvailableTransitionSerializer,
    CaseEventSerializer,
    HandlingRecordCreateSerializer,
    HandlingRecordMultipartSerializer,
    HandlingRecordSerializer,
)
from .transition_serializers import (
    AssignSerializer,
    EvaluateSerializer,
    OptionalReasonSerializer,
    ReasonSerializer,
    RejectSerializer,
    ReopenSerializer,
    SubmitResultSerializer,
    TransitionSerializer,
)

__all__ = [
    "EARLIEST",
    "LATEST",
    "QR_ROLES",
    "REASON_MAX",
    "TEXT_MAX",
    "ActorSerializer",
    "AssignSerializer",
    "AttachmentSerializer",
    "AvailableTransitionSerializer",
    "BoundedDateTimeField",
    "CaseCreateSerializer",
    "CaseEventSerializer",
    "CaseSerializer",
    "CaseSummarySerializer",
    "DepartmentField",
    "DepartmentRefSerializer",
    "EvaluateSerializer",
    "HandlingRecordCreateSerializer",
    "HandlingRecordMultipartSerializer",
    "HandlingRecordSerializer",
    "OptionalReasonSerializer",
    "PartyInputSerializer",
    "PartySerializer",
    "ReasonSerializer",
    "RejectSerializer",
    "ReopenSerializer",
    "SlugRefField",
    "StrictBooleanField",
    "StrictCharField",
    "StrictIntegerField",
    "SubmitResultSerializer",
    "TransitionSerializer",
    "party_data",
    "validate_sane_datetime",
]

# Who gets the receipt's QR (it holds the party's secret key): the one rule, as on the staff pages.
QR_ROLES = RECEIPT_ROLES


# --- Parties ----------------------------------------------------------------------------------


class PartyInputSerializer(serializers.Serializer):
    name = StrictCharField(max_length=50)
    phone = StrictCharField(max_length=32, help_text="手机号或带区号的固定电话。")
    id_number = StrictCharField(max_length=32, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Party.Role.choices, default=Party.Role.APPLICANT)
    is_representative = StrictBooleanField(required=False, default=False)
    address = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(
        choices=Party.Kind.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="person（自然人）或 organisation（单位）；不填则按名称判断。单位名称在列表中不脱敏。",
    )


class PartySerializer(serializers.Serializer):
    """A party; phone and ID number masked unless ``context["personal_data"]`` is true."""

    id = serializers.IntegerField(help_text="当事人 id，用于查看完整号码（reveal）。")
    name = serializers.CharField()
    phone = serializers.CharField()
    id_number = serializers.CharField()
    role = serializers.ChoiceField(choices=Party.Role.choices)
    kind = serializers.ChoiceField(
        choices=Party.Kind.choices, help_text="person（自然人）或 organisation（单位）。"
    )
    is_representative = serializers.BooleanField()
    masked = serializers.BooleanField(
        help_text="为 true 时电话、身份证号（列表中还有自然人的姓名）已脱敏；单位名称不脱敏。"
    )

    def to_representation(self, party: Party):
        return party_data(
            party, full=self.context.get("personal_data", False), bulk=self.context.get("bulk", False)
        )


def party_data(party: Party, *, full: bool, bulk: bool) -> dict:
    """Return a party as the API shows it: numbers in full only if ``full``, the name masked in bulk."""
    return {
        "id": party.pk,
        "name": party.name_masked if bulk else party.name,
        "phone": str(party.phone) if full else party.phone.masked,
        "id_number": str(party.id_number) if full else party.id_number.masked,
        "role": party.role,
        "kind": party.kind,
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
    center = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        help_text="现在承办本案的综治中心（标识）；上报、下派、移交后随之改变。",
    )
    parties = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "code",
            "code_display",
            "center",
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
            "center": case.center.slug,
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


class PlaceRefSerializer(serializers.Serializer):
    """Where the matter happened: a village or community (村/社区), or a grid (网格) in one."""

    code = serializers.CharField(help_text="村（社区）为 12 位统计用区划代码；网格为其代码加序号。")
    name = serializers.CharField(help_text="名称；网格带所属村（社区），如“白鹤村·第一网格”。")
    kind = serializers.ChoiceField(choices=Place.Kind.choices)
    township = serializers.CharField(help_text="所属乡镇（街道）的 9 位代码。")


def _place(place: Place | None) -> dict | None:
    if place is None:
        return None
    return {"code": place.code, "name": str(place), "kind": place.kind, "township": place.township.code}


class CaseSerializer(CaseSummarySerializer):
    """One case in full; parties' numbers masked unless the caller's role needs them."""

    co_departments = DepartmentRefSerializer(many=True, read_only=True)
    mediated_by = DepartmentRefSerializer(
        read_only=True, allow_null=True, help_text="调解协议的调解组织（盖章单位）。"
    )
    place = PlaceRefSerializer(read_only=True, allow_null=True, help_text="所在村（社区）/网格。")
    tracking_url = serializers.SerializerMethodField()
    qr_url = serializers.SerializerMethodField()
    qr_png_url = serializers.SerializerMethodField()

    class Meta(CaseSummarySerializer.Meta):
        fields = [
            *CaseSummarySerializer.Meta.fields,
            "co_departments",
            "description",
            "location",
            "place",
            "proposed_colour",
            "colour_reason",
            "instructions",
            "result",
            "result_kind",
            "agreement_terms",
            "judicial_confirmation",
            "mediated_by",
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

    def _may_have_qr(self, case) -> bool:
        request = self.context.get("request")
        return request is not None and may_print_receipt(request.user, case)

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
            "place": _place(case.place),
            "proposed_colour": case.proposed_colour,
            "colour_reason": case.colour_reason,
            "instructions": case.instructions,
            "result": case.result,
            "result_kind": case.result_kind,
            "agreement_terms": case.agreement_terms,
            "judicial_confirmation": case.judicial_confirmation,
            "mediated_by": _department(case.mediated_by) if case.mediated_by_id else None,
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
        return case.tracking_url(with_key=self._may_have_qr(case))

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_qr_url(self, case):
        return (
            self._absolute(reverse("api:case-qr-svg", args=[case.code])) if self._may_have_qr(case) else None
        )

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_qr_png_url(self, case):
        return (
            self._absolute(reverse("api:case-qr-png", args=[case.code])) if self._may_have_qr(case) else None
        )


class CaseCreateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=120)
    description = StrictCharField(max_length=TEXT_MAX)
    category = serializers.ChoiceField(choices=Category.choices)
    source = serializers.ChoiceField(choices=Source.choices)
    location = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    place = StrictCharField(
        max_length=20,
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        help_text="所在村（社区）/网格的代码，须在本中心辖区内（乡镇中心：本乡镇；县级中心：所辖乡镇）。",
    )
    parties = PartyInputSerializer(many=True, min_length=1, max_length=50)
    requested_services = SlugRefField(
        many=True, required=False, queryset=Service.objects.filter(is_active=True), default=list
    )
    is_collective = StrictBooleanField(required=False, default=False)
    people_count = StrictIntegerField(min_value=1, max_value=10000, required=False, allow_null=True)

    def validate_place(self, value: str | None) -> Place | None:
        """Return the place with this code under the center the case is taken in at (the caller's)."""
        if not value:
            return None
        place = places_under(self.context.get("center")).filter(code=value).first()
        if place is None:
            raise serializers.ValidationError(_("所选村（社区）/网格不在本中心辖区内。"))
        return place
