"""Staff log-in protection: django-axes' lockout with our limits, and the idle session timeout.

Behind the reverse proxy every desk in the hall shares one address, so failures are counted per
user name (a few, ``ZONGZHI_LOGIN_MAX_FAILURES``) and per address only up to a much higher
ceiling (``ZONGZHI_LOGIN_MAX_ADDRESS_FAILURES``): one person's typos lock only that person out.
Both counts end ``ZONGZHI_LOGIN_COOLOFF_MINUTES`` after the last failure; an administrator
unlocks earlier from the admin (axes' access attempts) or with ``manage.py axes_reset_username``.
"""

import hashlib
import ipaddress
import time
from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db.models import Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.ratelimit import client_address
from common.api import ApiError, errors

API_PREFIX = "/api/"


# --- Lockout ----------------------------------------------------------------------------------


def cooloff(request=None) -> timedelta:
    """Return how long a lockout lasts after the last failure."""
    return timedelta(minutes=settings.ZONGZHI_LOGIN_COOLOFF_MINUTES)


def client_ip(request) -> str | None:
    """Return the client's address for axes: the rate limits' rule, an IPv6 /64 as its network address."""
    address = client_address(request)
    try:
        return str(ipaddress.ip_network(address, strict=False).network_address)
    except ValueError:
        return None


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def _attempts_key(username) -> str:
    """Cache key counting this user name's password checks in the current cool-off window."""
    window = int(time.time()) // int(cooloff().total_seconds())
    digest = hashlib.sha256(str(username).encode()).hexdigest()[:32]
    return f"zongzhi:login:attempts:{digest}:{window}"


def forget_attempts(username) -> int:
    """Forget the user name's failures and counted checks after a successful log-in; return the rows deleted."""
    count, _deleted = AccessAttempt.objects.filter(username=username).delete()
    cache.delete(_attempts_key(username))
    return count


class LoginLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with two limits: a low one per user name, a high ceiling per address.

    Axes reads the failures before the password is checked and records them after, so parallel
    guesses could all pass the reading; each check therefore first takes a numbered slot with one
    atomic cache ``incr`` (per user name, per cool-off window), and only the first
    ``AXES_FAILURE_LIMIT`` slots have their password checked.
    """

    def is_locked(self, request, credentials=None) -> bool:
        """Return whether the log-in is refused: locked out already, or past the limit's slots."""
        if super().is_locked(request, credentials):
            return True
        key = _attempts_key(get_client_username(request, credentials))
        cache.add(key, 0, timeout=int(cooloff().total_seconds()) * 2)
        return cache.incr(key) > settings.AXES_FAILURE_LIMIT

    def get_failures(self, request, credentials=None) -> int:
        """Return the user's failures, or the user limit when the address has reached its ceiling.

        Axes compares one number with one limit (``AXES_FAILURE_LIMIT``, the per-user limit), so the
        address's count is reported on the user's scale: at its ceiling it reads as the user limit.
        """
        by_user, by_address = self.get_user_attempts(request, credentials)
        if _failures(by_address) >= settings.ZONGZHI_LOGIN_MAX_ADDRESS_FAILURES:
            return settings.AXES_FAILURE_LIMIT
        return _failures(by_user)

    def reset_user_attempts(self, request, credentials=None) -> int:
        """Forget only this user's failures on a successful log-in, never the other users' at the address."""
        return forget_attempts(get_client_username(request, credentials))

    def post_delete_access_attempt(self, instance, **kwargs):
        """An administrator's unlock (admin or ``axes_reset_username``) also frees the counted slots."""
        cache.delete(_attempts_key(instance.username))


def lockout_response(request, original_response=None, credentials=None):
    """Answer a locked-out log-in: the API's error shape under /api/, a Chinese page elsewhere."""
    minutes = settings.ZONGZHI_LOGIN_COOLOFF_MINUTES
    message = _("登录失败次数过多，账号已暂时锁定，请 %(minutes)d 分钟后再试，或请管理员解锁。") % {
        "minutes": minutes
    }
    if request.path_info.startswith(API_PREFIX):
        response = JsonResponse(
            {"error": {"code": "login_locked", "message": message, "fields": {}}},
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


# --- API tokens -------------------------------------------------------------------------------


class TokenCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, label=_("用户名"))
    password = serializers.CharField(max_length=128, label=_("密码"), trim_whitespace=False)


@extend_schema(
    summary=_("用用户名和密码换取接口令牌"),
    request=TokenCreateSerializer,
    responses={
        200: inline_serializer("TokenCreated", {"token": serializers.CharField()}),
        **errors(400, 429),
    },
    tags=["auth"],
    auth=[],
)
class TokenCreateApi(APIView):
    """Return the user's API token for a correct user name and password; failures count towards the lockout."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def post(self, request):
        serializer = TokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The Django request: axes reads its address and marks it when the user is locked out.
        user = authenticate(request._request, **serializer.validated_data)
        if getattr(request._request, "axes_locked_out", False):
            raise ApiError(
                _("登录失败次数过多，账号已暂时锁定，请稍后再试，或请管理员解锁。"),
                code="login_locked",
                status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if user is None:
            raise ApiError(_("用户名或密码不正确。"), code="invalid_credentials", status_code=400)
        forget_attempts(user.get_username())  # a success, as at the log-in page
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


# --- API documentation ------------------------------------------------------------------------


class ApiDocsPermission(BasePermission):
    """Let anyone read the API's docs and schema, or only signed-in staff when ZONGZHI_API_DOCS_REQUIRE_LOGIN."""

    def has_permission(self, request, view) -> bool:
        if not settings.ZONGZHI_API_DOCS_REQUIRE_LOGIN:
            return True
        return bool(request.user and request.user.is_authenticated)
