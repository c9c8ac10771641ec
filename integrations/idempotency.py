"""Idempotent API writes: a client's retry with the same ``Idempotency-Key`` gets the first answer.

The first successful response is stored with a digest of the request in the same transaction
as the write it answers, under a unique (client, key) constraint: two retries racing each other
cannot both write, the loser's transaction rolls back and it replays the winner's answer.
Failed requests are not stored (they changed nothing), so a corrected retry may reuse the key.
"""

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from common.api import ApiError, IdempotencyConflict

from .models import IdempotencyRecord

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


def idempotency_key(request) -> str | None:
    """Return the request's Idempotency-Key, None without one; 400 if it is not 1–200 visible ASCII characters."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not (0 < len(key) <= MAX_KEY_LENGTH and all("!" <= ch <= "~" for ch in key)):
        raise ApiError(
            _("Idempotency-Key 应为 1 到 200 个可见 ASCII 字符。"),
            code="invalid",
            status_code=400,
            fields={IDEMPOTENCY_HEADER: [_("格式无效。")]},
        )
    return key


def request_digest(*, method: str, path: str, body) -> str:
    """Return a digest of what the request asks for: the same JSON in any key order or spacing is the same."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def _replay(record: IdempotencyRecord, digest: str) -> tuple[int, dict, bool]:
    if record.request_hash != digest:
        raise IdempotencyConflict()
    return record.response_status, record.response_body, True


def replay_or_run(
    *, user, key: str, method: str, path: str, body, run: Callable[[], tuple[int, dict]]
) -> tuple[int, dict, bool]:
    """Return (status, body, replayed): the stored answer to this key, or ``run()``'s, stored if 2xx."""
    digest = request_digest(method=method, path=path, body=body)
    existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if existing is not None:
        return _replay(existing, digest)
    try:
        with transaction.atomic():
            status_code, response_body = run()
            if 200 <= status_code < 300:
                IdempotencyRecord.objects.create(
                    user=user,
                    key=key,
                    method=method,
                    path=path[:300],
                    request_hash=digest,
                    response_status=status_code,
                    response_body=response_body,
                )
    except IntegrityError:
        # A concurrent retry with the same key committed first: everything here rolled back.
        existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if existing is None:
            raise
        return _replay(existing, digest)
    return status_code, response_body, False
