"""The accounts part of the demo zone: tree, roles, users; idempotent."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate

from zoneops.accounts import demo as accounts_demo
from zoneops.accounts import org
from zoneops.accounts.models import AdminKind, DataScope, Department, DepartmentKind, Post, Role, User
from zoneops.audit.models import AuditEvent
from zoneops.core.management.commands.demo import DemoContext

pytestmark = pytest.mark.django_db

PASSWORD = "Demo-Pass-2022"


def run(password: str = PASSWORD) -> DemoContext:
    demo = DemoContext(password, io.StringIO())
    accounts_demo.build(demo)
    return demo


def perms_of(code: str) -> set[str]:
    role = Role.objects.get(code=code)
    return {f"{p.content_type.app_label}.{p.codename}" for p in role.permissions.select_related("content_type")}


def test_tree_has_stable_codes_and_correct_paths():
    run()

    root = Department.objects.get(code="NTDZ")
    grid = Department.objects.get(code="ZX-ZYHY-01")
    community = Department.objects.get(code="ZX-ZYHY")
    subdistrict = Department.objects.get(code="ZX")
    assert root.kind == DepartmentKind.COMMITTEE and root.parent is None and root.path == f"/{root.pk}/"
    assert root.depth == 0
    assert grid.kind == DepartmentKind.GRID
    assert grid.path == f"/{root.pk}/{subdistrict.pk}/{community.pk}/{grid.pk}/"
    assert grid.depth == 3
    assert list(
        Department.objects.filter(parent__code="TCJ", kind=DepartmentKind.INVESTMENT_UNIT)
        .values_list("code", flat=True)
        .order_by("code")
    ) == ["TCJ-1", "TCJ-2", "TCJ-3", "TCJ-4", "TCJ-WZ"]
    assert Department.objects.get(code="XSJ-DESK").parent.code == "XSJ"
    assert Department.objects.get(code="JFJ-TJ").kind == DepartmentKind.OFFICE
    for code in ("ZX", "XH", "ZXZ", "NH"):
        assert Department.objects.get(code=code).kind == DepartmentKind.SUBDISTRICT
        assert Department.objects.filter(parent__code=code, kind=DepartmentKind.COMMUNITY).count() >= 2
    # Every department's path is its parent's path plus its own key.
    for department in Department.objects.select_related("parent"):
        expected = (department.parent.path if department.parent else "/") + f"{department.pk}/"
        assert department.path == expected, department.code
    assert Department.objects.subtree_of(subdistrict).count() == 10


def test_running_twice_changes_nothing_but_passwords():
    run()
    counts = (Department.objects.count(), Role.objects.count(), User.objects.count(), Post.objects.count())
    events = AuditEvent.objects.count()

    run("Another-Pass-2023")

    assert (Department.objects.count(), Role.objects.count(), User.objects.count(), Post.objects.count()) == counts
    assert AuditEvent.objects.count() == events  # only first creations are recorded
    assert authenticate(username="leader", password="Another-Pass-2023") is not None
    assert authenticate(username="leader", password=PASSWORD) is None


def test_administrators_are_separated_and_hold_no_business_permission():
    run()

    assert perms_of("sys_admin") == {"accounts.manage_department", "accounts.manage_user", "accounts.manage_role"}
    assert perms_of("sec_admin") == {"accounts.manage_sessions", "accounts.view_login_log"}
    assert perms_of("audit_admin") == {"audit.view_audit_trail"}
    kinds = dict(Role.objects.filter(is_builtin=True).values_list("code", "admin_kind"))
    assert kinds == {"sys_admin": AdminKind.SYSTEM, "sec_admin": AdminKind.SECURITY, "audit_admin": AdminKind.AUDIT}
    for username, role in (("sysadmin", "sys_admin"), ("secadmin", "sec_admin"), ("auditor", "audit_admin")):
        assert list(User.objects.get(username=username).roles.values_list("code", flat=True)) == [role]


def test_business_roles_carry_their_scopes_and_only_existing_view_permissions():
    run()

    scopes = dict(Role.objects.values_list("code", "data_scope"))
    assert scopes["zone_leader"] == DataScope.ALL
    assert scopes["investment_staff"] == DataScope.DEPARTMENT_AND_BELOW
    assert scopes["market_supervision"] == DataScope.DEPARTMENT
    assert scopes["enterprise_contact"] == DataScope.SELF
    leader = perms_of("zone_leader")
    assert all(p.split(".")[1].startswith("view_") for p in leader)
    assert all(p.split(".")[0] in accounts_demo.BUSINESS_APPS for p in leader)
    assert all(p.split(".")[0] == "economy" for p in perms_of("statistics"))
    # The statistics office publishes periods and keeps the indicator dictionary.
    assert {"economy.publish_period", "economy.manage_indicator"} <= perms_of("statistics")


def test_demo_users_sign_in_with_demo_flags():
    demo = run()

    listed = dict(demo.objects["demo_users"])
    for username in (
        "sysadmin",
        "secadmin",
        "auditor",
        "leader",
        "desk",
        "invest",
        "stats",
        "msb",
        "gridworker",
        "enterprise",
        "yuanhui",
    ):
        assert username in listed
        user = authenticate(username=username, password=PASSWORD)
        assert user is not None, username
        assert user.is_demo and not user.must_change_password and user.password_changed_at is not None
        assert user.is_staff is (username != "enterprise")
    grid_worker = User.objects.get(username="gridworker")
    assert (grid_worker.full_name, grid_worker.department.code) == ("包颖杰", "ZX-ZYHY-01")
    assert User.objects.get(username="yuanhui").department.code == "ZX-ZYHY"
    assert User.objects.get(username="msb").full_name == "王瑞涛"


def test_desk_team_is_six_and_task_force_twenty_eight_seconded_members():
    run()

    assert User.objects.filter(department__code="XSJ-DESK").count() == 6
    members = User.objects.filter(department__code="ZB-QY")
    assert members.count() == 28
    homes = Post.objects.filter(user__in=members).values_list("department__code", flat=True)
    assert sorted(set(homes)) == ["XSJ", "YJJ"] and len(homes) == 28


def test_mobiles_are_valid_and_unique():
    from zoneops.core.validators import validate_mobile

    run()

    mobiles = [u.mobile for u in User.objects.filter(is_demo=True)]
    for mobile in mobiles:
        validate_mobile(mobile)
    assert len(mobiles) == len(set(mobiles))


def test_demo_command_is_all_or_nothing(monkeypatch, settings, tmp_path):
    import sys
    import types

    from django.core.management import call_command

    from zoneops.core.management.commands import demo as command

    broken = types.ModuleType("zoneops_broken_demo")

    def build(demo):
        raise RuntimeError("builder failed")

    broken.build = build
    monkeypatch.setitem(sys.modules, "zoneops_broken_demo", broken)
    monkeypatch.setattr(command, "DEMO_MODULES", ["zoneops.accounts.demo", "zoneops_broken_demo"])
    monkeypatch.setenv("ZONEOPS_DEMO_PASSWORD", PASSWORD)
    settings.VAR_DIR = tmp_path

    with pytest.raises(RuntimeError, match="builder failed"):
        call_command("demo", stdout=io.StringIO())

    assert Department.objects.count() == 0
    assert User.objects.count() == 0
    assert not (tmp_path / "demo-credentials.txt").exists()


def test_demo_command_if_empty_skips_a_loaded_database(monkeypatch, settings, tmp_path):
    from django.core.management import call_command

    from zoneops.core.management.commands import demo as command

    monkeypatch.setattr(command, "DEMO_MODULES", ["zoneops.accounts.demo"])
    monkeypatch.setenv("ZONEOPS_DEMO_PASSWORD", PASSWORD)
    settings.VAR_DIR = tmp_path
    call_command("demo", stdout=io.StringIO())
    credentials = (tmp_path / "demo-credentials.txt").read_text()
    assert "  leader " in credentials and f"password: {PASSWORD}" in credentials
    monkeypatch.setenv("ZONEOPS_DEMO_PASSWORD", "Changed-Pass-2023")

    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)

    assert "skipping" in out.getvalue()
    assert authenticate(username="leader", password=PASSWORD) is not None


def test_departments_that_lead_service_desk_cases_have_a_head_who_is_an_active_member():
    run()

    heads = dict(Department.objects.filter(head__isnull=False).values_list("code", "head__username"))
    assert heads["SCJ"] == "msb"
    assert heads["ZX-ZYHY"] == "yuanhui"
    assert heads["ZX-ZYHY-01"] == "gridworker"
    # The default departments of the service-desk categories, and every other unit the demo lets lead a case.
    for code in ("ZB-QY", "YJJ", "KK", "SCJ", "XSJ", "JFJ", "ZJJ", "ZZB", "ZX-ZYHY-01"):
        assert code in heads, code
    for department in Department.objects.filter(head__isnull=False).select_related("head"):
        assert department.head.is_active, department.code
        assert org.is_member(department.head, department), department.code
    # The yjj head leads the enterprise task force through a post there.
    assert Post.objects.filter(user__username="yjj-head", department__code="ZB-QY").exists()
    assert AuditEvent.objects.filter(action="accounts.department_updated", changes__has_key="head").count() == len(
        heads
    )
