"""System check: receipts' QR codes must point somewhere a party's phone can open."""

from django.conf import settings
from django.core.checks import Warning, register

from .public_url import is_loopback_url


@register()
def public_base_url_check(app_configs, **kwargs):
    """Warn outside development when PUBLIC_BASE_URL names the machine itself (127.x, ::1, localhost)."""
    if settings.DEBUG or not is_loopback_url(settings.PUBLIC_BASE_URL):
        return []
    return [
        Warning(
            f"PUBLIC_BASE_URL is {settings.PUBLIC_BASE_URL!r}, a loopback address: the QR codes on "
            "printed receipts will not open on a party's phone.",
            hint="Set PUBLIC_BASE_URL to the address the parties reach, e.g. https://zongzhi.example.gov.cn.",
            id="common.W001",
        )
    ]
