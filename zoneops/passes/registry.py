"""Registry writes of the passes app: checkpoints, delivery stations and their inspections (validated, audited).

Checkpoints and stations are deactivated, never deleted: scans, pass scopes, passes and applications name them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from zoneops.accounts.models import Department, DepartmentKind, User
from zoneops.audit.services import diff, record, snapshot
from zoneops.core import clock
from zoneops.core.errors import Conflict, DomainError, OutOfScope, PermissionDenied
from zoneops.core.validators import validate_mobile
from zoneops.passes import actions
from zoneops.passes.models import Area, Checkpoint, CheckpointKind, DeliveryStation, Platform, StationInspection
from zoneops.passes.permissions import (
    ADD_CHECKPOINT,
    ADD_STATION,
    CHANGE_INSPECTION,
    MANAGE_CHECKPOINT,
    MANAGE_STATION,
    RECORD_INSPECTION,
    VIEW_STATION,
)

# Upper-case letters and digits in groups joined by single hyphens ("ZYHY-N", "G15-NTKFQ"): the QR carries it.
CODE_PATTERN = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")
CHECKPOINT_FIELDS = ("name", "kind", "location", "latitude", "longitude", "subdistrict", "area")
STATION_FIELDS = ("platform", "name", "manager_name", "manager_mobile", "address")
INSPECTION_FIELDS = ("inspected_on", "passed", "findings")
MAX_FINDINGS = 2000
EARLIEST_INSPECTION = dt.date(2000, 1, 1)
COORDINATE_STEP = Decimal("0.000001")


class _Errors:
    """Messages per field, raised together as one DomainError naming every bad field."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(str(message))

    def raise_if_any(self) -> None:
        if self.by_field:
            first = next(iter(self.by_field))
            raise DomainError(self.by_field[first][0], field=first, errors=self.by_field)


def _require(actor: User | None, perm: str) -> None:
    if actor is None or not actor.is_authenticated or not actor.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))


def _require_in_scope(actor: User, perm: str, obj: models.Model) -> None:
    _require(actor, perm)
    if not type(obj).objects.visible_to(actor, perm).filter(pk=obj.pk).exists():
        raise OutOfScope(_("Not found."))


def _text(values: Mapping[str, Any], key: str, errors: _Errors, *, max_length: int, required: bool) -> str:
    text = str(values.get(key) or "").strip()
    if required and not text:
        errors.add(key, _("This field is required."))
    elif len(text) > max_length:
        errors.add(key, _("At most %(n)s characters.") % {"n": max_length})
    return text


def _choice(values: Mapping[str, Any], key: str, choices: type[models.TextChoices], errors: _Errors) -> str:
    value = str(values.get(key) or "").strip()
    if value not in choices.values:
        errors.add(key, _("Choose one of: %(choices)s") % {"choices": ", ".join(choices.values)})
    return value


def _wanted(values: Mapping[str, Any], fields: tuple[str, ...], creating: bool) -> list[str]:
    """Every field when creating; on an update only those given (a partial change, as PATCH sends it)."""
    return list(fields) if creating else [name for name in fields if name in values]


def _audit_created(actor: User, action: str, obj: models.Model, fields: tuple[str, ...]) -> None:
    after = snapshot(obj, fields)
    record(actor, action, obj, changes={k: [None, v] for k, v in after.items() if v not in (None, "")})


def _apply(obj: models.Model, cleaned: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, list[Any]]:
    """Write the cleaned values and return the before/after diff (empty when nothing changed)."""
    before = snapshot(obj, fields)
    for name, value in cleaned.items():
        setattr(obj, name, value)
    if cleaned:
        obj.save(update_fields=list(cleaned))
    return diff(before, snapshot(obj, fields))


def _set_active(actor: User, obj: models.Model, active: bool, *, on: str, off: str, note: str = "") -> None:
    """Deactivate or reactivate by compare-and-set, so two clerks cannot both flip it; audited."""
    updated = type(obj).objects.filter(pk=obj.pk, is_active=not active).update(is_active=active)
    if updated != 1:
        message = _("This record is already active.") if active else _("This record is already deactivated.")
        raise Conflict(message, field="is_active")
    obj.is_active = active
    record(actor, on if active else off, obj, changes={"is_active": [not active, active]}, note=note)


# --- checkpoints ----------------------------------------------------------------------------------


