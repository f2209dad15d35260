"""Department heads (负责人): an active member only, audited, cleared when the head is disabled or leaves; UI, API, Excel."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from zoneops.accounts import org
from zoneops.accounts.models import ApiToken, DataScope, Department, DepartmentKind, Post
from zoneops.accounts.tests.factories import DepartmentFactory, UserFactory, grant
from zoneops.accounts.tokens import new_raw_token, token_digest
from zoneops.audit.models import AuditEvent
from zoneops.core.errors import DomainError
from zoneops.core.excel import ImportFailed, read_rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are asserted in their English source form (the Chinese catalogue is generated later)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def tree():
    """管委会 > 投资促进局 and 管委会 > 经发局."""
    root = DepartmentFactory(code="GWH", name="管委会", kind=DepartmentKind.COMMITTEE)
    a = DepartmentFactory(code="TZJ", name="投资促进局", parent=root)
    b = DepartmentFactory(code="JFJ", name="经发局", parent=root)
    return {"root": root, "a": a, "b": b}


@pytest.fixture
def admin(tree):
    user = UserFactory(username="sysadmin", department=tree["root"])
    grant(user, "accounts.manage_department", "accounts.manage_user", scope=DataScope.ALL)
    return user


@pytest.fixture
def chief(tree):
    """The bureau chief of 投资促进局."""
    return UserFactory(username="chief", full_name="王海涛", department=tree["a"], title="投资促进局局长")


@pytest.fixture
def outsider(tree):
    """A deputy of 经发局: a head-like title, but not a member of 投资促进局."""
    return UserFactory(username="jfj-deputy", full_name="李建华", department=tree["b"], title="经发局副局长")


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def set_head(actor, department, head, **changes):
    """Update a department keeping its other fields, with the given head."""
    fields = {f: getattr(department, f) for f in ("code", "name", "kind", "short_name", "sort_order", "phone")}
    return org.update_department(actor=actor, department=department, head=head, **{**fields, **changes})


def head_of(department) -> int | None:
    return Department.objects.get(pk=department.pk).head_id


# --------------------------------------------------------------------------------------------------
# Services: the rule and the audit
# --------------------------------------------------------------------------------------------------


def test_a_member_becomes_head_and_the_change_is_audited(admin, tree, chief):
    set_head(admin, tree["a"], chief)

    assert head_of(tree["a"]) == chief.pk
    assert list(chief.headed_departments.all()) == [tree["a"]]
    [event] = events("accounts.department_updated")
    assert event.actor == admin
    assert event.object_id == str(tree["a"].pk)
    assert event.changes == {"head": [None, chief.pk]}


def test_a_post_holder_may_head_the_department(admin, tree, outsider):
    Post.objects.create(user=outsider, department=tree["a"], title="兼职副局长")

    set_head(admin, tree["a"], outsider)

    assert head_of(tree["a"]) == outsider.pk


def test_a_head_from_another_department_is_refused_on_the_field_and_nothing_changes(admin, tree, outsider):
    with pytest.raises(DomainError) as exc:
        set_head(admin, tree["a"], outsider, name="投资促进中心")

    assert exc.value.field == "head"
    assert exc.value.message == "李建华 is not a member of 投资促进局 (main department or post) and cannot head it."
    department = Department.objects.get(pk=tree["a"].pk)
    assert (department.name, department.head_id) == ("投资促进局", None)
    assert events("accounts.department_updated") == []


def test_a_disabled_user_cannot_head(admin, tree, chief):
    chief.is_active = False
    chief.save(update_fields=["is_active"])

    with pytest.raises(DomainError) as exc:
        set_head(admin, tree["a"], chief)

    assert (exc.value.field, exc.value.message) == ("head", "The head must be an active user.")
    assert head_of(tree["a"]) is None


def test_a_new_department_cannot_have_a_head_yet(admin, tree, chief):
    with pytest.raises(DomainError) as exc:
        org.create_department(actor=admin, code="TZJ-1", name="招商一科", kind="office", parent=tree["a"], head=chief)

    assert exc.value.field == "head"
    assert not Department.objects.filter(code="TZJ-1").exists()
    assert events("accounts.department_created") == []


def test_clearing_the_head_is_audited(admin, tree, chief):
    set_head(admin, tree["a"], chief)

    set_head(admin, tree["a"], None)

    assert head_of(tree["a"]) is None
    assert [e.changes for e in events("accounts.department_updated")] == [
        {"head": [None, chief.pk]},
        {"head": [chief.pk, None]},
    ]


# --------------------------------------------------------------------------------------------------
# Services: the head is cleared when they are disabled or leave
# --------------------------------------------------------------------------------------------------


def test_disabling_the_head_clears_the_headship_in_the_same_service(admin, tree, chief):
    set_head(admin, tree["a"], chief)

    org.disable_user(actor=admin, user=chief)

    assert head_of(tree["a"]) is None
    cleared = events("accounts.department_updated")[-1]
    assert (cleared.object_id, cleared.changes) == (str(tree["a"].pk), {"head": [chief.pk, None]})
    assert cleared.actor == admin
    assert cleared.note == "The head was disabled."
    assert len(events("accounts.user_disabled")) == 1


def test_moving_the_head_to_another_department_clears_the_headship(admin, tree, chief):
    set_head(admin, tree["a"], chief)

    org.update_user(actor=admin, user=chief, full_name=chief.full_name, department=tree["b"], title=chief.title)

    assert head_of(tree["a"]) is None
    cleared = events("accounts.department_updated")[-1]
    assert cleared.changes == {"head": [chief.pk, None]}
    assert cleared.note == "The head left the department."


def test_other_user_changes_keep_the_head(admin, tree, chief):
    set_head(admin, tree["a"], chief)

    org.update_user(actor=admin, user=chief, full_name="王海涛", department=tree["a"], title="局长")
    org.set_user_posts(actor=admin, user=chief, posts=[(tree["b"], "兼职")])

    assert head_of(tree["a"]) == chief.pk
    assert len(events("accounts.department_updated")) == 1


def test_dropping_the_post_clears_a_headship_held_through_it(admin, tree, outsider):
    org.set_user_posts(actor=admin, user=outsider, posts=[(tree["a"], "兼职副局长")])
    set_head(admin, tree["a"], outsider)

    org.set_user_posts(actor=admin, user=outsider, posts=[(tree["a"], "兼职局长")])
    assert head_of(tree["a"]) == outsider.pk

    org.set_user_posts(actor=admin, user=outsider, posts=[])
    assert head_of(tree["a"]) is None
    assert events("accounts.department_updated")[-1].changes == {"head": [outsider.pk, None]}


# --------------------------------------------------------------------------------------------------
# API
# --------------------------------------------------------------------------------------------------


def bearer(user) -> dict:
    raw = new_raw_token()
    ApiToken.objects.create(user=user, name="t", prefix=raw[:8], digest=token_digest(raw))
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def patch(user, code: str, body: dict):
    return Client(HTTP_ACCEPT_LANGUAGE="en").patch(
        f"/api/v1/departments/{code}", json.dumps(body), content_type="application/json", **bearer(user)
    )


def post(user, body: dict):
    return Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/api/v1/departments", json.dumps(body), content_type="application/json", **bearer(user)
    )


def test_api_lists_the_head_as_username_and_name(admin, tree, chief):
    set_head(admin, tree["a"], chief)

    body = Client().get("/api/v1/departments", **bearer(admin)).json()

    heads = {item["code"]: item["head"] for item in body["items"]}
    assert heads == {"GWH": None, "TZJ": {"username": "chief", "name": "王海涛"}, "JFJ": None}


def test_api_patch_sets_and_clears_the_head_by_username(admin, tree, chief):
    response = patch(admin, "TZJ", {"head": "chief"})

    assert response.status_code == 200
    assert response.json()["head"] == {"username": "chief", "name": "王海涛"}
    assert response.json()["name"] == "投资促进局"
    assert head_of(tree["a"]) == chief.pk

    response = patch(admin, "TZJ", {"name": "投资促进中心"})
    assert response.json()["head"] == {"username": "chief", "name": "王海涛"}

    response = patch(admin, "TZJ", {"head": None})
    assert response.status_code == 200
    assert response.json()["head"] is None
    assert [e.changes for e in events("accounts.department_updated")] == [
        {"head": [None, chief.pk]},
        {"name": ["投资促进局", "投资促进中心"]},
        {"head": [chief.pk, None]},
    ]


def test_api_refuses_a_head_from_another_department_naming_the_field(admin, tree, outsider):
    response = patch(admin, "TZJ", {"name": "投资促进中心", "head": "jfj-deputy"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["head"]
    department = Department.objects.get(pk=tree["a"].pk)
    assert (department.name, department.head_id) == ("投资促进局", None)
    assert events("accounts.department_updated") == []


def test_api_refuses_an_unknown_username(admin, tree):
    response = patch(admin, "TZJ", {"head": "nobody"})

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "head", "message": "There is no user with the username nobody."}]


def test_api_creates_a_department_and_refuses_a_head_for_it(admin, tree, chief):
    response = post(admin, {"code": "TZJ-1", "name": "招商一科", "kind": "office", "parent": "TZJ"})

    assert response.status_code == 201
    assert response.json() == {
        "code": "TZJ-1",
        "name": "招商一科",
        "kind": "office",
        "parent": "TZJ",
        "is_active": True,
        "head": None,
    }

    refused = post(admin, {"code": "TZJ-2", "name": "招商二科", "kind": "office", "parent": "TZJ", "head": "chief"})
    assert refused.status_code == 400
    assert [e["field"] for e in refused.json()["errors"]] == ["head"]
    assert not Department.objects.filter(code="TZJ-2").exists()


def test_api_changes_need_the_permission_and_the_scope(tree, chief):
    clerk = UserFactory(department=tree["a"])
    assert patch(clerk, "TZJ", {"head": "chief"}).status_code == 403
    assert post(clerk, {"code": "X", "name": "X", "kind": "office", "parent": "TZJ"}).status_code == 403
    other = UserFactory(department=tree["b"])
    grant(other, "accounts.manage_department", scope=DataScope.DEPARTMENT)
    assert patch(other, "TZJ", {"head": "chief"}).status_code == 404
    assert head_of(tree["a"]) is None


# --------------------------------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------------------------------


def xlsx(*rows: list) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(["编码", "名称", "类型", "上级部门编码", "排序", "负责人"])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("import.xlsx", buffer.getvalue())


def test_import_names_each_bad_head_by_row_and_writes_nothing(admin, tree, chief):
    UserFactory(username="gone", department=tree["a"], is_active=False)
    upload = xlsx(
        ["TZJ-1", "招商一科", "office", "TZJ", 1, ""],
        ["TZJ-2", "招商二科", "office", "TZJ", 2, "nobody"],
        ["TZJ-3", "招商三科", "office", "TZJ", 3, "gone"],
        ["TZJ-4", "招商四科", "office", "TZJ", 4, "chief"],
    )

    with pytest.raises(ImportFailed) as exc:
        org.import_departments(actor=admin, rows=read_rows(upload, org.department_columns()))

    assert [(e.row, e.column, e.message) for e in exc.value.row_errors] == [
        (3, "负责人", "no user with this username"),
        (4, "负责人", "is disabled"),
        (5, "负责人", "is not a member of the new department; choose the head after adding its members"),
    ]
    assert set(Department.objects.values_list("code", flat=True)) == {"GWH", "TZJ", "JFJ"}
    assert not AuditEvent.objects.filter(action__startswith="accounts.department").exists()


def test_export_lists_the_head_username(client, admin, tree, chief):
    set_head(admin, tree["a"], chief)
    client.force_login(admin)

    sheet = load_workbook(io.BytesIO(client.get(reverse("accounts:department-export")).content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))

    assert rows[0][5] == "Head (username)"
    assert {r[0]: r[5] for r in rows[1:]} == {"GWH": None, "JFJ": None, "TZJ": "chief"}


# --------------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def browser(client, admin):
    client.force_login(admin)
    return client


def edit(browser, department, **changes):
    data = {"code": department.code, "name": department.name, "kind": department.kind, "sort_order": 0, **changes}
    return browser.post(reverse("accounts:department-edit", args=[department.pk]), data)


def test_edit_form_offers_the_active_members_and_saves_the_head(browser, tree, chief, outsider):
    UserFactory(username="gone", department=tree["a"], is_active=False)
    page = browser.get(reverse("accounts:department-edit", args=[tree["a"].pk])).content.decode()

    assert "王海涛（chief） 投资促进局局长" in page
    assert "jfj-deputy" not in page and "gone" not in page

    response = edit(browser, tree["a"], head=chief.pk)

    assert response.status_code == 302
    assert head_of(tree["a"]) == chief.pk


def test_edit_form_refuses_a_head_from_another_department(browser, tree, outsider):
    response = edit(browser, tree["a"], name="投资促进中心", head=outsider.pk)

    assert response.status_code == 200
    assert 'data-field="head"' in response.content.decode()
    assert "invalid-feedback" in response.content.decode()
    department = Department.objects.get(pk=tree["a"].pk)
    assert (department.name, department.head_id) == ("投资促进局", None)


def test_create_form_has_no_head_field(browser, tree):
    page = browser.get(reverse("accounts:department-create")).content.decode()

    assert 'data-field="head"' not in page


def test_detail_and_list_show_the_head(browser, admin, tree, chief):
    set_head(admin, tree["a"], chief)

    detail = browser.get(reverse("accounts:department-detail", args=[tree["a"].pk])).content.decode()
    listing = browser.get(reverse("accounts:department-list")).content.decode()

    assert reverse("accounts:user-detail", args=[chief.pk]) in detail
    assert "王海涛" in detail and "投资促进局局长" in detail
    row = listing[listing.index('data-department="TZJ"') :]
    assert "王海涛" in row[: row.index("</tr>")]


def test_department_list_with_heads_stays_o1_in_queries(browser, tree):
    url = reverse("accounts:department-list")
    browser.get(url)
    with CaptureQueriesContext(connection) as few:
        browser.get(url)
    for index in range(10):
        department = DepartmentFactory(code=f"X{index}", parent=tree["b"])
        department.head = UserFactory(department=department)
        department.save(update_fields=["head"])
    with CaptureQueriesContext(connection) as many:
        browser.get(url)

    assert len(many) == len(few)
