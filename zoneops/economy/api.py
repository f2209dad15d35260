"""Economy API: regions, peer sets, indicators, entering values, the period report and the bulletin.

Decimal figures are JSON strings rounded half-up with a fixed number of places (the indicator's decimals
for values, one place for percentages and percentage points), so no precision is lost in transit; absent
figures are null, and `notes` gives the reason a figure is absent. Rows of POST /values are numbered from 1.
"""

from __future__ import annotations

from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from zoneops.accounts.models import Department
from zoneops.core.errors import DomainError
from zoneops.economy import computations as calc
from zoneops.economy import selectors, services
from zoneops.economy.bulletin import bulletin_for
from zoneops.economy.models import Indicator, IndicatorKind, PeerSet, RankBy, Region, RegionKind, ShareBase

router = Router(tags=["economy"])


class RegionOut(Schema):
    code: str
    name: str
    kind: str
    parent: str | None = Field(None, description="code of the city the region belongs to")
    sort_order: int = 0


class RegionList(Schema):
    items: list[RegionOut]
    count: int


class RegionIn(Schema):
    code: str = Field(..., max_length=40, description="stable; cannot change later")
    name: str = Field(..., max_length=60)
    kind: RegionKind
    parent: str | None = Field(None, description="code of a region of kind city (none for a city)")
    sort_order: int = Field(0, ge=0)


class RegionPatch(Schema):
    name: str | None = Field(None, max_length=60)
    kind: RegionKind | None = None
    parent: str | None = Field(None, description="code of a region of kind city; null to clear")
    sort_order: int | None = Field(None, ge=0)


def _region_out(r: Region) -> RegionOut:
    return RegionOut(
        code=r.code, name=r.name, kind=r.kind, parent=r.parent.code if r.parent else None, sort_order=r.sort_order
    )


def _resolve_parent(data: dict) -> dict:
    """Turn the payload's parent city code into a region (an unknown code names the field)."""
    if "parent" in data:
        code = data["parent"]
        data["parent"] = Region.objects.filter(code=code).first() if code else None
        if code and data["parent"] is None:
            raise DomainError(_("Unknown region code %(code)r.") % {"code": code}, field="parent")
    return data


@router.get("/regions", response=RegionList, summary="List regions (city, districts, counties, zones)")
def list_regions(request):
    if not selectors.can_view(request.auth):
        raise Http404
    items = [_region_out(r) for r in selectors.visible_regions(request.auth)]
    return {"items": items, "count": len(items)}


@router.post("/regions", response={201: RegionOut}, summary="Create a region (economy.manage_indicator)")
def create_region(request, payload: RegionIn):
    services.require(request.auth, services.perms.MANAGE_INDICATOR)
    data = _resolve_parent(payload.dict())
    region = services.create_region(actor=request.auth, **data)
    return Status(201, _region_out(region))


@router.patch("/regions/{code}", response=RegionOut, summary="Update a region (economy.manage_indicator)")
def update_region(request, code: str, payload: RegionPatch):
    """The code is stable: it identifies the region in the URL and cannot be changed."""
    services.require(request.auth, services.perms.MANAGE_INDICATOR)
    region = selectors.region_for_user_or_404(request.auth, code)
    data = _resolve_parent(payload.dict(exclude_unset=True))
    region = services.update_region(actor=request.auth, region=region, **data)
    return _region_out(region)


class PeerSetOut(Schema):
    code: str
    name: str
    regions: list[str] = Field(..., description="member region codes")


class PeerSetList(Schema):
    items: list[PeerSetOut]
    count: int


class PeerSetIn(Schema):
    code: str = Field(..., max_length=40, description="stable; cannot change later")
    name: str = Field(..., max_length=60)
    regions: list[str] = Field(..., description="member region codes (no city)")


class PeerSetPatch(Schema):
    name: str | None = Field(None, max_length=60)
    regions: list[str] | None = Field(None, description="the new member region codes (replaces the members)")


def _peer_set_out(p: PeerSet) -> PeerSetOut:
    return PeerSetOut(code=p.code, name=p.name, regions=[r.code for r in p.regions.order_by("sort_order", "code")])


