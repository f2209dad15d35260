"""Service desk API: register and list cases, read one with tasks and timeline, and one POST per transition."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from zoneops.accounts.models import Department
from zoneops.accounts.scoping import grants_for
from zoneops.core.crypto import mask_name
from zoneops.core.errors import DomainError, OutOfScope, PermissionDenied
from zoneops.servicedesk import catalogue, selectors, services
from zoneops.servicedesk import permissions as perms
from zoneops.servicedesk.choices import Channel, FollowUpMethod, Priority, ReturnReason, Satisfaction, TaskRole
from zoneops.servicedesk.models import Case, CaseTask, Category, HotlineCategory, SlaRule

router = Router(tags=["servicedesk"])

MAX_LIMIT = 100


# ---------------------------------------------------------------------------------------------- schemas


class CodeName(Schema):
    """A department, category or hotline by code and name."""

    code: str
    name: str


class EnterpriseRef(Schema):
    """The requesting enterprise."""

    uscc: str
    name: str


class RequesterOut(Schema):
    """Who asked; the person's name and mobile are masked (GET …/requester reveals them, audited)."""

    enterprise: EnterpriseRef | None
    name: str
    mobile: str
    is_anonymous: bool


class CaseOut(Schema):
    """A case as listed."""

    number: str
    status: str
    channel: str
    hotline: CodeName | None
    category: CodeName
    priority: str
    title: str
    description: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    tags: list[str]
    requester: RequesterOut
    department: CodeName | None
    dispatched_at: dt.datetime | None
    sign_due_at: dt.datetime | None
    due_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    is_overdue: bool
    supervision_level: int
    return_count: int
    satisfaction: str
    first_contact_resolution: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class TaskOut(Schema):
    """A department task."""

    id: int
    department: CodeName
    role: str
    status: str
    is_binding: bool
    dispatched_at: dt.datetime
    sign_due_at: dt.datetime | None
    accepted_at: dt.datetime | None
    due_at: dt.datetime | None
    returned_at: dt.datetime | None
    return_reason: str
    return_note: str
    resolved_at: dt.datetime | None
    resolution: str
    is_overdue: bool


class EventOut(Schema):
    """One timeline entry."""

    kind: str
    at: dt.datetime
    actor: str
    department: str
    from_status: str
    to_status: str
    note: str
    task: int | None
    data: dict[str, Any]


class ExtensionOut(Schema):
    """An extension request."""

    id: int
    task: int
    working_days: Decimal
    reason: str
    status: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    decision_note: str
    new_due_at: dt.datetime | None


class CaseDetailOut(CaseOut):
    """A case with its tasks, extension requests and timeline."""

    answer: str
    resolution: str
    extra: dict[str, Any]
    tasks: list[TaskOut]
    extensions: list[ExtensionOut]
    timeline: list[EventOut]


class CaseList(Schema):
    """A page of cases. `count` counts at most 10,000 matches (`count_capped` says there are more) and is null
    in cursor mode (keyset pages never count); `next_cursor` is "" at the end."""

    items: list[CaseOut]
    count: int | None
    count_capped: bool
    next_cursor: str


class CaseIn(Schema):
    """A new case: the category code, what is asked, and who asks (an enterprise's credit code or a person)."""

    category: str
    title: str
    description: str
    priority: Priority = Priority.NORMAL
    channel: Channel
    hotline: str | None = Field(None, description="hotline category code, required for channel=hotline")
    enterprise: str | None = Field(None, description="unified social credit code of a registered enterprise")
    requester_name: str = ""
    requester_mobile: str = ""
    is_anonymous: bool = False
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    tags: list[str] = []
    extra: dict[str, Any] = {}
    answer: str = Field("", description="a consultation answered at once: the case is closed at intake")


class CaseQuery(Schema):
    """The list filters (the same definition as the queue page) and the page window."""

    status: str | None = None
    department: str | None = Field(None, description="lead department code")
    category: str | None = Field(None, description="category code")
    priority: str | None = None
    channel: str | None = None
    enterprise: str | None = Field(None, description="credit code")
    overdue: bool | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    queue: str | None = None
    q: str | None = Field(None, description="number, title, description, enterprise; exact requester name or mobile")
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10000, description="at most 10,000; page deeper with `cursor`")
    cursor: str | None = Field(None, description="keyset pagination: next_cursor of the previous page")


