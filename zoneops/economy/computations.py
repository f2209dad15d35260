"""The bulletin arithmetic: pure functions on Decimals (no database), each returning a figure or a reason.

Rounding: ROUND_HALF_UP to the indicator's decimals for levels; percentages, shares and percentage points
to one decimal (PCT_DECIMALS). Printing (`fmt`): round, then drop trailing zeros of the fraction and a
bare decimal point, so 12.0 prints "12", 162.0 prints "162" and 3.52 stays "3.52".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

PCT_DECIMALS = 1
DEFAULT_TOLERANCE_PP = Decimal("0.5")
HUNDRED = Decimal(100)
DASH = "—"


def quantize(value: Decimal, decimals: int) -> Decimal:
    """Round half-up to `decimals` places."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def fmt(value: Decimal | None, decimals: int = PCT_DECIMALS) -> str:
    """Bulletin printing: rounded half-up, trailing zeros of the fraction dropped; None prints "—"."""
    if value is None:
        return DASH
    text = f"{quantize(value, decimals):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fixed(value: Decimal | None, decimals: int = PCT_DECIMALS) -> str | None:
    """API/table printing: rounded half-up with exactly `decimals` places; None stays None."""
    return None if value is None else f"{quantize(value, decimals):f}"


@dataclass(frozen=True)
class Figure:
    """A computed figure, or None with the reason it cannot be computed."""

    value: Decimal | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.value is not None


def missing(reason) -> Figure:
    return Figure(None, str(reason))


def yoy_growth(value: Decimal | None, prior: Decimal | None) -> Figure:
    """Year-on-year growth in % (value / prior − 1) × 100, one decimal."""
    if value is None:
        return missing(_("No value for this period"))
    if prior is None:
        return missing(_("No prior-year value"))
    if prior == 0:
        return missing(_("Prior-year value is zero"))
    return Figure(quantize((value / prior - 1) * HUNDRED, PCT_DECIMALS))


def gap_pp(growth: Decimal | None, reference_growth: Decimal | None) -> Figure:
    """Difference in percentage points between a growth rate and the reference (the city's)."""
    if growth is None:
        return missing(_("No growth rate for this region"))
    if reference_growth is None:
        return missing(_("No growth rate for the city"))
    return Figure(quantize(growth - reference_growth, PCT_DECIMALS))


def share(numerator: Decimal | None, denominator: Decimal | None) -> Figure:
    """numerator / denominator × 100, one decimal."""
    if numerator is None or denominator is None:
        return missing(_("Numerator or denominator missing"))
    if denominator == 0:
        return missing(_("Denominator is zero"))
    return Figure(quantize(numerator / denominator * HUNDRED, PCT_DECIMALS))


def change_pp(current: Decimal | None, base: Decimal | None, *, base_missing_reason: str = "") -> Figure:
    """Change in percentage points between two rates already rounded as published (current − base)."""
    if current is None:
        return missing(_("No current figure"))
    if base is None:
        return missing(base_missing_reason or _("No figure for the comparison period"))
    return Figure(quantize(current - base, PCT_DECIMALS))


@dataclass(frozen=True)
class Progress:
    """时序进度: completion of the annual target against the elapsed share of the year."""

    completion_pct: Decimal | None
    elapsed_pct: Decimal
    ahead_pp: Decimal | None
    reason: str = ""


def time_progress(cumulative: Decimal | None, target: Decimal | None, month_end: int) -> Progress:
    """Cumulative value / annual target vs month_end / 12 (ahead_pp > 0: ahead of the calendar)."""
    elapsed = quantize(Decimal(month_end) / 12 * HUNDRED, PCT_DECIMALS)
    if target is None:
        return Progress(None, elapsed, None, str(_("No annual target")))
    if target == 0:
        return Progress(None, elapsed, None, str(_("Annual target is zero")))
    if cumulative is None:
        return Progress(None, elapsed, None, str(_("No value for this period")))
    completion = quantize(cumulative / target * HUNDRED, PCT_DECIMALS)
    return Progress(completion, elapsed, quantize(completion - elapsed, PCT_DECIMALS))


