"""Writes of the investment app: rates, projects, stages, verification, negotiations, training and staff notes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from zoneops.audit.services import diff, record, snapshot
from zoneops.core import clock
from zoneops.core.errors import Conflict, DomainError, InvalidTransition, OutOfScope, PermissionDenied
from zoneops.core.workflow import transition
from zoneops.enterprises.services import find_or_create_investor, match_investor, normalize_enterprise_name
from zoneops.investment import actions, selectors
from zoneops.investment import permissions as perms
from zoneops.investment.choices import (
    CLOSED_STATUSES,
    SIGNED_STAGES,
    STAGE_DATE_FIELDS,
    STAGE_ORDER,
    STAGE_TRANSITIONS,
    STATUS_TRANSITIONS,
    STATUSES_NEEDING_REASON,
    AssignmentLevel,
    CapacityUnit,
    Channel,
    ConstructionType,
    Issue,
    Quality,
    Source,
    Stage,
    Status,
)
from zoneops.investment.models import (
    CapacityLine,
    Currency,
    FxRate,
    Industry,
    Negotiation,
    Project,
    ProjectAttachment,
    StaffNote,
    StageChange,
    ThresholdBucket,
    TrainingSession,
)

if TYPE_CHECKING:
    from zoneops.accounts.models import Department, User

MAX_AMOUNT = Decimal("1e17")


# ---------------------------------------------------------------------------------------------- helpers


def _require(actor: User | None, perm: str) -> None:
    """The actor is signed in and one of their roles carries `perm`."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("Sign in first."))
    if not actor.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))


def _require_project(actor: User | None, perm: str, project: Project) -> None:
    """The actor holds `perm` and the project lies in their data scope for it (else: not found)."""
    _require(actor, perm)
    if not Project.objects.visible_to(actor, perm).filter(pk=project.pk).exists():
        raise OutOfScope(_("Not found."))


def _require_unit(actor: User, perm: str, unit: Department, owner: User | None) -> None:
    """A new project for `unit` (owned by `owner`) would lie in the actor's scope for `perm`."""
    from zoneops.accounts.scoping import grants_for

    grant = grants_for(actor, perm)
    if (
        grant.all
        or unit.pk in grant.department_ids
        or (grant.own_records and owner is not None and owner.pk == actor.pk)
    ):
        return
    raise PermissionDenied(_("This investment unit is outside your data scope."), field="unit")


class _Errors:
    """Collects field errors so that every bad field is named at once, then raises one DomainError."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(str(message))

    def raise_if_any(self) -> None:
        if self.errors:
            field, messages = next(iter(self.errors.items()))
            raise DomainError(messages[0], field=field, errors=self.errors)


def is_open(stage: str, status: str) -> bool:
    """A project is *open* while it is still being worked on: its status is normal, delayed or stalled (not lost or
    withdrawn, CLOSED_STATUSES) and its stage is before producing (lead, negotiating, signed, registered or
    started). Every open project must have a next step (non-blank text) and the date it is due on."""
    return status not in CLOSED_STATUSES and stage != Stage.PRODUCING


def _check_next_step(errors: _Errors, *, stage: str, status: str, next_step: str, next_step_on: Any) -> None:
    """Name `next_step` / `next_step_on` in `errors` when an open project (see is_open) would lack either."""
    if not is_open(stage, status):
        return
    if not (next_step or "").strip():
        errors.add("next_step", _("An open project needs its next step."))
    if not isinstance(next_step_on, dt.date):
        errors.add("next_step_on", _("An open project needs the date of its next step."))


def parse_amount(value: Any, field: str, errors: _Errors, *, required: bool = True) -> Decimal | None:
    """A non-negative Decimal amount with at most two decimals, from a Decimal, int or string."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(field, _("This amount is required."))
        return None
    if isinstance(value, float) or isinstance(value, bool):
        errors.add(field, _("Give amounts as decimal strings, not floating-point numbers."))
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        errors.add(field, _("“%(value)s” is not a number.") % {"value": value})
        return None
    if not amount.is_finite():
        errors.add(field, _("“%(value)s” is not a number.") % {"value": value})
        return None
    if amount < 0:
        errors.add(field, _("The amount cannot be negative."))
        return None
    if amount >= MAX_AMOUNT:
        errors.add(field, _("The amount is too large."))
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors.add(field, _("At most two decimal places."))
        return None
    return amount.quantize(Decimal("0.01"))


def _rate(currency: Currency, on: dt.date, errors: _Errors, field: str = "currency") -> tuple[Decimal, dt.date | None]:
    """The rate to CNY of `currency` on `on` (1 for the base currency) and the date it took effect."""
    if currency.is_base:
        return Decimal(1), None
    fx = selectors.rate_on(currency, on)
    if fx is None:
        errors.add(
            field,
            _("No exchange rate for %(currency)s on or before %(date)s.") % {"currency": currency.code, "date": on},
        )
        return Decimal(0), None
    return fx.rate_to_cny, fx.effective_on


def _cny(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount * rate).quantize(Decimal("0.01"))


def _currency(value: Currency | str | None, errors: _Errors, field: str = "currency") -> Currency | None:
    if isinstance(value, Currency):
        return value
    code = (value or "").strip().upper()
    if not code:
        errors.add(field, _("Choose a currency."))
        return None
    currency = Currency.objects.filter(code=code).first()
    if currency is None:
        errors.add(field, _("Unknown currency “%(code)s”.") % {"code": code})
    return currency


