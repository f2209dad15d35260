"""Accounts pages: sign-in (with TOTP for administrators), sign-out, own account, password change."""

from __future__ import annotations

import base64

import segno
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from zoneops.accounts import actions
from zoneops.accounts.forms import LoginForm, OtpForm, PasswordChangeForm
from zoneops.accounts.models import LoginAttempt
from zoneops.accounts.policy import demo_exempt, is_administrator
from zoneops.accounts.security import lockout_message, log_attempt, sign_in
from zoneops.accounts.services import change_password, start_session
from zoneops.audit.services import record
from zoneops.core.errors import DomainError


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


def login_view(request):
    """Sign in with username and password; lockout is checked before the password is hashed."""
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        result = sign_in(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
        if result.user is not None:
            login(request, result.user)  # rotates the session key
            start_session(request, result.user)
            return redirect(_next_url(request))
        error = result.message
    return render(request, "accounts/login.html", {"form": form, "error": error, "next": _next_url(request)})


@require_POST
def logout_view(request):
    """Sign out and record it."""
    user = request.user
    if user.is_authenticated:
        key = request.session.session_key
        log_attempt(username=user.username, user=user, ip=getattr(request, "client_ip", None),
                    outcome=LoginAttempt.Outcome.LOGOUT, channel="web")
        from zoneops.accounts.models import UserSession
        from zoneops.core import clock

        UserSession.objects.filter(session_key=key, ended_at__isnull=True).update(ended_at=clock.now(), end_reason="logout")
    logout(request)
    return redirect("accounts:login")


@login_required
def otp_view(request):
    """Set up (first time) or enter the TOTP code that administrators need."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    setup = device is None
    if setup:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
            user=user, name="default", confirmed=False
        )
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        blocked = lockout_message(user.username, getattr(request, "client_ip", None))
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
            log_attempt(username=user.username, user=user, ip=getattr(request, "client_ip", None),
                        outcome=LoginAttempt.Outcome.OTP_FAILURE, channel="web")
            form.add_error("code", _("The code is wrong or has expired."))
    context = {"form": form, "setup": setup, "exempt": demo_exempt(user) and is_administrator(user)}
    if setup:
        qr = segno.make(device.config_url, error="m")
        context["qr_data_uri"] = qr.svg_data_uri(scale=4)
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/otp.html", context)


@login_required
def profile_view(request):
    """The signed-in user's own account: departments, roles, sessions."""
    user = request.user
    return render(request, "accounts/profile.html", {
        "account": user,
        "roles": user.roles.filter(is_active=True),
        "posts": user.posts.select_related("department"),
    })


@login_required
def password_change_view(request):
    """Change one's own password under the policy."""
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        request.user._zo_session_key = request.session.session_key
        try:
            change_password(actor=request.user, user=request.user, old_password=form.cleaned_data["old_password"],
                            new_password=form.cleaned_data["new_password1"])
        except DomainError as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect("core:home")
    return render(request, "accounts/password_change.html", {"form": form})
