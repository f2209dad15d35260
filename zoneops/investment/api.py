"""Investment API: exchange rates, industries, projects and their stage actions, negotiations, statistics, bulletin."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from zoneops.core import clock
from zoneops.core.errors import DomainError, PermissionDenied
from zoneops.investment import permissions as perms
from zoneops.investment import selectors, services, stats
from zoneops.investment.choices import Basis, Channel, Stage
from zoneops.investment.models import FxRate, Negotiation, Project

router = Router(tags=["investment"])


def _need(request, perm: str) -> None:
    if not request.auth.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))


# ------------------------------------------------------------------------------------------------ schemas


class FxRateIn(Schema):
    """A statistical exchange rate from a date on."""

    currency: str = Field(..., examples=["USD"])
    rate_to_cny: str = Field(..., examples=["6.35"], description="decimal string, CNY per one unit")
    effective_on: dt.date


class FxRateOut(Schema):
    """A stored exchange rate."""

    id: int
    currency: str
    rate_to_cny: Decimal
    effective_on: dt.date


class IndustryOut(Schema):
    """An industry of the dictionary; `is_leading` marks the "3+1" leading industries."""

    code: str
    name: str
    is_leading: bool


class CapacityLineIO(Schema):
    """A product and annual capacity at full production."""

    product: str
    quantity: str
    unit: str = Field(..., description="片 / 套 / 件 / 吨 / 台")


class ProjectIn(Schema):
    """A new project. Amounts are decimal strings in the currency's unit ("300000000" for US$300m)."""

    name: str
    investor: str = Field(
        ...,
        description="the investor's name, matched to the registry enterprise of that exact name; a new name is "
        "added to the registry as a prospective investor (no credit code yet) and linked",
    )
    investor_listing_board: str = Field(
        "", description="listing board of a new investor (main, chinext, star, bse, hkex, us, other)"
    )
    investor_ticker: str = Field("", description="ticker of a new listed investor")
    industry: str = Field(..., description="industry code")
    currency: str = "CNY"
    total_investment: str
    is_foreign: bool = False
    stage: Stage = Stage.LEAD
    signed_on: dt.date | None = None
    contract_amount: str | None = None
    unit: str | None = Field(None, description="investment unit code; default: the caller's department")
    owner: str | None = Field(None, description="username of the responsible staff; default: the caller")
    source: str = "other"
    assignment_level: str = ""
    construction_type: str = "new"
    outside_leading_reason: str = ""
    outside_leading_approver: str | None = Field(None, description="username")
    registered_capital: str | None = None
    foreign_capital: str | None = None
    next_step: str = ""
    next_step_on: dt.date | None = None
    expected_output: str | None = None
    expected_tax: str | None = None
    land_mu: str | None = None
    jobs: int | None = None
    description: str = ""
    capacity_lines: list[CapacityLineIO] = []


class ProjectPatch(Schema):
    """Fields to change (stage and status change through the actions)."""

    name: str | None = None
    investor: str | None = None
    industry: str | None = None
    currency: str | None = None
    total_investment: str | None = None
    is_foreign: bool | None = None
    signed_on: dt.date | None = None
    contract_amount: str | None = None
    registered_capital: str | None = None
    foreign_capital: str | None = None
    outside_leading_reason: str | None = None
    outside_leading_approver: str | None = None
    next_step: str | None = None
    next_step_on: dt.date | None = None
    expected_output: str | None = None
    expected_tax: str | None = None
    land_mu: str | None = None
    jobs: int | None = None
    description: str | None = None
    capacity_lines: list[CapacityLineIO] | None = None