def _industry(value: Industry | str | None, errors: _Errors) -> Industry | None:
    if isinstance(value, Industry):
        return value
    code = (value or "").strip()
    if not code:
        errors.add("industry", _("Choose an industry."))
        return None
    industry = Industry.objects.filter(code=code, is_active=True).first()
    if industry is None:
        errors.add("industry", _("Unknown industry “%(code)s”.") % {"code": code})
    return industry


def _choice(value: str | None, choices, field: str, errors: _Errors, default: str) -> str:
    if value in (None, ""):
        return default
    if value not in choices.values:
        errors.add(field, _("“%(value)s” is not a valid choice.") % {"value": value})
        return default
    return value


def _capacity_lines(lines: Iterable[Mapping[str, Any]] | None, errors: _Errors) -> list[CapacityLine]:
    result = []
    for index, line in enumerate(lines or []):
        field = f"capacity_lines.{index}"
        product = str(line.get("product") or "").strip()
        if not product:
            errors.add(f"{field}.product", _("Name the product."))
        quantity = parse_amount(line.get("quantity"), f"{field}.quantity", errors)
        unit = line.get("unit") or ""
        if unit not in CapacityUnit.values:
            errors.add(f"{field}.unit", _("“%(value)s” is not a valid choice.") % {"value": unit})
        result.append(CapacityLine(product=product, quantity=quantity or 0, unit=unit, sort_order=index))
    return result


def _duplicate_exists(investor_name: str, name: str, exclude_pk: int | None = None) -> bool:
    queryset = Project.objects.filter(investor_name=investor_name, name=name)
    if exclude_pk:
        queryset = queryset.exclude(pk=exclude_pk)
    return queryset.exists()


def _history(project: Project, *, field: str, before: str, after: str, on: dt.date, actor: User | None, note: str = ""):
    StageChange.objects.create(
        project=project, field=field, from_value=before, to_value=after, on=on, at=clock.now(), actor=actor, note=note
    )


AUDITED_FIELDS = (
    "name",
    "investor",
    "investor_name",
    "unit",
    "owner",
    "source",
    "assignment_level",
    "industry",
    "outside_leading_reason",
    "outside_leading_approver",
    "construction_type",
    "is_foreign",
    "currency",
    "total_investment",
    "registered_capital",
    "foreign_capital",
    "fx_rate",
    "fx_rate_date",
    "total_investment_cny",
    "contract_amount",
    "stage",
    "signed_on",
    "status",
    "is_verified",
    "next_step",
    "next_step_on",
    "expected_output",
    "expected_tax",
    "land_mu",
    "jobs",
)


# ---------------------------------------------------------------------------------------------- rates


@transaction.atomic
def set_fx_rate(*, actor: User, currency: str, rate_to_cny: Any, effective_on: dt.date) -> FxRate:
    """Set the statistical rate of a currency from a date on; projects keep the rates they were computed with."""
    _require(actor, perms.MANAGE_FX_RATE)
    errors = _Errors()
    cur = _currency(currency, errors)
    try:
        rate = Decimal(str(rate_to_cny).strip())
        if not rate.is_finite() or rate <= 0:
            raise InvalidOperation
        if rate != rate.quantize(Decimal("0.000001")) or rate >= Decimal("1e9"):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.add("rate_to_cny", _("Give a positive rate with at most six decimals."))
        rate = Decimal(0)
    if cur is not None and cur.is_base:
        errors.add("currency", _("The base currency always has rate 1."))
    if not isinstance(effective_on, dt.date):
        errors.add("effective_on", _("Give the date the rate takes effect."))
    errors.raise_if_any()
    existing = FxRate.objects.filter(currency=cur, effective_on=effective_on).first()
    if existing is not None:
        before = existing.rate_to_cny
        existing.rate_to_cny = rate
        existing.save(update_fields=["rate_to_cny"])
        record(actor, actions.FX_RATE_SET, existing, changes={"rate_to_cny": [before, rate]})
        return existing
    fx = FxRate.objects.create(currency=cur, rate_to_cny=rate, effective_on=effective_on, created_by=actor)
    record(actor, actions.FX_RATE_SET, fx, changes={"rate_to_cny": [None, rate], "effective_on": [None, effective_on]})
    return fx


# ---------------------------------------------------------------------------------------------- projects


