"""Writes of the service desk: every step of a case is one audited, compare-and-set transition."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from zoneops.accounts import actions as account_actions
from zoneops.accounts.models import Department, User
from zoneops.accounts.scoping import grants_for
from zoneops.audit.services import record
from zoneops.core import clock, notify
from zoneops.core.errors import Conflict, DomainError, InvalidTransition, OutOfScope, PermissionDenied
from zoneops.core.validators import validate_mobile
from zoneops.core.workflow import transition
from zoneops.servicedesk import actions, rollup, search_index, workdays
from zoneops.servicedesk import permissions as perms
from zoneops.servicedesk.choices import (
    EXTENSION_TRANSITIONS,
    OPEN_STATES,
    OPEN_WITH_DEPARTMENT,
    TASK_TRANSITIONS,
    TRANSITIONS,
    CaseStatus,
    Channel,
    EventKind,
    ExtensionStatus,
    FollowUpMethod,
    Priority,
    ReturnReason,
    Satisfaction,
    SupervisionLevel,
    TaskRole,
    TaskStatus,
)
from zoneops.servicedesk.models import (
    Attachment,
    Case,
    CaseCounter,
    CaseEvent,
    CaseTask,
    Category,
    ExtensionRequest,
    FollowUp,
    HotlineCategory,
    WorkCalendarOverride,
)

LIVE_TASKS = (TaskStatus.PENDING, TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS, TaskStatus.RESOLVED)
UNFINISHED_TASKS = (TaskStatus.PENDING, TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS)
MAX_EXTENSION_DAYS = Decimal(30)


# ---------------------------------------------------------------------------------------------- helpers


def _require(actor: User | None, perm: str, case: Case) -> None:
    """Permission first (403), then data scope for that permission (404, like a missing case)."""
    if actor is None or not actor.is_authenticated or not actor.has_perm(perm):
        raise PermissionDenied(_("You do not have permission for this action."))
    if case.pk is not None and not Case.objects.visible_to(actor, perm).filter(pk=case.pk).exists():
        raise OutOfScope(_("Case not found."))


def _require_perm(actor: User | None, perm: str) -> None:
    if actor is None or not actor.is_authenticated or not actor.has_perm(perm):
        raise PermissionDenied(_("You do not have permission for this action."))


def _require_task(actor: User | None, task: CaseTask) -> None:
    """A department handles only its own tasks (or any, with an all-data scope), while the case is with them."""
    _require_perm(actor, perms.HANDLE_TASK)
    grant = grants_for(actor, perms.HANDLE_TASK)
    if not grant.all and task.department_id not in grant.department_ids:
        raise OutOfScope(_("Task not found."))
    if task.case.status not in OPEN_WITH_DEPARTMENT:
        raise InvalidTransition(
            _("The case is %(status)s: its tasks cannot be worked on now.")
            % {"status": task.case.get_status_display()},
            field="status",
        )


def _text(value: str | None, field: str, *, required: bool = True, max_length: int = 4000) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_("This field is required."), field=field)
    if len(value) > max_length:
        raise DomainError(_("At most %(n)s characters.") % {"n": max_length}, field=field)
    return value


def _event(
    case: Case,
    kind: str,
    actor: User | None,
    *,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    task: CaseTask | None = None,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    department = getattr(actor, "department", None) if actor is not None else None
    # Every case change passes here, so this keeps the KPI rollup in step.
    rollup.mark_case(case)
    return CaseEvent.objects.create(
        case=case,
        task=task,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=actor.display_name if actor is not None else _("System"),
        department_name=department.name if department else "",
        at=clock.now(),
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )


def _audit(actor: User | None, action: str, obj, *, changes=None, note: str = "") -> None:
    record(actor, action, obj, changes=changes or {}, note=note, username=None if actor else "system")


def _move(case: Case, to: str, extra: dict[str, Any] | None = None) -> str:
    return transition(case, to=to, table=TRANSITIONS, extra=extra)


def _move_task(task: CaseTask, to: str, extra: dict[str, Any] | None = None) -> str:
    return transition(task, to=to, table=TASK_TRANSITIONS, extra=extra)


def _department_recipients(department: Department, *, heads: bool) -> list[User]:
    """Active members (main department or post) holding the handling permission; with `heads`, its head too."""
    members = User.objects.filter(is_active=True).filter(Q(department=department) | Q(posts__department=department))
    handlers = Q(
        roles__is_active=True,
        roles__permissions__content_type__app_label="servicedesk",
        roles__permissions__codename=perms.HANDLE_TASK.split(".")[1],
    )
    recipients = Q(pk__in=members.filter(handlers).values("pk"))
    if heads and department.head_id is not None:
        recipients |= Q(pk=department.head_id)
    return list(User.objects.filter(is_active=True).filter(recipients))


def _notify_department(
    department: Department | None, text: str, *, case: Case | None = None, kind: str = "", heads: bool = False
) -> None:
    """SMS to the department's duty phone after commit; with a case, in-app notices to its handlers (and head)."""
    if department is None:
        return
    target = department.phone or department.code
    transaction.on_commit(lambda: notify.send(channel="sms", to=target, text=text))
    if case is not None:
        notify.notify_users(
            _department_recipients(department, heads=heads),
            kind=kind or "servicedesk.case",
            title=text,
            body=text if len(text) > notify.TITLE_MAX_LENGTH else "",
            link=reverse("servicedesk:case-detail", args=[case.number]),
            target=case,
        )


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter a number."), field=field) from None
    return number


