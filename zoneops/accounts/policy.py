"""Account obligations: password age and first-login change, 2FA for the three administrators."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from zoneops.accounts.models import AdminKind, User
from zoneops.core import clock


def is_administrator(user: User) -> bool:
    """Whether the user holds one of the three separated administrator roles."""
    return user.roles.filter(is_active=True).exclude(admin_kind=AdminKind.NONE).exists()


def demo_exempt(user: User) -> bool:
    """Demo accounts skip first-login change and admin 2FA, only while demo mode is on."""
    return bool(settings.DEMO_MODE and user.is_demo)


def needs_password_change(user: User) -> bool:
    """True when the password is an initial one or older than the maximum age (staff only)."""
    if demo_exempt(user):
        return False
    if user.must_change_password:
        return True
    if not user.is_staff or settings.PASSWORD_MAX_AGE_DAYS <= 0 or user.password_changed_at is None:
        return False
    return clock.now() - user.password_changed_at > timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)


def needs_second_factor(request) -> bool:
    """True when an administrator's session has not been verified with a TOTP code."""
    user = request.user
    if demo_exempt(user) or not is_administrator(user):
        return False
    is_verified = getattr(user, "is_verified", None)  # set by django_otp's OTPMiddleware
    return not (is_verified and is_verified())