@transaction.atomic
def create_project(
    *,
    actor: User,
    name: str,
    unit: Department,
    industry: Industry | str,
    currency: Currency | str,
    total_investment: Any,
    investor: Any = None,
    investor_name: str = "",
    investor_listing_board: str = "",
    investor_ticker: str = "",
    owner: User | None = None,
    is_foreign: bool = False,
    stage: str = Stage.LEAD,
    signed_on: dt.date | None = None,
    contract_amount: Any = None,
    registered_capital: Any = None,
    foreign_capital: Any = None,
    source: str = Source.OTHER,
    assignment_level: str = "",
    construction_type: str = ConstructionType.NEW,
    outside_leading_reason: str = "",
    outside_leading_approver: User | None = None,
    lead_on: dt.date | None = None,
    next_step: str = "",
    next_step_on: dt.date | None = None,
    expected_output: Any = None,
    expected_tax: Any = None,
    land_mu: Any = None,
    jobs: int | None = None,
    description: str = "",
    capacity_lines: Sequence[Mapping[str, Any]] | None = None,
) -> Project:
    """Register a project (a new lead, or one already further on); amounts are normalised to CNY at the rate of
    its signing date (or today before signing) and that rate is stored with it.

    The investor is an Enterprise, or a name matched to the registry (enterprises.services.find_or_create_investor):
    a name the registry does not know yet becomes a prospective investor there (with the listing board and
    ticker given), and the project is linked to it; `investor_name` is always the linked enterprise's name.

    An open project (see is_open: any stage before producing, as a new project's status is normal) needs
    `next_step` and `next_step_on`; a project created already producing needs neither."""
    _require(actor, perms.ADD_PROJECT)
    owner = owner or actor
    _require_unit(actor, perms.ADD_PROJECT, unit, owner)
    errors = _Errors()
    today = clock.today()
    name = (name or "").strip()
    if not name:
        errors.add("name", _("Name the project."))
    enterprise = investor if investor is not None and not isinstance(investor, str) else None
    if isinstance(investor, str) and not investor_name:
        investor_name = investor
    investor_name = enterprise.name if enterprise is not None else normalize_enterprise_name(investor_name)
    if not investor_name:
        errors.add("investor", _("Name the investor."))
    elif len(investor_name) > 200:
        errors.add("investor", _("At most %(n)s characters.") % {"n": 200})
    elif enterprise is None:
        # Matched now for the duplicate check; a new investor is added to the registry once all else is valid.
        enterprise = match_investor(investor_name)
        if enterprise is not None:
            investor_name = enterprise.name
    ind = _industry(industry, errors)
    cur = _currency(currency, errors)
    total = parse_amount(total_investment, "total_investment", errors)
    reg_capital = parse_amount(registered_capital, "registered_capital", errors, required=False)
    for_capital = parse_amount(foreign_capital, "foreign_capital", errors, required=False)
    contract = parse_amount(contract_amount, "contract_amount", errors, required=False)
    output = parse_amount(expected_output, "expected_output", errors, required=False)
    tax = parse_amount(expected_tax, "expected_tax", errors, required=False)
    land = parse_amount(land_mu, "land_mu", errors, required=False)
    if jobs is not None and (not isinstance(jobs, int) or jobs < 0):
        errors.add("jobs", _("Give a whole number of jobs."))
    stage = _choice(stage, Stage, "stage", errors, Stage.LEAD)
    source = _choice(source, Source, "source", errors, Source.OTHER)
    assignment_level = _choice(assignment_level, AssignmentLevel, "assignment_level", errors, "")
    construction_type = _choice(construction_type, ConstructionType, "construction_type", errors, ConstructionType.NEW)
    if source == Source.LEADER_ASSIGNED and not assignment_level:
        errors.add("assignment_level", _("Say at which level the project was assigned."))
    if ind is not None and not ind.is_leading:
        if not (outside_leading_reason or "").strip():
            errors.add("outside_leading_reason", _("A project outside the leading industries needs a reason."))
        if outside_leading_approver is None:
            errors.add("outside_leading_approver", _("A project outside the leading industries needs an approver."))
        elif outside_leading_approver.pk in (actor.pk, owner.pk):
            errors.add("outside_leading_approver", _("The approver must be someone other than the project's staff."))
    is_signed = stage in SIGNED_STAGES
    if is_signed:
        if signed_on is None:
            errors.add("signed_on", _("A signed project needs its contract date."))
        elif signed_on > today:
            errors.add("signed_on", _("The contract date cannot be in the future."))
    elif signed_on is not None:
        errors.add("signed_on", _("Only a signed project has a contract date."))
    if cur is not None and total is not None:
        rate, rate_date = _rate(cur, signed_on if is_signed and signed_on else today, errors)
    else:
        rate, rate_date = Decimal(0), None
    lines = _capacity_lines(capacity_lines, errors)
    if name and investor_name and _duplicate_exists(investor_name, name):
        errors.add("name", _("This investor already has a project with this name."))
    if jobs is not None and isinstance(jobs, int) and jobs > 10_000_000:
        errors.add("jobs", _("Too many jobs."))
    _check_next_step(errors, stage=stage, status=Status.NORMAL, next_step=next_step, next_step_on=next_step_on)
    errors.raise_if_any()

    if enterprise is None:
        enterprise = find_or_create_investor(
            actor=actor,
            name=investor_name,
            is_foreign=bool(is_foreign),
            listing_board=investor_listing_board,
            ticker=investor_ticker,
        )
        investor_name = enterprise.name
    project = Project(
        name=name,
        investor=enterprise,
        investor_name=investor_name,
        unit=unit,
        owner=owner,
        source=source,
        assignment_level=assignment_level,
        industry=ind,
        outside_leading_reason=(outside_leading_reason or "").strip() if not ind.is_leading else "",
        outside_leading_approver=outside_leading_approver if not ind.is_leading else None,
        construction_type=construction_type,
        is_foreign=bool(is_foreign),
        currency=cur,
        total_investment=total,
        registered_capital=reg_capital,
        foreign_capital=for_capital,
        fx_rate=rate,
        fx_rate_date=rate_date,
        total_investment_cny=_cny(total, rate),
        contract_amount=(contract if contract is not None else total) if is_signed else contract,
        stage=stage,
        lead_on=lead_on or (signed_on if is_signed else today),
        signed_on=signed_on if is_signed else None,
        next_step=(next_step or "").strip(),
        next_step_on=next_step_on,
        last_progress_at=clock.now(),
        expected_output=output,
        expected_tax=tax,
        land_mu=land,
        jobs=jobs,
        description=description or "",
        created_by=actor,
    )
    stage_index = STAGE_ORDER.index(stage)
    if stage_index >= STAGE_ORDER.index(Stage.NEGOTIATING) and project.negotiating_on is None:
        project.negotiating_on = min(project.lead_on, signed_on) if signed_on else project.lead_on
    for later in STAGE_ORDER[STAGE_ORDER.index(Stage.SIGNED) + 1 : stage_index + 1]:
        setattr(project, STAGE_DATE_FIELDS[later], signed_on)
    try:
        with transaction.atomic():
            project.save()
    except IntegrityError as exc:  # a concurrent duplicate, or a database constraint
        raise Conflict(_("The project could not be saved: %(error)s") % {"error": exc}, field="name") from exc
    for line in lines:
        line.project = project
    CapacityLine.objects.bulk_create(lines)
    _history(
        project, field="stage", before="", after=stage, on=project.lead_on if not is_signed else signed_on, actor=actor
    )
    record(actor, actions.PROJECT_CREATED, project, changes=diff({}, snapshot(project, AUDITED_FIELDS)))
    return project


