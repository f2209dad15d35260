"""Pass writes: applications, review, issuing (signing), suspension, revocation, keys, scans (all audited)."""

from __future__ import annotations

import base64
import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

import cbor2
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from zoneops.accounts.models import Department, User
from zoneops.audit.services import record
from zoneops.core import clock
from zoneops.core.errors import Conflict, DomainError, OutOfScope, PermissionDenied
from zoneops.core.excel import Column, ImportResult, RowError, read_rows, run_import
from zoneops.core.validators import validate_mobile, validate_plate, validate_resident_id
from zoneops.core.workflow import transition
from zoneops.passes import actions, cose, keys
from zoneops.passes.models import (
    APPLICATION_TRANSITIONS,
    PASS_TRANSITIONS,
    SERIAL_LETTER,
    ApplicationStatus,
    Area,
    Checkpoint,
    DeliveryStation,
    KeyPurpose,
    Pass,
    PassApplication,
    PassStatus,
    PassType,
    Revocation,
    RevocationList,
    RevocationStatus,
    Scan,
    ScanSource,
    SigningKey,
)
from zoneops.passes.permissions import (
    APPROVE_REVOCATION,
    CHANGE_PASS,
    ISSUE_PASS,
    MANAGE_KEYS,
    RECORD_SCAN,
    REVIEW_APPLICATION,
    SUBMIT_APPLICATION,
    VIEW_PASS,
)

ANOMALY_WINDOW = dt.timedelta(minutes=10)
ANOMALY_MIN_KM = 5.0  # farther apart than this within the window: a copied pass is likely
MAX_BATCH = 500


# --- permission and scope -------------------------------------------------------------------------


def _require(actor: User | None, perm: str) -> None:
    if actor is None or not actor.is_authenticated or not actor.has_perm(perm):
        raise PermissionDenied(_("You do not have permission to do this."))


def _require_in_scope(actor: User, perm: str, obj) -> None:
    _require(actor, perm)
    if not type(obj).objects.visible_to(actor, perm).filter(pk=obj.pk).exists():
        raise OutOfScope(_("Not found."))


def _first_message(error: ValidationError) -> str:
    return str(error.messages[0]) if error.messages else str(error)


# --- keys -----------------------------------------------------------------------------------------


def create_signing_key(
    *, actor: User | None, department: Department | None, allowed_types: Iterable[str], purpose: str = KeyPurpose.PASS
) -> SigningKey:
    """Generate a key pair: the private half to the key directory (0600), the public half to the database.

    The department's previous pass key is retired (it signs no more, its passes stay valid until they expire).
    `actor=None` is the system (the `pass_keys` command, the demo).
    """
    if actor is not None:
        _require(actor, MANAGE_KEYS)
    types = sorted(set(allowed_types))
    unknown = set(types) - set(SERIAL_LETTER)
    if unknown:
        raise DomainError(_("Unknown pass type: %(code)s") % {"code": ", ".join(sorted(unknown))}, field="types")
    if purpose == KeyPurpose.PASS and (department is None or not types):
        raise DomainError(_("A pass key needs a department and at least one pass type."), field="types")
    now = clock.now()
    with transaction.atomic():
        private_key = cose.generate_private_key()
        kid = cose.kid_of(private_key.public_key()).hex()
        previous = SigningKey.objects.filter(
            purpose=purpose, department=department, retired_at__isnull=True, withdrawn_at__isnull=True
        )
        retired = list(previous)
        previous.update(retired_at=now)
        key = SigningKey.objects.create(
            kid=kid,
            purpose=purpose,
            department=department,
            allowed_types=types,
            public_key_pem=cose.public_pem(private_key.public_key()),
            created_at=now,
        )
        keys.store_private_key(kid, private_key)
        for old in retired:
            record(actor, actions.KEY_RETIRED, old, note=f"rotated to {kid}", username="system")
        record(actor, actions.KEY_CREATED, key, changes={"types": types}, username="system")
    return key


@transaction.atomic
def withdraw_key(*, actor: User | None, kid: str, note: str = "") -> SigningKey:
    """A compromised key: verifiers stop trusting it now, its private file is destroyed."""
    if actor is not None:
        _require(actor, MANAGE_KEYS)
    key = SigningKey.objects.filter(kid=kid).first()
    if key is None:
        raise DomainError(_("No such key."), field="kid")
    if key.withdrawn_at is not None:
        raise Conflict(_("This key is already withdrawn."), field="kid")
    key.withdrawn_at = clock.now()
    key.save(update_fields=["withdrawn_at"])
    keys.destroy_private_key(kid)
    record(actor, actions.KEY_WITHDRAWN, key, note=note, username="system")
    return key


