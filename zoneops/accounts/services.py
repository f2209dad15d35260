"""Accounts writes: passwords, sessions, tokens (departments, users and roles in their own modules)."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zoneops.accounts import actions
from zoneops.accounts.models import ApiToken, PasswordHistory, User, UserSession
from zoneops.accounts.tokens import new_raw_token, token_digest
from zoneops.audit.services import record
from zoneops.core import clock
from zoneops.core.errors import DomainError


@transaction.atomic
def change_password(*, actor: User, user: User, new_password: str, old_password: str | None = None,
                    by_admin: bool = False) -> User:
    """Set a new password after the policy checks; keeps history and ends the user's other sessions."""
    if old_password is not None and not user.check_password(old_password):
        raise DomainError(_("The current password is wrong."), field="old_password")
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="new_password1", errors={"new_password1": exc.messages}) from exc
    if user.password:
        PasswordHistory.objects.create(user=user, password=user.password)
    user.set_password(new_password)
    user.password_changed_at = clock.now()
    # An administrator's reset is an initial password again: the user must change it at next sign-in.
    user.must_change_password = by_admin
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    end_sessions(actor=actor, user=user, reason="password_changed", keep_key=None if by_admin else _current_key(actor))
    record(actor, actions.PASSWORD_RESET if by_admin else actions.PASSWORD_CHANGED, user)
    return user


def _current_key(actor) -> str | None:
    return getattr(actor, "_zo_session_key", None)


def end_sessions(*, actor: User | None, user: User, reason: str, keep_key: str | None = None) -> int:
    """End every live session of `user` (except `keep_key`); returns how many were ended."""
    live = UserSession.objects.filter(user=user, ended_at__isnull=True)
    if keep_key:
        live = live.exclude(session_key=keep_key)
    keys = list(live.values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    live.update(ended_at=clock.now(), end_reason=reason)
    for key in keys:
        record(actor, actions.SESSION_ENDED, user, note=f"{reason}: {key[:8]}…")
    return len(keys)


def start_session(request, user: User) -> UserSession:
    """Register the session a successful sign-in created (Django already rotated its key)."""
    now = clock.now()
    key = request.session.session_key
    if key is None:
        request.session.save()
        key = request.session.session_key
    return UserSession.objects.update_or_create(
        session_key=key,
        defaults={"user": user, "ip": getattr(request, "client_ip", None),
                  "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
                  "created_at": now, "last_seen_at": now, "ended_at": None, "end_reason": ""},
    )[0]


@transaction.atomic
def create_api_token(*, actor: User, name: str, expires_at=None) -> tuple[ApiToken, str]:
    """Make a personal token for the actor; the raw value is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name."), field="name")
    raw = new_raw_token()
    token = ApiToken.objects.create(user=actor, name=name[:60], prefix=raw[:10], digest=token_digest(raw),
                                    expires_at=expires_at)
    record(actor, actions.TOKEN_CREATED, token, changes={"name": [None, token.name]})
    return token, raw


@transaction.atomic
def revoke_api_token(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's tokens."""
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        record(actor, actions.TOKEN_REVOKED, token)
    return token