class DispatchIn(Schema):
    """Lead department code plus optional assisting department codes."""

    department: str
    assisting: list[str] = []
    note: str = ""


class ArbitrateIn(DispatchIn):
    """The binding decision; the note states its basis."""

    note: str


class NoteIn(Schema):
    """An optional note."""

    note: str = ""


class RequiredNoteIn(Schema):
    """A required note."""

    note: str


class ReasonIn(Schema):
    """A required reason."""

    reason: str


class ReturnIn(Schema):
    """A return with its reason code and note."""

    reason: ReturnReason
    note: str


class ExtensionIn(Schema):
    """Extra working days asked for, with the reason."""

    working_days: Decimal
    reason: str


class DecideExtensionIn(Schema):
    """Approve or refuse the (given, else the pending) extension request."""

    approve: bool
    note: str = ""
    extension: int | None = None


class ResolveIn(Schema):
    """What was done."""

    resolution: str


class FollowUpIn(Schema):
    """The requester's satisfaction; unsatisfied needs a reason; attributable sends the case back."""

    satisfaction: Satisfaction
    method: FollowUpMethod = FollowUpMethod.PHONE
    reason: str = ""
    is_attributable: bool = False


class SuperviseIn(Schema):
    """Supervision level 1 (reminder), 2 (supervision), 3 (leaders) and the notice text."""

    level: int
    note: str


class MergeIn(Schema):
    """The number of the case this duplicate joins."""

    into: str
    note: str = ""


class RequesterUnmasked(Schema):
    """The requester's personal data (each read is audited)."""

    name: str
    mobile: str


# ---------------------------------------------------------------------------------------------- output


def _code_name(obj) -> dict | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def case_out(case: Case) -> dict[str, Any]:
    """A case as the API shows it (personal data masked)."""
    enterprise = case.enterprise
    return {
        "number": case.number,
        "status": case.status,
        "channel": case.channel,
        "hotline": _code_name(case.hotline),
        "category": _code_name(case.category),
        "priority": case.priority,
        "title": case.title,
        "description": case.description,
        "address": case.address,
        "latitude": case.latitude,
        "longitude": case.longitude,
        "tags": case.tags or [],
        "requester": {
            "enterprise": {"uscc": enterprise.uscc, "name": enterprise.name} if enterprise else None,
            "name": "" if case.is_anonymous else mask_name(case.requester_name),
            "mobile": case.requester_mobile_masked,
            "is_anonymous": case.is_anonymous,
        },
        "department": _code_name(case.department),
        "dispatched_at": case.dispatched_at,
        "sign_due_at": case.sign_due_at,
        "due_at": case.due_at,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
        "is_overdue": case.is_overdue,
        "supervision_level": case.supervision_level,
        "return_count": case.return_count,
        "satisfaction": case.satisfaction,
        "first_contact_resolution": case.first_contact_resolution,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
    }


def case_detail(case: Case) -> dict[str, Any]:
    """A case with tasks, extensions and timeline."""
    case = Case.objects.select_related("category", "department", "enterprise", "hotline").get(pk=case.pk)
    tasks = case.tasks.select_related("department").order_by("pk")
    return {
        **case_out(case),
        "answer": case.answer,
        "resolution": case.resolution,
        "extra": case.extra or {},
        "tasks": [
            {
                "id": t.pk,
                "department": _code_name(t.department),
                "role": t.role,
                "status": t.status,
                "is_binding": t.is_binding,
                "dispatched_at": t.dispatched_at,
                "sign_due_at": t.sign_due_at,
                "accepted_at": t.accepted_at,
                "due_at": t.due_at,
                "returned_at": t.returned_at,
                "return_reason": t.return_reason,
                "return_note": t.return_note,
                "resolved_at": t.resolved_at,
                "resolution": t.resolution,
                "is_overdue": t.is_overdue,
            }
            for t in tasks
        ],
        "extensions": [
            {
                "id": e.pk,
                "task": e.task_id,
                "working_days": e.working_days,
                "reason": e.reason,
                "status": e.status,
                "requested_at": e.requested_at,
                "decided_at": e.decided_at,
                "decision_note": e.decision_note,
                "new_due_at": e.new_due_at,
            }
            for e in case.extensions.order_by("pk")
        ],
        "timeline": [
            {
                "kind": e.kind,
                "at": e.at,
                "actor": e.actor_name,
                "department": e.department_name,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": e.note,
                "task": e.task_id,
                "data": e.data or {},
            }
            for e in selectors.timeline(case)
        ],
    }


