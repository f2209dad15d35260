"""Panels on the enterprise detail page: every module that points at enterprises registers one here.

A module registers in its AppConfig.ready():

    from zoneops.enterprises.panels import Panel, register
    register(Panel(key="projects", title=_("Projects"), template="investment/_enterprise_projects.html",
                   build=lambda user, enterprise: {"projects": ...}, perms=("investment.view_project",), order=30))

`build(user, enterprise)` runs only for users holding one of `perms` (empty = anyone who sees the
enterprise) and must read through the module's own scoped selectors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Panel:
    """One card on the enterprise detail page."""

    key: str
    title: Promise | str
    template: str
    build: Callable[[Any, Any], dict[str, Any]]
    perms: tuple[str, ...] = ()
    order: int = 100


_PANELS: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    """Add (or replace, by key) a panel."""
    _PANELS[panel.key] = panel


def registered() -> list[Panel]:
    """Every registered panel, in order."""
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))


def panels_for(user, enterprise) -> list[dict[str, Any]]:
    """The panels `user` may see on `enterprise`'s page, each with its template and built context."""
    shown = []
    for panel in registered():
        if panel.perms and not any(user.has_perm(p) for p in panel.perms):
            continue
        shown.append(
            {
                "key": panel.key,
                "title": panel.title,
                "template": panel.template,
                "context": panel.build(user, enterprise),
            }
        )
    return shown


def _contacts_context(user, enterprise) -> dict[str, Any]:
    from zoneops.enterprises.selectors import contacts_of
    from zoneops.enterprises.services import disclose_contacts

    contacts = disclose_contacts(
        actor=user, contacts=contacts_of(enterprise), enterprise=enterprise, purpose="enterprise detail page"
    )
    return {
        "contacts": contacts,
        "enterprise": enterprise,
        "can_change": user.has_perm("enterprises.change_enterprise"),
    }


def _history_context(user, enterprise) -> dict[str, Any]:
    from zoneops.audit.selectors import history_of

    return {"events": list(history_of(enterprise)[:50]), "enterprise": enterprise}


def register_builtin_panels() -> None:
    """The enterprises app's own panels: contacts and the audit history."""
    register(
        Panel(
            key="contacts",
            title=_("Contacts"),
            template="enterprises/_panel_contacts.html",
            build=_contacts_context,
            order=10,
        )
    )
    register(
        Panel(
            key="history",
            title=_("Change history"),
            template="enterprises/_panel_history.html",
            build=_history_context,
            perms=("enterprises.change_enterprise", "audit.view_audit_trail"),
            order=1000,
        )
    )
