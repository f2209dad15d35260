"""Reads of the economy app: regions, indicators, periods, the period report behind every page and bulletin."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from zoneops.economy import computations as calc
from zoneops.economy import permissions as perms
from zoneops.economy.models import (
    AnnualTarget,
    Indicator,
    IndicatorKind,
    PeerSet,
    Period,
    PeriodLock,
    RankBy,
    Region,
    RegionKind,
    ShareBase,
    Value,
    ValueRevision,
    parse_period_code,
)

# How bulletins name the default peers (every region of the city except the city itself).
DEFAULT_PEER_LABEL = "全市"


def can_view(user) -> bool:
    """Whether the user may read economic figures."""
    return bool(user and user.is_authenticated and user.has_perm(perms.VIEW_VALUE))


def visible_values(user):
    """Values the user may see (economic figures are not tied to departments: the permission is enough)."""
    return Value.objects.visible_to(user, perms.VIEW_VALUE).select_related("region", "indicator", "period")


def visible_regions(user):
    """Regions, for readers of economic figures."""
    if not can_view(user):
        return Region.objects.none()
    return Region.objects.select_related("parent").all()


def visible_indicators(user):
    """Indicators, for readers of economic figures."""
    if not can_view(user):
        return Indicator.objects.none()
    return Indicator.objects.select_related("numerator", "denominator", "source_department").all()


def region_for_user_or_404(user, code: str) -> Region:
    """A region by code, 404 for unknown codes and for users who may not read figures."""
    return get_object_or_404(visible_regions(user), code=code)


def indicator_for_user_or_404(user, code: str) -> Indicator:
    """An indicator by code, 404 when unknown or not readable."""
    return get_object_or_404(visible_indicators(user), code=code)


def peer_set_for_user_or_404(user, code: str) -> PeerSet:
    """A peer set by code, 404 when unknown or not readable."""
    if not can_view(user):
        raise Http404
    return get_object_or_404(PeerSet, code=code)


def peer_sets(user) -> list[PeerSet]:
    """The named peer sets a reader may rank against."""
    if not can_view(user):
        return []
    return list(PeerSet.objects.order_by("code"))


def period_or_404(code: str) -> Period:
    """The stored period for a code ("2022-03" or "2022Q1"); a malformed code is a DomainError (400)."""
    year, month_end = parse_period_code(code)
    return get_object_or_404(Period, year=year, month_end=month_end)


def default_peers(region: Region) -> list[Region]:
    """Every region of the city except the city itself."""
    city = region.city
    return list(Region.objects.filter(parent=city).exclude(kind=RegionKind.CITY).order_by("sort_order", "code"))


def latest_period(user, region: Region) -> Period | None:
    """The latest period with a figure for the region."""
    value = visible_values(user).filter(region=region).order_by("-period__year", "-period__month_end").first()
    return value.period if value else None


def is_published(region: Region, period: Period) -> bool:
    """Whether the period is published for the region's city."""
    return PeriodLock.objects.filter(city=region.city, period=period).exists()


@dataclass
class ReportItem:
    """One indicator's row of a region's period report."""

    indicator: Indicator
    value: Decimal | None = None
    official_growth: Decimal | None = None
    computed_growth: calc.Figure = calc.Figure(None)
    check: calc.GrowthCheck | None = None
    growth: Decimal | None = None
    city_growth: Decimal | None = None
    gap: calc.Figure = calc.Figure(None)
    rank: calc.Rank | None = None
    share: calc.Figure = calc.Figure(None)
    share_base_label: str = ""
    share_change: calc.Figure = calc.Figure(None)
    growth_change: calc.Figure = calc.Figure(None)
    target: Decimal | None = None
    progress: calc.Progress | None = None
    peers_breadth: calc.Breadth | None = None
    stored: Value | None = None
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def decimals(self) -> int:
        return self.indicator.decimals


@dataclass
class Report:
    """A region's report for one cumulative period."""

    region: Region
    period: Period
    city: Region
    peers: list[Region]
    peer_label: str
    items: list[ReportItem]
    breadth: calc.Breadth
    is_published: bool

    def item(self, code: str) -> ReportItem:
        return next(i for i in self.items if i.indicator.code == code)


