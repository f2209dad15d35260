"""Signing statistics and the bulletin paragraph, computed from project records (selectors)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from zoneops.core import clock
from zoneops.investment import selectors
from zoneops.investment.choices import SIGNED_STAGES, AppliesTo, Basis, Comparison
from zoneops.investment.models import Currency, Project, ThresholdBucket

if TYPE_CHECKING:
    from zoneops.accounts.models import User

YI = Decimal(100_000_000)
ONE_DECIMAL = Decimal("0.1")


def to_yi(amount_cny: Decimal) -> Decimal:
    """Yuan to 亿元, rounded half-up to one decimal (the way Chinese reports print totals)."""
    return (Decimal(amount_cny) / YI).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass
class Group:
    """Projects behind one figure: their count, total and ids."""

    key: Any
    label: str
    total_cny: Decimal = Decimal(0)
    project_ids: list[int] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, project: Project) -> None:
        self.total_cny += project.total_investment_cny
        self.project_ids.append(project.pk)

    @property
    def count(self) -> int:
        return len(self.project_ids)

    @property
    def total_yi(self) -> Decimal:
        return to_yi(self.total_cny)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "count": self.count,
            "total_yi": self.total_yi,
            "project_ids": self.project_ids,
            **self.extra,
        }


def _threshold_in_project_terms(
    bucket: ThresholdBucket, project: Project, rates: dict
) -> tuple[Decimal, Decimal] | None:
    """(project amount, threshold amount) in one currency, using the rate stored on the project.

    Same currency: compare the original amounts (no rounding at all). Base-currency threshold: compare the
    project's stored CNY amount. Otherwise convert the threshold to CNY with the project's own rate when the
    project is in the threshold's currency, else with that currency's rate on the project's signing day.
    """
    if bucket.currency_id == project.currency_id:
        return project.total_investment, bucket.amount
    if bucket.currency.is_base:
        return project.total_investment_cny, bucket.amount
    key = (bucket.currency_id, project.fx_rate_date or project.signed_on)
    if key not in rates:
        fx = selectors.rate_on(bucket.currency, project.signed_on) if project.signed_on else None
        rates[key] = fx.rate_to_cny if fx else None
    rate = rates[key]
    if rate is None:
        return None
    return project.total_investment_cny, bucket.amount * rate


def in_bucket(bucket: ThresholdBucket, project: Project, rates: dict | None = None) -> bool:
    """Whether a project falls in a threshold bucket."""
    if bucket.applies_to == AppliesTo.FOREIGN and not project.is_foreign:
        return False
    if bucket.applies_to == AppliesTo.DOMESTIC and project.is_foreign:
        return False
    pair = _threshold_in_project_terms(bucket, project, {} if rates is None else rates)
    if pair is None:
        return False
    amount, threshold = pair
    return amount >= threshold if bucket.comparison == Comparison.GTE else amount > threshold


def period(
    as_of: dt.date | None = None, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The reporting period: `from`–`to` if given, else year to date up to and including `as_of`."""
    as_of = as_of or clock.today()
    end = date_to or as_of
    start = date_from or dt.date(end.year, 1, 1)
    return start, end


def signed_projects(
    user: User | None,
    *,
    date_from: dt.date,
    date_to: dt.date,
    basis: str = Basis.CLAIMED,
):
    """Visible projects at signed stage or later whose contract date falls in the period."""
    queryset = selectors.visible_projects(user).filter(
        stage__in=SIGNED_STAGES, signed_on__gte=date_from, signed_on__lte=date_to
    )
    if basis == Basis.VERIFIED:
        queryset = queryset.filter(is_verified=True)
    return queryset.order_by("signed_on", "id")


def signing_stats(
    user: User | None,
    *,
    as_of: dt.date | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    basis: str = Basis.CLAIMED,
) -> dict[str, Any]:
    """Count and totals of signings in a period, foreign part, threshold buckets, by industry / unit / month."""
    start, end = period(as_of, date_from, date_to)
    projects = list(signed_projects(user, date_from=start, date_to=end, basis=basis))
    return summarise(projects, start=start, end=end, basis=basis)


