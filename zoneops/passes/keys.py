"""Private signing keys on disk (never in the database nor the repository), one 0600 PEM file per key."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings

_cache: dict[tuple[str, str], ec.EllipticCurvePrivateKey] = {}


def key_dir() -> Path:
    """settings.PASS_KEY_DIR, else $ZONEOPS_PASS_KEY_DIR, else var/keys; created 0700."""
    configured = getattr(settings, "PASS_KEY_DIR", None) or os.environ.get("ZONEOPS_PASS_KEY_DIR")
    path = Path(configured) if configured else Path(settings.VAR_DIR) / "keys"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def store_private_key(kid_hex: str, private_key: ec.EllipticCurvePrivateKey) -> Path:
    """Write the key as <kid>.pem with mode 0600; never overwrites."""
    path = key_dir() / f"{kid_hex}.pem"
    data = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path


def load_private_key(kid_hex: str) -> ec.EllipticCurvePrivateKey | None:
    """The private key of `kid_hex` from the key directory, or None if this server does not hold it."""
    directory = key_dir()
    cached = _cache.get((str(directory), kid_hex))
    if cached is not None:
        return cached
    path = directory / f"{kid_hex}.pem"
    if not path.exists():
        return None
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        return None
    _cache[(str(directory), kid_hex)] = key
    return key


def destroy_private_key(kid_hex: str) -> bool:
    """Delete a withdrawn key's file; True if there was one."""
    _cache.pop((str(key_dir()), kid_hex), None)
    path = key_dir() / f"{kid_hex}.pem"
    if path.exists():
        path.unlink()
        return True
    return False
