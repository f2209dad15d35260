"""Accounts pages: sign-in (with TOTP for administrators), sign-out, own account, password change,
online sessions, login log and personal API tokens."""

from __future__ import annotations

import base64
from datetime import datetime, time
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from zoneops.accounts import actions
from zoneops.accounts.forms import LoginForm, LoginLogFilter, OtpForm, PasswordChangeForm, TokenForm
from zoneops.accounts.middleware import SEEN, SIGNED_OUT_NOTICE, STARTED
from zoneops.accounts.models import ApiToken, LoginAttempt
from zoneops.accounts.policy import demo_exempt, is_administrator, needs_password_change
from zoneops.accounts.security import (
    MANAGE_SESSIONS,
    VIEW_LOGIN_LOG,
    live_sessions,
    lockout_message,
    log_attempt,
    sign_in,
    visible_login_attempts,
    visible_sessions,
)
from zoneops.accounts.services import (
    change_password,
    create_api_token,
    end_my_other_sessions,
    end_session,
    export_login_log,
    revoke_api_token,
    sign_out,
    start_session,
)
from zoneops.audit.services import record
from zoneops.core import clock
from zoneops.core.errors import DomainError
from zoneops.core.excel import xlsx_response
from zoneops.core.listing import is_partial, paginate


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url("core:home")


@sensitive_post_parameters("password")
@never_cache
def login_view(request):
    """Sign in with username and password; lockout is checked before the password is hashed."""
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        result = sign_in(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
        if result.user is not None:
            login(request, result.user)  # a new session key: no session fixation
            now = clock.now().timestamp()
            request.session[STARTED] = now
            request.session[SEEN] = now
            start_session(request, result.user)
            return redirect(_next_url(request))
        error = result.message
        status = 429 if result.outcome == LoginAttempt.Outcome.LOCKED else 200
    notice = _("Your session has ended; please sign in again.") if request.session.pop(SIGNED_OUT_NOTICE, False) else ""
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "notice": notice, "next": _next_url(request)},
        status=status,
    )


@require_POST
def logout_view(request):
    """Sign out and record it."""
    sign_out(request)
    logout(request)
    return redirect("accounts:login")


