"""Checkpoint passes: types, applications, signed passes, keys, checkpoints, scans, revocation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zoneops.core.fields import DigestField, PersonalDataField
from zoneops.core.scopes import ScopedQuerySet


class PassKind(models.TextChoices):
    """The four pass types of the seed (codes are stable; they travel in the QR)."""

    RIDER = "rider", _("Delivery rider")
    FREIGHT = "freight", _("Freight vehicle")
    STAFF = "staff", _("Staff credential")
    TEMPORARY = "temporary", _("Temporary resident")


# One letter per type in serial numbers ("SCJ-R-2022-0001").
SERIAL_LETTER = {"rider": "R", "freight": "F", "staff": "S", "temporary": "T"}


class PassType(models.Model):
    """A kind of pass as data: who issues it, what an application must bring, how long and how far it reaches."""

    code = models.CharField(_("code"), max_length=20, unique=True, choices=PassKind.choices)
    name = models.CharField(_("name"), max_length=60)
    issuing_department = models.ForeignKey(
        "accounts.Department", verbose_name=_("issuing department"), on_delete=models.PROTECT, related_name="+"
    )
    # [{"key": "health_certificate", "label": "...", "kind": "document"|"field", "types": ["pdf","jpg"],
    #   "max_kb": 2048, "max_age_hours": 48}]
    required_qualifications = models.JSONField(_("required qualifications"), default=list, blank=True)
    max_validity_days = models.PositiveIntegerField(_("maximum validity (days)"), default=30)
    grantable_scope = models.JSONField(_("scope it may grant"), default=list, blank=True)
    needs_plate = models.BooleanField(_("needs a vehicle plate"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("pass type")
        verbose_name_plural = _("pass types")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """A named group of checkpoints; a pass scoped to the area is good at each of them."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CheckpointKind(models.TextChoices):
    """Where a checkpoint stands."""

    HIGHWAY_EXIT = "highway_exit", _("Highway exit")
    COMPOUND_GATE = "compound_gate", _("Compound gate")
    ROAD = "road", _("Road checkpoint")
    ENTERPRISE_GATE = "enterprise_gate", _("Enterprise gate")
    HOSPITAL = "hospital", _("Hospital entrance")


class RegistryQuerySet(ScopedQuerySet):
    """A zone-wide registry (checkpoints, delivery stations, inspections): holding the permission is enough."""


class Checkpoint(models.Model):
    """A place where passes are checked (deactivated, never deleted: scans and pass scopes name it)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=CheckpointKind.choices)
    location = models.CharField(_("location"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    subdistrict = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("subdistrict"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    area = models.ForeignKey(
        Area, verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT, related_name="checkpoints"
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = RegistryQuerySet.as_manager()

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Platform(models.TextChoices):
    """Delivery platforms."""

    MEITUAN = "meituan", _("Meituan")
    ELEME = "eleme", _("Ele.me")
    DADA = "dada", _("Dada")
    OTHER = "other", _("Other")


class DeliveryStation(models.Model):
    """A delivery station (外卖站点) whose riders need passes; market supervision inspects it."""

    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    name = models.CharField(_("station name"), max_length=100, unique=True)
    manager_name = models.CharField(_("manager"), max_length=60)
    manager_mobile = PersonalDataField(_("manager mobile"), kind="mobile")
    manager_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)  # closed stations stay: passes point to them

    objects = RegistryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery station")
        verbose_name_plural = _("delivery stations")
        ordering = ["platform", "name"]

    def __str__(self) -> str:
        return self.name


class StationInspection(models.Model):
    """A supervision visit to a delivery station."""

    station = models.ForeignKey(DeliveryStation, on_delete=models.CASCADE, related_name="inspections")
    inspected_on = models.DateField(_("inspected on"))
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    passed = models.BooleanField(_("passed"), default=True)
    findings = models.TextField(_("findings"), blank=True)

    objects = RegistryQuerySet.as_manager()

    class Meta:
        verbose_name = _("station inspection")
        verbose_name_plural = _("station inspections")
        ordering = ["-inspected_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.station_id} {self.inspected_on}"


class ApplicationStatus(models.TextChoices):
    """Review states of an application."""

    SUBMITTED = "submitted", _("Submitted")
    MORE_INFO = "more_info", _("More information requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


APPLICATION_TRANSITIONS = {
    ApplicationStatus.SUBMITTED: {ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.MORE_INFO},
    ApplicationStatus.MORE_INFO: {ApplicationStatus.SUBMITTED, ApplicationStatus.REJECTED},
    ApplicationStatus.APPROVED: set(),
    ApplicationStatus.REJECTED: set(),
}


class PassApplicationQuerySet(ScopedQuerySet):
    """Applications: the issuing department sees its queue; an applicant sees what they submitted."""

    scope_department_field = "department"
    scope_owner_field = "submitted_by"


class PassApplication(models.Model):
    """An application for a pass, by the holder or in bulk by a station manager or an enterprise."""

    pass_type = models.ForeignKey(PassType, verbose_name=_("pass type"), on_delete=models.PROTECT)
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("issuing department"), on_delete=models.PROTECT, related_name="+"
    )
    holder_name = models.CharField(_("holder name"), max_length=60)
    id_number = PersonalDataField(_("ID number"), kind="id_number")
    id_number_digest = DigestField(source="id_number")
    mobile = PersonalDataField(_("mobile"), kind="mobile")
    station = models.ForeignKey(DeliveryStation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    plate = models.CharField(_("plate"), max_length=10, blank=True)
    route = models.CharField(_("route"), max_length=200, blank=True)
    scope_codes = models.JSONField(_("scope"), default=list)
    valid_from = models.DateField(_("valid from"))
    valid_days = models.PositiveIntegerField(_("validity (days)"))
    documents = models.JSONField(_("documents"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    checklist = models.JSONField(_("checklist"), default=dict, blank=True)
    review_note = models.CharField(_("review note"), max_length=500, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    holder_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    objects = PassApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("pass application")
        verbose_name_plural = _("pass applications")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["department", "status"])]

    def __str__(self) -> str:
        return f"{self.holder_name} ({self.pass_type_id})"


class PassStatus(models.TextChoices):
    """Administrative state of an issued pass (expiry is computed from valid_to)."""

    VALID = "valid", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


PASS_TRANSITIONS = {
    PassStatus.VALID: {PassStatus.SUSPENDED, PassStatus.REVOKED},
    PassStatus.SUSPENDED: {PassStatus.VALID, PassStatus.REVOKED},
    PassStatus.REVOKED: set(),
}


class PassQuerySet(ScopedQuerySet):
    """Passes: the issuing department sees what it issued; a holder sees their own."""

    scope_department_field = "department"
    scope_owner_field = "holder_user"


class Pass(models.Model):
    """An issued, signed pass; `payload` is the exact "ZP1:…" string in the QR."""

    serial = models.CharField(_("serial"), max_length=30, unique=True)
    application = models.OneToOneField(
        PassApplication, null=True, blank=True, on_delete=models.PROTECT, related_name="issued_pass"
    )
    pass_type = models.ForeignKey(PassType, verbose_name=_("pass type"), on_delete=models.PROTECT)
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("issuing department"), on_delete=models.PROTECT, related_name="+"
    )
    holder_name = models.CharField(_("holder name"), max_length=60)
    id_last4 = models.CharField(_("ID last 4"), max_length=4)
    holder_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    station = models.ForeignKey(DeliveryStation, null=True, blank=True, on_delete=models.PROTECT, related_name="passes")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    affiliation = models.CharField(_("station or enterprise"), max_length=200, blank=True)
    plate = models.CharField(_("plate"), max_length=10, blank=True)
    route = models.CharField(_("route"), max_length=200, blank=True)
    scope_codes = models.JSONField(_("scope"), default=list)
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid to"), db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=PassStatus.choices, default=PassStatus.VALID)
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    kid = models.CharField(_("key id"), max_length=16)
    payload = models.TextField(_("QR payload"))
    issued_at = models.DateTimeField(_("issued at"), db_index=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    objects = PassQuerySet.as_manager()

    class Meta:
        verbose_name = _("pass")
        verbose_name_plural = _("passes")
        ordering = ["-issued_at", "-pk"]
        permissions = [
            ("approve_revocation", _("Can approve a pass revocation")),
            ("manage_keys", _("Can manage pass signing keys")),
        ]

    def __str__(self) -> str:
        return self.serial


class KeyPurpose(models.TextChoices):
    """A department's pass-signing key, or the zone root key that signs the trust and revocation lists."""

    PASS = "pass", _("Pass signing")
    ROOT = "root", _("Zone root")


