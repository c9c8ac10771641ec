"""``GET /api/v1/leads/``: the screening queue over the API, the same selector as the page."""

import django_filters
from django import forms
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, generics, serializers

from common.api import StrictFilterSetMixin, StrictPageNumberPagination, errors

from ..models import Feed, Lead
from ..permissions import sees_leads
from ..selectors import ALL, OPEN, leads_for

MAX_SCORE = 10_000


class LeadPagination(StrictPageNumberPagination):
    page_size = 50


class LeadPersonSerializer(serializers.Serializer):
    """A person of a lead, masked as in every list: 王*, 139****1111, 1101**********002X."""

    name = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()
    role = serializers.CharField()

    def get_name(self, person) -> str:
        return person.name_masked

    def get_phone(self, person) -> str:
        return getattr(person.phone, "masked", "") or ""

    def get_id_number(self, person) -> str:
        return getattr(person.id_number, "masked", "") or ""


class LeadSerializer(serializers.ModelSerializer):
    place = serializers.CharField(source="place_text", help_text="线索所报地点（原文）。")
    place_name = serializers.SerializerMethodField(help_text="匹配到的村（社区）/网格名称。")
    township = serializers.SerializerMethodField(help_text="乡镇（街道）综治中心名称。")
    township_code = serializers.SerializerMethodField()
    center = serializers.CharField(source="center.code", help_text="线索所在研判队列的中心代码。")
    reasons = serializers.JSONField(help_text='命中规则：[{"rule", "kind", "weight", "explanation"}]。')
    people = LeadPersonSerializer(many=True, read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "feed",
            "external_id",
            "occurred_at",
            "score",
            "proposed_colour",
            "reasons",
            "state",
            "center",
            "place",
            "place_name",
            "township",
            "township_code",
            "escalation_probability",
            "people",
        ]

    def get_place_name(self, lead) -> str | None:
        return lead.place.name if lead.place_id else None

    def get_township(self, lead) -> str | None:
        return lead.township.name if lead.township_id else None

    def get_township_code(self, lead) -> str | None:
        return lead.township.code if lead.township_id else None


class ScoreField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_SCORE)
        kwargs.setdefault("error_messages", {"invalid": _("应为整数。")})
        super().__init__(**kwargs)


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": MAX_SCORE})
class ScoreFilter(django_filters.Filter):
    field_class = ScoreField


STATE_CHOICES = [(OPEN, "待处置（待研判、持续关注、已交乡镇）"), (ALL, "全部"), *Lead.State.choices]


class LeadFilter(StrictFilterSetMixin, django_filters.FilterSet):
    """Validates the query; the selector applies it (so the page and the API filter alike)."""

    feed = django_filters.ChoiceFilter(
        choices=Feed.choices, help_text="数据来源：police、public、opinion、petition。"
    )
    min_score = ScoreFilter(help_text="最低风险分。")
    state = django_filters.ChoiceFilter(
        choices=STATE_CHOICES, help_text="状态；open（默认）为尚待处置的线索，all 为全部。"
    )

    class Meta:
        model = Lead
        fields = []


@extend_schema(tags=["risk"])
class LeadListApi(generics.GenericAPIView):
    """The leads the caller sees, highest score first (coordinators and leaders of the center)."""

    pagination_class = LeadPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = LeadFilter
    serializer_class = LeadSerializer
    queryset = Lead.objects.none()

    @extend_schema(
        operation_id="leads_list",
        summary="风险线索列表（研判队列）",
        description=(
            "本中心（及下级中心，只读）的风险线索，按风险分从高到低、发生时间从近到远排列，"
            "与页面“风险研判”相同。人员信息已脱敏。默认只列尚待处置的线索（state=open）。"
        ),
        responses={200: LeadSerializer(many=True), **errors(400, 403, 404)},
    )
    def get(self, request):
        if not sees_leads(request.user):
            raise exceptions.PermissionDenied(_("只有综治中心研判督办专员和领导可以查看风险线索。"))
        filterset = LeadFilter(request.query_params, queryset=Lead.objects.none())
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        data = filterset.form.cleaned_data
        leads = leads_for(
            request.user,
            feed=data.get("feed") or None,
            min_score=data.get("min_score"),
            state=data.get("state") or OPEN,
        )
        page = self.paginate_queryset(leads)
        return self.get_paginated_response(LeadSerializer(page, many=True).data)
