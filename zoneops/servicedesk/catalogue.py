"""Writes of the service catalogue: categories, SLA rules, hotline categories and calendar overrides.

Each function checks the permission, validates everything before writing, writes and records the audit
event in one transaction, so bad input changes nothing. Codes are stable once created: a category's code
is its Open311 `service_code` and names it in URLs. Anything cases point at is deactivated, never deleted.
Changing an SLA rule never touches cases already dispatched: their deadlines were fixed at dispatch.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from zoneops.accounts.models import Department, User
from zoneops.audit.services import diff, record, snapshot
from zoneops.core.errors import Conflict, DomainError, PermissionDenied
from zoneops.servicedesk import actions, workdays
from zoneops.servicedesk import permissions as perms
from zoneops.servicedesk.models import Case, Category, HotlineCategory, SlaRule, WorkCalendarOverride

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
CODE_MAX = 30
NAME_MAX = 60
SORT_MAX = 2_147_483_647
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()-]*$")
FIELD_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
EXTRA_TYPES = ("text", "int", "choice")
EXTRA_KEYS = {"code", "label", "type", "required", "choices"}
MAX_EXTRA_FIELDS = 20
DURATION_MAX = Decimal("999.99")
EMERGENCY_MAX_MINUTES = 24 * 60


# ---------------------------------------------------------------------------------------------- checks


def require(actor: User | None, perm: str) -> None:
    """The actor holds `perm` (403 otherwise); the catalogue is zone-wide, so there is no data scope."""
    if actor is None or not actor.is_authenticated or not actor.has_perm(perm):
        raise PermissionDenied(_("You do not have permission for this action."))


def _code(value: Any) -> str:
    code = str(value or "").strip()
    if not code:
        raise DomainError(_("This field is required."), field="code")
    if len(code) > CODE_MAX or not CODE_RE.match(code):
        raise DomainError(
            _("A code has at most %(n)s letters, digits, '_' or '-', starting with a letter or digit.")
            % {"n": CODE_MAX},
            field="code",
        )
    return code


def _stable_code(fields: dict[str, Any], current: str) -> None:
    """A code given on update must be the current one (forms and clients may echo it back)."""
    if "code" in fields and str(fields.pop("code") or "").strip() != current:
        raise DomainError(_("The code cannot change once created."), field="code")


def _text(value: Any, field: str, *, max_length: int, required: bool = False) -> str:
    if value is not None and not isinstance(value, str):
        raise DomainError(_("Enter text."), field=field)
    text = (value or "").strip()
    if required and not text:
        raise DomainError(_("This field is required."), field=field)
    if len(text) > max_length:
        raise DomainError(_("At most %(n)s characters.") % {"n": max_length}, field=field)
    return text


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise DomainError(_("Enter true or false."), field=field)
    return value


def _sort_order(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SORT_MAX:
        raise DomainError(_("Enter a whole number of 0 or more."), field="sort_order")
    return value


def _known(fields: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise DomainError(_("Unknown field."), field=unknown[0])


def _created(code: str, model, label: str) -> None:
    if model.objects.filter(code=code).exists():
        raise Conflict(_("A %(what)s with code %(code)s already exists.") % {"what": label, "code": code}, field="code")


def _save_new(obj, label: str) -> None:
    """Insert in a savepoint: a concurrent insert of the same code becomes a Conflict, not a 500."""
    try:
        with transaction.atomic():
            obj.save(force_insert=True)
    except IntegrityError:
        raise Conflict(
            _("A %(what)s with code %(code)s already exists.") % {"what": label, "code": obj.code}, field="code"
        ) from None


# ---------------------------------------------------------------------------------------------- categories

CATEGORY_FIELDS = (
    "name",
    "parent",
    "description",
    "default_department",
    "sla_rule",
    "extra_fields",
    "keywords",
    "is_consultation",
    "sort_order",
    "is_active",
)


def clean_extra_fields(value: Any) -> list[dict[str, Any]]:
    """The extra fields a category asks for at intake: [{code, label, type, required, choices}], normalised."""
    if value is None or value == "":
        return []
    if not isinstance(value, list | tuple):
        raise DomainError(_("Give the extra fields as a list."), field="extra_fields")
    if len(value) > MAX_EXTRA_FIELDS:
        raise DomainError(_("At most %(n)s extra fields.") % {"n": MAX_EXTRA_FIELDS}, field="extra_fields")
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, item in enumerate(value, start=1):

        def bad(message: str, number: int = number) -> DomainError:
            return DomainError(
                _("Extra field %(n)s: %(message)s") % {"n": number, "message": message}, field="extra_fields"
            )

        if not isinstance(item, dict):
            raise bad(_("give code, label and type."))
        unknown = sorted(set(item) - EXTRA_KEYS)
        if unknown:
            raise bad(_("unknown key %(key)s.") % {"key": unknown[0]})
        code = item.get("code")
        if not isinstance(code, str) or not FIELD_CODE_RE.match(code) or len(code) > CODE_MAX:
            raise bad(_("the code is lower-case letters, digits and '_', starting with a letter."))
        if code in seen:
            raise bad(_("the code %(code)s appears twice.") % {"code": code})
        seen.add(code)
        label = item.get("label")
        if not isinstance(label, str) or not label.strip() or len(label.strip()) > NAME_MAX:
            raise bad(_("give a label of at most %(n)s characters.") % {"n": NAME_MAX})
        kind = item.get("type", "text")
        if kind not in EXTRA_TYPES:
            raise bad(_("the type is one of %(types)s.") % {"types": ", ".join(EXTRA_TYPES)})
        required = item.get("required", False)
        if not isinstance(required, bool):
            raise bad(_("required is true or false."))
        field: dict[str, Any] = {"code": code, "label": label.strip(), "type": kind, "required": required}
        choices = item.get("choices") or []
        if kind == "choice":
            if (
                not isinstance(choices, list)
                or not choices
                or not all(isinstance(c, str) and c.strip() for c in choices)
                or len(set(choices)) != len(choices)
            ):
                raise bad(_("a choice field lists its distinct choices."))
            field["choices"] = [c.strip() for c in choices]
        elif choices:
            raise bad(_("only a choice field has choices."))
        cleaned.append(field)
    return cleaned


def _category_snapshot(category: Category) -> dict[str, Any]:
    data = snapshot(category, CATEGORY_FIELDS)
    data["parent"] = category.parent.code if category.parent_id else None
    data["default_department"] = category.default_department.code if category.default_department_id else None
    data["sla_rule"] = category.sla_rule.code if category.sla_rule_id else None
    return data


def _check_parent(category: Category) -> None:
    parent = category.parent
    if parent is None:
        return
    if not isinstance(parent, Category) or parent.pk is None:
        raise DomainError(_("Unknown parent category."), field="parent")
    # The catalogue is small: one query gives the whole tree (as stored now) to walk up from the new parent.
    tree = {
        pk: (parent_id, active)
        for pk, parent_id, active in Category.objects.values_list("pk", "parent_id", "is_active")
    }
    if parent.pk not in tree:
        raise DomainError(_("Unknown parent category."), field="parent")
    node: int | None = parent.pk
    for _step in range(len(tree) + 1):
        if node is None:
            break
        if node == category.pk:
            raise DomainError(_("A category cannot sit under itself or one of its own sub-categories."), field="parent")
        node = tree.get(node, (None, True))[0]
    if category.is_active and not tree[parent.pk][1]:
        raise DomainError(
            _("The parent category is not in use; an active category cannot sit under it."), field="parent"
        )


def _check_category(category: Category, *, before: dict[str, Any] | None) -> None:
    """Validate the in-memory category; `before` is its snapshot when it already exists."""
    category.name = _text(category.name, "name", max_length=NAME_MAX, required=True)
    category.description = _text(category.description, "description", max_length=255)
    category.keywords = _text(category.keywords, "keywords", max_length=200)
    category.is_consultation = _flag(category.is_consultation, "is_consultation")
    category.is_active = _flag(category.is_active, "is_active")
    category.sort_order = _sort_order(category.sort_order)
    category.extra_fields = clean_extra_fields(category.extra_fields)
    rule = category.sla_rule if category.sla_rule_id else None
    if not isinstance(rule, SlaRule):
        raise DomainError(_("Choose an SLA rule."), field="sla_rule")
    department = category.default_department
    if department is not None:
        if not isinstance(department, Department) or department.pk is None:
            raise DomainError(_("Unknown department."), field="default_department")
        changed = before is None or before["default_department"] != department.code
        # A department disabled later does not block other edits; choosing it anew does.
        if changed and not Department.objects.filter(pk=department.pk, is_active=True).exists():
            raise DomainError(_("This department is disabled."), field="default_department")
    _check_parent(category)
    siblings = Category.objects.filter(parent=category.parent, name=category.name).exclude(pk=category.pk)
    if siblings.exists():
        raise Conflict(_("A category with this name already exists at this place."), field="name")
    if before is not None and before["is_active"] and not category.is_active:
        if category.children.filter(is_active=True).exists():
            raise DomainError(_("Deactivate its sub-categories first."), field="is_active")


@transaction.atomic
def create_category(
    *,
    actor: User,
    code: str,
    name: str,
    sla_rule: SlaRule | None,
    parent: Category | None = None,
    default_department: Department | None = None,
    description: str = "",
    extra_fields: list[dict[str, Any]] | None = None,
    keywords: str = "",
    is_consultation: bool = False,
    sort_order: int = 0,
    is_active: bool = True,
) -> Category:
    """Add a category to the service catalogue."""
    require(actor, perms.MANAGE_CATALOGUE)
    code = _code(code)
    _created(code, Category, _("category"))
    category = Category(
        code=code,
        name=name,
        parent=parent,
        description=description,
        default_department=default_department,
        sla_rule=sla_rule,
        extra_fields=extra_fields or [],
        keywords=keywords,
        is_consultation=is_consultation,
        sort_order=sort_order,
        is_active=is_active,
    )
    _check_category(category, before=None)
    _save_new(category, _("category"))
    after = _category_snapshot(category)
    record(
        actor,
        actions.CATEGORY_CREATED,
        category,
        changes={"code": [None, code], **{k: [None, v] for k, v in after.items()}},
    )
    return category


@transaction.atomic
def update_category(*, actor: User, category: Category, **fields: Any) -> Category:
    """Change some of a category's fields (its code is stable); cases keep their category."""
    require(actor, perms.MANAGE_CATALOGUE)
    _stable_code(fields, category.code)
    _known(fields, CATEGORY_FIELDS)
    category = (
        # of=("self",): PostgreSQL cannot lock the nullable side of the outer joins; only the category is locked.
        Category.objects.select_for_update(of=("self",))
        .select_related("parent", "default_department", "sla_rule")
        .get(pk=category.pk)
    )
    before = _category_snapshot(category)
    for name, value in fields.items():
        setattr(category, name, value)
    _check_category(category, before=before)
    changes = diff(before, _category_snapshot(category))
    if changes:
        category.save()
        record(actor, actions.CATEGORY_UPDATED, category, changes=changes)
    return category


