from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = _("通用")

    def ready(self):
        from . import checks, sessions  # noqa: F401  (the public address check; the idle clock on log-in)