UPDATABLE = {
    "name",
    "investor_name",
    "owner",
    "source",
    "assignment_level",
    "industry",
    "outside_leading_reason",
    "outside_leading_approver",
    "construction_type",
    "is_foreign",
    "currency",
    "total_investment",
    "registered_capital",
    "foreign_capital",
    "contract_amount",
    "signed_on",
    "next_step",
    "next_step_on",
    "expected_output",
    "expected_tax",
    "land_mu",
    "jobs",
    "description",
    "capacity_lines",
}


@transaction.atomic
def update_project(*, actor: User, project: Project, changes: Mapping[str, Any]) -> Project:
    """Change a project's facts (not its stage or status); the stored rate is kept unless currency or signing date
    change, and a verified project whose amounts or date change loses its verification. An open project (see
    is_open) cannot be left without its next step or its date."""
    _require_project(actor, perms.CHANGE_PROJECT, project)
    unknown = set(changes) - UPDATABLE
    if unknown:
        field = sorted(unknown)[0]
        raise DomainError(_("“%(field)s” cannot be changed here.") % {"field": field}, field=field)
    project = Project.objects.select_for_update().get(pk=project.pk)
    before = snapshot(project, AUDITED_FIELDS)
    errors = _Errors()
    values: dict[str, Any] = {}
    for key in ("name", "investor_name", "outside_leading_reason", "next_step", "description"):
        if key in changes:
            values[key] = (changes[key] or "").strip()
    if "name" in values and not values["name"]:
        errors.add("name", _("Name the project."))
    if "investor_name" in values:
        values["investor_name"] = normalize_enterprise_name(values["investor_name"])
        if not values["investor_name"]:
            errors.add("investor", _("Name the investor."))
        elif len(values["investor_name"]) > 200:
            errors.add("investor", _("At most %(n)s characters.") % {"n": 200})
        elif values["investor_name"] == project.investor_name and project.investor_id is not None:
            values["investor"] = project.investor
        else:
            # Linked (or added to the registry as a prospect) below, once the other fields are valid.
            values["investor"] = match_investor(values["investor_name"])
    for key in ("owner", "outside_leading_approver", "next_step_on", "is_foreign"):
        if key in changes:
            values[key] = changes[key]
    if "industry" in changes:
        values["industry"] = _industry(changes["industry"], errors)
    if "currency" in changes:
        values["currency"] = _currency(changes["currency"], errors)
    for key in ("total_investment",):
        if key in changes:
            values[key] = parse_amount(changes[key], key, errors)
    for key in (
        "registered_capital",
        "foreign_capital",
        "contract_amount",
        "expected_output",
        "expected_tax",
        "land_mu",
    ):
        if key in changes:
            values[key] = parse_amount(changes[key], key, errors, required=False)
    if "jobs" in changes:
        jobs = changes["jobs"]
        if jobs is not None and (not isinstance(jobs, int) or jobs < 0):
            errors.add("jobs", _("Give a whole number of jobs."))
        values["jobs"] = jobs
    if "source" in changes:
        values["source"] = _choice(changes["source"], Source, "source", errors, Source.OTHER)
    if "assignment_level" in changes:
        values["assignment_level"] = _choice(
            changes["assignment_level"], AssignmentLevel, "assignment_level", errors, ""
        )
    if "construction_type" in changes:
        values["construction_type"] = _choice(
            changes["construction_type"], ConstructionType, "construction_type", errors, ConstructionType.NEW
        )
    is_signed = project.stage in SIGNED_STAGES
    if "signed_on" in changes:
        if not is_signed:
            errors.add("signed_on", _("Only a signed project has a contract date."))
        elif changes["signed_on"] is None:
            errors.add("signed_on", _("A signed project needs its contract date."))
        elif changes["signed_on"] > clock.today():
            errors.add("signed_on", _("The contract date cannot be in the future."))
        else:
            values["signed_on"] = changes["signed_on"]
    if (
        is_signed
        and "contract_amount" in values
        and values["contract_amount"] is None
        and "contract_amount" not in errors.errors
    ):
        errors.add("contract_amount", _("A signed project needs its contract amount."))
    lines = _capacity_lines(changes["capacity_lines"], errors) if "capacity_lines" in changes else None
    _check_next_step(
        errors,
        stage=project.stage,
        status=project.status,
        next_step=values.get("next_step", project.next_step),
        next_step_on=values.get("next_step_on", project.next_step_on),
    )
    errors.raise_if_any()

    if "investor_name" in values:
        if values["investor"] is None:
            is_foreign = values.get("is_foreign", project.is_foreign)
            values["investor"] = find_or_create_investor(
                actor=actor, name=values["investor_name"], is_foreign=bool(is_foreign)
            )
        values["investor_name"] = values["investor"].name
    for key, value in values.items():
        setattr(project, key, value)
    if "outside_leading_approver" in values and project.outside_leading_approver_id in (actor.pk, project.owner_id):
        raise DomainError(
            _("The approver must be someone other than the project's staff."), field="outside_leading_approver"
        )
    if not project.industry.is_leading and (
        not project.outside_leading_reason or project.outside_leading_approver is None
    ):
        field = "outside_leading_reason" if not project.outside_leading_reason else "outside_leading_approver"
        raise DomainError(_("A project outside the leading industries needs a reason and an approver."), field=field)
    if project.source == Source.LEADER_ASSIGNED and not project.assignment_level:
        raise DomainError(_("Say at which level the project was assigned."), field="assignment_level")
    if _duplicate_exists(project.investor_name, project.name, exclude_pk=project.pk):
        raise DomainError(_("This investor already has a project with this name."), field="name")
    if "currency" in values or "signed_on" in values:
        rate_errors = _Errors()
        rate_day = project.signed_on if is_signed else clock.today()
        project.fx_rate, project.fx_rate_date = _rate(project.currency, rate_day, rate_errors)
        rate_errors.raise_if_any()
    project.total_investment_cny = _cny(project.total_investment, project.fx_rate)
    after = snapshot(project, AUDITED_FIELDS)
    changed = diff(before, after)
    money = {"currency", "total_investment", "total_investment_cny", "contract_amount", "signed_on", "fx_rate"}
    if project.is_verified and money & set(changed):
        project.is_verified = False
        project.verified_by = None
        project.verified_at = None
        changed["is_verified"] = [True, False]
    if "next_step" in changed or "next_step_on" in changed:
        project.last_progress_at = clock.now()
    project.save()
    if lines is not None:
        project.capacity_lines.all().delete()
        for line in lines:
            line.project = project
        CapacityLine.objects.bulk_create(lines)
        changed["capacity_lines"] = [None, [f"{line.product} {line.quantity}{line.unit}" for line in lines]]
    record(actor, actions.PROJECT_UPDATED, project, changes=changed)
    return project