# ---------------------------------------------------------------------------------------------- lookups


def _department(code: str, field: str) -> Department:
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise DomainError(_("Unknown department: %(code)s.") % {"code": code}, field=field)
    return department


def _departments(codes: list[str], field: str) -> list[Department]:
    return [_department(code, field) for code in codes]


def _case(request, number: str) -> Case:
    return selectors.case_for_user_or_404(request.auth, number)


def _my_task(user, case: Case) -> CaseTask:
    """The live task of the caller's department on this case (the lead one first)."""
    if not user.has_perm(perms.HANDLE_TASK):
        raise PermissionDenied(_("You do not have permission for this action."))
    grant = grants_for(user, perms.HANDLE_TASK)
    tasks = case.tasks.filter(status__in=services.LIVE_TASKS).select_related("department")
    if not grant.all:
        tasks = tasks.filter(department__in=sorted(grant.department_ids))
    task = sorted(tasks, key=lambda t: (t.role != TaskRole.LEAD, t.pk))
    if not task:
        raise OutOfScope(_("Your department holds no task on this case."))
    task[0].case = case
    return task[0]


def _task(request, number: str, task_id: int) -> CaseTask:
    return selectors.task_for_case_or_404(_case(request, number), task_id)


# ---------------------------------------------------------------------------------------------- endpoints


@router.post("/cases", response={201: CaseDetailOut}, summary="Register a case")
def create_case(request, payload: CaseIn):
    """Register a case; a consultation with `answer` is closed at once (first-contact resolution)."""
    from zoneops.enterprises.models import Enterprise

    category = Category.objects.filter(code=payload.category).first()
    if category is None:
        raise DomainError(_("Unknown category: %(code)s.") % {"code": payload.category}, field="category")
    hotline = None
    if payload.hotline:
        hotline = HotlineCategory.objects.filter(code=payload.hotline).first()
        if hotline is None:
            raise DomainError(_("Unknown hotline category: %(code)s.") % {"code": payload.hotline}, field="hotline")
    enterprise = None
    if payload.enterprise:
        # Identity by exact credit code only; the registry's pages stay behind its own scopes.
        enterprise = Enterprise.objects.filter(uscc=payload.enterprise.strip().upper()).first()
        if enterprise is None:
            raise DomainError(_("No registered enterprise has this credit code."), field="enterprise")
    case = services.register_case(
        actor=request.auth,
        channel=payload.channel,
        category=category,
        title=payload.title,
        description=payload.description,
        priority=payload.priority,
        hotline=hotline,
        enterprise=enterprise,
        requester_name=payload.requester_name,
        requester_mobile=payload.requester_mobile,
        is_anonymous=payload.is_anonymous,
        address=payload.address,
        latitude=payload.latitude,
        longitude=payload.longitude,
        tags=payload.tags,
        extra=payload.extra,
        answer=payload.answer,
    )
    return Status(201, case_detail(case))


@router.get("/cases", response=CaseList, summary="List cases")
def list_cases(request, filters: Query[CaseQuery]):
    """Visible cases newest first, filtered; `cursor` switches to keyset pages without a count."""
    params = {k: v for k, v in filters.dict().items() if v not in (None, "")}
    listing = selectors.listed_cases(request.auth, params, count=filters.cursor is None)
    qs = listing.rows.select_related(*selectors.LIST_RELATED)
    if filters.cursor is not None:
        rows, next_cursor = selectors.keyset_page(qs, cursor=filters.cursor, size=filters.limit)
        return {"items": [case_out(c) for c in rows], "count": None, "count_capped": False, "next_cursor": next_cursor}
    rows = list(qs[filters.offset : filters.offset + filters.limit + 1])
    next_cursor = selectors.encode_cursor(rows[filters.limit - 1]) if len(rows) > filters.limit else ""
    return {
        "items": [case_out(c) for c in rows[: filters.limit]],
        "count": listing.count,
        "count_capped": listing.capped,
        "next_cursor": next_cursor,
    }


