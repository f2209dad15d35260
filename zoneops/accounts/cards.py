"""Home-page cards of the three administrators: organisation, security, and the grid worker's own unit."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from zoneops.core import clock, dashboard


def _organisation(user) -> dict:
    from zoneops.accounts.models import Department, User

    departments = Department.objects.visible_to(user, "accounts.manage_department")
    users = User.objects.visible_to(user, "accounts.manage_user")
    return {
        "departments": departments.filter(is_active=True).count(),
        "users": users.filter(is_active=True).count(),
        "disabled_users": users.filter(is_active=False).count(),
        "must_change": users.filter(is_active=True, must_change_password=True).count(),
    }


def _security(user) -> dict:
    from zoneops.accounts.models import LoginAttempt, User, UserSession

    visible = User.objects.visible_to(user, "accounts.manage_sessions").values("pk")
    since = clock.now() - timedelta(hours=24)
    idle_cutoff = clock.now() - settings.SESSION_IDLE_TIMEOUT
    attempts = LoginAttempt.objects.filter(at__gte=since)
    return {
        "online": UserSession.objects.filter(user__in=visible, ended_at__isnull=True, last_seen_at__gte=idle_cutoff)
        .values("user")
        .distinct()
        .count(),
        "failures": attempts.filter(
            outcome__in=[LoginAttempt.Outcome.FAILURE, LoginAttempt.Outcome.OTP_FAILURE]
        ).count(),
        "lockouts": attempts.filter(outcome=LoginAttempt.Outcome.LOCKED).count(),
    }


def _my_unit(user) -> dict:
    department = user.department
    if department is None:
        return {"department": None, "path": []}
    from zoneops.accounts.models import Department

    path = list(Department.objects.filter(pk__in=department.ancestor_ids).order_by("depth"))
    return {"department": department, "path": path, "colleagues": department.members.filter(is_active=True).count()}


dashboard.register(
    dashboard.Card(
        key="accounts-organisation",
        template="accounts/_card_organisation.html",
        build=_organisation,
        perms=("accounts.manage_user", "accounts.manage_department"),
        order=900,
    )
)
dashboard.register(
    dashboard.Card(
        key="accounts-security",
        template="accounts/_card_security.html",
        build=_security,
        perms=("accounts.manage_sessions", "accounts.view_login_log"),
        order=910,
    )
)
dashboard.register(
    dashboard.Card(key="accounts-my-unit", template="accounts/_card_my_unit.html", build=_my_unit, order=5)
)