@transaction.atomic
def advance_stage(
    *,
    actor: User,
    project: Project,
    to: str,
    on: dt.date | None = None,
    signed_on: dt.date | None = None,
    contract_amount: Any = None,
    note: str = "",
    next_step: str | None = None,
    next_step_on: dt.date | None = None,
) -> Project:
    """Move a project along the stage table (compare-and-set); signing needs the contract date and amount and
    fixes the exchange rate of that date. A new `next_step` / `next_step_on` given here replace the project's; a
    project still open after the move (see is_open) must then have both."""
    _require_project(actor, perms.CHANGE_PROJECT, project)
    if to not in Stage.values:
        raise DomainError(_("“%(value)s” is not a valid choice.") % {"value": to}, field="stage")
    if project.status in CLOSED_STATUSES:
        raise InvalidTransition(
            _("A project that is %(status)s cannot change stage.") % {"status": project.get_status_display()},
            field="stage",
        )
    if to not in STAGE_TRANSITIONS.get(project.stage, ()):
        raise InvalidTransition(
            _("Cannot go from “%(current)s” to “%(to)s”.")
            % {"current": Stage(project.stage).label, "to": Stage(to).label},
            field="stage",
        )
    today = clock.today()
    errors = _Errors()
    on = on or (signed_on if to == Stage.SIGNED and signed_on else today)
    if on > today:
        errors.add("on", _("The date cannot be in the future."))
    extra: dict[str, Any] = {"last_progress_at": clock.now()}
    if to != Stage.LEAD:
        extra[STAGE_DATE_FIELDS[to]] = on
    if to == Stage.SIGNED:
        signed_on = signed_on or None
        if signed_on is None:
            errors.add("signed_on", _("Signing needs the contract date."))
        elif signed_on > today:
            errors.add("signed_on", _("The contract date cannot be in the future."))
        contract = parse_amount(contract_amount, "contract_amount", errors)
        if signed_on is not None and signed_on <= today:
            rate, rate_date = _rate(project.currency, signed_on, errors)
            extra.update(
                signed_on=signed_on,
                contract_amount=contract,
                fx_rate=rate,
                fx_rate_date=rate_date,
                total_investment_cny=_cny(project.total_investment, rate),
            )
    if to == Stage.PRODUCING:
        extra["is_at_full_production"] = False
    if next_step is not None:
        extra["next_step"] = next_step.strip()
    if next_step_on is not None:
        extra["next_step_on"] = next_step_on
    _check_next_step(
        errors,
        stage=to,
        status=project.status,
        next_step=extra.get("next_step", project.next_step),
        next_step_on=extra.get("next_step_on", project.next_step_on),
    )
    errors.raise_if_any()
    before = transition(project, to=to, table=STAGE_TRANSITIONS, field="stage", extra=extra)
    _history(project, field="stage", before=before, after=to, on=on, actor=actor, note=note)
    changes = {"stage": [before, to]}
    for key in ("signed_on", "contract_amount", "fx_rate", "total_investment_cny", "next_step", "next_step_on"):
        if key in extra:
            changes[key] = [None, extra[key]]
    record(actor, actions.PROJECT_STAGE_CHANGED, project, changes=changes, note=note)
    return project