def signing_key_for(department: Department, type_code: str) -> tuple[SigningKey, Any]:
    """The department's current key allowed for `type_code` and its private half; DomainError if none."""
    for key in SigningKey.objects.filter(
        purpose=KeyPurpose.PASS, department=department, retired_at__isnull=True, withdrawn_at__isnull=True
    ):
        if type_code in key.allowed_types:
            private = keys.load_private_key(key.kid)
            if private is not None:
                return key, private
    raise DomainError(
        _("%(department)s has no signing key for this pass type; run `manage.py pass_keys create`.")
        % {"department": department.name},
        field="pass_type",
    )


def root_key() -> tuple[SigningKey, Any]:
    """The zone root key (created on first use)."""
    key = SigningKey.objects.filter(purpose=KeyPurpose.ROOT, retired_at__isnull=True, withdrawn_at__isnull=True).first()
    private = keys.load_private_key(key.kid) if key else None
    if key is None or private is None:
        key = create_signing_key(actor=None, department=None, allowed_types=(), purpose=KeyPurpose.ROOT)
        private = keys.load_private_key(key.kid)
    return key, private


def trusted_keys() -> dict[bytes, cose.TrustedKey]:
    """Every pass key not withdrawn (retired keys still verify the passes they signed)."""
    return {
        bytes.fromhex(key.kid): cose.TrustedKey(
            public_key=cose.load_public_pem(key.public_key_pem),
            allowed_types=frozenset(key.allowed_types),
            department=key.department.code if key.department else "",
        )
        for key in SigningKey.objects.filter(purpose=KeyPurpose.PASS, withdrawn_at__isnull=True).select_related(
            "department"
        )
    }