class SigningKey(models.Model):
    """The public half of a signing key; the private half lives only in the key directory (0600 PEM)."""

    kid = models.CharField(_("key id"), max_length=16, unique=True)  # 8 bytes, hex
    purpose = models.CharField(_("purpose"), max_length=10, choices=KeyPurpose.choices, default=KeyPurpose.PASS)
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    allowed_types = models.JSONField(_("pass types it may sign"), default=list)
    public_key_pem = models.TextField(_("public key"))
    created_at = models.DateTimeField(_("created at"))
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)  # rotated: verifies, signs no more
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)  # compromised: verifies no more

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.kid


class RevocationList(models.Model):
    """One published, signed version of the revocation list."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    issued_at = models.DateTimeField(_("issued at"))
    revoked = models.JSONField(default=list)
    suspended = models.JSONField(default=list)
    signed = models.TextField(_("signed list"))  # base64url COSE_Sign1 by the zone root key

    class Meta:
        verbose_name = _("revocation list")
        verbose_name_plural = _("revocation lists")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version}"


class RevocationStatus(models.TextChoices):
    """A revocation request needs a second person's approval."""

    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Revocation(models.Model):
    """A request to revoke a pass; effective once another person approves it."""

    pass_obj = models.ForeignKey(Pass, on_delete=models.PROTECT, related_name="revocations", db_column="pass_id")
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=RevocationStatus.choices, default=RevocationStatus.REQUESTED
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("revocation")
        verbose_name_plural = _("revocations")
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.pass_obj_id} {self.status}"


class ScanSource(models.TextChoices):
    """Whether the verifier was online when it scanned."""

    ONLINE = "online", _("Online")
    OFFLINE = "offline", _("Offline upload")


class Scan(models.Model):
    """One check of a pass at a checkpoint."""

    checkpoint = models.ForeignKey(Checkpoint, null=True, blank=True, on_delete=models.PROTECT, related_name="scans")
    checkpoint_code = models.CharField(_("checkpoint"), max_length=30)
    at = models.DateTimeField(_("scanned at"), db_index=True)
    valid = models.BooleanField(_("valid"))
    reason = models.CharField(_("result"), max_length=20)
    serial = models.CharField(_("serial"), max_length=30, blank=True, db_index=True)
    device = models.CharField(_("device"), max_length=60, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=ScanSource.choices, default=ScanSource.ONLINE)
    anomaly = models.BooleanField(_("anomaly"), default=False)
    anomaly_note = models.CharField(_("anomaly note"), max_length=200, blank=True)
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["checkpoint_code", "at"])]

    def __str__(self) -> str:
        return f"{self.checkpoint_code} {self.at:%Y-%m-%d %H:%M} {self.reason}"
