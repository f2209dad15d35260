"""Enterprise registry API: list (same filters as the page), register, read, change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from zoneops.accounts.models import Department, DepartmentKind
from zoneops.core.errors import DomainError, PermissionDenied
from zoneops.enterprises import services
from zoneops.enterprises.filters import EnterpriseFilter
from zoneops.enterprises.models import Enterprise
from zoneops.enterprises.permissions import CHANGE_ENTERPRISE, VIEW_ENTERPRISE
from zoneops.enterprises.selectors import contacts_of, enterprise_for_user_or_404, visible_enterprises

router = Router(tags=["enterprises"])

MAX_LIMIT = 500
NULLABLE = {"subdistrict", "established_on", "settled_on", "registered_capital"}


class ContactOut(Schema):
    """A contact; `mobile` is masked unless the caller may see personal data."""

    id: int
    name: str
    title: str
    mobile: str
    is_primary: bool
    is_masked: bool


class ContactIn(Schema):
    """A contact to keep (with `id`) or to add (without)."""

    id: int | None = None
    name: str
    title: str = ""
    mobile: str
    is_primary: bool = False


class EnterpriseOut(Schema):
    """An enterprise of the registry."""

    id: int
    name: str
    uscc: str | None = Field(None, description="null for a prospective investor (status `prospect`) until entered")
    legal_representative: str
    industry: str
    industry_label: str
    address: str
    subdistrict: int | None
    subdistrict_name: str
    established_on: dt.date | None
    settled_on: dt.date | None
    registered_capital: Decimal | None
    group_name: str
    is_key: bool
    is_supply_assured: bool
    is_listed: bool
    listing_board: str
    ticker: str
    is_foreign_funded: bool
    tags: list[str]
    status: str


class EnterpriseDetailOut(EnterpriseOut):
    """An enterprise with its contacts."""

    description: str
    contacts: list[ContactOut]


class EnterpriseList(Schema):
    """A page of enterprises and the total matching the filters."""

    items: list[EnterpriseOut]
    count: int


class EnterpriseIn(Schema):
    """A new enterprise; `subdistrict` is a department id of kind subdistrict."""

    name: str
    uscc: str
    industry: str
    legal_representative: str = ""
    address: str = ""
    subdistrict: int | None = None
    established_on: dt.date | None = None
    settled_on: dt.date | None = None
    registered_capital: Decimal | None = None
    group_name: str = ""
    is_key: bool = False
    is_supply_assured: bool = False
    is_listed: bool = False
    listing_board: str = ""
    ticker: str = ""
    is_foreign_funded: bool = False
    description: str = ""
    tags: list[str] = []
    contacts: list[ContactIn] = []


class EnterprisePatch(Schema):
    """Fields to change; those left out stay as they are. `contacts`, if given, replaces the list."""

    name: str | None = None
    uscc: str | None = None
    industry: str | None = None
    legal_representative: str | None = None
    address: str | None = None
    subdistrict: int | None = None
    established_on: dt.date | None = None
    settled_on: dt.date | None = None
    registered_capital: Decimal | None = None
    group_name: str | None = None
    is_key: bool | None = None
    is_supply_assured: bool | None = None
    is_listed: bool | None = None
    listing_board: str | None = None
    ticker: str | None = None
    is_foreign_funded: bool | None = None
    description: str | None = None
    tags: list[str] | None = None
    contacts: list[ContactIn] | None = None


class EnterpriseQuery(Schema):
    """The list filters (the same definition as the list page) and the page window."""

    q: str | None = Field(None, description="name, credit code or legal representative contains")
    industry: str | None = None
    subdistrict: int | None = None
    is_key: bool | None = None
    is_supply_assured: bool | None = None
    is_listed: bool | None = None
    is_foreign_funded: bool | None = None
    tag: int | None = None
    status: str | None = None
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0)


def _out(enterprise: Enterprise) -> dict:
    return {
        "id": enterprise.pk,
        "name": enterprise.name,
        "uscc": enterprise.uscc,
        "legal_representative": enterprise.legal_representative,
        "industry": enterprise.industry,
        "industry_label": str(enterprise.get_industry_display()),
        "address": enterprise.address,
        "subdistrict": enterprise.subdistrict_id,
        "subdistrict_name": enterprise.subdistrict.name if enterprise.subdistrict else "",
        "established_on": enterprise.established_on,
        "settled_on": enterprise.settled_on,
        "registered_capital": enterprise.registered_capital,
        "group_name": enterprise.group_name,
        "is_key": enterprise.is_key,
        "is_supply_assured": enterprise.is_supply_assured,
        "is_listed": enterprise.is_listed,
        "listing_board": enterprise.listing_board,
        "ticker": enterprise.ticker,
        "is_foreign_funded": enterprise.is_foreign_funded,
        "tags": [tag.name for tag in enterprise.tags.all()],
        "status": enterprise.status,
    }


def _detail(user, enterprise: Enterprise) -> dict:
    contacts = services.disclose_contacts(
        actor=user, contacts=contacts_of(enterprise), enterprise=enterprise, purpose="API enterprise detail"
    )
    return {
        **_out(enterprise),
        "description": enterprise.description,
        "contacts": [
            {
                "id": c.id,
                "name": c.name,
                "title": c.title,
                "mobile": c.mobile,
                "is_primary": c.is_primary,
                "is_masked": c.is_masked,
            }
            for c in contacts
        ],
    }


def _require_perm(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))


def _subdistrict(pk: int | None) -> Department | None:
    if pk is None:
        return None
    department = Department.objects.filter(pk=pk, kind=DepartmentKind.SUBDISTRICT).first()
    if department is None:
        raise DomainError(_("Choose a subdistrict."), field="subdistrict")
    return department


def _contacts(items: list[ContactIn]) -> list[services.ContactInput]:
    return [
        services.ContactInput(id=c.id, name=c.name, title=c.title, mobile=c.mobile, is_primary=c.is_primary)
        for c in items
    ]


@router.get("", response=EnterpriseList, summary="List enterprises")
def list_enterprises(request, filters: Query[EnterpriseQuery]):
    """Enterprises in the caller's data scope matching the filters, by name; `limit` at most 500."""
    user = request.auth
    _require_perm(user, VIEW_ENTERPRISE)
    data = {}
    for key, value in filters.dict(exclude={"limit", "offset"}).items():
        if value is None:
            continue
        data[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    filterset = EnterpriseFilter(data, queryset=visible_enterprises(user))
    if not filterset.is_valid():
        errors = {field: [str(m) for m in messages] for field, messages in filterset.errors.items()}
        field = next(iter(errors))
        raise DomainError(errors[field][0], field=field, errors=errors)
    queryset = filterset.qs.select_related("subdistrict").prefetch_related("tags").order_by("name", "pk")
    page = queryset[filters.offset : filters.offset + filters.limit]
    return {"items": [_out(e) for e in page], "count": queryset.count()}


@router.post("", response={201: EnterpriseDetailOut}, summary="Register an enterprise")
def create(request, payload: EnterpriseIn):
    """Register an enterprise (and its contacts); a bad credit code answers 400 naming `uscc`."""
    user = request.auth
    data = payload.dict(exclude={"contacts", "subdistrict"})
    with transaction.atomic():
        enterprise = services.create_enterprise(actor=user, subdistrict=_subdistrict(payload.subdistrict), **data)
        if payload.contacts:
            services.set_contacts(actor=user, enterprise=enterprise, contacts=_contacts(payload.contacts))
    return Status(201, _detail(user, enterprise_for_user_or_404(user, enterprise.pk)))


@router.get("/{int:enterprise_id}", response=EnterpriseDetailOut, summary="Read an enterprise")
def detail(request, enterprise_id: int):
    """One enterprise with its contacts (mobiles masked unless permitted; unmasked reads are audited)."""
    user = request.auth
    _require_perm(user, VIEW_ENTERPRISE)
    return _detail(user, enterprise_for_user_or_404(user, enterprise_id))


@router.patch("/{int:enterprise_id}", response=EnterpriseDetailOut, summary="Change an enterprise")
def patch(request, enterprise_id: int, payload: EnterprisePatch):
    """Change the fields given; out of scope answers 404 like a missing enterprise."""
    user = request.auth
    _require_perm(user, CHANGE_ENTERPRISE)
    enterprise = enterprise_for_user_or_404(user, enterprise_id, CHANGE_ENTERPRISE)
    given = payload.dict(exclude_unset=True)
    # null clears only the fields that may be empty; for the others it means "leave as is".
    given = {k: v for k, v in given.items() if v is not None or k in NULLABLE}
    contacts = given.pop("contacts", None)
    if "subdistrict" in given:
        given["subdistrict"] = _subdistrict(given["subdistrict"])
    with transaction.atomic():
        services.update_enterprise(actor=user, enterprise=enterprise, **given)
        if contacts is not None:
            services.set_contacts(actor=user, enterprise=enterprise, contacts=_contacts(payload.contacts or []))
    return _detail(user, enterprise_for_user_or_404(user, enterprise.pk))
