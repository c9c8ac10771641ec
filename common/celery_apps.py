"""django-celery-results under names the admin shows in Chinese.

The package ships its Chinese catalogue uncompiled (no .mo), so its admin headings stay in
English ("CELERY RESULTS", "Task results"); these labels go through our own catalogue instead.
"""

from django.utils.translation import gettext_lazy as _
from django_celery_results.apps import CeleryResultConfig

MODEL_NAMES = {
    "taskresult": (_("任务执行结果"), _("任务执行结果")),
    "groupresult": (_("任务组执行结果"), _("任务组执行结果")),
    "chordcounter": (_("任务汇合计数"), _("任务汇合计数")),
}


class CeleryResultsConfig(CeleryResultConfig):
    verbose_name = _("后台任务结果")

    def ready(self):
        super().ready()
        # Display names only: migrations read a model's declared Meta (original_attrs), not these.
        for model in self.get_models():
            names = MODEL_NAMES.get(model._meta.model_name)
            if names:
                model._meta.verbose_name, model._meta.verbose_name_plural = names
