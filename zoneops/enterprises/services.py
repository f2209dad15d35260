"""Enterprise writes: register, update, contacts, close / reopen, Excel import and export (all audited)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook

from zoneops.accounts.actions import PERSONAL_DATA_VIEWED
from zoneops.accounts.models import Department, DepartmentKind, User
from zoneops.accounts.scoping import grants_for
from zoneops.audit.services import diff, record, snapshot
from zoneops.core import clock
from zoneops.core.crypto import digest, mask_mobile
from zoneops.core.errors import Conflict, DomainError, OutOfScope, PermissionDenied
from zoneops.core.excel import Column, ImportResult, RowError, export_workbook, read_rows, run_import
from zoneops.core.validators import normalize_uscc, uscc_check_char, validate_mobile, validate_uscc
from zoneops.core.workflow import transition
from zoneops.enterprises import actions
from zoneops.enterprises.models import (
    STATUS_TRANSITIONS,
    Enterprise,
    EnterpriseContact,
    EnterpriseStatus,
    Industry,
    ListingBoard,
    Tag,
)
from zoneops.enterprises.permissions import (
    ADD_ENTERPRISE,
    CHANGE_ENTERPRISE,
    EXPORT_ENTERPRISE,
    IMPORT_ENTERPRISE,
    VIEW_PERSONAL_DATA,
)

# Fields a caller may set on an enterprise (besides tags); also the fields the audit diff covers.
EDITABLE_FIELDS = (
    "name",
    "uscc",
    "legal_representative",
    "industry",
    "address",
    "subdistrict",
    "established_on",
    "settled_on",
    "registered_capital",
    "group_name",
    "is_key",
    "is_supply_assured",
    "is_listed",
    "listing_board",
    "ticker",
    "is_foreign_funded",
    "description",
)
_TEXT_FIELDS = {
    "name": 200,
    "legal_representative": 60,
    "address": 255,
    "group_name": 200,
    "ticker": 20,
    "description": 100000,
}
_BOOL_FIELDS = ("is_key", "is_supply_assured", "is_listed", "is_foreign_funded")
_MAX_CAPITAL = Decimal("9999999999999999.99")


# --- permission and scope -------------------------------------------------------------------------


def _require(actor: User | None, perm: str, enterprise: Enterprise | None = None) -> None:
    """Raise PermissionDenied without `perm`, OutOfScope when `enterprise` lies outside its data scope."""
    if actor is None or not actor.is_authenticated or not actor.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))
    if enterprise is not None and not Enterprise.objects.visible_to(actor, perm).filter(pk=enterprise.pk).exists():
        raise OutOfScope(_("Not found."))


def _require_still_in_scope(actor: User, perm: str, enterprise: Enterprise) -> None:
    """After a write, the enterprise must still lie in the actor's scope (else the transaction rolls back)."""
    if not Enterprise.objects.visible_to(actor, perm).filter(pk=enterprise.pk).exists():
        raise DomainError(_("This subdistrict is outside your data scope."), field="subdistrict")


def can_view_personal_data(user: User | None) -> bool:
    """Whether `user` may see unmasked mobiles."""
    return bool(user is not None and user.is_authenticated and user.has_perm(VIEW_PERSONAL_DATA))


# --- validation -----------------------------------------------------------------------------------


def _first_message(error: ValidationError) -> str:
    return str(error.messages[0]) if error.messages else str(error)