@login_required
@never_cache
def otp_view(request):
    """Set up (first time) or enter the TOTP code administrators need; says so when demo mode exempts them."""
    user = request.user
    exempt = demo_exempt(user) and is_administrator(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    setup = device is None
    if setup:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
            user=user, name="default", confirmed=False
        )
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = getattr(request, "client_ip", None)
        blocked = lockout_message(user.username, ip)
        if blocked:
            form.add_error("code", blocked)
        elif device.verify_token(form.cleaned_data["code"]):
            if setup:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                record(user, actions.OTP_DEVICE_CONFIRMED, user)
            otp_login(request, device)
            return redirect(_next_url(request))
        else:
            log_attempt(
                username=user.username,
                user=user,
                ip=ip,
                outcome=LoginAttempt.Outcome.OTP_FAILURE,
                channel="web",
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
            form.add_error("code", lockout_message(user.username, ip) or _("The code is wrong or has expired."))
    context = {"form": form, "setup": setup, "exempt": exempt, "next": _next_url(request)}
    if setup:
        context["qr_data_uri"] = segno.make(device.config_url, error="m").svg_data_uri(scale=4)
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/otp.html", context)


@login_required
def profile_view(request):
    """The signed-in user's own account: departments, roles, sessions."""
    user = request.user
    return render(
        request,
        "accounts/profile.html",
        {
            "account": user,
            "roles": user.roles.filter(is_active=True),
            "posts": user.posts.select_related("department"),
            "sessions": live_sessions().filter(user=user).order_by("-last_seen_at"),
            "current_key": request.session.session_key,
            "otp_confirmed": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        },
    )


@require_POST
@login_required
def session_end_others_view(request):
    """Sign out every other session of the signed-in user (from the profile page)."""
    count = end_my_other_sessions(actor=request.user, current_key=request.session.session_key)
    messages.success(request, _("%(count)s other sessions ended.") % {"count": count})
    return redirect("accounts:profile")


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
def password_change_view(request):
    """Change one's own password under the policy."""
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change_password(
                actor=request.user,
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
                keep_session_key=request.session.session_key,
            )
        except DomainError as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            if not exc.errors:
                form.add_error(None, exc.message)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect(_next_url(request))
    context = {"form": form, "next": _next_url(request)}
    if needs_password_change(request.user):
        context["required"] = (
            _("Your password is an initial one: change it before you continue.")
            if request.user.must_change_password
            else _("Your password is older than %(days)s days: change it before you continue.")
            % {"days": settings.PASSWORD_MAX_AGE_DAYS}
        )
    return render(request, "accounts/password_change.html", context)


@login_required
@permission_required(MANAGE_SESSIONS, raise_exception=True)
def session_list_view(request):
    """Online sessions of the users in the security administrator's scope."""
    rows = visible_sessions(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        rows = rows.filter(Q(user__username__icontains=query) | Q(user__full_name__icontains=query))
    listing = paginate(request, rows.order_by("-last_seen_at", "-pk"))
    template = "accounts/session_list.html#table" if is_partial(request) else "accounts/session_list.html"
    context = {"listing": listing, "q": query, "current_key": request.session.session_key}
    return render(request, template, context)


@require_POST
@login_required
@permission_required(MANAGE_SESSIONS, raise_exception=True)
def session_end_view(request, pk: int):
    """Force one session to sign out."""
    session = get_object_or_404(visible_sessions(request.user), pk=pk)
    try:
        end_session(actor=request.user, session=session)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The session of %(user)s has been ended.") % {"user": session.user})
    return redirect("accounts:session-list")


def _day_bounds(value, end: bool = False):
    return timezone.make_aware(datetime.combine(value, time.max if end else time.min))


@login_required
@permission_required(VIEW_LOGIN_LOG, raise_exception=True)
def login_log_view(request):
    """The login log: search by username, IP, outcome and dates; export to Excel."""
    form = LoginLogFilter(request.GET or None)
    rows = form.filter(visible_login_attempts(request.user))
    if request.GET.get("export") == "xlsx":
        criteria = form.cleaned_data if form.is_bound else {}
        workbook = export_login_log(actor=request.user, rows=rows, criteria=criteria)
        return xlsx_response(workbook, f"{_('Login log')}-{clock.today():%Y%m%d}.xlsx")
    listing = paginate(request, rows.order_by("-at", "-pk"))
    params = request.GET.copy()
    params.pop("page", None)
    params["export"] = "xlsx"
    template = "accounts/login_log.html#table" if is_partial(request) else "accounts/login_log.html"
    return render(
        request,
        template,
        {"form": form, "listing": listing, "export_query": params.urlencode()},
    )


@login_required
def token_list_view(request):
    """The user's own API tokens; the create form shows a new token's value once."""
    form = TokenForm(request.POST or None)
    raw = None
    if request.method == "POST" and form.is_valid():
        expires_on = form.cleaned_data["expires_on"]
        try:
            token, raw = create_api_token(
                actor=request.user,
                name=form.cleaned_data["name"],
                expires_at=_day_bounds(expires_on, end=True) if expires_on else None,
            )
        except DomainError as exc:
            field = "expires_on" if exc.field == "expires_at" else exc.field
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Token “%(name)s” created.") % {"name": token.name})
            form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at", "-pk")
    response = render(
        request, "accounts/token_list.html", {"form": form, "tokens": tokens, "raw_token": raw, "now": clock.now()}
    )
    response["Cache-Control"] = "no-store"  # the raw token is on this page once
    return response


@require_POST
@login_required
def token_revoke_view(request, pk: int):
    """Revoke one of the user's own tokens."""
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), pk=pk)
    try:
        revoke_api_token(actor=request.user, token=token)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:token-list")


def admin_login_redirect(request, extra_context=None):
    """/admin/login/ → the platform's sign-in page (lockout, login log, 2FA)."""
    target = request.GET.get("next") or "/admin/"
    return redirect(f"{resolve_url('accounts:login')}?{urlencode({'next': target})}")


def admin_password_change_redirect(request, extra_context=None):
    """/admin/password_change/ → the platform's password page (policy, history, sessions)."""
    return redirect("accounts:password-change")
