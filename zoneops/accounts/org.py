"""Department tree, user and role management: services (writes, imports, exports) and the reads they share.

Every write is a keyword-only function, `actor` first, in one transaction: it checks the permission
(`actor.has_perm`) and the data scope, validates, writes and records the audit event. Out of scope is
`OutOfScope` (404), exactly like a missing object.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import Permission
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from zoneops.accounts import actions, tree
from zoneops.accounts.models import (
    AdminKind,
    DataScope,
    Department,
    DepartmentKind,
    Post,
    Role,
    User,
)
from zoneops.accounts.scoping import forget, grants_for
from zoneops.audit.services import diff, record, snapshot
from zoneops.core import clock
from zoneops.core.crypto import mask_mobile
from zoneops.core.errors import DomainError, OutOfScope, PermissionDenied
from zoneops.core.excel import Column, ImportFailed, ImportResult, RowError, export_workbook, run_import
from zoneops.core.validators import validate_mobile

MANAGE_DEPARTMENT = "accounts.manage_department"
MANAGE_USER = "accounts.manage_user"
MANAGE_ROLE = "accounts.manage_role"
VIEW_PERSONAL_DATA = "accounts.view_personal_data"

# Permissions of these apps are system-management ones; every other app's permissions are business
# permissions, which the three administrator roles (三员分立) may never carry.
ADMIN_PERMISSION_APPS = frozenset({"accounts", "audit"})

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_LIST_SPLIT = re.compile(r"[,，、;；\s]+")

DEPARTMENT_FIELDS = ("code", "name", "short_name", "kind", "parent", "sort_order", "phone", "head", "is_active")
USER_FIELDS = ("username", "full_name", "department", "title", "mobile", "is_staff", "is_active")
ROLE_FIELDS = ("code", "name", "description", "data_scope", "admin_kind", "is_active")


# --------------------------------------------------------------------------------------------------
# Permission and scope checks
# --------------------------------------------------------------------------------------------------


def _require_perm(actor: User, perm: str) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_active or not actor.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))


def _require_department(actor: User, department: Department) -> Department:
    """The department, re-read from the actor's department-management scope (404 when outside)."""
    found = Department.objects.visible_to(actor, MANAGE_DEPARTMENT).filter(pk=department.pk).first()
    if found is None:
        raise OutOfScope(_("The department does not exist or is outside your data scope."))
    return found


def _require_user(actor: User, user: User) -> User:
    """The user, re-read from the actor's user-management scope (404 when outside)."""
    found = User.objects.visible_to(actor, MANAGE_USER).filter(pk=user.pk).first()
    if found is None:
        raise OutOfScope(_("The user does not exist or is outside your data scope."))
    return found


def may_hold_users_of(actor: User, department: Department) -> bool:
    """Whether a user whose main department is `department` would lie in the actor's user-management scope."""
    grant = grants_for(actor, MANAGE_USER)
    return grant.all or department.pk in grant.department_ids


def _require_user_department(actor: User, department: Department | None, field: str = "department") -> Department:
    if department is None:
        raise DomainError(_("Choose the main department."), field=field)
    department = Department.objects.get(pk=department.pk)
    if not may_hold_users_of(actor, department):
        raise DomainError(
            _("The department %(name)s is outside your data scope.") % {"name": department.name}, field=field
        )
    if not department.is_active:
        raise DomainError(_("The department %(name)s is disabled.") % {"name": department.name}, field=field)
    return department


# --------------------------------------------------------------------------------------------------
# Reads
# --------------------------------------------------------------------------------------------------


def visible_departments(actor: User) -> QuerySet[Department]:
    """Departments the actor may manage."""
    return Department.objects.visible_to(actor, MANAGE_DEPARTMENT)


def visible_users(actor: User) -> QuerySet[User]:
    """Users the actor may manage (scope follows the user's main department)."""
    return User.objects.visible_to(actor, MANAGE_USER)


def visible_roles(actor: User) -> QuerySet[Role]:
    """Roles the actor may manage."""
    return Role.objects.visible_to(actor, MANAGE_ROLE)


def is_member(user: User, department: Department) -> bool:
    """Whether the user belongs to the department: as their main department or through a post (兼职) in it."""
    return user.department_id == department.pk or Post.objects.filter(user=user, department=department).exists()


def head_candidates(department: Department) -> QuerySet[User]:
    """Who may head the department: its active members (main department or post)."""
    members = User.objects.filter(is_active=True).filter(Q(department=department) | Q(posts__department=department))
    return members.distinct().order_by("username")


def departments_for_users(actor: User) -> QuerySet[Department]:
    """Departments the actor may put users into (their user-management scope)."""
    grant = grants_for(actor, MANAGE_USER)
    if grant.all:
        return Department.objects.all()
    return Department.objects.filter(pk__in=sorted(grant.department_ids))


@dataclass
class TreeRow:
    """One department in a flattened tree, with its depth among the rows shown."""

    department: Department
    level: int
    has_children: bool


def flatten_tree(departments: Iterable[Department]) -> list[TreeRow]:
    """Order departments parent-before-children, siblings by sort order then code; orphans start new roots."""
    rows = list(departments)
    by_id = {d.pk: d for d in rows}
    children: dict[int | None, list[Department]] = {}
    for d in rows:
        key = d.parent_id if d.parent_id in by_id else None
        children.setdefault(key, []).append(d)
    for siblings in children.values():
        siblings.sort(key=lambda d: (d.sort_order, d.code))
    result: list[TreeRow] = []

    def walk(parent_id: int | None, level: int) -> None:
        for d in children.get(parent_id, []):
            result.append(TreeRow(d, level, bool(children.get(d.pk))))
            walk(d.pk, level + 1)

    walk(None, 0)
    return result