def next_case_number(day: dt.date) -> str:
    """GD + date + 4-digit sequence; the per-day counter row serialises concurrent registrations."""
    updated = CaseCounter.objects.filter(day=day).update(last=F("last") + 1)
    if not updated:
        try:
            with transaction.atomic():
                CaseCounter.objects.create(day=day, last=1)
        except IntegrityError:
            # Another registration created today's row first: take the next number from it.
            CaseCounter.objects.filter(day=day).update(last=F("last") + 1)
    last = CaseCounter.objects.get(day=day).last
    return f"GD{day:%Y%m%d}-{last:04d}"


# ---------------------------------------------------------------------------------------------- intake


def _validate_extra(category: Category, extra: dict[str, Any] | None) -> dict[str, Any]:
    extra = dict(extra or {})
    definitions = {d.get("code"): d for d in category.extra_fields or [] if d.get("code")}
    unknown = sorted(set(extra) - set(definitions))
    if unknown:
        raise DomainError(_("Unknown extra field: %(code)s.") % {"code": unknown[0]}, field="extra")
    cleaned: dict[str, Any] = {}
    for code, definition in definitions.items():
        value = extra.get(code)
        if value in (None, ""):
            if definition.get("required"):
                raise DomainError(_("This field is required."), field=f"extra.{code}")
            continue
        kind = definition.get("type", "text")
        if kind == "int":
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise DomainError(_("Enter a whole number."), field=f"extra.{code}") from None
        elif kind == "choice" and value not in definition.get("choices", []):
            raise DomainError(_("Choose one of the listed values."), field=f"extra.{code}")
        else:
            value = str(value)[:500]
        cleaned[code] = value
    return cleaned


@transaction.atomic
def register_case(
    *,
    actor: User,
    channel: str,
    category: Category,
    title: str,
    description: str,
    priority: str = Priority.NORMAL,
    hotline: HotlineCategory | None = None,
    enterprise=None,
    requester_name: str = "",
    requester_mobile: str = "",
    is_anonymous: bool = False,
    address: str = "",
    latitude: Decimal | float | str | None = None,
    longitude: Decimal | float | str | None = None,
    tags: Iterable[str] = (),
    extra: dict[str, Any] | None = None,
    answer: str = "",
) -> Case:
    """Register a request; a consultation answered at once is closed at intake (first-contact resolution)."""
    _require_perm(actor, perms.INTAKE_CASE)
    if channel not in Channel.values:
        raise DomainError(_("Unknown channel."), field="channel")
    if priority not in Priority.values:
        raise DomainError(_("Unknown priority."), field="priority")
    if channel == Channel.HOTLINE and hotline is None:
        raise DomainError(_("A hotline case names its hotline category."), field="hotline")
    if hotline is not None and not hotline.is_active:
        raise DomainError(_("This hotline category is not in use."), field="hotline")
    if not category.is_active:
        raise DomainError(_("This category is not in use."), field="category")
    title = _text(title, "title", max_length=200)
    description = _text(description, "description", max_length=4000)
    requester_name = _text(requester_name, "requester_name", required=False, max_length=60)
    requester_mobile = "".join((requester_mobile or "").split())
    if requester_mobile:
        try:
            validate_mobile(requester_mobile)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], field="requester_mobile") from None
    if not is_anonymous and enterprise is None and not requester_name:
        raise DomainError(
            _("Name the enterprise or the person asking, or mark the case anonymous."), field="requester_name"
        )
    coordinates = {}
    for name, value, bound in (("latitude", latitude, 90), ("longitude", longitude, 180)):
        if value in (None, ""):
            coordinates[name] = None
            continue
        number = _decimal(value, name).quantize(Decimal("0.000001"))
        if abs(number) > bound:
            raise DomainError(_("Out of range."), field=name)
        coordinates[name] = number
    answer = _text(answer, "answer", required=False)
    if answer and not category.is_consultation:
        raise DomainError(_("Only consultations can be answered and closed at intake."), field="answer")
    clean_tags = sorted({str(t).strip()[:20] for t in tags if str(t).strip()})
    now = clock.now()
    case = Case.objects.create(
        number=next_case_number(clock.today()),
        channel=channel,
        hotline=hotline,
        enterprise=enterprise,
        requester_name="" if is_anonymous else requester_name,
        requester_mobile="" if is_anonymous else requester_mobile,
        is_anonymous=is_anonymous,
        category=category,
        priority=priority,
        title=title,
        description=description,
        address=_text(address, "address", required=False, max_length=255),
        latitude=coordinates["latitude"],
        longitude=coordinates["longitude"],
        tags=clean_tags,
        extra=_validate_extra(category, extra),
        created_by=actor,
    )
    search_index.index_case(case)  # the word index of title and description commits with the case
    _event(case, EventKind.REGISTERED, actor, to_status=CaseStatus.REGISTERED, data={"channel": channel})
    _audit(actor, actions.CASE_REGISTERED, case, changes={"status": [None, CaseStatus.REGISTERED]})
    if answer:
        previous = _move(
            case,
            CaseStatus.CLOSED,
            {"answer": answer, "first_contact_resolution": True, "resolved_at": now, "closed_at": now},
        )
        _event(case, EventKind.ANSWERED, actor, from_status=previous, to_status=CaseStatus.CLOSED, note=answer)
        _audit(actor, actions.CASE_ANSWERED, case, changes={"status": [previous, CaseStatus.CLOSED]}, note=answer)
    return case