class KpiRow(Schema):
    """KPI figures of one department (or the whole zone when department is null); rates in percent."""

    department: CodeName | None
    counts: dict[str, int]
    sign_on_time_rate: float | None
    resolve_on_time_rate: float | None
    return_rate: float | None
    overdue_count: int
    satisfaction_rate: float | None
    average_handling_hours: float | None
    first_contact_rate: float | None


class KpiOut(Schema):
    """Per-department rows and the whole zone's figures for a period."""

    start: dt.date
    end: dt.date
    rows: list[KpiRow]
    zone: KpiRow


class KpiQuery(Schema):
    """The period, ?from=&to= (default: this month up to today)."""

    start: dt.date | None = Field(None, alias="from")
    end: dt.date | None = Field(None, alias="to")


@router.get("/servicedesk/kpi", response=KpiOut, summary="Service desk KPIs")
def kpi(request, params: Query[KpiQuery]):
    """KPIs per lead department for a period (?from=&to=, default this month)."""
    if not request.auth.has_perm(perms.VIEW_KPI):
        raise PermissionDenied(_("You do not have permission for this action."))
    period = selectors.period_from(
        {
            "from": params.start.isoformat() if params.start else None,
            "to": params.end.isoformat() if params.end else None,
        }
    )

    def row(data):
        return {**data, "department": _code_name(data.get("department"))}

    return {
        "start": period.start,
        "end": period.end,
        "rows": [row(r) for r in selectors.kpi_table(period)],
        "zone": row(selectors.department_kpis(None, period)),
    }


@router.get("/cases/{number}", response=CaseDetailOut, summary="Read a case")
def get_case(request, number: str):
    """One case with its tasks, extension requests and timeline."""
    return case_detail(_case(request, number))


@router.get("/cases/{number}/requester", response=RequesterUnmasked, summary="Reveal the requester (audited)")
def get_requester(request, number: str):
    """The requester's unmasked name and mobile; needs accounts.view_personal_data; every call is audited."""
    return services.reveal_requester(actor=request.auth, case=_case(request, number))


@router.post("/cases/{number}/dispatch", response=CaseDetailOut, summary="Dispatch")
def dispatch(request, number: str, payload: DispatchIn):
    """Send the case to a lead department (and assisting ones)."""
    case = _case(request, number)
    services.dispatch_case(
        actor=request.auth,
        case=case,
        department=_department(payload.department, "department"),
        assisting=_departments(payload.assisting, "assisting"),
        note=payload.note,
    )
    return case_detail(case)


@router.post("/cases/{number}/arbitrate", response=CaseDetailOut, summary="Arbitrate")
def arbitrate(request, number: str, payload: ArbitrateIn):
    """The command centre's binding decision on a disputed case."""
    case = _case(request, number)
    services.arbitrate_case(
        actor=request.auth,
        case=case,
        department=_department(payload.department, "department"),
        assisting=_departments(payload.assisting, "assisting"),
        note=payload.note,
    )
    return case_detail(case)


@router.post("/cases/{number}/accept", response=CaseDetailOut, summary="Sign for (own department's task)")
def accept(request, number: str, payload: NoteIn):
    """Sign for the caller's department's task on the case."""
    case = _case(request, number)
    services.accept_task(actor=request.auth, task=_my_task(request.auth, case), note=payload.note)
    return case_detail(case)


@router.post("/cases/{number}/start", response=CaseDetailOut, summary="Start handling (own department's task)")
def start(request, number: str, payload: NoteIn):
    """Begin handling the caller's department's task."""
    case = _case(request, number)
    services.start_task(actor=request.auth, task=_my_task(request.auth, case), note=payload.note)
    return case_detail(case)


@router.post("/cases/{number}/return", response=CaseDetailOut, summary="Return (own department's task)")
def return_case(request, number: str, payload: ReturnIn):
    """Return the caller's department's task with a reason code and note."""
    case = _case(request, number)
    services.return_task(
        actor=request.auth, task=_my_task(request.auth, case), reason=payload.reason, note=payload.note
    )
    return case_detail(case)


