"""Session security: idle and absolute timeouts, ended sessions, forced password change, admin 2FA."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from zoneops.accounts import actions
from zoneops.accounts.models import UserSession
from zoneops.accounts.policy import needs_password_change, needs_second_factor
from zoneops.audit.services import record
from zoneops.core import clock

STARTED = "_zo_started"
SEEN = "_zo_seen"
SIGNED_OUT_NOTICE = "_zo_signed_out"
TOUCH_EVERY = 60  # seconds between writes of last_seen_at (the idle clock is this coarse)

_ALWAYS_ALLOWED = ("/static/", "/i18n/", "/accounts/logout/", "/healthz")
_OTP_PATHS = ("/accounts/otp/",)
_PASSWORD_PATHS = ("/accounts/password/", "/accounts/otp/")


class SessionSecurityMiddleware:
    """Enforce timeouts and the account's pending obligations on every request made with a session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(_ALWAYS_ALLOWED):
            return self.get_response(request)
        session = request.session
        now = clock.now().timestamp()
        started = session.get(STARTED)
        seen = session.get(SEEN)
        expired = (seen is not None and now - seen > settings.SESSION_IDLE_TIMEOUT.total_seconds()) or (
            started is not None and now - started > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
        )
        key = session.session_key
        ended = (
            not expired
            and key is not None
            and UserSession.objects.filter(session_key=key, ended_at__isnull=False).exists()
        )
        if expired or ended:
            reason = "timeout" if expired else "ended"
            if expired and key:
                closed = UserSession.objects.filter(session_key=key, ended_at__isnull=True).update(
                    ended_at=clock.now(), end_reason=reason
                )
                if closed:
                    record(user, actions.SESSION_ENDED, user, note=f"{reason}: {key[:8]}…")
            logout(request)
            return self._signed_out(request)
        if started is None:
            session[STARTED] = now
        if seen is None or now - seen >= TOUCH_EVERY:
            # Writing the session only once a minute keeps most requests read-only.
            session[SEEN] = now
            self._touch(request, user, key)
        blocked = self._obligation(request, user)
        if blocked is not None:
            return blocked
        return self.get_response(request)

    def _touch(self, request, user, key: str | None) -> None:
        """Refresh the session's last-seen time; register sessions made without the sign-in page."""
        if key is None:
            return
        stamp = clock.now()
        if not UserSession.objects.filter(session_key=key).update(last_seen_at=stamp):
            UserSession.objects.get_or_create(
                session_key=key,
                defaults={
                    "user": user,
                    "ip": getattr(request, "client_ip", None),
                    "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
                    "created_at": stamp,
                    "last_seen_at": stamp,
                },
            )

    def _obligation(self, request, user):
        """Send an administrator without a verified code to the OTP page, an expired password to the change page."""
        is_api = request.path.startswith("/api/")
        if needs_second_factor(request) and not request.path.startswith(_OTP_PATHS):
            if is_api:
                return _problem(403, _("Two-factor authentication is required: verify your code in the web interface."))
            return _redirect("accounts:otp", request)
        if needs_password_change(user) and not request.path.startswith(_PASSWORD_PATHS):
            if is_api:
                return _problem(403, _("You must change your password in the web interface before you continue."))
            return _redirect("accounts:password-change", request)
        return None

    def _signed_out(self, request):
        if request.path.startswith("/api/"):
            return _problem(401, _("Your session has ended; please sign in again."))
        # This middleware runs before MessageMiddleware: the sign-in page reads the notice from the new session.
        request.session[SIGNED_OUT_NOTICE] = True
        return _redirect("accounts:login", request)


def _redirect(name: str, request) -> HttpResponse:
    """Redirect to a page, coming back to the current one afterwards (GET only); htmx requests load it whole."""
    url = reverse(name)
    if request.headers.get("HX-Request"):
        # A plain 302 would swap the sign-in page into a table; htmx follows HX-Redirect with a full load.
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    if request.method == "GET" and request.get_full_path() not in ("/", url):
        url = f"{url}?{urlencode({'next': request.get_full_path()})}"
    return HttpResponseRedirect(url)


def _problem(status: int, title: str) -> JsonResponse:
    return JsonResponse(
        {"type": "about:blank", "title": title, "status": status},
        status=status,
        content_type="application/problem+json",
    )