class _Figures:
    """The stored values a report needs, loaded in one query, with growth and share helpers."""

    def __init__(self, regions: list[Region], year: int, month_end: int):
        wanted = {(year, month_end), (year - 1, month_end), (year - 1, 12)}
        if month_end > 1:
            wanted.add((year, month_end - 1))
        condition = Q(pk__in=[])
        for y, m in wanted:
            condition |= Q(period__year=y, period__month_end=m)
        rows = Value.objects.filter(condition, region__in=regions).select_related("period")
        self.rows = {(v.region_id, v.indicator_id, v.period.year, v.period.month_end): v for v in rows}

    def stored(self, region: Region, indicator: Indicator, year: int, month: int) -> Value | None:
        return self.rows.get((region.pk, indicator.pk, year, month))

    def level(self, region: Region, indicator: Indicator, year: int, month: int) -> Decimal | None:
        row = self.stored(region, indicator, year, month)
        return row.value if row else None

    def computed_growth(self, region: Region, indicator: Indicator, year: int, month: int) -> calc.Figure:
        if indicator.kind == IndicatorKind.RATE:
            return calc.missing(_("Rate-only indicator: the growth is published, not computed"))
        if indicator.kind == IndicatorKind.SHARE:
            return calc.missing(_("A share has no growth rate"))
        row = self.stored(region, indicator, year, month)
        if row is None:
            return calc.missing(_("No figure for this period"))
        prior = row.prior_value
        if prior is None:
            prior = self.level(region, indicator, year - 1, month)
        return calc.yoy_growth(row.value, prior)

    def growth(self, region: Region, indicator: Indicator, year: int, month: int) -> Decimal | None:
        """The official growth when entered, else the computed one."""
        row = self.stored(region, indicator, year, month)
        if row is not None and row.growth_pct is not None:
            return row.growth_pct
        return self.computed_growth(region, indicator, year, month).value

    def share(self, region: Region, indicator: Indicator, year: int, month: int) -> calc.Figure:
        if indicator.is_computed_share:
            return calc.share(
                self.level(region, indicator.numerator, year, month),
                self.level(region, indicator.denominator, year, month),
            )
        value = self.level(region, indicator, year, month)
        return calc.Figure(value) if value is not None else calc.missing(_("No figure for this period"))


def report_for(user, region: Region, period: Period, *, peer_set: PeerSet | None = None) -> Report:
    """Every active indicator for a region and period: value, official and computed growth, gap, rank, share."""
    if not can_view(user):
        raise Http404
    city = region.city
    peers = list(peer_set.regions.order_by("sort_order", "code")) if peer_set else default_peers(region)
    peer_label = peer_set.name if peer_set else DEFAULT_PEER_LABEL
    year, month = period.year, period.month_end
    everyone = {r.pk: r for r in [*peers, region, city]}
    data = _Figures(list(everyone.values()), year, month)
    targets = {
        t.indicator_id: t.target
        for t in AnnualTarget.objects.filter(region=region, year=year).only("indicator", "target")
    }
    indicators = list(
        Indicator.objects.filter(is_active=True)
        .select_related("numerator", "denominator")
        .order_by("sort_order", "code")
    )
    items = []
    for indicator in indicators:
        items.append(_item(data, indicator, region, city, peers, peer_label, year, month, targets.get(indicator.pk)))
    breadth = calc.growth_breadth(
        {i.indicator.code: i.growth for i in items if i.indicator.kind != IndicatorKind.SHARE}
    )
    return Report(region, period, city, peers, peer_label, items, breadth, is_published(region, period))