def summarise(projects: Iterable[Project], *, start: dt.date, end: dt.date, basis: str) -> dict[str, Any]:
    """The figures of a list of signed projects."""
    projects = list(projects)
    everything = Group("all", "")
    foreign = Group("foreign", "")
    buckets = [
        (bucket, Group(bucket.pk, bucket.label, extra={"applies_to": bucket.applies_to}))
        for bucket in ThresholdBucket.objects.filter(is_active=True).select_related("currency")
    ]
    industries: dict[int, Group] = {}
    units: dict[int, Group] = {}
    unit_order: dict[int, tuple[int, str]] = {}
    months: dict[str, Group] = {}
    leading = Group("leading", "")
    rates: dict = {}
    for project in projects:
        everything.add(project)
        if project.is_foreign:
            foreign.add(project)
        for bucket, group in buckets:
            if in_bucket(bucket, project, rates):
                group.add(project)
        industry = project.industry
        industries.setdefault(
            industry.pk,
            Group(industry.code, industry.name, extra={"is_leading": industry.is_leading}),
        ).add(project)
        if industry.is_leading:
            leading.add(project)
        units.setdefault(project.unit_id, Group(project.unit_id, project.unit.name)).add(project)
        unit_order[project.unit_id] = (project.unit.sort_order, project.unit.code)
        month = project.signed_on.strftime("%Y-%m")
        months.setdefault(month, Group(month, month)).add(project)
    share = (
        (leading.total_cny / everything.total_cny * 100).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
        if everything.total_cny
        else Decimal("0.0")
    )
    return {
        "date_from": start,
        "date_to": end,
        "basis": basis,
        "count": everything.count,
        "total_yi": everything.total_yi,
        "foreign_count": foreign.count,
        "foreign_total_yi": foreign.total_yi,
        "foreign_project_ids": foreign.project_ids,
        "domestic_count": everything.count - foreign.count,
        "domestic_total_yi": to_yi(everything.total_cny - foreign.total_cny),
        "buckets": [group.as_dict() for _, group in buckets],
        "by_industry": [g.as_dict() for g in sorted(industries.values(), key=lambda g: (-g.total_cny, g.key))],
        "leading_count": leading.count,
        "leading_total_yi": leading.total_yi,
        "leading_share_percent": share,
        # In the organisation's own order (sort order, then code: 招商一局, 二局 …), not by the names' code points.
        "by_unit": [g.as_dict() for g in sorted(units.values(), key=lambda g: unit_order[g.key])],
        "by_month": [months[k].as_dict() for k in sorted(months)],
        "project_ids": everything.project_ids,
    }


def bulletin_text(stats: dict[str, Any], *, as_of: dt.date, zone: str = "开发区") -> str:
    """The seed's bulletin sentence (Chinese by nature: it is the text published as is).

    e.g. "截至4月21日,开发区今年新签约34个项目,总投资320.2亿元,其中外资项目10个,总投资143.2亿元。
    其中总投资5亿元以上项目14个,3000万美元以上外资项目9个。"
    """
    text = (
        f"截至{as_of.month}月{as_of.day}日,{zone}今年新签约{stats['count']}个项目,总投资{stats['total_yi']}亿元,"
        f"其中外资项目{stats['foreign_count']}个,总投资{stats['foreign_total_yi']}亿元。"
    )
    parts = [f"{bucket['label']}{bucket['count']}个" for bucket in stats["buckets"]]
    if parts:
        text += "其中" + ",".join(parts) + "。"
    return text


ZONE = "开发区"


def scope_name(user: User | None) -> str:
    """Who the bulletin speaks for: "开发区" for a user who sees every project, else the user's own unit, so that a
    unit's partial figures are never published as the zone's."""
    from zoneops.accounts.scoping import grants_for
    from zoneops.investment import permissions as perms

    if user is not None and grants_for(user, perms.VIEW_PROJECT).all:
        return ZONE
    department = getattr(user, "department", None)
    return department.name if department is not None else "本人负责范围内"


def bulletin(user: User | None, *, as_of: dt.date | None = None) -> str:
    """The year-to-date bulletin paragraph as of a day, over the user's data scope (named as such)."""
    as_of = as_of or clock.today()
    return bulletin_text(signing_stats(user, as_of=as_of), as_of=as_of, zone=scope_name(user))


def base_currency() -> Currency:
    """The base currency (CNY)."""
    return Currency.objects.get(is_base=True)