def clean_enterprise_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and normalise enterprise fields; raises one DomainError naming every bad field."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown enterprise fields: {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(str(message))

    for field, limit in _TEXT_FIELDS.items():
        if field in values:
            text = str(values[field] or "").strip()
            if len(text) > limit:
                fail(field, _("At most %(n)s characters.") % {"n": limit})
            cleaned[field] = text
    if "name" in values and not cleaned.get("name"):
        fail("name", _("This field is required."))
    if "uscc" in values:
        code = normalize_uscc(str(values["uscc"] or ""))
        if not code:
            fail("uscc", _("This field is required."))
        else:
            try:
                validate_uscc(code)
            except ValidationError as exc:
                fail("uscc", _first_message(exc))
        cleaned["uscc"] = code
    if "industry" in values:
        industry = values["industry"] or ""
        if industry not in Industry.values:
            fail("industry", _("Choose a valid industry."))
        cleaned["industry"] = industry
    if "subdistrict" in values:
        subdistrict = values["subdistrict"]
        if subdistrict is not None and (
            not isinstance(subdistrict, Department) or subdistrict.kind != DepartmentKind.SUBDISTRICT
        ):
            fail("subdistrict", _("Choose a subdistrict."))
        cleaned["subdistrict"] = subdistrict
    for field in ("established_on", "settled_on"):
        if field in values:
            day = values[field]
            if day is not None and not isinstance(day, dt.date):
                fail(field, _("Enter a valid date."))
            elif day is not None and day > clock.today():
                fail(field, _("The date cannot be in the future."))
            cleaned[field] = day
    if "registered_capital" in values:
        capital = values["registered_capital"]
        if capital is not None and capital != "":
            try:
                capital = Decimal(str(capital)).quantize(Decimal("0.01"))
            except (InvalidOperation, ValueError):
                fail("registered_capital", _("Enter a number."))
                capital = None
            else:
                if capital < 0 or capital > _MAX_CAPITAL:
                    fail("registered_capital", _("Enter an amount between 0 and 9,999,999,999,999,999.99."))
        else:
            capital = None
        cleaned["registered_capital"] = capital
    for field in _BOOL_FIELDS:
        if field in values:
            cleaned[field] = bool(values[field])
    if "listing_board" in values:
        board = values["listing_board"] or ""
        if board and board not in ListingBoard.values:
            fail("listing_board", _("Choose a valid listing board."))
        cleaned["listing_board"] = board
    if errors:
        first = next(iter(errors.values()))[0]
        raise DomainError(first, field=next(iter(errors)), errors=errors)
    return cleaned


def _check_listing(enterprise: Enterprise) -> None:
    """A listed enterprise names its board; an unlisted one carries neither board nor ticker."""
    if enterprise.is_listed and not enterprise.listing_board:
        raise DomainError(_("Choose the listing board of a listed enterprise."), field="listing_board")
    if not enterprise.is_listed:
        enterprise.listing_board = ""
        enterprise.ticker = ""


def _check_unique_uscc(code: str, *, exclude_pk: int | None = None) -> None:
    qs = Enterprise.objects.filter(uscc=code)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise Conflict(_("An enterprise with this credit code is already registered."), field="uscc")


def _clean_tags(tags: Iterable[str]) -> list[str]:
    names: list[str] = []
    for raw in tags:
        for part in str(raw or "").replace("，", ",").replace("、", ",").split(","):
            name = part.strip()[:30]
            if name and name not in names:
                names.append(name)
    return names


def _set_tags(enterprise: Enterprise, names: list[str]) -> None:
    tags = [Tag.objects.get_or_create(name=name)[0] for name in names]
    enterprise.tags.set(tags)


def _tag_names(enterprise: Enterprise) -> list[str]:
    return sorted(enterprise.tags.values_list("name", flat=True))


def _state(enterprise: Enterprise) -> dict[str, Any]:
    state = snapshot(enterprise, EDITABLE_FIELDS)
    state["tags"] = _tag_names(enterprise) if enterprise.pk else []
    return state


# --- enterprises ----------------------------------------------------------------------------------


def _create(actor: User | None, values: dict[str, Any], tags: list[str]) -> Enterprise:
    _check_unique_uscc(values["uscc"])
    enterprise = Enterprise(created_by=actor if getattr(actor, "is_authenticated", False) else None, **values)
    _check_listing(enterprise)
    enterprise.save()
    _set_tags(enterprise, tags)
    after = _state(enterprise)
    record(actor, actions.ENTERPRISE_CREATED, enterprise, changes={k: [None, v] for k, v in after.items() if v})
    return enterprise


