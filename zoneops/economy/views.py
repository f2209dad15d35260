"""Economy pages: period report with charts and bulletin, drill-down, entry grid, import, publication, revisions."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zoneops.audit.services import record
from zoneops.core.errors import DomainError
from zoneops.core.excel import Column, ImportFailed, export_workbook, template_workbook, xlsx_response
from zoneops.core.listing import paginate
from zoneops.economy import actions, charts, selectors, services
from zoneops.economy import computations as calc
from zoneops.economy import permissions as perms
from zoneops.economy.bulletin import bulletin_for
from zoneops.economy.forms import (
    EntryForm,
    ImportForm,
    IndicatorForm,
    PeerSetForm,
    RegionForm,
    ReviseForm,
    entry_field_name,
)
from zoneops.economy.models import (
    Indicator,
    IndicatorKind,
    PeerSet,
    Period,
    Region,
    RegionKind,
    Value,
    parse_period_code,
)


def needs(perm: str, *, hidden: bool = False) -> Callable:
    """Signed-in users only; without `perm` the page answers 404 when `hidden` (reads), else 403."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.has_perm(perm):
                if hidden:
                    raise Http404
                raise DjangoPermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _default_region() -> Region | None:
    return Region.objects.filter(kind=RegionKind.ZONE).order_by("sort_order", "code").first() or Region.objects.first()


def _pick(request: HttpRequest) -> tuple[Region | None, Period | None]:
    """The region and period of ?region=&period=, defaulting to the zone and its latest period."""
    code = request.GET.get("region")
    region = selectors.region_for_user_or_404(request.user, code) if code else _default_region()
    period = None
    if request.GET.get("period"):
        try:
            period = selectors.period_or_404(request.GET["period"])
        except DomainError as exc:
            raise Http404 from exc
    elif region is not None:
        period = selectors.latest_period(request.user, region)
    return region, period


def _pick_peer_set(request: HttpRequest) -> PeerSet | None:
    """The peer set of ?peer_set= (None: the default, every region of the city except the city); unknown = 404."""
    code = (request.GET.get("peer_set") or "").strip()
    return selectors.peer_set_for_user_or_404(request.user, code) if code else None


def _query(region: Region, period: Period, peer_set: PeerSet | None = None, **extra) -> str:
    params = {"region": region.code, "period": period.code}
    if peer_set is not None:
        params["peer_set"] = peer_set.code
    return urlencode({**params, **extra})


def _report_rows(report, region: Region, period: Period, peer_set: PeerSet | None = None) -> list[dict]:
    """Table rows with printable figures and the drill-down link of each."""
    rows = []
    link_query = {"region": region.code}
    if peer_set is not None:
        link_query["peer_set"] = peer_set.code
    for item in report.items:
        d = item.indicator.decimals
        is_share = item.indicator.kind == IndicatorKind.SHARE
        link = reverse("economy:points", args=[item.indicator.code, period.code]) + "?" + urlencode(link_query)
        rows.append(
            {
                "item": item,
                "value": calc.fixed(item.value, calc.PCT_DECIMALS if is_share else d),
                "official": calc.fixed(item.official_growth),
                "computed": calc.fixed(item.computed_growth.value),
                "flagged": bool(item.check and item.check.is_flagged),
                "diff": calc.fixed(item.check.diff_pp) if item.check else None,
                "city": calc.fixed(item.city_growth),
                "gap": calc.fixed(item.gap.value),
                "rank": f"{item.rank.rank}/{item.rank.of}" if item.rank and item.rank.rank else None,
                "share_change": calc.fixed(item.share_change.value),
                "growth_change": calc.fixed(item.growth_change.value),
                "completion": calc.fixed(item.progress.completion_pct) if item.progress else None,
                "elapsed": calc.fixed(item.progress.elapsed_pct) if item.progress else None,
                "link": link,
                "value_link": reverse("economy:value-detail", args=[item.stored.pk]) if item.stored else link,
                "chart_link": "?" + _query(region, period, peer_set, chart=item.indicator.code),
                "notes": item.notes,
                "value_note": item.notes.get("value") or item.notes.get("share_pct", ""),
            }
        )
    return rows