def b64url(data: bytes) -> str:
    """Unpadded base64url (JOSE)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwk_of(key: SigningKey) -> dict[str, Any]:
    """RFC 7517 JWK of a public key, with the pass types it may sign."""
    numbers = cose.load_public_pem(key.public_key_pem).public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "alg": "ES256",
        "use": "sig",
        "kid": b64url(bytes.fromhex(key.kid)),
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
        "pass_types": list(key.allowed_types),
        "issuer": key.department.code if key.department else "",
    }


def jwks() -> dict[str, Any]:
    """The public pass keys as a JWKS."""
    rows = SigningKey.objects.filter(purpose=KeyPurpose.PASS, withdrawn_at__isnull=True).select_related("department")
    return {"keys": [jwk_of(key) for key in rows.order_by("created_at", "pk")]}


def trust_list_version(rows: Iterable[SigningKey]) -> int:
    """The key table's change count: every key created, retired or withdrawn adds one, so it only grows.

    Derived from the rows rather than a stored counter, so a key changed outside the services still moves it on;
    keys are never deleted (withdraw them), which is what keeps it from going back.
    """
    return sum(1 + (key.retired_at is not None) + (key.withdrawn_at is not None) for key in rows)


def signed_trust_list() -> dict[str, Any]:
    """The JWKS signed by the zone root key, versioned so that verifiers can refuse an older (replayed) one.

    `signed` = base64url(COSE_Sign1(CBOR {"keys": [jwk], "version": n, "issued_at": unix})).
    """
    root, private = root_key()
    # One query for both the keys and the version: a key withdrawn meanwhile cannot pair old keys with a new version.
    rows = list(SigningKey.objects.select_related("department").order_by("created_at", "pk"))
    listed = [jwk_of(key) for key in rows if key.purpose == KeyPurpose.PASS and key.withdrawn_at is None]
    body = {"keys": listed, "version": trust_list_version(rows), "issued_at": int(clock.now().timestamp())}
    signed = cose.sign1(cbor2.dumps(body), private, bytes.fromhex(root.kid))
    return {"root": jwk_of(root), **body, "signed": b64url(signed)}


def checkpoint_list() -> list[dict[str, Any]]:
    """What an offline verifier needs of each active checkpoint: code, name and the area codes that cover it."""
    rows = Checkpoint.objects.filter(is_active=True).select_related("area").order_by("code")
    return [{"code": c.code, "name": c.name, "areas": [c.area.code] if c.area_id else []} for c in rows]


def signed_checkpoint_list() -> dict[str, Any]:
    """The active checkpoints signed by the zone root key, like the trust list.

    `signed` = base64url(COSE_Sign1(CBOR {"checkpoints": [{"code", "name", "areas"}], "issued_at": unix})); a
    verifier takes the checkpoints (and so which areas cover its gate) only from that signed content.
    """
    root, private = root_key()
    body = {"checkpoints": checkpoint_list(), "issued_at": int(clock.now().timestamp())}
    signed = cose.sign1(cbor2.dumps(body), private, bytes.fromhex(root.kid))
    return {
        "root": jwk_of(root),
        "items": body["checkpoints"],
        "issued_at": body["issued_at"],
        "signed": b64url(signed),
    }


# --- applications ---------------------------------------------------------------------------------


def _valid_scope_codes(pass_type: PassType, codes: Iterable[str]) -> tuple[list[str], list[str]]:
    """(clean codes, error messages): each code a known checkpoint or area, within what the type may grant."""
    cleaned = [str(code).strip().upper() for code in codes if str(code).strip()]
    errors: list[str] = []
    if not cleaned:
        return [], [_("Choose at least one checkpoint or area.")]
    live = Checkpoint.objects.filter(code__in=cleaned, is_active=True)  # a deactivated checkpoint grants nothing new
    known_checkpoints = dict(live.values_list("code", "area__code"))
    known_areas = set(Area.objects.filter(code__in=cleaned).values_list("code", flat=True))
    grantable = set(pass_type.grantable_scope or [])
    for code in cleaned:
        if code not in known_checkpoints and code not in known_areas:
            errors.append(_("Unknown checkpoint or area: %(code)s") % {"code": code})
        elif grantable and code not in grantable and known_checkpoints.get(code) not in grantable:
            errors.append(_("%(code)s is outside what this pass type may grant.") % {"code": code})
    return sorted(set(cleaned)), errors


def _check_documents(pass_type: PassType, documents: Mapping[str, Any], now: dt.datetime) -> list[str]:
    """Each required document present, of an allowed type and size, recent enough (negative tests)."""
    errors = []
    for item in pass_type.required_qualifications or []:
        if item.get("kind") != "document":
            continue
        key, label = item["key"], item.get("label", item["key"])
        doc = documents.get(key)
        if not isinstance(doc, Mapping) or not doc.get("name"):
            errors.append(_("Missing document: %(label)s") % {"label": label})
            continue
        types = item.get("types") or []
        ext = str(doc.get("name")).rsplit(".", 1)[-1].lower()
        if types and ext not in types:
            errors.append(_("%(label)s must be one of: %(types)s") % {"label": label, "types": ", ".join(types)})
        try:
            size_kb = int(doc.get("size_kb", 0))
        except (TypeError, ValueError):
            size_kb = -1
        if size_kb < 0 or (item.get("max_kb") and size_kb > item["max_kb"]):
            errors.append(_("%(label)s is larger than %(n)s KB.") % {"label": label, "n": item.get("max_kb")})
        hours = item.get("max_age_hours")
        if hours:
            try:
                taken = dt.datetime.fromisoformat(str(doc.get("taken_at")))
                if taken.tzinfo is None:
                    taken = taken.replace(tzinfo=timezone.get_default_timezone())
            except ValueError:
                taken = None
            if taken is None or now - taken > dt.timedelta(hours=hours) or taken > now + cose.SKEW:
                errors.append(_("%(label)s must be from the last %(n)s hours.") % {"label": label, "n": hours})
    return errors


def clean_application(values: Mapping[str, Any], *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Validate an application's fields; one DomainError naming every bad field."""
    now = now or clock.now()
    errors: dict[str, list[str]] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(str(message))

    cleaned: dict[str, Any] = {}
    type_code = str(values.get("pass_type") or "")
    pass_type = PassType.objects.filter(code=type_code, is_active=True).select_related("issuing_department").first()
    if pass_type is None:
        raise DomainError(_("Unknown pass type: %(code)s") % {"code": type_code[:30]}, field="pass_type")
    cleaned["pass_type"] = pass_type
    name = str(values.get("holder_name") or "").strip()
    if not name or len(name) > 60:
        fail("holder_name", _("Enter the holder's name (at most 60 characters)."))
    cleaned["holder_name"] = name
    id_number = str(values.get("id_number") or "").strip().upper()
    try:
        validate_resident_id(id_number)
    except ValidationError as exc:
        fail("id_number", _first_message(exc))
    cleaned["id_number"] = id_number
    mobile = str(values.get("mobile") or "").strip()
    if mobile:
        try:
            validate_mobile(mobile)
        except ValidationError as exc:
            fail("mobile", _first_message(exc))
    cleaned["mobile"] = mobile
    plate = str(values.get("plate") or "").strip().upper()
    if plate:
        try:
            validate_plate(plate)
        except ValidationError as exc:
            fail("plate", _first_message(exc))
    elif pass_type.needs_plate:
        fail("plate", _("This pass type needs a vehicle plate."))
    cleaned["plate"] = plate
    route = str(values.get("route") or "").strip()
    if len(route) > 200:
        fail("route", _("At most %(n)s characters.") % {"n": 200})
    cleaned["route"] = route
    station = values.get("station")
    if station is not None and not isinstance(station, DeliveryStation):
        station = DeliveryStation.objects.filter(pk=station).first() if str(station).isdigit() else None
        if station is None:
            fail("station", _("Unknown delivery station."))
    if station is not None and not station.is_active:
        fail("station", _("This delivery station is deactivated."))
    cleaned["station"] = station
    cleaned["enterprise"] = values.get("enterprise")
    for item in pass_type.required_qualifications or []:
        if item.get("kind") == "field":
            key = item["key"]
            present = cleaned.get(key) if key in cleaned else values.get(key)
            if not present:
                fail(key, _("Required for this pass type: %(label)s") % {"label": item.get("label", key)})
    scope, scope_errors = _valid_scope_codes(pass_type, values.get("scope_codes") or [])
    for message in scope_errors:
        fail("scope_codes", message)
    cleaned["scope_codes"] = scope
    try:
        valid_from = values.get("valid_from") or clock.today()
        if not isinstance(valid_from, dt.date):
            valid_from = dt.date.fromisoformat(str(valid_from))
    except ValueError:
        fail("valid_from", _("Enter a valid date."))
        valid_from = clock.today()
    cleaned["valid_from"] = valid_from
    try:
        valid_days = int(values.get("valid_days") or pass_type.max_validity_days)
    except (TypeError, ValueError):
        valid_days = 0
    if not 1 <= valid_days <= pass_type.max_validity_days:
        fail("valid_days", _("Between 1 and %(n)s days.") % {"n": pass_type.max_validity_days})
    cleaned["valid_days"] = valid_days
    documents = values.get("documents") or {}
    if not isinstance(documents, Mapping):
        documents = {}
    for message in _check_documents(pass_type, documents, now):
        fail("documents", message)
    cleaned["documents"] = dict(documents)
    if errors:
        first = next(iter(errors))
        raise DomainError(errors[first][0], field=first, errors=errors)
    return cleaned


