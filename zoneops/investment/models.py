"""Investment promotion: industries, currencies and rates, projects, negotiations, thresholds, staff development."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zoneops.core.models import TimeStampedModel
from zoneops.core.scopes import ScopedQuerySet
from zoneops.investment.choices import (
    AppliesTo,
    AssignmentLevel,
    CapacityUnit,
    Channel,
    Comparison,
    ConstructionType,
    Issue,
    Quality,
    Source,
    Stage,
    Status,
)

AMOUNT = {"max_digits": 20, "decimal_places": 2}
RATE = {"max_digits": 16, "decimal_places": 6}


class Industry(models.Model):
    """An entry of the industry dictionary; `is_leading` marks the zone's "3+1" leading industries."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    is_leading = models.BooleanField(_("leading industry"), default=False)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Currency(models.Model):
    """A currency amounts may be given in; the base currency (CNY) has rate 1 and needs no rates."""

    code = models.CharField(_("code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=30)
    is_base = models.BooleanField(_("base currency"), default=False)

    class Meta:
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")
        ordering = ["-is_base", "code"]

    def __str__(self) -> str:
        return self.code


class FxRate(models.Model):
    """The statistical exchange rate of a currency to CNY from a date on (until the next one)."""

    currency = models.ForeignKey(Currency, verbose_name=_("currency"), on_delete=models.PROTECT, related_name="rates")
    rate_to_cny = models.DecimalField(_("rate to CNY"), **RATE)
    effective_on = models.DateField(_("effective on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency__code", "-effective_on"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "effective_on"], name="fxrate_unique_currency_day"),
            models.CheckConstraint(condition=models.Q(rate_to_cny__gt=0), name="fxrate_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency_id} {self.rate_to_cny} @ {self.effective_on}"


class ProjectQuerySet(ScopedQuerySet):
    """Projects, scoped by their investment unit or their owner."""

    def signed(self) -> ProjectQuerySet:
        """Projects at the signed stage or later."""
        from zoneops.investment.choices import SIGNED_STAGES

        return self.filter(stage__in=SIGNED_STAGES)

    def open(self) -> ProjectQuerySet:
        """Projects still being worked: not lost, not withdrawn, not yet producing."""
        from zoneops.investment.choices import CLOSED_STATUSES

        return self.exclude(status__in=CLOSED_STATUSES).exclude(stage=Stage.PRODUCING)


class Project(TimeStampedModel):
    """An investment project followed by an investment unit from lead to production."""

    scope_department_field = "unit"
    scope_owner_field = "owner"

    name = models.CharField(_("name"), max_length=200)
    # Linked to the registry when the investor is registered; the name is always kept (a new investor
    # from outside the zone usually has no credit code in our registry yet).
    investor = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("investor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="investment_projects",
    )
    investor_name = models.CharField(_("investor name"), max_length=200)
    unit = models.ForeignKey(
        "accounts.Department", verbose_name=_("investment unit"), on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible staff"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_investment_projects",
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.OTHER)
    assignment_level = models.CharField(
        _("assignment level"), max_length=10, choices=AssignmentLevel.choices, blank=True, default=""
    )
    industry = models.ForeignKey(Industry, verbose_name=_("industry"), on_delete=models.PROTECT, related_name="+")
    outside_leading_reason = models.CharField(_("reason for a non-leading industry"), max_length=300, blank=True)
    outside_leading_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    construction_type = models.CharField(
        _("construction type"), max_length=20, choices=ConstructionType.choices, default=ConstructionType.NEW
    )
    is_foreign = models.BooleanField(_("foreign investment"), default=False)

    currency = models.ForeignKey(Currency, verbose_name=_("currency"), on_delete=models.PROTECT, related_name="+")
    total_investment = models.DecimalField(_("total investment"), **AMOUNT)
    registered_capital = models.DecimalField(_("registered capital"), null=True, blank=True, **AMOUNT)
    foreign_capital = models.DecimalField(_("foreign capital"), null=True, blank=True, **AMOUNT)
    fx_rate = models.DecimalField(_("exchange rate used"), **RATE)
    fx_rate_date = models.DateField(_("exchange rate date"), null=True, blank=True)
    total_investment_cny = models.DecimalField(_("total investment (CNY)"), **AMOUNT)
    contract_amount = models.DecimalField(_("contract amount"), null=True, blank=True, **AMOUNT)

    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.LEAD, db_index=True)
    lead_on = models.DateField(_("lead on"), null=True, blank=True)
    negotiating_on = models.DateField(_("negotiating since"), null=True, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True, db_index=True)
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    started_on = models.DateField(_("construction started on"), null=True, blank=True)
    producing_on = models.DateField(_("producing since"), null=True, blank=True)
    is_at_full_production = models.BooleanField(_("at full production (达产)"), default=False)

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NORMAL)
    status_reason = models.CharField(_("status reason"), max_length=300, blank=True)

    is_verified = models.BooleanField(_("verified"), default=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verification_evidence = models.TextField(_("verification evidence"), blank=True)

    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_step_on = models.DateField(_("next step on"), null=True, blank=True)
    last_progress_at = models.DateTimeField(_("last progress at"), null=True, blank=True)

    expected_output = models.DecimalField(_("expected annual output (CNY)"), null=True, blank=True, **AMOUNT)
    expected_tax = models.DecimalField(_("expected annual tax (CNY)"), null=True, blank=True, **AMOUNT)
    land_mu = models.DecimalField(_("land (亩)"), max_digits=12, decimal_places=2, null=True, blank=True)
    jobs = models.PositiveIntegerField(_("jobs"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("investment project")
        verbose_name_plural = _("investment projects")
        # NULLs (unsigned) last, spelled out so SQLite and PostgreSQL agree.
        ordering = [models.F("signed_on").desc(nulls_last=True), "-id"]
        permissions = [
            ("verify_project", _("Can verify signed investment projects")),
            ("view_staff_development", _("Can view investment staff development")),
            ("manage_fx_rate", _("Can maintain exchange rates")),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(total_investment__gte=0), name="project_total_nonnegative"),
            # One project of a given name per investor (the service says so first, naming the field).
            models.UniqueConstraint(fields=["investor_name", "name"], name="project_unique_investor_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def total_yi(self) -> Decimal:
        """Total investment in 亿元 (unrounded)."""
        return self.total_investment_cny / Decimal(100_000_000)

    @property
    def needs_next_step(self) -> bool:
        """An open project must always have a next step with a date."""
        return self.is_open and not (self.next_step and self.next_step_on)

    @property
    def is_open(self) -> bool:
        """Still being worked on."""
        return self.status not in (Status.LOST, Status.WITHDRAWN) and self.stage != Stage.PRODUCING


class CapacityLine(models.Model):
    """A product and yearly capacity at full production."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="capacity_lines")
    product = models.CharField(_("product"), max_length=100)
    quantity = models.DecimalField(_("annual quantity"), max_digits=16, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=4, choices=CapacityUnit.choices)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("capacity line")
        verbose_name_plural = _("capacity lines")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.product} {self.display_quantity}{self.unit}"

    @property
    def display_quantity(self) -> str:
        """The quantity as Chinese reports write it: 1000万 rather than 10000000."""
        quantity = self.quantity.normalize()
        if quantity >= 10000 and quantity % 10000 == 0:
            return f"{quantity / 10000:f}万".replace(".0万", "万")
        return f"{quantity:f}"


class StageChange(models.Model):
    """One move of a project's stage or status (the stage history)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stage_changes")
    field = models.CharField(max_length=10, default="stage")  # "stage" or "status"
    from_value = models.CharField(max_length=20, blank=True)
    to_value = models.CharField(max_length=20)
    on = models.DateField(_("date"))
    at = models.DateTimeField(_("recorded at"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.from_value} → {self.to_value}"


class NegotiationQuerySet(ScopedQuerySet):
    """Negotiations, scoped through their project's unit and owner."""


class Negotiation(TimeStampedModel):
    """One round of talks with an investor (洽谈记录), numbered per project."""

    scope_department_field = "project__unit"
    scope_owner_field = "project__owner"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="negotiations")
    round_number = models.PositiveIntegerField(_("round"))
    at = models.DateTimeField(_("held at"), db_index=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.VIDEO)
    our_participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("our participants"), blank=True, related_name="investment_negotiations"
    )
    leaders_present = models.CharField(_("leaders present"), max_length=200, blank=True)
    their_participants = models.CharField(_("their participants"), max_length=300, blank=True)
    summary = models.TextField(_("summary"))
    issues = models.JSONField(_("issues raised"), default=list, blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_step_on = models.DateField(_("next step on"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    objects = NegotiationQuerySet.as_manager()

    class Meta:
        verbose_name = _("negotiation")
        verbose_name_plural = _("negotiations")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "round_number"], name="negotiation_unique_round"),
        ]

    def __str__(self) -> str:
        return f"{self.project} #{self.round_number}"

    @property
    def issue_labels(self) -> list[str]:
        """The issues raised, as people read them (Land, Funding …) rather than their codes."""
        labels = dict(Issue.choices)
        return [str(labels.get(code, code)) for code in self.issues or []]


class ThresholdBucket(models.Model):
    """A reporting threshold ("总投资5亿元以上项目" ≥ 5亿元 on all projects), kept as data."""

    label = models.CharField(_("label"), max_length=60)
    amount = models.DecimalField(_("amount"), **AMOUNT)
    currency = models.ForeignKey(Currency, verbose_name=_("currency"), on_delete=models.PROTECT, related_name="+")
    comparison = models.CharField(_("comparison"), max_length=3, choices=Comparison.choices, default=Comparison.GTE)
    applies_to = models.CharField(_("applies to"), max_length=10, choices=AppliesTo.choices, default=AppliesTo.ALL)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("threshold bucket")
        verbose_name_plural = _("threshold buckets")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.label


class TrainingSession(models.Model):
    """A training class for investment staff (e.g. 砺剑班)."""

    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("attendees"), blank=True, related_name="investment_trainings"
    )
    materials = models.TextField(_("materials"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "starts_on"], name="training_unique_name_start"),
        ]

    def __str__(self) -> str:
        return self.name


class StaffNote(models.Model):
    """An observation of the organisation department about an investment staff member against a quality."""

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="investment_notes")
    quality = models.CharField(_("quality"), max_length=20, choices=Quality.choices)
    note = models.TextField(_("note"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff note")
        verbose_name_plural = _("staff notes")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.staff} · {self.get_quality_display()}"


def attachment_path(instance: ProjectAttachment, filename: str) -> str:
    """Files go under investment/<project id>/."""
    return f"investment/{instance.project_id}/{filename}"


class ProjectAttachment(models.Model):
    """A file on a project: negotiation minutes, verification evidence (contract, registration) or other."""

    class Kind(models.TextChoices):
        MINUTES = "minutes", _("Negotiation minutes")
        EVIDENCE = "evidence", _("Verification evidence")
        OTHER = "other", _("Other")

    ALLOWED_EXTENSIONS = ("jpg", "jpeg", "png", "pdf", "doc", "docx", "xls", "xlsx", "txt")
    MAX_BYTES = 10 * 1024 * 1024

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="attachments")
    negotiation = models.ForeignKey(
        Negotiation, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(_("file"), upload_to=attachment_path)
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("project attachment")
        verbose_name_plural = _("project attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name