@router.post("/cases/{number}/request-extension", response=CaseDetailOut, summary="Request an extension")
def request_extension(request, number: str, payload: ExtensionIn):
    """Ask for more working days before the deadline."""
    case = _case(request, number)
    services.request_extension(
        actor=request.auth, task=_my_task(request.auth, case), working_days=payload.working_days, reason=payload.reason
    )
    return case_detail(case)


@router.post("/cases/{number}/decide-extension", response=CaseDetailOut, summary="Decide an extension")
def decide_extension(request, number: str, payload: DecideExtensionIn):
    """Approve or refuse the pending extension request."""
    case = _case(request, number)
    extension = selectors.extension_for_case_or_404(case, payload.extension)
    services.decide_extension(actor=request.auth, extension=extension, approve=payload.approve, note=payload.note)
    return case_detail(case)


@router.post("/cases/{number}/resolve", response=CaseDetailOut, summary="Resolve (own department's task)")
def resolve(request, number: str, payload: ResolveIn):
    """Resolve the caller's department's task; the lead's resolution resolves the case."""
    case = _case(request, number)
    services.resolve_task(actor=request.auth, task=_my_task(request.auth, case), resolution=payload.resolution)
    return case_detail(case)


@router.post("/cases/{number}/follow-up", response=CaseDetailOut, summary="Record the follow-up")
def follow_up(request, number: str, payload: FollowUpIn):
    """The requester's satisfaction after resolution."""
    case = _case(request, number)
    services.follow_up_case(
        actor=request.auth,
        case=case,
        satisfaction=payload.satisfaction,
        method=payload.method,
        reason=payload.reason,
        is_attributable=payload.is_attributable,
    )
    return case_detail(case)


@router.post("/cases/{number}/reopen", response=CaseDetailOut, summary="Reopen")
def reopen(request, number: str, payload: RequiredNoteIn):
    """Send a resolved or followed-up case back to its lead department."""
    case = _case(request, number)
    services.reopen_case(actor=request.auth, case=case, note=payload.note)
    return case_detail(case)


@router.post("/cases/{number}/close", response=CaseDetailOut, summary="Close (archive)")
def close(request, number: str, payload: NoteIn):
    """Archive a followed-up case."""
    case = _case(request, number)
    services.close_case(actor=request.auth, case=case, note=payload.note)
    return case_detail(case)


@router.post("/cases/{number}/suspend", response=CaseDetailOut, summary="Suspend")
def suspend(request, number: str, payload: ReasonIn):
    """Stop the clock with a reason."""
    case = _case(request, number)
    services.suspend_case(actor=request.auth, case=case, reason=payload.reason)
    return case_detail(case)


@router.post("/cases/{number}/resume", response=CaseDetailOut, summary="Resume")
def resume(request, number: str, payload: NoteIn):
    """Restart the clock; deadlines move by the suspended time."""
    case = _case(request, number)
    services.resume_case(actor=request.auth, case=case, note=payload.note)
    return case_detail(case)


@router.post("/cases/{number}/supervise", response=CaseDetailOut, summary="Supervise")
def supervise(request, number: str, payload: SuperviseIn):
    """Raise the supervision level; the department is notified."""
    case = _case(request, number)
    services.supervise_case(actor=request.auth, case=case, level=payload.level, note=payload.note)
    return case_detail(case)


@router.post("/cases/{number}/merge", response=CaseDetailOut, summary="Merge a duplicate")
def merge(request, number: str, payload: MergeIn):
    """Close a registered duplicate by merging it into another visible case."""
    case = _case(request, number)
    services.merge_case(actor=request.auth, case=case, into=_case(request, payload.into), note=payload.note)
    return case_detail(case)


@router.get("/cases/{number}/duplicates", response=list[CaseOut], summary="Possible duplicates")
def duplicates(request, number: str):
    """Visible cases from the same requester within 7 days with similar text."""
    return [case_out(c) for c in selectors.possible_duplicates(request.auth, _case(request, number))]


