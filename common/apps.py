from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = _("通用")

    def ready(self):
        from . import sessions  # noqa: F401  (connects the idle clock to user_logged_in)
