"""What a user's roles grant for one permission: the union (OR) of their data scopes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoneops.accounts.models import User


@dataclass
class Grant:
    """The rows one permission reaches: everything, some departments, and/or own records."""

    all: bool = False
    department_ids: set[int] = field(default_factory=set)
    own_records: bool = False
    held: bool = False

    @property
    def is_empty(self) -> bool:
        """True when no role grants the permission at all."""
        return not self.held


def _role_rows(user: User) -> list[tuple[int, str, frozenset[str]]]:
    """(role id, data scope, permission strings) for the user's active roles, cached on the user object."""
    cached = getattr(user, "_zoneops_role_rows", None)
    if cached is not None:
        return cached
    from zoneops.accounts.models import Role

    roles = Role.objects.filter(users=user, is_active=True).prefetch_related("permissions__content_type")
    rows = [
        (
            role.pk,
            role.data_scope,
            frozenset(f"{p.content_type.app_label}.{p.codename}" for p in role.permissions.all()),
        )
        for role in roles
    ]
    user._zoneops_role_rows = rows
    return rows


def user_department_ids(user: User) -> set[int]:
    """The user's main department and the departments of their posts (兼职)."""
    cached = getattr(user, "_zoneops_department_ids", None)
    if cached is not None:
        return cached
    ids = {user.department_id} if user.department_id else set()
    ids |= set(user.posts.values_list("department_id", flat=True))
    user._zoneops_department_ids = ids
    return ids


def permissions_of(user: User) -> set[str]:
    """Every permission string any of the user's active roles carries."""
    perms: set[str] = set()
    for _, _, role_perms in _role_rows(user):
        perms |= role_perms
    return perms


def grants_for(user: User, perm: str) -> Grant:
    """Combine, with OR, the data scopes of the user's roles that carry `perm`."""
    from zoneops.accounts.models import DataScope, Department, Role

    grant = Grant()
    custom_role_ids: list[int] = []
    with_subtree = False
    own_department = False
    for role_id, scope, role_perms in _role_rows(user):
        if perm not in role_perms:
            continue
        grant.held = True
        if scope == DataScope.ALL:
            grant.all = True
            return grant
        if scope == DataScope.CUSTOM:
            custom_role_ids.append(role_id)
        elif scope == DataScope.DEPARTMENT:
            own_department = True
        elif scope == DataScope.DEPARTMENT_AND_BELOW:
            with_subtree = True
        elif scope == DataScope.SELF:
            grant.own_records = True
    if custom_role_ids:
        grant.department_ids |= set(
            Role.departments.through.objects.filter(role_id__in=custom_role_ids).values_list("department_id", flat=True)
        )
    mine = user_department_ids(user)
    if own_department:
        grant.department_ids |= mine
    if with_subtree and mine:
        paths = Department.objects.filter(pk__in=mine).values_list("path", flat=True)
        for path in paths:
            grant.department_ids |= set(Department.objects.filter(path__startswith=path).values_list("pk", flat=True))
    return grant


def forget(user: User) -> None:
    """Drop the per-object caches after roles or posts change."""
    for attr in ("_zoneops_role_rows", "_zoneops_department_ids", "_perm_cache", "_user_perm_cache"):
        if hasattr(user, attr):
            delattr(user, attr)