def set_category_active(*, actor: User, category: Category, is_active: bool) -> Category:
    """Take a category out of use (intake no longer offers it) or back into use."""
    return update_category(actor=actor, category=category, is_active=is_active)


def category_references(category: Category) -> list[str]:
    """What still points at the category (empty when it may be deleted)."""
    found = []
    if Case.objects.filter(category=category).exists():
        found.append(_("cases"))
    if category.children.exists():
        found.append(_("sub-categories"))
    return found


@transaction.atomic
def delete_category(*, actor: User, category: Category) -> None:
    """Delete a category nothing points at; one in use is deactivated instead."""
    require(actor, perms.MANAGE_CATALOGUE)
    references = category_references(category)
    if references:
        raise DomainError(
            _("The category still has %(things)s and cannot be deleted; deactivate it instead.")
            % {"things": "、".join(references)},
            field="category",
        )
    before = _category_snapshot(category)
    record(
        actor,
        actions.CATEGORY_DELETED,
        category,
        changes={"code": [category.code, None], **{k: [v, None] for k, v in before.items()}},
    )
    category.delete()


@dataclass
class CategoryRow:
    """One line of the catalogue tree."""

    category: Category
    level: int
    has_children: bool


def category_tree(categories: Iterable[Category]) -> list[CategoryRow]:
    """Parents before children, siblings by sort order then code; a category whose parent is filtered out starts a root."""
    rows = list(categories)
    ids = {c.pk for c in rows}
    children: dict[int | None, list[Category]] = {}
    for c in rows:
        children.setdefault(c.parent_id if c.parent_id in ids else None, []).append(c)
    for siblings in children.values():
        siblings.sort(key=lambda c: (c.sort_order, c.code))
    result: list[CategoryRow] = []

    def walk(parent_id: int | None, level: int) -> None:
        for c in children.get(parent_id, []):
            result.append(CategoryRow(c, level, bool(children.get(c.pk))))
            walk(c.pk, level + 1)

    walk(None, 0)
    return result


