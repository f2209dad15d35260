"""Sign-in security: lockout per account and per IP (checked before any password is hashed), the login log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from zoneops.accounts import actions
from zoneops.accounts.models import LoginAttempt, User, UserSession
from zoneops.accounts.scoping import grants_for
from zoneops.audit.services import record
from zoneops.core import clock
from zoneops.core.errors import DomainError

# Wrong passwords and wrong one-time codes both count toward the lockout.
COUNTED_OUTCOMES = (LoginAttempt.Outcome.FAILURE, LoginAttempt.Outcome.OTP_FAILURE)
MANAGE_SESSIONS = "accounts.manage_sessions"
VIEW_LOGIN_LOG = "accounts.view_login_log"


class BadCredentials(DomainError):
    """Wrong username or password (API: 401)."""

    status = 401
    code = "bad_credentials"


class LockedOut(DomainError):
    """Too many failures for this account or address (API: 429)."""

    status = 429
    code = "locked"


@dataclass
class SignInResult:
    """The outcome of one sign-in attempt."""

    user: User | None
    outcome: str
    message: str = ""


def locked_until(*, limit: int | None = None, **where) -> datetime | None:
    """When the lockout for these attempts (username= or ip=) ends, or None when not locked.

    Replays the recent failures in order: `LOGIN_FAILURE_LIMIT` of them within `LOGIN_FAILURE_WINDOW`
    lock for `LOGIN_LOCKOUT`, and a lockout that has run out starts the count afresh (one more wrong
    password after the lockout does not lock again at once). Only failures can lock; refused attempts
    during a lockout are logged as "locked" and do not prolong it.
    """
    now = clock.now()
    window, lockout = settings.LOGIN_FAILURE_WINDOW, settings.LOGIN_LOCKOUT
    limit = limit or settings.LOGIN_FAILURE_LIMIT
    times = (
        LoginAttempt.objects.filter(outcome__in=COUNTED_OUTCOMES, at__gte=now - window - lockout, at__lte=now, **where)
        .order_by("at")
        .values_list("at", flat=True)
    )
    recent: list[datetime] = []
    until: datetime | None = None
    for at in times:
        if until is not None:
            if at < until:
                continue
            until = None
        recent = [t for t in recent if t > at - window]
        recent.append(at)
        if len(recent) >= limit:
            until, recent = at + lockout, []
    return until if until is not None and until > now else None


def lockout_message(username: str, ip: str | None) -> str:
    """A clear message if the account or the address is locked out, else an empty string."""
    # Offices behind one NAT address may raise the per-address limit (LOGIN_IP_FAILURE_LIMIT, default the same).
    ip_limit = getattr(settings, "LOGIN_IP_FAILURE_LIMIT", None) or settings.LOGIN_FAILURE_LIMIT
    ends = [
        until
        for until in (locked_until(username=username), locked_until(ip=ip, limit=ip_limit) if ip else None)
        if until
    ]
    if not ends:
        return ""
    seconds = (max(ends) - clock.now()).total_seconds()
    minutes = max(1, int(-(-seconds // 60)))
    return _(
        "Too many failed sign-ins: signing in is locked for %(minutes)s more minutes. Try again later or ask the "
        "security administrator."
    ) % {"minutes": minutes}


_AUDIT_ACTION = {
    LoginAttempt.Outcome.SUCCESS: actions.LOGIN_SUCCEEDED,
    LoginAttempt.Outcome.LOCKED: actions.LOGIN_LOCKED,
    LoginAttempt.Outcome.LOGOUT: actions.LOGGED_OUT,
    LoginAttempt.Outcome.OTP_FAILURE: actions.OTP_FAILED,
}


def log_attempt(
    *, username: str, user: User | None, ip: str | None, outcome: str, channel: str, user_agent: str = ""
) -> LoginAttempt:
    """Write the login-log row and the matching audit event."""
    attempt = LoginAttempt.objects.create(
        username=username[:150],
        user=user,
        ip=ip,
        outcome=outcome,
        channel=channel,
        user_agent=user_agent[:300],
        at=clock.now(),
    )
    # Only a signed-in user acts; a failed or refused attempt is recorded under the name typed.
    acting = outcome in (LoginAttempt.Outcome.SUCCESS, LoginAttempt.Outcome.LOGOUT, LoginAttempt.Outcome.OTP_FAILURE)
    record(
        user if acting else None,
        _AUDIT_ACTION.get(outcome, actions.LOGIN_FAILED),
        user,
        username=username[:150],
        note=f"{channel}: {outcome}",
    )
    return attempt


def sign_in(request, *, username: str, password: str, channel: str = "web") -> SignInResult:
    """Refuse a locked account or address before any password is hashed; else check it. Logs every attempt."""
    ip = getattr(request, "client_ip", None)
    agent = request.META.get("HTTP_USER_AGENT", "")
    username = (username or "").strip()
    message = lockout_message(username, ip)
    if message:
        known = User.objects.filter(username=username).first()
        log_attempt(
            username=username, user=known, ip=ip, outcome=LoginAttempt.Outcome.LOCKED, channel=channel, user_agent=agent
        )
        return SignInResult(user=None, outcome=LoginAttempt.Outcome.LOCKED, message=message)
    user = authenticate(request, username=username, password=password)
    if user is None:
        known = User.objects.filter(username=username).first()
        if known is not None and not known.is_active and known.check_password(password):
            log_attempt(
                username=username,
                user=known,
                ip=ip,
                outcome=LoginAttempt.Outcome.INACTIVE,
                channel=channel,
                user_agent=agent,
            )
            return SignInResult(
                user=None, outcome=LoginAttempt.Outcome.INACTIVE, message=_("This account is disabled.")
            )
        log_attempt(
            username=username,
            user=known,
            ip=ip,
            outcome=LoginAttempt.Outcome.FAILURE,
            channel=channel,
            user_agent=agent,
        )
        locked = lockout_message(username, ip)
        if locked:
            return SignInResult(user=None, outcome=LoginAttempt.Outcome.LOCKED, message=locked)
        return SignInResult(user=None, outcome=LoginAttempt.Outcome.FAILURE, message=_("Wrong username or password."))
    log_attempt(
        username=username, user=user, ip=ip, outcome=LoginAttempt.Outcome.SUCCESS, channel=channel, user_agent=agent
    )
    return SignInResult(user=user, outcome=LoginAttempt.Outcome.SUCCESS)


def _visible_users(actor: User, perm: str) -> tuple[bool, QuerySet]:
    """(sees everything, users in scope) for `perm`."""
    grant = grants_for(actor, perm) if actor.is_authenticated and actor.is_active else None
    if grant is None or grant.is_empty:
        return False, User.objects.none()
    return grant.all, User.objects.all().visible_to(actor, perm)


def visible_login_attempts(actor: User) -> QuerySet:
    """Login-log rows the actor may read: all of them with an all-data scope, else those of users in scope."""
    sees_all, users = _visible_users(actor, VIEW_LOGIN_LOG)
    rows = LoginAttempt.objects.select_related("user")
    if sees_all:
        return rows
    return rows.filter(user__in=users)


def visible_sessions(actor: User) -> QuerySet:
    """Live sessions (not ended, not idle past the timeout) of the users the actor may manage."""
    _sees_all, users = _visible_users(actor, MANAGE_SESSIONS)
    return live_sessions().filter(user__in=users)


def live_sessions() -> QuerySet:
    """Sessions not ended and seen within the idle timeout and the absolute lifetime."""
    now = clock.now()
    return (
        UserSession.objects.select_related("user", "user__department")
        .filter(ended_at__isnull=True)
        .filter(
            Q(last_seen_at__gt=now - settings.SESSION_IDLE_TIMEOUT)
            & Q(created_at__gt=now - settings.SESSION_ABSOLUTE_TIMEOUT)
        )
    )
