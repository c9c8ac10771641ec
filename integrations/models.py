"""Generic plumbing for other systems: idempotent API requests and signed webhooks.

This app knows nothing of cases: the apps above it emit events through
:func:`integrations.services.webhook_emit` inside their own transactions.
"""

import secrets

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.fields import EncryptedJSONField

from .events import WebhookEvent, validate_event_types


class IdempotencyRecord(models.Model):
    """The first answer to a request that carried an Idempotency-Key, replayed to retries."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("调用方"), on_delete=models.CASCADE)
    key = models.CharField(_("幂等键"), max_length=200)
    method = models.CharField(_("方法"), max_length=10)
    path = models.CharField(_("路径"), max_length=300)
    request_hash = models.CharField(_("请求摘要"), max_length=64)
    response_status = models.PositiveSmallIntegerField(_("响应状态"))
    # Encrypted: a case's answer holds its parties' phone and ID numbers.
    response_body = EncryptedJSONField(_("响应内容"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("幂等请求")
        verbose_name_plural = _("幂等请求")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user")]

    def __str__(self):
        return f"{self.user_id}:{self.key}"


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookSubscription(models.Model):
    """A subscriber URL registered by an administrator, with its secret and event types."""

    name = models.CharField(_("名称"), max_length=100)
    url = models.URLField(_("接收地址"), max_length=500, validators=[URLValidator(schemes=["http", "https"])])
    secret = models.CharField(_("签名密钥"), max_length=100, default=new_webhook_secret)
    event_types = models.JSONField(
        _("订阅事件"),
        default=list,
        validators=[validate_event_types],
        help_text=_("订阅的事件类型列表。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("Webhook 订阅")
        verbose_name_plural = _("Webhook 订阅")
        ordering = ["name"]

    def __str__(self):
        return self.name


class WebhookDelivery(models.Model):
    """One event to deliver to one subscriber, retried with backoff for a bounded time."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        DELIVERED = "delivered", _("已送达")
        FAILED = "failed", _("最终失败")

    subscription = models.ForeignKey(
        WebhookSubscription, verbose_name=_("订阅"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event_type = models.CharField(_("事件类型"), max_length=50, choices=WebhookEvent.choices)
    event_id = models.CharField(_("事件编号"), max_length=64)
    payload = models.JSONField(_("内容"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("最后响应码"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(
        _("下次尝试时间"),
        null=True,
        blank=True,
        help_text=_("待发送的投递在此时间之后由发送任务或定时巡检发出；发送中时为租约到期时间。"),
    )
    retry_until = models.DateTimeField(
        _("重试截止"), null=True, blank=True, help_text=_("为空时为创建后一小时；手动重新投递时重新计算。")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("Webhook 投递")
        verbose_name_plural = _("Webhook 投递")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"], name="webhook_delivery_once_per_event"
            )
        ]

    def __str__(self):
        return f"{self.event_type} → {self.subscription}"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery: status, response code, duration."""

    delivery = models.ForeignKey(
        WebhookDelivery, verbose_name=_("投递"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    status_code = models.PositiveSmallIntegerField(_("响应码"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"))
    error = models.CharField(_("错误"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("投递尝试")
        verbose_name_plural = _("投递尝试")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.delivery_id}: {self.status_code or self.error}"


class WebhookSequence(models.Model):
    """The last number given to an event of one series (one case): subscribers put events in order by it."""

    key = models.CharField(_("序列"), max_length=100, unique=True)
    last_number = models.PositiveBigIntegerField(_("最后序号"), default=0)

    class Meta:
        verbose_name = _("事件序号")
        verbose_name_plural = _("事件序号")

    def __str__(self):
        return f"{self.key}: {self.last_number}"
