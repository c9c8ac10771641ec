"""Text messages to parties through a pluggable backend, chosen like Django's e-mail backends.

``ZONGZHI_SMS_BACKEND`` names the class: the console backend (default) prints, the file
backend appends to ``ZONGZHI_SMS_FILE_PATH``, the HTTP gateway backend POSTs JSON to
``ZONGZHI_SMS_GATEWAY_URL`` with ``ZONGZHI_SMS_GATEWAY_TOKEN``. Every message is logged per
case in :class:`cases.models.SmsMessage` whatever the backend answered.

The console and file backends deliver nothing: what they print or append is a log, so the phone
is masked and the tracking link's key redacted (:func:`common.redact.redact`). Only the gateway
(and the tests' memory backend) receives the message as the party will read it.
"""

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from common.fields import KIND_PHONE, mask, normalize
from common.redact import redact


class SmsError(Exception):
    """The gateway refused or could not be reached."""


class BaseSmsBackend:
    name = "base"

    def send(self, phone: str, body: str) -> None:
        raise NotImplementedError  # pragma: no cover - the interface


def _for_log(phone: str, body: str) -> tuple[str, str]:
    """Return the phone masked and the body redacted, for a backend that only logs."""
    return mask(KIND_PHONE, normalize(KIND_PHONE, phone)), redact(body)


class ConsoleSmsBackend(BaseSmsBackend):
    name = "console"

    def send(self, phone: str, body: str) -> None:
        phone, body = _for_log(phone, body)
        sys.stdout.write(f"[SMS to {phone}] {body}\n")


class MemorySmsBackend(BaseSmsBackend):
    """Keep messages in ``MemorySmsBackend.outbox`` (for tests, like Django's locmem e-mail)."""

    name = "memory"
    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, body: str) -> None:
        MemorySmsBackend.outbox.append((phone, body))


class FileSmsBackend(BaseSmsBackend):
    name = "file"

    def send(self, phone: str, body: str) -> None:
        phone, body = _for_log(phone, body)
        path = Path(settings.ZONGZHI_SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as outbox:
            outbox.write(
                json.dumps(
                    {"at": timezone.now().isoformat(), "phone": phone, "body": body}, ensure_ascii=False
                )
                + "\n"
            )


class HttpGatewaySmsBackend(BaseSmsBackend):
    """POST {"phone", "text"} as JSON to the operator's gateway; any non-2xx answer is an error."""

    name = "http"

    def send(self, phone: str, body: str) -> None:
        url = settings.ZONGZHI_SMS_GATEWAY_URL
        if not url:
            raise SmsError("ZONGZHI_SMS_GATEWAY_URL is not set")
        request = urllib.request.Request(
            url,
            data=json.dumps({"phone": phone, "text": body}, ensure_ascii=False).encode(),
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {settings.ZONGZHI_SMS_GATEWAY_TOKEN}",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.ZONGZHI_SMS_TIMEOUT) as response:
                if not 200 <= response.status < 300:
                    raise SmsError(f"gateway answered {response.status}")
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(str(exc)) from exc


def get_backend() -> BaseSmsBackend:
    path = settings.ZONGZHI_SMS_BACKEND
    return import_string(path)()