class ProjectOut(Schema):
    """A project with its amounts in its own currency, the rate used, and CNY / 亿元."""

    id: int
    name: str
    investor: str
    investor_enterprise_id: int | None
    unit: str
    unit_name: str
    owner: str | None
    source: str
    assignment_level: str
    industry: str
    industry_is_leading: bool
    construction_type: str
    is_foreign: bool
    currency: str
    total_investment: Decimal
    registered_capital: Decimal | None
    foreign_capital: Decimal | None
    fx_rate: Decimal
    fx_rate_date: dt.date | None
    total_investment_cny: Decimal
    total_yi: Decimal
    contract_amount: Decimal | None
    stage: str
    status: str
    status_reason: str
    lead_on: dt.date | None
    negotiating_on: dt.date | None
    signed_on: dt.date | None
    registered_on: dt.date | None
    started_on: dt.date | None
    producing_on: dt.date | None
    is_at_full_production: bool
    is_verified: bool
    verified_by: str | None
    verified_at: dt.datetime | None
    next_step: str
    next_step_on: dt.date | None
    last_progress_at: dt.datetime | None
    is_stale: bool
    expected_output: Decimal | None
    expected_tax: Decimal | None
    land_mu: Decimal | None
    jobs: int | None
    capacity_lines: list[CapacityLineIO]


class ProjectList(Schema):
    """A page of projects."""

    items: list[ProjectOut]
    count: int


class AdvanceIn(Schema):
    """Move to the next stage; signing needs `signed_on` and `contract_amount`."""

    to: Stage
    on: dt.date | None = None
    signed_on: dt.date | None = None
    contract_amount: str | None = None
    note: str = ""
    next_step: str | None = Field(None, description="replaces the project's next step")
    next_step_on: dt.date | None = Field(None, description="replaces the date of the project's next step")


class StatusIn(Schema):
    """New status; all but normal need a reason; an open project keeps (or is given) a next step with a date."""

    status: str
    reason: str = ""
    next_step: str | None = Field(None, description="replaces the project's next step")
    next_step_on: dt.date | None = Field(None, description="replaces the date of the project's next step")


class VerifyIn(Schema):
    """The evidence of the signing (contract number, registration …)."""

    evidence: str


class BucketOut(Schema):
    """A threshold bucket's figures."""

    label: str
    count: int
    total_yi: Decimal
    project_ids: list[int]


class GroupOut(Schema):
    """Figures of one industry, unit or month."""

    key: str | int
    label: str
    count: int
    total_yi: Decimal
    project_ids: list[int]


class StatsOut(Schema):
    """Signings in the period; 亿元 as decimal strings rounded half-up to one decimal."""

    date_from: dt.date
    date_to: dt.date
    basis: str
    count: int
    total_yi: Decimal
    foreign_count: int
    foreign_total_yi: Decimal
    domestic_count: int
    domestic_total_yi: Decimal
    buckets: list[BucketOut]
    by_industry: list[GroupOut]
    leading_share_percent: Decimal
    by_unit: list[GroupOut]
    by_month: list[GroupOut]
    project_ids: list[int]


class BulletinOut(Schema):
    """The generated bulletin paragraph."""

    text: str


class NegotiationIn(Schema):
    """A round of talks on a project."""

    project: int
    at: dt.datetime
    channel: Channel = Channel.VIDEO
    summary: str
    our_participants: list[str] = Field([], description="usernames")
    leaders_present: str = ""
    their_participants: str = ""
    issues: list[str] = []
    next_step: str = ""
    next_step_on: dt.date | None = None


class NegotiationOut(Schema):
    """A recorded round of talks."""

    id: int
    project: int
    project_name: str
    unit: str
    round_number: int
    at: dt.datetime
    channel: str
    summary: str
    our_participants: list[str]
    leaders_present: str
    their_participants: str
    issues: list[str]
    next_step: str
    next_step_on: dt.date | None


class NegotiationList(Schema):
    """Negotiations of a week."""

    items: list[NegotiationOut]
    count: int


# ------------------------------------------------------------------------------------------------ helpers


