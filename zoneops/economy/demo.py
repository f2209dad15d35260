"""Economy part of the demo zone: 南通市, its districts and counties, 南通开发区, Q1 2022 and the 2021 periods.

The zone's figures are the seed's (415亿元 +25.3%, 3.52亿美元 +162%, 57.7亿元 +10.1%, industrial investment
24.58亿元 = 42.6% of it, 25.6% at the end of 2021); the peers' and the city's are plausible, chosen so that
the zone ranks first in GDP and industrial output growth and the city's industrial growth is 13.3%.
Re-running restores these figures in place.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from zoneops.core import clock
from zoneops.economy.models import (
    AnnualTarget,
    Indicator,
    IndicatorKind,
    PeerSet,
    PeriodLock,
    RankBy,
    Region,
    RegionKind,
    ShareBase,
    Value,
    ValueStatus,
)
from zoneops.economy.services import ensure_period

CITY = "NT"
ZONE = "NTDZ"

# code, name, kind, sort order
REGIONS = [
    (CITY, "南通市", RegionKind.CITY, 0),
    (ZONE, "南通开发区", RegionKind.ZONE, 10),
    ("CC", "崇川区", RegionKind.DISTRICT, 20),
    ("TZ", "通州区", RegionKind.DISTRICT, 30),
    ("HM", "海门区", RegionKind.DISTRICT, 40),
    ("HA", "海安市", RegionKind.COUNTY, 50),
    ("RG", "如皋市", RegionKind.COUNTY, 60),
    ("RD", "如东县", RegionKind.COUNTY, 70),
    ("QD", "启东市", RegionKind.COUNTY, 80),
]

# Named peer sets (code, name, members). 市区 = the urban districts and the zone, the usual second ranking of
# Nantong's bulletins; the other national-level zones of the city are not statistical regions of this demo.
PEER_SETS = [("nt-urban", "市区", (ZONE, "CC", "TZ", "HM"))]

GDP, OUTPUT, VALUE_ADDED, FDI, FAI, IND_INV, IND_SHARE = (
    "gdp",
    "industrial_output",
    "industrial_value_added",
    "fdi",
    "fai",
    "industrial_investment",
    "industrial_investment_share",
)

# code, name, unit, decimals, kind, rank_by, bulletin (name, template, order, attach)
INDICATORS = [
    (GDP, "地区生产总值", "亿元", 1, IndicatorKind.LEVEL, RankBy.GROWTH, ("", "{name}增幅{rank_phrase}", 1, False)),
    (
        OUTPUT,
        "规模以上工业产值",
        "亿元",
        1,
        IndicatorKind.LEVEL,
        RankBy.GROWTH,
        ("", "实现{name}{value}{unit},{growth_phrase},{gap_phrase},列{rank_phrase}", 2, False),
    ),
    (VALUE_ADDED, "规模以上工业增加值", "%", 1, IndicatorKind.RATE, RankBy.GROWTH, ("", "", 0, False)),
    (
        FDI,
        "实际利用外资",
        "亿美元",
        2,
        IndicatorKind.LEVEL,
        RankBy.GROWTH,
        ("", "{name}{value}{unit},{growth_phrase}", 3, False),
    ),
    (
        FAI,
        "固定资产投资",
        "亿元",
        1,
        IndicatorKind.LEVEL,
        RankBy.GROWTH,
        ("固定资产投资总额", "实现{name}{value}{unit},{growth_phrase}", 4, False),
    ),
    (IND_INV, "工业投资", "亿元", 2, IndicatorKind.LEVEL, RankBy.GROWTH, ("", "", 0, False)),
    (
        IND_SHARE,
        "工业投资占比",
        "%",
        1,
        IndicatorKind.SHARE,
        RankBy.VALUE,
        ("", "{name}{share}%,{share_change_phrase}", 5, True),
    ),
]

# Q1 2022 (cumulative January–March): (value, official growth %) per indicator; prior = value / (1 + growth)
# unless given in PRIORS. Industrial value added is a rate only.
Q1_2022 = {
    CITY: {
        GDP: ("2560.3", "5.5"),
        OUTPUT: ("4120.6", "13.3"),
        VALUE_ADDED: (None, "9.6"),
        FDI: ("15.80", "22.6"),
        FAI: ("820.5", "8.1"),
        IND_INV: ("360.20", "21.4"),
    },
    ZONE: {
        GDP: ("296.5", "9.8"),
        OUTPUT: ("415", "25.3"),
        VALUE_ADDED: (None, "18.2"),
        FDI: ("3.52", "162"),
        FAI: ("57.7", "10.1"),
        IND_INV: ("24.58", "73.1"),
    },
    "CC": {
        GDP: ("480.2", "5.1"),
        OUTPUT: ("265.3", "10.2"),
        VALUE_ADDED: (None, "7.4"),
        FDI: ("2.85", "12.4"),
        FAI: ("92.4", "6.3"),
        IND_INV: ("21.30", "15.2"),
    },
    "TZ": {
        GDP: ("362.5", "5.6"),
        OUTPUT: ("512.6", "14.8"),
        VALUE_ADDED: (None, "10.1"),
        FDI: ("1.92", "20.5"),
        FAI: ("98.7", "8.2"),
        IND_INV: ("45.60", "20.1"),
    },
    "HM": {
        GDP: ("352.1", "6.2"),
        OUTPUT: ("560.4", "16.1"),
        VALUE_ADDED: (None, "11.3"),
        FDI: ("1.65", "8.7"),
        FAI: ("95.2", "7.9"),
        IND_INV: ("40.30", "18.4"),
    },
    "HA": {
        GDP: ("338.7", "5.8"),
        OUTPUT: ("620.7", "12.5"),
        VALUE_ADDED: (None, "9.2"),
        FDI: ("1.40", "15.3"),
        FAI: ("88.6", "9.4"),
        IND_INV: ("47.20", "22.3"),
    },
    "RG": {
        GDP: ("352.9", "5.4"),
        OUTPUT: ("595.1", "11.7"),
        VALUE_ADDED: (None, "8.9"),
        FDI: ("1.38", "6.8"),
        FAI: ("90.3", "8.8"),
        IND_INV: ("46.90", "19.5"),
    },
    "RD": {
        GDP: ("295.6", "4.9"),
        OUTPUT: ("455.8", "18.6"),
        VALUE_ADDED: (None, "12.6"),
        FDI: ("1.12", "25.1"),
        FAI: ("76.4", "11.5"),
        IND_INV: ("40.10", "16.8"),
    },
    "QD": {
        GDP: ("328.4", "5.2"),
        OUTPUT: ("480.2", "13.9"),
        VALUE_ADDED: (None, "9.7"),
        FDI: ("1.55", "9.6"),
        FAI: ("82.9", "7.6"),
        IND_INV: ("38.40", "14.6"),
    },
}
# The seed's prior-year figures for the zone (2021Q1).
PRIORS = {(ZONE, OUTPUT): "331.2", (ZONE, FDI): "1.344", (ZONE, FAI): "52.4"}
# The zone's whole-year 2021 investment: industrial share 63.05 / 246.3 = 25.6% (the seed's "去年末").
YEAR_END_2021 = {(ZONE, FAI): "246.3", (ZONE, IND_INV): "63.05"}
# Cumulative 2021 periods as multiples of the 2021Q1 figure (a plausible within-year profile) for the trends.
PROFILE_2021 = {6: Decimal("2.15"), 9: Decimal("3.25"), 12: Decimal("4.30")}
TARGETS_2022 = {GDP: "1350", OUTPUT: "1800", FDI: "12.00", FAI: "260", IND_INV: "110"}


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def build(demo) -> None:
    """Economy part of the demo zone."""
    demo.say("Economy: regions, indicators, 2021 and Q1 2022 figures")
    users = demo.objects.get("users", {})
    departments = demo.objects.get("departments", {})
    entered_by = users.get("stats")
    now = clock.now()
    regions: dict[str, Region] = {}
    for code, name, kind, order in REGIONS:
        regions[code], _ = Region.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "sort_order": order,
                "parent": None if kind == RegionKind.CITY else regions[CITY],
            },
        )
    # The default peers (every region but the city) need no peer set; a named set ranks against a subset.
    PeerSet.objects.filter(code="nt-all").delete()
    for code, name, members in PEER_SETS:
        peer_set, _ = PeerSet.objects.update_or_create(code=code, defaults={"name": name})
        peer_set.regions.set([regions[m] for m in members])
    indicators: dict[str, Indicator] = {}
    for order, (code, name, unit, decimals, kind, rank_by, bulletin) in enumerate(INDICATORS, start=1):
        b_name, b_template, b_order, b_attach = bulletin
        defaults = {
            "name": name,
            "unit": unit,
            "decimals": decimals,
            "kind": kind,
            "rank_by": rank_by,
            "sort_order": order * 10,
            "is_active": True,
            "higher_is_better": True,
            "source_department": departments.get("JFJ-TJ"),
            "bulletin_name": b_name,
            "bulletin_template": b_template,
            "bulletin_order": b_order,
            "bulletin_attach": b_attach,
            "share_base": ShareBase.YEAR_END,
            "numerator": indicators.get(IND_INV) if kind == IndicatorKind.SHARE else None,
            "denominator": indicators.get(FAI) if kind == IndicatorKind.SHARE else None,
        }
        indicators[code], _ = Indicator.objects.update_or_create(code=code, defaults=defaults)

    count = 0

    def put(region: str, indicator: str, year: int, month: int, value, growth=None, prior=None) -> None:
        nonlocal count
        Value.objects.update_or_create(
            region=regions[region],
            indicator=indicators[indicator],
            period=ensure_period(year, month),
            defaults={
                "value": Decimal(value) if value is not None else None,
                "growth_pct": Decimal(growth) if growth is not None else None,
                "prior_value": Decimal(prior) if prior is not None else None,
                "status": ValueStatus.PUBLISHED,
                "entered_by": entered_by,
                "entered_at": now,
            },
        )
        count += 1

    for region, figures in Q1_2022.items():
        for indicator, (value, growth) in figures.items():
            places = indicators[indicator].decimals + 1
            if value is None:
                put(region, indicator, 2022, 3, None, growth)
                continue
            prior = PRIORS.get((region, indicator)) or str(_round(Decimal(value) / (1 + Decimal(growth) / 100), places))
            put(region, indicator, 2022, 3, value, growth, prior)
            put(region, indicator, 2021, 3, prior)
            for month, factor in PROFILE_2021.items():
                cumulative = YEAR_END_2021.get((region, indicator)) if month == 12 else None
                put(region, indicator, 2021, month, cumulative or str(_round(Decimal(prior) * factor, places)))
    for indicator, target in TARGETS_2022.items():
        AnnualTarget.objects.update_or_create(
            region=regions[ZONE], indicator=indicators[indicator], year=2022, defaults={"target": Decimal(target)}
        )
    for year, month in ((2021, 3), (2021, 6), (2021, 9), (2021, 12), (2022, 3)):
        PeriodLock.objects.get_or_create(
            city=regions[CITY],
            period=ensure_period(year, month),
            defaults={"published_by": entered_by, "published_at": now},
        )
    demo.objects["economy_regions"] = regions
    demo.objects["economy_indicators"] = indicators
    demo.say(f"  regions: {len(regions)}, indicators: {len(indicators)}, values: {count}")