@transaction.atomic
def set_status(
    *,
    actor: User,
    project: Project,
    status: str,
    reason: str = "",
    next_step: str | None = None,
    next_step_on: dt.date | None = None,
) -> Project:
    """Mark a project normal, delayed, stalled, lost or withdrawn (compare-and-set); all but normal need a reason.
    A new `next_step` / `next_step_on` given here replace the project's; a project still open after the change (see
    is_open, e.g. a lost project revived) must then have both."""
    _require_project(actor, perms.CHANGE_PROJECT, project)
    if status not in Status.values:
        raise DomainError(_("“%(value)s” is not a valid choice.") % {"value": status}, field="status")
    reason = (reason or "").strip()
    if status in STATUSES_NEEDING_REASON and not reason:
        raise DomainError(_("Give the reason."), field="reason")
    extra: dict[str, Any] = {"status_reason": reason, "last_progress_at": clock.now()}
    if next_step is not None:
        extra["next_step"] = next_step.strip()
    if next_step_on is not None:
        extra["next_step_on"] = next_step_on
    errors = _Errors()
    _check_next_step(
        errors,
        stage=project.stage,
        status=status,
        next_step=extra.get("next_step", project.next_step),
        next_step_on=extra.get("next_step_on", project.next_step_on),
    )
    errors.raise_if_any()
    before = transition(project, to=status, table=STATUS_TRANSITIONS, field="status", extra=extra)
    _history(project, field="status", before=before, after=status, on=clock.today(), actor=actor, note=reason)
    changes: dict[str, Any] = {"status": [before, status]}
    for key in ("next_step", "next_step_on"):
        if key in extra:
            changes[key] = [None, extra[key]]
    record(actor, actions.PROJECT_STATUS_CHANGED, project, changes=changes, note=reason)
    return project


@transaction.atomic
def mark_full_production(*, actor: User, project: Project, on: dt.date | None = None, note: str = "") -> Project:
    """Set the 达产 flag of a producing project (compare-and-set); the day is kept in the stage history."""
    _require_project(actor, perms.CHANGE_PROJECT, project)
    if project.stage != Stage.PRODUCING:
        raise InvalidTransition(_("Only a producing project can reach full production."), field="stage")
    on = on or clock.today()
    if on > clock.today():
        raise DomainError(_("The date cannot be in the future."), field="on")
    if project.producing_on and on < project.producing_on:
        raise DomainError(_("Full production cannot come before production started."), field="on")
    now = clock.now()
    updated = Project.objects.filter(pk=project.pk, stage=Stage.PRODUCING, is_at_full_production=False).update(
        is_at_full_production=True, last_progress_at=now, updated_at=now
    )
    if updated != 1:
        raise Conflict(_("This project is already at full production or has changed; reload."), field="stage")
    project.is_at_full_production, project.last_progress_at = True, now
    _history(project, field="production", before="", after="full", on=on, actor=actor, note=note)
    record(
        actor,
        actions.PROJECT_FULL_PRODUCTION,
        project,
        changes={"is_at_full_production": [False, True]},
        note=f"{on.isoformat()} {note}".strip(),
    )
    return project


@transaction.atomic
def verify_project(*, actor: User, project: Project, evidence: str) -> Project:
    """Confirm a claimed signing (行政审批局 / statistics); never by the project's own owner."""
    _require_project(actor, perms.VERIFY_PROJECT, project)
    if project.owner_id == actor.pk:
        raise PermissionDenied(_("The project's own owner cannot verify it."))
    if project.stage not in SIGNED_STAGES:
        raise InvalidTransition(_("Only a signed project can be verified."), field="stage")
    evidence = (evidence or "").strip()
    if not evidence:
        raise DomainError(_("Attach the evidence (contract, registration …)."), field="evidence")
    now = clock.now()
    updated = Project.objects.filter(pk=project.pk, is_verified=False, stage=project.stage).update(
        is_verified=True, verified_by=actor, verified_at=now, verification_evidence=evidence, updated_at=now
    )
    if updated != 1:
        raise Conflict(_("This project is already verified or has changed; reload."), field="is_verified")
    project.is_verified, project.verified_by, project.verified_at = True, actor, now
    project.verification_evidence = evidence
    record(actor, actions.PROJECT_VERIFIED, project, changes={"is_verified": [False, True]}, note=evidence)
    return project


# ---------------------------------------------------------------------------------------------- negotiations


