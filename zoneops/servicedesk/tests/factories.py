"""Factories and a ready-made zone for service-desk tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from zoneops.accounts.models import DataScope, Department, User
from zoneops.accounts.tests.factories import DepartmentFactory, UserFactory, grant
from zoneops.servicedesk import permissions as perms
from zoneops.servicedesk.models import Category, HotlineCategory, SlaRule

DESK_PERMS = (
    perms.VIEW_CASE,
    perms.INTAKE_CASE,
    perms.DISPATCH_CASE,
    perms.ARBITRATE_CASE,
    perms.FOLLOW_UP_CASE,
    perms.SUPERVISE_CASE,
    perms.VIEW_KPI,
)


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    """An aware Asia/Shanghai datetime."""
    return timezone.make_aware(dt.datetime(y, m, d, hh, mm))


@dataclass
class Zone:
    """Departments, users and a small catalogue."""

    desk_dept: Department
    scj: Department
    zjj: Department
    yjj: Department
    desk: User
    scj_user: User
    zjj_user: User
    yjj_user: User
    outsider: User
    general: Category
    consultation: Category
    hotline: HotlineCategory


def department_user(department: Department, *extra: str, scope: str = DataScope.DEPARTMENT) -> User:
    """A department clerk who sees and handles their department's cases."""
    user = UserFactory(department=department)
    grant(user, perms.VIEW_CASE, perms.HANDLE_TASK, *extra, scope=scope)
    return user


def make_zone() -> Zone:
    """The command-centre desk and three bureaus."""
    desk_dept = DepartmentFactory(code="XSJ-DESK", name="指挥中心")
    scj = DepartmentFactory(code="SCJ", name="市场监管局", phone="0513-1")
    zjj = DepartmentFactory(code="ZJJ", name="住建局")
    yjj = DepartmentFactory(code="YJJ", name="应急管理局")
    desk = UserFactory(username="desk", department=desk_dept)
    grant(desk, *DESK_PERMS, scope=DataScope.ALL)
    outsider = UserFactory(username="outsider", department=DepartmentFactory(code="OTHER"))
    general_rule = SlaRule.objects.create(code="general", name="一般", resolve_working_days=5)
    consult_rule = SlaRule.objects.create(code="consultation", name="咨询", resolve_working_days=1)
    general = Category.objects.create(code="supply", name="后勤保供", sla_rule=general_rule, default_department=zjj)
    consultation = Category.objects.create(code="policy", name="政策咨询", sla_rule=consult_rule, is_consultation=True)
    hotline = HotlineCategory.objects.create(code="12345", name="12345 热线", number="12345")
    return Zone(
        desk_dept=desk_dept,
        scj=scj,
        zjj=zjj,
        yjj=yjj,
        desk=desk,
        scj_user=department_user(scj),
        zjj_user=department_user(zjj),
        yjj_user=department_user(yjj),
        outsider=outsider,
        general=general,
        consultation=consultation,
        hotline=hotline,
    )