# ---------------------------------------------------------------------------------------------- dispatch


def _department_list(lead: Department, assisting: Sequence[Department]) -> list[Department]:
    if not lead.is_active:
        raise DomainError(_("This department is disabled."), field="department")
    seen = {lead.pk}
    result = []
    for department in assisting:
        if department.pk in seen:
            raise DomainError(_("A department appears twice."), field="assisting")
        if not department.is_active:
            raise DomainError(_("This department is disabled."), field="assisting")
        seen.add(department.pk)
        result.append(department)
    return result


def _dispatch(
    *,
    actor: User,
    case: Case,
    department: Department,
    assisting: Sequence[Department],
    note: str,
    binding: bool,
    kind: str,
    action: str,
) -> Case:
    assisting = _department_list(department, assisting)
    now = clock.now()
    sign_due, due = workdays.deadlines(case.category.sla_rule, case.priority, now)
    previous_department = case.department_id
    previous = _move(
        case,
        CaseStatus.DISPATCHED,
        {
            "department": department,
            "dispatched_at": now,
            "sign_due_at": sign_due,
            "due_at": due,
            "accepted_at": None,
            "is_overdue": False,
            "is_sign_overdue": False,
            "warned_at": None,
        },
    )
    # A re-dispatch replaces the previous set of tasks.
    case.tasks.filter(status__in=LIVE_TASKS).update(status=TaskStatus.CANCELLED, updated_at=now)
    tasks = [
        CaseTask(
            case=case,
            department=d,
            role=role,
            dispatched_at=now,
            sign_due_at=sign_due,
            due_at=due,
            is_binding=binding,
            instructions=note,
        )
        for d, role in [(department, TaskRole.LEAD)] + [(d, TaskRole.ASSISTING) for d in assisting]
    ]
    CaseTask.objects.bulk_create(tasks)
    data = {"department": department.code, "assisting": [d.code for d in assisting], "due_at": due.isoformat()}
    _event(case, kind, actor, from_status=previous, to_status=CaseStatus.DISPATCHED, note=note, data=data)
    _audit(
        actor,
        action,
        case,
        changes={"status": [previous, CaseStatus.DISPATCHED], "department": [previous_department, department.pk]},
        note=note,
    )
    for d in [department, *assisting]:
        _notify_department(
            d,
            _("New case %(number)s: %(title)s") % {"number": case.number, "title": case.title},
            case=case,
            kind="servicedesk.case_dispatched",
        )
    return case


@transaction.atomic
def dispatch_case(
    *, actor: User, case: Case, department: Department, assisting: Sequence[Department] = (), note: str = ""
) -> Case:
    """Send a registered or returned case to a lead department (and assisting ones); the SLA clock starts now."""
    _require(actor, perms.DISPATCH_CASE, case)
    if case.status == CaseStatus.ARBITRATION:
        raise InvalidTransition(
            _("This case awaits arbitration; only an arbitration decision can dispatch it."), field="status"
        )
    return _dispatch(
        actor=actor,
        case=case,
        department=department,
        assisting=assisting,
        note=_text(note, "note", required=False),
        binding=False,
        kind=EventKind.DISPATCHED,
        action=actions.CASE_DISPATCHED,
    )


@transaction.atomic
def arbitrate_case(
    *, actor: User, case: Case, department: Department, assisting: Sequence[Department] = (), note: str
) -> Case:
    """The command centre's binding decision (审定) on a disputed case: the chosen department must handle it."""
    _require(actor, perms.ARBITRATE_CASE, case)
    if case.status != CaseStatus.ARBITRATION:
        raise InvalidTransition(_("Only a case in arbitration can be arbitrated."), field="status")
    return _dispatch(
        actor=actor,
        case=case,
        department=department,
        assisting=assisting,
        note=_text(note, "note"),
        binding=True,
        kind=EventKind.ARBITRATED,
        action=actions.CASE_ARBITRATED,
    )


# ---------------------------------------------------------------------------------------------- tasks