def project_out(project: Project) -> dict:
    """Serialise a project."""
    return {
        "id": project.pk,
        "name": project.name,
        "investor": project.investor_name,
        "investor_enterprise_id": project.investor_id,
        "unit": project.unit.code,
        "unit_name": project.unit.name,
        "owner": project.owner.username if project.owner else None,
        "source": project.source,
        "assignment_level": project.assignment_level,
        "industry": project.industry.code,
        "industry_is_leading": project.industry.is_leading,
        "construction_type": project.construction_type,
        "is_foreign": project.is_foreign,
        "currency": project.currency.code,
        "total_investment": project.total_investment,
        "registered_capital": project.registered_capital,
        "foreign_capital": project.foreign_capital,
        "fx_rate": project.fx_rate,
        "fx_rate_date": project.fx_rate_date,
        "total_investment_cny": project.total_investment_cny,
        "total_yi": stats.to_yi(project.total_investment_cny),
        "contract_amount": project.contract_amount,
        "stage": project.stage,
        "status": project.status,
        "status_reason": project.status_reason,
        "lead_on": project.lead_on,
        "negotiating_on": project.negotiating_on,
        "signed_on": project.signed_on,
        "registered_on": project.registered_on,
        "started_on": project.started_on,
        "producing_on": project.producing_on,
        "is_at_full_production": project.is_at_full_production,
        "is_verified": project.is_verified,
        "verified_by": project.verified_by.username if project.verified_by_id else None,
        "verified_at": project.verified_at,
        "next_step": project.next_step,
        "next_step_on": project.next_step_on,
        "last_progress_at": project.last_progress_at,
        "is_stale": selectors.is_stale(project),
        "expected_output": project.expected_output,
        "expected_tax": project.expected_tax,
        "land_mu": project.land_mu,
        "jobs": project.jobs,
        "capacity_lines": [
            {"product": line.product, "quantity": str(line.quantity.normalize()), "unit": line.unit}
            for line in project.capacity_lines.all()
        ],
    }


def negotiation_out(negotiation: Negotiation) -> dict:
    """Serialise a negotiation."""
    return {
        "id": negotiation.pk,
        "project": negotiation.project_id,
        "project_name": negotiation.project.name,
        "unit": negotiation.project.unit.code,
        "round_number": negotiation.round_number,
        "at": negotiation.at,
        "channel": negotiation.channel,
        "summary": negotiation.summary,
        "our_participants": [u.username for u in negotiation.our_participants.all()],
        "leaders_present": negotiation.leaders_present,
        "their_participants": negotiation.their_participants,
        "issues": list(negotiation.issues or []),
        "next_step": negotiation.next_step,
        "next_step_on": negotiation.next_step_on,
    }


def _user(username: str | None, field: str):
    from zoneops.accounts.models import User

    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise DomainError(_("Unknown user “%(name)s”.") % {"name": username}, field=field)
    return user


def _unit(request, code: str | None):
    from zoneops.accounts.models import Department

    if not code:
        if request.auth.department is None:
            raise DomainError(_("Choose the investment unit."), field="unit")
        return request.auth.department
    unit = Department.objects.filter(code=code, is_active=True).first()
    if unit is None:
        raise DomainError(_("Unknown investment unit “%(code)s”.") % {"code": code}, field="unit")
    return unit


def _lines(lines):
    return [line.dict() for line in lines] if lines is not None else None


def _project(request, project_id: int, perm: str = perms.VIEW_PROJECT) -> Project:
    _need(request, perm)
    return get_object_or_404(
        selectors.visible_projects(request.auth, perm).prefetch_related("capacity_lines").select_related("verified_by"),
        pk=project_id,
    )


# ------------------------------------------------------------------------------------------------ endpoints


@router.post("/fx-rates", response={201: FxRateOut}, summary="Set a statistical exchange rate")
def create_fx_rate(request, payload: FxRateIn):
    """Projects signed on or after `effective_on` (until the next rate) use this rate; older ones keep theirs."""
    fx = services.set_fx_rate(
        actor=request.auth,
        currency=payload.currency,
        rate_to_cny=payload.rate_to_cny,
        effective_on=payload.effective_on,
    )
    fx.refresh_from_db()
    return Status(
        201,
        {
            "id": fx.pk,
            "currency": fx.currency.code,
            "rate_to_cny": fx.rate_to_cny,
            "effective_on": fx.effective_on,
        },
    )


@router.get("/fx-rates", response=list[FxRateOut], summary="Exchange rates")
def list_fx_rates(request):
    """Every stored rate, newest first per currency; for investment staff and the rates' maintainers."""
    if not request.auth.has_perm(perms.MANAGE_FX_RATE):
        _need(request, perms.VIEW_PROJECT)
    return [
        {"id": fx.pk, "currency": fx.currency.code, "rate_to_cny": fx.rate_to_cny, "effective_on": fx.effective_on}
        for fx in FxRate.objects.select_related("currency")
    ]


