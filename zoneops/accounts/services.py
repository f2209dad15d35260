"""Accounts writes: passwords, sessions, tokens (departments, users and roles in their own modules)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zoneops.accounts import actions
from zoneops.accounts.models import ApiToken, LoginAttempt, PasswordHistory, User, UserSession
from zoneops.accounts.policy import demo_exempt, is_administrator
from zoneops.accounts.security import MANAGE_SESSIONS, BadCredentials, LockedOut, log_attempt, sign_in
from zoneops.accounts.tokens import new_raw_token, token_digest
from zoneops.audit.services import record
from zoneops.core import clock
from zoneops.core.errors import DomainError, OutOfScope, PermissionDenied

MANAGE_USER = "accounts.manage_user"


@transaction.atomic
def change_password(
    *,
    actor: User,
    user: User,
    new_password: str,
    old_password: str | None = None,
    by_admin: bool = False,
    keep_session_key: str | None = None,
    console_reset: bool = False,
) -> User:
    """Set a new password under the policy; keep the old hash in the history and end the user's other sessions.

    A user changes their own password (the current one is required); a user manager in scope may reset it
    (`by_admin`), which makes it an initial password again, to be changed at the next sign-in.
    """
    if console_reset:
        # `manage.py changepassword`: whoever holds the server console; an initial password, audited.
        by_admin = True
    elif by_admin:
        if not actor.has_perm(MANAGE_USER):
            raise PermissionDenied(_("You may not reset passwords."))
        if not User.objects.all().visible_to(actor, MANAGE_USER).filter(pk=user.pk).exists():
            raise OutOfScope(_("No such user."))
    elif actor.pk != user.pk:
        raise PermissionDenied(_("You may only change your own password."))
    elif old_password is None or not user.check_password(old_password):
        raise DomainError(_("The current password is wrong."), field="old_password")
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise DomainError(
            " ".join(exc.messages), field="new_password1", errors={"new_password1": list(exc.messages)}
        ) from exc
    if user.password and user.has_usable_password():
        PasswordHistory.objects.create(user=user, password=user.password)
    user.set_password(new_password)
    user.password_changed_at = clock.now()
    user.must_change_password = by_admin
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    end_sessions(actor=actor, user=user, reason="password_changed", keep_key=None if by_admin else keep_session_key)
    # Tokens were obtained with the old password (or hold its authority): they end with it.
    for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        record(actor, actions.TOKEN_REVOKED, token, note="password_changed")
    record(
        None if console_reset else actor,
        actions.PASSWORD_RESET if by_admin else actions.PASSWORD_CHANGED,
        user,
        note="console" if console_reset else "",
    )
    return user


@transaction.atomic
def end_sessions(*, actor: User | None, user: User, reason: str, keep_key: str | None = None) -> int:
    """End every live session of `user` (except `keep_key`), e.g. when disabled; returns how many were ended.

    Callers (disable_user, change_password) have checked the actor's permission already.
    """
    live = UserSession.objects.filter(user=user, ended_at__isnull=True)
    if keep_key:
        live = live.exclude(session_key=keep_key)
    keys = list(live.values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    live.update(ended_at=clock.now(), end_reason=reason[:40])
    for key in keys:
        record(actor, actions.SESSION_ENDED, user, note=f"{reason}: {key[:8]}…")
    return len(keys)


@transaction.atomic
def end_my_other_sessions(*, actor: User, current_key: str | None) -> int:
    """The user signs out their other browsers and devices (e.g. a forgotten office PC); keeps this one."""
    return end_sessions(actor=actor, user=actor, reason="ended_by_user", keep_key=current_key)


@transaction.atomic
def end_session(*, actor: User, session: UserSession) -> UserSession:
    """A security administrator ends one online session (forced sign-out); audited."""
    if not actor.has_perm(MANAGE_SESSIONS):
        raise PermissionDenied(_("You may not end sessions."))
    if not User.objects.all().visible_to(actor, MANAGE_SESSIONS).filter(pk=session.user_id).exists():
        raise OutOfScope(_("No such session."))
    if session.ended_at is not None:
        raise DomainError(_("This session has already ended."))
    Session.objects.filter(session_key=session.session_key).delete()
    session.ended_at = clock.now()
    session.end_reason = "ended_by_admin"
    session.save(update_fields=["ended_at", "end_reason"])
    record(
        actor,
        actions.SESSION_ENDED,
        session.user,
        changes={"session": [session.session_key[:8], None]},
        note=f"ended_by_admin: {session.session_key[:8]}…",
    )
    return session


def start_session(request, user: User) -> UserSession:
    """Register the session a successful sign-in created (Django has already given it a new key)."""
    now = clock.now()
    if request.session.session_key is None:
        request.session.save()
    return UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "ip": getattr(request, "client_ip", None),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
            "created_at": now,
            "last_seen_at": now,
            "ended_at": None,
            "end_reason": "",
        },
    )[0]


def sign_out(request) -> None:
    """Log the sign-out and close the session's record (the caller then calls django.contrib.auth.logout)."""
    user = request.user
    if not user.is_authenticated:
        return
    log_attempt(
        username=user.username,
        user=user,
        ip=getattr(request, "client_ip", None),
        outcome=LoginAttempt.Outcome.LOGOUT,
        channel="web",
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    UserSession.objects.filter(session_key=request.session.session_key, ended_at__isnull=True).update(
        ended_at=clock.now(), end_reason="logout"
    )


@transaction.atomic
def create_api_token(*, actor: User, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Make a personal token for the actor; the raw value is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name."), field="name")
    if len(name) > 60:
        raise DomainError(_("The name may have at most 60 characters."), field="name")
    if expires_at is not None and expires_at <= clock.now():
        raise DomainError(_("The expiry must lie in the future."), field="expires_at")
    raw = new_raw_token()
    token = ApiToken.objects.create(
        user=actor, name=name, prefix=raw[:10], digest=token_digest(raw), expires_at=expires_at
    )
    record(actor, actions.TOKEN_CREATED, token, changes={"name": [None, token.name]})
    return token, raw


@transaction.atomic
def revoke_api_token(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's own tokens."""
    if token.user_id != actor.pk:
        raise OutOfScope(_("No such token."))
    if token.revoked_at is not None:
        raise DomainError(_("This token is already revoked."))
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
    record(actor, actions.TOKEN_REVOKED, token, changes={"revoked_at": [None, token.revoked_at]})
    return token


def issue_sign_in_token(request, *, username: str, password: str, otp: str | None = None) -> str:
    """POST /api/v1/auth/token: check lockout, password and (administrators) the TOTP code; return a raw token.

    Not atomic as a whole: the failed attempt must stay logged (it counts toward the lockout) even though
    the request fails. The token lives as long as a web session may (SESSION_ABSOLUTE_TIMEOUT).
    """
    result = sign_in(request, username=username, password=password, channel="api")
    if result.outcome == LoginAttempt.Outcome.LOCKED:
        raise LockedOut(result.message, field="password")
    if result.user is None:
        raise BadCredentials(result.message, field="password")
    user = result.user
    if not demo_exempt(user):
        if user.must_change_password:
            raise PermissionDenied(_("Change your initial password in the web interface first."), field="password")
        if is_administrator(user):
            _verify_api_otp(request, user, otp)
    with transaction.atomic():
        token, raw = create_api_token(
            actor=user, name=_("API sign-in"), expires_at=clock.now() + settings.SESSION_ABSOLUTE_TIMEOUT
        )
        record(user, actions.TOKEN_ISSUED, token)
    return raw


def _verify_api_otp(request, user: User, otp: str | None) -> None:
    """Administrators need their TOTP code for an API token too (no way round the second factor)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise PermissionDenied(
            _("Administrators must set up two-factor authentication in the web interface first."), field="otp"
        )
    if not otp or not device.verify_token(otp.strip()):
        log_attempt(
            username=user.username,
            user=user,
            ip=getattr(request, "client_ip", None),
            outcome=LoginAttempt.Outcome.OTP_FAILURE,
            channel="api",
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        raise BadCredentials(_("The one-time code is missing, wrong or expired."), field="otp")


def export_login_log(*, actor: User, rows, criteria: dict):
    """An Excel workbook of the login-log rows the actor filtered; the export itself is audited."""
    from zoneops.accounts.security import VIEW_LOGIN_LOG, visible_login_attempts
    from zoneops.core.excel import Column, export_workbook

    if not actor.has_perm(VIEW_LOGIN_LOG):
        raise PermissionDenied(_("You may not read the login log."))
    # Re-narrow: whatever the caller passes, only rows in the actor's scope leave the system.
    rows = rows.filter(pk__in=visible_login_attempts(actor).values("pk")).order_by("-at", "-pk")
    columns = [
        Column("at", _("Time"), 20),
        Column("username", _("Username"), 16),
        Column("full_name", _("Full name"), 14),
        Column("ip", _("IP address"), 16),
        Column("channel", _("Channel"), 8),
        Column("outcome", _("Outcome"), 18),
        Column("user_agent", _("User agent"), 40),
    ]
    data = [
        (
            timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S"),
            row.username,
            row.user.full_name if row.user else "",
            row.ip or "",
            row.channel,
            row.get_outcome_display(),
            row.user_agent,
        )
        for row in rows.iterator(chunk_size=2000)
    ]
    workbook = export_workbook(
        title=str(_("Login log")),
        columns=columns,
        rows=data,
        unit=actor.department.name if actor.department_id else "",
        author=actor.display_name,
    )
    record(
        actor,
        actions.LOGIN_LOG_EXPORTED,
        None,
        changes={"criteria": {k: str(v) for k, v in criteria.items() if v}, "rows": len(data)},
    )
    return workbook
