"""Investment pages: project list / detail / forms / actions, negotiation week, statistics, weekly report, staff."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zoneops.accounts.scoping import grants_for
from zoneops.audit.services import record
from zoneops.core import clock
from zoneops.core.errors import DomainError, OutOfScope
from zoneops.core.errors import PermissionDenied as DomainPermissionDenied
from zoneops.core.excel import Column, ImportFailed, export_workbook, read_rows, template_workbook, xlsx_response
from zoneops.core.listing import apply_sort, is_partial, paginate
from zoneops.investment import actions, selectors, services, stats
from zoneops.investment import permissions as perms
from zoneops.investment.choices import SIGNED_STAGES, STAGE_TRANSITIONS, Basis, Stage, Status
from zoneops.investment.forms import (
    AdvanceForm,
    AttachmentForm,
    BucketForm,
    FxRateForm,
    ImportForm,
    IndustryForm,
    NegotiationForm,
    ProjectFilterForm,
    ProjectForm,
    StaffNoteForm,
    StatsForm,
    StatusForm,
    TrainingForm,
    VerifyForm,
)

NULLABLE_SORTS = ("signed_on", "last_progress_at")
SORTABLE = ("name", "investor_name", "total_investment_cny", "signed_on", "stage", "last_progress_at", "unit__code")


def _form_errors(form, exc: DomainError) -> None:
    """Show a domain error on the field it names, or on the form."""
    if not exc.errors:
        form.add_error(None, exc.message)
        return
    for field, texts in exc.errors.items():
        name = "investor" if field == "investor" else field
        form.add_error(name if name in form.fields else None, list(texts))


def _units(user, perm: str):
    """Investment units the user may work in for `perm` (all investment units and bureaus for an all-scope grant)."""
    from zoneops.accounts.models import Department, DepartmentKind

    grant = grants_for(user, perm)
    queryset = Department.objects.filter(kind=DepartmentKind.INVESTMENT_UNIT, is_active=True)
    if not grant.all:
        queryset = queryset.filter(pk__in=grant.department_ids)
    return list(queryset.order_by("code"))


def _decimal_or_blank(value) -> str:
    return "" if value is None else str(value)


def export_columns() -> list[Column]:
    """Columns of the project export (built per request, in the user's language)."""
    return [
        Column("name", _("Project"), 36),
        Column("investor", _("Investor"), 28),
        Column("unit", _("Investment unit"), 14),
        Column("industry", _("Industry"), 14),
        Column("foreign", _("Foreign"), 8),
        Column("currency", _("Currency"), 8),
        Column("total", _("Total investment"), 18),
        Column("rate", _("Rate"), 10),
        Column("yi", _("Total (亿元)"), 12),
        Column("stage", _("Stage"), 10),
        Column("status", _("Status"), 10),
        Column("signed_on", _("Signed on"), 12),
        Column("verified", _("Verified"), 8),
        Column("next_step", _("Next step"), 24),
    ]


def _export_rows(projects):
    for p in projects:
        yield [
            p.name,
            p.investor_name,
            p.unit.name,
            p.industry.name,
            _("Yes") if p.is_foreign else _("No"),
            p.currency.code,
            p.total_investment,
            p.fx_rate,
            stats.to_yi(p.total_investment_cny),
            p.get_stage_display(),
            p.get_status_display(),
            p.signed_on.isoformat() if p.signed_on else "",
            _("Yes") if p.is_verified else _("No"),
            p.next_step,
        ]


@login_required
@permission_required(perms.VIEW_PROJECT, raise_exception=True)
def project_list(request):
    """Projects: search form, toolbar (new / import / export), table with stale flags, pagination."""
    user = request.user
    form = ProjectFilterForm(request.GET or None, units=_units(user, perms.VIEW_PROJECT))
    params = request.GET.dict()
    queryset = selectors.filter_projects(selectors.visible_projects(user), params)
    queryset, sort = apply_sort(request, queryset, SORTABLE, "-signed_on")
    if sort.lstrip("-") in NULLABLE_SORTS:
        # NULLs count as the smallest value on both databases (PostgreSQL would put them first when descending).
        field = F(sort.lstrip("-"))
        descending = sort.startswith("-")
        queryset = queryset.order_by(
            field.desc(nulls_last=True) if descending else field.asc(nulls_first=True), "-pk" if descending else "pk"
        )
    if request.GET.get("export") == "xlsx":
        rows = list(queryset)
        workbook = export_workbook(
            title=_("Investment projects"),
            columns=export_columns(),
            rows=_export_rows(rows),
            unit=user.department.name if user.department else "",
            author=user.display_name,
            notes=_("Amounts in the project's currency; 亿元 at each project's stored exchange rate."),
        )
        record(user, actions.PROJECTS_EXPORTED, None, note=f"{len(rows)} rows; {request.GET.urlencode()}")
        return xlsx_response(workbook, "investment-projects.xlsx")
    listing = paginate(request, queryset, sort=sort)
    cutoff = selectors.stale_cutoff()
    rows = [
        {
            "project": p,
            "total_yi": stats.to_yi(p.total_investment_cny),
            "is_stale": p.is_open and (p.last_progress_at is None or p.last_progress_at < cutoff),
        }
        for p in listing.rows
    ]
    export_query = request.GET.copy()
    export_query["export"] = "xlsx"
    context = {
        "form": form,
        "listing": listing,
        "rows": rows,
        "stale_days": selectors.stale_days(),
        "can_add": user.has_perm(perms.ADD_PROJECT),
        "export_query": export_query.urlencode(),
        "ids_filter": bool(request.GET.get("ids")),
    }
    template = "investment/project_list.html#table" if is_partial(request) else "investment/project_list.html"
    return render(request, template, context)


@login_required
@permission_required(perms.VIEW_PROJECT, raise_exception=True)
def project_detail(request, pk: int):
    """One project: facts, capacity, stage history, negotiations by round, verification, audit history, actions."""
    from zoneops.audit.selectors import history_of

    project = selectors.project_for_user_or_404(request.user, pk)
    user = request.user
    can_change = _in_scope(user, perms.CHANGE_PROJECT, project)
    context = {
        "project": project,
        "total_yi": stats.to_yi(project.total_investment_cny),
        "is_stale": selectors.is_stale(project),
        "capacity_lines": project.capacity_lines.all(),
        "stage_changes": [
            {"change": c, "from": _label(c.field, c.from_value), "to": _label(c.field, c.to_value)}
            for c in project.stage_changes.select_related("actor")
        ],
        "negotiations": project.negotiations.prefetch_related("our_participants"),
        "rounds_before_signing": selectors.rounds_before_signing(project) if project.signed_on else None,
        "history": history_of(project)[:50],
        "can_change": can_change,
        "can_negotiate": _in_scope(user, perms.ADD_NEGOTIATION, project),
        "can_verify": (
            user.has_perm(perms.VERIFY_PROJECT)
            and project.owner_id != user.pk
            and project.stage in SIGNED_STAGES
            and not project.is_verified
        ),
        "next_stages": [Stage(s) for s in sorted(STAGE_TRANSITIONS[project.stage], key=list(Stage.values).index)],
        "advance_form": AdvanceForm(),
        "status_form": StatusForm(initial={"status": project.status}),
        "verify_form": VerifyForm(),
        "negotiation_form": NegotiationForm(),
        "attachments": project.attachments.select_related("uploaded_by", "negotiation"),
        "attachment_form": AttachmentForm(negotiations=project.negotiations.all()),
        "can_attach": can_change or user.has_perm(perms.ADD_NEGOTIATION) or user.has_perm(perms.VERIFY_PROJECT),
    }
    return render(request, "investment/project_detail.html", context)


def _label(field: str, value: str) -> str:
    """The display label of a stage or status value (or of reaching full production)."""
    if field == "production":
        return str(_("Full production (达产)")) if value == "full" else "—"
    choices = Stage if field == "stage" else Status
    return str(choices(value).label) if value in choices.values else (value or "—")


def _in_scope(user, perm: str, project) -> bool:
    """Whether `user` may use `perm` on this project."""
    return user.has_perm(perm) and selectors.visible_projects(user, perm).filter(pk=project.pk).exists()


def _approver(form: ProjectForm):
    """The user named as approver of a project outside the leading industries."""
    from zoneops.accounts.models import User

    username = (form.cleaned_data.get("outside_leading_approver") or "").strip()
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise DomainError(_("Unknown user “%(name)s”.") % {"name": username}, field="outside_leading_approver")
    return user


def _project_values(form: ProjectForm) -> dict:
    data = form.cleaned_data
    values = {
        "name": data["name"],
        "industry": data["industry"],
        "outside_leading_reason": data["outside_leading_reason"],
        "source": data["source"],
        "assignment_level": data["assignment_level"],
        "construction_type": data["construction_type"],
        "is_foreign": data["is_foreign"],
        "currency": data["currency"],
        "total_investment": data["total_investment"],
        "registered_capital": data["registered_capital"] or None,
        "foreign_capital": data["foreign_capital"] or None,
        "contract_amount": data["contract_amount"] or None,
        "next_step": data["next_step"],
        "next_step_on": data["next_step_on"],
        "expected_output": data["expected_output"] or None,
        "expected_tax": data["expected_tax"] or None,
        "land_mu": data["land_mu"] or None,
        "jobs": data["jobs"],
        "description": data["description"],
    }
    return values


@login_required
@permission_required(perms.ADD_PROJECT, raise_exception=True)
def project_create(request):
    """New project form."""
    units = _units(request.user, perms.ADD_PROJECT)
    form = ProjectForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        unit = next(u for u in units if str(u.pk) == form.cleaned_data["unit"])
        values = _project_values(form)
        try:
            project = services.create_project(
                actor=request.user,
                unit=unit,
                investor=form.cleaned_data["investor"],
                stage=form.cleaned_data["stage"],
                signed_on=form.cleaned_data["signed_on"],
                outside_leading_approver=_approver(form),
                **values,
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Project created."))
            return redirect("investment:project-detail", pk=project.pk)
    return render(request, "investment/project_form.html", {"form": form, "project": None})


@login_required
@permission_required(perms.CHANGE_PROJECT, raise_exception=True)
def project_edit(request, pk: int):
    """Edit a project's facts."""
    project = selectors.project_for_user_or_404(request.user, pk, perms.CHANGE_PROJECT)
    initial = {
        "name": project.name,
        "investor": project.investor_name,
        "industry": project.industry.code,
        "outside_leading_reason": project.outside_leading_reason,
        "outside_leading_approver": project.outside_leading_approver.username
        if project.outside_leading_approver
        else "",
        "source": project.source,
        "assignment_level": project.assignment_level,
        "construction_type": project.construction_type,
        "is_foreign": project.is_foreign,
        "currency": project.currency.code,
        "total_investment": project.total_investment,
        "registered_capital": _decimal_or_blank(project.registered_capital),
        "foreign_capital": _decimal_or_blank(project.foreign_capital),
        "signed_on": project.signed_on,
        "contract_amount": _decimal_or_blank(project.contract_amount),
        "next_step": project.next_step,
        "next_step_on": project.next_step_on,
        "expected_output": _decimal_or_blank(project.expected_output),
        "expected_tax": _decimal_or_blank(project.expected_tax),
        "land_mu": _decimal_or_blank(project.land_mu),
        "jobs": project.jobs,
        "description": project.description,
    }
    form = ProjectForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        values = _project_values(form)
        values["investor_name"] = form.cleaned_data["investor"]
        if project.stage in SIGNED_STAGES:
            values["signed_on"] = form.cleaned_data["signed_on"]
        else:
            values.pop("contract_amount", None)
        if "outside_leading_approver" in form.changed_data:
            try:
                values["outside_leading_approver"] = _approver(form)
            except DomainError as exc:
                _form_errors(form, exc)
                return render(request, "investment/project_form.html", {"form": form, "project": project})
        changes = {k: v for k, v in values.items() if k in form.changed_data or k in ("investor_name",)}
        if "investor" in form.changed_data:
            changes["investor_name"] = values["investor_name"]
        else:
            changes.pop("investor_name", None)
        try:
            services.update_project(actor=request.user, project=project, changes=changes)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Project saved."))
            return redirect("investment:project-detail", pk=project.pk)
    return render(request, "investment/project_form.html", {"form": form, "project": project})


@login_required
@require_POST
def project_action(request, pk: int, action: str):
    """Stage, status and verification actions from the detail page."""
    perm = perms.VERIFY_PROJECT if action == "verify" else perms.CHANGE_PROJECT
    if not request.user.has_perm(perm):
        raise DjangoPermissionDenied
    project = selectors.project_for_user_or_404(request.user, pk, perm)
    forms = {"advance": AdvanceForm, "set-status": StatusForm, "verify": VerifyForm}
    if action == "full-production":
        try:
            services.mark_full_production(actor=request.user, project=project)
        except OutOfScope as exc:
            raise Http404 from exc
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Done."))
        return redirect("investment:project-detail", pk=pk)
    if action not in forms:
        raise Http404
    form = forms[action](request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return redirect("investment:project-detail", pk=pk)
    data = form.cleaned_data
    try:
        if action == "advance":
            services.advance_stage(
                actor=request.user,
                project=project,
                to=data["to"],
                on=data["on"],
                signed_on=data["signed_on"],
                contract_amount=data["contract_amount"] or None,
                note=data["note"],
                next_step=data["next_step"] or None,
                next_step_on=data["next_step_on"],
            )
        elif action == "set-status":
            services.set_status(
                actor=request.user,
                project=project,
                status=data["status"],
                reason=data["reason"],
                next_step=data["next_step"] or None,
                next_step_on=data["next_step_on"],
            )
        else:
            services.verify_project(actor=request.user, project=project, evidence=data["evidence"])
    except DomainPermissionDenied as exc:
        messages.error(request, exc.message)
    except OutOfScope as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.message if not exc.field else f"{exc.field}: {exc.message}")
    else:
        messages.success(request, _("Done."))
    return redirect("investment:project-detail", pk=pk)


@login_required
@require_POST
@permission_required(perms.ADD_NEGOTIATION, raise_exception=True)
def negotiation_create(request, pk: int):
    """Record a round of talks from the project page."""
    project = selectors.project_for_user_or_404(request.user, pk, perms.ADD_NEGOTIATION)
    form = NegotiationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_negotiation(
                actor=request.user,
                project=project,
                at=data["at"],
                channel=data["channel"],
                summary=data["summary"],
                our_participants=[request.user],
                leaders_present=data["leaders_present"],
                their_participants=data["their_participants"],
                issues=data["issues"],
                next_step=data["next_step"],
                next_step_on=data["next_step_on"],
            )
        except DomainError as exc:
            messages.error(request, f"{exc.field or ''} {exc.message}".strip())
        else:
            messages.success(request, _("Negotiation recorded."))
    else:
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect(reverse("investment:project-detail", args=[pk]) + "#negotiations")


def _day(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


@login_required
@permission_required(perms.VIEW_NEGOTIATION, raise_exception=True)
def negotiation_week(request):
    """Monday–Friday of a week: each unit's negotiations by day."""
    day = _day(request.GET.get("week"), clock.today())
    unit_id = request.GET.get("unit")
    unit_pk = int(unit_id) if unit_id and unit_id.isdigit() else None
    view = selectors.week_view(request.user, day, unit_pk)
    monday = view["monday"]
    if request.GET.get("export") == "xlsx":
        return _negotiations_workbook(
            request, selectors.negotiations_between(request.user, monday, view["friday"], unit_pk), view
        )
    context = {
        **view,
        "units_choice": _units(request.user, perms.VIEW_NEGOTIATION),
        "unit_id": unit_id or "",
        "previous": (monday - dt.timedelta(days=7)).isoformat(),
        "next": (monday + dt.timedelta(days=7)).isoformat(),
    }
    return render(request, "investment/negotiation_week.html", context)


def _negotiations_workbook(request, negotiations, view):
    """The week's negotiations, one row per round, as a formatted workbook."""
    from django.utils import timezone

    from zoneops.investment.choices import Issue

    user = request.user
    issue_labels = dict(Issue.choices)
    columns = [
        Column("at", _("Held at"), 17),
        Column("unit", _("Investment unit"), 14),
        Column("project", _("Project"), 34),
        Column("round", _("Round"), 7),
        Column("channel", _("Channel"), 9),
        Column("ours", _("Our participants"), 20),
        Column("leaders", _("Leaders present"), 16),
        Column("theirs", _("Their participants"), 20),
        Column("summary", _("Summary"), 40),
        Column("issues", _("Issues raised"), 18),
        Column("next", _("Next step"), 24),
    ]
    rows = [
        [
            timezone.localtime(n.at).strftime("%Y-%m-%d %H:%M"),
            n.project.unit.name,
            n.project.name,
            n.round_number,
            n.get_channel_display(),
            "、".join(u.display_name for u in n.our_participants.all()),
            n.leaders_present,
            n.their_participants,
            n.summary,
            "、".join(str(issue_labels.get(code, code)) for code in n.issues or []),
            f"{n.next_step} {n.next_step_on.isoformat() if n.next_step_on else ''}".strip(),
        ]
        for n in negotiations
    ]
    monday, friday = view["monday"].isoformat(), view["friday"].isoformat()
    workbook = export_workbook(
        title=_("Negotiations %(start)s – %(end)s") % {"start": monday, "end": friday},
        columns=columns,
        rows=rows,
        unit=user.department.name if user.department else "",
        author=user.display_name,
    )
    record(user, actions.NEGOTIATIONS_EXPORTED, None, note=f"{monday}..{friday} {len(rows)}")
    return xlsx_response(workbook, f"negotiations-{monday}.xlsx")


def _list_url(ids) -> str:
    return reverse("investment:project-list") + "?ids=" + ",".join(str(i) for i in ids) if ids else ""


@login_required
@permission_required(perms.VIEW_PROJECT, raise_exception=True)
def signing_stats(request):
    """Signing statistics for any day or period, claimed vs verified; every number links to its projects."""
    form = StatsForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    as_of = data.get("as_of") or clock.today()
    date_from, date_to = data.get("date_from"), data.get("date_to")
    basis = data.get("basis") or Basis.CLAIMED
    claimed = stats.signing_stats(request.user, as_of=as_of, date_from=date_from, date_to=date_to)
    verified = stats.signing_stats(
        request.user, as_of=as_of, date_from=date_from, date_to=date_to, basis=Basis.VERIFIED
    )
    shown = verified if basis == Basis.VERIFIED else claimed
    if request.GET.get("export") == "xlsx":
        return _stats_workbook(request, shown)
    for result in (claimed, verified):
        result["url"] = _list_url(result["project_ids"])
        result["foreign_url"] = _list_url(result["foreign_project_ids"])
        for group in result["buckets"] + result["by_industry"] + result["by_unit"] + result["by_month"]:
            group["url"] = _list_url(group["project_ids"])
    chart = {
        "tooltip": {"trigger": "axis"},
        "legend": {},
        "xAxis": {"type": "category", "data": [m["key"] for m in shown["by_month"]]},
        "yAxis": [{"type": "value", "name": "亿元"}, {"type": "value", "name": _("Projects")}],
        "series": [
            {"name": _("Total (亿元)"), "type": "bar", "data": [str(m["total_yi"]) for m in shown["by_month"]]},
            {"name": _("Projects"), "type": "line", "yAxisIndex": 1, "data": [m["count"] for m in shown["by_month"]]},
        ],
    }
    links = {m["key"]: m["url"] for m in shown["by_month"]}
    export_query = request.GET.copy()
    export_query["export"] = "xlsx"
    context = {
        "form": form,
        "whole_zone": grants_for(request.user, perms.VIEW_PROJECT).all,
        "as_of": as_of,
        "claimed": claimed,
        "verified": verified,
        "shown": shown,
        "basis": basis,
        "bulletin": (
            stats.bulletin_text(shown, as_of=as_of, zone=stats.scope_name(request.user))
            if not (date_from or date_to)
            else ""
        ),
        "chart": chart,
        "chart_links": links,
        "export_query": export_query.urlencode(),
    }
    return render(request, "investment/signing_stats.html", context)


def _stats_workbook(request, result):
    user = request.user
    columns = [
        Column("item", _("Item"), 34),
        Column("count", _("Projects"), 10),
        Column("total", _("Total (亿元)"), 14),
    ]
    rows = [
        [_("Signed projects"), result["count"], result["total_yi"]],
        [_("of which foreign"), result["foreign_count"], result["foreign_total_yi"]],
        [_("of which domestic"), result["domestic_count"], result["domestic_total_yi"]],
    ]
    rows += [[bucket["label"], bucket["count"], bucket["total_yi"]] for bucket in result["buckets"]]
    rows += [[_("Industry: %(name)s") % {"name": g["label"]}, g["count"], g["total_yi"]] for g in result["by_industry"]]
    rows += [[_("Unit: %(name)s") % {"name": g["label"]}, g["count"], g["total_yi"]] for g in result["by_unit"]]
    rows += [[_("Month: %(name)s") % {"name": g["label"]}, g["count"], g["total_yi"]] for g in result["by_month"]]
    workbook = export_workbook(
        title=_("Investment signing statistics %(start)s – %(end)s")
        % {"start": result["date_from"].isoformat(), "end": result["date_to"].isoformat()},
        columns=columns,
        rows=rows,
        unit=user.department.name if user.department else "",
        author=user.display_name,
        notes=_("Basis: %(basis)s. Projects at signed stage or later; foreign amounts at each project's stored rate.")
        % {"basis": Basis(result["basis"]).label},
    )
    record(
        user,
        actions.SIGNING_REPORT_EXPORTED,
        None,
        note=f"{result['date_from']}..{result['date_to']} {result['basis']}",
    )
    return xlsx_response(workbook, f"signing-stats-{result['date_to'].isoformat()}.xlsx")


@login_required
@permission_required(perms.VIEW_PROJECT, raise_exception=True)
def weekly_report(request):
    """招商周报: the week's negotiations, new leads, signings and stale projects."""
    day = _day(request.GET.get("week"), clock.today())
    unit_id = request.GET.get("unit", "")
    report = selectors.weekly_report(request.user, day, int(unit_id) if unit_id.isdigit() else None)
    monday = report["monday"]
    if request.GET.get("export") == "xlsx":
        return _weekly_workbook(request, report)
    return render(
        request,
        "investment/weekly_report.html",
        {
            **report,
            "units_choice": _units(request.user, perms.VIEW_PROJECT),
            "unit_id": unit_id,
            "previous": (monday - dt.timedelta(days=7)).isoformat(),
            "next": (monday + dt.timedelta(days=7)).isoformat(),
        },
    )


def _weekly_workbook(request, report):
    """The 招商周报 as a formatted workbook: one row per negotiation, new lead, signing and stale project."""
    from django.utils import timezone

    user = request.user
    columns = [
        Column("section", _("Section"), 14),
        Column("date", _("Date"), 12),
        Column("unit", _("Investment unit"), 14),
        Column("project", _("Project"), 36),
        Column("detail", _("Detail"), 48),
    ]
    rows = []
    for n in report["negotiations"]:
        detail = f"{n.get_channel_display()} · " + _("round %(r)s") % {"r": n.round_number} + f" · {n.summary}"
        when = timezone.localtime(n.at).strftime("%Y-%m-%d %H:%M")
        rows.append([_("Negotiation"), when, n.project.unit.name, n.project.name, detail])
    for p in report["new_leads"]:
        rows.append([_("New lead"), p.lead_on, p.unit.name, p.name, p.investor_name])
    for p in report["signings"]:
        amount = f"{p.currency.code} {p.total_investment:,.2f} = {stats.to_yi(p.total_investment_cny)} 亿元"
        rows.append([_("Signing"), p.signed_on, p.unit.name, p.name, amount])
    for p in report["stale"]:
        last = timezone.localtime(p.last_progress_at).date() if p.last_progress_at else None
        rows.append([_("No progress"), last, p.unit.name, p.name, p.next_step])
    monday, sunday = report["monday"].isoformat(), report["sunday"].isoformat()
    workbook = export_workbook(
        title=_("Weekly investment report %(start)s – %(end)s") % {"start": monday, "end": sunday},
        columns=columns,
        rows=rows,
        unit=user.department.name if user.department else "",
        author=user.display_name,
        notes=_("Projects without progress for %(days)s days at the end of the week are listed as “No progress”.")
        % {"days": report["stale_days"]},
    )
    record(user, actions.WEEKLY_REPORT_EXPORTED, None, note=f"{monday}..{sunday}")
    return xlsx_response(workbook, f"weekly-report-{monday}.xlsx")


@login_required
@permission_required(perms.VIEW_STAFF_DEVELOPMENT, raise_exception=True)
def staff_development(request):
    """The organisation department's view of investment staff; every view is audited."""
    if request.method == "POST":
        form = StaffNoteForm(request.POST)
        if form.is_valid():
            staff = selectors.investment_staff().filter(pk=form.cleaned_data["staff"]).first()
            if staff is None:
                raise Http404
            try:
                services.add_staff_note(
                    actor=request.user,
                    staff=staff,
                    quality=form.cleaned_data["quality"],
                    note=form.cleaned_data["note"],
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Note added."))
        return redirect("investment:staff-development")
    services.audit_staff_view(actor=request.user, note=request.get_full_path())
    rows = selectors.staff_development(selectors.investment_staff())
    return render(
        request,
        "investment/staff_development.html",
        {"rows": rows, "note_form": StaffNoteForm(), "can_note": request.user.has_perm(perms.ADD_STAFF_NOTE)},
    )


IMPORT_COLUMNS = [
    Column("name", "项目名称", 30, required=True),
    Column("investor", "投资方", 28, required=True),
    Column("unit", "招商单元编码", 14, required=True),
    Column("industry", "产业编码", 12, required=True),
    Column("currency", "币种", 8, required=True, choices=("CNY", "USD", "EUR", "HKD", "JPY", "GBP")),
    Column("total_investment", "总投资", 18, required=True),
    Column("is_foreign", "外资", 8, choices=("是", "否")),
    Column("stage", "阶段", 12, choices=tuple(Stage.values)),
    Column("signed_on", "签约日期", 12),
    Column("next_step", "下一步", 24),
    Column("next_step_on", "下一步日期", 12),
]


@login_required
@permission_required(perms.ADD_PROJECT, raise_exception=True)
def project_import(request):
    """Excel import of projects (template download; all-or-nothing with every bad row listed)."""
    if request.GET.get("template"):
        workbook = template_workbook(
            title=_("Project import"),
            columns=IMPORT_COLUMNS,
            example=[
                "示例项目",
                "某某科技有限公司",
                "TCJ-1",
                "NGIT",
                "CNY",
                "500000000",
                "否",
                "signed",
                "2022-04-01",
                "办理项目注册",
                "2022-04-15",
            ],
        )
        return xlsx_response(workbook, "investment-projects-template.xlsx")
    form = ImportForm(request.POST or None, request.FILES or None)
    row_errors = []
    if request.method == "POST" and form.is_valid():
        try:
            rows = read_rows(form.cleaned_data["file"], IMPORT_COLUMNS)
            created = services.import_projects(actor=request.user, rows=rows)
        except ImportFailed as exc:
            row_errors = [str(e) for e in exc.row_errors]
            form.add_error(None, exc.message)
        except DomainError as exc:
            form.add_error("file" if exc.field == "file" else None, exc.message)
        else:
            messages.success(request, _("%(n)s projects imported.") % {"n": created})
            return redirect("investment:project-list")
    return render(request, "investment/project_import.html", {"form": form, "row_errors": row_errors})


@login_required
@permission_required(perms.MANAGE_FX_RATE, raise_exception=True)
def fx_rates(request):
    """The statistical exchange rates (dated data); projects keep the rate they were computed with."""
    from zoneops.investment.models import FxRate

    form = FxRateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_fx_rate(
                actor=request.user,
                currency=form.cleaned_data["currency"],
                rate_to_cny=form.cleaned_data["rate_to_cny"],
                effective_on=form.cleaned_data["effective_on"],
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Exchange rate saved."))
            return redirect("investment:fx-rates")
    rates = FxRate.objects.select_related("currency", "created_by")
    return render(request, "investment/fx_rates.html", {"form": form, "rates": rates})


@login_required
@permission_required(perms.ADD_TRAINING, raise_exception=True)
def training_create(request):
    """Record a training class (e.g. 砺剑班) and its attendees."""
    staff = list(selectors.investment_staff())
    form = TrainingForm(request.POST or None, staff=staff)
    if request.method == "POST" and form.is_valid():
        chosen = set(form.cleaned_data["attendees"])
        try:
            services.record_training(
                actor=request.user,
                name=form.cleaned_data["name"],
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                attendees=[u for u in staff if str(u.pk) in chosen],
                materials=form.cleaned_data["materials"],
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Training recorded."))
            return redirect("investment:project-list")
    return render(request, "investment/training_form.html", {"form": form})


@login_required
def dictionaries(request):
    """The industry dictionary (with the "3+1" leading flag) and the reporting thresholds, kept as data."""
    from zoneops.investment.models import Industry, ThresholdBucket

    can_industry = request.user.has_perm(perms.CHANGE_INDUSTRY)
    can_bucket = request.user.has_perm(perms.CHANGE_THRESHOLD_BUCKET)
    if not (can_industry or can_bucket):
        raise DjangoPermissionDenied
    buckets = list(ThresholdBucket.objects.select_related("currency"))
    industry_form = IndustryForm(request.POST if request.POST.get("form") == "industry" else None)
    bucket_form = BucketForm(request.POST if request.POST.get("form") == "bucket" else None, buckets=buckets)
    if request.method == "POST":
        form = industry_form if request.POST.get("form") == "industry" else bucket_form
        if form.is_valid():
            data = form.cleaned_data
            try:
                if form is industry_form:
                    services.save_industry(
                        actor=request.user,
                        code=data["code"],
                        name=data["name"],
                        is_leading=data["is_leading"],
                        sort_order=data["sort_order"] or 0,
                        is_active=data["is_active"],
                    )
                else:
                    existing = next((b for b in buckets if str(b.pk) == data["bucket"]), None)
                    services.save_threshold_bucket(
                        actor=request.user,
                        bucket=existing,
                        label=data["label"],
                        amount=data["amount"],
                        currency=data["currency"],
                        comparison=data["comparison"],
                        applies_to=data["applies_to"],
                        order=data["order"] or 0,
                        is_active=data["is_active"],
                    )
            except DomainPermissionDenied as exc:
                raise DjangoPermissionDenied from exc
            except DomainError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("investment:dictionaries")
    return render(
        request,
        "investment/dictionaries.html",
        {
            "industries": Industry.objects.all(),
            "buckets": buckets,
            "industry_form": industry_form,
            "bucket_form": bucket_form,
            "can_industry": can_industry,
            "can_bucket": can_bucket,
        },
    )


@login_required
@require_POST
@permission_required(perms.VIEW_PROJECT, raise_exception=True)
def attachment_add(request, pk: int):
    """Upload a file to a project (the service checks the permission its kind needs)."""
    project = selectors.project_for_user_or_404(request.user, pk)
    negotiations = list(project.negotiations.all())
    form = AttachmentForm(request.POST, request.FILES, negotiations=negotiations)
    if form.is_valid():
        negotiation = next((n for n in negotiations if str(n.pk) == form.cleaned_data["negotiation"]), None)
        try:
            services.add_attachment(
                actor=request.user,
                project=project,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                negotiation=negotiation,
            )
        except OutOfScope as exc:
            raise Http404 from exc
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("File attached."))
    else:
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect("investment:project-detail", pk=pk)


@login_required
@permission_required(perms.VIEW_PROJECT, raise_exception=True)
def attachment_download(request, pk: int, attachment_id: int):
    """Download a project's file (404 outside the data scope, like the project itself)."""
    from django.http import FileResponse

    project = selectors.project_for_user_or_404(request.user, pk)
    attachment = project.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)
