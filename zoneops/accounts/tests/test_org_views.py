"""Department, user and role pages: render, submit, show service errors on the form, stay O(1) in queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from zoneops.accounts.models import AdminKind, DataScope, Department, DepartmentKind, Role, User
from zoneops.accounts.tests.factories import DepartmentFactory, UserFactory, grant, make_role, perm
from zoneops.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "Zone-Ops-2022!"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def tree():
    root = DepartmentFactory(code="GWH", name="管委会", kind=DepartmentKind.COMMITTEE)
    a = DepartmentFactory(code="TZJ", name="投资促进局", parent=root)
    a1 = DepartmentFactory(code="TZJ-1", name="招商一科", parent=a, kind=DepartmentKind.OFFICE)
    b = DepartmentFactory(code="JFJ", name="经发局", parent=root)
    return {"root": root, "a": a, "a1": a1, "b": b}


@pytest.fixture
def admin(tree):
    user = UserFactory(username="sysadmin", department=tree["root"])
    grant(user, "accounts.manage_department", "accounts.manage_user", "accounts.manage_role", scope=DataScope.ALL)
    return user


@pytest.fixture
def browser(client, admin):
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    "url_name",
    [
        "accounts:department-list",
        "accounts:department-create",
        "accounts:department-import",
        "accounts:user-list",
        "accounts:user-create",
        "accounts:user-import",
        "accounts:role-list",
        "accounts:role-create",
    ],
)
def test_pages_without_arguments_render(browser, url_name):
    response = browser.get(reverse(url_name))

    assert response.status_code == 200


def test_object_pages_render(browser, tree, admin):
    user = UserFactory(username="zhangsan", department=tree["a"])
    role = make_role("accounts.manage_user", code="clerk")
    pages = [
        reverse("accounts:department-detail", args=[tree["a"].pk]),
        reverse("accounts:department-edit", args=[tree["a"].pk]),
        reverse("accounts:department-move", args=[tree["a"].pk]),
        reverse("accounts:user-detail", args=[user.pk]),
        reverse("accounts:user-edit", args=[user.pk]),
        reverse("accounts:user-roles", args=[user.pk]),
        reverse("accounts:user-password-reset", args=[user.pk]),
        reverse("accounts:role-detail", args=[role.pk]),
        reverse("accounts:role-edit", args=[role.pk]),
    ]

    assert [browser.get(url).status_code for url in pages] == [200] * len(pages)


def test_department_list_shows_the_tree_in_order_with_status_and_import_dialog(browser, tree, admin):
    Department.objects.filter(pk=tree["b"].pk).update(sort_order=5, is_active=False)

    html = browser.get(reverse("accounts:department-list")).content.decode()

    order = [html.index(f'data-department="{code}"') for code in ("GWH", "TZJ", "TZJ-1", "JFJ")]
    assert order == sorted(order)
    assert "zo-indent-2" in html
    assert "Disabled" in html
    assert reverse("accounts:department-template") in html
    assert 'id="department-import-dialog"' in html


def test_department_list_search_by_name_code_and_kind(browser, tree):
    by_name = browser.get(reverse("accounts:department-list"), {"q": "招商"}).content.decode()
    by_kind = browser.get(reverse("accounts:department-list"), {"kind": "office"}).content.decode()

    assert 'data-department="TZJ-1"' in by_name
    assert 'data-department="JFJ"' not in by_name
    assert 'data-department="TZJ-1"' in by_kind
    assert 'data-department="TZJ"' not in by_kind


def test_department_list_htmx_returns_only_the_table(browser, tree):
    response = browser.get(reverse("accounts:department-list"), {"q": "经发"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert 'data-department="JFJ"' in html
    assert "<html" not in html


def test_create_department_through_the_form(browser, tree):
    response = browser.post(
        reverse("accounts:department-create"),
        {"parent": tree["a"].pk, "code": "TZJ-2", "name": "招商二科", "kind": "office", "sort_order": 2},
    )

    made = Department.objects.get(code="TZJ-2")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:department-detail", args=[made.pk])
    assert made.parent == tree["a"]


def test_create_department_shows_the_service_error_on_the_field(browser, tree):
    response = browser.post(
        reverse("accounts:department-create"),
        {"parent": tree["a"].pk, "code": "JFJ", "name": "重复", "kind": "office", "sort_order": 0},
    )

    assert response.status_code == 200
    assert "A department with code JFJ already exists." in response.content.decode()
    assert Department.objects.filter(code="JFJ").count() == 1


def test_move_into_own_subtree_is_not_even_offered_and_refused_if_posted(browser, tree):
    page = browser.get(reverse("accounts:department-move", args=[tree["a"].pk])).content.decode()
    assert f'value="{tree["a1"].pk}"' not in page
    assert f'value="{tree["b"].pk}"' in page

    response = browser.post(reverse("accounts:department-move", args=[tree["a"].pk]), {"parent": tree["a1"].pk})

    assert response.status_code == 200
    assert Department.objects.get(pk=tree["a"].pk).parent_id == tree["root"].pk


def test_move_department_through_the_form(browser, tree):
    response = browser.post(reverse("accounts:department-move", args=[tree["a1"].pk]), {"parent": tree["b"].pk})

    assert response.status_code == 302
    assert Department.objects.get(pk=tree["a1"].pk).parent_id == tree["b"].pk


def test_department_detail_shows_members_children_and_history(browser, tree, admin):
    UserFactory(username="member1", department=tree["a"])
    browser.post(
        reverse("accounts:department-edit", args=[tree["a"].pk]),
        {"code": "TZJ", "name": "投资促进中心", "kind": "bureau", "sort_order": 0},
    )

    html = browser.get(reverse("accounts:department-detail", args=[tree["a"].pk])).content.decode()

    assert "member1" in html
    assert "招商一科" in html
    assert "Department updated" in html
    assert "投资促进局" in html and "投资促进中心" in html
    assert reverse("accounts:department-delete", args=[tree["a"].pk]) not in html


def test_department_toggle_is_post_only_and_flips(browser, tree):
    url = reverse("accounts:department-toggle", args=[tree["b"].pk])

    assert browser.get(url).status_code == 405
    browser.post(url)
    assert Department.objects.get(pk=tree["b"].pk).is_active is False
    browser.post(url)
    assert Department.objects.get(pk=tree["b"].pk).is_active is True


def test_delete_refused_shows_the_message(browser, tree):
    UserFactory(department=tree["b"])

    response = browser.post(reverse("accounts:department-delete", args=[tree["b"].pk]), follow=True)

    assert "disable it instead" in response.content.decode()
    assert Department.objects.filter(pk=tree["b"].pk).exists()


def test_user_list_masks_mobiles_and_filters(browser, tree):
    UserFactory(username="zhangsan", department=tree["a1"], mobile="13812345678")
    UserFactory(username="lisi", department=tree["b"], is_active=False)
    role = make_role(code="clerk")
    UserFactory(username="wangwu", department=tree["a"]).roles.add(role)
    url = reverse("accounts:user-list")

    html = browser.get(url).content.decode()
    assert "138****5678" in html
    assert "13812345678" not in html

    def names(params):
        page = browser.get(url, params).content.decode()
        return sorted(n for n in ("zhangsan", "lisi", "wangwu", "sysadmin") if f'data-user="{n}"' in page)

    assert names({"department": tree["a"].pk}) == ["wangwu"]
    assert names({"department": tree["a"].pk, "include_below": "on"}) == ["wangwu", "zhangsan"]
    assert names({"status": "disabled"}) == ["lisi"]
    assert names({"role": role.pk}) == ["wangwu"]
    assert names({"q": "zhang"}) == ["zhangsan"]
    assert names({"q": "13812345678"}) == ["zhangsan"]


def test_user_list_query_count_does_not_grow_with_rows(browser, tree):
    role = make_role(code="clerk")
    for _ in range(3):
        UserFactory(department=tree["a"]).roles.add(role)
    url = reverse("accounts:user-list")
    browser.get(url)
    with CaptureQueriesContext(connection) as few:
        browser.get(url)
    for _ in range(10):
        UserFactory(department=tree["b"]).roles.add(role)
    with CaptureQueriesContext(connection) as many:
        browser.get(url)

    assert len(many) == len(few)


def test_department_list_query_count_does_not_grow_with_rows(browser, tree):
    url = reverse("accounts:department-list")
    browser.get(url)
    with CaptureQueriesContext(connection) as few:
        browser.get(url)
    for index in range(10):
        DepartmentFactory(code=f"X{index}", parent=tree["b"])
    with CaptureQueriesContext(connection) as many:
        browser.get(url)

    assert len(many) == len(few)


def test_create_user_through_the_form(browser, tree):
    role = make_role(code="clerk")
    response = browser.post(
        reverse("accounts:user-create"),
        {
            "username": "zhaoliu",
            "full_name": "赵六",
            "department": tree["a1"].pk,
            "mobile": "13900001111",
            "is_staff": "on",
            "roles": [role.pk],
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )

    user = User.objects.get(username="zhaoliu")
    assert response.status_code == 302
    assert user.must_change_password is True
    assert list(user.roles.all()) == [role]


def test_create_user_shows_the_separation_error_on_roles(browser, tree):
    system = make_role(code="sys", admin_kind=AdminKind.SYSTEM)
    clerk = make_role(code="clerk")

    response = browser.post(
        reverse("accounts:user-create"),
        {
            "username": "zhaoliu",
            "full_name": "赵六",
            "department": tree["a1"].pk,
            "roles": [system.pk, clerk.pk],
            "password": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 200
    assert "may hold no other role" in response.content.decode()
    assert not User.objects.filter(username="zhaoliu").exists()


def test_user_roles_page_saves_roles_and_posts_together(browser, tree):
    user = UserFactory(department=tree["a"])
    clerk = make_role(code="clerk")

    response = browser.post(
        reverse("accounts:user-roles", args=[user.pk]),
        {
            "roles": [clerk.pk],
            "posts-TOTAL_FORMS": "2",
            "posts-INITIAL_FORMS": "0",
            "posts-0-department": tree["b"].pk,
            "posts-0-title": "联络员",
            "posts-1-department": "",
            "posts-1-title": "",
        },
    )

    assert response.status_code == 302
    assert list(user.roles.values_list("code", flat=True)) == ["clerk"]
    assert list(user.posts.values_list("department__code", "title")) == [("JFJ", "联络员")]


def test_user_roles_page_writes_nothing_when_the_posts_are_refused(browser, tree):
    user = UserFactory(department=tree["a"])
    clerk = make_role(code="clerk")

    response = browser.post(
        reverse("accounts:user-roles", args=[user.pk]),
        {
            "roles": [clerk.pk],
            "posts-TOTAL_FORMS": "1",
            "posts-INITIAL_FORMS": "0",
            "posts-0-department": tree["a"].pk,
            "posts-0-title": "",
        },
    )

    assert response.status_code == 200
    assert "A post cannot be in the user&#x27;s main department." in response.content.decode()
    assert not user.roles.exists()
    assert not AuditEvent.objects.filter(action="accounts.user_roles_changed").exists()


def test_user_toggle_and_password_reset(browser, tree):
    user = UserFactory(department=tree["a"])

    browser.post(reverse("accounts:user-toggle", args=[user.pk]))
    assert User.objects.get(pk=user.pk).is_active is False

    response = browser.post(
        reverse("accounts:user-password-reset", args=[user.pk]), {"new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert user.must_change_password is True


def test_password_reset_shows_the_policy_error(browser, tree):
    user = UserFactory(department=tree["a"])

    response = browser.post(
        reverse("accounts:user-password-reset", args=[user.pk]), {"new_password1": "short", "new_password2": "short"}
    )

    assert response.status_code == 200
    assert "too short" in response.content.decode()
    assert User.objects.get(pk=user.pk).check_password("Correct-horse-9")


def test_user_detail_reveals_the_mobile_only_with_permission_and_audits_it(client, tree):
    target = UserFactory(department=tree["a"], mobile="13812345678")
    viewer = UserFactory(department=tree["root"])
    grant(viewer, "accounts.manage_user", "accounts.view_personal_data")
    client.force_login(viewer)
    url = reverse("accounts:user-detail", args=[target.pk])

    masked = client.get(url).content.decode()
    revealed = client.get(url, {"reveal": "mobile"}).content.decode()

    assert "138****5678" in masked and "13812345678" not in masked
    assert "13812345678" in revealed
    [event] = AuditEvent.objects.filter(action="accounts.personal_data_viewed")
    assert event.object_id == str(target.pk)


def test_user_detail_never_reveals_without_the_permission(browser, tree):
    target = UserFactory(department=tree["a"], mobile="13812345678")

    html = browser.get(reverse("accounts:user-detail", args=[target.pk]), {"reveal": "mobile"}).content.decode()

    assert "13812345678" not in html
    assert not AuditEvent.objects.filter(action="accounts.personal_data_viewed").exists()


def test_role_form_groups_permissions_and_numbers_the_scopes(browser):
    html = browser.get(reverse("accounts:role-create")).content.decode()

    assert "1. All data" in html
    assert "5. Only own records" in html
    assert html.index("1. All data") < html.index("2. Chosen departments") < html.index("4. Own department and below")
    assert 'data-show-when="id_data_scope=custom"' in html
    assert "zo-perm-group" in html
    assert f'value="{perm("accounts.manage_user").pk}"' in html
    assert f'value="{perm("accounts.add_user").pk}"' not in html


def test_create_role_with_a_custom_scope_through_the_form(browser, tree):
    response = browser.post(
        reverse("accounts:role-create"),
        {
            "code": "jfj",
            "name": "经发局",
            "data_scope": "custom",
            "departments": [tree["b"].pk],
            "permissions": [perm("accounts.manage_user").pk],
            "is_active": "on",
        },
    )

    role = Role.objects.get(code="jfj")
    assert response.status_code == 302
    assert list(role.departments.all()) == [tree["b"]]


def test_custom_scope_without_departments_shows_the_error(browser):
    response = browser.post(
        reverse("accounts:role-create"), {"code": "jfj", "name": "经发局", "data_scope": "custom", "is_active": "on"}
    )

    assert response.status_code == 200
    assert "Choose at least one department" in response.content.decode()
    assert not Role.objects.filter(code="jfj").exists()


def test_builtin_role_kind_cannot_be_changed_through_the_form(browser):
    role = make_role(code="sec", admin_kind=AdminKind.SECURITY, is_builtin=True)

    browser.post(
        reverse("accounts:role-edit", args=[role.pk]),
        {"code": "sec", "name": "安全管理员", "data_scope": "all", "admin_kind": "", "is_active": "on"},
    )

    role.refresh_from_db()
    assert (role.name, role.admin_kind) == ("安全管理员", "security")


def test_user_edit_shows_the_mobile_masked_and_keeps_it_when_unchanged(browser, tree):
    account = UserFactory(username="clerk", department=tree["a"], mobile="13812345678")
    page = browser.get(reverse("accounts:user-edit", args=[account.pk])).content.decode()
    assert "13812345678" not in page
    assert "138****5678" in page

    response = browser.post(
        reverse("accounts:user-edit", args=[account.pk]),
        {"full_name": "新名字", "department": tree["a"].pk, "title": "", "mobile": "138****5678", "is_staff": "on"},
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.full_name == "新名字"
    assert account.mobile == "13812345678"


def test_user_and_role_lists_hide_the_page_links_on_one_page_and_keep_filters_across_pages(browser, tree):
    for n in range(11):
        UserFactory(username=f"clerk{n:02}", department=tree["a"])
    url = reverse("accounts:user-list")

    one_page = browser.get(url).content.decode()
    roles = browser.get(reverse("accounts:role-list")).content.decode()
    first = browser.get(url, {"department": tree["a"].pk, "page_size": 10})
    second = browser.get(url, {"department": tree["a"].pk, "page_size": 10, "page": 2}).content.decode()

    assert "12 records" in one_page and 'class="pagination' not in one_page
    assert 'class="pagination' not in roles
    assert "core/_pagination.html" in [t.name for t in first.templates]
    assert f'href="?department={tree["a"].pk}&amp;page_size=10&page=2"' in first.content.decode()
    assert "2 / 2" in second and 'data-user="clerk10"' in second