def _create_application(actor: User | None, cleaned: Mapping[str, Any], holder_user: User | None) -> PassApplication:
    now = clock.now()
    return PassApplication.objects.create(
        department=cleaned["pass_type"].issuing_department,
        submitted_by=actor,
        holder_user=holder_user,
        submitted_at=now,
        updated_at=now,
        **cleaned,
    )


@transaction.atomic
def submit_application(*, actor: User, values: Mapping[str, Any], holder_user: User | None = None) -> PassApplication:
    """An application by the holder (or for them); goes to the issuing department's queue."""
    _require(actor, SUBMIT_APPLICATION)
    application = _create_application(actor, clean_application(values), holder_user)
    record(actor, actions.APPLICATION_SUBMITTED, application, changes={"pass_type": application.pass_type.code})
    return application


IMPORT_COLUMNS = (
    Column("holder_name", "姓名", 12, required=True),
    Column("id_number", "身份证号", 22, required=True),
    Column("mobile", "手机号", 14),
    Column("plate", "车牌号", 12),
    Column("route", "路线", 30),
    Column("scope_codes", "通行范围", 20, required=True, help="卡口或区域代码，逗号分隔"),
    Column("valid_from", "生效日期", 12),
    Column("valid_days", "有效天数", 10),
)


@transaction.atomic
def import_applications(
    *,
    actor: User,
    upload,
    pass_type: str,
    station: DeliveryStation | None = None,
    enterprise=None,
    documents: Mapping[str, Any] | None = None,
) -> ImportResult:
    """Bulk applications from a station manager or an enterprise: all rows or none, with row-level errors."""
    _require(actor, SUBMIT_APPLICATION)
    rows = read_rows(upload, IMPORT_COLUMNS)
    headers = {column.key: column.header for column in IMPORT_COLUMNS}
    now = clock.now()
    seen: dict[str, int] = {}

    def validate(number: int, row: dict[str, Any]):
        values = dict(row)
        values["pass_type"] = pass_type
        values["scope_codes"] = [c for c in str(row.get("scope_codes") or "").replace("，", ",").split(",")]
        values["station"] = station
        values["enterprise"] = enterprise
        values["documents"] = documents or {}
        if isinstance(values.get("valid_from"), dt.datetime):
            values["valid_from"] = values["valid_from"].date()
        for key in ("id_number", "mobile", "plate", "valid_days"):
            if values.get(key) is not None:
                values[key] = str(values[key]).strip()
        try:
            cleaned = clean_application(values, now=now)
        except DomainError as exc:
            return None, [
                RowError(number, str(headers.get(field, field)), message)
                for field, messages in exc.errors.items()
                for message in messages
            ]
        previous = seen.setdefault(cleaned["id_number"], number)
        if previous != number:
            return None, [RowError(number, headers["id_number"], _("Same ID number as row %(n)s.") % {"n": previous})]
        return cleaned, []

    def commit(items: list[dict[str, Any]]) -> ImportResult:
        created = [_create_application(actor, cleaned, None) for cleaned in items]
        record(
            actor,
            actions.APPLICATIONS_IMPORTED,
            None,
            changes={"pass_type": pass_type, "count": len(created)},
            object_repr=station.name if station else str(enterprise or ""),
        )
        return ImportResult(created=len(created))

    return run_import(rows, validate=validate, commit=commit)


def checklist_items(pass_type: PassType) -> list[tuple[str, str]]:
    """(key, label) of what a reviewer ticks: identity, then each required qualification."""
    items = [("identity", _("Name and ID number match the ID card"))]
    for item in pass_type.required_qualifications or []:
        items.append((item["key"], item.get("label", item["key"])))
    return items


def _review_target(actor: User, application: PassApplication) -> None:
    _require_in_scope(actor, REVIEW_APPLICATION, application)


@transaction.atomic
def approve_application(
    *, actor: User, application: PassApplication, checklist: Mapping[str, bool] | None = None, batch: bool = False
) -> Pass:
    """Approve with every checklist item ticked, and issue the signed pass."""
    _review_target(actor, application)
    _require(actor, ISSUE_PASS)
    items = checklist_items(application.pass_type)
    if batch:
        ticked = {key: True for key, _label in items}
    else:
        ticked = {key: bool((checklist or {}).get(key)) for key, _label in items}
        missing = [label for key, label in items if not ticked[key]]
        if missing:
            raise DomainError(
                _("Tick every checklist item before approving: %(items)s") % {"items": "、".join(map(str, missing))},
                field="checklist",
            )
    now = clock.now()
    transition(
        application,
        to=ApplicationStatus.APPROVED,
        table=APPLICATION_TRANSITIONS,
        extra={"reviewer": actor, "reviewed_at": now, "checklist": ticked},
    )
    record(actor, actions.APPLICATION_APPROVED, application, note="batch" if batch else "")
    return issue_pass(actor=actor, application=application)


@transaction.atomic
def approve_applications(*, actor: User, ids: Iterable[int]) -> list[Pass]:
    """Batch approval (the checklist counts as ticked by the batch); all or nothing."""
    ids = list(dict.fromkeys(int(i) for i in ids))
    if not ids or len(ids) > MAX_BATCH:
        raise DomainError(_("Choose between 1 and %(n)s applications.") % {"n": MAX_BATCH}, field="ids")
    _require(actor, REVIEW_APPLICATION)
    found = {a.pk: a for a in PassApplication.objects.visible_to(actor, REVIEW_APPLICATION).filter(pk__in=ids)}
    if len(found) != len(ids):
        raise OutOfScope(_("Not found."))
    return [approve_application(actor=actor, application=found[pk], batch=True) for pk in ids]


@transaction.atomic
def reject_application(*, actor: User, application: PassApplication, reason: str) -> PassApplication:
    """Reject with a reason the applicant sees."""
    _review_target(actor, application)
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise DomainError(_("Give a reason (at most 500 characters)."), field="reason")
    transition(
        application,
        to=ApplicationStatus.REJECTED,
        table=APPLICATION_TRANSITIONS,
        extra={"reviewer": actor, "reviewed_at": clock.now(), "review_note": reason},
    )
    record(actor, actions.APPLICATION_REJECTED, application, note=reason)
    return application


@transaction.atomic
def request_more_info(*, actor: User, application: PassApplication, note: str) -> PassApplication:
    """Send the application back to the applicant for what is missing."""
    _review_target(actor, application)
    note = (note or "").strip()
    if not note or len(note) > 500:
        raise DomainError(_("Say what is missing (at most 500 characters)."), field="note")
    transition(
        application,
        to=ApplicationStatus.MORE_INFO,
        table=APPLICATION_TRANSITIONS,
        extra={"reviewer": actor, "reviewed_at": clock.now(), "review_note": note},
    )
    record(actor, actions.APPLICATION_MORE_INFO, application, note=note)
    return application


# --- issuing --------------------------------------------------------------------------------------


def _next_serial(department: Department, type_code: str, year: int) -> str:
    prefix = f"{department.code}-{SERIAL_LETTER[type_code]}-{year}-"
    last = Pass.objects.filter(serial__startswith=prefix).aggregate(m=Max("serial"))["m"]
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


@transaction.atomic
def issue_pass(*, actor: User | None, application: PassApplication, issued_at: dt.datetime | None = None) -> Pass:
    """Sign an approved application with the issuing department's key; the ID number stays out of the QR."""
    if actor is not None:
        _require(actor, ISSUE_PASS)
    if application.status != ApplicationStatus.APPROVED:
        raise DomainError(_("Only an approved application can be issued."), field="status")
    if Pass.objects.filter(application=application).exists():
        raise Conflict(_("A pass was already issued for this application."))
    pass_type = application.pass_type
    department = application.department
    key, private = signing_key_for(department, pass_type.code)
    issued_at = issued_at or clock.now()
    valid_from = _start_of(application.valid_from)
    valid_to = valid_from + dt.timedelta(days=application.valid_days) - dt.timedelta(seconds=1)
    affiliation = application.station.name if application.station else (str(application.enterprise or ""))
    serial = _next_serial(department, pass_type.code, application.valid_from.year)
    claims = cose.Claims(
        serial=serial,
        type=pass_type.code,
        holder_name=application.holder_name,
        id_last4=application.id_number[-4:],
        valid_from=valid_from,
        valid_to=valid_to,
        issuer=department.code,
        scope=tuple(application.scope_codes),
        plate=application.plate,
        route=application.route,
        affiliation=affiliation,
    )
    try:
        with transaction.atomic():
            issued = Pass.objects.create(
                serial=serial,
                application=application,
                pass_type=pass_type,
                department=department,
                holder_name=application.holder_name,
                id_last4=claims.id_last4,
                holder_user=application.holder_user,
                station=application.station,
                enterprise=application.enterprise,
                affiliation=affiliation,
                plate=application.plate,
                route=application.route,
                scope_codes=list(application.scope_codes),
                valid_from=valid_from,
                valid_to=valid_to,
                kid=key.kid,
                payload=cose.encode_pass(claims, private, bytes.fromhex(key.kid)),
                issued_at=issued_at,
                issued_by=actor,
                updated_at=issued_at,
            )
    except IntegrityError as exc:
        raise Conflict(_("Another pass took this serial number; try again.")) from exc
    record(actor, actions.PASS_ISSUED, issued, changes={"kid": key.kid, "type": pass_type.code}, username="system")
    return issued


# --- suspension and revocation --------------------------------------------------------------------


def _reason(text: str) -> str:
    text = (text or "").strip()
    if not text or len(text) > 300:
        raise DomainError(_("Give a reason (at most 300 characters)."), field="reason")
    return text


MAX_PDF_CARDS = 500


@transaction.atomic
def export_pass_cards(*, actor: User, passes: list[Pass]) -> bytes:
    """The printable A6 PDF cards of passes the actor may view (each checked), the export audited."""
    from zoneops.passes import pdf

    if not passes:
        raise DomainError(_("Choose the passes to print."), field="serial")
    if len(passes) > MAX_PDF_CARDS:
        raise DomainError(
            _("At most %(n)s cards at a time; narrow the selection.") % {"n": MAX_PDF_CARDS}, field="serial"
        )
    _require(actor, VIEW_PASS)
    wanted = {p.pk for p in passes}
    if Pass.objects.visible_to(actor, VIEW_PASS).filter(pk__in=wanted).count() != len(wanted):
        raise OutOfScope(_("Not found."))
    title = passes[0].serial if len(passes) == 1 else _("%(n)s pass cards") % {"n": len(passes)}
    data = pdf.render_cards(passes, title=title)
    serials = [p.serial for p in passes]
    record(
        actor,
        actions.CARDS_EXPORTED,
        passes[0] if len(passes) == 1 else None,
        changes={"count": len(serials), "serials": serials[:50]},
        note=_("PDF cards"),
    )
    return data


@transaction.atomic
def suspend_pass(*, actor: User, pass_obj: Pass, reason: str) -> Pass:
    """Suspend at once (verifiers answer `suspended`); can be resumed."""
    _require_in_scope(actor, CHANGE_PASS, pass_obj)
    reason = _reason(reason)
    transition(pass_obj, to=PassStatus.SUSPENDED, table=PASS_TRANSITIONS, extra={"status_reason": reason})
    record(actor, actions.PASS_SUSPENDED, pass_obj, note=reason)
    _publish_revocation_list_on_commit()
    return pass_obj


@transaction.atomic
def resume_pass(*, actor: User, pass_obj: Pass) -> Pass:
    """Lift a suspension."""
    _require_in_scope(actor, CHANGE_PASS, pass_obj)
    transition(pass_obj, to=PassStatus.VALID, table=PASS_TRANSITIONS, extra={"status_reason": ""})
    record(actor, actions.PASS_RESUMED, pass_obj)
    _publish_revocation_list_on_commit()
    return pass_obj