def lead_task(case: Case) -> CaseTask | None:
    """The case's live lead task, if any."""
    return case.tasks.filter(role=TaskRole.LEAD, status__in=LIVE_TASKS).first()


@transaction.atomic
def accept_task(*, actor: User, task: CaseTask, note: str = "") -> CaseTask:
    """Sign for a task (签收); for the lead task the case becomes accepted."""
    _require_task(actor, task)
    now = clock.now()
    previous = _move_task(task, TaskStatus.ACCEPTED, {"accepted_at": now, "accepted_by": actor})
    case = task.case
    case_from = case_to = ""
    if task.role == TaskRole.LEAD:
        late = bool(case.sign_due_at and now > case.sign_due_at)
        case_from = _move(case, CaseStatus.ACCEPTED, {"accepted_at": now, "is_sign_overdue": late})
        case_to = CaseStatus.ACCEPTED
    _event(
        case,
        EventKind.ACCEPTED,
        actor,
        from_status=case_from,
        to_status=case_to,
        note=note,
        task=task,
        data={"task_from": previous, "department": task.department.code},
    )
    _audit(
        actor, actions.TASK_ACCEPTED, case, changes={"task": task.pk, "task_status": [previous, task.status]}, note=note
    )
    return task


@transaction.atomic
def start_task(*, actor: User, task: CaseTask, note: str = "") -> CaseTask:
    """Begin handling a signed-for task; for the lead task the case becomes in progress."""
    _require_task(actor, task)
    previous = _move_task(task, TaskStatus.IN_PROGRESS)
    case = task.case
    case_from = case_to = ""
    if task.role == TaskRole.LEAD:
        case_from = _move(case, CaseStatus.IN_PROGRESS)
        case_to = CaseStatus.IN_PROGRESS
    _event(case, EventKind.STARTED, actor, from_status=case_from, to_status=case_to, note=note, task=task)
    _audit(
        actor, actions.TASK_STARTED, case, changes={"task": task.pk, "task_status": [previous, task.status]}, note=note
    )
    return task


@transaction.atomic
def note_progress(*, actor: User, task: CaseTask, note: str) -> CaseEvent:
    """Add a progress note to a task the department is handling."""
    _require_task(actor, task)
    if task.status not in (TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS):
        raise InvalidTransition(_("Progress can be noted only on a task being handled."), field="status")
    note = _text(note, "note")
    event = _event(task.case, EventKind.PROGRESS, actor, note=note, task=task)
    _audit(actor, actions.TASK_PROGRESS, task.case, changes={"task": task.pk}, note=note)
    return event


@transaction.atomic
def return_task(*, actor: User, task: CaseTask, reason: str, note: str) -> CaseTask:
    """Return a task (退单) with a reason code and note; the lead's second return sends the case to arbitration."""
    _require_task(actor, task)
    if reason not in ReturnReason.values:
        raise DomainError(_("Choose a return reason."), field="reason")
    note = _text(note, "note")
    if task.is_binding:
        raise InvalidTransition(
            _("The command centre's arbitration binds: this task cannot be returned."), field="status"
        )
    now = clock.now()
    previous = _move_task(task, TaskStatus.RETURNED, {"returned_at": now, "return_reason": reason, "return_note": note})
    case = task.case
    case_from = case_to = ""
    if task.role == TaskRole.LEAD:
        count = case.return_count + 1
        case_to = CaseStatus.ARBITRATION if count >= 2 else CaseStatus.RETURNED
        case_from = _move(case, case_to, {"return_count": count})
    _event(
        case,
        EventKind.RETURNED,
        actor,
        from_status=case_from,
        to_status=case_to,
        note=note,
        task=task,
        data={"reason": reason, "department": task.department.code},
    )
    _audit(
        actor,
        actions.TASK_RETURNED,
        case,
        changes={"task": task.pk, "task_status": [previous, task.status], "status": [case_from, case_to]},
        note=f"{reason}: {note}",
    )
    return task


@transaction.atomic
def resolve_task(*, actor: User, task: CaseTask, resolution: str) -> CaseTask:
    """Resolve a task (办结); the lead's resolution resolves the case once every other task is done."""
    _require_task(actor, task)
    resolution = _text(resolution, "resolution")
    now = clock.now()
    case = task.case
    if task.role == TaskRole.LEAD and case.tasks.filter(status__in=UNFINISHED_TASKS).exclude(pk=task.pk).exists():
        raise InvalidTransition(_("The assisting departments have not finished their tasks yet."), field="status")
    previous = _move_task(
        task, TaskStatus.RESOLVED, {"resolved_at": now, "resolved_by": actor, "resolution": resolution}
    )
    _event(case, EventKind.TASK_RESOLVED, actor, note=resolution, task=task, data={"department": task.department.code})
    _audit(
        actor,
        actions.TASK_RESOLVED,
        case,
        changes={"task": task.pk, "task_status": [previous, task.status]},
        note=resolution,
    )
    if task.role == TaskRole.LEAD:
        late = bool(case.due_at and now > case.due_at)
        case_from = _move(case, CaseStatus.RESOLVED, {"resolved_at": now, "resolution": resolution, "is_overdue": late})
        _event(case, EventKind.RESOLVED, actor, from_status=case_from, to_status=CaseStatus.RESOLVED, note=resolution)
        _audit(
            actor, actions.CASE_RESOLVED, case, changes={"status": [case_from, CaseStatus.RESOLVED]}, note=resolution
        )
    return task


