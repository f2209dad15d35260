"""Cases (工单), department tasks, timeline, SLA rules, service catalogue and the working-day calendar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from zoneops.core.fields import DigestField, PersonalDataField
from zoneops.core.models import TimeStampedModel
from zoneops.core.scopes import ScopedQuerySet
from zoneops.servicedesk.choices import (
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

if TYPE_CHECKING:
    from zoneops.accounts.models import User


class HotlineCategory(models.Model):
    """One of the zone's hotline / website categories (12 in the seed) a hotline case names."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    number = models.CharField(_("phone number"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("hotline category")
        verbose_name_plural = _("hotline categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class SlaRule(models.Model):
    """Time limits per priority: sign-for in working hours, resolution in working days; emergency in wall-clock minutes."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    sign_working_hours = models.DecimalField(
        _("sign for within (working hours)"), max_digits=5, decimal_places=2, default=2
    )
    resolve_working_days = models.DecimalField(
        _("resolve within (working days)"), max_digits=5, decimal_places=2, default=5
    )
    urgent_sign_working_hours = models.DecimalField(
        _("urgent: sign for within (working hours)"), max_digits=5, decimal_places=2, default=1
    )
    urgent_resolve_working_days = models.DecimalField(
        _("urgent: resolve within (working days)"), max_digits=5, decimal_places=2, default=2
    )
    emergency_sign_minutes = models.PositiveIntegerField(_("emergency: sign for within (minutes)"), default=30)
    emergency_resolve_minutes = models.PositiveIntegerField(_("emergency: resolve within (minutes)"), default=120)

    class Meta:
        verbose_name = _("SLA rule")
        verbose_name_plural = _("SLA rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A node of the service catalogue with its default department, SLA rule and extra fields."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.CharField(_("description"), max_length=255, blank=True)
    default_department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("default department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sla_rule = models.ForeignKey(
        SlaRule, verbose_name=_("SLA rule"), on_delete=models.PROTECT, related_name="categories"
    )
    # [{"code": "workers", "label": "Number of workers", "type": "int|text|choice", "required": false, "choices": []}]
    extra_fields = models.JSONField(_("extra fields"), default=list, blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    is_consultation = models.BooleanField(_("consultation"), default=False)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class WorkCalendarOverride(models.Model):
    """An administrator's correction of the working-day calendar for one date."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'+' if self.is_workday else '-'}"


class CaseCounter(models.Model):
    """The last case sequence number used on one day (GD20220410-0007)."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day} #{self.last}"


class CaseQuerySet(ScopedQuerySet):
    """Cases: a department sees those it leads and those where it holds a task; owners see their own."""

    scope_department_field = "department"
    scope_owner_field = "created_by"

    def visible_to(self, user: User | None, perm: str, *, scan: bool = False) -> CaseQuerySet:
        """Rows `user` may see for `perm`: lead department, a task's department, or own records.

        `scan=True` plans the same rows for a newest-first page over many matches: the database walks
        the newest-first index and tests each row, instead of collecting every match and sorting them.
        """
        from zoneops.accounts.scoping import grants_for

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        grant = grants_for(user, perm)
        if grant.is_empty:
            return self.none()
        if grant.all:
            return self
        qs = self
        condition = Q(pk__in=[])
        if grant.department_ids:
            ids = sorted(grant.department_ids)
            if scan:
                # "+ 0" keeps the department index out of the plan, so the ORDER BY index drives it;
                # EXISTS probes one case's tasks instead of materialising every task of the department.
                qs = qs.alias(scan_department=F("department_id") + 0)
                # "+ 0" again so the probe looks up the case's few tasks, not every task of the department.
                tasks = CaseTask.objects.alias(scan_department=F("department_id") + 0)
                in_task = Exists(tasks.filter(case=OuterRef("pk"), scan_department__in=ids))
                condition |= Q(scan_department__in=ids) | Q(in_task)
            else:
                # A subquery keeps one row per case, so callers need no DISTINCT.
                tasks = CaseTask.objects.filter(department__in=ids).values("case_id")
                condition |= Q(department__in=ids) | Q(pk__in=tasks)
        if grant.own_records:
            condition |= Q(created_by=user.pk)
        return qs.filter(condition)

    def open(self) -> CaseQuerySet:
        """Cases not yet resolved."""
        from zoneops.servicedesk.choices import OPEN_STATES

        return self.filter(status__in=OPEN_STATES)


class Case(TimeStampedModel):
    """A request (工单 / 诉求) from an enterprise or a person, tracked from intake to archive."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    hotline = models.ForeignKey(
        HotlineCategory, verbose_name=_("hotline"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    requester_name = PersonalDataField(_("requester"), kind="name")
    requester_name_digest = DigestField(source="requester_name")
    requester_mobile = PersonalDataField(_("requester's mobile"), kind="mobile")
    requester_mobile_digest = DigestField(source="requester_mobile")
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="cases")
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=4000)
    address = models.CharField(_("address"), max_length=255, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    extra = models.JSONField(_("extra fields"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.REGISTERED)
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("lead department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_cases",
    )
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    sign_due_at = models.DateTimeField(_("sign for by"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("signed for at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    suspended_from = models.CharField(max_length=12, choices=CaseStatus.choices, blank=True, editable=False)
    warned_at = models.DateTimeField(_("deadline warning sent at"), null=True, blank=True)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    is_sign_overdue = models.BooleanField(_("signed for late"), default=False)
    supervision_level = models.PositiveSmallIntegerField(
        _("supervision"), choices=SupervisionLevel.choices, default=SupervisionLevel.NONE
    )
    return_count = models.PositiveSmallIntegerField(_("returns"), default=0)
    satisfaction = models.CharField(_("satisfaction"), max_length=20, choices=Satisfaction.choices, blank=True)
    first_contact_resolution = models.BooleanField(_("resolved at first contact"), default=False)
    answer = models.TextField(_("answer at intake"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("intake_case", _("Can register cases")),
            ("dispatch_case", _("Can dispatch cases")),
            ("handle_task", _("Can sign for, return and resolve own department's tasks")),
            ("arbitrate_case", _("Can arbitrate returned cases and decide extensions")),
            ("follow_up_case", _("Can follow up and close cases")),
            ("supervise_case", _("Can supervise cases")),
            ("view_kpi", _("Can view service desk KPIs")),
        ]
        indexes = [
            # Queues: by status newest first, per department, and deadlines for the sweep.
            models.Index(fields=["status", "-created_at", "-id"], name="case_status_newest"),
            models.Index(fields=["department", "status", "-created_at"], name="case_dept_status_newest"),
            models.Index(fields=["status", "due_at"], name="case_status_due"),
            models.Index(fields=["-created_at", "-id"], name="case_newest"),
            models.Index(fields=["category", "-created_at"], name="case_category_newest"),
            models.Index(fields=["department", "dispatched_at"], name="case_dept_dispatched"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def requester_display(self) -> str:
        """Who asked, masked: enterprise name, masked person name, or anonymous."""
        from zoneops.core.crypto import mask_name

        if self.is_anonymous:
            return str(_("Anonymous"))
        if self.enterprise_id:
            return self.enterprise.name
        return mask_name(self.requester_name)

    @property
    def requester_mobile_masked(self) -> str:
        """138****5678."""
        from zoneops.core.crypto import mask_mobile

        return mask_mobile(self.requester_mobile)


class CaseTaskQuerySet(ScopedQuerySet):
    """Department tasks, scoped by their department."""

    scope_department_field = "department"


class CaseTask(TimeStampedModel):
    """One department's share of a case (主办 / 协办) with its own sign-for, deadline and resolution."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="tasks")
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="case_tasks"
    )
    role = models.CharField(_("role"), max_length=10, choices=TaskRole.choices, default=TaskRole.LEAD)
    status = models.CharField(_("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    instructions = models.TextField(_("instructions"), blank=True)
    is_binding = models.BooleanField(_("binding (arbitrated)"), default=False)
    dispatched_at = models.DateTimeField(_("dispatched at"))
    sign_due_at = models.DateTimeField(_("sign for by"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("signed for at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed for by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_reason = models.CharField(_("return reason"), max_length=20, choices=ReturnReason.choices, blank=True)
    return_note = models.TextField(_("return note"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolution = models.TextField(_("resolution"), blank=True)
    is_overdue = models.BooleanField(_("overdue"), default=False)

    objects = CaseTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("department task")
        verbose_name_plural = _("department tasks")
        ordering = ["case", "-role", "pk"]
        indexes = [
            models.Index(fields=["department", "status", "due_at"], name="task_dept_status_due"),
            # KPIs: lead tasks dispatched in a period, per department and zone-wide.
            models.Index(fields=["department", "role", "dispatched_at"], name="task_dept_role_dispatched"),
            models.Index(fields=["role", "dispatched_at"], name="task_role_dispatched"),
        ]
        constraints = [
            # At most one live lead task per case.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(role="lead") & Q(status__in=["pending", "accepted", "in_progress", "resolved"]),
                name="task_one_live_lead",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.department_id} {self.role}"


class CaseEvent(models.Model):
    """One step of a case's timeline: who did what, when, from which state to which, with a note."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    task = models.ForeignKey(CaseTask, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("step"), max_length=24, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    department_name = models.CharField(_("department"), max_length=100, blank=True)
    at = models.DateTimeField(_("time"))
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["case", "at"], name="event_case_at")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """Files go under servicedesk/<case id>/."""
    return f"servicedesk/{instance.case_id}/{filename}"


class Attachment(models.Model):
    """A file attached to a case (photos, documents) within the type and size limits."""

    ALLOWED_EXTENSIONS = ("jpg", "jpeg", "png", "pdf", "doc", "docx", "xls", "xlsx", "txt")
    MAX_BYTES = 10 * 1024 * 1024

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    task = models.ForeignKey(CaseTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path)
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class ExtensionRequest(models.Model):
    """A department's request for more time on a task (延期), decided by the command centre."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    task = models.ForeignKey(CaseTask, on_delete=models.CASCADE, related_name="extensions")
    working_days = models.DecimalField(_("extra working days"), max_digits=5, decimal_places=2)
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("decision"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    previous_due_at = models.DateTimeField(null=True, blank=True)
    new_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["task"], condition=Q(status="pending"), name="extension_one_pending")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} +{self.working_days}"


class FollowUp(models.Model):
    """The desk's call-back (回访) after resolution, with the requester's satisfaction."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    method = models.CharField(_("method"), max_length=10, choices=FollowUpMethod.choices, default=FollowUpMethod.PHONE)
    satisfaction = models.CharField(_("satisfaction"), max_length=20, choices=Satisfaction.choices)
    reason = models.TextField(_("reason"), blank=True)
    is_attributable = models.BooleanField(_("attributable to the department"), default=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["at", "pk"]
        # The KPI rollup counts a day's follow-ups.
        indexes = [models.Index(fields=["at"], name="followup_at")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.satisfaction}"


class KpiDay(models.Model):
    """One calendar day of the KPI rollup: `dirty` until its rows are recomputed from the cases."""

    day = models.DateField(primary_key=True)
    dirty = models.BooleanField(default=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["dirty", "day"], name="kpiday_dirty")]

    def __str__(self) -> str:
        return f"{self.day} {'dirty' if self.dirty else 'clean'}"


class KpiDaily(models.Model):
    """Per department and day, the counts behind the KPIs (a cache of the case rows, rebuilt on demand).

    Task counts belong to the day the lead task was dispatched; follow-ups to the day they were made
    (attributed to the case's lead department); registrations to the day the case was registered
    (attributed to the registering user's department, NULL when that user has none).
    """

    day = models.DateField()
    department = models.ForeignKey("accounts.Department", null=True, on_delete=models.CASCADE, related_name="+")
    dispatched = models.PositiveIntegerField(default=0)
    signed = models.PositiveIntegerField(default=0)
    signed_on_time = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    resolved_on_time = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    handling_seconds = models.BigIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    registered = models.PositiveIntegerField(default=0)
    first_contact = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "department"], name="kpidaily_day_department")]
        indexes = [models.Index(fields=["department", "day"], name="kpidaily_department_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.department_id}"
