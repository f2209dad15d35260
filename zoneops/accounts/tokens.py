"""Personal API tokens: made once, shown once, stored as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import secrets

from zoneops.core import clock

TOKEN_PREFIX = "zo_"


def token_digest(raw: str) -> str:
    """SHA-256 hex digest of a raw token (tokens are long random strings, so no slow hash is needed)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def new_raw_token() -> str:
    """A fresh random token string."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def user_for_token(raw: str):
    """The active user owning a live token, or None; marks the token used (at most once a minute)."""
    from zoneops.accounts.models import ApiToken

    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user", "user__department").filter(digest=token_digest(raw)).first()
    now = clock.now()
    if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
        return None
    if not token.user.is_active:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
