"""Third-party apps under names the admin shows in Chinese.

django-celery-results ships its Chinese catalogue uncompiled (no .mo) and django-axes ships none,
so their admin headings stayed English ("CELERY RESULTS", "Task results", "AXES"); these labels
go through our own catalogue instead. django-celery-beat's own Chinese is kept.
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_celery_results.apps import CeleryResultConfig


class ChineseModelNamesMixin:
    """Give the app's models the display names in ``model_names`` (model name → singular, plural)."""

    model_names: dict = {}

    def ready(self):
        super().ready()
        # Display names only: migrations read a model's declared Meta (original_attrs), not these.
        for model in self.get_models():
            names = self.model_names.get(model._meta.model_name)
            if names:
                model._meta.verbose_name, model._meta.verbose_name_plural = names


class CeleryResultsConfig(ChineseModelNamesMixin, CeleryResultConfig):
    verbose_name = _("后台任务结果")
    model_names = {
        "taskresult": (_("任务执行结果"), _("任务执行结果")),
        "groupresult": (_("任务组执行结果"), _("任务组执行结果")),
        "chordcounter": (_("任务汇合计数"), _("任务汇合计数")),
    }


class AxesConfig(ChineseModelNamesMixin, AxesAppConfig):
    verbose_name = _("登录锁定")
    model_names = {
        "accessattempt": (_("登录失败计数"), _("登录失败计数")),
        "accessattemptexpiration": (_("登录失败计数到期时间"), _("登录失败计数到期时间")),
        "accessfailurelog": (_("登录失败日志"), _("登录失败日志")),
        "accesslog": (_("登录日志"), _("登录日志")),
    }