def _update(actor: User | None, enterprise: Enterprise, values: dict[str, Any], tags: list[str] | None) -> bool:
    before = _state(enterprise)
    before_status = enterprise.status
    if "uscc" in values:
        _check_unique_uscc(values["uscc"], exclude_pk=enterprise.pk)
        if enterprise.status == EnterpriseStatus.PROSPECT:
            # The credit code completed (validated above): the prospect becomes a registered enterprise.
            enterprise.status = EnterpriseStatus.ACTIVE
    for field, value in values.items():
        setattr(enterprise, field, value)
    _check_listing(enterprise)
    enterprise.save()
    if tags is not None:
        _set_tags(enterprise, tags)
    changes = diff(before, _state(enterprise))
    if enterprise.status != before_status:
        changes["status"] = [before_status, enterprise.status]
    if changes:
        record(actor, actions.ENTERPRISE_UPDATED, enterprise, changes=changes)
    return bool(changes)


@transaction.atomic
def create_enterprise(*, actor: User, name: str, uscc: str, tags: Iterable[str] = (), **fields: Any) -> Enterprise:
    """Register an enterprise; its subdistrict must lie in the actor's data scope."""
    _require(actor, ADD_ENTERPRISE)
    values = clean_enterprise_fields({"name": name, "uscc": uscc, **fields})
    enterprise = _create(actor, values, _clean_tags(tags))
    _require_still_in_scope(actor, ADD_ENTERPRISE, enterprise)
    return enterprise


@transaction.atomic
def update_enterprise(
    *, actor: User, enterprise: Enterprise, tags: Iterable[str] | None = None, **fields: Any
) -> Enterprise:
    """Change an enterprise's registry fields (and tags, if given); audited with a before/after diff.

    A prospect stays a prospect while its credit code is left empty; a valid code registers it (status active).
    """
    _require(actor, CHANGE_ENTERPRISE, enterprise)
    if enterprise.status == EnterpriseStatus.PROSPECT and not normalize_uscc(str(fields.get("uscc") or "")):
        fields.pop("uscc", None)
    values = clean_enterprise_fields(fields)
    _update(actor, enterprise, values, None if tags is None else _clean_tags(tags))
    _require_still_in_scope(actor, CHANGE_ENTERPRISE, enterprise)
    return enterprise


@transaction.atomic
def close_enterprise(*, actor: User, enterprise: Enterprise, note: str = "") -> Enterprise:
    """Mark an enterprise closed (it stays in the registry for the records that point to it)."""
    _require(actor, CHANGE_ENTERPRISE, enterprise)
    previous = transition(
        enterprise, to=EnterpriseStatus.CLOSED, table=STATUS_TRANSITIONS, extra={"closed_on": clock.today()}
    )
    record(actor, actions.ENTERPRISE_CLOSED, enterprise, changes={"status": [previous, enterprise.status]}, note=note)
    return enterprise


@transaction.atomic
def reopen_enterprise(*, actor: User, enterprise: Enterprise, note: str = "") -> Enterprise:
    """Mark a closed enterprise active again."""
    _require(actor, CHANGE_ENTERPRISE, enterprise)
    previous = transition(enterprise, to=EnterpriseStatus.ACTIVE, table=STATUS_TRANSITIONS, extra={"closed_on": None})
    record(actor, actions.ENTERPRISE_REOPENED, enterprise, changes={"status": [previous, enterprise.status]}, note=note)
    return enterprise


# --- investors not registered yet (prospects) ----------------------------------------------------

# Who may look up or add an investor: registry clerks and investment staff (registering or updating a project).
INVESTOR_PERMISSIONS = (ADD_ENTERPRISE, "investment.add_project", "investment.change_project")


def normalize_enterprise_name(name: str) -> str:
    """An enterprise name as matched: surrounding and repeated whitespace removed."""
    return " ".join(str(name or "").split())