@transaction.atomic
def record_negotiation(
    *,
    actor: User,
    project: Project,
    at: dt.datetime,
    summary: str,
    channel: str = Channel.VIDEO,
    our_participants: Iterable[User] = (),
    leaders_present: str = "",
    their_participants: str = "",
    issues: Sequence[str] = (),
    next_step: str = "",
    next_step_on: dt.date | None = None,
) -> Negotiation:
    """Log a round of talks; rounds are numbered per project; the project's next step and progress move with it."""
    _require_project(actor, perms.ADD_NEGOTIATION, project)
    errors = _Errors()
    if at is None:
        errors.add("at", _("Give the date and time."))
    elif at > clock.now():
        errors.add("at", _("A negotiation cannot be recorded before it happens."))
    if not (summary or "").strip():
        errors.add("summary", _("Summarise the talks."))
    channel = _choice(channel, Channel, "channel", errors, Channel.VIDEO)
    issues = list(dict.fromkeys(issues or []))
    bad = [i for i in issues if i not in Issue.values]
    if bad:
        errors.add("issues", _("Unknown issues: %(codes)s") % {"codes": ", ".join(map(str, bad))})
    if project.status in CLOSED_STATUSES:
        errors.add("project", _("The project is closed."))
    errors.raise_if_any()
    project = Project.objects.select_for_update().get(pk=project.pk)
    number = (project.negotiations.aggregate(n=Max("round_number"))["n"] or 0) + 1
    try:
        with transaction.atomic():
            negotiation = Negotiation.objects.create(
                project=project,
                round_number=number,
                at=at,
                channel=channel,
                leaders_present=(leaders_present or "").strip(),
                their_participants=(their_participants or "").strip(),
                summary=summary.strip(),
                issues=issues,
                next_step=(next_step or "").strip(),
                next_step_on=next_step_on,
                recorded_by=actor,
            )
    except IntegrityError as exc:
        raise Conflict(_("Another round was recorded at the same time; try again."), field="round_number") from exc
    negotiation.our_participants.set(list(our_participants))
    fields = {"last_progress_at": clock.now()}
    if negotiation.next_step:
        fields.update(next_step=negotiation.next_step, next_step_on=next_step_on)
    Project.objects.filter(pk=project.pk).update(**fields)
    record(
        actor,
        actions.NEGOTIATION_RECORDED,
        negotiation,
        changes={"project": [None, project.pk], "round_number": [None, number], "channel": [None, channel]},
    )
    return negotiation


# ---------------------------------------------------------------------------------------------- staff development


@transaction.atomic
def record_training(
    *,
    actor: User,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    attendees: Iterable[User] = (),
    materials: str = "",
) -> TrainingSession:
    """Record a training class and who attended."""
    _require(actor, perms.ADD_TRAINING)
    errors = _Errors()
    if not (name or "").strip():
        errors.add("name", _("Name the training."))
    if starts_on and ends_on and ends_on < starts_on:
        errors.add("ends_on", _("The end cannot be before the start."))
    if TrainingSession.objects.filter(name=(name or "").strip(), starts_on=starts_on).exists():
        errors.add("name", _("This training is already recorded."))
    errors.raise_if_any()
    session = TrainingSession.objects.create(
        name=name.strip(), starts_on=starts_on, ends_on=ends_on, materials=materials or "", created_by=actor
    )
    people = list(attendees)
    session.attendees.set(people)
    record(
        actor,
        actions.TRAINING_RECORDED,
        session,
        changes={"name": [None, session.name], "attendees": [None, sorted(p.pk for p in people)]},
    )
    return session


@transaction.atomic
def add_staff_note(*, actor: User, staff: User, quality: str, note: str) -> StaffNote:
    """Write an organisation-department note on a staff member against one of the seven qualities."""
    _require(actor, perms.VIEW_STAFF_DEVELOPMENT)
    _require(actor, perms.ADD_STAFF_NOTE)
    errors = _Errors()
    if quality not in Quality.values:
        errors.add("quality", _("“%(value)s” is not a valid choice.") % {"value": quality})
    if not (note or "").strip():
        errors.add("note", _("Write the note."))
    errors.raise_if_any()
    staff_note = StaffNote.objects.create(staff=staff, quality=quality, note=note.strip(), author=actor)
    record(actor, actions.STAFF_NOTE_ADDED, staff_note, changes={"staff": [None, staff.pk], "quality": [None, quality]})
    return staff_note


def audit_staff_view(*, actor: User, note: str = "") -> None:
    """Record that the staff development view was opened (every view of it is audited)."""
    _require(actor, perms.VIEW_STAFF_DEVELOPMENT)
    record(actor, actions.STAFF_DEVELOPMENT_VIEWED, None, note=note)


# ---------------------------------------------------------------------------------------------- import


IMPORT_COLUMNS_KEYS = (
    "name",
    "investor",
    "unit",
    "industry",
    "currency",
    "total_investment",
    "is_foreign",
    "stage",
    "signed_on",
    "next_step",
    "next_step_on",
)


@transaction.atomic
def import_projects(*, actor: User, rows: Sequence[tuple[int, Mapping[str, Any]]]) -> int:
    """Create one project per template row, all or nothing: any bad row → ImportFailed listing every bad row."""
    from zoneops.accounts.models import Department
    from zoneops.core.excel import ImportFailed, RowError

    _require(actor, perms.ADD_PROJECT)
    errors: list[RowError] = []
    created = 0
    stage_by_label = {str(label): value for value, label in Stage.choices} | {v: v for v in Stage.values}
    for number, row in rows:
        unit = Department.objects.filter(code=str(row.get("unit") or "").strip()).first()
        if unit is None:
            errors.append(
                RowError(number, "unit", _("Unknown investment unit “%(code)s”.") % {"code": row.get("unit")})
            )
            continue
        dates: dict[str, dt.date | None] = {}
        for key in ("signed_on", "next_step_on"):
            value = row.get(key)
            if isinstance(value, dt.datetime):
                value = value.date()
            elif isinstance(value, str) and value.strip():
                try:
                    value = dt.date.fromisoformat(value.strip())
                except ValueError:
                    errors.append(RowError(number, key, _("Use the date format YYYY-MM-DD.")))
                    value = "bad"
            dates[key] = value or None
        if "bad" in dates.values():
            continue
        signed_on = dates["signed_on"]
        foreign = str(row.get("is_foreign") or "").strip().lower() in ("是", "yes", "true", "1", "y")
        try:
            with transaction.atomic():
                create_project(
                    actor=actor,
                    name=str(row.get("name") or ""),
                    investor=str(row.get("investor") or ""),
                    unit=unit,
                    industry=str(row.get("industry") or ""),
                    currency=str(row.get("currency") or "CNY"),
                    total_investment=None if row.get("total_investment") is None else str(row["total_investment"]),
                    is_foreign=foreign,
                    stage=stage_by_label.get(str(row.get("stage") or "lead"), str(row.get("stage"))),
                    signed_on=signed_on or None,
                    next_step=str(row.get("next_step") or ""),
                    next_step_on=dates["next_step_on"],
                )
            created += 1
        except DomainError as exc:
            for field, messages in (exc.errors or {"": [exc.message]}).items():
                for message in messages:
                    errors.append(RowError(number, field, message))
    if errors:
        raise ImportFailed(errors)
    record(actor, actions.PROJECTS_IMPORTED, None, note=f"{created}")
    return created


