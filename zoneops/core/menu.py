"""The left menu: each app registers its entries; a user sees those their permissions allow."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class MenuItem:
    """One link in the left menu."""

    label: Promise | str
    url_name: str
    perms: tuple[str, ...] = ()  # any one of them suffices; empty = every signed-in user
    icon: str = "bi-circle"
    order: int = 100


@dataclass
class MenuGroup:
    """A module heading with its links."""

    key: str
    label: Promise | str
    icon: str
    order: int
    items: list[MenuItem] = field(default_factory=list)


_GROUPS: dict[str, MenuGroup] = {}


def register_group(key: str, label: Promise | str, *, icon: str = "bi-folder", order: int = 100) -> None:
    """Declare a module heading."""
    _GROUPS.setdefault(key, MenuGroup(key=key, label=label, icon=icon, order=order))


def register(group: str, item: MenuItem) -> None:
    """Add a link under a module heading."""
    _GROUPS[group].items.append(item)


def menu_for(user) -> list[dict]:
    """The groups and links `user` may use, in order, with their URLs resolved."""
    if not user.is_authenticated:
        return []
    result = []
    for group in sorted(_GROUPS.values(), key=lambda g: g.order):
        links = []
        for item in sorted(group.items, key=lambda i: i.order):
            if item.perms and not any(user.has_perm(p) for p in item.perms):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            links.append({"label": item.label, "url": url, "icon": item.icon, "url_name": item.url_name})
        if links:
            result.append({"key": group.key, "label": group.label, "icon": group.icon, "items": links})
    return result
