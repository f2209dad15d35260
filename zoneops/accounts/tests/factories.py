"""Factories for departments, users and roles."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Permission

from zoneops.accounts.models import DataScope, Department, DepartmentKind, Role, User
from zoneops.accounts.tree import place


class DepartmentFactory(factory.django.DjangoModelFactory):
    """A department (placed in the tree after creation)."""

    class Meta:
        model = Department
        # place() writes path and depth itself; a second save after the hook would change nothing.
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"D{n:04d}")
    name = factory.Sequence(lambda n: f"部门{n}")
    kind = DepartmentKind.BUREAU
    parent = None

    @factory.post_generation
    def placed(obj, create, extracted, **kwargs):
        if create:
            place(obj)


class UserFactory(factory.django.DjangoModelFactory):
    """A staff user with a usable password."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    is_staff = True
    department = factory.SubFactory(DepartmentFactory)
    password = factory.PostGenerationMethodCall("set_password", "Correct-horse-9")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def perm(code: str) -> Permission:
    """The Permission object for "app_label.codename"."""
    app_label, codename = code.split(".", 1)
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def make_role(*perms: str, scope: str = DataScope.ALL, departments=(), code: str | None = None, **kwargs) -> Role:
    """A role carrying the given permissions and data scope."""
    role = Role.objects.create(
        code=code or f"role-{Role.objects.count() + 1}", name=code or "role", data_scope=scope, **kwargs
    )
    role.permissions.set([perm(p) for p in perms])
    role.departments.set(departments)
    return role


def grant(user: User, *perms: str, scope: str = DataScope.ALL, departments=()) -> Role:
    """Give `user` a new role with these permissions and scope."""
    from zoneops.accounts.scoping import forget

    role = make_role(*perms, scope=scope, departments=departments)
    user.roles.add(role)
    forget(user)
    return role
