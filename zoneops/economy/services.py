"""Writes of the economy app: entering values (all-or-nothing upsert), revisions, publication, import, indicators,
regions and peer sets.

The upsert rule: a row names a key (region, indicator, period) and carries the whole figure (value,
official growth, prior-year value); it replaces the stored figure, an omitted field meaning "empty".
A draft figure is simply overwritten. In a published (locked) period every change, and every new figure,
needs a reason and leaves a ValueRevision. Rows that change nothing are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from zoneops.audit.services import diff, record, snapshot
from zoneops.core import clock
from zoneops.core.errors import Conflict, DomainError, PermissionDenied
from zoneops.core.excel import Column, ImportFailed, RowError, read_rows, run_import
from zoneops.economy import actions
from zoneops.economy import permissions as perms
from zoneops.economy.computations import quantize
from zoneops.economy.models import (
    Indicator,
    IndicatorKind,
    PeerSet,
    Period,
    PeriodLock,
    Region,
    RegionKind,
    Value,
    ValueRevision,
    ValueStatus,
    parse_period_code,
    period_code,
    period_label,
)

MAX_ROWS = 5000
FIGURE_FIELDS = ("value", "growth_pct", "prior_value")


def require(actor, *codes: str) -> None:
    """Raise PermissionDenied unless `actor` holds one of the permissions."""
    if actor is None or not actor.is_authenticated or not any(actor.has_perm(code) for code in codes):
        raise PermissionDenied(_("You do not have permission to do this."))


@dataclass
class ValueInput:
    """One row to upsert; `row` is its number in the payload (1-based) or the Excel row."""

    row: int
    region: str
    indicator: str
    period: str
    value: Any = None
    growth_pct: Any = None
    prior_value: Any = None
    unit: str = ""
    reason: str = ""


@dataclass
class RowProblem:
    """A bad field in one row."""

    row: int
    field: str
    message: str


class RowsInvalid(DomainError):
    """Some rows are bad: nothing was written; each error is keyed "rows.<row>.<field>"."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        errors: dict[str, list[str]] = {}
        for p in problems:
            errors.setdefault(f"rows.{p.row}.{p.field}", []).append(p.message)
        first = problems[0]
        message = _("Row %(row)s, %(field)s: %(message)s") % {
            "row": first.row,
            "field": first.field,
            "message": first.message,
        }
        if len(problems) > 1:
            message += " " + _("(%(count)s errors in all; nothing was written)") % {"count": len(problems)}
        else:
            message += " " + _("(nothing was written)")
        super().__init__(message, errors=errors)
        self.field = f"rows.{first.row}.{first.field}"


@dataclass
class UpsertResult:
    """What an upsert did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    revised: int = 0
    values: list[Value] = field(default_factory=list)


def _decimal(raw: Any) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    if isinstance(raw, bool):
        raise InvalidOperation
    value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip().replace(",", ""))
    if not value.is_finite():
        raise InvalidOperation
    return value


def ensure_period(year: int, month_end: int) -> Period:
    """The Period row for a cumulative period, created on first use."""
    period, _created = Period.objects.get_or_create(
        year=year,
        month_end=month_end,
        defaults={"code": period_code(year, month_end), "label": period_label(month_end)},
    )
    return period


def is_locked(region: Region, period: Period | None) -> bool:
    """Whether the period is published for the region's city."""
    if period is None or period.pk is None:
        return False
    return PeriodLock.objects.filter(city=region.city, period=period).exists()


@dataclass
class _Clean:
    source: ValueInput
    region: Region
    indicator: Indicator
    year: int
    month_end: int
    figures: dict[str, Decimal | None]


def _validate(inputs: list[ValueInput]) -> tuple[list[_Clean], list[RowProblem]]:
    """Check every row (and the rows against each other) without writing."""
    problems: list[RowProblem] = []
    if not inputs:
        return [], [RowProblem(1, "rows", _("No rows were given."))]
    if len(inputs) > MAX_ROWS:
        return [], [RowProblem(MAX_ROWS + 1, "rows", _("At most %(n)s rows at once.") % {"n": MAX_ROWS})]
    regions = {r.code: r for r in Region.objects.select_related("parent").filter(code__in={i.region for i in inputs})}
    indicators = {i.code: i for i in Indicator.objects.filter(code__in={i.indicator for i in inputs})}
    today = clock.today()
    seen: dict[tuple[str, str, tuple[int, int]], int] = {}
    cleaned: list[_Clean] = []
    for item in inputs:
        bad = len(problems)
        region = regions.get(item.region)
        if region is None:
            problems.append(RowProblem(item.row, "region", _("Unknown region code %(code)r.") % {"code": item.region}))
        indicator = indicators.get(item.indicator)
        if indicator is None or not indicator.is_active:
            problems.append(
                RowProblem(item.row, "indicator", _("Unknown indicator code %(code)r.") % {"code": item.indicator})
            )
        try:
            year, month_end = parse_period_code(item.period)
        except DomainError as exc:
            problems.append(RowProblem(item.row, "period", exc.message))
            year = month_end = 0
        if year and (year, month_end) > (today.year, today.month):
            problems.append(RowProblem(item.row, "period", _("Values can only be entered for past periods.")))
        figures: dict[str, Decimal | None] = {}
        for name in FIGURE_FIELDS:
            try:
                figures[name] = _decimal(getattr(item, name))
            except (InvalidOperation, ValueError):
                problems.append(RowProblem(item.row, name, _("Not a number.")))
                figures[name] = None
                continue
            if figures[name] is not None:
                places = 2 if name == "growth_pct" else 4
                if abs(figures[name]) >= Decimal(10) ** (16 if places == 4 else 6):
                    problems.append(RowProblem(item.row, name, _("The number is out of range.")))
                    figures[name] = None
                else:
                    figures[name] = quantize(figures[name], places)
        if indicator is not None and indicator.is_active:
            if item.unit and item.unit.strip() != indicator.unit:
                problems.append(
                    RowProblem(
                        item.row,
                        "unit",
                        _("Unit %(given)s does not match the indicator's unit %(unit)s.")
                        % {"given": item.unit, "unit": indicator.unit},
                    )
                )
            problems.extend(_check_figures(item.row, indicator, figures))
        if year and region is not None and indicator is not None:
            key = (region.code, indicator.code, (year, month_end))
            if key in seen:
                problems.append(
                    RowProblem(
                        item.row,
                        "indicator",
                        _("Duplicate of row %(row)s (same region, indicator and period).") % {"row": seen[key]},
                    )
                )
            else:
                seen[key] = item.row
        if len(problems) == bad:
            cleaned.append(_Clean(item, region, indicator, year, month_end, figures))
    if not problems:
        problems.extend(_check_shares(cleaned))
    return cleaned, problems


def _check_figures(row: int, indicator: Indicator, figures: dict[str, Decimal | None]) -> list[RowProblem]:
    found = []
    value, growth, prior = figures["value"], figures["growth_pct"], figures["prior_value"]
    if indicator.is_computed_share:
        names = {"num": indicator.numerator.name, "den": indicator.denominator.name}
        return [RowProblem(row, "indicator", _("This share is computed from %(num)s / %(den)s; enter those.") % names)]
    if indicator.kind == IndicatorKind.RATE:
        if value is not None or prior is not None:
            found.append(RowProblem(row, "value", _("This indicator exists only as a rate: enter growth_pct only.")))
        if growth is None:
            found.append(RowProblem(row, "growth_pct", _("A rate-only indicator needs its growth rate.")))
    elif indicator.kind == IndicatorKind.SHARE:
        if value is None:
            found.append(RowProblem(row, "value", _("Enter the share in %.")))
        elif not Decimal(0) <= value <= Decimal(100):
            found.append(RowProblem(row, "value", _("A share must lie between 0 and 100%.")))
    else:
        if value is None and growth is None:
            found.append(RowProblem(row, "value", _("Enter the value, the growth rate, or both.")))
        if value is not None and value < 0:
            found.append(RowProblem(row, "value", _("A cumulative level cannot be negative.")))
        if prior is not None and prior < 0:
            found.append(RowProblem(row, "prior_value", _("A cumulative level cannot be negative.")))
    if growth is not None and growth <= Decimal(-100):
        found.append(RowProblem(row, "growth_pct", _("A growth rate must be above -100%.")))
    return found


def _check_shares(cleaned: list[_Clean]) -> list[RowProblem]:
    """A computed share above 100%: the numerator would exceed its denominator after this upsert."""
    shares = Indicator.objects.filter(
        kind=IndicatorKind.SHARE, numerator__isnull=False, denominator__isnull=False, is_active=True
    ).select_related("numerator", "denominator")
    if not shares:
        return []
    payload = {(c.region.pk, c.indicator.pk, c.year, c.month_end): c for c in cleaned}
    problems = []
    for share in shares:
        touched = {
            (c.region, c.year, c.month_end)
            for c in cleaned
            if c.indicator.pk in (share.numerator_id, share.denominator_id)
        }
        for region, year, month_end in touched:

            def figure(indicator_id: int, region=region, year=year, month_end=month_end):
                row = payload.get((region.pk, indicator_id, year, month_end))
                if row is not None:
                    return row.figures["value"], row.source.row
                stored = (
                    Value.objects.filter(
                        region=region, indicator_id=indicator_id, period__year=year, period__month_end=month_end
                    )
                    .values_list("value", flat=True)
                    .first()
                )
                return stored, None

            num, num_row = figure(share.numerator_id)
            den, den_row = figure(share.denominator_id)
            if num is not None and den is not None and num > den:
                problems.append(
                    RowProblem(
                        num_row or den_row,
                        "value",
                        _("%(share)s would be above 100%%: %(num)s exceeds %(den)s.")
                        % {"share": share.name, "num": share.numerator.name, "den": share.denominator.name},
                    )
                )
    return problems


def _upsert(actor, inputs: list[ValueInput], *, default_reason: str = "", audit_action: str) -> UpsertResult:
    cleaned, problems = _validate(inputs)
    if problems:
        raise RowsInvalid(problems)
    now = clock.now()
    periods: dict[tuple[int, int], Period] = {}
    stored = {
        (v.region_id, v.indicator_id, v.period.year, v.period.month_end): v
        for v in Value.objects.select_related("period").filter(
            region__in={c.region.pk for c in cleaned},
            indicator__in={c.indicator.pk for c in cleaned},
            period__year__in={c.year for c in cleaned},
            period__month_end__in={c.month_end for c in cleaned},
        )
    }
    existing_rows = {c.source.row: stored.get((c.region.pk, c.indicator.pk, c.year, c.month_end)) for c in cleaned}
    if any(v is not None for v in existing_rows.values()):
        require(actor, perms.CHANGE_VALUE)
    locks = set(PeriodLock.objects.values_list("city_id", "period__year", "period__month_end"))
    problems = []
    for c in cleaned:
        locked = (c.region.city.pk, c.year, c.month_end) in locks
        existing = existing_rows[c.source.row]
        changes = existing is None or any(getattr(existing, n) != c.figures[n] for n in FIGURE_FIELDS)
        if locked and changes and not (c.source.reason or default_reason).strip():
            problems.append(
                RowProblem(c.source.row, "reason", _("The period is published: give a reason for the revision."))
            )
    if problems:
        raise RowsInvalid(problems)
    result = UpsertResult()
    for c in cleaned:
        key = (c.year, c.month_end)
        if key not in periods:
            periods[key] = ensure_period(c.year, c.month_end)
        period = periods[key]
        locked = (c.region.city.pk, c.year, c.month_end) in locks
        reason = (c.source.reason or default_reason).strip()
        existing = existing_rows[c.source.row]
        if existing is not None and all(getattr(existing, n) == c.figures[n] for n in FIGURE_FIELDS):
            result.unchanged += 1
            result.values.append(existing)
            continue
        before = snapshot(existing, FIGURE_FIELDS) if existing is not None else dict.fromkeys(FIGURE_FIELDS)
        if existing is None:
            obj = Value(region=c.region, indicator=c.indicator, period=period)
            result.created += 1
        else:
            obj = existing
            result.updated += 1
        for name in FIGURE_FIELDS:
            setattr(obj, name, c.figures[name])
        obj.entered_by = actor
        obj.entered_at = now
        if locked:
            obj.status = ValueStatus.PUBLISHED
        obj.save()
        if locked or (existing is not None and existing.status == ValueStatus.PUBLISHED):
            ValueRevision.objects.create(
                value=obj,
                old_value=before["value"],
                new_value=obj.value,
                old_growth_pct=before["growth_pct"],
                new_growth_pct=obj.growth_pct,
                old_prior_value=before["prior_value"],
                new_prior_value=obj.prior_value,
                reason=reason,
                revised_by=actor,
                revised_at=now,
            )
            record(
                actor,
                actions.VALUE_REVISED,
                obj,
                changes=diff(before, snapshot(obj, FIGURE_FIELDS)),
                note=reason,
            )
            result.revised += 1
        result.values.append(obj)
    record(
        actor,
        audit_action,
        None,
        changes={"created": result.created, "updated": result.updated, "revised": result.revised},
        note="; ".join(f"{c.region.code}/{c.indicator.code}/{period_code(c.year, c.month_end)}" for c in cleaned)[
            :1000
        ],
        object_repr=_("%(count)s indicator values") % {"count": len(cleaned)},
    )
    return result


@transaction.atomic
def upsert_values(*, actor, rows: list[ValueInput], reason: str = "") -> UpsertResult:
    """Enter a list of figures, all or nothing (see the module docstring for the upsert rule)."""
    require(actor, perms.ADD_VALUE)
    return _upsert(actor, rows, default_reason=reason, audit_action=actions.VALUES_UPSERTED)


@transaction.atomic
def revise_value(
    *,
    actor,
    value: Value,
    new_value: Decimal | None,
    growth_pct: Decimal | None,
    prior_value: Decimal | None,
    reason: str,
) -> Value:
    """Change one figure with a stated reason (快报 → 年报); kept as a revision when the figure is published."""
    require(actor, perms.CHANGE_VALUE)
    if not (reason or "").strip():
        raise DomainError(_("Give a reason for the revision."), field="reason")
    row = ValueInput(
        row=1,
        region=value.region.code,
        indicator=value.indicator.code,
        period=value.period.code,
        value=new_value,
        growth_pct=growth_pct,
        prior_value=prior_value,
        reason=reason,
    )
    result = _upsert(actor, [row], audit_action=actions.VALUES_UPSERTED)
    return result.values[0]


@transaction.atomic
def publish_period(*, actor, city: Region, period: Period) -> PeriodLock:
    """Publish a period for the city and its regions: their figures lock; later changes need a reason."""
    require(actor, perms.PUBLISH_PERIOD)
    if city.kind != RegionKind.CITY:
        raise DomainError(_("Periods are published for a city."), field="city")
    if PeriodLock.objects.filter(city=city, period=period).exists():
        raise Conflict(_("%(period)s is already published.") % {"period": period})
    regions = Region.objects.filter(pk=city.pk) | Region.objects.filter(parent=city)
    values = Value.objects.filter(period=period, region__in=regions)
    if not values.exists():
        raise DomainError(_("The period has no figures to publish."), field="period")
    count = values.update(status=ValueStatus.PUBLISHED)
    lock = PeriodLock.objects.create(city=city, period=period, published_by=actor, published_at=clock.now())
    record(actor, actions.PERIOD_PUBLISHED, lock, changes={"values": count})
    return lock


IMPORT_COLUMNS = (
    Column("region", "地区代码", 14, required=True),
    Column("indicator", "指标代码", 16, required=True),
    Column("value", "本期累计值", 14),
    Column("growth_pct", "同比增长%", 12),
    Column("prior_value", "上年同期值", 14),
    Column("unit", "单位", 10),
)


@transaction.atomic
def import_values(*, actor, upload, period: str, reason: str = "") -> UpsertResult:
    """Import a whole period table from the Excel template, all or nothing, with every bad row listed."""
    require(actor, perms.ADD_VALUE)
    parse_period_code(period)
    rows = read_rows(upload, IMPORT_COLUMNS)

    def validate(number: int, record_: dict[str, Any]):
        item = ValueInput(
            row=number,
            region=str(record_["region"] or ""),
            indicator=str(record_["indicator"] or ""),
            period=period,
            value=record_["value"],
            growth_pct=record_["growth_pct"],
            prior_value=record_["prior_value"],
            unit=str(record_["unit"] or ""),
        )
        return item, []

    def commit(items: list[ValueInput]):
        try:
            return _upsert(actor, items, default_reason=reason, audit_action=actions.VALUES_IMPORTED)
        except RowsInvalid as exc:
            headers = {c.key: c.header for c in IMPORT_COLUMNS}
            headers["reason"] = _("Reason")
            raise ImportFailed(
                [RowError(p.row, headers.get(p.field, p.field), p.message) for p in exc.problems]
            ) from None

    return run_import(rows, validate=validate, commit=commit)


INDICATOR_FIELDS = (
    "name",
    "unit",
    "decimals",
    "kind",
    "numerator",
    "denominator",
    "share_base",
    "source_department",
    "higher_is_better",
    "rank_by",
    "sort_order",
    "is_active",
    "bulletin_name",
    "bulletin_template",
    "bulletin_order",
    "bulletin_attach",
)


def _check_indicator(indicator: Indicator) -> None:
    if indicator.decimals > 4:
        raise DomainError(_("At most 4 decimals."), field="decimals")
    if not indicator.name.strip():
        raise DomainError(_("Give the indicator a name."), field="name")
    if not indicator.unit.strip():
        raise DomainError(_("Give the indicator a unit."), field="unit")
    if indicator.kind == IndicatorKind.SHARE:
        if (indicator.numerator_id is None) != (indicator.denominator_id is None):
            raise DomainError(_("A share needs both a numerator and a denominator, or neither."), field="denominator")
        if indicator.numerator_id and indicator.numerator_id == indicator.denominator_id:
            raise DomainError(_("Numerator and denominator must differ."), field="denominator")
        if indicator.unit != "%":
            raise DomainError(_("A share is measured in %."), field="unit")
    elif indicator.numerator_id or indicator.denominator_id:
        raise DomainError(_("Only a share has a numerator and a denominator."), field="numerator")
    if indicator.bulletin_template:
        from zoneops.economy.bulletin import check_template

        check_template(indicator.bulletin_template)