def permission_groups(permissions: Iterable[Permission] | None = None) -> list[tuple[str, list[Permission]]]:
    """The project's permissions grouped by app (verbose name), for the role form."""
    labels = {cfg.label: str(cfg.verbose_name) for cfg in apps.get_app_configs() if cfg.name.startswith("zoneops.")}
    if permissions is None:
        permissions = Permission.objects.filter(content_type__app_label__in=labels).select_related("content_type")
    groups: dict[str, list[Permission]] = {}
    for p in sorted(permissions, key=lambda p: (p.content_type.app_label, p.codename)):
        groups.setdefault(p.content_type.app_label, []).append(p)
    return [(labels.get(label, label), perms) for label, perms in groups.items()]


def assignable_permissions() -> QuerySet[Permission]:
    """Permissions a role may carry: those of the project's domain apps, and the declared system-management ones.

    The Django default add/change/delete/view permissions of the accounts and audit models mean nothing here
    (their writes are guarded by the manage_* permissions), and core has no domain models, so they are left out.
    """
    labels = [cfg.label for cfg in apps.get_app_configs() if cfg.name.startswith("zoneops.") and cfg.label != "core"]
    defaults = Q()
    for label in ADMIN_PERMISSION_APPS:
        for model in apps.get_app_config(label).get_models():
            codenames = [f"{action}_{model._meta.model_name}" for action in model._meta.default_permissions]
            defaults |= Q(content_type__app_label=label, codename__in=codenames)
    return (
        Permission.objects.filter(content_type__app_label__in=labels)
        .exclude(defaults)
        .select_related("content_type")
        .order_by("content_type__app_label", "codename")
    )


# --------------------------------------------------------------------------------------------------
# Departments
# --------------------------------------------------------------------------------------------------


def _clean_code(code: str, *, field: str = "code") -> str:
    code = (code or "").strip()
    if not code:
        raise DomainError(_("Enter a code."), field=field)
    if len(code) > 40 or not _CODE.match(code):
        raise DomainError(_("A code has at most 40 letters, digits, dots, dashes or underscores."), field=field)
    return code


def _clean_kind(kind: str) -> str:
    if kind not in DepartmentKind.values:
        raise DomainError(_("Choose a department kind."), field="kind")
    return kind


def _clean_name(name: str, *, field: str = "name", max_length: int = 100) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Enter a name."), field=field)
    if len(name) > max_length:
        raise DomainError(_("At most %(n)s characters.") % {"n": max_length}, field=field)
    return name


def _clean_sort_order(value: Any) -> int:
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        raise DomainError(_("Enter a whole number."), field="sort_order") from None
    if number < 0:
        raise DomainError(_("Enter a whole number."), field="sort_order")
    return number


def _clean_head(department: Department | None, head: User | None) -> User | None:
    """The head must be an active user who belongs to the department (main department or post)."""
    if head is None:
        return None
    found = User.objects.filter(pk=head.pk).first()
    if found is None or not found.is_active:
        raise DomainError(_("The head must be an active user."), field="head")
    if department is None:
        raise DomainError(
            _("A new department has no members yet: add its members first, then choose its head."), field="head"
        )
    if not is_member(found, department):
        raise DomainError(
            _("%(user)s is not a member of %(department)s (main department or post) and cannot head it.")
            % {"user": found.display_name, "department": department.name},
            field="head",
        )
    return found


def _release_headships(*, actor: User, user: User, note: str) -> None:
    """Clear the head of each department the user heads but no longer may: disabled, or no longer a member."""
    headed = Department.objects.filter(head=user)
    if user.is_active:
        posts = Post.objects.filter(user=user).values("department_id")
        headed = headed.exclude(pk=user.department_id).exclude(pk__in=posts)
    for department in headed:
        Department.objects.filter(pk=department.pk).update(head=None, updated_at=clock.now())
        department.head = None
        record(actor, actions.DEPARTMENT_UPDATED, department, note=note, changes={"head": [user.pk, None]})


def _require_parent(actor: User, parent: Department | None) -> Department | None:
    """A new or moved department hangs under a parent in scope; only an all-data scope may make roots."""
    if parent is None:
        if not grants_for(actor, MANAGE_DEPARTMENT).all:
            raise DomainError(
                _("Only an administrator with the all-data scope may create top-level departments."), field="parent"
            )
        return None
    found = visible_departments(actor).filter(pk=parent.pk).first()
    if found is None:
        raise DomainError(_("The parent department is outside your data scope."), field="parent")
    return found


@transaction.atomic
def create_department(
    *,
    actor: User,
    code: str,
    name: str,
    kind: str,
    parent: Department | None = None,
    short_name: str = "",
    sort_order: int = 0,
    phone: str = "",
    head: User | None = None,
) -> Department:
    """Add a department under `parent` (in the actor's scope) and place it in the tree."""
    _require_perm(actor, MANAGE_DEPARTMENT)
    code = _clean_code(code)
    name = _clean_name(name)
    kind = _clean_kind(kind)
    _clean_head(None, head)
    parent = _require_parent(actor, parent)
    if parent is not None and not parent.is_active:
        raise DomainError(_("The parent department is disabled."), field="parent")
    if Department.objects.filter(code__iexact=code).exists():
        raise DomainError(_("A department with code %(code)s already exists.") % {"code": code}, field="code")
    department = Department.objects.create(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        short_name=(short_name or "").strip()[:40],
        sort_order=_clean_sort_order(sort_order),
        phone=(phone or "").strip()[:40],
    )
    tree.place(department)
    after = snapshot(department, DEPARTMENT_FIELDS)
    record(actor, actions.DEPARTMENT_CREATED, department, changes={k: [None, v] for k, v in after.items()})
    return department


