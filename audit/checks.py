"""System check: the access log is kept at least six months (the Cybersecurity Law, art. 21)."""

from django.conf import settings
from django.core.checks import Error, register

MINIMUM_RETENTION_DAYS = 183


@register()
def retention_check(app_configs, **kwargs):
    days = getattr(settings, "ZONGZHI_AUDIT_RETENTION_DAYS", None)
    if days is None or days < MINIMUM_RETENTION_DAYS:
        return [
            Error(
                f"ZONGZHI_AUDIT_RETENTION_DAYS must be at least {MINIMUM_RETENTION_DAYS} (six months).",
                id="audit.E001",
            )
        ]
    return []