def _item(data: _Figures, indicator, region, city, peers, peer_label, year, month, target) -> ReportItem:
    item = ReportItem(indicator=indicator, stored=data.stored(region, indicator, year, month))
    if indicator.kind == IndicatorKind.SHARE:
        item.share = data.share(region, indicator, year, month)
        item.value = item.share.value
        if indicator.share_base == ShareBase.YEAR_END:
            base_year, base_month, item.share_base_label = year - 1, 12, "去年末"
        else:
            base_year, base_month, item.share_base_label = year - 1, month, "上年同期"
        base = data.share(region, indicator, base_year, base_month)
        item.share_change = calc.change_pp(
            item.share.value,
            base.value,
            base_missing_reason=_("No share for %(year)s-%(month)02d")
            % {
                "year": base_year,
                "month": base_month,
            },
        )
        metrics = {p.code: data.share(p, indicator, year, month).value for p in peers}
        item.rank = calc.rank_among(metrics, region.code, higher_is_better=indicator.higher_is_better)
        if not item.share.ok:
            item.notes["share_pct"] = item.share.reason
        if not item.share_change.ok:
            item.notes["share_change_pp"] = item.share_change.reason
        return item
    stored = item.stored
    item.value = stored.value if stored else None
    item.official_growth = stored.growth_pct if stored else None
    item.computed_growth = data.computed_growth(region, indicator, year, month)
    item.check = calc.check_growth(item.official_growth, item.computed_growth.value)
    item.growth = data.growth(region, indicator, year, month)
    item.city_growth = data.growth(city, indicator, year, month)
    item.gap = (
        calc.gap_pp(item.growth, item.city_growth)
        if region.pk != city.pk
        else calc.missing(_("The city is the reference"))
    )
    if indicator.rank_by == RankBy.VALUE and indicator.kind == IndicatorKind.LEVEL:
        metrics = {p.code: data.level(p, indicator, year, month) for p in peers}
    else:
        metrics = {p.code: data.growth(p, indicator, year, month) for p in peers}
    item.rank = calc.rank_among(metrics, region.code, higher_is_better=indicator.higher_is_better)
    if month > 1:
        item.growth_change = calc.change_pp(
            item.growth,
            data.growth(region, indicator, year, month - 1),
            base_missing_reason=_("No growth for %(year)s-%(month)02d") % {"year": year, "month": month - 1},
        )
    else:
        item.growth_change = calc.missing(_("January has no earlier cumulative period"))
    if indicator.kind == IndicatorKind.LEVEL:
        item.target = target
        item.progress = calc.time_progress(item.value, target, month)
    item.peers_breadth = calc.growth_breadth({p.code: data.growth(p, indicator, year, month) for p in peers})
    if stored is None:
        item.notes["value"] = _("No figure for this period")
    if not item.computed_growth.ok:
        item.notes["computed_growth_pct"] = item.computed_growth.reason
    if item.city_growth is None:
        item.notes["city_growth_pct"] = _("No growth rate for the city")
    if not item.gap.ok:
        item.notes["gap_pp"] = item.gap.reason
    if item.rank.rank is None:
        item.notes["rank"] = item.rank.reason
    elif item.rank.missing:
        names = {p.code: p.name for p in peers}
        item.notes["rank"] = _("Without a figure: %(regions)s") % {
            "regions": "、".join(names.get(c, c) for c in item.rank.missing)
        }
    if not item.growth_change.ok:
        item.notes["growth_change_pp"] = item.growth_change.reason
    return item


def data_points(
    user, indicator: Indicator, period: Period, region: Region, *, peers: list[Region] | None = None
) -> list[Value]:
    """The stored values behind a report figure: the indicator (or a share's parts) for the region, city and peers."""
    if not can_view(user):
        raise Http404
    regions = [region, region.city, *(default_peers(region) if peers is None else peers)]
    codes = [indicator.pk]
    if indicator.is_computed_share:
        codes = [indicator.numerator_id, indicator.denominator_id]
    years = [period.year, period.year - 1]
    return list(
        visible_values(user)
        .filter(indicator_id__in=codes, region__in=regions, period__year__in=years)
        .filter(Q(period__month_end=period.month_end) | Q(period__month_end=12))
        .order_by("-period__year", "-period__month_end", "indicator__sort_order", "region__sort_order")
    )


def series(user, region: Region, indicator: Indicator, *, years: int = 3) -> list[Value]:
    """A region's stored figures for one indicator over the last years, oldest first (trend charts)."""
    return list(
        visible_values(user).filter(region=region, indicator=indicator).order_by("period__year", "period__month_end")
    )[-12 * years :]


def revisions(user, *, region: Region | None = None, period: Period | None = None):
    """Revisions of published figures, newest first."""
    if not can_view(user):
        return ValueRevision.objects.none()
    qs = ValueRevision.objects.select_related("value__region", "value__indicator", "value__period", "revised_by")
    if region is not None:
        qs = qs.filter(value__region=region)
    if period is not None:
        qs = qs.filter(value__period=period)
    return qs
