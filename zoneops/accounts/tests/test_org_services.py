"""Department, user and role services (zoneops.accounts.org): every rule, the refusals and the audit rows."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import translation

from zoneops.accounts import org
from zoneops.accounts.models import (
    AdminKind,
    DataScope,
    Department,
    DepartmentKind,
    Post,
    Role,
    User,
    UserSession,
)
from zoneops.accounts.scoping import forget
from zoneops.accounts.tests.factories import DepartmentFactory, UserFactory, grant, make_role, perm
from zoneops.audit.models import AuditEvent
from zoneops.core import context
from zoneops.core.errors import DomainError, OutOfScope, PermissionDenied

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are asserted in their English source form (the Chinese catalogue is generated later)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


NOW = dt.datetime(2022, 4, 10, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
MANAGE_ALL = ("accounts.manage_department", "accounts.manage_user", "accounts.manage_role")
GOOD_PASSWORD = "Zone-Ops-2022!"


@pytest.fixture
def tree():
    """管委会 > 投资促进局 > 招商一科, and 管委会 > 经发局."""
    root = DepartmentFactory(code="GWH", name="管委会", kind=DepartmentKind.COMMITTEE)
    bureau_a = DepartmentFactory(code="TZJ", name="投资促进局", parent=root)
    office_a1 = DepartmentFactory(code="TZJ-1", name="招商一科", parent=bureau_a, kind=DepartmentKind.OFFICE)
    bureau_b = DepartmentFactory(code="JFJ", name="经发局", parent=root)
    return {"root": root, "a": bureau_a, "a1": office_a1, "b": bureau_b}


@pytest.fixture
def admin(tree):
    """A user manager with every management permission on all data."""
    user = UserFactory(username="sysadmin", department=tree["root"])
    grant(user, *MANAGE_ALL, scope=DataScope.ALL)
    return user


@pytest.fixture
def a_admin(tree):
    """A manager of 投资促进局 and below."""
    user = UserFactory(username="tzj_admin", department=tree["a"])
    grant(user, *MANAGE_ALL, scope=DataScope.DEPARTMENT_AND_BELOW)
    return user


def business_permission() -> Permission:
    """A permission of a business app (neither accounts nor audit)."""
    ct, _ = ContentType.objects.get_or_create(app_label="servicedesk_probe", model="probe")
    return Permission.objects.get_or_create(content_type=ct, codename="handle_probe", defaults={"name": "Handle"})[0]


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


# --------------------------------------------------------------------------------------------------
# Departments
# --------------------------------------------------------------------------------------------------


def test_create_department_places_it_under_its_parent_and_is_audited(admin, tree):
    department = org.create_department(
        actor=admin, code="TZJ-2", name="招商二科", kind="office", parent=tree["a"], sort_order=2
    )

    assert department.path == f"{tree['a'].path}{department.pk}/"
    assert department.depth == 2
    [event] = events("accounts.department_created")
    assert event.actor == admin
    assert event.object_id == str(department.pk)
    assert event.changes["code"] == [None, "TZJ-2"]
    assert event.changes["name"] == [None, "招商二科"]
    assert event.changes["parent"] == [None, tree["a"].pk]
    assert event.changes["sort_order"] == [None, 2]


def test_create_department_refuses_a_taken_code_whatever_the_case(admin, tree):
    with pytest.raises(DomainError) as exc:
        org.create_department(actor=admin, code="tzj", name="重复", kind="bureau", parent=tree["root"])

    assert exc.value.field == "code"
    assert Department.objects.count() == 4
    assert events("accounts.department_created") == []


def test_create_department_needs_the_permission(tree):
    clerk = UserFactory(department=tree["a"])

    with pytest.raises(PermissionDenied):
        org.create_department(actor=clerk, code="X1", name="新部门", kind="office", parent=tree["a"])

    assert not Department.objects.filter(code="X1").exists()


def test_a_scoped_manager_creates_only_inside_their_subtree(a_admin, tree):
    made = org.create_department(actor=a_admin, code="TZJ-3", name="招商三科", kind="office", parent=tree["a1"])
    assert made.parent == tree["a1"]

    with pytest.raises(DomainError) as outside:
        org.create_department(actor=a_admin, code="JFJ-1", name="综合科", kind="office", parent=tree["b"])
    assert outside.value.field == "parent"

    with pytest.raises(DomainError) as root:
        org.create_department(actor=a_admin, code="NEW", name="新委员会", kind="committee", parent=None)
    assert root.value.field == "parent"
    assert not Department.objects.filter(code__in=["JFJ-1", "NEW"]).exists()


def test_create_department_refuses_a_disabled_parent(admin, tree):
    org.disable_department(actor=admin, department=tree["b"])

    with pytest.raises(DomainError) as exc:
        org.create_department(actor=admin, code="JFJ-1", name="综合科", kind="office", parent=tree["b"])

    assert exc.value.field == "parent"


def test_rename_keeps_the_history_with_before_and_after(admin, tree):
    org.update_department(
        actor=admin, department=tree["a"], code="TZJ", name="投资促进中心", kind="bureau", sort_order=0
    )

    tree["a"].refresh_from_db()
    assert tree["a"].name == "投资促进中心"
    [event] = events("accounts.department_updated")
    assert event.changes == {"name": ["投资促进局", "投资促进中心"]}
    assert event.object_repr == "投资促进中心"


def test_update_without_a_change_records_nothing(admin, tree):
    org.update_department(actor=admin, department=tree["a"], code="TZJ", name="投资促进局", kind="bureau", sort_order=0)

    assert events("accounts.department_updated") == []


def test_move_department_rehangs_the_whole_subtree(admin, tree):
    org.move_department(actor=admin, department=tree["a"], new_parent=tree["b"])

    a, a1 = Department.objects.get(pk=tree["a"].pk), Department.objects.get(pk=tree["a1"].pk)
    assert a.parent_id == tree["b"].pk
    assert a.path == f"/{tree['root'].pk}/{tree['b'].pk}/{a.pk}/"
    assert a.depth == 2
    assert a1.path == f"{a.path}{a1.pk}/"
    assert a1.depth == 3
    [event] = events("accounts.department_moved")
    assert event.changes["parent"] == [tree["root"].pk, tree["b"].pk]


@pytest.mark.parametrize("target", ["a", "a1"])
def test_move_under_itself_or_its_own_descendant_is_refused(admin, tree, target):
    paths_before = dict(Department.objects.values_list("pk", "path"))

    with pytest.raises(DomainError) as exc:
        org.move_department(actor=admin, department=tree["a"], new_parent=tree[target])

    assert exc.value.field == "parent"
    assert dict(Department.objects.values_list("pk", "path")) == paths_before
    assert events("accounts.department_moved") == []


def test_a_scoped_manager_cannot_move_out_of_their_subtree(a_admin, tree):
    with pytest.raises(DomainError) as exc:
        org.move_department(actor=a_admin, department=tree["a1"], new_parent=tree["b"])

    assert exc.value.field == "parent"
    assert Department.objects.get(pk=tree["a1"].pk).parent_id == tree["a"].pk


def test_disable_a_department_with_members_and_children_then_enable_it(admin, tree):
    UserFactory(department=tree["a"])

    org.disable_department(actor=admin, department=tree["a"])
    assert Department.objects.get(pk=tree["a"].pk).is_active is False
    assert Department.objects.get(pk=tree["a1"].pk).is_active is True
    with pytest.raises(DomainError):
        org.disable_department(actor=admin, department=tree["a"])

    org.enable_department(actor=admin, department=tree["a"])
    assert Department.objects.get(pk=tree["a"].pk).is_active is True
    assert [e.changes for e in events("accounts.department_disabled")] == [{"is_active": [True, False]}]
    assert [e.changes for e in events("accounts.department_enabled")] == [{"is_active": [False, True]}]


def test_enable_under_a_disabled_parent_is_refused(admin, tree):
    org.disable_department(actor=admin, department=tree["a1"])
    org.disable_department(actor=admin, department=tree["a"])

    with pytest.raises(DomainError):
        org.enable_department(actor=admin, department=tree["a1"])

    assert Department.objects.get(pk=tree["a1"].pk).is_active is False


def test_delete_with_members_is_refused_and_says_disable(admin, tree):
    UserFactory(department=tree["b"])

    with pytest.raises(DomainError) as exc:
        org.delete_department(actor=admin, department=tree["b"])

    assert "members" in exc.value.message
    assert "disable it instead" in exc.value.message
    assert Department.objects.filter(pk=tree["b"].pk).exists()
    assert events("accounts.department_deleted") == []


def test_delete_with_children_is_refused(admin, tree):
    with pytest.raises(DomainError) as exc:
        org.delete_department(actor=admin, department=tree["a"])

    assert "sub-departments" in exc.value.message
    assert Department.objects.filter(pk=tree["a"].pk).exists()


def test_delete_with_a_post_or_a_role_referring_to_it_is_refused(admin, tree):
    Post.objects.create(user=UserFactory(department=tree["a"]), department=tree["b"], title="兼职")
    make_role("accounts.manage_user", scope=DataScope.CUSTOM, departments=[tree["b"]], code="b-only")

    with pytest.raises(DomainError) as exc:
        org.delete_department(actor=admin, department=tree["b"])

    assert "posts" in exc.value.message
    assert "roles whose data scope names it" in exc.value.message


def test_delete_with_other_records_is_refused(admin, tree):
    # A former member acted while in the department: the audit trail still names it.
    former = UserFactory(department=tree["b"])
    context_token = context.activate(context.RequestContext(source="test"))
    try:
        from zoneops.audit.services import record

        record(former, "accounts.user_updated", former)
    finally:
        context.reset(context_token)
    User.objects.filter(pk=former.pk).update(department=tree["a"])

    with pytest.raises(DomainError) as exc:
        org.delete_department(actor=admin, department=tree["b"])

    assert "disable it instead" in exc.value.message
    assert Department.objects.filter(pk=tree["b"].pk).exists()


def test_delete_an_unused_department(admin, tree):
    pk = tree["b"].pk

    org.delete_department(actor=admin, department=tree["b"])

    assert not Department.objects.filter(pk=pk).exists()
    [event] = events("accounts.department_deleted")
    assert event.object_id == str(pk)
    assert event.changes["code"] == ["JFJ", None]
    assert event.changes["name"] == ["经发局", None]


def test_department_services_answer_out_of_scope_for_other_subtrees(a_admin, tree):
    with pytest.raises(OutOfScope):
        org.update_department(actor=a_admin, department=tree["b"], code="JFJ", name="改名", kind="bureau")
    with pytest.raises(OutOfScope):
        org.disable_department(actor=a_admin, department=tree["b"])

    b = Department.objects.get(pk=tree["b"].pk)
    assert (b.name, b.is_active) == ("经发局", True)


# --------------------------------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_create_user_with_an_initial_password(admin, tree):
    role = make_role("accounts.manage_user", code="clerk")

    user = org.create_user(
        actor=admin,
        username="lisi",
        full_name="李四",
        department=tree["a1"],
        password=GOOD_PASSWORD,
        mobile="13912345678",
        title="科员",
        roles=[role],
    )

    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)
    assert user.must_change_password is True
    assert user.password_changed_at == NOW
    assert user.mobile == "13912345678"
    assert (user.full_name, user.department, user.title, user.is_staff) == ("李四", tree["a1"], "科员", True)
    assert list(user.roles.all()) == [role]
    [event] = events("accounts.user_created")
    assert event.changes["username"] == [None, "lisi"]
    assert event.changes["mobile"] == [None, "139****5678"]
    assert event.changes["roles"] == [None, ["clerk"]]
    assert "password" not in event.changes


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"username": "SYSADMIN"}, "username"),
        ({"username": "bad name!"}, "username"),
        ({"full_name": " "}, "full_name"),
        ({"mobile": "1391234567"}, "mobile"),
        ({"mobile": "23912345678"}, "mobile"),
        ({"password": "short"}, "password"),
        ({"password": "alllowercaseletters"}, "password"),
        ({"password": "Wangwu-2022-x"}, "password"),  # contains the username
        ({"department": None}, "department"),
    ],
)
def test_create_user_refuses_bad_input_and_writes_nothing(admin, tree, overrides, field):
    kwargs = {
        "username": "wangwu",
        "full_name": "王五",
        "department": tree["a"],
        "password": GOOD_PASSWORD,
        "mobile": "13800000000",
    }
    kwargs.update(overrides)
    users_before = User.objects.count()

    with pytest.raises(DomainError) as exc:
        org.create_user(actor=admin, **kwargs)

    assert exc.value.field == field
    assert User.objects.count() == users_before
    assert events("accounts.user_created") == []


def test_create_user_in_a_department_outside_the_scope_is_refused(a_admin, tree):
    with pytest.raises(DomainError) as exc:
        org.create_user(
            actor=a_admin, username="zhaoliu", full_name="赵六", department=tree["b"], password=GOOD_PASSWORD
        )

    assert exc.value.field == "department"
    assert not User.objects.filter(username="zhaoliu").exists()


def test_create_user_in_a_disabled_department_is_refused(admin, tree):
    org.disable_department(actor=admin, department=tree["b"])

    with pytest.raises(DomainError) as exc:
        org.create_user(actor=admin, username="zhaoliu", full_name="赵六", department=tree["b"], password=GOOD_PASSWORD)

    assert exc.value.field == "department"


def test_update_user_audits_before_and_after_with_the_mobile_masked(admin, tree):
    user = UserFactory(username="qianqi", full_name="钱七", department=tree["a"], mobile="13811112222")

    org.update_user(
        actor=admin,
        user=user,
        full_name="钱七",
        department=tree["b"],
        mobile="13833334444",
        title="主任",
        is_staff=True,
    )

    user.refresh_from_db()
    assert (user.department, user.mobile, user.title) == (tree["b"], "13833334444", "主任")
    [event] = events("accounts.user_updated")
    assert event.changes == {
        "department": [tree["a"].pk, tree["b"].pk],
        "mobile": ["138****2222", "138****4444"],
        "title": ["", "主任"],
    }


def test_a_scoped_manager_cannot_touch_users_of_another_department(a_admin, tree):
    other = UserFactory(full_name="孙八", department=tree["b"])

    with pytest.raises(OutOfScope):
        org.update_user(actor=a_admin, user=other, full_name="改名", department=tree["a"])
    with pytest.raises(OutOfScope):
        org.disable_user(actor=a_admin, user=other)
    with pytest.raises(OutOfScope):
        org.reset_password(actor=a_admin, user=other, new_password=GOOD_PASSWORD)

    other.refresh_from_db()
    assert (other.full_name, other.department, other.is_active) == ("孙八", tree["b"], True)
    assert other.check_password("Correct-horse-9")


def test_a_scoped_manager_cannot_move_a_user_out_of_their_scope(a_admin, tree):
    user = UserFactory(department=tree["a1"])

    with pytest.raises(DomainError) as exc:
        org.update_user(actor=a_admin, user=user, full_name=user.full_name, department=tree["b"])

    assert exc.value.field == "department"
    assert User.objects.get(pk=user.pk).department == tree["a1"]


def _live_session(user: User) -> str:
    store = SessionStore()
    store["x"] = 1
    store.create()
    UserSession.objects.create(session_key=store.session_key, user=user, created_at=NOW, last_seen_at=NOW)
    return store.session_key


def test_disabling_a_user_ends_all_their_sessions(admin, tree):
    user = UserFactory(department=tree["a"])
    keys = {_live_session(user), _live_session(user)}

    org.disable_user(actor=admin, user=user)

    user.refresh_from_db()
    assert user.is_active is False
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert set(UserSession.objects.filter(user=user).values_list("end_reason", flat=True)) == {"disabled"}
    assert UserSession.objects.filter(user=user, ended_at__isnull=True).count() == 0
    assert [e.changes for e in events("accounts.user_disabled")] == [{"is_active": [True, False]}]
    assert len(events("accounts.session_ended")) == 2


def test_disabling_oneself_is_refused(admin):
    with pytest.raises(DomainError):
        org.disable_user(actor=admin, user=admin)

    assert User.objects.get(pk=admin.pk).is_active is True


def test_enable_user(admin, tree):
    user = UserFactory(department=tree["a"], is_active=False)

    org.enable_user(actor=admin, user=user)

    assert User.objects.get(pk=user.pk).is_active is True
    assert [e.changes for e in events("accounts.user_enabled")] == [{"is_active": [False, True]}]


def test_set_user_posts_adds_changes_and_removes_posts(admin, tree):
    user = UserFactory(department=tree["a"])

    org.set_user_posts(actor=admin, user=user, posts=[(tree["b"], "兼职联络员"), (tree["a1"], "")])
    assert sorted(user.posts.values_list("department__code", "title")) == [("JFJ", "兼职联络员"), ("TZJ-1", "")]

    org.set_user_posts(actor=admin, user=user, posts=[(tree["b"], "副主任")])
    assert list(user.posts.values_list("department__code", "title")) == [("JFJ", "副主任")]
    changes = [e.changes["posts"] for e in events("accounts.user_updated")]
    assert changes == [
        [[], [["JFJ", "兼职联络员"], ["TZJ-1", ""]]],
        [[["JFJ", "兼职联络员"], ["TZJ-1", ""]], [["JFJ", "副主任"]]],
    ]


def test_a_post_in_the_main_department_or_outside_the_scope_is_refused(a_admin, tree):
    user = UserFactory(department=tree["a"])

    with pytest.raises(DomainError) as main:
        org.set_user_posts(actor=a_admin, user=user, posts=[(tree["a"], "")])
    with pytest.raises(DomainError) as outside:
        org.set_user_posts(actor=a_admin, user=user, posts=[(tree["b"], "")])

    assert main.value.field == outside.value.field == "posts"
    assert not user.posts.exists()


@time_machine.travel(NOW, tick=False)
def test_reset_password_makes_an_initial_password_and_ends_sessions(admin, tree):
    user = UserFactory(department=tree["a"])
    key = _live_session(user)

    org.reset_password(actor=admin, user=user, new_password=GOOD_PASSWORD)

    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)
    assert user.must_change_password is True
    assert user.password_changed_at == NOW
    assert not Session.objects.filter(session_key=key).exists()
    assert len(events("accounts.password_reset")) == 1


def test_reset_password_applies_the_policy(admin, tree):
    user = UserFactory(department=tree["a"])

    with pytest.raises(DomainError):
        org.reset_password(actor=admin, user=user, new_password="weak")

    assert User.objects.get(pk=user.pk).check_password("Correct-horse-9")


# --------------------------------------------------------------------------------------------------
# Roles on users: separation of the three administrators (三员分立)
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def admin_roles():
    return {
        kind: make_role("accounts.manage_user", code=f"{kind}-admin", admin_kind=kind, is_builtin=True)
        for kind in (AdminKind.SYSTEM, AdminKind.SECURITY, AdminKind.AUDIT)
    }


@pytest.mark.parametrize(
    "combo",
    [
        ("system", "business"),
        ("security", "business"),
        ("audit", "business"),
        ("system", "security"),
        ("system", "audit"),
        ("security", "audit"),
        ("system", "security", "audit"),
        ("audit", "business", "business2"),
    ],
)
def test_an_administrator_role_is_held_alone(admin, tree, admin_roles, combo):
    business = {"business": make_role(code="clerk"), "business2": make_role(code="viewer")}
    roles = [admin_roles.get(name) or business[name] for name in combo]
    user = UserFactory(department=tree["a"])

    with pytest.raises(DomainError) as exc:
        org.set_user_roles(actor=admin, user=user, roles=roles)

    assert exc.value.field == "roles"
    assert list(user.roles.all()) == []
    assert events("accounts.user_roles_changed") == []


def test_two_administrator_kinds_get_their_own_message(admin, tree, admin_roles):
    user = UserFactory(department=tree["a"])

    with pytest.raises(DomainError) as exc:
        org.set_user_roles(actor=admin, user=user, roles=[admin_roles["system"], admin_roles["audit"]])

    assert "can never be held by one user" in exc.value.message


@pytest.mark.parametrize("combo", [("system",), ("security",), ("audit",), ("business", "business2"), ()])
def test_allowed_role_combinations(admin, tree, admin_roles, combo):
    business = {"business": make_role(code="clerk"), "business2": make_role(code="viewer")}
    roles = [admin_roles.get(name) or business[name] for name in combo]
    user = UserFactory(department=tree["a"])
    user.roles.add(make_role(code="old"))

    org.set_user_roles(actor=admin, user=user, roles=roles)

    assert sorted(user.roles.values_list("code", flat=True)) == sorted(r.code for r in roles)
    [event] = events("accounts.user_roles_changed")
    assert event.changes == {"roles": [["old"], sorted(r.code for r in roles)]}


def test_create_user_keeps_the_separation_too(admin, tree, admin_roles):
    with pytest.raises(DomainError) as exc:
        org.create_user(
            actor=admin,
            username="zhou",
            full_name="周九",
            department=tree["a"],
            password=GOOD_PASSWORD,
            roles=[admin_roles["security"], make_role(code="clerk")],
        )

    assert exc.value.field == "roles"
    assert not User.objects.filter(username="zhou").exists()


def test_nobody_changes_their_own_roles(admin):
    before = list(admin.roles.all())

    with pytest.raises(DomainError) as exc:
        org.set_user_roles(actor=admin, user=admin, roles=[make_role(code="extra")])

    assert exc.value.field == "roles"
    assert list(admin.roles.all()) == before


def test_set_user_roles_out_of_scope(a_admin, tree):
    other = UserFactory(department=tree["b"])

    with pytest.raises(OutOfScope):
        org.set_user_roles(actor=a_admin, user=other, roles=[make_role(code="clerk")])

    assert not other.roles.exists()


def test_new_roles_take_effect_at_once(admin, tree):
    user = UserFactory(department=tree["a"])
    assert not user.has_perm("accounts.manage_department")

    org.set_user_roles(actor=admin, user=user, roles=[make_role("accounts.manage_department", code="dept")])

    assert user.has_perm("accounts.manage_department")


# --------------------------------------------------------------------------------------------------
# Roles
# --------------------------------------------------------------------------------------------------


def test_create_role_with_a_custom_scope(admin, tree):
    role = org.create_role(
        actor=admin,
        code="jfj-viewer",
        name="经发局查看",
        permissions=[perm("accounts.manage_user")],
        data_scope=DataScope.CUSTOM,
        departments=[tree["b"], tree["a1"]],
    )

    assert set(role.departments.all()) == {tree["b"], tree["a1"]}
    [event] = events("accounts.role_created")
    assert event.changes["data_scope"] == [None, "custom"]
    assert event.changes["departments"] == [None, ["JFJ", "TZJ-1"]]
    assert event.changes["permissions"] == [None, ["accounts.manage_user"]]


def test_a_custom_scope_needs_departments(admin):
    with pytest.raises(DomainError) as exc:
        org.create_role(actor=admin, code="empty", name="空", data_scope=DataScope.CUSTOM, departments=[])

    assert exc.value.field == "departments"
    assert not Role.objects.filter(code="empty").exists()


def test_other_scopes_drop_chosen_departments(admin, tree):
    role = org.create_role(actor=admin, code="own", name="本部门", data_scope=DataScope.CUSTOM, departments=[tree["b"]])

    org.update_role(
        actor=admin,
        role=role,
        code="own",
        name="本部门",
        permissions=[],
        data_scope=DataScope.DEPARTMENT,
        departments=[tree["b"]],
    )

    assert list(role.departments.all()) == []
    [event] = events("accounts.role_updated")
    assert event.changes == {"data_scope": ["custom", "department"], "departments": [["JFJ"], []]}


def test_create_role_needs_manage_role(tree):
    user = UserFactory(department=tree["a"])
    grant(user, "accounts.manage_user")

    with pytest.raises(PermissionDenied):
        org.create_role(actor=user, code="x", name="x")

    assert not Role.objects.filter(code="x").exists()


def test_builtin_administrator_roles_get_no_business_permission(admin, admin_roles):
    role = admin_roles["system"]

    with pytest.raises(DomainError) as exc:
        org.update_role(
            actor=admin,
            role=role,
            code=role.code,
            name=role.name,
            data_scope=DataScope.ALL,
            permissions=[perm("accounts.manage_user"), business_permission()],
        )

    assert exc.value.field == "permissions"
    assert "servicedesk_probe.handle_probe" in exc.value.message
    assert list(role.permissions.values_list("codename", flat=True)) == ["manage_user"]


def test_builtin_administrator_roles_may_get_system_permissions(admin, admin_roles):
    role = admin_roles["audit"]

    org.update_role(
        actor=admin,
        role=role,
        code=role.code,
        name=role.name,
        data_scope=DataScope.ALL,
        permissions=[perm("audit.view_audit_trail")],
    )

    assert list(role.permissions.values_list("codename", flat=True)) == ["view_audit_trail"]


def test_the_kind_of_a_builtin_administrator_role_cannot_change(admin, admin_roles):
    role = admin_roles["security"]

    for new_kind in (AdminKind.NONE, AdminKind.AUDIT):
        with pytest.raises(DomainError) as exc:
            org.update_role(
                actor=admin,
                role=role,
                code=role.code,
                name=role.name,
                data_scope=DataScope.ALL,
                permissions=[],
                admin_kind=new_kind,
            )
        assert exc.value.field == "admin_kind"

    assert Role.objects.get(pk=role.pk).admin_kind == "security"


def test_turning_a_held_role_into_an_administrator_role_must_not_break_the_separation(admin, tree):
    role = make_role(code="ops")
    user = UserFactory(department=tree["a"])
    user.roles.add(role, make_role(code="other"))

    with pytest.raises(DomainError) as exc:
        org.update_role(
            actor=admin,
            role=role,
            code="ops",
            name="ops",
            permissions=[],
            data_scope=DataScope.SELF,
            admin_kind=AdminKind.SYSTEM,
        )

    assert exc.value.field == "admin_kind"
    assert Role.objects.get(pk=role.pk).admin_kind == ""


def test_disabling_a_role_removes_its_permissions(admin, tree):
    user = UserFactory(department=tree["a"])
    role = make_role("accounts.manage_department", code="dept")
    user.roles.add(role)
    assert user.has_perm("accounts.manage_department")

    org.update_role(
        actor=admin,
        role=role,
        code="dept",
        name="dept",
        permissions=[perm("accounts.manage_department")],
        data_scope=DataScope.ALL,
        is_active=False,
    )

    fresh = User.objects.get(pk=user.pk)
    forget(fresh)
    assert not fresh.has_perm("accounts.manage_department")


# --------------------------------------------------------------------------------------------------
# A scoped user manager cannot hand out more reach than they have
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role_kwargs", "allowed"),
    [
        ({"scope": DataScope.ALL}, False),
        ({"scope": DataScope.SELF, "admin_kind": AdminKind.AUDIT}, False),
        ({"scope": DataScope.CUSTOM, "departments": ("b",)}, False),
        ({"scope": DataScope.CUSTOM, "departments": ("a1",)}, True),
        ({"scope": DataScope.DEPARTMENT_AND_BELOW}, True),
        ({"scope": DataScope.DEPARTMENT}, True),
        ({"scope": DataScope.SELF}, True),
    ],
)
def test_a_scoped_manager_assigns_only_roles_within_their_reach(a_admin, tree, role_kwargs, allowed):
    kwargs = dict(role_kwargs)
    kwargs["departments"] = [tree[key] for key in kwargs.get("departments", ())]
    role = make_role("accounts.manage_user", code="r", **kwargs)
    user = UserFactory(department=tree["a1"])

    if allowed:
        org.set_user_roles(actor=a_admin, user=user, roles=[role])
        assert list(user.roles.all()) == [role]
    else:
        with pytest.raises(DomainError) as exc:
            org.set_user_roles(actor=a_admin, user=user, roles=[role])
        assert exc.value.field == "roles"
        assert not user.roles.exists()
        with pytest.raises(DomainError):
            org.create_user(
                actor=a_admin,
                username="newbie",
                full_name="新人",
                department=tree["a1"],
                password=GOOD_PASSWORD,
                roles=[role],
            )
        assert not User.objects.filter(username="newbie").exists()


def test_a_scoped_manager_may_keep_a_wide_role_the_user_already_holds(admin, a_admin, tree):
    wide, narrow = make_role(code="wide", scope=DataScope.ALL), make_role(code="narrow", scope=DataScope.SELF)
    user = UserFactory(department=tree["a1"])
    org.set_user_roles(actor=admin, user=user, roles=[wide])

    org.set_user_roles(actor=a_admin, user=user, roles=[wide, narrow])

    assert sorted(user.roles.values_list("code", flat=True)) == ["narrow", "wide"]