def filter_catalogue(qs: QuerySet, *, q: str = "", status: str = "") -> QuerySet:
    """A catalogue list's search (categories or hotlines): code or name contains `q`; status active / inactive."""
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "inactive":
        qs = qs.filter(is_active=False)
    return qs


# ---------------------------------------------------------------------------------------------- SLA rules

SLA_FIELDS = (
    "name",
    "sign_working_hours",
    "resolve_working_days",
    "urgent_sign_working_hours",
    "urgent_resolve_working_days",
    "emergency_sign_minutes",
    "emergency_resolve_minutes",
)
SLA_DURATIONS = SLA_FIELDS[1:5]
SLA_MINUTES = SLA_FIELDS[5:]


def _duration(value: Any, field: str) -> Decimal:
    """A positive number of working hours or days with at most two decimals."""
    if isinstance(value, bool):
        raise DomainError(_("Enter a number."), field=field)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter a number."), field=field) from None
    if not number.is_finite() or number <= 0:
        raise DomainError(_("Enter a number greater than 0."), field=field)
    if number > DURATION_MAX:
        raise DomainError(_("At most %(n)s.") % {"n": DURATION_MAX}, field=field)
    if number != number.quantize(Decimal("0.01")):
        raise DomainError(_("At most two decimal places."), field=field)
    return number.quantize(Decimal("0.01"))