@router.get("/peer-sets", response=PeerSetList, summary="List named peer sets for ranking")
def list_peer_sets(request):
    if not selectors.can_view(request.auth):
        raise Http404
    items = [_peer_set_out(p) for p in selectors.peer_sets(request.auth)]
    return {"items": items, "count": len(items)}


@router.post("/peer-sets", response={201: PeerSetOut}, summary="Create a peer set (economy.manage_indicator)")
def create_peer_set(request, payload: PeerSetIn):
    services.require(request.auth, services.perms.MANAGE_INDICATOR)
    peer_set = services.create_peer_set(actor=request.auth, **payload.dict())
    return Status(201, _peer_set_out(peer_set))


@router.patch("/peer-sets/{code}", response=PeerSetOut, summary="Update a peer set (economy.manage_indicator)")
def update_peer_set(request, code: str, payload: PeerSetPatch):
    """The code is stable; `regions`, when given, replaces the members."""
    services.require(request.auth, services.perms.MANAGE_INDICATOR)
    peer_set = selectors.peer_set_for_user_or_404(request.auth, code)
    data = payload.dict(exclude_unset=True)
    if data.get("regions", []) is None:
        raise DomainError(_("Give the member regions as a list of region codes."), field="regions")
    if data.get("name", "") is None:
        raise DomainError(_("Give the peer set a name."), field="name")
    peer_set = services.update_peer_set(actor=request.auth, peer_set=peer_set, **data)
    return _peer_set_out(peer_set)


class IndicatorOut(Schema):
    code: str
    name: str
    unit: str
    decimals: int
    kind: IndicatorKind
    numerator: str | None = None
    denominator: str | None = None
    share_base: ShareBase
    source_department: str | None = Field(None, description="department code")
    higher_is_better: bool
    rank_by: RankBy
    sort_order: int
    is_active: bool
    bulletin_name: str
    bulletin_template: str
    bulletin_order: int
    bulletin_attach: bool


class IndicatorList(Schema):
    items: list[IndicatorOut]
    count: int


class IndicatorIn(Schema):
    code: str = Field(..., max_length=40)
    name: str = Field(..., max_length=60)
    unit: str = Field(..., max_length=10)
    decimals: int = Field(1, ge=0, le=4)
    kind: IndicatorKind = IndicatorKind.LEVEL
    numerator: str | None = Field(None, description="indicator code (shares only)")
    denominator: str | None = Field(None, description="indicator code (shares only)")
    share_base: ShareBase = ShareBase.YEAR_END
    source_department: str | None = Field(None, description="department code")
    higher_is_better: bool = True
    rank_by: RankBy = RankBy.GROWTH
    sort_order: int = Field(0, ge=0)
    is_active: bool = True
    bulletin_name: str = Field("", max_length=60)
    bulletin_template: str = Field("", max_length=200)
    bulletin_order: int = Field(0, ge=0)
    bulletin_attach: bool = False


class IndicatorPatch(Schema):
    name: str | None = Field(None, max_length=60)
    unit: str | None = Field(None, max_length=10)
    decimals: int | None = Field(None, ge=0, le=4)
    kind: IndicatorKind | None = None
    numerator: str | None = None
    denominator: str | None = None
    share_base: ShareBase | None = None
    source_department: str | None = None
    higher_is_better: bool | None = None
    rank_by: RankBy | None = None
    sort_order: int | None = Field(None, ge=0)
    is_active: bool | None = None
    bulletin_name: str | None = Field(None, max_length=60)
    bulletin_template: str | None = Field(None, max_length=200)
    bulletin_order: int | None = Field(None, ge=0)
    bulletin_attach: bool | None = None


def _indicator_out(i) -> IndicatorOut:
    return IndicatorOut(
        code=i.code,
        name=i.name,
        unit=i.unit,
        decimals=i.decimals,
        kind=i.kind,
        numerator=i.numerator.code if i.numerator else None,
        denominator=i.denominator.code if i.denominator else None,
        share_base=i.share_base,
        source_department=i.source_department.code if i.source_department else None,
        higher_is_better=i.higher_is_better,
        rank_by=i.rank_by,
        sort_order=i.sort_order,
        is_active=i.is_active,
        bulletin_name=i.bulletin_name,
        bulletin_template=i.bulletin_template,
        bulletin_order=i.bulletin_order,
        bulletin_attach=i.bulletin_attach,
    )


