"""Test helpers for the investment app: dictionaries, units and staff with roles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from zoneops.accounts.models import DataScope, DepartmentKind
from zoneops.accounts.tests.factories import DepartmentFactory, UserFactory, grant
from zoneops.investment.models import Currency, FxRate, Industry

STAFF_PERMS = (
    "investment.view_project",
    "investment.add_project",
    "investment.change_project",
    "investment.view_negotiation",
    "investment.add_negotiation",
)


def dictionaries() -> None:
    """Industries (three leading, one not) and a USD rate of 6.35 from 2022-01-01."""
    Industry.objects.get_or_create(code="NGIT", defaults={"name": "新一代信息技术", "is_leading": True})
    Industry.objects.get_or_create(code="HEQ", defaults={"name": "高端装备", "is_leading": True})
    Industry.objects.get_or_create(code="HEALTH", defaults={"name": "医药健康", "is_leading": True})
    Industry.objects.get_or_create(code="NMAT", defaults={"name": "新材料", "is_leading": False})
    FxRate.objects.get_or_create(
        currency=Currency.objects.get(code="USD"),
        effective_on=dt.date(2022, 1, 1),
        defaults={"rate_to_cny": Decimal("6.35")},
    )


def unit(code: str = "U1"):
    """An investment unit."""
    return DepartmentFactory(code=code, name=f"招商{code}", kind=DepartmentKind.INVESTMENT_UNIT)


def staff(department, *perms: str, scope: str = DataScope.DEPARTMENT, username: str | None = None):
    """A user of `department` holding `perms` (default: the unit staff's) with `scope`."""
    kwargs = {"department": department}
    if username:
        kwargs["username"] = username
    user = UserFactory(**kwargs)
    grant(user, *(perms or STAFF_PERMS), scope=scope)
    return user