@transaction.atomic
def update_department(
    *,
    actor: User,
    department: Department,
    code: str,
    name: str,
    kind: str,
    short_name: str = "",
    sort_order: int = 0,
    phone: str = "",
    head: User | None = None,
) -> Department:
    """Change a department's own fields (not its place in the tree); the audit event keeps before and after."""
    _require_perm(actor, MANAGE_DEPARTMENT)
    department = _require_department(actor, department)
    before = snapshot(department, DEPARTMENT_FIELDS)
    head = _clean_head(department, head)
    code = _clean_code(code)
    if Department.objects.filter(code__iexact=code).exclude(pk=department.pk).exists():
        raise DomainError(_("A department with code %(code)s already exists.") % {"code": code}, field="code")
    department.code = code
    department.name = _clean_name(name)
    department.kind = _clean_kind(kind)
    department.short_name = (short_name or "").strip()[:40]
    department.sort_order = _clean_sort_order(sort_order)
    department.phone = (phone or "").strip()[:40]
    department.head = head
    changes = diff(before, snapshot(department, DEPARTMENT_FIELDS))
    if changes:
        department.save(
            update_fields=["code", "name", "kind", "short_name", "sort_order", "phone", "head", "updated_at"]
        )
        record(actor, actions.DEPARTMENT_UPDATED, department, changes=changes)
    return department


@transaction.atomic
def move_department(*, actor: User, department: Department, new_parent: Department | None) -> Department:
    """Hang a department and its subtree under another parent (never under itself or its own descendant)."""
    _require_perm(actor, MANAGE_DEPARTMENT)
    department = _require_department(actor, department)
    if new_parent is not None:
        new_parent = Department.objects.get(pk=new_parent.pk)
        if new_parent.path.startswith(department.path):
            raise DomainError(
                _("A department cannot be moved under itself or one of its own sub-departments."), field="parent"
            )
    if (new_parent.pk if new_parent else None) == department.parent_id:
        raise DomainError(_("The department is already there."), field="parent")
    new_parent = _require_parent(actor, new_parent)
    if new_parent is not None and not new_parent.is_active:
        raise DomainError(_("The parent department is disabled."), field="parent")
    old_parent_id, old_path = department.parent_id, department.path
    tree.move(department, new_parent)
    department.refresh_from_db()
    record(
        actor,
        actions.DEPARTMENT_MOVED,
        department,
        changes={"parent": [old_parent_id, department.parent_id], "path": [old_path, department.path]},
    )
    return department


@transaction.atomic
def disable_department(*, actor: User, department: Department) -> Department:
    """Disable a department (members and sub-departments stay; it can be enabled again)."""
    _require_perm(actor, MANAGE_DEPARTMENT)
    department = _require_department(actor, department)
    if not department.is_active:
        raise DomainError(_("The department is already disabled."), field="is_active")
    Department.objects.filter(pk=department.pk).update(is_active=False, updated_at=clock.now())
    department.is_active = False
    record(actor, actions.DEPARTMENT_DISABLED, department, changes={"is_active": [True, False]})
    return department


@transaction.atomic
def enable_department(*, actor: User, department: Department) -> Department:
    """Enable a disabled department (its parent must be enabled)."""
    _require_perm(actor, MANAGE_DEPARTMENT)
    department = _require_department(actor, department)
    if department.is_active:
        raise DomainError(_("The department is already enabled."), field="is_active")
    if department.parent_id and not Department.objects.filter(pk=department.parent_id, is_active=True).exists():
        raise DomainError(_("Enable the parent department first."), field="is_active")
    Department.objects.filter(pk=department.pk).update(is_active=True, updated_at=clock.now())
    department.is_active = True
    record(actor, actions.DEPARTMENT_ENABLED, department, changes={"is_active": [False, True]})
    return department


def department_references(department: Department) -> list[str]:
    """What still points at the department (empty when it may be deleted)."""
    found: list[str] = []
    named = {
        "members": _("members"),
        "children": _("sub-departments"),
        "posts": _("posts"),
        "scoped_roles": _("roles whose data scope names it"),
    }
    for relation in Department._meta.related_objects:
        accessor = relation.get_accessor_name()
        if relation.one_to_one:
            exists = relation.related_model._base_manager.filter(**{relation.field.name: department}).exists()
        elif relation.many_to_many and relation.field.model is not Department:
            exists = getattr(department, accessor).exists()
        else:
            exists = relation.related_model._base_manager.filter(**{relation.field.name: department}).exists()
        if exists:
            found.append(str(named.get(accessor, relation.related_model._meta.verbose_name_plural)))
    return found


@transaction.atomic
def delete_department(*, actor: User, department: Department) -> None:
    """Delete a department nothing refers to; anything in use must be disabled instead."""
    _require_perm(actor, MANAGE_DEPARTMENT)
    department = _require_department(actor, department)
    references = department_references(department)
    if references:
        raise DomainError(
            _("The department still has %(things)s and cannot be deleted; disable it instead.")
            % {"things": "、".join(references)},
            field="department",
        )
    before = snapshot(department, DEPARTMENT_FIELDS)
    record(actor, actions.DEPARTMENT_DELETED, department, changes={k: [v, None] for k, v in before.items()})
    department.delete()


# --------------------------------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------------------------------