def _minutes(value: Any, field: str) -> int:
    """Emergency limits are wall-clock minutes: a whole number from 1 to 1440 (24 hours)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= EMERGENCY_MAX_MINUTES:
        raise DomainError(
            _("Enter whole minutes from 1 to %(n)s (24 hours): emergencies run on the wall clock.")
            % {"n": EMERGENCY_MAX_MINUTES},
            field=field,
        )
    return value


def _check_rule(rule: SlaRule) -> None:
    rule.name = _text(rule.name, "name", max_length=NAME_MAX, required=True)
    for field in SLA_DURATIONS:
        setattr(rule, field, _duration(getattr(rule, field), field))
    for field in SLA_MINUTES:
        setattr(rule, field, _minutes(getattr(rule, field), field))
    if rule.urgent_sign_working_hours > rule.sign_working_hours:
        raise DomainError(
            _("An urgent case cannot get longer to sign for than a normal one."), field="urgent_sign_working_hours"
        )
    if rule.urgent_resolve_working_days > rule.resolve_working_days:
        raise DomainError(
            _("An urgent case cannot get longer to resolve than a normal one."), field="urgent_resolve_working_days"
        )
    if rule.emergency_sign_minutes > rule.emergency_resolve_minutes:
        raise DomainError(_("Signing for cannot take longer than resolving."), field="emergency_sign_minutes")
    hours_per_day = Decimal(workdays.load_calendar().day_seconds) / 3600
    if rule.sign_working_hours > rule.resolve_working_days * hours_per_day:
        raise DomainError(_("Signing for cannot take longer than resolving."), field="sign_working_hours")
    if rule.urgent_sign_working_hours > rule.urgent_resolve_working_days * hours_per_day:
        raise DomainError(_("Signing for cannot take longer than resolving."), field="urgent_sign_working_hours")


def _rule_snapshot(rule: SlaRule) -> dict[str, Any]:
    return snapshot(rule, SLA_FIELDS)


@transaction.atomic
def create_sla_rule(
    *,
    actor: User,
    code: str,
    name: str,
    sign_working_hours: Decimal | str | int = 2,
    resolve_working_days: Decimal | str | int = 5,
    urgent_sign_working_hours: Decimal | str | int = 1,
    urgent_resolve_working_days: Decimal | str | int = 2,
    emergency_sign_minutes: int = 30,
    emergency_resolve_minutes: int = 120,
) -> SlaRule:
    """Define the time limits of a kind of category (consultation, general, complex …) per priority."""
    require(actor, perms.MANAGE_SLA)
    code = _code(code)
    _created(code, SlaRule, _("SLA rule"))
    rule = SlaRule(
        code=code,
        name=name,
        sign_working_hours=sign_working_hours,
        resolve_working_days=resolve_working_days,
        urgent_sign_working_hours=urgent_sign_working_hours,
        urgent_resolve_working_days=urgent_resolve_working_days,
        emergency_sign_minutes=emergency_sign_minutes,
        emergency_resolve_minutes=emergency_resolve_minutes,
    )
    _check_rule(rule)
    _save_new(rule, _("SLA rule"))
    after = _rule_snapshot(rule)
    record(
        actor,
        actions.SLA_RULE_CREATED,
        rule,
        changes={"code": [None, code], **{k: [None, v] for k, v in after.items()}},
    )
    return rule


@transaction.atomic
def update_sla_rule(*, actor: User, rule: SlaRule, **fields: Any) -> SlaRule:
    """Change a rule's limits for cases dispatched from now on; deadlines already set stay as they are."""
    require(actor, perms.MANAGE_SLA)
    _stable_code(fields, rule.code)
    _known(fields, SLA_FIELDS)
    rule = SlaRule.objects.select_for_update().get(pk=rule.pk)
    before = _rule_snapshot(rule)
    for name, value in fields.items():
        setattr(rule, name, value)
    _check_rule(rule)
    changes = diff(before, _rule_snapshot(rule))
    if changes:
        rule.save()
        record(
            actor, actions.SLA_RULE_UPDATED, rule, changes=changes, note=_("Applies to cases dispatched from now on.")
        )
    return rule