@router.post("/cases/{number}/tasks/{task_id}/accept", response=CaseDetailOut, summary="Sign for a task")
def task_accept(request, number: str, task_id: int, payload: NoteIn):
    """Sign for one task."""
    task = _task(request, number, task_id)
    services.accept_task(actor=request.auth, task=task, note=payload.note)
    return case_detail(task.case)


@router.post("/cases/{number}/tasks/{task_id}/start", response=CaseDetailOut, summary="Start a task")
def task_start(request, number: str, task_id: int, payload: NoteIn):
    """Begin handling one task."""
    task = _task(request, number, task_id)
    services.start_task(actor=request.auth, task=task, note=payload.note)
    return case_detail(task.case)


@router.post("/cases/{number}/tasks/{task_id}/progress", response=CaseDetailOut, summary="Note progress")
def task_progress(request, number: str, task_id: int, payload: RequiredNoteIn):
    """Add a progress note to one task."""
    task = _task(request, number, task_id)
    services.note_progress(actor=request.auth, task=task, note=payload.note)
    return case_detail(task.case)


@router.post("/cases/{number}/tasks/{task_id}/return", response=CaseDetailOut, summary="Return a task")
def task_return(request, number: str, task_id: int, payload: ReturnIn):
    """Return one task."""
    task = _task(request, number, task_id)
    services.return_task(actor=request.auth, task=task, reason=payload.reason, note=payload.note)
    return case_detail(task.case)


@router.post(
    "/cases/{number}/tasks/{task_id}/request-extension",
    response=CaseDetailOut,
    summary="Request an extension for a task",
)
def task_request_extension(request, number: str, task_id: int, payload: ExtensionIn):
    """Ask for more time on one task."""
    task = _task(request, number, task_id)
    services.request_extension(actor=request.auth, task=task, working_days=payload.working_days, reason=payload.reason)
    return case_detail(task.case)


@router.post("/cases/{number}/tasks/{task_id}/resolve", response=CaseDetailOut, summary="Resolve a task")
def task_resolve(request, number: str, task_id: int, payload: ResolveIn):
    """Resolve one task."""
    task = _task(request, number, task_id)
    services.resolve_task(actor=request.auth, task=task, resolution=payload.resolution)
    return case_detail(task.case)


# ---------------------------------------------------------------------------------------------- catalogue


class CategoryOut(Schema):
    """A category of the service catalogue."""

    code: str
    name: str
    parent: str | None = Field(None, description="parent category code")
    description: str
    default_department: CodeName | None
    sla_rule: str = Field(..., description="SLA rule code")
    extra_fields: list[dict[str, Any]]
    keywords: str
    is_consultation: bool
    sort_order: int
    is_active: bool


class CategoryList(Schema):
    """The catalogue in tree order (parents before their children)."""

    items: list[CategoryOut]
    count: int


class CategoryQuery(Schema):
    """Filter by status: true = in use, false = not in use, absent = all."""

    is_active: bool | None = None


class CategoryIn(Schema):
    """A new category; its code is stable (it is the Open311 service_code)."""

    code: str
    name: str
    parent: str | None = Field(None, description="parent category code")
    description: str = ""
    default_department: str | None = Field(None, description="code of an active department")
    sla_rule: str = Field(..., description="SLA rule code")
    extra_fields: list[dict[str, Any]] = Field(
        [],
        description='[{"code": "workers", "label": "…", "type": "text|int|choice", "required": false, "choices": []}]',
    )
    keywords: str = ""
    is_consultation: bool = False
    sort_order: int = 0
    is_active: bool = True


class CategoryPatch(Schema):
    """The fields to change; null clears parent or default_department. The code cannot change."""

    name: str | None = None
    parent: str | None = None
    description: str | None = None
    default_department: str | None = None
    sla_rule: str | None = None
    extra_fields: list[dict[str, Any]] | None = None
    keywords: str | None = None
    is_consultation: bool | None = None
    sort_order: int | None = None
    is_active: bool | None = None


class SlaRuleOut(Schema):
    """Time limits: normal and urgent in working hours / days, emergency in wall-clock minutes."""

    id: int
    code: str
    name: str
    sign_working_hours: Decimal
    resolve_working_days: Decimal
    urgent_sign_working_hours: Decimal
    urgent_resolve_working_days: Decimal
    emergency_sign_minutes: int
    emergency_resolve_minutes: int


