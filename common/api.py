"""REST plumbing shared by every app's API: one error shape, token auth, schema helpers.

Every error, whatever raised it, answers ``{"error": {"code", "message", "fields"}}`` in the
request's language (Chinese unless the client asks for English with ``Accept-Language: en``).
``fields`` maps a flat path (``title``, ``parties[1].phone``) to its messages.
"""

from django.core.exceptions import (
    ObjectDoesNotExist,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import authentication, exceptions, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination

from .exceptions import DomainError
from .parsing import MAX_INT32, parse_positive_int
from .parsing import ParseError as TextParseError


class ApiError(exceptions.APIException):
    """An error with our own code, status and field messages."""

    def __init__(self, message, *, code: str, status_code: int, fields: dict | None = None):
        self.status_code = status_code
        self.code = code
        self.fields = fields or {}
        super().__init__(detail=force_str(message), code=code)


class IdempotencyConflict(ApiError):
    def __init__(self):
        super().__init__(
            _("该 Idempotency-Key 已用于另一个请求。"),
            code="idempotency_key_reused",
            status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into ``{"parties[1].phone": ["…"]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):  # a list serializer's errors by index
                path = f"{prefix}[{key}]"
            elif key in ("non_field_errors", "__all__") and prefix:
                path = prefix
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_errors(value, path))
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            if detail:
                flat[prefix or "non_field_errors"] = [force_str(item) for item in detail]
        else:
            for i, item in enumerate(detail):
                flat.update(flatten_errors(item, f"{prefix}[{i}]"))
    elif detail not in (None, ""):
        flat[prefix or "non_field_errors"] = [force_str(detail)]
    return flat


def _django_validation_fields(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if key == "__all__" else key): [force_str(m) for m in messages]
            for key, messages in exc.message_dict.items()
        }
    return {"non_field_errors": [force_str(m) for m in exc.messages]}


def _translate(exc):
    """Map the errors services and Django raise onto API exceptions."""
    if isinstance(exc, DomainError):
        return ApiError(exc.message, code=exc.code, status_code=exc.status)
    if isinstance(exc, DjangoValidationError):
        fields = _django_validation_fields(exc)
        return ApiError(_validation_message(fields), code="invalid", status_code=400, fields=fields)
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return ApiError(_("请求内容过大。"), code="request_too_large", status_code=413)
    if isinstance(exc, TooManyFieldsSent | SuspiciousOperation):
        return exceptions.ParseError()
    return exc


def _validation_message(fields: dict[str, list[str]]) -> str:
    only = fields.get("non_field_errors")
    if only and len(fields) == 1:
        return only[0]
    return _("提交的数据有误，请检查各字段。")


_CODES = {
    exceptions.ParseError: "parse_error",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def exception_handler(exc, context):
    """Answer every error with ``{"error": {"code", "message", "fields"}}``; unknown errors stay 500s."""
    from rest_framework.views import exception_handler as drf_exception_handler  # it imports this module

    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ApiError):
        code, message, fields = exc.code, force_str(exc.detail), exc.fields
    elif isinstance(exc, exceptions.ValidationError):
        fields = flatten_errors(exc.detail)
        code, message = "invalid", _validation_message(fields)
    else:
        code = next((c for cls, c in _CODES.items() if isinstance(exc, cls)), None) or getattr(
            exc, "default_code", "error"
        )
        message = force_str(exc.detail) if not isinstance(exc.detail, dict | list) else _("请求无法完成。")
        fields = {}
    response.data = {"error": {"code": code, "message": message, "fields": fields}}
    return response


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, loading the user's staff profile and department in the same query."""

    def authenticate_credentials(self, key):
        model = self.get_model()
        try:
            token = model.objects.select_related(
                "user__staff_profile__department", "user__staff_profile__center"
            ).get(key=key)
        except (model.DoesNotExist, ValueError):
            raise exceptions.AuthenticationFailed(_("令牌无效。")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("该账号已停用。"))
        return (token.user, token)


class JsonOnlyNegotiation(DefaultContentNegotiation):
    """Answer JSON whatever the client accepts: for views whose success is a file, errors stay JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return (renderers[0], renderers[0].media_type)


# --- OpenAPI ------------------------------------------------------------------------------------

ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorDetail",
            fields={
                "code": serializers.CharField(
                    help_text="机器可读的错误代码，如 invalid、code_mistyped、conflict。"
                ),
                "message": serializers.CharField(help_text="按请求语言（Accept-Language）给出的说明。"),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField()),
                    help_text="字段路径（如 parties[0].phone）→ 错误信息。",
                ),
            },
        )
    },
)

ERROR_DESCRIPTIONS = {
    400: "请求数据有误（字段错误见 fields；案件编号校验码不符时 code 为 code_mistyped）",
    401: "未提供或无效的令牌",
    403: "角色或所属单位无权执行此操作",
    404: "对象不存在或无权查看",
    406: "不支持的 Accept",
    409: "案件状态不允许此操作，或案件已被他人修改",
    413: "请求内容过大",
    415: "不支持的请求内容类型",
    422: "Idempotency-Key 已用于另一个请求",
    429: "请求过于频繁或验证失败次数过多",
}


def errors(*codes: int) -> dict:
    """Return drf-spectacular ``responses`` entries for the given error statuses."""
    return {code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]) for code in codes}


def add_common_error_responses(result, generator, request, public):
    """Schema post-processing: every operation documents 401 (if authenticated), 406 and 415 (if it has a body)."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    if "Error" not in components:
        return result
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            wanted = [406]
            if any(requirement for requirement in operation.get("security", [{}])):
                wanted.append(401)
            if "requestBody" in operation:
                wanted += [400, 413, 415]
            for code in wanted:
                responses.setdefault(str(code), {"description": ERROR_DESCRIPTIONS[code], **ref})
    return result


# --- Strict query parameters --------------------------------------------------------------------


class StrictFilterSetMixin:
    """A FilterSet that refuses what django-filter would silently ignore: empty values, non-boolean booleans.

    ``allow_empty`` names the filters for which an empty value means "no filter" (free text).
    """

    allow_empty: tuple[str, ...] = ()

    def is_valid(self):
        import django_filters

        valid = super().is_valid()
        for name, filter_ in self.filters.items():
            if name not in self.data:
                continue
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else [self.data[name]]
            if name not in self.allow_empty and any(v == "" for v in values):
                self.form.add_error(name, _("不能为空。"))
                valid = False
            elif isinstance(filter_, django_filters.BooleanFilter) and any(
                v not in ("true", "false") for v in values
            ):
                self.form.add_error(name, _("应为 true 或 false。"))
                valid = False
        return valid


class StrictPageNumberPagination(PageNumberPagination):
    """Page-number pagination that answers 400 to a page size it cannot use, rather than ignoring it."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            return parse_positive_int(raw, maximum=self.max_page_size)
        except TextParseError:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("每页条数应为 1 到 %(max)s 之间的整数。") % {"max": self.max_page_size}
                    ]
                }
            ) from None

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param) or "1"
        if raw in self.last_page_strings:
            return paginator.num_pages
        try:
            return parse_positive_int(raw, maximum=MAX_INT32)
        except TextParseError:
            raise exceptions.ValidationError({self.page_query_param: [_("页码应为正整数。")]}) from None

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters
