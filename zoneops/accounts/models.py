"""Departments, users, posts, roles with data scopes, API tokens and login security records."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Permission
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from zoneops.core.fields import DigestField, PersonalDataField
from zoneops.core.models import TimeStampedModel
from zoneops.core.scopes import ScopedQuerySet


class DepartmentKind(models.TextChoices):
    """Kinds of unit in the zone's organisation tree (DESIGN.md glossary)."""

    COMMITTEE = "committee", _("Committee")
    BUREAU = "bureau", _("Bureau")
    OFFICE = "office", _("Office")
    INVESTMENT_UNIT = "investment_unit", _("Investment unit")
    TASK_FORCE = "task_force", _("Task force")
    SUBDISTRICT = "subdistrict", _("Subdistrict")
    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Grid")
    CHECKPOINT = "checkpoint", _("Checkpoint")
    EXTERNAL = "external", _("External organisation")


class DepartmentQuerySet(ScopedQuerySet):
    """Departments, with tree helpers."""

    scope_department_field = "pk"

    def subtree_of(self, department: Department) -> DepartmentQuerySet:
        """The department and all below it."""
        return self.filter(path__startswith=department.path)

    def active(self) -> DepartmentQuerySet:
        """Departments not disabled."""
        return self.filter(is_active=True)


class Department(TimeStampedModel):
    """A unit of the zone: committee, bureau, office, investment unit, subdistrict, community, grid …"""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=DepartmentKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path of primary keys ("/1/4/9/") so "this department and below" is one indexed prefix query.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # The department's head (负责人, RuoYi's sys_dept.leader): an active member, kept so by the org services.
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["path", "sort_order"]
        permissions = [("manage_department", _("Can manage departments"))]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        """Primary keys from the root down to this department."""
        return [int(part) for part in self.path.strip("/").split("/") if part]


class UserQuerySet(ScopedQuerySet):
    """Users, scoped by their main department."""

    scope_department_field = "department"
    scope_owner_field = "pk"


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    """User manager whose querysets are scoped (`User.objects.visible_to(user, perm)`)."""


class User(AbstractUser):
    """A person who signs in: staff, grid worker, enterprise contact, rider or resident."""

    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("main department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    title = models.CharField(_("job title"), max_length=60, blank=True)
    mobile = PersonalDataField(_("mobile"), kind="mobile")
    mobile_digest = DigestField(source="mobile")
    roles = models.ManyToManyField("Role", verbose_name=_("roles"), blank=True, related_name="users")
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    # Demo accounts may skip first-login change and administrator 2FA while ZONEOPS_DEMO_MODE is on.
    is_demo = models.BooleanField(default=False, editable=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        permissions = [
            ("manage_user", _("Can manage users")),
            ("manage_role", _("Can manage roles")),
            ("view_personal_data", _("Can view unmasked personal data")),
            ("manage_sessions", _("Can view and end sessions")),
            ("view_login_log", _("Can view the login log")),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        """Full name if known, else the username."""
        return self.full_name or self.username


class Post(models.Model):
    """A post a user holds in a department besides the main one (兼职)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="posts")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="posts")
    title = models.CharField(_("job title"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [models.UniqueConstraint(fields=["user", "department"], name="post_unique_user_department")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.department}"


class DataScope(models.TextChoices):
    """RuoYi data scopes, which Chinese back-office staff know by number 1–5."""

    ALL = "all", _("All data")
    CUSTOM = "custom", _("Chosen departments")
    DEPARTMENT = "department", _("Own department")
    DEPARTMENT_AND_BELOW = "department_and_below", _("Own department and below")
    SELF = "self", _("Only own records")


class AdminKind(models.TextChoices):
    """The three separated administrators (三员分立)."""

    NONE = "", _("Business role")
    SYSTEM = "system", _("System administrator")
    SECURITY = "security", _("Security administrator")
    AUDIT = "audit", _("Audit administrator")


class Role(TimeStampedModel):
    """A set of permissions with a data scope; a user's roles combine with OR."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    description = models.CharField(_("description"), max_length=200, blank=True)
    permissions = models.ManyToManyField(Permission, verbose_name=_("permissions"), blank=True)
    data_scope = models.CharField(_("data scope"), max_length=24, choices=DataScope.choices, default=DataScope.SELF)
    departments = models.ManyToManyField(
        Department, verbose_name=_("chosen departments"), blank=True, related_name="scoped_roles"
    )
    admin_kind = models.CharField(_("administrator kind"), max_length=10, choices=AdminKind.choices, blank=True)
    is_builtin = models.BooleanField(_("built in"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_owner_field = "user"

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoginAttempt(models.Model):
    """One sign-in attempt (web or API): the login log and the lockout counter."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Succeeded")
        FAILURE = "failure", _("Wrong credentials")
        LOCKED = "locked", _("Refused: locked out")
        INACTIVE = "inactive", _("Refused: account disabled")
        OTP_FAILURE = "otp_failure", _("Wrong one-time code")
        LOGOUT = "logout", _("Signed out")

    username = models.CharField(_("username"), max_length=150, db_index=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="login_attempts")
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True, db_index=True)
    channel = models.CharField(_("channel"), max_length=10, default="web")
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("login attempt")
        verbose_name_plural = _("login log")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["username", "outcome", "at"], name="login_user_outcome_at"),
            models.Index(fields=["ip", "outcome", "at"], name="login_ip_outcome_at"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.outcome} {self.at:%Y-%m-%d %H:%M}"


class PasswordHistory(models.Model):
    """Earlier password hashes, so the last five cannot be reused."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"


class UserSession(models.Model):
    """A signed-in browser session, so sessions can be listed and ended per user."""

    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("signed in at"))
    last_seen_at = models.DateTimeField(_("last seen at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"