def check_role_combination(roles: Sequence[Role]) -> None:
    """三员分立: an administrator role (system / security / audit) is held alone, never with any other role."""
    roles = list({r.pk: r for r in roles}.values())
    admin_roles = [r for r in roles if r.admin_kind != AdminKind.NONE]
    if not admin_roles or len(roles) == 1:
        return
    kinds = {r.admin_kind for r in admin_roles}
    if len(kinds) > 1:
        labels = "、".join(str(AdminKind(k).label) for k in sorted(kinds))
        raise DomainError(
            _("Separation of the three administrators: %(kinds)s can never be held by one user.") % {"kinds": labels},
            field="roles",
        )
    admin = admin_roles[0]
    raise DomainError(
        _("Separation of the three administrators: a user holding the %(role)s role may hold no other role.")
        % {"role": admin.name},
        field="roles",
    )


def check_role_reach(actor: User, roles: Sequence[Role]) -> None:
    """A user manager with a limited data scope hands out no more reach than they have.

    Only a manager whose user-management scope is "all data" may give administrator roles, roles with the
    all-data scope, or chosen-department roles naming departments outside their own scope.
    """
    grant = grants_for(actor, MANAGE_USER)
    if grant.all:
        return
    for role in roles:
        too_wide = role.admin_kind != AdminKind.NONE or role.data_scope == DataScope.ALL
        if not too_wide and role.data_scope == DataScope.CUSTOM:
            chosen = set(role.departments.values_list("pk", flat=True))
            too_wide = not chosen <= grant.department_ids
        if too_wide:
            raise DomainError(
                _(
                    "The role %(role)s reaches beyond your own data scope; ask an administrator with the all-data "
                    "scope to assign it."
                )
                % {"role": role.name},
                field="roles",
            )


def _clean_username(username: str, *, exclude_pk: int | None = None) -> str:
    username = (username or "").strip()
    if not username:
        raise DomainError(_("Enter a username."), field="username")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="username") from exc
    if len(username) > 150:
        raise DomainError(_("At most %(n)s characters.") % {"n": 150}, field="username")
    taken = User.objects.filter(username__iexact=username)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise DomainError(_("The username %(name)s is taken.") % {"name": username}, field="username")
    return username


def _clean_mobile(mobile: str) -> str:
    mobile = "".join((mobile or "").split())
    if mobile:
        try:
            validate_mobile(mobile)
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages), field="mobile") from exc
    return mobile


def _validate_password(password: str, user: User) -> None:
    if not password:
        raise DomainError(_("Enter an initial password."), field="password")
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="password", errors={"password": exc.messages}) from exc


def _user_snapshot(user: User) -> dict[str, Any]:
    values = snapshot(user, USER_FIELDS)
    values["mobile"] = mask_mobile(values["mobile"])  # the audit trail never holds a full mobile number
    return values


@transaction.atomic
def create_user(
    *,
    actor: User,
    username: str,
    full_name: str,
    department: Department | None,
    password: str,
    mobile: str = "",
    title: str = "",
    is_staff: bool = True,
    roles: Sequence[Role] = (),
) -> User:
    """Add a user with an initial password (to be changed at first sign-in) in a department in scope."""
    _require_perm(actor, MANAGE_USER)
    username = _clean_username(username)
    full_name = _clean_name(full_name, field="full_name", max_length=60)
    department = _require_user_department(actor, department)
    mobile = _clean_mobile(mobile)
    roles = list(roles)
    check_role_combination(roles)
    check_role_reach(actor, roles)
    user = User(
        username=username,
        full_name=full_name,
        department=department,
        mobile=mobile,
        title=(title or "").strip()[:60],
        is_staff=bool(is_staff),
        must_change_password=True,
    )
    _validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = clock.now()
    user.save()
    if roles:
        user.roles.set(roles)
    changes = {k: [None, v] for k, v in _user_snapshot(user).items()}
    changes["roles"] = [None, sorted(r.code for r in roles)]
    record(actor, actions.USER_CREATED, user, changes=changes)
    return user


@transaction.atomic
def update_user(
    *,
    actor: User,
    user: User,
    full_name: str,
    department: Department | None,
    mobile: str = "",
    title: str = "",
    is_staff: bool = True,
) -> User:
    """Change a user's name, main department, mobile, job title or staff flag (before/after audited)."""
    _require_perm(actor, MANAGE_USER)
    user = _require_user(actor, user)
    before = _user_snapshot(user)
    if department is None or department.pk != user.department_id:
        department = _require_user_department(actor, department)
    user.full_name = _clean_name(full_name, field="full_name", max_length=60)
    user.department = department
    user.mobile = _clean_mobile(mobile)
    user.title = (title or "").strip()[:60]
    user.is_staff = bool(is_staff)
    if user.posts.filter(department=department).exists():
        raise DomainError(
            _("The user already holds a post in this department; remove the post first."), field="department"
        )
    changes = diff(before, _user_snapshot(user))
    if changes:
        user.save(update_fields=["full_name", "department", "mobile", "mobile_digest", "title", "is_staff"])
        forget(user)
        record(actor, actions.USER_UPDATED, user, changes=changes)
        _release_headships(actor=actor, user=user, note=_("The head left the department."))
    return user


@transaction.atomic
def disable_user(*, actor: User, user: User) -> User:
    """Disable a user and end all their sessions."""
    from zoneops.accounts.services import end_sessions

    _require_perm(actor, MANAGE_USER)
    user = _require_user(actor, user)
    if user.pk == actor.pk:
        raise DomainError(_("You cannot disable your own account."), field="is_active")
    if not user.is_active:
        raise DomainError(_("The user is already disabled."), field="is_active")
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    record(actor, actions.USER_DISABLED, user, changes={"is_active": [True, False]})
    _release_headships(actor=actor, user=user, note=_("The head was disabled."))
    end_sessions(actor=actor, user=user, reason="disabled")
    return user