@transaction.atomic
def resolve_case(*, actor: User, case: Case, resolution: str) -> Case:
    """Resolve the case through its lead task."""
    task = lead_task(case)
    if task is None:
        raise InvalidTransition(_("The case has no department task to resolve."), field="status")
    resolve_task(actor=actor, task=task, resolution=resolution)
    case.refresh_from_db()
    return case


# ---------------------------------------------------------------------------------------------- extension


@transaction.atomic
def request_extension(*, actor: User, task: CaseTask, working_days, reason: str) -> ExtensionRequest:
    """Ask for more time (延期) before the task's deadline, with a reason."""
    _require_task(actor, task)
    if task.status not in (TaskStatus.PENDING, TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS):
        raise InvalidTransition(_("Only a task being handled can be extended."), field="status")
    days = _decimal(working_days, "working_days")
    if days <= 0 or days > MAX_EXTENSION_DAYS:
        raise DomainError(_("Between 0 and %(n)s working days.") % {"n": MAX_EXTENSION_DAYS}, field="working_days")
    reason = _text(reason, "reason")
    now = clock.now()
    if task.due_at is None or now >= task.due_at:
        raise DomainError(_("The deadline has passed: an extension must be asked for before it."), field="due_at")
    if task.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise Conflict(_("An extension request for this task is already waiting for a decision."), field="task")
    extension = ExtensionRequest.objects.create(
        case=task.case,
        task=task,
        working_days=days,
        reason=reason,
        requested_by=actor,
        requested_at=now,
        previous_due_at=task.due_at,
    )
    _event(
        task.case,
        EventKind.EXTENSION_REQUESTED,
        actor,
        note=reason,
        task=task,
        data={"working_days": str(days), "extension": extension.pk},
    )
    _audit(
        actor,
        actions.EXTENSION_REQUESTED,
        task.case,
        changes={"extension": extension.pk, "working_days": days},
        note=reason,
    )
    return extension


@transaction.atomic
def decide_extension(*, actor: User, extension: ExtensionRequest, approve: bool, note: str = "") -> ExtensionRequest:
    """The command centre approves (the deadline moves) or refuses an extension request."""
    case = extension.case
    _require(actor, perms.ARBITRATE_CASE, case)
    note = _text(note, "note", required=not approve)
    now = clock.now()
    task = extension.task
    new_due = None
    if approve:
        new_due = workdays.add_working_days(task.due_at, extension.working_days)
    to = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    transition(
        extension,
        to=to,
        table=EXTENSION_TRANSITIONS,
        extra={"decided_by": actor, "decided_at": now, "decision_note": note, "new_due_at": new_due},
    )
    if approve:
        CaseTask.objects.filter(pk=task.pk).update(due_at=new_due, is_overdue=False, updated_at=now)
        task.due_at = new_due
        if task.role == TaskRole.LEAD:
            Case.objects.filter(pk=case.pk).update(due_at=new_due, is_overdue=False, warned_at=None, updated_at=now)
            case.due_at, case.is_overdue, case.warned_at = new_due, False, None
        if case.requester_mobile:
            mobile = case.requester_mobile
            text = _("Your case %(number)s has a new deadline: %(due)s.") % {
                "number": case.number,
                "due": f"{new_due.astimezone():%Y-%m-%d %H:%M}",
            }
            transaction.on_commit(lambda: notify.send(channel="sms", to=mobile, text=text))
    _event(
        case,
        EventKind.EXTENSION_DECIDED,
        actor,
        note=note,
        task=task,
        data={"approved": approve, "extension": extension.pk, "new_due_at": new_due.isoformat() if new_due else None},
    )
    _audit(
        actor,
        actions.EXTENSION_DECIDED,
        case,
        changes={"extension": extension.pk, "status": [ExtensionStatus.PENDING, to]},
        note=note,
    )
    return extension


# ---------------------------------------------------------------------------------------------- suspend / supervise


@transaction.atomic
def suspend_case(*, actor: User, case: Case, reason: str) -> Case:
    """Suspend an open case with a reason; its SLA clock stops until resumed."""
    _require(actor, perms.DISPATCH_CASE, case)
    reason = _text(reason, "reason")
    now = clock.now()
    previous = _move(case, CaseStatus.SUSPENDED, {"suspended_at": now, "suspended_from": case.status})
    _event(case, EventKind.SUSPENDED, actor, from_status=previous, to_status=CaseStatus.SUSPENDED, note=reason)
    _audit(actor, actions.CASE_SUSPENDED, case, changes={"status": [previous, CaseStatus.SUSPENDED]}, note=reason)
    return case