def _resolve_refs(data: dict) -> dict:
    """Turn indicator / department codes of the payload into objects (unknown codes name the field)."""
    for name in ("numerator", "denominator"):
        if name in data:
            code = data[name]
            data[name] = Indicator.objects.filter(code=code).first() if code else None
            if code and data[name] is None:
                raise DomainError(_("Unknown indicator code %(code)r.") % {"code": code}, field=name)
    if "source_department" in data:
        code = data["source_department"]
        data["source_department"] = Department.objects.filter(code=code).first() if code else None
        if code and data["source_department"] is None:
            raise DomainError(_("Unknown department code %(code)r.") % {"code": code}, field="source_department")
    return data


@router.get("/indicators", response=IndicatorList, summary="List indicators")
def list_indicators(request):
    if not selectors.can_view(request.auth):
        raise Http404
    items = [_indicator_out(i) for i in selectors.visible_indicators(request.auth)]
    return {"items": items, "count": len(items)}


@router.post("/indicators", response={201: IndicatorOut}, summary="Create an indicator (economy.manage_indicator)")
def create_indicator(request, payload: IndicatorIn):
    data = _resolve_refs(payload.dict())
    code = data.pop("code")
    indicator = services.create_indicator(actor=request.auth, code=code, **data)
    return Status(201, _indicator_out(indicator))


@router.patch("/indicators/{code}", response=IndicatorOut, summary="Update an indicator (economy.manage_indicator)")
def update_indicator(request, code: str, payload: IndicatorPatch):
    services.require(request.auth, services.perms.MANAGE_INDICATOR)
    indicator = selectors.indicator_for_user_or_404(request.auth, code)
    data = _resolve_refs(payload.dict(exclude_unset=True))
    indicator = services.update_indicator(actor=request.auth, indicator=indicator, **data)
    return _indicator_out(indicator)


class ValueIn(Schema):
    region: str = Field(..., description="region code")
    indicator: str = Field(..., description="indicator code")
    period: str = Field(..., description="2022-03 (cumulative January–March) or 2022Q1 (the same period)")
    value: Decimal | None = Field(None, description="cumulative value in the indicator's unit")
    growth_pct: Decimal | None = Field(None, description="official year-on-year growth in %")
    prior_value: Decimal | None = Field(None, description="same period last year, in the indicator's unit")
    unit: str = Field("", description="if given, must equal the indicator's unit")
    reason: str = Field("", max_length=200, description="required when the period is already published")


class ValuesResult(Schema):
    created: int
    updated: int
    unchanged: int
    revised: int


@router.post(
    "/values",
    response={200: ValuesResult},
    summary="Enter values, all or nothing",
    description=(
        "Each row replaces the stored figure of its (region, indicator, period); omitted figures become empty. "
        "Errors are keyed rows.<n>.<field> (rows numbered from 1); if any row is bad nothing is written. "
        "Rows in a published period need a reason and are kept as revisions."
    ),
)
def post_values(request, payload: list[ValueIn]):
    rows = [services.ValueInput(row=n, **item.dict()) for n, item in enumerate(payload, start=1)]
    result = services.upsert_values(actor=request.auth, rows=rows)
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "revised": result.revised,
    }


class ReportItemOut(Schema):
    indicator: str
    name: str
    kind: str
    unit: str
    value: str | None = Field(None, description="indicator's decimals (a share: its % value)")
    growth_pct: str | None = Field(None, description="official growth, %")
    computed_growth_pct: str | None = Field(None, description="value / prior − 1, %")
    growth_flagged: bool = Field(False, description="official and computed differ by more than 0.5 points")
    city_growth_pct: str | None = None
    gap_pp: str | None = Field(None, description="growth − city growth, percentage points")
    rank: int | None = None
    rank_of: int | None = Field(None, description="peers with a figure")
    rank_missing: list[str] = Field(default_factory=list, description="peer region codes without a figure")
    share_pct: str | None = None
    share_change_pp: str | None = None
    share_base: str | None = None
    growth_change_pp: str | None = Field(None, description="against the previous cumulative period")
    target: str | None = None
    completion_pct: str | None = None
    elapsed_pct: str | None = None
    peers_growing: int | None = None
    peers_total: int | None = None
    notes: dict[str, str] = Field(default_factory=dict, description="why a figure is absent")


