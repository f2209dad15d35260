"""Service desk pages: queues, case detail with its action forms, intake, KPIs, Excel export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zoneops.accounts.models import Department
from zoneops.audit.services import record
from zoneops.core import clock
from zoneops.core.errors import DomainError, PermissionDenied
from zoneops.core.excel import Column, export_workbook, xlsx_response
from zoneops.core.listing import PAGE_SIZES, Listing, is_partial
from zoneops.servicedesk import actions, catalogue, home, selectors, services
from zoneops.servicedesk import permissions as perms
from zoneops.servicedesk.choices import (
    FollowUpMethod,
    ReturnReason,
    Satisfaction,
    SupervisionLevel,
)
from zoneops.servicedesk.forms import CaseSearchForm, IntakeForm
from zoneops.servicedesk.models import Case

EXPORT_LIMIT = 10000


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise Http404("no permission")


def _listing(request) -> selectors.CaseListing:
    params = {k: v for k, v in request.GET.items() if v not in ("", None)}
    try:
        return selectors.listed_cases(request.user, params)
    except DomainError as exc:
        messages.error(request, exc.message)
        return selectors.CaseListing(selectors.visible_cases(request.user).none(), 0, False)


def _filtered(request):
    return _listing(request).rows.select_related(*selectors.LIST_RELATED)


class CappedPaginator(Paginator):
    """Pages over at most the first COUNT_CAP matches, so no request counts a whole table."""

    def __init__(self, object_list, per_page, *, known_count: int | None = None):
        super().__init__(object_list, per_page)
        self.known_count = known_count

    @cached_property
    def count(self) -> int:
        if self.known_count is not None:
            return self.known_count
        return selectors.capped_count(self.object_list)[0]


def capped_paginate(request, qs, *, count: int | None = None) -> Listing:
    """core.listing.paginate with a bounded count (search narrows further; the API pages beyond by cursor)."""
    try:
        size = int(request.GET.get("page_size", 20))
    except ValueError:
        size = 20
    size = size if size in PAGE_SIZES else 20
    paginator = CappedPaginator(qs, size, known_count=count)
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return Listing(page=page, paginator=paginator, page_size=size, sort="", query_string=params.urlencode())


@login_required
def index(request):
    """The service desk's landing page: the user's most useful work queue (or the first page they may use)."""
    target = home.landing_url(request.user)
    if target is None:
        raise HttpForbidden
    return redirect(target)


@login_required
def case_list(request):
    """Work queues as tabs over one searchable, filterable case list."""
    _require(request, perms.VIEW_CASE)
    found = _listing(request)
    listing = capped_paginate(request, found.rows.select_related(*selectors.LIST_RELATED), count=found.count)
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("queue", None)
    base = params.urlencode()
    context = {
        "listing": listing,
        "rows": listing.rows,
        "form": CaseSearchForm(request.GET or None),
        "queue": request.GET.get("queue", ""),
        "queues": selectors.queue_counts(request.user),
        "tab_query": base,
        "export_query": request.GET.urlencode(),
        "can_intake": request.user.has_perm(perms.INTAKE_CASE),
        "now": clock.now(),
    }
    if is_partial(request):
        return render(request, "servicedesk/case_list.html#table", context)
    return render(request, "servicedesk/case_list.html", context)


@login_required
def case_export(request):
    """The filtered list as a formatted Excel report (requesters masked); audited."""
    _require(request, perms.VIEW_CASE)
    qs = _filtered(request).order_by("-created_at", "-id")[:EXPORT_LIMIT]
    columns = [
        Column("number", _("Number"), 18),
        Column("created_at", _("Registered at"), 18),
        Column("channel", _("Channel"), 10),
        Column("category", _("Category"), 14),
        Column("priority", _("Priority"), 8),
        Column("title", _("Title"), 30),
        Column("requester", _("Requester"), 20),
        Column("department", _("Lead department"), 16),
        Column("status", _("Status"), 10),
        Column("due_at", _("Due at"), 18),
        Column("overdue", _("Overdue"), 8),
        Column("satisfaction", _("Satisfaction"), 10),
    ]
    rows = [
        (
            c.number,
            localtime(c.created_at).strftime("%Y-%m-%d %H:%M"),
            c.get_channel_display(),
            c.category.name,
            c.get_priority_display(),
            c.title,
            c.requester_display,
            c.department.name if c.department else "",
            c.get_status_display(),
            localtime(c.due_at).strftime("%Y-%m-%d %H:%M") if c.due_at else "",
            _("Yes") if c.is_overdue else "",
            c.get_satisfaction_display() if c.satisfaction else "",
        )
        for c in qs
    ]
    record(request.user, actions.CASES_EXPORTED, None, changes={"rows": len(rows), "filters": request.GET.dict()})
    workbook = export_workbook(
        title=_("Cases"),
        columns=columns,
        rows=rows,
        unit=request.user.department.name if request.user.department else "",
        author=request.user.display_name,
    )
    return xlsx_response(workbook, f"cases-{clock.today():%Y%m%d}.xlsx")


def _case_context(request, case: Case) -> dict:
    tasks = list(case.tasks.select_related("department", "accepted_by", "resolved_by").order_by("pk"))
    extensions = list(case.extensions.select_related("task__department", "requested_by").order_by("pk"))
    pending = next((e for e in extensions if e.status == "pending"), None)
    allowed = selectors.available_actions(request.user, case, tasks, pending)
    return {
        "case": case,
        "tasks": tasks,
        "task_actions": [{"task": t, "can": allowed["tasks"][t.pk]} for t in tasks if t.pk in allowed["tasks"]],
        "extensions": extensions,
        "pending_extension": pending,
        "events": selectors.timeline(case),
        "follow_ups": case.follow_ups.select_related("by").order_by("pk"),
        "attachments": case.attachments.order_by("pk"),
        "allowed": allowed,
        "duplicates": selectors.possible_duplicates(request.user, case) if case.merged_into_id is None else [],
        "departments": Department.objects.filter(is_active=True).order_by("path"),
        "return_reasons": ReturnReason.choices,
        "satisfactions": Satisfaction.choices,
        "methods": FollowUpMethod.choices,
        "levels": [c for c in SupervisionLevel.choices if c[0] > case.supervision_level],
    }


@login_required
def case_detail(request, number: str):
    """One case: requester, tasks, extensions, follow-ups, timeline and the actions this user may take."""
    case = selectors.case_for_user_or_404(request.user, number)
    return render(request, "servicedesk/case_detail.html", _case_context(request, case))


@login_required
@require_POST
def case_requester(request, number: str):
    """Show the unmasked requester once (audited)."""
    case = selectors.case_for_user_or_404(request.user, number)
    try:
        revealed = services.reveal_requester(actor=request.user, case=case)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("servicedesk:case-detail", number=number)
    context = _case_context(request, case)
    context["revealed"] = revealed
    return render(request, "servicedesk/case_detail.html", context)


def _departments(request, field: str) -> list[Department]:
    codes = [c for c in request.POST.getlist(field) if c]
    found = {d.code: d for d in Department.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise DomainError(_("Unknown department: %(code)s.") % {"code": missing[0]}, field=field)
    return [found[c] for c in codes]


def _one_department(request) -> Department:
    chosen = _departments(request, "department")
    if not chosen:
        raise DomainError(_("Choose the lead department."), field="department")
    return chosen[0]


def _run_action(request, case: Case, action: str) -> str:
    """Call the service for one case action; returns the success message."""
    user, post = request.user, request.POST
    if action == "dispatch":
        services.dispatch_case(
            actor=user,
            case=case,
            department=_one_department(request),
            assisting=_departments(request, "assisting"),
            note=post.get("note", ""),
        )
        return _("Case dispatched.")
    if action == "arbitrate":
        services.arbitrate_case(
            actor=user,
            case=case,
            department=_one_department(request),
            assisting=_departments(request, "assisting"),
            note=post.get("note", ""),
        )
        return _("Arbitration decided; the case is dispatched.")
    if action == "suspend":
        services.suspend_case(actor=user, case=case, reason=post.get("reason", ""))
        return _("Case suspended.")
    if action == "resume":
        services.resume_case(actor=user, case=case, note=post.get("note", ""))
        return _("Case resumed.")
    if action == "supervise":
        services.supervise_case(actor=user, case=case, level=post.get("level"), note=post.get("note", ""))
        return _("Supervision notice sent.")
    if action == "follow-up":
        services.follow_up_case(
            actor=user,
            case=case,
            satisfaction=post.get("satisfaction", ""),
            method=post.get("method", FollowUpMethod.PHONE),
            reason=post.get("reason", ""),
            is_attributable=post.get("is_attributable") == "on",
        )
        return _("Follow-up recorded.")
    if action == "close":
        services.close_case(actor=user, case=case, note=post.get("note", ""))
        return _("Case closed.")
    if action == "reopen":
        services.reopen_case(actor=user, case=case, note=post.get("note", ""))
        return _("Case reopened.")
    if action == "decide-extension":
        extension = selectors.extension_for_case_or_404(case, None)
        services.decide_extension(
            actor=user, extension=extension, approve=post.get("approve") == "1", note=post.get("note", "")
        )
        return _("Extension decided.")
    if action == "merge":
        into = selectors.case_for_user_or_404(user, post.get("into", ""))
        services.merge_case(actor=user, case=case, into=into, note=post.get("note", ""))
        return _("Merged as a duplicate.")
    if action == "attach":
        upload = request.FILES.get("file")
        if upload is None:
            raise DomainError(_("Choose a file."), field="file")
        services.add_attachment(actor=user, case=case, upload=upload)
        return _("Attachment added.")
    raise Http404("action")


def _run_task_action(request, case: Case, task_id: int, action: str) -> str:
    user, post = request.user, request.POST
    task = selectors.task_for_case_or_404(case, task_id)
    if action == "accept":
        services.accept_task(actor=user, task=task, note=post.get("note", ""))
        return _("Task signed for.")
    if action == "start":
        services.start_task(actor=user, task=task, note=post.get("note", ""))
        return _("Handling started.")
    if action == "progress":
        services.note_progress(actor=user, task=task, note=post.get("note", ""))
        return _("Progress noted.")
    if action == "return":
        services.return_task(actor=user, task=task, reason=post.get("reason", ""), note=post.get("note", ""))
        return _("Task returned.")
    if action == "request-extension":
        services.request_extension(
            actor=user, task=task, working_days=post.get("working_days", ""), reason=post.get("reason", "")
        )
        return _("Extension requested.")
    if action == "resolve":
        services.resolve_task(actor=user, task=task, resolution=post.get("resolution", ""))
        return _("Task resolved.")
    raise Http404("action")


@login_required
def case_action(request, number: str, action: str, task_id: int | None = None):
    """POST one workflow step; errors come back as a message on the case page, nothing changed."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    case = selectors.case_for_user_or_404(request.user, number)
    try:
        if task_id is None:
            message = _run_action(request, case, action)
        else:
            message = _run_task_action(request, case, task_id, action)
    except PermissionDenied as exc:
        messages.error(request, exc.message)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, message)
    return redirect("servicedesk:case-detail", number=number)