@needs(perms.VIEW_VALUE, hidden=True)
def report(request: HttpRequest) -> HttpResponse:
    """A region's period report: figures, official vs computed growth, gap, rank, share, charts and bulletin."""
    region, period = _pick(request)
    peer_set = _pick_peer_set(request)
    context: dict = {
        "regions": selectors.visible_regions(request.user),
        "periods": Period.objects.order_by("-year", "-month_end"),
        "peer_sets": selectors.peer_sets(request.user),
        "peer_set": peer_set,
        "peer_set_label": PeerSet._meta.verbose_name,
        "default_peer_label": selectors.DEFAULT_PEER_LABEL,
        "region": region,
        "period": period,
    }
    if region is None or period is None:
        return render(request, "economy/report.html", context)
    result = selectors.report_for(request.user, region, period, peer_set=peer_set)
    chart_items = [i for i in result.items if i.indicator.kind != IndicatorKind.RATE]
    chosen = next((i for i in chart_items if i.indicator.code == request.GET.get("chart")), None)
    chosen = chosen or (chart_items[0] if chart_items else None)
    context.update(
        {
            "report": result,
            "rows": _report_rows(result, region, period, peer_set),
            "bulletin": bulletin_for(result),
            "query": _query(region, period, peer_set),
            "can_publish": request.user.has_perm(perms.PUBLISH_PERIOD) and not result.is_published,
            "can_enter": request.user.has_perm(perms.ADD_VALUE),
            "breadth": result.breadth,
        }
    )
    if chosen is not None:
        history = selectors.series(request.user, region, chosen.indicator)
        context.update(
            {
                "chart_indicator": chosen.indicator,
                "ranking_option": charts.ranking_option(result, chosen),
                "ranking_links": {
                    p.name: reverse("economy:report") + "?" + _query(p, period, peer_set, chart=chosen.indicator.code)
                    for p in result.peers
                },
                "trend_option": charts.trend_option(history, chosen.indicator)
                if chosen.indicator.kind != IndicatorKind.SHARE
                else None,
                "yoy_option": charts.yoy_option(history, chosen.indicator, period.year)
                if chosen.indicator.kind != IndicatorKind.SHARE
                else None,
            }
        )
    return render(request, "economy/report.html", context)


def _number(text: str | None) -> Decimal | None:
    """Excel cells get numbers (rounded as printed), not text."""
    return Decimal(text) if text is not None else None


@needs(perms.VIEW_VALUE, hidden=True)
def report_export(request: HttpRequest) -> HttpResponse:
    """The period report as a formatted workbook."""
    region, period = _pick(request)
    peer_set = _pick_peer_set(request)
    if region is None or period is None:
        raise Http404
    result = selectors.report_for(request.user, region, period, peer_set=peer_set)
    columns = [
        Column("indicator", _("Indicator"), 22),
        Column("unit", _("Unit"), 8),
        Column("value", _("Cumulative value"), 14),
        Column("official", _("Official growth %"), 12),
        Column("computed", _("Computed growth %"), 12),
        Column("city", _("City growth %"), 12),
        Column("gap", _("Gap to the city (points)"), 14),
        Column("rank", _("Rank"), 8),
        Column("share_change", _("Share change (points)"), 14),
        Column("notes", _("Notes"), 40),
    ]
    rows = []
    for row in _report_rows(result, region, period, peer_set):
        item = row["item"]
        rows.append(
            [
                item.indicator.name,
                item.indicator.unit,
                _number(row["value"]),
                _number(row["official"]),
                _number(row["computed"]),
                _number(row["city"]),
                _number(row["gap"]),
                row["rank"],
                _number(row["share_change"]),
                "; ".join(str(v) for v in row["notes"].values()),
            ]
        )
    title = f"{region.name}{period.year}年{period.label}主要经济指标"
    if peer_set is not None:
        title += f"({peer_set.name})"
    workbook = export_workbook(
        title=title,
        columns=columns,
        rows=rows,
        unit=region.name,
        author=request.user.display_name,
        notes=bulletin_for(result).text,
    )
    record(request.user, actions.REPORT_EXPORTED, None, object_repr=title, changes={"rows": len(rows)})
    return xlsx_response(workbook, f"{title}.xlsx")