@transaction.atomic
def delete_sla_rule(*, actor: User, rule: SlaRule) -> None:
    """Delete a rule no category uses."""
    require(actor, perms.MANAGE_SLA)
    if rule.categories.exists():
        raise DomainError(_("Categories still use this rule; give them another rule first."), field="sla_rule")
    before = _rule_snapshot(rule)
    record(
        actor,
        actions.SLA_RULE_DELETED,
        rule,
        changes={"code": [rule.code, None], **{k: [v, None] for k, v in before.items()}},
    )
    rule.delete()


def sla_rules_with_use() -> QuerySet[SlaRule]:
    """Every rule with the number of categories using it."""
    return SlaRule.objects.annotate(category_count=Count("categories")).order_by("code")


# ---------------------------------------------------------------------------------------------- hotlines

HOTLINE_FIELDS = ("name", "number", "website", "sort_order", "is_active")


def _check_hotline(hotline: HotlineCategory) -> None:
    hotline.name = _text(hotline.name, "name", max_length=NAME_MAX, required=True)
    hotline.number = _text(hotline.number, "number", max_length=40)
    if hotline.number and (not PHONE_RE.match(hotline.number) or sum(ch.isdigit() for ch in hotline.number) < 3):
        raise DomainError(_("Enter a phone number such as 12345 or 0513-85999000."), field="number")
    hotline.website = _text(hotline.website, "website", max_length=200)
    if hotline.website:
        try:
            URLValidator(schemes=["http", "https"])(hotline.website)
        except ValidationError:
            raise DomainError(_("Enter a web address starting with http:// or https://."), field="website") from None
    if not hotline.number and not hotline.website:
        raise DomainError(_("Give a phone number or a website."), field="number")
    hotline.sort_order = _sort_order(hotline.sort_order)
    hotline.is_active = _flag(hotline.is_active, "is_active")