@transaction.atomic
def resume_case(*, actor: User, case: Case, note: str = "") -> Case:
    """Resume a suspended case where it left off; its deadlines move by the time it was suspended."""
    _require(actor, perms.DISPATCH_CASE, case)
    if case.status != CaseStatus.SUSPENDED:
        raise InvalidTransition(_("Only a suspended case can be resumed."), field="status")
    now = clock.now()
    wall = case.priority == Priority.EMERGENCY
    cal = workdays.load_calendar()
    since = case.suspended_at or now

    def shifted(moment):
        return workdays.shift_for_pause(moment, since, now, wall_clock=wall, calendar=cal) if moment else None

    extra = {
        "suspended_at": None,
        "suspended_from": "",
        "due_at": shifted(case.due_at),
        "sign_due_at": shifted(case.sign_due_at),
    }
    previous = _move(case, case.suspended_from or CaseStatus.REGISTERED, extra)
    for task in case.tasks.filter(status__in=UNFINISHED_TASKS):
        CaseTask.objects.filter(pk=task.pk).update(
            due_at=shifted(task.due_at), sign_due_at=shifted(task.sign_due_at), updated_at=now
        )
    _event(
        case,
        EventKind.RESUMED,
        actor,
        from_status=previous,
        to_status=case.status,
        note=note,
        data={"due_at": case.due_at.isoformat() if case.due_at else None},
    )
    _audit(actor, actions.CASE_RESUMED, case, changes={"status": [previous, case.status]}, note=note)
    return case


def _raise_supervision(case: Case, level: int, actor: User | None, note: str) -> bool:
    """Compare-and-set the supervision level upwards; False if it is already at or above `level`."""
    current = case.supervision_level
    if level <= current:
        return False
    updated = Case.objects.filter(pk=case.pk, supervision_level=current).update(
        supervision_level=level, updated_at=clock.now()
    )
    if updated != 1:
        raise Conflict(_("Someone else changed this record first; reload and try again."), field="supervision_level")
    case.supervision_level = level
    label = SupervisionLevel(level).label
    _event(case, EventKind.SUPERVISED, actor, note=note, data={"level": level})
    _audit(actor, actions.CASE_SUPERVISED, case, changes={"supervision_level": [current, level]}, note=note)
    _notify_department(
        case.department,
        _("%(level)s: case %(number)s %(title)s. %(note)s")
        % {"level": label, "number": case.number, "title": case.title, "note": note},
        case=case,
        kind="servicedesk.case_supervised",
        heads=True,
    )
    return True


@transaction.atomic
def supervise_case(*, actor: User, case: Case, level: int, note: str) -> Case:
    """Raise the supervision level (督办) of an open case; the department head is notified."""
    _require(actor, perms.SUPERVISE_CASE, case)
    if case.status not in OPEN_STATES:
        raise InvalidTransition(_("Only an open case can be supervised."), field="status")
    try:
        level = int(level)
    except (TypeError, ValueError):
        raise DomainError(_("Choose a supervision level."), field="level") from None
    if level not in (SupervisionLevel.REMINDER, SupervisionLevel.SUPERVISION, SupervisionLevel.LEADER):
        raise DomainError(_("Choose a supervision level."), field="level")
    note = _text(note, "note")
    if not _raise_supervision(case, level, actor, note):
        raise DomainError(_("The case is already supervised at this level or higher."), field="level")
    return case


# ---------------------------------------------------------------------------------------------- follow-up


def _send_back(case: Case, actor: User, *, kind: str, action: str, note: str, data: dict | None = None) -> Case:
    """Send a resolved case back to its lead department (重办) with a fresh resolution deadline."""
    task = case.tasks.filter(role=TaskRole.LEAD, status=TaskStatus.RESOLVED).first()
    if task is None:
        raise InvalidTransition(_("The case has no resolved lead task to send back."), field="status")
    now = clock.now()
    due = workdays.deadlines(case.category.sla_rule, case.priority, now)[1]
    previous = _move(
        case, CaseStatus.IN_PROGRESS, {"due_at": due, "resolved_at": None, "is_overdue": False, "warned_at": None}
    )
    _move_task(task, TaskStatus.IN_PROGRESS, {"due_at": due, "resolved_at": None, "is_overdue": False})
    _event(case, kind, actor, from_status=previous, to_status=CaseStatus.IN_PROGRESS, note=note, task=task, data=data)
    _audit(actor, action, case, changes={"status": [previous, CaseStatus.IN_PROGRESS]}, note=note)
    _notify_department(
        task.department,
        _("Case %(number)s must be handled again: %(note)s") % {"number": case.number, "note": note},
        case=case,
        kind="servicedesk.case_sent_back",
    )
    return case