@needs(perms.VIEW_VALUE, hidden=True)
def points(request: HttpRequest, indicator: str, period: str) -> HttpResponse:
    """The stored values behind a report figure: every peer's row for the indicator (or a share's parts)."""
    indicator_obj = selectors.indicator_for_user_or_404(request.user, indicator)
    try:
        period_obj = selectors.period_or_404(period)
    except DomainError as exc:
        raise Http404 from exc
    region = (
        selectors.region_for_user_or_404(request.user, request.GET["region"])
        if request.GET.get("region")
        else _default_region()
    )
    if region is None:
        raise Http404
    peer_set = _pick_peer_set(request)
    result = selectors.report_for(request.user, region, period_obj, peer_set=peer_set)
    item = result.item(indicator_obj.code)
    names = {p.code: p.name for p in result.peers}
    ranking = [{"code": c, "name": names.get(c, c), "figure": v, "rank": r} for c, v, r in item.rank.order]
    return render(
        request,
        "economy/points.html",
        {
            "indicator": indicator_obj,
            "period": period_obj,
            "region": region,
            "item": item,
            "ranking": ranking,
            "missing": [names.get(c, c) for c in item.rank.missing],
            "values": selectors.data_points(request.user, indicator_obj, period_obj, region, peers=result.peers),
            "report_query": _query(region, period_obj, peer_set),
            "peer_label": result.peer_label,
        },
    )


@needs(perms.VIEW_VALUE, hidden=True)
def value_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One stored figure, its revision history and (for clerks) the revise form."""
    value = get_object_or_404(selectors.visible_values(request.user), pk=pk)
    can_revise = request.user.has_perm(perms.CHANGE_VALUE)
    form = ReviseForm(
        request.POST or None,
        initial={"value": value.value, "growth_pct": value.growth_pct, "prior_value": value.prior_value},
    )
    if request.method == "POST":
        if not can_revise:
            raise DjangoPermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.revise_value(
                    actor=request.user,
                    value=value,
                    new_value=data["value"],
                    growth_pct=data["growth_pct"],
                    prior_value=data["prior_value"],
                    reason=data["reason"],
                )
            except DomainError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("The figure was revised."))
                return redirect("economy:value-detail", pk=value.pk)
    return render(
        request,
        "economy/value_detail.html",
        {
            "value": value,
            "revisions": value.revisions.select_related("revised_by"),
            "form": form,
            "can_revise": can_revise,
            "is_published": selectors.is_published(value.region, value.period),
        },
    )


def _form_errors(form, exc: DomainError) -> None:
    """Put a domain error on the form: per-row errors on their grid fields, the rest on top."""
    problems = getattr(exc, "problems", None)
    if problems is None:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, exc.message)
        return
    for problem in problems:
        if problem.field in form.fields:
            form.add_error(problem.field, problem.message)
        else:
            form.add_error(
                None,
                _("Row %(row)s, %(field)s: %(message)s")
                % {"row": problem.row, "field": problem.field, "message": problem.message},
            )


def _enterable(indicator: Indicator) -> bool:
    return indicator.is_active and not indicator.is_computed_share


@needs(perms.ADD_VALUE)
def entry(request: HttpRequest) -> HttpResponse:
    """The statistics office's grid for one region and period (a new period code creates the period)."""
    regions = list(Region.objects.all())
    region_code = request.GET.get("region") or (_default_region().code if _default_region() else "")
    region = next((r for r in regions if r.code == region_code), None)
    period_text = (request.GET.get("period") or "").strip()
    period = None
    period_error = ""
    if period_text:
        try:
            year, month_end = parse_period_code(period_text)
            period = Period.objects.filter(year=year, month_end=month_end).first()
            period_text = f"{year:04d}-{month_end:02d}"
        except DomainError as exc:
            period_error = exc.message
            period_text = ""
    indicators = [i for i in Indicator.objects.select_related("numerator", "denominator") if _enterable(i)]
    stored = {}
    if region is not None and period is not None:
        stored = {v.indicator_id: v for v in Value.objects.filter(region=region, period=period)}
    initial = {}
    for indicator in indicators:
        value = stored.get(indicator.pk)
        if value is not None:
            for figure in ("value", "growth_pct", "prior_value"):
                number = getattr(value, figure)
                initial[entry_field_name(indicator, figure)] = calc.fmt(number, 4) if number is not None else ""
    form = EntryForm(request.POST or None, initial=initial, indicators=indicators)
    ready = region is not None and bool(period_text)
    if request.method == "POST" and ready and form.is_valid():
        rows, by_row = [], {}
        for indicator in indicators:
            figures = {
                f: form.cleaned_data[entry_field_name(indicator, f)] for f in ("value", "growth_pct", "prior_value")
            }
            if not any(figures.values()) and indicator.pk not in stored:
                continue
            row = len(rows) + 1
            by_row[row] = indicator
            rows.append(
                services.ValueInput(
                    row=row, region=region.code, indicator=indicator.code, period=period_text, **figures
                )
            )
        if not rows:
            form.add_error(None, _("Nothing to save: fill in at least one figure."))
        else:
            try:
                result = services.upsert_values(actor=request.user, rows=rows, reason=form.cleaned_data["reason"])
            except services.RowsInvalid as exc:
                for problem in exc.problems:
                    indicator = by_row.get(problem.row)
                    if indicator is not None and problem.field in ("value", "growth_pct", "prior_value"):
                        form.add_error(entry_field_name(indicator, problem.field), problem.message)
                    elif problem.field == "reason":
                        form.add_error("reason", problem.message)
                    else:
                        label = indicator.name if indicator else problem.row
                        form.add_error(None, f"{label}: {problem.message}")
            except DomainError as exc:
                _form_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Saved: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
                    % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
                )
                return redirect(
                    reverse("economy:entry") + "?" + urlencode({"region": region.code, "period": period_text})
                )
    return render(
        request,
        "economy/entry.html",
        {
            "regions": regions,
            "region": region,
            "period_text": period_text,
            "period_error": period_error,
            "period": period,
            "form": form,
            "ready": ready,
            "is_published": bool(region and period and selectors.is_published(region, period)),
        },
    )


