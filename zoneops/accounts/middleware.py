"""Session security: idle and absolute timeouts, ended sessions, forced password change, admin 2FA."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from zoneops.accounts.models import UserSession
from zoneops.accounts.policy import needs_password_change, needs_second_factor
from zoneops.core import clock

STARTED = "_zo_started"
SEEN = "_zo_seen"
_TOUCH_EVERY = 60  # seconds between writes of last_seen_at


def _exempt(path: str) -> bool:
    return path.startswith(("/static/", "/i18n/", "/accounts/logout", "/healthz"))


class SessionSecurityMiddleware:
    """Enforce timeouts and the account's pending obligations on every request made with a session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or _exempt(request.path):
            return self.get_response(request)
        now = clock.now().timestamp()
        session = request.session
        started = session.get(STARTED, now)
        seen = session.get(SEEN, now)
        expired = (
            now - seen > settings.SESSION_IDLE_TIMEOUT.total_seconds()
            or now - started > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
        )
        ended = False
        if not expired and session.session_key:
            ended = UserSession.objects.filter(session_key=session.session_key, ended_at__isnull=False).exists()
        if expired or ended:
            key = session.session_key
            logout(request)
            if key:
                UserSession.objects.filter(session_key=key, ended_at__isnull=True).update(
                    ended_at=clock.now(), end_reason="timeout" if expired else "ended"
                )
            return self._signed_out(request, _("Your session has ended; please sign in again."))
        session[STARTED] = started
        if now - seen >= _TOUCH_EVERY or SEEN not in session:
            session[SEEN] = now
            if session.session_key:
                UserSession.objects.filter(session_key=session.session_key).update(last_seen_at=clock.now())
        else:
            session[SEEN] = seen
        if request.path.startswith("/api/"):
            return self.get_response(request)
        if needs_second_factor(request) and not request.path.startswith("/accounts/otp"):
            return redirect("accounts:otp")
        if needs_password_change(user) and not request.path.startswith(("/accounts/password", "/accounts/otp")):
            messages.warning(request, _("You must change your password before you continue."))
            return redirect("accounts:password-change")
        return self.get_response(request)

    def _signed_out(self, request, text: str):
        if request.path.startswith("/api/"):
            return JsonResponse({"title": text, "status": 401}, status=401, content_type="application/problem+json")
        messages.info(request, text)
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