@transaction.atomic
def follow_up_case(
    *,
    actor: User,
    case: Case,
    satisfaction: str,
    method: str = FollowUpMethod.PHONE,
    reason: str = "",
    is_attributable: bool = False,
) -> FollowUp:
    """Record the call-back (回访); unsatisfied for a reason the department controls sends the case back (重办)."""
    _require(actor, perms.FOLLOW_UP_CASE, case)
    if satisfaction not in Satisfaction.values:
        raise DomainError(_("Choose the requester's satisfaction."), field="satisfaction")
    if method not in FollowUpMethod.values:
        raise DomainError(_("Unknown follow-up method."), field="method")
    unsatisfied = satisfaction == Satisfaction.UNSATISFIED
    reason = _text(reason, "reason", required=unsatisfied)
    if case.status != CaseStatus.RESOLVED:
        raise InvalidTransition(_("Only a resolved case can be followed up."), field="status")
    follow_up = FollowUp.objects.create(
        case=case,
        method=method,
        satisfaction=satisfaction,
        reason=reason,
        is_attributable=unsatisfied and is_attributable,
        by=actor,
        at=clock.now(),
    )
    Case.objects.filter(pk=case.pk).update(satisfaction=satisfaction)
    case.satisfaction = satisfaction
    data = {"satisfaction": satisfaction, "method": method, "follow_up": follow_up.pk}
    if follow_up.is_attributable:
        _send_back(case, actor, kind=EventKind.REDONE, action=actions.CASE_REDONE, note=reason, data=data)
        return follow_up
    previous = _move(case, CaseStatus.FOLLOWED_UP)
    _event(
        case,
        EventKind.FOLLOWED_UP,
        actor,
        from_status=previous,
        to_status=CaseStatus.FOLLOWED_UP,
        note=reason,
        data=data,
    )
    _audit(
        actor,
        actions.CASE_FOLLOWED_UP,
        case,
        changes={"status": [previous, CaseStatus.FOLLOWED_UP], "satisfaction": [None, satisfaction]},
        note=reason,
    )
    return follow_up


@transaction.atomic
def reopen_case(*, actor: User, case: Case, note: str) -> Case:
    """Reopen a resolved or followed-up case and send it back to its lead department."""
    _require(actor, perms.DISPATCH_CASE, case)
    note = _text(note, "note")
    if case.status not in (CaseStatus.RESOLVED, CaseStatus.FOLLOWED_UP):
        raise InvalidTransition(_("Only a resolved or followed-up case can be reopened."), field="status")
    return _send_back(case, actor, kind=EventKind.REOPENED, action=actions.CASE_REOPENED, note=note)


@transaction.atomic
def close_case(*, actor: User, case: Case, note: str = "") -> Case:
    """Archive (归档) a followed-up case, or an anonymous resolved one nobody can be called back about."""
    _require(actor, perms.FOLLOW_UP_CASE, case)
    if case.status == CaseStatus.RESOLVED and not case.is_anonymous:
        raise InvalidTransition(_("Follow the case up before closing it."), field="status")
    previous = _move(case, CaseStatus.CLOSED, {"closed_at": clock.now()})
    _event(case, EventKind.CLOSED, actor, from_status=previous, to_status=CaseStatus.CLOSED, note=note)
    _audit(actor, actions.CASE_CLOSED, case, changes={"status": [previous, CaseStatus.CLOSED]}, note=note)
    return case


@transaction.atomic
def merge_case(*, actor: User, case: Case, into: Case, note: str = "") -> Case:
    """Close a registered duplicate by merging it into another case; both timelines record it."""
    _require(actor, perms.DISPATCH_CASE, case)
    _require(actor, perms.DISPATCH_CASE, into)
    if into.pk == case.pk or into.merged_into_id is not None:
        raise DomainError(_("Choose another case that is not itself merged."), field="into")
    if case.status != CaseStatus.REGISTERED:
        raise InvalidTransition(_("Only a case not yet dispatched can be merged."), field="status")
    now = clock.now()
    note = _text(note, "note", required=False)
    previous = _move(case, CaseStatus.CLOSED, {"merged_into": into, "closed_at": now})
    _event(
        case,
        EventKind.MERGED,
        actor,
        from_status=previous,
        to_status=CaseStatus.CLOSED,
        note=note,
        data={"into": into.number},
    )
    _event(into, EventKind.MERGED, actor, note=note, data={"duplicate": case.number})
    _audit(
        actor,
        actions.CASE_MERGED,
        case,
        changes={"status": [previous, CaseStatus.CLOSED], "merged_into": into.pk},
        note=note,
    )
    return case


# ---------------------------------------------------------------------------------------------- attachments, data