@router.get("/industries", response=list[IndustryOut], summary="The industry dictionary")
def list_industries(request):
    """Industries with whether each is one of the leading ("3+1") industries."""
    return [{"code": i.code, "name": i.name, "is_leading": i.is_leading} for i in selectors.industries()]


@router.post("/projects", response={201: ProjectOut}, summary="Create a project")
def create_project(request, payload: ProjectIn):
    """Register a project; the investor is linked to the registry enterprise of that name, added when new."""
    project = services.create_project(
        actor=request.auth,
        name=payload.name,
        investor=payload.investor,
        investor_listing_board=payload.investor_listing_board,
        investor_ticker=payload.investor_ticker,
        unit=_unit(request, payload.unit),
        owner=_user(payload.owner, "owner"),
        industry=payload.industry,
        currency=payload.currency,
        total_investment=payload.total_investment,
        is_foreign=payload.is_foreign,
        stage=payload.stage,
        signed_on=payload.signed_on,
        contract_amount=payload.contract_amount,
        source=payload.source,
        assignment_level=payload.assignment_level,
        construction_type=payload.construction_type,
        outside_leading_reason=payload.outside_leading_reason,
        outside_leading_approver=_user(payload.outside_leading_approver, "outside_leading_approver"),
        registered_capital=payload.registered_capital,
        foreign_capital=payload.foreign_capital,
        next_step=payload.next_step,
        next_step_on=payload.next_step_on,
        expected_output=payload.expected_output,
        expected_tax=payload.expected_tax,
        land_mu=payload.land_mu,
        jobs=payload.jobs,
        description=payload.description,
        capacity_lines=_lines(payload.capacity_lines),
    )
    return Status(201, project_out(_project(request, project.pk, perms.ADD_PROJECT)))


@router.get("/projects", response=ProjectList, summary="List projects")
def list_projects(
    request,
    stage: str | None = None,
    status: str | None = None,
    unit: int | None = None,
    industry: str | None = None,
    is_foreign: bool | None = None,
    stale: bool | None = None,
    ids: str | None = None,
    q: str | None = None,
    limit: int = 100,
    offset: int = 0,
):
    """Projects in the caller's scope, filtered as on the list page (`ids` is a comma-separated list)."""
    _need(request, perms.VIEW_PROJECT)
    params = {
        "stage": stage,
        "status": status,
        "unit": unit,
        "industry": industry,
        "is_foreign": is_foreign,
        "stale": stale,
        "ids": ids,
        "q": q,
    }
    queryset = selectors.filter_projects(selectors.visible_projects(request.auth), params).select_related("verified_by")
    limit = max(1, min(limit, 500))
    page = queryset.prefetch_related("capacity_lines")[offset : offset + limit]
    return {"items": [project_out(p) for p in page], "count": queryset.count()}


@router.get("/projects/{project_id}", response=ProjectOut, summary="A project")
def get_project(request, project_id: int):
    """One project (404 when missing or outside the caller's scope)."""
    return project_out(_project(request, project_id))


@router.patch("/projects/{project_id}", response=ProjectOut, summary="Change a project")
def patch_project(request, project_id: int, payload: ProjectPatch):
    """Change the given fields; verified projects whose amounts change lose their verification."""
    project = _project(request, project_id, perms.CHANGE_PROJECT)
    changes = payload.dict(exclude_unset=True)
    if "investor" in changes:
        changes["investor_name"] = changes.pop("investor") or ""
    if "outside_leading_approver" in changes:
        changes["outside_leading_approver"] = _user(changes["outside_leading_approver"], "outside_leading_approver")
    services.update_project(actor=request.auth, project=project, changes=changes)
    return project_out(_project(request, project_id))


@router.post("/projects/{project_id}/advance", response=ProjectOut, summary="Move a project to another stage")
def advance(request, project_id: int, payload: AdvanceIn):
    """One step along lead → negotiating → signed → registered → started → producing (409 for other jumps)."""
    project = _project(request, project_id, perms.CHANGE_PROJECT)
    services.advance_stage(
        actor=request.auth,
        project=project,
        to=payload.to,
        on=payload.on,
        signed_on=payload.signed_on,
        contract_amount=payload.contract_amount,
        note=payload.note,
        next_step=payload.next_step,
        next_step_on=payload.next_step_on,
    )
    return project_out(_project(request, project_id))