def _checkpoint_code(values: Mapping[str, Any], errors: _Errors) -> str:
    code = str(values.get("code") or "").strip().upper()
    if not code:
        errors.add("code", _("Enter the checkpoint code."))
    elif len(code) > 30 or not CODE_PATTERN.match(code):
        errors.add("code", _("Up to 30 capital letters and digits, in groups joined by hyphens (e.g. ZYHY-N)."))
    elif Checkpoint.objects.filter(code__iexact=code).exists():
        errors.add("code", _("Checkpoint %(code)s already exists.") % {"code": code})
    elif Area.objects.filter(code__iexact=code).exists():
        # A pass scope holds checkpoint and area codes side by side: one code must not mean both.
        errors.add("code", _("%(code)s is already an area code.") % {"code": code})
    return code


def _coordinate(value: Any, key: str, limit: int, errors: _Errors) -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        errors.add(key, _("Enter a number."))
        return None
    if not -limit <= number <= limit:
        errors.add(key, _("Between %(low)s and %(high)s.") % {"low": -limit, "high": limit})
        return None
    return number.quantize(COORDINATE_STEP, rounding=ROUND_HALF_UP)


def _subdistrict(value: Any, errors: _Errors) -> Department | None:
    if value is None or value == "":
        return None
    code = value.code if isinstance(value, Department) else str(value).strip()
    found = Department.objects.filter(code=code, kind=DepartmentKind.SUBDISTRICT, is_active=True).first()
    if found is None:
        errors.add("subdistrict", _("Unknown subdistrict: %(code)s") % {"code": code[:40]})
    return found


def _area(value: Any, errors: _Errors) -> Area | None:
    if value is None or value == "":
        return None
    code = value.code if isinstance(value, Area) else str(value).strip().upper()
    found = Area.objects.filter(code=code).first()
    if found is None:
        errors.add("area", _("Unknown area: %(code)s") % {"code": code[:30]})
    return found


def clean_checkpoint(values: Mapping[str, Any], *, checkpoint: Checkpoint | None = None) -> dict[str, Any]:
    """Validate a new checkpoint, or the given fields of an existing one; one DomainError naming every bad field."""
    errors = _Errors()
    cleaned: dict[str, Any] = {}
    creating = checkpoint is None
    if creating:
        cleaned["code"] = _checkpoint_code(values, errors)
    elif "code" in values and str(values["code"] or "").strip().upper() != checkpoint.code:
        errors.add("code", _("A checkpoint code cannot change: issued passes name it."))
    wanted = _wanted(values, CHECKPOINT_FIELDS, creating)
    if "name" in wanted:
        cleaned["name"] = _text(values, "name", errors, max_length=100, required=True)
    if "kind" in wanted:
        cleaned["kind"] = _choice(values, "kind", CheckpointKind, errors)
    if "location" in wanted:
        cleaned["location"] = _text(values, "location", errors, max_length=200, required=False)
    for key, limit in (("latitude", 90), ("longitude", 180)):
        if key in wanted:
            cleaned[key] = _coordinate(values.get(key), key, limit, errors)
    if "subdistrict" in wanted:
        cleaned["subdistrict"] = _subdistrict(values.get("subdistrict"), errors)
    if "area" in wanted:
        cleaned["area"] = _area(values.get("area"), errors)
    if not {"latitude", "longitude"} & errors.by_field.keys():
        latitude = cleaned.get("latitude", None if creating else checkpoint.latitude)
        longitude = cleaned.get("longitude", None if creating else checkpoint.longitude)
        if (latitude is None) != (longitude is None):
            errors.add(
                "latitude" if latitude is None else "longitude", _("Give both latitude and longitude, or neither.")
            )
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def create_checkpoint(*, actor: User, values: Mapping[str, Any]) -> Checkpoint:
    """Register a checkpoint; its code is fixed from now on (passes carry it in their scope)."""
    _require(actor, ADD_CHECKPOINT)
    cleaned = clean_checkpoint(values)
    try:
        with transaction.atomic():
            checkpoint = Checkpoint.objects.create(**cleaned)
    except IntegrityError as exc:  # a concurrent create of the same code
        raise Conflict(_("Checkpoint %(code)s already exists.") % {"code": cleaned["code"]}, field="code") from exc
    _audit_created(actor, actions.CHECKPOINT_CREATED, checkpoint, ("code", *CHECKPOINT_FIELDS))
    return checkpoint