@transaction.atomic
def add_attachment(*, actor: User, case: Case, upload, task: CaseTask | None = None) -> Attachment:
    """Attach a file within the allowed types and size."""
    if task is not None:
        _require_task(actor, task)
    else:
        _require(actor, perms.INTAKE_CASE, case)
    name = (getattr(upload, "name", "") or "").rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in Attachment.ALLOWED_EXTENSIONS:
        raise DomainError(
            _("Allowed file types: %(types)s.") % {"types": ", ".join(Attachment.ALLOWED_EXTENSIONS)}, field="file"
        )
    size = getattr(upload, "size", 0) or 0
    if size > Attachment.MAX_BYTES:
        raise DomainError(_("The file is larger than 10 MB."), field="file")
    if size == 0:
        raise DomainError(_("The file is empty."), field="file")
    attachment = Attachment(
        case=case, task=task, name=name[:200], size=size, uploaded_by=actor, uploaded_at=clock.now()
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    _event(case, EventKind.ATTACHMENT, actor, note=name, task=task, data={"attachment": attachment.pk})
    _audit(actor, actions.ATTACHMENT_ADDED, case, changes={"attachment": attachment.pk, "name": name})
    return attachment


@transaction.atomic
def reveal_requester(*, actor: User, case: Case) -> dict[str, str]:
    """The requester's unmasked name and mobile; each view is audited."""
    _require(actor, perms.VIEW_CASE, case)
    _require_perm(actor, perms.VIEW_PERSONAL_DATA)
    record(
        actor, account_actions.PERSONAL_DATA_VIEWED, case, changes={"fields": ["requester_name", "requester_mobile"]}
    )
    return {"name": case.requester_name, "mobile": case.requester_mobile}


@transaction.atomic
def set_calendar_day(*, actor: User, day: dt.date, is_workday: bool, note: str = "") -> WorkCalendarOverride:
    """Mark a date as a working day or a day off, overriding the national calendar."""
    _require_perm(actor, perms.CHANGE_CALENDAR)
    override, created = WorkCalendarOverride.objects.update_or_create(
        date=day, defaults={"is_workday": is_workday, "note": _text(note, "note", required=False, max_length=100)}
    )
    record(actor, actions.CALENDAR_CHANGED, override, changes={"date": day, "is_workday": is_workday}, note=note)
    return override


# ---------------------------------------------------------------------------------------------- sweep


WARN_AT = 0.75
ESCALATE_AFTER_WORKING_DAYS = 3


def sweep_cases(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Warn at 75% of the time, mark overdue, raise supervision, notify. Running it twice changes nothing more."""
    now = now or clock.now()
    cal = workdays.load_calendar()
    counts = {"warned": 0, "overdue": 0, "sign_overdue": 0, "escalated": 0}
    running = Case.objects.filter(status__in=OPEN_WITH_DEPARTMENT, due_at__isnull=False).select_related("department")
    for case in running.filter(is_sign_overdue=False, accepted_at__isnull=True, sign_due_at__lt=now).iterator():
        with transaction.atomic():
            if Case.objects.filter(pk=case.pk, is_sign_overdue=False, accepted_at__isnull=True).update(
                is_sign_overdue=True
            ):
                counts["sign_overdue"] += 1
                _event(case, EventKind.OVERDUE, None, note=_("Not signed for in time."), data={"what": "sign_for"})
                _audit(None, actions.CASE_OVERDUE, case, changes={"is_sign_overdue": [False, True]})
                _notify_department(
                    case.department,
                    _("Case %(number)s has not been signed for in time.") % {"number": case.number},
                    case=case,
                    kind="servicedesk.case_sign_overdue",
                )
    for case in running.filter(is_overdue=False, warned_at__isnull=True, due_at__gt=now).iterator():
        wall = case.priority == Priority.EMERGENCY
        if workdays.elapsed_fraction(case.dispatched_at, case.due_at, now, wall_clock=wall, calendar=cal) < WARN_AT:
            continue
        with transaction.atomic():
            if Case.objects.filter(pk=case.pk, warned_at__isnull=True).update(warned_at=now):
                counts["warned"] += 1
                _event(case, EventKind.WARNED, None, data={"due_at": case.due_at.isoformat()})
                _audit(None, actions.CASE_WARNED, case, changes={"warned_at": [None, now]})
                _raise_supervision(case, SupervisionLevel.REMINDER, None, _("Three quarters of the time used."))
    for case in running.filter(is_overdue=False, due_at__lte=now).iterator():
        with transaction.atomic():
            if Case.objects.filter(pk=case.pk, is_overdue=False).update(is_overdue=True):
                counts["overdue"] += 1
                case.is_overdue = True
                CaseTask.objects.filter(case=case, status__in=UNFINISHED_TASKS, due_at__lte=now).update(is_overdue=True)
                _event(case, EventKind.OVERDUE, None, data={"due_at": case.due_at.isoformat()})
                _audit(None, actions.CASE_OVERDUE, case, changes={"is_overdue": [False, True]})
                _raise_supervision(case, SupervisionLevel.SUPERVISION, None, _("Deadline passed."))
    for case in running.filter(is_overdue=True, supervision_level__lt=SupervisionLevel.LEADER).iterator():
        if cal.add_working_days(case.due_at, ESCALATE_AFTER_WORKING_DAYS) > now:
            continue
        with transaction.atomic():
            if _raise_supervision(case, SupervisionLevel.LEADER, None, _("Overdue for more than 3 working days.")):
                counts["escalated"] += 1
    return counts