# ---------------------------------------------------------------------------------------------- dictionaries


@transaction.atomic
def save_industry(
    *, actor: User, code: str, name: str, is_leading: bool, sort_order: int = 0, is_active: bool = True
) -> Industry:
    """Create or change an industry of the dictionary (the "3+1" leading list is this flag, not code)."""
    _require(actor, perms.CHANGE_INDUSTRY)
    errors = _Errors()
    code = (code or "").strip().upper()
    name = (name or "").strip()
    if not code or len(code) > 20 or not code.replace("_", "").replace("-", "").isalnum():
        errors.add("code", _("Use up to 20 letters, digits, - or _."))
    if not name:
        errors.add("name", _("Name the industry."))
    errors.raise_if_any()
    industry = Industry.objects.filter(code=code).first()
    before = snapshot(industry, ("name", "is_leading", "sort_order", "is_active")) if industry else {}
    if industry is None:
        industry = Industry(code=code)
    industry.name, industry.is_leading, industry.sort_order, industry.is_active = (
        name,
        is_leading,
        sort_order,
        is_active,
    )
    industry.save()
    changes = diff(before, snapshot(industry, ("name", "is_leading", "sort_order", "is_active")))
    record(actor, actions.INDUSTRY_SAVED, industry, changes=changes)
    return industry


@transaction.atomic
def save_threshold_bucket(
    *,
    actor: User,
    label: str,
    amount: Any,
    currency: str,
    comparison: str,
    applies_to: str,
    order: int = 0,
    is_active: bool = True,
    bucket: ThresholdBucket | None = None,
) -> ThresholdBucket:
    """Create or change a reporting threshold; statistics apply it with each project's stored rate."""
    from zoneops.investment.choices import AppliesTo, Comparison

    _require(actor, perms.CHANGE_THRESHOLD_BUCKET)
    errors = _Errors()
    label = (label or "").strip()
    if not label:
        errors.add("label", _("Give the label the bulletin prints."))
    value = parse_amount(amount, "amount", errors)
    cur = _currency(currency, errors)
    comparison = _choice(comparison, Comparison, "comparison", errors, Comparison.GTE)
    applies_to = _choice(applies_to, AppliesTo, "applies_to", errors, AppliesTo.ALL)
    errors.raise_if_any()
    fields = ("label", "amount", "currency", "comparison", "applies_to", "order", "is_active")
    before = snapshot(bucket, fields) if bucket else {}
    bucket = bucket or ThresholdBucket()
    bucket.label, bucket.amount, bucket.currency = label, value, cur
    bucket.comparison, bucket.applies_to, bucket.order, bucket.is_active = comparison, applies_to, order, is_active
    bucket.save()
    record(actor, actions.THRESHOLD_BUCKET_SAVED, bucket, changes=diff(before, snapshot(bucket, fields)))
    return bucket


# ---------------------------------------------------------------------------------------------- attachments


@transaction.atomic
def add_attachment(
    *, actor: User, project: Project, upload, kind: str, negotiation: Negotiation | None = None
) -> ProjectAttachment:
    """Attach minutes (negotiators), verification evidence (verifiers) or another file (project editors)."""
    perm = {
        ProjectAttachment.Kind.MINUTES: perms.ADD_NEGOTIATION,
        ProjectAttachment.Kind.EVIDENCE: perms.VERIFY_PROJECT,
    }.get(kind, perms.CHANGE_PROJECT)
    if kind not in ProjectAttachment.Kind.values:
        raise DomainError(_("“%(value)s” is not a valid choice.") % {"value": kind}, field="kind")
    _require_project(actor, perm, project)
    if negotiation is not None and negotiation.project_id != project.pk:
        raise DomainError(_("That negotiation belongs to another project."), field="negotiation")
    name = (getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ProjectAttachment.ALLOWED_EXTENSIONS:
        raise DomainError(
            _("Allowed file types: %(types)s.") % {"types": ", ".join(ProjectAttachment.ALLOWED_EXTENSIONS)},
            field="file",
        )
    size = getattr(upload, "size", 0) or 0
    if size > ProjectAttachment.MAX_BYTES:
        raise DomainError(_("The file is larger than 10 MB."), field="file")
    if size == 0:
        raise DomainError(_("The file is empty."), field="file")
    attachment = ProjectAttachment(
        project=project,
        negotiation=negotiation,
        kind=kind,
        name=name[:200],
        size=size,
        uploaded_by=actor,
        uploaded_at=clock.now(),
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    record(
        actor,
        actions.ATTACHMENT_ADDED,
        project,
        changes={"attachment": [None, attachment.pk], "kind": [None, kind], "name": [None, attachment.name]},
    )
    return attachment
