"""Staff sessions end after a spell of inactivity (``ZONGZHI_SESSION_IDLE_MINUTES``).

The clock starts at log-in (a signal, so ``force_login`` and every log-in view start it) and any
request restarts it. Parties' tracking sessions carry no user and keep their own expiry
(``ZONGZHI_TRACKING_VERIFIED_SECONDS``).
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.translation import gettext as _

LAST_ACTIVITY_KEY = "_staff_last_activity"
# Record activity at most once a minute: a session write per page would cost a query on every request.
TOUCH_INTERVAL_SECONDS = 60


def idle_seconds() -> int:
    return settings.ZONGZHI_SESSION_IDLE_MINUTES * 60


@receiver(user_logged_in)
def _start_activity(sender, request, user, **kwargs):
    """Start the idle clock at log-in."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_ACTIVITY_KEY] = int(time.time())


class StaffSessionIdleMiddleware:
    """Sign staff out after ``ZONGZHI_SESSION_IDLE_MINUTES`` without a request; any request restarts the clock."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_KEY)
            if last is None or now - last >= idle_seconds():
                logout(request)
                messages.info(request, _("长时间未操作，已自动退出，请重新登录。"))
            elif now - last >= TOUCH_INTERVAL_SECONDS:
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)
