from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepartmentsConfig(AppConfig):
    name = "departments"
    verbose_name = _("组织与服务")

    def ready(self):
        from .audit_hooks import connect

        connect()