class BreadthOut(Schema):
    growing: int
    total: int
    pct: str | None


class ReportOut(Schema):
    region: str
    region_name: str
    period: str
    period_label: str
    published: bool
    peers: list[str]
    peer_label: str
    breadth: BreadthOut
    items: list[ReportItemOut]


def item_out(item: selectors.ReportItem) -> dict:
    """One report row as JSON-ready data (strings for Decimals)."""
    d = item.indicator.decimals
    rank = item.rank
    progress = item.progress
    return {
        "indicator": item.indicator.code,
        "name": item.indicator.name,
        "kind": item.indicator.kind,
        "unit": item.indicator.unit,
        "value": calc.fixed(item.value, d if item.indicator.kind != IndicatorKind.SHARE else calc.PCT_DECIMALS),
        "growth_pct": calc.fixed(item.official_growth),
        "computed_growth_pct": calc.fixed(item.computed_growth.value),
        "growth_flagged": bool(item.check and item.check.is_flagged),
        "city_growth_pct": calc.fixed(item.city_growth),
        "gap_pp": calc.fixed(item.gap.value),
        "rank": rank.rank if rank else None,
        "rank_of": rank.of if rank and rank.rank else None,
        "rank_missing": list(rank.missing) if rank else [],
        "share_pct": calc.fixed(item.share.value),
        "share_change_pp": calc.fixed(item.share_change.value),
        "share_base": item.share_base_label or None,
        "growth_change_pp": calc.fixed(item.growth_change.value),
        "target": calc.fixed(item.target, d),
        "completion_pct": calc.fixed(progress.completion_pct) if progress else None,
        "elapsed_pct": calc.fixed(progress.elapsed_pct) if progress else None,
        "peers_growing": item.peers_breadth.growing if item.peers_breadth else None,
        "peers_total": item.peers_breadth.total if item.peers_breadth else None,
        "notes": {k: str(v) for k, v in item.notes.items()},
    }


def _report(request, region: str, period: str, peer_set: str | None = None):
    user = request.auth
    region_obj = selectors.region_for_user_or_404(user, region)
    period_obj = selectors.period_or_404(period)
    peers = selectors.peer_set_for_user_or_404(user, peer_set) if peer_set else None
    return selectors.report_for(user, region_obj, period_obj, peer_set=peers)


@router.get("/report", response=ReportOut, summary="A region's period report")
def get_report(request, region: str, period: str, peer_set: str | None = None):
    """Every active indicator for the region and cumulative period (2022-03 or 2022Q1).

    Decimal figures are JSON strings rounded half-up (values to the indicator's decimals, percentages and
    percentage points to one place); absent figures are null and `notes` says why. Ranks are among
    `peer_set` (a peer-set code) or, by default, every region of the city except the city itself.
    """
    report = _report(request, region, period, peer_set)
    return {
        "region": report.region.code,
        "region_name": report.region.name,
        "period": report.period.code,
        "period_label": report.period.label,
        "published": report.is_published,
        "peers": [p.code for p in report.peers],
        "peer_label": report.peer_label,
        "breadth": {
            "growing": report.breadth.growing,
            "total": report.breadth.total,
            "pct": calc.fixed(report.breadth.pct),
        },
        "items": [item_out(i) for i in report.items],
    }


class BulletinOut(Schema):
    text: str
    omitted: list[str] = Field(default_factory=list, description="indicators left out for lack of figures")


@router.get("/bulletin", response=BulletinOut, summary="The generated bulletin sentence")
def get_bulletin(request, region: str, period: str, peer_set: str | None = None):
    """The bulletin sentence; ranks read "全市第一" for the default peers, "<peer set name>第一" otherwise."""
    bulletin = bulletin_for(_report(request, region, period, peer_set))
    return {"text": bulletin.text, "omitted": bulletin.omitted}
