"""The bulletin sentence (一季度,地区生产总值增幅全市第一;…) generated from a report and per-indicator phrases.

Each indicator in the bulletin carries a phrase template (Indicator.bulletin_template) with these fields:
{name} {value} {unit} {growth} {growth_phrase} {gap_phrase} {rank_phrase} {share} {share_change_phrase}.
Phrases are ordered by bulletin_order and joined with ";" (or "," when bulletin_attach); the sentence starts
with the period's label (一季度 / 上半年 / 1—N月) and a comma. A phrase whose figures are missing is left
out and reported in `omitted`, so the bulletin never prints "—" or a made-up 0.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from zoneops.core.errors import DomainError
from zoneops.economy import computations as calc
from zoneops.economy.selectors import Report, ReportItem

FIELDS = (
    "name",
    "value",
    "unit",
    "growth",
    "growth_phrase",
    "gap_phrase",
    "rank_phrase",
    "share",
    "share_change_phrase",
)


def check_template(template: str) -> None:
    """Raise DomainError when a phrase template is malformed or uses an unknown field."""
    try:
        parsed = [(name, spec, conv) for _t, name, spec, conv in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise DomainError(
            _("The bulletin phrase is malformed: %(error)s") % {"error": exc}, field="bulletin_template"
        ) from None
    # Plain {field} only: no attribute access, index, conversion or format spec.
    unknown = [name or "" for name, spec, conv in parsed if name not in FIELDS or spec or conv]
    if unknown:
        raise DomainError(
            _("Unknown field {%(name)s} in the bulletin phrase; use %(fields)s.")
            % {"name": unknown[0], "fields": ", ".join(f"{{{f}}}" for f in FIELDS)},
            field="bulletin_template",
        )


def phrase_fields(item: ReportItem, *, peer_label: str) -> dict[str, str]:
    """The printable figures of one report row; an empty string where the figure is missing."""
    indicator = item.indicator
    rank = item.rank.rank if item.rank else None
    return {
        "name": indicator.bulletin_name or indicator.name,
        "value": calc.fmt(item.value, indicator.decimals) if item.value is not None else "",
        "unit": indicator.unit,
        "growth": calc.fmt(item.growth) if item.growth is not None else "",
        "growth_phrase": calc.growth_phrase(item.growth),
        "gap_phrase": calc.gap_phrase(item.gap.value),
        "rank_phrase": f"{peer_label}{calc.chinese_ordinal(rank)}" if rank else "",
        "share": calc.fmt(item.share.value) if item.share.ok else "",
        "share_change_phrase": calc.change_phrase(item.share_change.value, base=item.share_base_label),
    }


@dataclass
class Bulletin:
    """The generated sentence and the phrases left out for lack of figures."""

    text: str
    omitted: list[str] = field(default_factory=list)


def bulletin_for(report: Report) -> Bulletin:
    """The bulletin sentence of a region's period report."""
    items = sorted(
        (i for i in report.items if i.indicator.bulletin_template and i.indicator.bulletin_order),
        key=lambda i: i.indicator.bulletin_order,
    )
    parts: list[tuple[bool, str]] = []
    omitted = []
    for item in items:
        template = item.indicator.bulletin_template
        values = phrase_fields(item, peer_label=report.peer_label)
        used = [name for _t, name, _f, _c in string.Formatter().parse(template) if name]
        if any(values.get(name, "") == "" for name in used):
            omitted.append(item.indicator.name)
            continue
        parts.append((item.indicator.bulletin_attach, template.format(**values)))
    if not parts:
        return Bulletin("", omitted)
    text = parts[0][1]
    for attach, phrase in parts[1:]:
        text += ("," if attach else ";") + phrase
    return Bulletin(f"{report.period.label},{text}", omitted)