def match_investor(name: str) -> Enterprise | None:
    """The registry enterprise of exactly this name, whatever its subdistrict (the registry is shared).

    Several of the same name: an active one first, then closed, then a prospect, the oldest first.
    """
    from django.db.models import Case, IntegerField, Value, When

    text = normalize_enterprise_name(name)
    if not text:
        return None
    rank = Case(
        When(status=EnterpriseStatus.ACTIVE, then=Value(0)),
        When(status=EnterpriseStatus.CLOSED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return Enterprise.objects.filter(name=text).order_by(rank, "pk").first()


@transaction.atomic
def find_or_create_investor(
    *, actor: User, name: str, is_foreign: bool = False, listing_board: str = "", ticker: str = ""
) -> Enterprise:
    """The registry enterprise named `name`, or a new prospect (no credit code, no subdistrict), audited.

    Matching ignores data scope (an investor may be registered in any subdistrict) and changes nothing on
    the enterprise found; the caller gets the model only (contacts and their personal data are not loaded).
    Permitted to holders of enterprises.add_enterprise or investment.add_project / change_project.
    """
    if actor is None or not actor.is_authenticated or not any(actor.has_perm(p) for p in INVESTOR_PERMISSIONS):
        raise PermissionDenied(_("You do not have permission to do this."))
    text = normalize_enterprise_name(name)
    if not text:
        raise DomainError(_("Name the investor."), field="investor")
    if len(text) > 200:
        raise DomainError(_("At most %(n)s characters.") % {"n": 200}, field="investor")
    existing = match_investor(text)
    if existing is not None:
        return existing
    board = listing_board or ""
    if board and board not in ListingBoard.values:
        raise DomainError(_("Choose a valid listing board."), field="listing_board")
    ticker = str(ticker or "").strip()
    if len(ticker) > 20:
        raise DomainError(_("At most %(n)s characters.") % {"n": 20}, field="ticker")
    enterprise = Enterprise(
        name=text,
        uscc=None,
        status=EnterpriseStatus.PROSPECT,
        subdistrict=None,
        is_foreign_funded=bool(is_foreign),
        is_listed=bool(board),
        listing_board=board,
        ticker=ticker if board else "",
        created_by=actor,
    )
    enterprise.save()
    changes = {k: [None, v] for k, v in _state(enterprise).items() if v}
    changes["status"] = [None, enterprise.status]
    record(actor, actions.PROSPECT_CREATED, enterprise, changes=changes)
    return enterprise


# --- contacts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactInput:
    """One contact as given to set_contacts; `id` names an existing contact to keep."""

    name: str
    mobile: str
    title: str = ""
    is_primary: bool = False
    id: int | None = None
    user: User | None = None


def _clean_contact(name: str, mobile: str, title: str, prefix: str = "") -> tuple[dict[str, str], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    mobile = "".join((mobile or "").split())
    title = (title or "").strip()
    if not name:
        errors.setdefault(f"{prefix}name", []).append(_("This field is required."))
    elif len(name) > 60:
        errors.setdefault(f"{prefix}name", []).append(_("At most %(n)s characters.") % {"n": 60})
    if len(title) > 60:
        errors.setdefault(f"{prefix}title", []).append(_("At most %(n)s characters.") % {"n": 60})
    try:
        validate_mobile(mobile)
    except ValidationError as exc:
        errors.setdefault(f"{prefix}mobile", []).append(_first_message(exc))
    return {"name": name, "mobile": mobile, "title": title}, errors


def _raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        field = next(iter(errors))
        raise DomainError(errors[field][0], field=field, errors=errors)


def contact_state(contact: EnterpriseContact) -> dict[str, Any]:
    """A contact as the audit trail keeps it: the mobile masked, never in clear."""
    return {
        "id": contact.pk,
        "name": contact.name,
        "title": contact.title,
        "mobile": mask_mobile(contact.mobile),
        "is_primary": contact.is_primary,
        "user": contact.user_id,
    }


def _add_contact(
    enterprise: Enterprise, *, name: str, mobile: str, title: str, is_primary: bool, user: User | None
) -> EnterpriseContact:
    has_primary = enterprise.contacts.filter(is_primary=True).exists()
    if is_primary and has_primary:
        enterprise.contacts.filter(is_primary=True).update(is_primary=False)
    contact = EnterpriseContact(
        enterprise=enterprise,
        name=name,
        mobile=mobile,
        title=title,
        is_primary=is_primary or not has_primary,
        user=user,
    )
    contact.save()
    return contact


@transaction.atomic
def add_contact(
    *,
    actor: User,
    enterprise: Enterprise,
    name: str,
    mobile: str,
    title: str = "",
    is_primary: bool = False,
    user: User | None = None,
) -> EnterpriseContact:
    """Add a contact; the first contact, or one marked primary, becomes the primary contact."""
    _require(actor, CHANGE_ENTERPRISE, enterprise)
    values, errors = _clean_contact(name, mobile, title)
    _raise_if(errors)
    contact = _add_contact(enterprise, is_primary=is_primary, user=user, **values)
    record(actor, actions.CONTACT_ADDED, enterprise, changes={"contact": [None, contact_state(contact)]})
    return contact


@transaction.atomic
def remove_contact(*, actor: User, contact: EnterpriseContact) -> None:
    """Remove a contact; if it was the primary one, the next contact becomes primary."""
    enterprise = contact.enterprise
    _require(actor, CHANGE_ENTERPRISE, enterprise)
    state = contact_state(contact)
    was_primary = contact.is_primary
    contact.delete()
    if was_primary:
        successor = enterprise.contacts.order_by("pk").first()
        if successor is not None:
            successor.is_primary = True
            successor.save(update_fields=["is_primary"])
    record(actor, actions.CONTACT_REMOVED, enterprise, changes={"contact": [state, None]})


@transaction.atomic
def set_contacts(*, actor: User, enterprise: Enterprise, contacts: Sequence[ContactInput]) -> list[EnterpriseContact]:
    """Replace an enterprise's contacts with `contacts` (ids keep existing ones); exactly one is primary."""
    _require(actor, CHANGE_ENTERPRISE, enterprise)
    existing = {c.pk: c for c in enterprise.contacts.all()}
    cleaned, errors = [], {}
    for index, item in enumerate(contacts):
        values, row_errors = _clean_contact(item.name, item.mobile, item.title, prefix=f"contacts.{index}.")
        errors.update(row_errors)
        if item.id is not None and item.id not in existing:
            errors.setdefault(f"contacts.{index}.id", []).append(_("No such contact of this enterprise."))
        cleaned.append(values)
    _raise_if(errors)
    before = [contact_state(c) for c in sorted(existing.values(), key=lambda c: c.pk)]
    kept_ids = {item.id for item in contacts if item.id is not None}
    EnterpriseContact.objects.filter(pk__in=set(existing) - kept_ids).delete()
    # Clear the primary flag first: the one-primary constraint is checked on every row written.
    enterprise.contacts.filter(is_primary=True).update(is_primary=False)
    primary_index = next((i for i, item in enumerate(contacts) if item.is_primary), 0)
    result = []
    for index, (item, values) in enumerate(zip(contacts, cleaned, strict=True)):
        contact = existing[item.id] if item.id is not None else EnterpriseContact(enterprise=enterprise)
        contact.name, contact.mobile, contact.title = values["name"], values["mobile"], values["title"]
        contact.is_primary = index == primary_index
        if item.user is not None or item.id is None:
            contact.user = item.user
        contact.save()
        result.append(contact)
    after = [contact_state(c) for c in sorted(result, key=lambda c: c.pk)]
    if before != after:
        record(actor, actions.CONTACT_UPDATED, enterprise, changes={"contacts": [before, after]})
    return result


@dataclass(frozen=True)
class ContactView:
    """A contact as shown to one viewer: the mobile masked unless they may see personal data."""

    id: int
    name: str
    title: str
    mobile: str
    is_primary: bool
    user_id: int | None
    is_masked: bool


@transaction.atomic
def disclose_contacts(
    *, actor: User, contacts: Sequence[EnterpriseContact], enterprise: Enterprise | None = None, purpose: str = ""
) -> list[ContactView]:
    """Contacts for display; an unmasked view of any mobile is recorded in the audit trail."""
    unmasked = can_view_personal_data(actor)
    views = [
        ContactView(
            id=c.pk,
            name=c.name,
            title=c.title,
            mobile=c.mobile if unmasked else mask_mobile(c.mobile),
            is_primary=c.is_primary,
            user_id=c.user_id,
            is_masked=not unmasked,
        )
        for c in contacts
    ]
    shown = [c.pk for c in contacts if c.mobile]
    if unmasked and shown:
        record(
            actor,
            PERSONAL_DATA_VIEWED,
            enterprise,
            changes={"enterprise_contacts": shown},
            note=purpose or _("Enterprise contact mobiles"),
        )
    return views


# --- Excel ----------------------------------------------------------------------------------------


def _yes() -> str:
    return _("Yes")


def _no() -> str:
    return _("No")


def import_columns() -> list[Column]:
    """The columns of the import template (headers in the user's language)."""
    subdistrict_names = tuple(
        Department.objects.filter(kind=DepartmentKind.SUBDISTRICT, is_active=True)
        .order_by("sort_order", "code")
        .values_list("name", flat=True)
    )
    yes_no = (_yes(), _no())
    return [
        Column("name", _("Enterprise name"), 36, required=True),
        Column("uscc", _("Unified social credit code"), 24, required=True),
        Column("legal_representative", _("Legal representative"), 14),
        Column("industry", _("Industry"), 18, required=True, choices=tuple(str(label) for label in Industry.labels)),
        Column("subdistrict", _("Subdistrict"), 14, choices=subdistrict_names),
        Column("address", _("Address"), 36),
        Column("established_on", _("Established on"), 14, help="YYYY-MM-DD"),
        Column("registered_capital", _("Registered capital (yuan)"), 18),
        Column("is_key", _("Key enterprise"), 10, choices=yes_no),
        Column("is_supply_assured", _("Supply-assured enterprise"), 10, choices=yes_no),
        Column("is_foreign_funded", _("Foreign-funded"), 10, choices=yes_no),
        Column("is_listed", _("Listed"), 10, choices=yes_no),
        Column("listing_board", _("Listing board"), 12, choices=tuple(str(label) for label in ListingBoard.labels)),
        Column("ticker", _("Ticker"), 10),
        Column("tags", _("Tags"), 20),
        Column("contact_name", _("Contact"), 12),
        Column("contact_title", _("Contact title"), 12),
        Column("contact_mobile", _("Contact mobile"), 14),
    ]


def import_example() -> list[Any]:
    """An example row for the template."""
    return [
        "南通示例科技有限公司",
        "91320691MA1XXXXXX" + uscc_check_char("91320691MA1XXXXXX"),
        "张三",
        str(Industry.MANUFACTURING.label),
        "",
        "南通市经济技术开发区通盛大道1号",
        "2020-01-01",
        10000000,
        _no(),
        _no(),
        _no(),
        _no(),
        "",
        "",
        "",
        "李四",
        "",
        "13800000000",
    ]


def _parse_bool(value: Any) -> bool | None:
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"是", "y", "yes", "true", "1", str(_yes()).lower()}:
        return True
    if text in {"否", "n", "no", "false", "0", str(_no()).lower()}:
        return False
    return None


def _parse_choice(value: Any, choices: Any) -> str | None:
    if value is None or value == "":
        return ""
    text = str(value).strip()
    for code, label in choices.choices:
        if text in (code, str(label)):
            return code
    return None


def _parse_date(value: Any) -> dt.date | None | bool:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return False


def _subdistrict_lookup() -> dict[str, Department]:
    lookup: dict[str, Department] = {}
    for department in Department.objects.filter(kind=DepartmentKind.SUBDISTRICT):
        for key in (department.code, department.short_name, department.name):
            if key:
                lookup.setdefault(key, department)
    return lookup


@dataclass
class _ImportRow:
    number: int
    existing: Enterprise | None
    values: dict[str, Any]
    tags: list[str] | None
    contact: dict[str, str] | None


@transaction.atomic
def import_enterprises(*, actor: User, upload: Any) -> ImportResult:
    """Create or update (by credit code) enterprises from the Excel template; any bad row and nothing is written."""
    _require(actor, IMPORT_ENTERPRISE)
    columns = import_columns()
    headers = {c.key: str(c.header) for c in columns}
    rows = read_rows(upload, columns)
    lookup = _subdistrict_lookup()
    grant = grants_for(actor, IMPORT_ENTERPRISE)
    visible_ids = set(Enterprise.objects.visible_to(actor, IMPORT_ENTERPRISE).values_list("pk", flat=True))
    seen: dict[str, int] = {}

    def validate(number: int, record_: dict[str, Any]) -> tuple[_ImportRow | None, list[RowError]]:
        errors: list[RowError] = []

        def fail(key: str, message: str) -> None:
            errors.append(RowError(row=number, column=headers[key], message=str(message)))

        raw: dict[str, Any] = {
            "name": record_["name"],
            "uscc": record_["uscc"],
            "legal_representative": record_["legal_representative"],
            "address": record_["address"],
            "ticker": record_["ticker"],
        }
        industry = _parse_choice(record_["industry"], Industry)
        if industry is None or industry == "":
            fail("industry", _("Choose a valid industry."))
        else:
            raw["industry"] = industry
        board = _parse_choice(record_["listing_board"], ListingBoard)
        if board is None:
            fail("listing_board", _("Choose a valid listing board."))
        else:
            raw["listing_board"] = board
        for key in _BOOL_FIELDS:
            flag = _parse_bool(record_[key])
            if flag is None:
                fail(key, _("Enter 是 or 否."))
            else:
                raw[key] = flag
        if raw.get("is_listed") and not raw.get("listing_board"):
            fail("listing_board", _("Choose the listing board of a listed enterprise."))
        day = _parse_date(record_["established_on"])
        if day is False:
            fail("established_on", _("Enter a date such as 2020-01-31."))
        else:
            raw["established_on"] = day
        capital = record_["registered_capital"]
        raw["registered_capital"] = None if capital in (None, "") else capital
        subdistrict_text = record_["subdistrict"]
        subdistrict = None
        if subdistrict_text not in (None, ""):
            subdistrict = lookup.get(str(subdistrict_text).strip())
            if subdistrict is None:
                fail("subdistrict", _("No such subdistrict."))
        raw["subdistrict"] = subdistrict
        try:
            values = clean_enterprise_fields(raw)
        except DomainError as exc:
            for field, messages in exc.errors.items():
                for message in messages:
                    fail(field, message)
            values = {}
        code = values.get("uscc") or normalize_uscc(str(record_["uscc"] or ""))
        existing = Enterprise.objects.filter(uscc=code).first() if code else None
        if code and code in seen:
            fail("uscc", _("Same credit code as row %(row)s.") % {"row": seen[code]})
        elif code:
            seen[code] = number
        if existing is not None and existing.pk not in visible_ids:
            fail("uscc", _("This credit code is already registered outside your data scope."))
        if not grant.all and (subdistrict is None or subdistrict.pk not in grant.department_ids):
            fail("subdistrict", _("This subdistrict is outside your data scope."))
        contact = None
        if any(record_[k] not in (None, "") for k in ("contact_name", "contact_title", "contact_mobile")):
            contact, contact_errors = _clean_contact(
                str(record_["contact_name"] or ""),
                str(record_["contact_mobile"] or ""),
                str(record_["contact_title"] or ""),
            )
            for field, messages in contact_errors.items():
                for message in messages:
                    fail(f"contact_{field}", message)
        tags = _clean_tags([record_["tags"]]) if record_["tags"] not in (None, "") else None
        if errors:
            return None, errors
        return _ImportRow(number=number, existing=existing, values=values, tags=tags, contact=contact), []

    def commit(cleaned: list[_ImportRow]) -> ImportResult:
        result = ImportResult()
        for row in cleaned:
            if row.existing is None:
                enterprise = _create(actor, row.values, row.tags or [])
                result.created += 1
            else:
                enterprise = row.existing
                _update(actor, enterprise, row.values, row.tags)
                result.updated += 1
            if row.contact is not None:
                if not enterprise.contacts.filter(mobile_digest=digest(row.contact["mobile"])).exists():
                    contact = _add_contact(enterprise, is_primary=False, user=None, **row.contact)
                    record(
                        actor, actions.CONTACT_ADDED, enterprise, changes={"contact": [None, contact_state(contact)]}
                    )
        return result

    result = run_import(rows, validate=validate, commit=commit)
    record(
        actor,
        actions.ENTERPRISES_IMPORTED,
        None,
        changes={"created": result.created, "updated": result.updated},
        note=getattr(upload, "name", "") or "",
    )
    return result


def export_columns() -> list[Column]:
    """The columns of an enterprise export."""
    return [
        Column("name", _("Enterprise name"), 36),
        Column("uscc", _("Unified social credit code"), 22),
        Column("legal_representative", _("Legal representative"), 12),
        Column("industry", _("Industry"), 16),
        Column("subdistrict", _("Subdistrict"), 12),
        Column("address", _("Address"), 36),
        Column("established_on", _("Established on"), 12),
        Column("registered_capital", _("Registered capital (yuan)"), 18),
        Column("is_key", _("Key enterprise"), 10),
        Column("is_supply_assured", _("Supply-assured enterprise"), 10),
        Column("is_foreign_funded", _("Foreign-funded"), 10),
        Column("is_listed", _("Listed"), 8),
        Column("listing_board", _("Listing board"), 10),
        Column("ticker", _("Ticker"), 10),
        Column("tags", _("Tags"), 20),
        Column("status", _("Status"), 8),
        Column("contact_name", _("Contact"), 10),
        Column("contact_mobile", _("Contact mobile"), 14),
    ]


@transaction.atomic
def export_enterprises(*, actor: User, queryset: Any, note: str = "") -> Workbook:
    """The enterprises of `queryset` within the actor's export scope as a formatted workbook (audited)."""
    _require(actor, EXPORT_ENTERPRISE)
    from zoneops.enterprises.selectors import enterprise_list_rows

    scoped = Enterprise.objects.visible_to(actor, EXPORT_ENTERPRISE)
    enterprises = list(enterprise_list_rows(queryset.filter(pk__in=scoped.values("pk"))))
    unmasked = can_view_personal_data(actor)
    yes, no = _yes(), _no()
    rows, shown = [], []
    for e in enterprises:
        contact = e.primary_contacts[0] if e.primary_contacts else None
        if contact is not None and contact.mobile:
            shown.append(contact.pk)
        rows.append(
            [
                e.name,
                e.uscc or "",
                e.legal_representative,
                e.get_industry_display(),
                e.subdistrict.name if e.subdistrict else "",
                e.address,
                e.established_on,
                e.registered_capital,
                yes if e.is_key else no,
                yes if e.is_supply_assured else no,
                yes if e.is_foreign_funded else no,
                yes if e.is_listed else no,
                e.get_listing_board_display() if e.listing_board else "",
                e.ticker,
                "、".join(t.name for t in e.tags.all()),
                e.get_status_display(),
                contact.name if contact else "",
                (contact.mobile if unmasked else mask_mobile(contact.mobile)) if contact else "",
            ]
        )
    department = getattr(actor, "department", None)
    workbook = export_workbook(
        title=_("Enterprise registry"),
        columns=export_columns(),
        rows=rows,
        unit=department.name if department else "",
        author=actor.display_name,
        notes=_("Mobiles are masked.") if not unmasked else "",
    )
    record(
        actor,
        actions.ENTERPRISES_EXPORTED,
        None,
        changes={"count": len(rows), "unmasked": unmasked},
        note=note,
    )
    if unmasked and shown:
        record(
            actor,
            PERSONAL_DATA_VIEWED,
            None,
            changes={"enterprise_contacts": shown},
            note=_("Enterprise export"),
        )
    return workbook
