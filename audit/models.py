"""One row of the access log; rows are only ever added (Python refuses, PostgreSQL's trigger too)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """An access log row was about to be changed or deleted."""


class Action(models.TextChoices):
    """What was done: viewing a full number, an export, a change to the organisation's rules."""

    REVEAL_PERSONAL = "personal.reveal", _("查看完整个人信息")
    PRINT_PERSONAL = "personal.print", _("打印含完整个人信息的文书")
    EXPORT_REPORT = "export.report", _("导出报表")
    EXPORT_LEDGER = "export.ledger", _("导出台账")
    EXPORT_AUDIT = "export.audit", _("导出审计日志")
    DOWNLOAD_ATTACHMENT = "attachment.download", _("下载附件")
    CHANGE_STAFF = "staff.change", _("变更工作人员角色")
    CHANGE_USER = "user.change", _("变更账号权限")
    CHANGE_DEPARTMENT = "department.change", _("变更入驻单位")
    CHANGE_DEADLINE_RULE = "deadline_rule.change", _("变更时限规则")
    CHANGE_DUTY = "duty.change", _("变更值班公示")
    CHANGE_CALENDAR = "calendar.change", _("变更工作日历")


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("access log rows cannot be updated")

    def delete(self):
        raise AppendOnlyError("access log rows cannot be deleted")

    # Bulk paths that bypass update(): refused as well.
    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("access log rows cannot be updated")

    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError("access log rows cannot be updated")


class AccessLogEntry(models.Model):
    """Who did what to which object, when, from where and why. Never changed, never deleted."""

    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True, editable=False)
    # No database constraint: deleting a user must neither fail nor rewrite the log;
    # the user name is kept as it was at the time.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=40, choices=Action.choices, db_index=True)
    case_code = models.CharField(_("案件编号"), max_length=32, blank=True, db_index=True)
    # The account the row is about (a role change), if any.
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("涉及账号"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    object_type = models.CharField(_("对象类型"), max_length=40, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    client_address = models.CharField(_("客户端地址"), max_length=64, blank=True)
    details = models.JSONField(_("详情"), default=dict, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["actor", "-created_at"], name="audit_actor_time"),
            models.Index(fields=["target_user", "-created_at"], name="audit_target_time"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        """Insert the row; refuse any later change."""
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise AppendOnlyError("access log rows cannot be updated")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("access log rows cannot be deleted")