@transaction.atomic
def enable_user(*, actor: User, user: User) -> User:
    """Enable a disabled user (their main department must be enabled)."""
    _require_perm(actor, MANAGE_USER)
    user = _require_user(actor, user)
    if user.is_active:
        raise DomainError(_("The user is already enabled."), field="is_active")
    if user.department_id and not user.department.is_active:
        raise DomainError(_("The user's main department is disabled."), field="is_active")
    User.objects.filter(pk=user.pk).update(is_active=True)
    user.is_active = True
    record(actor, actions.USER_ENABLED, user, changes={"is_active": [False, True]})
    return user


@transaction.atomic
def set_user_posts(*, actor: User, user: User, posts: Sequence[tuple[Department, str]]) -> User:
    """Replace the user's posts (兼职) with `posts` = [(department, job title)], each in the actor's scope."""
    _require_perm(actor, MANAGE_USER)
    given, user = user, _require_user(actor, user)
    wanted: dict[int, tuple[Department, str]] = {}
    for department, title in posts:
        if department.pk == user.department_id:
            raise DomainError(_("A post cannot be in the user's main department."), field="posts")
        if department.pk in wanted:
            raise DomainError(_("Each department can hold only one post of the user."), field="posts")
        if not may_hold_users_of(actor, department):
            raise DomainError(
                _("The department %(name)s is outside your data scope.") % {"name": department.name}, field="posts"
            )
        wanted[department.pk] = (department, (title or "").strip()[:60])
    current = {p.department_id: p for p in user.posts.select_related("department")}
    before = sorted([p.department.code, p.title] for p in current.values())
    for department_id, post in current.items():
        if department_id not in wanted:
            post.delete()
        elif post.title != wanted[department_id][1]:
            post.title = wanted[department_id][1]
            post.save(update_fields=["title"])
    for department_id, (department, title) in wanted.items():
        if department_id not in current:
            Post.objects.create(user=user, department=department, title=title)
    after = sorted([d.code, t] for d, t in wanted.values())
    if before != after:
        forget(user)
        forget(given)
        record(actor, actions.USER_UPDATED, user, changes={"posts": [before, after]})
        _release_headships(actor=actor, user=user, note=_("The head left the department."))
    return user


@transaction.atomic
def set_user_roles(*, actor: User, user: User, roles: Sequence[Role]) -> User:
    """Replace the user's roles, keeping the separation of the three administrators."""
    _require_perm(actor, MANAGE_USER)
    given, user = user, _require_user(actor, user)
    roles = list({r.pk: r for r in roles}.values())
    before = sorted(user.roles.values_list("code", flat=True))
    after = sorted(r.code for r in roles)
    if before != after and user.pk == actor.pk:
        raise DomainError(_("You cannot change your own roles."), field="roles")
    check_role_combination(roles)
    held = set(user.roles.values_list("pk", flat=True))
    check_role_reach(actor, [r for r in roles if r.pk not in held])
    if before != after:
        user.roles.set(roles)
        forget(user)
        forget(given)
        record(actor, actions.USER_ROLES_CHANGED, user, changes={"roles": [before, after]})
    return user


@transaction.atomic
def reset_password(*, actor: User, user: User, new_password: str) -> User:
    """Give the user a new initial password; they must change it at next sign-in and their sessions end."""
    from zoneops.accounts.services import change_password

    _require_perm(actor, MANAGE_USER)
    user = _require_user(actor, user)
    return change_password(actor=actor, user=user, new_password=new_password, by_admin=True)


# --------------------------------------------------------------------------------------------------
# Roles
# --------------------------------------------------------------------------------------------------


def _clean_role_input(
    *,
    permissions: Iterable[Permission],
    data_scope: str,
    departments: Iterable[Department],
    admin_kind: str,
) -> tuple[list[Permission], list[Department]]:
    if data_scope not in DataScope.values:
        raise DomainError(_("Choose a data scope."), field="data_scope")
    if admin_kind not in AdminKind.values:
        raise DomainError(_("Choose an administrator kind."), field="admin_kind")
    permissions = list(permissions)
    departments = list(departments)
    if data_scope == DataScope.CUSTOM and not departments:
        raise DomainError(_("Choose at least one department for the chosen-departments scope."), field="departments")
    if data_scope != DataScope.CUSTOM:
        departments = []
    if admin_kind != AdminKind.NONE:
        business = sorted(
            f"{p.content_type.app_label}.{p.codename}"
            for p in permissions
            if p.content_type.app_label not in ADMIN_PERMISSION_APPS
        )
        if business:
            raise DomainError(
                _("An administrator role cannot carry business permissions: %(perms)s.")
                % {"perms": ", ".join(business)},
                field="permissions",
            )
    return permissions, departments


def _role_snapshot(role: Role) -> dict[str, Any]:
    values = snapshot(role, ROLE_FIELDS)
    values["permissions"] = sorted(
        f"{app}.{codename}" for app, codename in role.permissions.values_list("content_type__app_label", "codename")
    )
    values["departments"] = sorted(role.departments.values_list("code", flat=True))
    return values


@transaction.atomic
def create_role(
    *,
    actor: User,
    code: str,
    name: str,
    permissions: Iterable[Permission] = (),
    data_scope: str = DataScope.SELF,
    departments: Iterable[Department] = (),
    description: str = "",
    admin_kind: str = AdminKind.NONE,
) -> Role:
    """Add a role: permissions, a data scope (with its departments when the scope is custom)."""
    _require_perm(actor, MANAGE_ROLE)
    code = _clean_code(code)
    name = _clean_name(name, max_length=60)
    if Role.objects.filter(code__iexact=code).exists():
        raise DomainError(_("A role with code %(code)s already exists.") % {"code": code}, field="code")
    permissions, departments = _clean_role_input(
        permissions=permissions, data_scope=data_scope, departments=departments, admin_kind=admin_kind
    )
    role = Role.objects.create(
        code=code,
        name=name,
        description=(description or "").strip()[:200],
        data_scope=data_scope,
        admin_kind=admin_kind,
    )
    role.permissions.set(permissions)
    role.departments.set(departments)
    record(actor, actions.ROLE_CREATED, role, changes={k: [None, v] for k, v in _role_snapshot(role).items()})
    return role