@router.post("/projects/{project_id}/set-status", response=ProjectOut, summary="Change a project's status")
def set_status(request, project_id: int, payload: StatusIn):
    """normal / delayed / stalled / lost / withdrawn (with a reason)."""
    project = _project(request, project_id, perms.CHANGE_PROJECT)
    services.set_status(
        actor=request.auth,
        project=project,
        status=payload.status,
        reason=payload.reason,
        next_step=payload.next_step,
        next_step_on=payload.next_step_on,
    )
    return project_out(_project(request, project_id))


class FullProductionIn(Schema):
    """The day the project reached full production (default today)."""

    on: dt.date | None = None
    note: str = ""


@router.post("/projects/{project_id}/full-production", response=ProjectOut, summary="Mark a project at full production")
def full_production(request, project_id: int, payload: FullProductionIn):
    """Set the 达产 flag of a producing project (409 at any other stage or when already set)."""
    project = _project(request, project_id, perms.CHANGE_PROJECT)
    services.mark_full_production(actor=request.auth, project=project, on=payload.on, note=payload.note)
    return project_out(_project(request, project_id))


@router.post("/projects/{project_id}/verify", response=ProjectOut, summary="Verify a claimed signing")
def verify(request, project_id: int, payload: VerifyIn):
    """Only holders of investment.verify_project who are not the project's owner."""
    project = _project(request, project_id, perms.VERIFY_PROJECT)
    services.verify_project(actor=request.auth, project=project, evidence=payload.evidence)
    return project_out(_project(request, project_id, perms.VERIFY_PROJECT))


@router.get("/signing-stats", response=StatsOut, summary="Signing statistics")
def signing_stats(
    request,
    as_of: dt.date | None = None,
    date_from: dt.date | None = Query(None, alias="from"),  # noqa: B008 - ninja parameter declaration
    date_to: dt.date | None = Query(None, alias="to"),  # noqa: B008
    basis: Basis = Basis.CLAIMED,
):
    """Year to date up to and including `as_of` (default today), or `from`–`to`; projects at signed stage or later."""
    _need(request, perms.VIEW_PROJECT)
    return stats.signing_stats(request.auth, as_of=as_of, date_from=date_from, date_to=date_to, basis=basis)


@router.get("/bulletin", response=BulletinOut, summary="The signing bulletin paragraph")
def bulletin(request, as_of: dt.date | None = None):
    """The year-to-date bulletin in the wording the zone publishes."""
    _need(request, perms.VIEW_PROJECT)
    return {"text": stats.bulletin(request.auth, as_of=as_of or clock.today())}


@router.post("/negotiations", response={201: NegotiationOut}, summary="Record a negotiation")
def create_negotiation(request, payload: NegotiationIn):
    """A round of talks; its round number is the next of its project."""
    project = _project(request, payload.project, perms.ADD_NEGOTIATION)
    people = [_user(name, "our_participants") for name in payload.our_participants]
    negotiation = services.record_negotiation(
        actor=request.auth,
        project=project,
        at=payload.at,
        channel=payload.channel,
        summary=payload.summary,
        our_participants=people,
        leaders_present=payload.leaders_present,
        their_participants=payload.their_participants,
        issues=payload.issues,
        next_step=payload.next_step,
        next_step_on=payload.next_step_on,
    )
    return Status(201, negotiation_out(negotiation))


@router.get("/negotiations", response=NegotiationList, summary="Negotiations of a week")
def list_negotiations(request, week: dt.date | None = None, unit: str | None = None, project: int | None = None):
    """Monday–Sunday of the week containing `week` (default this week), optionally one unit (code) or project."""
    _need(request, perms.VIEW_NEGOTIATION)
    from zoneops.accounts.models import Department

    day = week or clock.today()
    monday, _friday = selectors.week_bounds(day)
    unit_id = None
    if unit:
        unit_id = Department.objects.filter(code=unit).values_list("pk", flat=True).first() or -1
    queryset = selectors.negotiations_between(request.auth, monday, monday + dt.timedelta(days=6), unit_id)
    if project:
        queryset = queryset.filter(project_id=project)
    items = [negotiation_out(n) for n in queryset]
    return {"items": items, "count": len(items)}


