"""Where /servicedesk/ leads each user, and the home card: the user's queues and this month's KPIs."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zoneops.accounts.models import Department, User
from zoneops.core import clock
from zoneops.servicedesk import permissions as perms
from zoneops.servicedesk import selectors

# Queues only some users work; the others (in progress, due soon, overdue) concern everyone who sees cases.
QUEUE_PERMS = {
    "to_dispatch": perms.DISPATCH_CASE,
    "to_sign": perms.HANDLE_TASK,
    "to_follow_up": perms.FOLLOW_UP_CASE,
    "arbitration": perms.ARBITRATE_CASE,
}
# /servicedesk/ opens the first of the user's queues that holds cases, most pressing first.
LANDING_ORDER = ("to_sign", "to_dispatch", "arbitration", "overdue", "to_follow_up", "due_soon", "in_progress")
# Users who see no cases land on the first page they may use.
FALLBACK_PAGES = (
    (perms.INTAKE_CASE, "servicedesk:case-create"),
    (perms.VIEW_KPI, "servicedesk:kpi"),
    (perms.MANAGE_CATALOGUE, "servicedesk:category-list"),
    (perms.MANAGE_SLA, "servicedesk:sla-rule-list"),
    (perms.MANAGE_HOTLINES, "servicedesk:hotline-list"),
    (perms.CHANGE_CALENDAR, "servicedesk:calendar"),
)
# The home card's figures: (key in department_kpis, label, count behind the figure, its denominator).
CARD_FIGURES = (
    ("sign_on_time_rate", _("On-time sign-for rate"), "signed_on_time", "signed"),
    ("resolve_on_time_rate", _("On-time resolution rate"), "resolved_on_time", "resolved"),
    ("return_rate", _("Return rate"), "returned", "dispatched"),
    ("overdue_count", _("Overdue"), "overdue", None),
    ("satisfaction_rate", _("Satisfaction rate"), "satisfied", "rated"),
)


def works_queue(user: User, key: str) -> bool:
    """Whether the queue is one this user acts on."""
    perm = QUEUE_PERMS.get(key)
    return perm is None or user.has_perm(perm)


def my_queues(user: User) -> list[dict[str, Any]]:
    """The work queues this user acts on, each with its (capped) number of visible cases."""
    base = selectors.planned_cases(user)
    now = clock.now()
    result = []
    for key, label in selectors.QUEUES.items():
        if key == "all" or not works_queue(user, key):
            continue
        count, capped = selectors.capped_count(selectors.in_queue(base, key, user, now))
        result.append({"key": key, "label": label, "count": f"{count}+" if capped else count})
    return result


def landing_url(user: User) -> str | None:
    """The user's most useful service-desk page: a non-empty work queue, else the case list; None if nothing."""
    if user.has_perm(perms.VIEW_CASE):
        base = selectors.planned_cases(user)
        now = clock.now()
        cases = reverse("servicedesk:case-list")
        for key in LANDING_ORDER:
            # EXISTS stops at the first row, so choosing costs at most one small query per queue.
            if works_queue(user, key) and selectors.in_queue(base, key, user, now).exists():
                return f"{cases}?queue={key}"
        return cases
    for perm, url_name in FALLBACK_PAGES:
        if user.has_perm(perm):
            return reverse(url_name)
    return None


def kpi_links(department: Department | None, period: selectors.Period) -> dict[str, str]:
    """For each KPI count, the case list of the cases behind it (the zone's when department is None)."""
    base = reverse("servicedesk:case-list")
    links = {}
    for metric in selectors.KPI_METRICS:
        params = {"kpi": metric}
        if department is not None:
            params["kpi_department"] = department.code
        params.update({"from": period.start.isoformat(), "to": period.end.isoformat()})
        links[metric] = f"{base}?{urlencode(params)}"
    return links


def card_kpis(user: User) -> dict[str, Any] | None:
    """This month's KPIs: of the user's department for task handlers, of the whole zone for KPI readers."""
    if user.department_id and user.has_perm(perms.HANDLE_TASK):
        department = user.department
    elif user.has_perm(perms.VIEW_KPI):
        department = None
    else:
        return None
    period = selectors.period_from({})
    data = selectors.department_kpis(department, period)
    links = kpi_links(department, period)
    counts = data["counts"]
    figures = [
        {
            "key": key,
            "label": label,
            "value": data[key],
            "is_rate": whole is not None,
            "part": counts[part],
            "whole": counts[whole] if whole else None,
            "link": links[part],
        }
        for key, label, part, whole in CARD_FIGURES
    ]
    return {
        "department": department,
        "period": period,
        "figures": figures,
        "kpi_url": reverse("servicedesk:kpi") if user.has_perm(perms.VIEW_KPI) else "",
    }


def home_card(user: User) -> dict[str, Any]:
    """The service desk's home card: the user's queues and this month's KPIs."""
    return {"queues": my_queues(user), "kpis": card_kpis(user)}
