"""Encryption at rest for personal data, keyed digests for exact-match search, and masking."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_PREFIX = "v1:"


@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[bytes, bytes]:
    # Derive separate keys for encryption and for the search digest from the one kept secret.
    enc = hashlib.sha256(b"zoneops-enc\0" + secret.encode()).digest()
    mac = hashlib.sha256(b"zoneops-mac\0" + secret.encode()).digest()
    return enc, mac


def encrypt(plaintext: str) -> str:
    """Encrypt a string with AES-256-GCM; returns 'v1:' + base64(nonce + ciphertext)."""
    enc, _ = _keys(settings.DATA_ENCRYPTION_KEY)
    nonce = os.urandom(12)
    sealed = AESGCM(enc).encrypt(nonce, plaintext.encode(), None)
    return _PREFIX + base64.b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    """Decrypt a value made by `encrypt`."""
    if not token.startswith(_PREFIX):
        raise ValueError("not an encrypted value")
    raw = base64.b64decode(token[len(_PREFIX) :])
    enc, _ = _keys(settings.DATA_ENCRYPTION_KEY)
    return AESGCM(enc).decrypt(raw[:12], raw[12:], None).decode()


def digest(value: str) -> str:
    """Keyed hash (HMAC-SHA256) of a normalised value, for exact-match search without decrypting."""
    _, mac = _keys(settings.DATA_ENCRYPTION_KEY)
    normalised = "".join(value.split()).upper()
    return hmac.new(mac, normalised.encode(), hashlib.sha256).hexdigest()


def _mask_all_but_last_four(value: str) -> str:
    """****5678; values of six characters or fewer are hidden entirely."""
    if len(value) <= 6:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def mask_mobile(value: str | None) -> str:
    """138****5678."""
    if not value:
        return ""
    if len(value) < 11:
        # Shorter numbers (landlines without area code): keeping 3 + 4 would hide little or nothing.
        return _mask_all_but_last_four(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_id_number(value: str | None) -> str:
    """3206**********1234."""
    if not value:
        return ""
    if len(value) < 15:
        # Passport and other short numbers: keeping 4 + 4 would hide little or nothing.
        return _mask_all_but_last_four(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_name(value: str | None) -> str:
    """张*明 / 李*: keeps the family name and, for long names, the last character."""
    if not value:
        return ""
    if len(value) <= 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


MASKERS = {"mobile": mask_mobile, "id_number": mask_id_number, "name": mask_name}