@transaction.atomic
def update_role(
    *,
    actor: User,
    role: Role,
    code: str,
    name: str,
    permissions: Iterable[Permission],
    data_scope: str,
    departments: Iterable[Department] = (),
    description: str = "",
    admin_kind: str | None = None,
    is_active: bool = True,
) -> Role:
    """Change a role; built-in administrator roles keep their kind and never get business permissions."""
    _require_perm(actor, MANAGE_ROLE)
    role = visible_roles(actor).filter(pk=role.pk).first()
    if role is None:
        raise OutOfScope(_("The role does not exist or is outside your data scope."))
    admin_kind = role.admin_kind if admin_kind is None else admin_kind
    if role.is_builtin and admin_kind != role.admin_kind:
        raise DomainError(_("The administrator kind of a built-in role cannot change."), field="admin_kind")
    if role.is_builtin and not is_active:
        raise DomainError(_("A built-in role cannot be disabled."), field="is_active")
    code = _clean_code(code)
    if Role.objects.filter(code__iexact=code).exclude(pk=role.pk).exists():
        raise DomainError(_("A role with code %(code)s already exists.") % {"code": code}, field="code")
    permissions, departments = _clean_role_input(
        permissions=permissions, data_scope=data_scope, departments=departments, admin_kind=admin_kind
    )
    if admin_kind != AdminKind.NONE and admin_kind != role.admin_kind:
        # Turning a role into an administrator role must not break 三员分立 for the people who hold it.
        holders = User.objects.filter(roles=role).values("pk")
        through = User.roles.through.objects.filter(user_id__in=holders)
        if through.values("user_id").annotate(n=Count("pk")).filter(n__gt=1).exists():
            raise DomainError(
                _("Users holding this role also hold other roles; an administrator role must be held alone."),
                field="admin_kind",
            )
    before = _role_snapshot(role)
    role.code = code
    role.name = _clean_name(name, max_length=60)
    role.description = (description or "").strip()[:200]
    role.data_scope = data_scope
    role.admin_kind = admin_kind
    role.is_active = bool(is_active)
    role.save()
    role.permissions.set(permissions)
    role.departments.set(departments)
    changes = diff(before, _role_snapshot(role))
    if changes:
        record(actor, actions.ROLE_UPDATED, role, changes=changes)
    return role


# --------------------------------------------------------------------------------------------------
# Excel import and export
# --------------------------------------------------------------------------------------------------

# Column headers are the file format people exchange, fixed whatever the interface language.
DEPARTMENT_COLUMNS = (
    Column("code", "编码", 16, required=True),
    Column("name", "名称", 28, required=True),
    Column("kind", "类型", 16, required=True),
    Column("parent", "上级部门编码", 16),
    Column("sort_order", "排序", 8),
    Column("head", "负责人", 16),
)
USER_COLUMNS = (
    Column("username", "用户名", 16, required=True),
    Column("full_name", "姓名", 12, required=True),
    Column("department", "主部门编码", 16, required=True),
    Column("mobile", "手机号", 16),
    Column("title", "职务", 16),
    Column("roles", "角色编码", 24),
    Column("password", "初始密码", 18, required=True),
)


def department_columns() -> tuple[Column, ...]:
    """Import columns for departments, with the kind dropdown in the current language."""
    kinds = tuple(str(label) for label in DepartmentKind.labels)
    return tuple(
        Column(c.key, c.header, c.width, c.required, kinds) if c.key == "kind" else c for c in DEPARTMENT_COLUMNS
    )


