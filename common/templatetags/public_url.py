"""``{% public_base_url_is_loopback as flag %}``: the admin's warning about unreachable QR codes."""

from django import template
from django.conf import settings

from common.public_url import is_loopback_url

register = template.Library()


@register.simple_tag
def public_base_url_is_loopback() -> bool:
    """Return whether receipts' QR codes point at the machine itself."""
    return is_loopback_url(settings.PUBLIC_BASE_URL)