@dataclass(frozen=True)
class Breadth:
    """增长面: how many of the items grew."""

    growing: int
    total: int
    pct: Decimal | None
    missing: tuple[str, ...] = ()


def growth_breadth(growths: Mapping[str, Decimal | None]) -> Breadth:
    """Share (in %) of the items with growth > 0 among those with a growth figure; items without are listed."""
    known = {k: v for k, v in growths.items() if v is not None}
    absent = tuple(k for k, v in growths.items() if v is None)
    growing = sum(1 for v in known.values() if v > 0)
    pct = quantize(Decimal(growing) / len(known) * HUNDRED, PCT_DECIMALS) if known else None
    return Breadth(growing, len(known), pct, absent)


@dataclass(frozen=True)
class Rank:
    """The position of one key among peers: ties share a rank (1, 1, 3); peers without a figure listed."""

    rank: int | None
    of: int
    order: tuple[tuple[str, Decimal, int], ...] = ()
    missing: tuple[str, ...] = field(default_factory=tuple)
    reason: str = ""


def rank_among(figures: Mapping[str, Decimal | None], key: str, *, higher_is_better: bool = True) -> Rank:
    """Competition ranking of `key` among `figures` (best first); `of` counts the peers that have a figure."""
    known = [(k, v) for k, v in figures.items() if v is not None]
    absent = tuple(k for k, v in figures.items() if v is None)
    known.sort(key=lambda kv: (-kv[1] if higher_is_better else kv[1], kv[0]))
    order: list[tuple[str, Decimal, int]] = []
    for position, (k, v) in enumerate(known, start=1):
        rank = order[-1][2] if order and order[-1][1] == v else position
        order.append((k, v, rank))
    mine = next((r for k, _v, r in order if k == key), None)
    reason = ""
    if mine is None:
        reason = str(_("Not among the peers")) if key not in figures else str(_("No figure for this region"))
    return Rank(mine, len(order), tuple(order), absent, reason)


@dataclass(frozen=True)
class GrowthCheck:
    """The official growth beside the computed one; flagged when they differ by more than the tolerance."""

    official: Decimal | None
    computed: Decimal | None
    diff_pp: Decimal | None
    is_flagged: bool


def check_growth(
    official: Decimal | None, computed: Decimal | None, tolerance: Decimal = DEFAULT_TOLERANCE_PP
) -> GrowthCheck:
    """Compare official and computed growth; no flag when either is absent."""
    if official is None or computed is None:
        return GrowthCheck(official, computed, None, False)
    diff = quantize(official - computed, PCT_DECIMALS)
    return GrowthCheck(official, computed, diff, abs(diff) > tolerance)


_NUMERALS = "零一二三四五六七八九十"


def chinese_ordinal(n: int) -> str:
    """第一 … 第十, then 第11 (how rankings are written)."""
    return f"第{_NUMERALS[n]}" if 1 <= n <= 10 else f"第{n}"


def growth_phrase(growth: Decimal | None) -> str:
    """增长25.3% / 下降3.2% / 持平."""
    if growth is None:
        return ""
    if growth > 0:
        return f"增长{fmt(growth)}%"
    if growth < 0:
        return f"下降{fmt(-growth)}%"
    return "持平"


def gap_phrase(gap: Decimal | None, *, level: str = "全市") -> str:
    """高于全市平均增幅12个百分点 / 低于… / 与全市平均增幅持平."""
    if gap is None:
        return ""
    if gap > 0:
        return f"高于{level}平均增幅{fmt(gap)}个百分点"
    if gap < 0:
        return f"低于{level}平均增幅{fmt(-gap)}个百分点"
    return f"与{level}平均增幅持平"


def change_phrase(change: Decimal | None, *, base: str) -> str:
    """较去年末提升17个百分点 / 较去年末下降… / 与去年末持平."""
    if change is None:
        return ""
    if change > 0:
        return f"较{base}提升{fmt(change)}个百分点"
    if change < 0:
        return f"较{base}下降{fmt(-change)}个百分点"
    return f"与{base}持平"


def mean(values: Iterable[Decimal]) -> Decimal | None:
    """Arithmetic mean, or None for no values."""
    items = list(values)
    return sum(items, Decimal(0)) / len(items) if items else None