@transaction.atomic
def request_revocation(*, actor: User, pass_obj: Pass, reason: str) -> Revocation:
    """Ask for a revocation; a second person approves it."""
    _require_in_scope(actor, CHANGE_PASS, pass_obj)
    reason = _reason(reason)
    if pass_obj.status == PassStatus.REVOKED:
        raise Conflict(_("This pass is already revoked."), field="status")
    if pass_obj.revocations.filter(status=RevocationStatus.REQUESTED).exists():
        raise Conflict(_("A revocation of this pass is already waiting for approval."))
    revocation = Revocation.objects.create(
        pass_obj=pass_obj, reason=reason, requested_by=actor, requested_at=clock.now()
    )
    record(actor, actions.REVOCATION_REQUESTED, pass_obj, note=reason)
    return revocation


@transaction.atomic
def approve_revocation(*, actor: User, revocation: Revocation) -> Pass:
    """The second person approves: the pass is revoked and a new revocation list is published."""
    pass_obj = revocation.pass_obj
    _require_in_scope(actor, APPROVE_REVOCATION, pass_obj)
    if revocation.requested_by_id == actor.pk:
        raise PermissionDenied(_("Another person must approve a revocation you requested."))
    if revocation.status != RevocationStatus.REQUESTED:
        raise Conflict(_("This revocation was already decided."))
    updated = Revocation.objects.filter(pk=revocation.pk, status=RevocationStatus.REQUESTED).update(
        status=RevocationStatus.APPROVED, approved_by=actor, approved_at=clock.now()
    )
    if updated != 1:
        raise Conflict(_("Someone else changed this record first; reload and try again."))
    transition(pass_obj, to=PassStatus.REVOKED, table=PASS_TRANSITIONS, extra={"status_reason": revocation.reason})
    record(actor, actions.REVOCATION_APPROVED, pass_obj, note=revocation.reason)
    _publish_revocation_list_on_commit()
    return pass_obj


def _live_revocation_sets(now: dt.datetime) -> tuple[list[str], list[str]]:
    """(revoked, suspended) serials of the passes still within validity, sorted."""
    live = Pass.objects.filter(valid_to__gte=now - cose.SKEW)
    revoked = sorted(live.filter(status=PassStatus.REVOKED).values_list("serial", flat=True))
    suspended = sorted(live.filter(status=PassStatus.SUSPENDED).values_list("serial", flat=True))
    return revoked, suspended


@transaction.atomic
def publish_revocation_list(*, actor: User | None) -> RevocationList:
    """Sign and store a new version of the list of revoked and suspended passes still within validity."""
    if actor is not None:
        _require(actor, CHANGE_PASS)
    now = clock.now()
    revoked, suspended = _live_revocation_sets(now)
    version = (RevocationList.objects.aggregate(m=Max("version"))["m"] or 0) + 1
    root, private = root_key()
    body = {1: version, 2: int(now.timestamp()), 3: revoked, 4: suspended}
    signed = b64url(cose.sign1(cbor2.dumps(body), private, bytes.fromhex(root.kid)))
    published = RevocationList.objects.create(
        version=version, issued_at=now, revoked=revoked, suspended=suspended, signed=signed
    )
    record(actor, actions.REVOCATION_LIST_PUBLISHED, published, changes={"version": version}, username="system")
    return published


REVOCATION_LIST_MAX_AGE = dt.timedelta(hours=6)  # verifiers turn amber at 24 h: re-signed well before
PUBLISH_ATTEMPTS = 3


def refresh_revocation_list(*, max_age: dt.timedelta | None = REVOCATION_LIST_MAX_AGE) -> RevocationList | None:
    """Publish a new list if none exists, it is out of step with the passes or older than `max_age`; else None.

    Versions are unique: when a concurrent publisher takes the same number, the loser counts again.
    """
    for attempt in range(PUBLISH_ATTEMPTS):
        latest = latest_revocation_list()
        now = clock.now()
        current = latest is not None and (latest.revoked, latest.suspended) == _live_revocation_sets(now)
        fresh = latest is not None and (max_age is None or now - latest.issued_at <= max_age)
        if current and fresh:
            return None
        try:
            return publish_revocation_list(actor=None)
        except IntegrityError:
            if attempt == PUBLISH_ATTEMPTS - 1:
                raise
    return None


def _publish_revocation_list_on_commit() -> None:
    """Once the status change is committed, publish a list that shows it (the hourly refresh repairs a failure)."""
    transaction.on_commit(lambda: refresh_revocation_list(max_age=None), robust=True)


def latest_revocation_list() -> RevocationList | None:
    """The newest published list, or None before the first one (reading never publishes)."""
    return RevocationList.objects.order_by("-version").first()


# --- verification and scans -----------------------------------------------------------------------


def checkpoint_info(checkpoint: Checkpoint) -> cose.CheckpointInfo:
    """What the verifier needs to know about a checkpoint."""
    areas = frozenset({checkpoint.area.code} if checkpoint.area_id else set())
    return cose.CheckpointInfo(code=checkpoint.code, areas=areas)


