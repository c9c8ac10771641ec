"""Keys and primitives for personal data at rest: authenticated encryption and blind indexes.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, a random IV per value) through a
:class:`~cryptography.fernet.MultiFernet`: the first of ``settings.ZONGZHI_PII_KEYS`` encrypts,
all of them decrypt, so a key can be rotated without downtime (``manage.py rotate_pii_keys``).
Exact lookups go through a blind index: a keyed HMAC-SHA256 of the normalised value, truncated,
computed under every key of ``settings.ZONGZHI_PII_INDEX_KEYS`` when searching (the first one
when writing), so the index key can be rotated the same way.
"""

import base64
import functools
import hashlib
import hmac
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Every Fernet token starts with the version byte 0x80 and a timestamp: base64 "gAAAAA".
TOKEN_PREFIX = "gAAAAA"
INDEX_LENGTH = 32  # hex characters of the HMAC kept: 128 bits


class PersonalDataError(ValueError):
    """A stored personal value that cannot be decrypted: tampered with, or encrypted under a lost key."""


def derive_key(secret: str, purpose: str) -> str:
    """Return a Fernet key derived from ``secret`` (development and tests only)."""
    digest = hashlib.sha256(f"zongzhi:{purpose}:{secret}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def generate_key() -> str:
    """Return a new random key, usable for encryption or for the blind index."""
    return Fernet.generate_key().decode()


@functools.lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("ZONGZHI_PII_KEYS is empty: personal data cannot be encrypted.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "ZONGZHI_PII_KEYS must hold Fernet keys (32 url-safe base64-encoded bytes each)."
        ) from exc


def _index_keys() -> tuple[bytes, ...]:
    keys = tuple(k.encode() for k in settings.ZONGZHI_PII_INDEX_KEYS if k)
    if not keys:
        raise ImproperlyConfigured("ZONGZHI_PII_INDEX_KEYS is empty: personal data cannot be indexed.")
    return keys


def fernet() -> MultiFernet:
    """Return the MultiFernet of the configured keys (the first encrypts)."""
    return _fernet(tuple(k for k in settings.ZONGZHI_PII_KEYS if k))


def is_encrypted(stored: str | None) -> bool:
    """Return whether a stored value looks like a token (plaintext phones and IDs never do)."""
    return bool(stored) and str(stored).startswith(TOKEN_PREFIX)


def encrypt(plain: str) -> str:
    """Return ``plain`` encrypted under the current key; the empty string stays empty."""
    if not plain:
        return ""
    return fernet().encrypt(str(plain).encode()).decode()


def decrypt(stored: str | None) -> str:
    """Return the plaintext of a stored token; refuse anything that does not authenticate."""
    if not stored:
        return ""
    try:
        return fernet().decrypt(str(stored).encode()).decode()
    except InvalidToken as exc:
        raise PersonalDataError(
            "A stored personal value failed authentication (tampered with, or its key is missing)."
        ) from exc


def reencrypt(stored: str) -> str:
    """Return a stored token re-encrypted under the current key (a fresh IV either way)."""
    if not stored:
        return ""
    try:
        return fernet().rotate(str(stored).encode()).decode()
    except InvalidToken as exc:
        raise PersonalDataError("A stored personal value failed authentication.") from exc


def _index(key: bytes, kind: str, value: str) -> str:
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:INDEX_LENGTH]


def blind_index(kind: str, value: str) -> str:
    """Return the blind index of a normalised value under the current index key ("" for "")."""
    if not value:
        return ""
    return _index(_index_keys()[0], kind, str(value))


def blind_indexes(kind: str, value: str) -> list[str]:
    """Return the blind indexes of a normalised value under every index key (for searching)."""
    if not value:
        return [""]
    return [_index(key, kind, str(value)) for key in _index_keys()]


def encrypt_json(data) -> str:
    """Return JSON-serialisable ``data`` encrypted as one token."""
    return fernet().encrypt(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()).decode()


def decrypt_json(stored: str):
    """Return the data of a token made by :func:`encrypt_json`."""
    return json.loads(decrypt(stored))