# ------------------------------------------------------------------------------------------------ weekly report


class ProjectBriefOut(Schema):
    """A project as the weekly report lists it."""

    id: int
    name: str
    investor: str
    unit: str
    stage: str
    status: str
    total_yi: Decimal
    lead_on: dt.date | None
    signed_on: dt.date | None
    next_step: str
    next_step_on: dt.date | None
    last_progress_at: dt.datetime | None


class WeeklyReportOut(Schema):
    """招商周报: the week's negotiations, new leads, signings and the projects stale at the week's end."""

    monday: dt.date
    sunday: dt.date
    stale_days: int
    negotiations: list[NegotiationOut]
    new_leads: list[ProjectBriefOut]
    signings: list[ProjectBriefOut]
    stale: list[ProjectBriefOut]


def project_brief(project: Project) -> dict:
    """Serialise a project for the weekly report."""
    return {
        "id": project.pk,
        "name": project.name,
        "investor": project.investor_name,
        "unit": project.unit.code,
        "stage": project.stage,
        "status": project.status,
        "total_yi": stats.to_yi(project.total_investment_cny),
        "lead_on": project.lead_on,
        "signed_on": project.signed_on,
        "next_step": project.next_step,
        "next_step_on": project.next_step_on,
        "last_progress_at": project.last_progress_at,
    }


def _unit_id(code: str | None) -> int | None:
    from zoneops.accounts.models import Department

    if not code:
        return None
    unit_id = Department.objects.filter(code=code).values_list("pk", flat=True).first()
    if unit_id is None:
        raise DomainError(_("Unknown investment unit “%(code)s”.") % {"code": code}, field="unit")
    return unit_id


@router.get("/weekly-report", response=WeeklyReportOut, summary="The weekly investment report (招商周报)")
def weekly_report(request, week: dt.date | None = None, unit: str | None = None):
    """Monday–Sunday of the week containing `week` (default this week), optionally one unit (code): the week's
    negotiations, new leads, signings, and the open projects without progress for the configured days."""
    _need(request, perms.VIEW_PROJECT)
    report = selectors.weekly_report(request.auth, week or clock.today(), _unit_id(unit))
    return {
        "monday": report["monday"],
        "sunday": report["sunday"],
        "stale_days": report["stale_days"],
        "negotiations": [negotiation_out(n) for n in report["negotiations"]],
        "new_leads": [project_brief(p) for p in report["new_leads"]],
        "signings": [project_brief(p) for p in report["signings"]],
        "stale": [project_brief(p) for p in report["stale"]],
    }


# ------------------------------------------------------------------------------------------------ staff development


class TrainingIn(Schema):
    """A training class and its attendees (usernames of investment staff)."""

    name: str = Field(..., examples=["砺剑班"])
    starts_on: dt.date
    ends_on: dt.date
    attendees: list[str] = Field([], description="usernames")
    materials: str = ""


class TrainingOut(Schema):
    """A recorded training class."""

    id: int
    name: str
    starts_on: dt.date
    ends_on: dt.date
    attendees: list[str]
    materials: str


class TrainingList(Schema):
    """Training classes, newest first."""

    items: list[TrainingOut]
    count: int


class StaffNoteIn(Schema):
    """A note on a staff member against one of the seven qualities."""

    staff: str = Field(..., description="username")
    quality: str = Field(..., description="thinking / responsibility / resourceful / industry / economy / …")
    note: str


class StaffNoteOut(Schema):
    """A note of the organisation department."""

    id: int
    staff: str
    quality: str
    quality_label: str
    note: str
    author: str
    created_at: dt.datetime


class StaffTrainingOut(Schema):
    """A training a staff member attended."""

    id: int
    name: str
    starts_on: dt.date
    ends_on: dt.date


class StaffRowOut(Schema):
    """One staff member's record: negotiations held, projects advanced, verified signings, trainings, notes."""

    username: str
    full_name: str
    department: str | None
    negotiations: int
    projects_advanced: int
    verified_signings: int
    trainings: list[StaffTrainingOut]
    notes: list[StaffNoteOut]


class StaffList(Schema):
    """The staff development view."""

    items: list[StaffRowOut]
    count: int


