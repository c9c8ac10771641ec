"""The organisation over the REST API: departments, services, packages and the duty board (read-only)."""

import django_filters
from django.db.models import Prefetch, Q
from django.urls import path
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers

from common.api import StrictFilterSetMixin, StrictPageNumberPagination, errors

from .models import Department, DutyAssignment, Service, ServicePackage
from .scope import visible_centers_q


class ReferencePagination(StrictPageNumberPagination):
    """Short reference lists: one page usually holds them all."""


# --- Serializers --------------------------------------------------------------------------------


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "slug", "name", "short_name", "kind", "is_active"]


class ServiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ["id", "slug", "name", "description", "is_active"]


class ServiceRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ["id", "slug", "name"]


class ServicePackageSerializer(serializers.ModelSerializer):
    services = ServiceRefSerializer(many=True, read_only=True)

    class Meta:
        model = ServicePackage
        fields = ["id", "slug", "name", "description", "services", "is_active"]


class DutyAssignmentSerializer(serializers.ModelSerializer):
    position_label = serializers.CharField(source="get_position_display")
    center = serializers.CharField(source="center.name")

    class Meta:
        model = DutyAssignment
        fields = [
            "id",
            "center",
            "position",
            "position_label",
            "person_name",
            "title",
            "phone",
            "start_date",
            "end_date",
        ]


# --- Filters ------------------------------------------------------------------------------------


class DepartmentFilter(StrictFilterSetMixin, django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Department.Kind.choices)
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Department
        fields = []


class ActiveFilter(StrictFilterSetMixin, django_filters.FilterSet):
    is_active = django_filters.BooleanFilter()

    class Meta:
        fields = []


class ServiceFilter(ActiveFilter):
    class Meta:
        model = Service
        fields = []


class PackageFilter(ActiveFilter):
    class Meta:
        model = ServicePackage
        fields = []


# --- Views --------------------------------------------------------------------------------------


class ReferenceListApi(generics.ListAPIView):
    pagination_class = ReferencePagination
    filter_backends = [DjangoFilterBackend]


@extend_schema_view(
    get=extend_schema(
        operation_id="departments_list",
        summary="入驻单位",
        tags=["organisation"],
        responses={200: DepartmentSerializer(many=True), **errors(400, 404)},
    )
)
class DepartmentListApi(ReferenceListApi):
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter
    queryset = Department.objects.order_by("order", "id")

    def get_queryset(self):
        # The departments of the caller's center; a leader's or coordinator's also those below.
        return super().get_queryset().filter(visible_centers_q(self.request.user))


@extend_schema_view(
    get=extend_schema(
        operation_id="services_list",
        summary="服务项目",
        tags=["organisation"],
        responses={200: ServiceSerializer(many=True), **errors(400, 404)},
    )
)
class ServiceListApi(ReferenceListApi):
    serializer_class = ServiceSerializer
    filterset_class = ServiceFilter
    queryset = Service.objects.order_by("order", "id")


@extend_schema_view(
    get=extend_schema(
        operation_id="packages_list",
        summary="组合式套餐服务",
        tags=["organisation"],
        responses={200: ServicePackageSerializer(many=True), **errors(400, 404)},
    )
)
class PackageListApi(ReferenceListApi):
    serializer_class = ServicePackageSerializer
    filterset_class = PackageFilter
    queryset = ServicePackage.objects.order_by("order", "id").prefetch_related(
        Prefetch("services", queryset=Service.objects.order_by("order", "id"))
    )

    def get_queryset(self):
        # Packages led by a department the caller sees, and those without a lead.
        visible = visible_centers_q(self.request.user, "lead_department__center")
        return super().get_queryset().filter(Q(lead_department__isnull=True) | visible)


@extend_schema_view(
    get=extend_schema(
        operation_id="duty_board_list",
        summary="值班公示",
        description="今日在任的第一主任、第二主任、总值班长、值班主任（公示的办公电话）。",
        tags=["organisation"],
        responses={200: DutyAssignmentSerializer(many=True), **errors(400, 404)},
    )
)
class DutyBoardApi(generics.ListAPIView):
    serializer_class = DutyAssignmentSerializer
    pagination_class = ReferencePagination

    def get_queryset(self):
        today = timezone.localdate()
        return (
            DutyAssignment.objects.filter(visible_centers_q(self.request.user), start_date__lte=today)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
            .select_related("center")
            .order_by("center__code", "position", "-start_date", "id")
        )


urlpatterns = [
    path("departments/", DepartmentListApi.as_view(), name="department-list"),
    path("services/", ServiceListApi.as_view(), name="service-list"),
    path("packages/", PackageListApi.as_view(), name="package-list"),
    path("duty-board/", DutyBoardApi.as_view(), name="duty-board"),
]