@transaction.atomic
def update_checkpoint(*, actor: User, checkpoint: Checkpoint, values: Mapping[str, Any]) -> Checkpoint:
    """Change the given fields; `is_active` among them deactivates or reactivates the checkpoint."""
    _require_in_scope(actor, MANAGE_CHECKPOINT, checkpoint)
    cleaned = clean_checkpoint(values, checkpoint=checkpoint)
    active = _active_flag(values)
    changes = _apply(checkpoint, cleaned, CHECKPOINT_FIELDS)
    if changes:
        record(actor, actions.CHECKPOINT_UPDATED, checkpoint, changes=changes)
    if active is not None and active != checkpoint.is_active:
        _set_active(actor, checkpoint, active, on=actions.CHECKPOINT_REACTIVATED, off=actions.CHECKPOINT_DEACTIVATED)
    return checkpoint


@transaction.atomic
def deactivate_checkpoint(*, actor: User, checkpoint: Checkpoint, note: str = "") -> Checkpoint:
    """Take a checkpoint out of service: verifiers drop it, new passes cannot name it; its scans stay."""
    _require_in_scope(actor, MANAGE_CHECKPOINT, checkpoint)
    _set_active(
        actor, checkpoint, False, on=actions.CHECKPOINT_REACTIVATED, off=actions.CHECKPOINT_DEACTIVATED, note=note
    )
    return checkpoint


@transaction.atomic
def reactivate_checkpoint(*, actor: User, checkpoint: Checkpoint, note: str = "") -> Checkpoint:
    """Put a deactivated checkpoint back in service."""
    _require_in_scope(actor, MANAGE_CHECKPOINT, checkpoint)
    _set_active(
        actor, checkpoint, True, on=actions.CHECKPOINT_REACTIVATED, off=actions.CHECKPOINT_DEACTIVATED, note=note
    )
    return checkpoint


def _active_flag(values: Mapping[str, Any]) -> bool | None:
    value = values.get("is_active")
    if value is None:
        return None
    if not isinstance(value, bool):
        raise DomainError(_("Active is true or false."), field="is_active")
    return value


# --- delivery stations ----------------------------------------------------------------------------


def clean_station(values: Mapping[str, Any], *, station: DeliveryStation | None = None) -> dict[str, Any]:
    """Validate a new station, or the given fields of an existing one; one DomainError naming every bad field."""
    errors = _Errors()
    cleaned: dict[str, Any] = {}
    wanted = _wanted(values, STATION_FIELDS, station is None)
    if "platform" in wanted:
        cleaned["platform"] = _choice(values, "platform", Platform, errors)
    if "name" in wanted:
        name = _text(values, "name", errors, max_length=100, required=True)
        others = DeliveryStation.objects.filter(name=name).exclude(pk=getattr(station, "pk", None))
        if name and "name" not in errors.by_field and others.exists():
            errors.add("name", _("A station named %(name)s already exists.") % {"name": name})
        cleaned["name"] = name
    if "manager_name" in wanted:
        cleaned["manager_name"] = _text(values, "manager_name", errors, max_length=60, required=True)
    if "manager_mobile" in wanted:
        mobile = _text(values, "manager_mobile", errors, max_length=20, required=True)
        if mobile and "manager_mobile" not in errors.by_field:
            try:
                validate_mobile(mobile)
            except ValidationError as exc:
                errors.add("manager_mobile", str(exc.messages[0]))
        cleaned["manager_mobile"] = mobile
    if "address" in wanted:
        cleaned["address"] = _text(values, "address", errors, max_length=200, required=False)
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def create_station(*, actor: User, values: Mapping[str, Any]) -> DeliveryStation:
    """Register a delivery station (platform, name, manager and the manager's mobile)."""
    _require(actor, ADD_STATION)
    cleaned = clean_station(values)
    try:
        with transaction.atomic():
            station = DeliveryStation.objects.create(**cleaned)
    except IntegrityError as exc:  # a concurrent create of the same name
        raise Conflict(_("A station named %(name)s already exists.") % {"name": cleaned["name"]}, field="name") from exc
    _audit_created(actor, actions.STATION_CREATED, station, STATION_FIELDS)
    return station