class SlaRuleList(Schema):
    """Every SLA rule."""

    items: list[SlaRuleOut]
    count: int


class SlaRuleIn(Schema):
    """A new SLA rule; changes apply to cases dispatched afterwards, never to deadlines already set."""

    code: str
    name: str
    sign_working_hours: Decimal = Decimal(2)
    resolve_working_days: Decimal = Decimal(5)
    urgent_sign_working_hours: Decimal = Decimal(1)
    urgent_resolve_working_days: Decimal = Decimal(2)
    emergency_sign_minutes: int = 30
    emergency_resolve_minutes: int = 120


class SlaRulePatch(Schema):
    """The limits to change (for cases dispatched from now on); the code cannot change."""

    name: str | None = None
    sign_working_hours: Decimal | None = None
    resolve_working_days: Decimal | None = None
    urgent_sign_working_hours: Decimal | None = None
    urgent_resolve_working_days: Decimal | None = None
    emergency_sign_minutes: int | None = None
    emergency_resolve_minutes: int | None = None


class HotlineOut(Schema):
    """One of the zone's hotline / website categories."""

    code: str
    name: str
    number: str
    website: str
    sort_order: int
    is_active: bool


class HotlineList(Schema):
    """The hotline categories in display order."""

    items: list[HotlineOut]
    count: int


class HotlineIn(Schema):
    """A new hotline category (a phone number, a website, or both)."""

    code: str
    name: str
    number: str = ""
    website: str = ""
    sort_order: int = 0
    is_active: bool = True


class HotlinePatch(Schema):
    """The fields to change; the code cannot change."""

    name: str | None = None
    number: str | None = None
    website: str | None = None
    sort_order: int | None = None
    is_active: bool | None = None


def _may_read_catalogue(user, *manage: str) -> None:
    """Intake and case staff read the catalogue; so do its managers."""
    if not any(user.has_perm(p) for p in (perms.VIEW_CASE, perms.INTAKE_CASE, *manage)):
        raise PermissionDenied(_("You do not have permission for this action."))


def _category_out(c: Category) -> dict[str, Any]:
    return {
        "code": c.code,
        "name": c.name,
        "parent": c.parent.code if c.parent_id else None,
        "description": c.description,
        "default_department": _code_name(c.default_department),
        "sla_rule": c.sla_rule.code,
        "extra_fields": c.extra_fields or [],
        "keywords": c.keywords,
        "is_consultation": c.is_consultation,
        "sort_order": c.sort_order,
        "is_active": c.is_active,
    }


def _category_refs(data: dict[str, Any]) -> dict[str, Any]:
    """Turn the payload's parent, department and SLA rule codes into objects (an unknown code names its field)."""
    lookups = {
        "parent": (Category, _("Unknown category: %(code)s.")),
        "default_department": (Department, _("Unknown department: %(code)s.")),
        "sla_rule": (SlaRule, _("Unknown SLA rule: %(code)s.")),
    }
    for name, (model, message) in lookups.items():
        if name not in data:
            continue
        code = data[name]
        data[name] = model.objects.filter(code=code).first() if code else None
        if code and data[name] is None:
            raise DomainError(message % {"code": code}, field=name)
    return data


def _category_or_404(code: str) -> Category:
    category = Category.objects.select_related("parent", "default_department", "sla_rule").filter(code=code).first()
    if category is None:
        raise OutOfScope(_("Category not found."))
    return category


@router.get("/servicedesk/categories", response=CategoryList, summary="List the service catalogue")
def list_categories(request, filters: Query[CategoryQuery]):
    """Every category in tree order with its default department, SLA rule and extra fields."""
    _may_read_catalogue(request.auth, perms.MANAGE_CATALOGUE)
    qs = Category.objects.select_related("parent", "default_department", "sla_rule")
    if filters.is_active is not None:
        qs = qs.filter(is_active=filters.is_active)
    items = [_category_out(row.category) for row in catalogue.category_tree(qs)]
    return {"items": items, "count": len(items)}