@needs(perms.ADD_VALUE)
def import_values(request: HttpRequest) -> HttpResponse:
    """Import a whole period table from the Excel template (all or nothing)."""
    form = ImportForm(request.POST or None, request.FILES or None, initial={"period": request.GET.get("period", "")})
    row_errors: list = []
    if request.method == "POST" and form.is_valid():
        try:
            result = services.import_values(
                actor=request.user,
                upload=form.cleaned_data["file"],
                period=form.cleaned_data["period"],
                reason=form.cleaned_data["reason"],
            )
        except ImportFailed as exc:
            row_errors = exc.row_errors
            form.add_error(None, exc.message)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Imported: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
                % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
            )
            return redirect(reverse("economy:report") + "?" + urlencode({"period": form.cleaned_data["period"]}))
    return render(request, "economy/import.html", {"form": form, "row_errors": row_errors})


@needs(perms.ADD_VALUE)
def import_template(request: HttpRequest) -> HttpResponse:
    """下载模板: the period table's columns with region and indicator codes as dropdowns."""
    columns = list(services.IMPORT_COLUMNS)
    codes = tuple(Region.objects.values_list("code", flat=True))
    indicator_codes = tuple(i.code for i in Indicator.objects.all() if _enterable(i))
    columns[0] = Column(columns[0].key, columns[0].header, columns[0].width, True, codes)
    columns[1] = Column(columns[1].key, columns[1].header, columns[1].width, True, indicator_codes)
    example = None
    if codes and indicator_codes:
        example = (codes[0], indicator_codes[0], None, None, None, None)
    workbook = template_workbook(title=_("Indicator values"), columns=columns, example=example)
    return xlsx_response(workbook, "economy-values-template.xlsx")


@require_POST
@needs(perms.PUBLISH_PERIOD)
def publish(request: HttpRequest) -> HttpResponse:
    """Publish the period for the region's city."""
    region = get_object_or_404(Region, code=request.POST.get("region", ""))
    try:
        period = selectors.period_or_404(request.POST.get("period", ""))
        services.publish_period(actor=request.user, city=region.city, period=period)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(period)s is published; later changes need a reason.") % {"period": period})
    return redirect(
        reverse("economy:report") + "?" + urlencode({"region": region.code, "period": request.POST.get("period", "")})
    )


@needs(perms.VIEW_VALUE, hidden=True)
def revisions(request: HttpRequest) -> HttpResponse:
    """Every revision of a published figure, newest first."""
    queryset = selectors.revisions(request.user)
    region_code = request.GET.get("region")
    if region_code:
        queryset = queryset.filter(value__region__code=region_code)
    listing = paginate(request, queryset)
    return render(
        request,
        "economy/revisions.html",
        {"listing": listing, "regions": Region.objects.all(), "region_code": region_code or ""},
    )