def training_out(session) -> dict:
    """Serialise a training class."""
    return {
        "id": session.pk,
        "name": session.name,
        "starts_on": session.starts_on,
        "ends_on": session.ends_on,
        "attendees": sorted(u.username for u in session.attendees.all()),
        "materials": session.materials,
    }


def staff_note_out(note) -> dict:
    """Serialise a staff note."""
    return {
        "id": note.pk,
        "staff": note.staff.username,
        "quality": note.quality,
        "quality_label": str(note.get_quality_display()),
        "note": note.note,
        "author": note.author.username,
        "created_at": note.created_at,
    }


def staff_row_out(row: dict) -> dict:
    """Serialise a row of the staff development view."""
    user = row["user"]
    return {
        "username": user.username,
        "full_name": user.full_name,
        "department": user.department.code if user.department_id else None,
        "negotiations": row["negotiations"],
        "projects_advanced": row["projects_advanced"],
        "verified_signings": row["verified_signings"],
        "trainings": [
            {"id": t.pk, "name": t.name, "starts_on": t.starts_on, "ends_on": t.ends_on} for t in row["trainings"]
        ],
        "notes": [staff_note_out(n) for n in row["notes"]],
    }


def _staff_member(username: str):
    """An investment staff member by username (404 for anyone else, like a missing one)."""
    return get_object_or_404(selectors.investment_staff(), username=username)


@router.get("/trainings", response=TrainingList, summary="Training classes")
def list_trainings(request):
    """Training classes (e.g. 砺剑班) with their attendees; for the organisation department and those who record
    trainings."""
    if not (request.auth.has_perm(perms.VIEW_STAFF_DEVELOPMENT) or request.auth.has_perm(perms.ADD_TRAINING)):
        raise PermissionDenied(_("You do not have permission to do this."))
    from zoneops.investment.models import TrainingSession

    items = [training_out(s) for s in TrainingSession.objects.prefetch_related("attendees")]
    return {"items": items, "count": len(items)}


@router.post("/trainings", response={201: TrainingOut}, summary="Record a training class")
def create_training(request, payload: TrainingIn):
    """A training class; attendees are usernames of investment staff."""
    _need(request, perms.ADD_TRAINING)
    staff = {u.username: u for u in selectors.investment_staff().filter(username__in=payload.attendees)}
    unknown = [name for name in payload.attendees if name not in staff]
    if unknown:
        raise DomainError(
            _("Not investment staff: %(names)s") % {"names": ", ".join(unknown)},
            field="attendees",
        )
    session = services.record_training(
        actor=request.auth,
        name=payload.name,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        attendees=[staff[name] for name in dict.fromkeys(payload.attendees)],
        materials=payload.materials,
    )
    return Status(201, training_out(session))


@router.get("/staff-development", response=StaffList, summary="The staff development view")
def staff_development(request):
    """Per investment staff member: negotiations held, projects advanced, verified signings, trainings attended
    and notes. Organisation department only (investment.view_staff_development); every view is audited."""
    services.audit_staff_view(actor=request.auth, note=request.get_full_path())
    rows = selectors.staff_development(selectors.investment_staff())
    return {"items": [staff_row_out(row) for row in rows], "count": len(rows)}


@router.get("/staff-development/{username}", response=StaffRowOut, summary="One staff member's development")
def staff_member_development(request, username: str):
    """One investment staff member (404 for anyone who is not investment staff); the view is audited."""
    _need(request, perms.VIEW_STAFF_DEVELOPMENT)
    user = _staff_member(username)
    services.audit_staff_view(actor=request.auth, note=request.get_full_path())
    return staff_row_out(selectors.staff_development([user])[0])


@router.post("/staff-notes", response={201: StaffNoteOut}, summary="Add a staff note")
def create_staff_note(request, payload: StaffNoteIn):
    """A note against one of the seven qualities (有思考、有担当、有办法、懂产业、懂经济、会招商、会服务)."""
    _need(request, perms.VIEW_STAFF_DEVELOPMENT)
    _need(request, perms.ADD_STAFF_NOTE)
    staff = _staff_member(payload.staff)
    note = services.add_staff_note(actor=request.auth, staff=staff, quality=payload.quality, note=payload.note)
    return Status(201, staff_note_out(note))