@transaction.atomic
def create_hotline(
    *,
    actor: User,
    code: str,
    name: str,
    number: str = "",
    website: str = "",
    sort_order: int = 0,
    is_active: bool = True,
) -> HotlineCategory:
    """Add one of the zone's hotline / website categories."""
    require(actor, perms.MANAGE_HOTLINES)
    code = _code(code)
    _created(code, HotlineCategory, _("hotline category"))
    hotline = HotlineCategory(
        code=code, name=name, number=number, website=website, sort_order=sort_order, is_active=is_active
    )
    _check_hotline(hotline)
    _save_new(hotline, _("hotline category"))
    after = snapshot(hotline, HOTLINE_FIELDS)
    record(
        actor,
        actions.HOTLINE_CREATED,
        hotline,
        changes={"code": [None, code], **{k: [None, v] for k, v in after.items()}},
    )
    return hotline


@transaction.atomic
def update_hotline(*, actor: User, hotline: HotlineCategory, **fields: Any) -> HotlineCategory:
    """Change a hotline category (its code is stable); cases keep their hotline."""
    require(actor, perms.MANAGE_HOTLINES)
    _stable_code(fields, hotline.code)
    _known(fields, HOTLINE_FIELDS)
    hotline = HotlineCategory.objects.select_for_update().get(pk=hotline.pk)
    before = snapshot(hotline, HOTLINE_FIELDS)
    for name, value in fields.items():
        setattr(hotline, name, value)
    _check_hotline(hotline)
    changes = diff(before, snapshot(hotline, HOTLINE_FIELDS))
    if changes:
        hotline.save()
        record(actor, actions.HOTLINE_UPDATED, hotline, changes=changes)
    return hotline


def set_hotline_active(*, actor: User, hotline: HotlineCategory, is_active: bool) -> HotlineCategory:
    """Take a hotline out of use (intake no longer offers it) or back into use."""
    return update_hotline(actor=actor, hotline=hotline, is_active=is_active)


@transaction.atomic
def delete_hotline(*, actor: User, hotline: HotlineCategory) -> None:
    """Delete a hotline no case names; one in use is deactivated instead."""
    require(actor, perms.MANAGE_HOTLINES)
    if Case.objects.filter(hotline=hotline).exists():
        raise DomainError(
            _("Cases name this hotline, so it cannot be deleted; deactivate it instead."), field="hotline"
        )
    before = snapshot(hotline, HOTLINE_FIELDS)
    record(
        actor,
        actions.HOTLINE_DELETED,
        hotline,
        changes={"code": [hotline.code, None], **{k: [v, None] for k, v in before.items()}},
    )
    hotline.delete()


# ---------------------------------------------------------------------------------------------- calendar


@transaction.atomic
def remove_calendar_day(*, actor: User, day: dt.date) -> None:
    """Drop an administrator's override: the date follows the national calendar again."""
    require(actor, perms.CHANGE_CALENDAR)
    override = WorkCalendarOverride.objects.select_for_update().filter(date=day).first()
    if override is None:
        raise DomainError(_("This date has no override."), field="date")
    record(
        actor,
        actions.CALENDAR_CHANGED,
        override,
        changes={"date": day, "is_workday": [override.is_workday, None]},
        note=_("Override removed"),
    )
    override.delete()
