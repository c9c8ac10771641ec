"""The feeds' ingestion API: ``POST /api/v1/leads/{feed}/batch/``, up to 1,000 items per call.

Thin on purpose: the view checks the feed and the caller (an active feed client of exactly that
feed), reads the batch's shape, and hands the items to :func:`risk.services.lead_ingest_batch`,
which validates each item and writes the batch in a constant number of statements. No serializer
runs per item: the serializers here only document the contract in the OpenAPI schema.
"""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import errors
from common.parsers import JSONParser
from integrations.idempotency import IDEMPOTENCY_HEADER, idempotency_key, replay_or_run

from ..models import Feed
from ..permissions import feed_client_of, may_post_feed
from ..services import MAX_BATCH, lead_ingest_batch

# --- OpenAPI: the contract (documentation only, never run per item) ------------------------------

LeadItemPersonSerializer = inline_serializer(
    name="LeadItemPerson",
    fields={
        "name": serializers.CharField(required=False, allow_blank=True, max_length=50, help_text="姓名"),
        "phone": serializers.CharField(required=False, allow_blank=True, max_length=32, help_text="电话"),
        "id_number": serializers.CharField(
            required=False, allow_blank=True, max_length=18, help_text="身份证号"
        ),
        "role": serializers.CharField(
            required=False, allow_blank=True, max_length=50, help_text="身份，如当事人、报警人"
        ),
    },
)

LeadItemSerializer = inline_serializer(
    name="LeadItem",
    fields={
        "external_id": serializers.CharField(
            max_length=100, help_text="来源系统的编号（同一来源、同一中心内唯一）"
        ),
        "occurred_at": serializers.DateTimeField(help_text="发生时间，ISO 8601"),
        "text": serializers.CharField(max_length=5000, help_text="内容"),
        "category": serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="类别"),
        "place": serializers.CharField(
            required=False, allow_blank=True, max_length=200, help_text="地点（自由文本）"
        ),
        "township_code": serializers.RegexField(
            r"^\d{9}$", required=False, allow_blank=True, help_text="乡镇（街道）代码，9 位数字"
        ),
        "people": serializers.ListField(child=LeadItemPersonSerializer, required=False),
    },
)

LeadBatchRequestSerializer = inline_serializer(
    name="LeadBatchRequest",
    fields={"items": serializers.ListField(child=LeadItemSerializer, max_length=MAX_BATCH)},
)

LeadBatchResultSerializer = inline_serializer(
    name="LeadBatchItemResult",
    fields={
        "external_id": serializers.CharField(allow_null=True),
        "result": serializers.ChoiceField(choices=["created", "updated", "rejected"]),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="被拒绝时：字段路径（如 people[0].phone）→ 错误信息",
        ),
        "lead": serializers.IntegerField(required=False, help_text="线索编号（创建或更新时）"),
    },
)

LeadBatchResponseSerializer = inline_serializer(
    name="LeadBatchResponse",
    fields={
        "results": serializers.ListField(child=LeadBatchResultSerializer),
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "rejected": serializers.IntegerField(),
    },
)


def batch_items(data) -> list:
    """Return the batch's items (``{"items": [...]}`` or a bare list); 400 if the batch cannot be read."""
    if isinstance(data, dict):
        if "items" not in data:
            raise exceptions.ValidationError({"items": [_("缺少 items（条目列表）。")]})
        data = data["items"]
    if not isinstance(data, list):
        raise exceptions.ValidationError({"items": [_("应为条目列表。")]})
    if len(data) > MAX_BATCH:
        raise exceptions.ValidationError(
            {"items": [_("每批最多 %(n)s 条（本批 %(count)s 条）。") % {"n": MAX_BATCH, "count": len(data)}]}
        )
    return data


def batch_response(outcome) -> dict:
    """Return the answer to one batch: the per-item results in order and the counts."""
    results = [dict(result) for result in outcome.results]
    counts = {"created": 0, "updated": 0, "rejected": 0}
    for result in results:
        counts[result["result"]] += 1
    return {"results": results, **counts}


@extend_schema(tags=["leads"])
class LeadBatchApi(APIView):
    """Take in one batch of a feed's items (线索接入)."""

    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="leads_batch",
        summary="线索批量接入",
        description=(
            "仅限该来源的数据接入方令牌（警情 police、民情 public、舆情 opinion、访情 petition）。"
            "每批最多 1000 条；逐条返回 created / updated / rejected（含错误原因），"
            "一条有误不影响其他条目，只要能读取批次即返回 200；批次本身无法读取（非 JSON、非列表、超过 1000 条）返回 400。"
            "同一来源、同一中心的外部编号再次发送时更新原线索，不会重复。"
            '请求体为 {"items": [...]}，也接受条目数组本身。'
            "带 Idempotency-Key 头重试时返回首次的响应；同一键配不同请求体返回 422。"
        ),
        parameters=[
            OpenApiParameter("feed", OpenApiTypes.STR, OpenApiParameter.PATH, enum=Feed.values),
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description="每个调用方唯一的请求键（1–200 个可见 ASCII 字符）。",
                pattern=r"^[\x21-\x7e]{1,200}$",
            ),
        ],
        request=LeadBatchRequestSerializer,
        responses={200: LeadBatchResponseSerializer, **errors(400, 403, 404, 422)},
    )
    def post(self, request, feed: str):
        if feed not in Feed.values:
            raise exceptions.NotFound(_("没有这个数据来源：%(feed)s") % {"feed": feed[:20]})
        if not may_post_feed(request.user, feed):
            raise exceptions.PermissionDenied(_("只有该来源的数据接入方可以推送此类线索。"))
        client = feed_client_of(request.user)
        key = idempotency_key(request)
        items = batch_items(request.data)

        def run() -> tuple[int, dict]:
            outcome = lead_ingest_batch(
                feed=feed, center=client.center, items=items, actor=request.user, client=client
            )
            return 200, batch_response(outcome)

        if key is None:
            status_code, body, replayed = (*run(), False)
        else:
            status_code, body, replayed = replay_or_run(
                user=request.user,
                key=key,
                method=request.method,
                path=request.path,
                body=request.data,
                run=run,
            )
        headers = {"Idempotent-Replayed": "true"} if replayed else {}
        return Response(body, status=status_code, headers=headers)
