"""Sign-in security: lockout per account and per IP, checked before any password is hashed."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _

from zoneops.accounts import actions
from zoneops.accounts.models import LoginAttempt, User
from zoneops.audit.services import record
from zoneops.core import clock

_COUNTED = (LoginAttempt.Outcome.FAILURE, LoginAttempt.Outcome.OTP_FAILURE)


@dataclass
class SignInResult:
    """The outcome of one sign-in attempt."""

    user: User | None
    outcome: str
    message: str = ""


def _locked_until(**where) -> object | None:
    """The end of the lockout for these attempts (username= or ip=), or None when not locked."""
    now = clock.now()
    window_start = now - settings.LOGIN_FAILURE_WINDOW
    failures = list(
        LoginAttempt.objects.filter(outcome__in=_COUNTED, at__gte=window_start, **where)
        .order_by("-at")
        .values_list("at", flat=True)[: settings.LOGIN_FAILURE_LIMIT]
    )
    if len(failures) < settings.LOGIN_FAILURE_LIMIT:
        return None
    until = failures[0] + settings.LOGIN_LOCKOUT
    return until if until > now else None


def lockout_message(username: str, ip: str | None) -> str:
    """A clear message if the account or the address is locked out, else an empty string."""
    for where in ({"username": username}, {"ip": ip} if ip else None):
        if not where:
            continue
        until = _locked_until(**where)
        if until is not None:
            minutes = max(1, int((until - clock.now()).total_seconds() // 60) + 1)
            return _(
                "Too many failed sign-ins. Sign-in is locked for %(minutes)s more minutes; try again later "
                "or ask the security administrator."
            ) % {"minutes": minutes}
    return ""


def log_attempt(*, username: str, user: User | None, ip: str | None, outcome: str, channel: str, user_agent: str = ""):
    """Write the login-log row and the matching audit event."""
    LoginAttempt.objects.create(
        username=username[:150], user=user, ip=ip, outcome=outcome, channel=channel, user_agent=user_agent[:300],
        at=clock.now(),
    )
    action = {
        LoginAttempt.Outcome.SUCCESS: actions.LOGIN_SUCCEEDED,
        LoginAttempt.Outcome.LOCKED: actions.LOGIN_LOCKED,
        LoginAttempt.Outcome.LOGOUT: actions.LOGGED_OUT,
        LoginAttempt.Outcome.OTP_FAILURE: actions.OTP_FAILED,
    }.get(outcome, actions.LOGIN_FAILED)
    record(user, action, user, username=username, note=f"{channel}: {outcome}")


def sign_in(request, *, username: str, password: str, channel: str = "web") -> SignInResult:
    """Check lockout, then the password; log the attempt either way."""
    ip = getattr(request, "client_ip", None)
    agent = request.META.get("HTTP_USER_AGENT", "")
    username = (username or "").strip()
    message = lockout_message(username, ip)
    if message:
        log_attempt(username=username, user=None, ip=ip, outcome=LoginAttempt.Outcome.LOCKED, channel=channel, user_agent=agent)
        return SignInResult(user=None, outcome=LoginAttempt.Outcome.LOCKED, message=message)
    user = authenticate(request, username=username, password=password)
    if user is None:
        known = User.objects.filter(username=username).first()
        if known is not None and not known.is_active and known.check_password(password):
            log_attempt(username=username, user=known, ip=ip, outcome=LoginAttempt.Outcome.INACTIVE, channel=channel, user_agent=agent)
            return SignInResult(user=None, outcome=LoginAttempt.Outcome.INACTIVE, message=_("This account is disabled."))
        log_attempt(username=username, user=known, ip=ip, outcome=LoginAttempt.Outcome.FAILURE, channel=channel, user_agent=agent)
        message = lockout_message(username, ip) or _("Wrong username or password.")
        return SignInResult(user=None, outcome=LoginAttempt.Outcome.FAILURE, message=message)
    log_attempt(username=username, user=user, ip=ip, outcome=LoginAttempt.Outcome.SUCCESS, channel=channel, user_agent=agent)
    return SignInResult(user=user, outcome=LoginAttempt.Outcome.SUCCESS)