@needs(perms.VIEW_VALUE, hidden=True)
def indicators(request: HttpRequest) -> HttpResponse:
    """The indicator definitions (edited by administrators through the API)."""
    return render(
        request,
        "economy/indicators.html",
        {
            "indicators": selectors.visible_indicators(request.user),
            "can_manage": request.user.has_perm(perms.MANAGE_INDICATOR),
        },
    )


@needs(perms.MANAGE_INDICATOR)
def indicator_form(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Create or edit an indicator (administrators)."""
    indicator = get_object_or_404(Indicator, code=code) if code else None
    initial = {}
    if indicator is not None:
        initial = {name: getattr(indicator, name) for name in services.INDICATOR_FIELDS}
        initial.update(
            code=indicator.code,
            numerator=indicator.numerator.code if indicator.numerator else None,
            denominator=indicator.denominator.code if indicator.denominator else None,
        )
    form = IndicatorForm(request.POST or None, initial=initial, indicator=indicator)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        code_value = data.pop("code")
        try:
            if indicator is None:
                indicator = services.create_indicator(actor=request.user, code=code_value, **data)
            else:
                indicator = services.update_indicator(actor=request.user, indicator=indicator, **data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Indicator %(name)s saved.") % {"name": indicator.name})
            return redirect("economy:indicators")
    return render(request, "economy/indicator_form.html", {"form": form, "indicator": indicator})


@needs(perms.MANAGE_INDICATOR)
def regions(request: HttpRequest) -> HttpResponse:
    """Regions and named peer sets (administrators: economy.manage_indicator, shared with indicators)."""
    return render(
        request,
        "economy/regions.html",
        {
            "regions": Region.objects.select_related("parent").order_by("sort_order", "code"),
            "peer_sets": PeerSet.objects.prefetch_related("regions").order_by("code"),
        },
    )


@needs(perms.MANAGE_INDICATOR)
def region_form(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Create or edit a region (administrators)."""
    region = get_object_or_404(Region.objects.select_related("parent"), code=code) if code else None
    initial = {}
    if region is not None:
        initial = {
            "code": region.code,
            "name": region.name,
            "kind": region.kind,
            "parent": region.parent.code if region.parent else None,
            "sort_order": region.sort_order,
        }
    form = RegionForm(request.POST or None, initial=initial, region=region)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        code_value = data.pop("code")
        try:
            if region is None:
                region = services.create_region(actor=request.user, code=code_value, **data)
            else:
                region = services.update_region(actor=request.user, region=region, **data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Region %(name)s saved.") % {"name": region.name})
            return redirect("economy:regions")
    return render(
        request,
        "economy/definition_form.html",
        {
            "form": form,
            "title": _("Edit region") if region else _("New region"),
            "crumb": region.name if region else _("New"),
        },
    )


@needs(perms.MANAGE_INDICATOR)
def peer_set_form(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Create or edit a named peer set (administrators)."""
    peer_set = get_object_or_404(PeerSet, code=code) if code else None
    initial = {}
    if peer_set is not None:
        initial = {
            "code": peer_set.code,
            "name": peer_set.name,
            "regions": list(peer_set.regions.values_list("code", flat=True)),
        }
    form = PeerSetForm(request.POST or None, initial=initial, peer_set=peer_set)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        code_value = data.pop("code")
        data["regions"] = [r.code for r in data["regions"]]
        try:
            if peer_set is None:
                peer_set = services.create_peer_set(actor=request.user, code=code_value, **data)
            else:
                peer_set = services.update_peer_set(actor=request.user, peer_set=peer_set, **data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Peer set %(name)s saved.") % {"name": peer_set.name})
            return redirect("economy:regions")
    return render(
        request,
        "economy/definition_form.html",
        {
            "form": form,
            "title": _("Edit peer set") if peer_set else _("New peer set"),
            "crumb": peer_set.name if peer_set else _("New"),
        },
    )


def home_card_context(user) -> dict:
    """The zone's latest bulletin for the home card."""
    region = _default_region()
    if region is None:
        return {"bulletin": None}
    period = selectors.latest_period(user, region)
    if period is None:
        return {"bulletin": None, "region": region}
    result = selectors.report_for(user, region, period)
    return {
        "bulletin": bulletin_for(result),
        "region": region,
        "period": period,
        "url": reverse("economy:report") + "?" + _query(region, period),
    }
