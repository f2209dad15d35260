"""The data-scope mechanism itself (five RuoYi scopes, OR of roles) and the HTTP scope matrix of user pages.

Tree:  管委会 R ─┬─ 投资促进局 A ── 招商一科 A1
                 └─ 经发局 B
The actor sits in A; one user sits in each department.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from zoneops.accounts.models import DataScope, Department, DepartmentKind, Post, User
from zoneops.accounts.scoping import forget
from zoneops.accounts.tests.factories import DepartmentFactory, UserFactory, grant, make_role
from zoneops.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

MANAGE_USER = "accounts.manage_user"
MANAGE_DEPARTMENT = "accounts.manage_department"


@pytest.fixture
def world():
    r = DepartmentFactory(code="R", name="管委会", kind=DepartmentKind.COMMITTEE)
    a = DepartmentFactory(code="A", name="投资促进局", parent=r)
    a1 = DepartmentFactory(code="A1", name="招商一科", parent=a, kind=DepartmentKind.OFFICE)
    b = DepartmentFactory(code="B", name="经发局", parent=r)
    departments = {"R": r, "A": a, "A1": a1, "B": b}
    users = {code: UserFactory(username=f"u_{code.lower()}", department=d) for code, d in departments.items()}
    actor = UserFactory(username="actor", department=a)
    return {"departments": departments, "users": users, "actor": actor}


def visible_usernames(actor, perm=MANAGE_USER) -> list[str]:
    return sorted(User.objects.visible_to(actor, perm).values_list("username", flat=True))


def visible_codes(actor, perm=MANAGE_DEPARTMENT) -> list[str]:
    return sorted(Department.objects.visible_to(actor, perm).values_list("code", flat=True))


# (scope, custom departments) per role → expected users / departments
SINGLE_ROLE = [
    (DataScope.ALL, (), ["actor", "u_a", "u_a1", "u_b", "u_r"], ["A", "A1", "B", "R"]),
    (DataScope.CUSTOM, ("B",), ["u_b"], ["B"]),
    (DataScope.CUSTOM, ("A1", "B"), ["u_a1", "u_b"], ["A1", "B"]),
    (DataScope.DEPARTMENT, (), ["actor", "u_a"], ["A"]),
    (DataScope.DEPARTMENT_AND_BELOW, (), ["actor", "u_a", "u_a1"], ["A", "A1"]),
    (DataScope.SELF, (), ["actor"], []),
]


@pytest.mark.parametrize(("scope", "chosen", "users", "departments"), SINGLE_ROLE)
def test_each_scope_alone(world, scope, chosen, users, departments):
    actor = world["actor"]
    grant(actor, MANAGE_USER, MANAGE_DEPARTMENT, scope=scope, departments=[world["departments"][c] for c in chosen])

    assert visible_usernames(actor) == users
    assert visible_codes(actor) == departments


TWO_ROLES = [
    # custom B  OR  only own records
    ((DataScope.CUSTOM, ("B",)), (DataScope.SELF, ()), ["actor", "u_b"], ["B"]),
    # own department  OR  custom A1
    ((DataScope.DEPARTMENT, ()), (DataScope.CUSTOM, ("A1",)), ["actor", "u_a", "u_a1"], ["A", "A1"]),
    # own department and below  OR  custom B
    (
        (DataScope.DEPARTMENT_AND_BELOW, ()),
        (DataScope.CUSTOM, ("B",)),
        ["actor", "u_a", "u_a1", "u_b"],
        ["A", "A1", "B"],
    ),
    # self  OR  all: all wins
    ((DataScope.SELF, ()), (DataScope.ALL, ()), ["actor", "u_a", "u_a1", "u_b", "u_r"], ["A", "A1", "B", "R"]),
    # two custom roles: the union of their departments
    ((DataScope.CUSTOM, ("R",)), (DataScope.CUSTOM, ("B",)), ["u_b", "u_r"], ["B", "R"]),
]


@pytest.mark.parametrize(("first", "second", "users", "departments"), TWO_ROLES)
def test_two_roles_combine_with_or(world, first, second, users, departments):
    actor = world["actor"]
    for scope, chosen in (first, second):
        grant(actor, MANAGE_USER, MANAGE_DEPARTMENT, scope=scope, departments=[world["departments"][c] for c in chosen])

    assert visible_usernames(actor) == users
    assert visible_codes(actor) == departments


def test_only_roles_carrying_the_permission_count(world):
    actor = world["actor"]
    grant(actor, MANAGE_DEPARTMENT, scope=DataScope.ALL)
    grant(actor, MANAGE_USER, scope=DataScope.DEPARTMENT)

    assert visible_usernames(actor) == ["actor", "u_a"]
    assert visible_codes(actor) == ["A", "A1", "B", "R"]
    assert visible_usernames(actor, "accounts.manage_role") == []


def test_a_post_widens_the_own_department_scopes(world):
    actor = world["actor"]
    Post.objects.create(user=actor, department=world["departments"]["B"], title="兼职")
    grant(actor, MANAGE_USER, MANAGE_DEPARTMENT, scope=DataScope.DEPARTMENT)

    assert visible_usernames(actor) == ["actor", "u_a", "u_b"]
    assert visible_codes(actor) == ["A", "B"]


def test_a_disabled_role_grants_nothing(world):
    actor = world["actor"]
    role = grant(actor, MANAGE_USER, MANAGE_DEPARTMENT, scope=DataScope.ALL)
    role.is_active = False
    role.save()
    forget(actor)

    assert visible_usernames(actor) == []
    assert visible_codes(actor) == []


def test_anonymous_and_disabled_actors_see_nothing(world):
    actor = world["actor"]
    grant(actor, MANAGE_USER, MANAGE_DEPARTMENT, scope=DataScope.ALL)
    assert User.objects.visible_to(AnonymousUser(), MANAGE_USER).count() == 0
    assert Department.objects.visible_to(None, MANAGE_DEPARTMENT).count() == 0

    actor.is_active = False

    assert visible_usernames(actor) == []
    assert visible_codes(actor) == []


def test_moving_a_department_moves_the_subtree_scope_with_it(world):
    from zoneops.accounts.tree import move

    actor = world["actor"]
    grant(actor, MANAGE_USER, scope=DataScope.DEPARTMENT_AND_BELOW)
    move(world["departments"]["B"], world["departments"]["A1"])

    assert visible_usernames(actor) == ["actor", "u_a", "u_a1", "u_b"]


# --------------------------------------------------------------------------------------------------
# HTTP: user-detail (GET) and user-toggle (POST)
# --------------------------------------------------------------------------------------------------


def _client_for(client, world, case: str):
    """anonymous / no permission / scope = own department (target elsewhere) / in scope."""
    actor = world["actor"]
    if case == "anonymous":
        return client
    if case == "no_permission":
        grant(actor, MANAGE_DEPARTMENT, scope=DataScope.ALL)  # other permissions do not help
    else:
        grant(actor, MANAGE_USER, scope=DataScope.DEPARTMENT)
    client.force_login(actor)
    return client


@pytest.mark.parametrize(
    ("case", "target", "status"),
    [
        ("anonymous", "A", 302),
        ("no_permission", "A", 403),
        ("other_department", "B", 404),
        ("other_department", "A1", 404),
        ("in_scope", "A", 200),
    ],
)
def test_user_detail_scope_matrix(client, world, case, target, status):
    browser = _client_for(client, world, case)
    url = reverse("accounts:user-detail", args=[world["users"][target].pk])

    response = browser.get(url)

    assert response.status_code == status
    if case == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login"))


def test_user_detail_of_a_missing_user_is_the_same_404(client, world):
    browser = _client_for(client, world, "in_scope")

    assert browser.get(reverse("accounts:user-detail", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("case", "target", "status"),
    [
        ("anonymous", "A", 302),
        ("no_permission", "A", 403),
        ("other_department", "B", 404),
    ],
)
def test_user_toggle_refused_changes_nothing(client, world, case, target, status):
    browser = _client_for(client, world, case)
    victim = world["users"][target]

    response = browser.post(reverse("accounts:user-toggle", args=[victim.pk]))

    assert response.status_code == status
    assert User.objects.get(pk=victim.pk).is_active is True
    assert not AuditEvent.objects.filter(action__in=["accounts.user_disabled", "accounts.user_enabled"]).exists()


def test_user_toggle_in_scope_disables(client, world):
    browser = _client_for(client, world, "in_scope")
    victim = world["users"]["A"]

    response = browser.post(reverse("accounts:user-toggle", args=[victim.pk]))

    assert response.status_code == 302
    assert User.objects.get(pk=victim.pk).is_active is False
    assert AuditEvent.objects.filter(action="accounts.user_disabled", object_id=str(victim.pk)).count() == 1


@pytest.mark.parametrize(
    "url_name",
    [
        "accounts:user-list",
        "accounts:user-create",
        "accounts:user-import",
        "accounts:user-export",
        "accounts:department-list",
        "accounts:role-list",
        "accounts:role-create",
    ],
)
def test_pages_without_the_permission_answer_403(client, world, url_name):
    actor = world["actor"]
    grant(actor, "audit.view_audit_trail", scope=DataScope.ALL)
    client.force_login(actor)

    assert client.get(reverse(url_name)).status_code == 403


def test_department_pages_follow_the_department_scope(client, world):
    actor = world["actor"]
    grant(actor, MANAGE_DEPARTMENT, scope=DataScope.DEPARTMENT_AND_BELOW)
    client.force_login(actor)
    b = world["departments"]["B"]

    assert client.get(reverse("accounts:department-detail", args=[world["departments"]["A1"].pk])).status_code == 200
    assert client.get(reverse("accounts:department-detail", args=[b.pk])).status_code == 404
    assert client.post(reverse("accounts:department-toggle", args=[b.pk])).status_code == 404
    assert Department.objects.get(pk=b.pk).is_active is True
    html = client.get(reverse("accounts:department-list")).content.decode()
    assert 'data-department="A1"' in html
    assert 'data-department="B"' not in html


def test_user_list_shows_only_users_in_scope(client, world):
    actor = world["actor"]
    grant(actor, MANAGE_USER, scope=DataScope.DEPARTMENT_AND_BELOW)
    client.force_login(actor)

    html = client.get(reverse("accounts:user-list")).content.decode()

    shown = sorted(n for n in ("actor", "u_a", "u_a1", "u_b", "u_r") if f'data-user="{n}"' in html)
    assert shown == ["actor", "u_a", "u_a1"]


def test_roles_of_a_custom_scope_are_used_by_the_http_layer_too(client, world):
    actor = world["actor"]
    role = make_role(MANAGE_USER, scope=DataScope.CUSTOM, departments=[world["departments"]["B"]], code="b")
    actor.roles.add(role)
    client.force_login(actor)

    assert client.get(reverse("accounts:user-detail", args=[world["users"]["B"].pk])).status_code == 200
    assert client.get(reverse("accounts:user-detail", args=[world["users"]["A"].pk])).status_code == 404
