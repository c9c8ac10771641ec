from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Abstract base with creation and update times."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class OutboxMessage(models.Model):
    """A side effect that must happen: a Celery task written in the transaction that causes it.

    :func:`common.tasks.enqueue_on_commit` writes the row; after the commit the task is published
    at once, and the outbox sweep publishes (or runs) whatever is still pending, so a broker that
    was down loses nothing. A worker claims the row before running the task and marks it done in
    the same transaction as the task's database writes (:mod:`common.outbox`).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待执行")
        DONE = "done", _("已完成")
        FAILED = "failed", _("最终失败")

    key = models.CharField(_("去重键"), max_length=200, unique=True)
    task = models.CharField(_("任务"), max_length=200)
    args = models.JSONField(_("位置参数"), default=list, encoder=DjangoJSONEncoder)
    kwargs = models.JSONField(_("关键字参数"), default=dict, encoder=DjangoJSONEncoder)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(
        _("下次尝试时间"),
        null=True,
        blank=True,
        help_text=_("仍待执行的任务在此时间之后由定时巡检重新发出。"),
    )
    last_error = models.TextField(_("最后错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待办任务（发件箱）")
        verbose_name_plural = _("待办任务（发件箱）")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self):
        return f"{self.task} [{self.key}]"
