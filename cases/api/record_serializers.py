"""Serializers of a case's log: transition events, handling records and their attachments."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import TRANSITION_LABELS, Attachment, CaseEvent, HandlingRecord
from .fields import TEXT_MAX, DepartmentRefSerializer, StrictBooleanField, StrictCharField


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
    """A record sent as JSON: text only (files go as multipart/form-data)."""

    text = StrictCharField(max_length=TEXT_MAX)
    public = StrictBooleanField(required=False, default=False, help_text="是否向当事人公开。")
    kind = serializers.ChoiceField(choices=HandlingRecord.Kind.choices, default=HandlingRecord.Kind.PROGRESS)


class HandlingRecordMultipartSerializer(HandlingRecordCreateSerializer):
    """A record sent as multipart/form-data: the same fields, and files."""

    attachments = serializers.ListField(
        child=serializers.FileField(max_length=200, allow_empty_file=False),
        required=False,
        default=list,
        max_length=10,
        help_text="附件（可多个，同名字段 attachments）。",
    )


class AvailableTransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    url = serializers.URLField()