@login_required
def case_create(request):
    """The intake form (受理登记)."""
    if not request.user.has_perm(perms.INTAKE_CASE):
        raise Http404("no permission")
    form = IntakeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = _register(request, data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Case %(number)s registered.") % {"number": case.number})
            return redirect("servicedesk:case-detail", number=case.number)
    return render(request, "servicedesk/case_form.html", {"form": form})


def _register(request, data) -> Case:
    from django.db import transaction

    from zoneops.enterprises.models import Enterprise

    enterprise = None
    if data.get("enterprise"):
        enterprise = Enterprise.objects.filter(uscc=data["enterprise"].strip().upper()).first()
        if enterprise is None:
            raise DomainError(_("No registered enterprise has this credit code."), field="enterprise")
    with transaction.atomic():
        case = services.register_case(
            actor=request.user,
            channel=data["channel"],
            category=data["category"],
            title=data["title"],
            description=data["description"],
            priority=data["priority"],
            hotline=data.get("hotline"),
            enterprise=enterprise,
            requester_name=data.get("requester_name", ""),
            requester_mobile=data.get("requester_mobile", ""),
            is_anonymous=data.get("is_anonymous", False),
            address=data.get("address", ""),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            tags=[t for t in (data.get("tags") or "").replace("，", ",").split(",") if t.strip()],
            answer=data.get("answer", ""),
        )
        if data.get("attachment"):
            services.add_attachment(actor=request.user, case=case, upload=data["attachment"])
    return case


@login_required
def kpi(request):
    """KPIs per department for a period; every figure links to the cases behind it."""
    _require(request, perms.VIEW_KPI)
    try:
        period = selectors.period_from(request.GET)
    except DomainError as exc:
        messages.error(request, exc.message)
        period = selectors.period_from({})
    rows = selectors.kpi_table(period)
    zone_total = selectors.department_kpis(None, period)
    for row in [*rows, zone_total]:
        row["links"] = home.kpi_links(row.get("department"), period)
    chart = {
        "tooltip": {},
        "legend": {},
        "xAxis": {"type": "category", "data": [r["department"].name for r in rows]},
        "yAxis": {"type": "value", "max": 100},
        "series": [
            {"name": _("On-time sign-for rate"), "type": "bar", "data": [r["sign_on_time_rate"] for r in rows]},
            {"name": _("On-time resolution rate"), "type": "bar", "data": [r["resolve_on_time_rate"] for r in rows]},
            {"name": _("Satisfaction rate"), "type": "bar", "data": [r["satisfaction_rate"] for r in rows]},
        ],
    }
    return render(request, "servicedesk/kpi.html", {"rows": rows, "zone": zone_total, "period": period, "chart": chart})


@login_required
def calendar(request):
    """Working-day overrides (holidays and make-up workdays the national calendar lacks), and a month preview."""
    import datetime as dt

    from zoneops.servicedesk import workdays
    from zoneops.servicedesk.models import WorkCalendarOverride

    _require(request, perms.CHANGE_CALENDAR)
    if request.method == "POST":
        try:
            day = dt.date.fromisoformat(request.POST.get("date", ""))
        except ValueError:
            messages.error(request, _("Enter a date as YYYY-MM-DD."))
        else:
            try:
                services.set_calendar_day(
                    actor=request.user,
                    day=day,
                    is_workday=request.POST.get("is_workday") == "1",
                    note=request.POST.get("note", ""),
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Calendar updated."))
            return redirect(f"{reverse('servicedesk:calendar')}?month={day:%Y-%m}")
        return redirect("servicedesk:calendar")
    try:
        month = dt.date.fromisoformat((request.GET.get("month") or clock.today().strftime("%Y-%m")) + "-01")
    except ValueError:
        month = clock.today().replace(day=1)
    if not 1900 <= month.year <= 2100:
        month = clock.today().replace(day=1)
    cal = workdays.load_calendar()
    days = []
    day = month
    while day.month == month.month:
        days.append({"date": day, "is_workday": cal.is_workday(day), "is_override": day in cal.overrides})
        day += dt.timedelta(days=1)
    return render(
        request,
        "servicedesk/calendar.html",
        {
            "overrides": WorkCalendarOverride.objects.order_by("-date")[:100],
            "remove_url": reverse("servicedesk:calendar-remove"),
            "days": days,
            "month": month,
            "blanks": range(month.weekday()),
            "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        },
    )


@login_required
@require_POST
def calendar_remove(request):
    """Remove an override: the date follows the national calendar (holidays and 调休) again."""
    import datetime as dt

    _require(request, perms.CHANGE_CALENDAR)
    try:
        day = dt.date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        messages.error(request, _("Enter a date as YYYY-MM-DD."))
        return redirect("servicedesk:calendar")
    try:
        catalogue.remove_calendar_day(actor=request.user, day=day)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Override removed; the date follows the national calendar again."))
    return redirect(f"{reverse('servicedesk:calendar')}?month={day:%Y-%m}")