@transaction.atomic
def create_indicator(*, actor, code: str, **fields: Any) -> Indicator:
    """Define a new indicator (administrators)."""
    require(actor, perms.MANAGE_INDICATOR)
    code = (code or "").strip()
    if not code:
        raise DomainError(_("Give the indicator a code."), field="code")
    if Indicator.objects.filter(code=code).exists():
        raise Conflict(_("An indicator with code %(code)s exists.") % {"code": code}, field="code")
    unknown = set(fields) - set(INDICATOR_FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    indicator = Indicator(code=code, **fields)
    _check_indicator(indicator)
    indicator.save()
    record(actor, actions.INDICATOR_CREATED, indicator, changes=snapshot(indicator, ("code",) + INDICATOR_FIELDS))
    return indicator


@transaction.atomic
def update_indicator(*, actor, indicator: Indicator, **fields: Any) -> Indicator:
    """Change an indicator's definition (administrators); its code is stable."""
    require(actor, perms.MANAGE_INDICATOR)
    unknown = set(fields) - set(INDICATOR_FIELDS)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    before = snapshot(indicator, INDICATOR_FIELDS)
    if "kind" in fields and fields["kind"] != indicator.kind and indicator.values.exists():
        raise DomainError(_("The kind cannot change once values exist."), field="kind")
    for name, value in fields.items():
        setattr(indicator, name, value)
    _check_indicator(indicator)
    indicator.save()
    record(actor, actions.INDICATOR_UPDATED, indicator, changes=diff(before, snapshot(indicator, INDICATOR_FIELDS)))
    return indicator


# --- regions and peer sets ---------------------------------------------------------------------------------------
# Defining regions and peer sets is part of the statistical model, like indicators: it reuses the permission
# economy.manage_indicator (declared in Indicator.Meta.permissions) rather than a permission of its own.

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
CODE_MAX = 40
NAME_MAX = 60
REGION_FIELDS = ("name", "kind", "parent", "sort_order")


def _check_code(code: str, what: str) -> str:
    code = (code or "").strip()
    if not code:
        raise DomainError(_("Give the %(what)s a code.") % {"what": what}, field="code")
    if len(code) > CODE_MAX or not CODE_RE.match(code):
        raise DomainError(
            _("A code has at most %(n)s letters, digits, '.', '_' or '-', starting with a letter or digit.")
            % {"n": CODE_MAX},
            field="code",
        )
    return code


def _check_name(name: str, what: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the %(what)s a name.") % {"what": what}, field="name")
    if len(name) > NAME_MAX:
        raise DomainError(_("A name has at most %(n)s characters.") % {"n": NAME_MAX}, field="name")
    return name


def _check_region(region: Region) -> None:
    region.name = _check_name(region.name, _("region"))
    if region.kind not in RegionKind.values:
        raise DomainError(_("Unknown region kind %(kind)r.") % {"kind": region.kind}, field="kind")
    if region.sort_order is None or region.sort_order < 0:
        raise DomainError(_("The sort order cannot be negative."), field="sort_order")
    parent = region.parent
    if region.kind == RegionKind.CITY:
        if parent is not None:
            raise DomainError(_("A city belongs to no other city."), field="parent")
        if region.pk and region.peer_sets.exists():
            raise DomainError(_("The region is a member of a peer set; a city cannot be one."), field="kind")
    else:
        if parent is not None and parent.kind != RegionKind.CITY:
            raise DomainError(_("The parent must be a region of kind city."), field="parent")
        if region.pk and (region.children.exists() or PeriodLock.objects.filter(city=region).exists()):
            raise DomainError(_("The city has regions or published periods; its kind cannot change."), field="kind")


def _region_snapshot(region: Region) -> dict[str, Any]:
    data = snapshot(region, REGION_FIELDS)
    data["parent"] = region.parent.code if region.parent else None
    return data


def _check_fields(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])


@transaction.atomic
def create_region(
    *, actor, code: str, name: str, kind: str, parent: Region | None = None, sort_order: int = 0
) -> Region:
    """Define a statistical region (permission economy.manage_indicator, shared with indicators).

    `parent` is the city a district, county or zone belongs to (a region of kind city); a city has none.
    """
    require(actor, perms.MANAGE_INDICATOR)
    code = _check_code(code, _("region"))
    if Region.objects.filter(code=code).exists():
        raise Conflict(_("A region with code %(code)s exists.") % {"code": code}, field="code")
    region = Region(code=code, name=name, kind=kind, parent=parent, sort_order=sort_order)
    _check_region(region)
    region.save()
    record(actor, actions.REGION_CREATED, region, changes={"code": code, **_region_snapshot(region)})
    return region


@transaction.atomic
def update_region(*, actor, region: Region, **fields: Any) -> Region:
    """Change a region's name, kind, city or sort order (permission economy.manage_indicator); its code is stable."""
    require(actor, perms.MANAGE_INDICATOR)
    if "code" in fields:
        if fields.pop("code") != region.code:
            raise DomainError(_("A region's code cannot change."), field="code")
    _check_fields(fields, REGION_FIELDS)
    region = Region.objects.select_for_update().get(pk=region.pk)
    before = _region_snapshot(region)
    for name, value in fields.items():
        setattr(region, name, value)
    _check_region(region)
    region.save()
    record(actor, actions.REGION_UPDATED, region, changes=diff(before, _region_snapshot(region)))
    return region


def _member_regions(codes: Any) -> list[Region]:
    if codes is None or isinstance(codes, str):
        raise DomainError(_("Give the member regions as a list of region codes."), field="regions")
    wanted = list(dict.fromkeys(str(c).strip() for c in codes))
    if not wanted:
        raise DomainError(_("A peer set needs at least one region."), field="regions")
    found = {r.code: r for r in Region.objects.filter(code__in=wanted)}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise DomainError(
            _("Unknown region code(s): %(codes)s.") % {"codes": ", ".join(unknown)},
            field="regions",
        )
    cities = [found[c].name for c in wanted if found[c].kind == RegionKind.CITY]
    if cities:
        raise DomainError(
            _("A city cannot be a member of a peer set: %(names)s.") % {"names": ", ".join(cities)},
            field="regions",
        )
    return [found[c] for c in wanted]


def _peer_set_snapshot(peer_set: PeerSet) -> dict[str, Any]:
    data = snapshot(peer_set, ("name",))
    data["regions"] = sorted(peer_set.regions.values_list("code", flat=True))
    return data


@transaction.atomic
def create_peer_set(*, actor, code: str, name: str, regions: list[str]) -> PeerSet:
    """Define a named set of regions ranked against each other (permission economy.manage_indicator).

    `regions` are member region codes; a city cannot be a member (its figure is the city average).
    """
    require(actor, perms.MANAGE_INDICATOR)
    code = _check_code(code, _("peer set"))
    if PeerSet.objects.filter(code=code).exists():
        raise Conflict(_("A peer set with code %(code)s exists.") % {"code": code}, field="code")
    name = _check_name(name, _("peer set"))
    members = _member_regions(regions)
    peer_set = PeerSet.objects.create(code=code, name=name)
    peer_set.regions.set(members)
    record(actor, actions.PEER_SET_CREATED, peer_set, changes={"code": code, **_peer_set_snapshot(peer_set)})
    return peer_set


@transaction.atomic
def update_peer_set(*, actor, peer_set: PeerSet, **fields: Any) -> PeerSet:
    """Rename a peer set or change its members (permission economy.manage_indicator); its code is stable."""
    require(actor, perms.MANAGE_INDICATOR)
    if "code" in fields:
        if fields.pop("code") != peer_set.code:
            raise DomainError(_("A peer set's code cannot change."), field="code")
    _check_fields(fields, ("name", "regions"))
    peer_set = PeerSet.objects.select_for_update().get(pk=peer_set.pk)
    before = _peer_set_snapshot(peer_set)
    members = _member_regions(fields["regions"]) if "regions" in fields else None
    if "name" in fields:
        peer_set.name = _check_name(fields["name"], _("peer set"))
        peer_set.save(update_fields=["name"])
    if members is not None:
        peer_set.regions.set(members)
    record(actor, actions.PEER_SET_UPDATED, peer_set, changes=diff(before, _peer_set_snapshot(peer_set)))
    return peer_set
