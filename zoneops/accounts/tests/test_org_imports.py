"""Excel import of departments and users: all rows or nothing, with the exact row message; exports and templates."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from zoneops.accounts import org
from zoneops.accounts.models import AdminKind, DataScope, Department, DepartmentKind, User
from zoneops.accounts.tests.factories import DepartmentFactory, UserFactory, grant, make_role
from zoneops.audit.models import AuditEvent
from zoneops.core.errors import PermissionDenied
from zoneops.core.excel import ImportFailed, read_rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are asserted in their English source form (the Chinese catalogue is generated later)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


DEPARTMENT_HEADER = ["编码", "名称", "类型", "上级部门编码", "排序", "负责人"]
USER_HEADER = ["用户名", "姓名", "主部门编码", "手机号", "职务", "角色编码", "初始密码"]
PASSWORD = "Zone-Ops-2022!"


def xlsx(header: list[str], *rows: list) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("import.xlsx", buffer.getvalue())


@pytest.fixture
def root():
    return DepartmentFactory(code="GWH", name="管委会", kind=DepartmentKind.COMMITTEE)


@pytest.fixture
def admin(root):
    user = UserFactory(username="sysadmin", department=root)
    grant(user, "accounts.manage_department", "accounts.manage_user", scope=DataScope.ALL)
    return user


def import_departments(actor, upload):
    return org.import_departments(actor=actor, rows=read_rows(upload, org.department_columns()))


def import_users(actor, upload):
    return org.import_users(actor=actor, rows=read_rows(upload, org.USER_COLUMNS))


# --------------------------------------------------------------------------------------------------
# Departments
# --------------------------------------------------------------------------------------------------


def test_good_department_file_creates_the_tree_incl_parents_defined_earlier_in_the_file(admin, root):
    upload = xlsx(
        DEPARTMENT_HEADER,
        ["TZJ", "投资促进局", "bureau", "GWH", 1],
        ["TZJ-1", "招商一科", "Office", "TZJ", 1],
        ["TZJ-2", "招商二科", "office", "TZJ", 2.0],
        ["SQ", "新城社区", "community", "GWH", None],
    )

    result = import_departments(admin, upload)

    assert result.created == 4
    office = Department.objects.get(code="TZJ-2")
    assert (office.name, office.kind, office.parent.code, office.sort_order, office.depth) == (
        "招商二科",
        "office",
        "TZJ",
        2,
        2,
    )
    assert office.path == f"{root.path}{office.parent_id}/{office.pk}/"
    assert Department.objects.get(code="TZJ-1").kind == "office"
    assert AuditEvent.objects.filter(action="accounts.department_created").count() == 4
    [summary] = AuditEvent.objects.filter(action="accounts.departments_imported")
    assert summary.changes == {"codes": ["TZJ", "TZJ-1", "TZJ-2", "SQ"]}


def test_one_bad_department_row_writes_nothing_and_names_the_row(admin, root):
    upload = xlsx(
        DEPARTMENT_HEADER,
        ["TZJ", "投资促进局", "bureau", "GWH", 1],
        ["TZJ-1", "招商一科", "office", "NOPE", 1],
    )

    with pytest.raises(ImportFailed) as exc:
        import_departments(admin, upload)

    [error] = exc.value.row_errors
    assert (error.row, error.column, error.message) == (3, "上级部门编码", "does not exist")
    assert str(error) == "Row 3 上级部门编码: does not exist"
    assert list(Department.objects.values_list("code", flat=True)) == ["GWH"]
    assert not AuditEvent.objects.filter(action__startswith="accounts.department").exists()


def test_a_parent_defined_later_in_the_file_does_not_count(admin, root):
    upload = xlsx(
        DEPARTMENT_HEADER,
        ["TZJ-1", "招商一科", "office", "TZJ", 1],
        ["TZJ", "投资促进局", "bureau", "GWH", 1],
    )

    with pytest.raises(ImportFailed) as exc:
        import_departments(admin, upload)

    assert [(e.row, e.column) for e in exc.value.row_errors] == [(2, "上级部门编码")]
    assert Department.objects.count() == 1


def test_every_bad_row_is_listed(admin, root):
    upload = xlsx(
        DEPARTMENT_HEADER,
        ["GWH", "重复编码", "bureau", "", 1],
        ["A", "", "nonsense", "GWH", "x"],
        ["B", "乙", "bureau", "GWH", 1],
        ["B", "乙二", "bureau", "GWH", 1],
    )

    with pytest.raises(ImportFailed) as exc:
        import_departments(admin, upload)

    assert [(e.row, e.column, e.message) for e in exc.value.row_errors] == [
        (2, "编码", "already exists"),
        (3, "名称", "is required"),
        (3, "类型", "is not a department kind"),
        (3, "排序", "is not a whole number"),
        (5, "编码", "appears twice in the file"),
    ]
    assert Department.objects.count() == 1


def test_a_scoped_manager_imports_only_below_their_own_departments(root):
    bureau = DepartmentFactory(code="TZJ", parent=root)
    other = DepartmentFactory(code="JFJ", parent=root)
    manager = UserFactory(department=bureau)
    grant(manager, "accounts.manage_department", scope=DataScope.DEPARTMENT_AND_BELOW)
    upload = xlsx(
        DEPARTMENT_HEADER,
        ["TZJ-1", "招商一科", "office", "TZJ", 1],
        ["JFJ-1", "综合科", "office", "JFJ", 1],
        ["TOP", "顶层", "committee", "", 1],
    )

    with pytest.raises(ImportFailed) as exc:
        import_departments(manager, upload)

    assert [(e.row, e.column, e.message) for e in exc.value.row_errors] == [
        (3, "上级部门编码", "is outside your data scope"),
        (4, "上级部门编码", "is required"),
    ]
    assert set(Department.objects.values_list("code", flat=True)) == {"GWH", "TZJ", "JFJ"}
    assert other.children.count() == 0


def test_department_import_needs_the_permission(root):
    clerk = UserFactory(department=root)

    with pytest.raises(PermissionDenied):
        import_departments(clerk, xlsx(DEPARTMENT_HEADER, ["X", "X", "office", "GWH", 1]))

    assert Department.objects.count() == 1


# --------------------------------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------------------------------


def test_good_user_file_creates_users_with_roles_and_initial_passwords(admin, root):
    clerk, viewer = make_role(code="clerk"), make_role(code="viewer")
    upload = xlsx(
        USER_HEADER,
        ["zhangsan", "张三", "GWH", 13800001111, "科员", "clerk，viewer", PASSWORD],
        ["lisi", "李四", "gwh", "", "", "", PASSWORD],
    )

    result = import_users(admin, upload)

    assert result.created == 2
    zhang = User.objects.get(username="zhangsan")
    assert (zhang.full_name, zhang.department, zhang.mobile, zhang.title) == ("张三", root, "13800001111", "科员")
    assert set(zhang.roles.all()) == {clerk, viewer}
    assert zhang.must_change_password is True
    assert zhang.check_password(PASSWORD)
    assert User.objects.get(username="lisi").roles.count() == 0
    [summary] = AuditEvent.objects.filter(action="accounts.users_imported")
    assert summary.changes == {"usernames": ["zhangsan", "lisi"]}


def test_one_bad_user_row_writes_nothing_and_names_the_row(admin, root):
    upload = xlsx(
        USER_HEADER,
        ["zhangsan", "张三", "GWH", "13800001111", "", "", PASSWORD],
        ["lisi", "李四", "NOPE", "13800002222", "", "", PASSWORD],
    )
    users_before = User.objects.count()

    with pytest.raises(ImportFailed) as exc:
        import_users(admin, upload)

    [error] = exc.value.row_errors
    assert (error.row, error.column, error.message) == (3, "主部门编码", "does not exist")
    assert User.objects.count() == users_before
    assert not AuditEvent.objects.filter(action__in=["accounts.user_created", "accounts.users_imported"]).exists()


def test_user_rows_check_mobile_roles_password_separation_and_duplicates(admin, root):
    make_role(code="clerk")
    make_role(code="sys", admin_kind=AdminKind.SYSTEM)
    upload = xlsx(
        USER_HEADER,
        ["sysadmin", "重名", "GWH", "", "", "", PASSWORD],
        ["a1", "甲", "GWH", "12345", "", "ghost", PASSWORD],
        ["b1", "乙", "GWH", "", "", "sys,clerk", "short"],
        ["c1", "丙", "GWH", "", "", "", PASSWORD],
        ["C1", "丙二", "GWH", "", "", "", PASSWORD],
    )

    with pytest.raises(ImportFailed) as exc:
        import_users(admin, upload)

    found = [(e.row, e.column) for e in exc.value.row_errors]
    assert found[:4] == [(2, "用户名"), (3, "手机号"), (3, "角色编码"), (4, "角色编码")]
    assert (4, "初始密码") in found
    assert found[-1] == (6, "用户名")
    assert exc.value.row_errors[2].message == "ghost does not exist"
    assert not User.objects.filter(username__in=["a1", "b1", "c1"]).exists()


# --------------------------------------------------------------------------------------------------
# Pages: import dialog, template, export
# --------------------------------------------------------------------------------------------------


def test_import_page_shows_row_errors_and_writes_nothing(client, admin, root):
    client.force_login(admin)
    upload = xlsx(DEPARTMENT_HEADER, ["TZJ", "投资促进局", "bureau", "GWH", 1], ["X", "X", "office", "NOPE", 1])

    response = client.post(reverse("accounts:department-import"), {"file": upload})

    assert response.status_code == 200
    assert "Row 3 上级部门编码: does not exist" in response.content.decode()
    assert Department.objects.count() == 1


def test_import_page_success_redirects_to_the_list(client, admin, root):
    client.force_login(admin)
    upload = xlsx(USER_HEADER, ["zhangsan", "张三", "GWH", "", "", "", PASSWORD])

    response = client.post(reverse("accounts:user-import"), {"file": upload})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:user-list")
    assert User.objects.filter(username="zhangsan").exists()


def test_a_file_that_is_not_excel_is_refused(client, admin):
    client.force_login(admin)

    response = client.post(reverse("accounts:user-import"), {"file": SimpleUploadedFile("users.csv", b"a,b")})

    assert response.status_code == 200
    assert "Only .xlsx files can be imported." in response.content.decode()


@pytest.mark.parametrize(
    ("url_name", "header"),
    [("accounts:department-template", DEPARTMENT_HEADER), ("accounts:user-template", USER_HEADER)],
)
def test_templates_download_with_the_import_columns(client, admin, url_name, header):
    client.force_login(admin)

    response = client.get(reverse(url_name))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    headers = [cell.value.rstrip("*") for cell in sheet[1]]
    assert headers == header


def test_the_downloaded_department_template_imports_as_is(client, admin, root):
    client.force_login(admin)
    content = client.get(reverse("accounts:department-template")).content
    sheet_rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    example = list(sheet_rows[1])
    example[3] = "GWH"

    import_departments(admin, xlsx(DEPARTMENT_HEADER, example))

    assert Department.objects.get(code=example[0]).kind == "office"


def _export_rows(response) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(min_row=4, values_only=True))


def test_user_export_masks_mobiles_and_is_audited(client, admin, root):
    UserFactory(username="zhangsan", full_name="张三", department=root, mobile="13812345678")
    client.force_login(admin)

    response = client.get(reverse("accounts:user-export"), {"q": "zhangsan"})

    assert response.status_code == 200
    assert _export_rows(response) == [("zhangsan", "张三", "管委会", None, "138****5678", None, "Active")]
    [event] = AuditEvent.objects.filter(action="accounts.users_exported")
    assert event.changes == {"count": 1, "unmasked": False}


def test_user_export_unmasked_for_holders_of_the_personal_data_permission(client, root):
    viewer = UserFactory(department=root)
    grant(viewer, "accounts.manage_user", "accounts.view_personal_data", scope=DataScope.ALL)
    UserFactory(username="zhangsan", full_name="张三", department=root, mobile="13812345678")
    client.force_login(viewer)

    response = client.get(reverse("accounts:user-export"), {"q": "zhangsan"})

    assert _export_rows(response)[0][4] == "13812345678"
    assert AuditEvent.objects.get(action="accounts.users_exported").changes["unmasked"] is True


def test_user_export_keeps_to_the_scope(client, root):
    mine, other = DepartmentFactory(code="TZJ", parent=root), DepartmentFactory(code="JFJ", parent=root)
    manager = UserFactory(username="mgr", department=mine)
    grant(manager, "accounts.manage_user", scope=DataScope.DEPARTMENT)
    UserFactory(username="inside", department=mine)
    UserFactory(username="outside", department=other)
    client.force_login(manager)

    rows = _export_rows(client.get(reverse("accounts:user-export")))

    assert [r[0] for r in rows] == ["inside", "mgr"]


def test_department_export_lists_the_tree(client, admin, root):
    DepartmentFactory(code="TZJ", name="投资促进局", parent=root, sort_order=2)
    DepartmentFactory(code="JFJ", name="经发局", parent=root, sort_order=1)
    client.force_login(admin)

    rows = _export_rows(client.get(reverse("accounts:department-export")))

    assert [(r[0], r[1], r[3], r[6]) for r in rows] == [
        ("GWH", "管委会", None, 1),
        ("JFJ", "\u3000经发局", "GWH", 0),
        ("TZJ", "\u3000投资促进局", "GWH", 0),
    ]