def server_verify(payload: Any, checkpoint: Checkpoint, now: dt.datetime | None = None) -> cose.Result:
    """The server verifier: live keys and the live pass status (its lists are never stale)."""
    now = now or clock.now()
    revoked: set[str] = set()
    suspended: set[str] = set()
    result = cose.verify(payload, checkpoint_info(checkpoint), now, trusted_keys(), cose.RevocationState())
    if result.claims is not None and result.reason not in ("key_not_allowed", "bad_format"):
        status = Pass.objects.filter(serial=result.claims.serial).values_list("status", flat=True).first()
        if status == PassStatus.REVOKED:
            revoked.add(result.claims.serial)
        elif status == PassStatus.SUSPENDED:
            suspended.add(result.claims.serial)
        if revoked or suspended:
            state = cose.RevocationState(revoked=frozenset(revoked), suspended=frozenset(suspended))
            result = cose.verify(payload, checkpoint_info(checkpoint), now, trusted_keys(), state)
    return result


def _distance_km(a: Checkpoint, b: Checkpoint) -> float | None:
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, map(float, (a.latitude, a.longitude, b.latitude, b.longitude)))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def _anomaly(serial: str, checkpoint: Checkpoint, at: dt.datetime) -> str:
    """A note when the same pass was seen at a distant checkpoint within the window, else ""."""
    if not serial:
        return ""
    nearby = (
        Scan.objects.filter(serial=serial, valid=True, at__gte=at - ANOMALY_WINDOW, at__lte=at + ANOMALY_WINDOW)
        .exclude(checkpoint=checkpoint)
        .select_related("checkpoint")
    )
    for other in nearby:
        if other.checkpoint is None:
            continue
        km = _distance_km(checkpoint, other.checkpoint)
        if km is None or km >= ANOMALY_MIN_KM:
            where = other.checkpoint.code
            return (f"{where} {other.at:%H:%M}" + (f", {km:.1f} km" if km is not None else ""))[:200]
    return ""


def _log_scan(actor, checkpoint, result, *, at, device, source) -> Scan:
    serial = result.claims.serial if result.claims else ""
    note = _anomaly(serial, checkpoint, at) if result.valid else ""
    return Scan.objects.create(
        checkpoint=checkpoint,
        checkpoint_code=checkpoint.code,
        at=at,
        valid=result.valid,
        reason=result.reason,
        serial=serial[:30],
        device=(device or "")[:60],
        source=source,
        anomaly=bool(note),
        anomaly_note=note,
        scanned_by=actor if getattr(actor, "is_authenticated", False) else None,
        uploaded_at=clock.now(),
    )


def _checkpoint(code: Any, *, active_only: bool = True) -> Checkpoint:
    checkpoint = Checkpoint.objects.filter(code=str(code or "")[:30].upper()).select_related("area")
    found = (checkpoint.filter(is_active=True) if active_only else checkpoint).first()
    if found is None:
        raise DomainError(_("Unknown checkpoint."), field="checkpoint")
    return found


@transaction.atomic
def verify_pass(*, actor: User, payload: Any, checkpoint: str, device: str = "") -> tuple[cose.Result, Scan]:
    """Verify a scanned QR at a checkpoint on the server and log the scan."""
    _require(actor, RECORD_SCAN)
    place = _checkpoint(checkpoint)
    now = clock.now()
    result = server_verify(payload, place, now)
    return result, _log_scan(actor, place, result, at=now, device=device, source=ScanSource.ONLINE)


@transaction.atomic
def upload_offline_scans(*, actor: User, scans: list[Mapping[str, Any]], device: str = "") -> list[Scan]:
    """Scans a verifier made offline: re-checked on the server at the time they were made, then logged."""
    _require(actor, RECORD_SCAN)
    if len(scans) > MAX_BATCH:
        raise DomainError(_("At most %(n)s scans per upload.") % {"n": MAX_BATCH}, field="scans")
    now = clock.now()
    logged = []
    for index, item in enumerate(scans):
        # A checkpoint deactivated since the scan was made still takes its upload, or the device's queue would jam.
        place = _checkpoint(item.get("checkpoint"), active_only=False)
        at = item.get("at")
        if not isinstance(at, dt.datetime) or at > now + cose.SKEW or now - at > dt.timedelta(days=7):
            raise DomainError(_("Scan %(n)s has an impossible time.") % {"n": index + 1}, field="scans")
        result = server_verify(item.get("payload"), place, at)
        logged.append(_log_scan(actor, place, result, at=at, device=device, source=ScanSource.OFFLINE))
    record(actor, actions.SCANS_UPLOADED, None, changes={"count": len(logged)}, object_repr=device or "verifier")
    return logged
