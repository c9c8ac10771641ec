"""Notices to staff and SMS to parties, each recorded once per event."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.fields import KIND_PHONE, BlindIndexField, PersonalDataField

from .case import Case
from .records import CaseEvent


class Notification(models.Model):
    """An entry in a staff member's in-app inbox."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("案件"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.ForeignKey(
        CaseEvent,
        verbose_name=_("流转记录"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("类型"), max_length=30)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=200, blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # Set when the e-mail went out: a mailing run again (a retry, a duplicate) skips it.
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]
        constraints = [
            # One notice per user per event and kind: a task run twice notifies once.
            models.UniqueConstraint(fields=["user", "event", "kind"], name="notification_once_per_event")
        ]

    def __str__(self):
        return self.title


class SmsMessage(models.Model):
    """A text message to a party, logged per case whatever the gateway answered."""

    class Status(models.TextChoices):
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="sms_messages"
    )
    event = models.ForeignKey(
        CaseEvent,
        verbose_name=_("流转记录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("类型"), max_length=30)
    phone = PersonalDataField(_("手机号"), kind=KIND_PHONE)
    phone_index = BlindIndexField(source="phone")
    body = models.TextField(_("内容"), help_text=_("查询链接中的密钥已隐去。"))
    backend = models.CharField(_("通道"), max_length=100)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("短信记录")
        verbose_name_plural = _("短信记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "event", "kind", "phone_index"],
                condition=models.Q(status="sent"),
                name="sms_sent_once_per_event",
            )
        ]

    def __str__(self):
        return f"{self.phone.masked} {self.body[:20]}"