def _text(value: Any) -> str:
    """A cell as text: numbers typed into Excel come back as int or float."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _kind_from(text: str) -> str | None:
    """A department kind from its code or its label in any interface language (templates carry the labels)."""
    known = {value: value for value in DepartmentKind.values}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            known.update({str(label): value for value, label in DepartmentKind.choices})
    known.update({str(label): value for value, label in DepartmentKind.choices})
    return known.get(text)


def _header(key: str, columns: Sequence[Column]) -> str:
    return next(c.header for c in columns if c.key == key)


@transaction.atomic
def import_departments(*, actor: User, rows: list[tuple[int, dict[str, Any]]]) -> ImportResult:
    """Create the departments of an import file (from core.excel.read_rows): every row valid, or nothing written."""
    _require_perm(actor, MANAGE_DEPARTMENT)
    columns = DEPARTMENT_COLUMNS
    existing = {code.upper() for code in Department.objects.values_list("code", flat=True)}
    in_scope = {d.code.upper(): d for d in visible_departments(actor)}
    may_make_roots = grants_for(actor, MANAGE_DEPARTMENT).all
    in_file: set[str] = set()

    def err(number: int, key: str, message: str) -> RowError:
        return RowError(number, _header(key, columns), message)

    def head_error(username: str) -> str:
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            return _("no user with this username")
        if not user.is_active:
            return _("is disabled")
        # Every row creates a department, and a new department has no members for the head to come from.
        return _("is not a member of the new department; choose the head after adding its members")

    def validate(number: int, record_: dict[str, Any]) -> tuple[dict[str, Any], list[RowError]]:
        errors: list[RowError] = []
        code = _text(record_["code"])
        try:
            code = _clean_code(code)
        except DomainError as exc:
            errors.append(err(number, "code", exc.message))
        else:
            if code.upper() in existing:
                errors.append(err(number, "code", _("already exists")))
            elif code.upper() in in_file:
                errors.append(err(number, "code", _("appears twice in the file")))
        name = _text(record_["name"])
        if not name:
            errors.append(err(number, "name", _("is required")))
        elif len(name) > 100:
            errors.append(err(number, "name", _("at most %(n)s characters") % {"n": 100}))
        kind = _kind_from(_text(record_["kind"]))
        if kind is None:
            errors.append(err(number, "kind", _("is not a department kind")))
        parent_code = _text(record_["parent"])
        if parent_code:
            if parent_code.upper() in in_file:
                pass
            elif parent_code.upper() in in_scope:
                if not in_scope[parent_code.upper()].is_active:
                    errors.append(err(number, "parent", _("is disabled")))
            elif parent_code.upper() in existing:
                errors.append(err(number, "parent", _("is outside your data scope")))
            else:
                errors.append(err(number, "parent", _("does not exist")))
        elif not may_make_roots:
            errors.append(err(number, "parent", _("is required")))
        sort_text = _text(record_["sort_order"])
        sort_order = 0
        if sort_text:
            if sort_text.isdigit():
                sort_order = int(sort_text)
            else:
                errors.append(err(number, "sort_order", _("is not a whole number")))
        head = _text(record_.get("head"))
        if head:
            errors.append(err(number, "head", head_error(head)))
        if code:
            in_file.add(code.upper())
        row = {
            "number": number,
            "code": code,
            "name": name,
            "kind": kind,
            "parent": parent_code,
            "sort_order": sort_order,
        }
        return row, errors

    def commit(cleaned: list[dict[str, Any]]) -> ImportResult:
        made: dict[str, Department] = {}
        for row in cleaned:
            parent = None
            if row["parent"]:
                parent = made.get(row["parent"].upper()) or in_scope[row["parent"].upper()]
            try:
                made[row["code"].upper()] = create_department(
                    actor=actor,
                    code=row["code"],
                    name=row["name"],
                    kind=row["kind"],
                    parent=parent,
                    sort_order=row["sort_order"],
                )
            except DomainError as exc:
                key = exc.field if exc.field in {c.key for c in columns} else "code"
                raise ImportFailed([err(row["number"], key, exc.message)]) from exc
        return ImportResult(created=len(made))

    result = run_import(rows, validate=validate, commit=commit)
    record(
        actor,
        actions.DEPARTMENTS_IMPORTED,
        None,
        note=_("%(n)s departments imported") % {"n": result.created},
        changes={"codes": [row_code for _n, r in rows if (row_code := _text(r["code"]))]},
    )
    return result


@transaction.atomic
def import_users(*, actor: User, rows: list[tuple[int, dict[str, Any]]]) -> ImportResult:
    """Create the users of an import file: every row valid (incl. 三员分立 and the password policy), or nothing."""
    _require_perm(actor, MANAGE_USER)
    columns = USER_COLUMNS
    taken = {name.lower() for name in User.objects.values_list("username", flat=True)}
    departments = {d.code.upper(): d for d in Department.objects.all()}
    roles = {r.code.upper(): r for r in Role.objects.all()}
    in_file: set[str] = set()

    def err(number: int, key: str, message: str) -> RowError:
        return RowError(number, _header(key, columns), message)

    def validate(number: int, record_: dict[str, Any]) -> tuple[dict[str, Any], list[RowError]]:
        errors: list[RowError] = []
        username = _text(record_["username"])
        try:
            UnicodeUsernameValidator()(username)
            if not username or len(username) > 150:
                raise ValidationError(_("is required"))
        except ValidationError as exc:
            errors.append(err(number, "username", " ".join(exc.messages)))
        else:
            if username.lower() in taken:
                errors.append(err(number, "username", _("is taken")))
            elif username.lower() in in_file:
                errors.append(err(number, "username", _("appears twice in the file")))
            in_file.add(username.lower())
        full_name = _text(record_["full_name"])
        if not full_name:
            errors.append(err(number, "full_name", _("is required")))
        elif len(full_name) > 60:
            errors.append(err(number, "full_name", _("at most %(n)s characters") % {"n": 60}))
        department = departments.get(_text(record_["department"]).upper())
        if not _text(record_["department"]):
            errors.append(err(number, "department", _("is required")))
        elif department is None:
            errors.append(err(number, "department", _("does not exist")))
        elif not may_hold_users_of(actor, department):
            errors.append(err(number, "department", _("is outside your data scope")))
        elif not department.is_active:
            errors.append(err(number, "department", _("is disabled")))
        mobile = "".join(_text(record_["mobile"]).split())
        if mobile:
            try:
                validate_mobile(mobile)
            except ValidationError as exc:
                errors.append(err(number, "mobile", " ".join(exc.messages)))
        title = _text(record_["title"])
        chosen: list[Role] = []
        for code in (c for c in _LIST_SPLIT.split(_text(record_["roles"])) if c):
            role = roles.get(code.upper())
            if role is None:
                errors.append(err(number, "roles", _("%(code)s does not exist") % {"code": code}))
            else:
                chosen.append(role)
        try:
            check_role_combination(chosen)
            check_role_reach(actor, chosen)
        except DomainError as exc:
            errors.append(err(number, "roles", exc.message))
        password = _text(record_["password"])
        if not password:
            errors.append(err(number, "password", _("is required")))
        else:
            try:
                password_validation.validate_password(password, User(username=username))
            except ValidationError as exc:
                errors.append(err(number, "password", " ".join(exc.messages)))
        row = {
            "number": number,
            "username": username,
            "full_name": full_name,
            "department": department,
            "mobile": mobile,
            "title": title,
            "roles": chosen,
            "password": password,
        }
        return row, errors

    def commit(cleaned: list[dict[str, Any]]) -> ImportResult:
        for row in cleaned:
            try:
                create_user(
                    actor=actor,
                    username=row["username"],
                    full_name=row["full_name"],
                    department=row["department"],
                    password=row["password"],
                    mobile=row["mobile"],
                    title=row["title"],
                    roles=row["roles"],
                )
            except DomainError as exc:
                key = exc.field if exc.field in {c.key for c in columns} else "username"
                raise ImportFailed([err(row["number"], key, exc.message)]) from exc
        return ImportResult(created=len(cleaned))

    result = run_import(rows, validate=validate, commit=commit)
    record(
        actor,
        actions.USERS_IMPORTED,
        None,
        note=_("%(n)s users imported") % {"n": result.created},
        changes={"usernames": [_text(r["username"]) for _n, r in rows]},
    )
    return result


def department_template() -> tuple[tuple[Column, ...], list[Any]]:
    """Columns and an example row of the department import template."""
    return department_columns(), ["JCB-01", "示例科室", str(DepartmentKind.OFFICE.label), "", 10, ""]


def user_template() -> tuple[tuple[Column, ...], list[Any]]:
    """Columns and an example row of the user import template."""
    return USER_COLUMNS, ["zhangsan", "张三", "JCB-01", "13800000000", "科员", "", "Initial-Pass-2026"]


def export_departments(*, actor: User, departments: QuerySet[Department]) -> Workbook:
    """The department list as a report (only rows in the actor's scope)."""
    _require_perm(actor, MANAGE_DEPARTMENT)
    scoped = departments & visible_departments(actor)
    rows = flatten_tree(scoped.select_related("parent", "head").annotate(member_count=Count("members")))
    columns = (
        Column("code", _("Code"), 14),
        Column("name", _("Name"), 32),
        Column("kind", _("Kind"), 14),
        Column("parent", _("Parent code"), 14),
        Column("sort_order", _("Sort order"), 8),
        Column("head", _("Head (username)"), 16),
        Column("members", _("Members"), 8),
        Column("status", _("Status"), 8),
    )
    return export_workbook(
        title=str(_("Departments")),
        columns=columns,
        rows=(
            [
                row.department.code,
                ("　" * row.level) + row.department.name,
                row.department.get_kind_display(),
                row.department.parent.code if row.department.parent_id else "",
                row.department.sort_order,
                row.department.head.username if row.department.head_id else "",
                row.department.member_count,
                str(_("Active") if row.department.is_active else _("Disabled")),
            ]
            for row in rows
        ),
        unit=actor.department.name if actor.department_id else "",
        author=actor.display_name,
    )


@transaction.atomic
def export_users(*, actor: User, users: QuerySet[User]) -> Workbook:
    """The user list as a report; mobiles masked unless the actor may view personal data (the export is audited)."""
    _require_perm(actor, MANAGE_USER)
    unmasked = actor.has_perm(VIEW_PERSONAL_DATA)
    scoped = (users & visible_users(actor)).select_related("department").prefetch_related("roles")
    columns = (
        Column("username", _("Username"), 16),
        Column("full_name", _("Full name"), 12),
        Column("department", _("Main department"), 24),
        Column("title", _("Job title"), 14),
        Column("mobile", _("Mobile"), 16),
        Column("roles", _("Roles"), 24),
        Column("status", _("Status"), 8),
    )
    rows = [
        [
            u.username,
            u.full_name,
            u.department.name if u.department_id else "",
            u.title,
            u.mobile if unmasked else mask_mobile(u.mobile),
            "、".join(r.name for r in u.roles.all()),
            str(_("Active") if u.is_active else _("Disabled")),
        ]
        for u in scoped
    ]
    record(
        actor,
        actions.USERS_EXPORTED,
        None,
        note=_("%(n)s users, mobiles %(how)s") % {"n": len(rows), "how": _("unmasked") if unmasked else _("masked")},
        changes={"count": len(rows), "unmasked": unmasked},
    )
    return export_workbook(
        title=str(_("Users")),
        columns=columns,
        rows=rows,
        unit=actor.department.name if actor.department_id else "",
        author=actor.display_name,
    )


def user_filter(
    queryset: QuerySet[User],
    *,
    q: str = "",
    department: Department | None = None,
    include_below: bool = False,
    status: str = "",
    role: Role | None = None,
) -> QuerySet[User]:
    """Narrow a user queryset by the list page's search form (shared by the list and the export)."""
    if q:
        from zoneops.core.crypto import digest

        condition = Q(username__icontains=q) | Q(full_name__icontains=q)
        mobile = "".join(q.split())
        if mobile.isdigit() and len(mobile) == 11:
            condition |= Q(mobile_digest=digest(mobile))
        queryset = queryset.filter(condition)
    if department is not None:
        if include_below:
            queryset = queryset.filter(department__path__startswith=department.path)
        else:
            queryset = queryset.filter(department=department)
    if status == "active":
        queryset = queryset.filter(is_active=True)
    elif status == "disabled":
        queryset = queryset.filter(is_active=False)
    if role is not None:
        queryset = queryset.filter(roles=role)
    return queryset


def department_filter(queryset: QuerySet[Department], *, q: str = "", kind: str = "", status: str = "") -> QuerySet:
    """Narrow a department queryset by the list page's search form."""
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(short_name__icontains=q))
    if kind:
        queryset = queryset.filter(kind=kind)
    if status == "active":
        queryset = queryset.filter(is_active=True)
    elif status == "disabled":
        queryset = queryset.filter(is_active=False)
    return queryset