@router.post(
    "/servicedesk/categories", response={201: CategoryOut}, summary="Create a category (servicedesk.change_category)"
)
def create_category(request, payload: CategoryIn):
    """Add a category; parent, default_department and sla_rule are codes."""
    catalogue.require(request.auth, perms.MANAGE_CATALOGUE)
    data = _category_refs(payload.dict())
    category = catalogue.create_category(actor=request.auth, **data)
    return Status(201, _category_out(_category_or_404(category.code)))


@router.patch(
    "/servicedesk/categories/{code}", response=CategoryOut, summary="Change a category (servicedesk.change_category)"
)
def update_category(request, code: str, payload: CategoryPatch):
    """Change the given fields; `is_active: false` takes the category out of use (its cases keep it)."""
    catalogue.require(request.auth, perms.MANAGE_CATALOGUE)
    category = _category_or_404(code)
    data = _category_refs(payload.dict(exclude_unset=True))
    catalogue.update_category(actor=request.auth, category=category, **data)
    return _category_out(_category_or_404(code))


def _rule_out(rule: SlaRule) -> dict[str, Any]:
    return {"id": rule.pk, "code": rule.code, **{f: getattr(rule, f) for f in catalogue.SLA_FIELDS}}


@router.get("/servicedesk/sla-rules", response=SlaRuleList, summary="List SLA rules")
def list_sla_rules(request):
    """Every SLA rule with its limits per priority."""
    _may_read_catalogue(request.auth, perms.MANAGE_SLA, perms.MANAGE_CATALOGUE)
    items = [_rule_out(r) for r in SlaRule.objects.order_by("code")]
    return {"items": items, "count": len(items)}


@router.post(
    "/servicedesk/sla-rules", response={201: SlaRuleOut}, summary="Create an SLA rule (servicedesk.change_slarule)"
)
def create_sla_rule(request, payload: SlaRuleIn):
    """Define the limits of a kind of category."""
    catalogue.require(request.auth, perms.MANAGE_SLA)
    return Status(201, _rule_out(catalogue.create_sla_rule(actor=request.auth, **payload.dict())))


@router.patch(
    "/servicedesk/sla-rules/{rule_id}", response=SlaRuleOut, summary="Change an SLA rule (servicedesk.change_slarule)"
)
def update_sla_rule(request, rule_id: int, payload: SlaRulePatch):
    """Change the limits for cases dispatched from now on; deadlines of cases already dispatched do not move."""
    catalogue.require(request.auth, perms.MANAGE_SLA)
    rule = SlaRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise OutOfScope(_("SLA rule not found."))
    return _rule_out(catalogue.update_sla_rule(actor=request.auth, rule=rule, **payload.dict(exclude_unset=True)))


def _hotline_out(h: HotlineCategory) -> dict[str, Any]:
    return {"code": h.code, **{f: getattr(h, f) for f in catalogue.HOTLINE_FIELDS}}


@router.get("/servicedesk/hotlines", response=HotlineList, summary="List hotline categories")
def list_hotlines(request):
    """The zone's hotline and website categories."""
    _may_read_catalogue(request.auth, perms.MANAGE_HOTLINES)
    items = [_hotline_out(h) for h in HotlineCategory.objects.order_by("sort_order", "code")]
    return {"items": items, "count": len(items)}


@router.post(
    "/servicedesk/hotlines",
    response={201: HotlineOut},
    summary="Create a hotline category (servicedesk.change_hotlinecategory)",
)
def create_hotline(request, payload: HotlineIn):
    """Add a hotline or website category."""
    catalogue.require(request.auth, perms.MANAGE_HOTLINES)
    return Status(201, _hotline_out(catalogue.create_hotline(actor=request.auth, **payload.dict())))


@router.patch(
    "/servicedesk/hotlines/{code}",
    response=HotlineOut,
    summary="Change a hotline category (servicedesk.change_hotlinecategory)",
)
def update_hotline(request, code: str, payload: HotlinePatch):
    """Change the given fields; `is_active: false` takes the hotline out of use."""
    catalogue.require(request.auth, perms.MANAGE_HOTLINES)
    hotline = HotlineCategory.objects.filter(code=code).first()
    if hotline is None:
        raise OutOfScope(_("Hotline category not found."))
    return _hotline_out(
        catalogue.update_hotline(actor=request.auth, hotline=hotline, **payload.dict(exclude_unset=True))
    )