@transaction.atomic
def update_station(*, actor: User, station: DeliveryStation, values: Mapping[str, Any]) -> DeliveryStation:
    """Change the given fields; `is_active` among them deactivates or reactivates the station."""
    _require_in_scope(actor, MANAGE_STATION, station)
    cleaned = clean_station(values, station=station)
    active = _active_flag(values)
    try:
        with transaction.atomic():
            changes = _apply(station, cleaned, STATION_FIELDS)
    except IntegrityError as exc:
        raise Conflict(_("A station named %(name)s already exists.") % {"name": cleaned["name"]}, field="name") from exc
    if changes:
        record(actor, actions.STATION_UPDATED, station, changes=changes)
    if active is not None and active != station.is_active:
        _set_active(actor, station, active, on=actions.STATION_REACTIVATED, off=actions.STATION_DEACTIVATED)
    return station


@transaction.atomic
def deactivate_station(*, actor: User, station: DeliveryStation, note: str = "") -> DeliveryStation:
    """A closed station: no new applications or inspections name it; its passes and records stay."""
    _require_in_scope(actor, MANAGE_STATION, station)
    _set_active(actor, station, False, on=actions.STATION_REACTIVATED, off=actions.STATION_DEACTIVATED, note=note)
    return station


@transaction.atomic
def reactivate_station(*, actor: User, station: DeliveryStation, note: str = "") -> DeliveryStation:
    """A reopened station."""
    _require_in_scope(actor, MANAGE_STATION, station)
    _set_active(actor, station, True, on=actions.STATION_REACTIVATED, off=actions.STATION_DEACTIVATED, note=note)
    return station


# --- station inspections --------------------------------------------------------------------------


def _inspection_date(value: Any, errors: _Errors) -> dt.date | None:
    day = value
    if isinstance(day, dt.datetime):
        day = day.date()
    if not isinstance(day, dt.date):
        try:
            day = dt.date.fromisoformat(str(value or "").strip())
        except ValueError:
            errors.add("inspected_on", _("Enter the inspection date (YYYY-MM-DD)."))
            return None
    if day > clock.today():
        errors.add("inspected_on", _("The inspection date cannot be in the future."))
    elif day < EARLIEST_INSPECTION:
        errors.add("inspected_on", _("The inspection date is too far in the past."))
    return day


def clean_inspection(values: Mapping[str, Any], *, inspection: StationInspection | None = None) -> dict[str, Any]:
    """Validate an inspection (date not in the future, the result, the findings); one DomainError for all fields."""
    errors = _Errors()
    cleaned: dict[str, Any] = {}
    wanted = _wanted(values, INSPECTION_FIELDS, inspection is None)
    if "inspected_on" in wanted:
        cleaned["inspected_on"] = _inspection_date(values.get("inspected_on"), errors)
    if "passed" in wanted:
        passed = values.get("passed")
        if not isinstance(passed, bool):
            errors.add("passed", _("Record the result: passed or to rectify."))
        cleaned["passed"] = passed
    if "findings" in wanted:
        cleaned["findings"] = _text(values, "findings", errors, max_length=MAX_FINDINGS, required=True)
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def record_inspection(*, actor: User, station: DeliveryStation, values: Mapping[str, Any]) -> StationInspection:
    """Record a supervision visit to an active station (the actor is the inspector)."""
    _require(actor, RECORD_INSPECTION)
    _require_in_scope(actor, VIEW_STATION, station)
    if not station.is_active:
        raise DomainError(_("This station is deactivated; reactivate it before recording an inspection."))
    cleaned = clean_inspection(values)
    inspection = StationInspection.objects.create(station=station, inspector=actor, **cleaned)
    _audit_created(actor, actions.INSPECTION_RECORDED, inspection, ("station", *INSPECTION_FIELDS))
    return inspection


@transaction.atomic
def update_inspection(*, actor: User, inspection: StationInspection, values: Mapping[str, Any]) -> StationInspection:
    """Correct a recorded inspection (date, result, findings), audited with a before/after diff."""
    _require_in_scope(actor, CHANGE_INSPECTION, inspection)
    cleaned = clean_inspection(values, inspection=inspection)
    changes = _apply(inspection, cleaned, INSPECTION_FIELDS)
    if changes:
        record(actor, actions.INSPECTION_UPDATED, inspection, changes=changes)
    return inspection
