"""The enterprise registry: enterprises, their contacts and tags."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zoneops.core.fields import DigestField, PersonalDataField
from zoneops.core.models import TimeStampedModel
from zoneops.core.scopes import ScopedQuerySet

if TYPE_CHECKING:
    from zoneops.accounts.models import User


class Industry(models.TextChoices):
    """National economic sector of an enterprise (kept simple; leading industries live in investment)."""

    MANUFACTURING = "manufacturing", _("Manufacturing")
    CHEMICALS = "chemicals", _("Chemicals")
    BIOMEDICINE = "biomedicine", _("Biomedicine")
    NEW_ENERGY = "new_energy", _("New energy")
    NEW_MATERIALS = "new_materials", _("New materials")
    ELECTRONICS = "electronics", _("Electronic information")
    INFORMATION_TECHNOLOGY = "information_technology", _("Information technology")
    CONSTRUCTION = "construction", _("Construction")
    TRANSPORT = "transport", _("Transport and logistics")
    WHOLESALE_RETAIL = "wholesale_retail", _("Wholesale and retail")
    CATERING = "catering", _("Accommodation and catering")
    FINANCE = "finance", _("Finance")
    REAL_ESTATE = "real_estate", _("Real estate")
    SERVICES = "services", _("Business services")
    OTHER = "other", _("Other")


class ListingBoard(models.TextChoices):
    """Where a listed enterprise's shares trade."""

    MAIN = "main", _("Main board")
    CHINEXT = "chinext", _("ChiNext")
    STAR = "star", _("STAR Market")
    BSE = "bse", _("Beijing Stock Exchange")
    HKEX = "hkex", _("Hong Kong")
    US = "us", _("United States")
    OTHER = "other", _("Other")


class EnterpriseStatus(models.TextChoices):
    """Whether the enterprise operates in the zone, has closed, or is a prospective investor not registered yet.

    A prospect (意向投资方) is an investor known by name only, usually from outside the zone: it has no credit code
    (NULL) until one is entered, which turns it into an active registered enterprise.
    """

    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")
    PROSPECT = "prospect", _("Prospective investor")


# Workflow table for core.workflow.transition.
STATUS_TRANSITIONS = {
    EnterpriseStatus.ACTIVE: {EnterpriseStatus.CLOSED},
    EnterpriseStatus.CLOSED: {EnterpriseStatus.ACTIVE},
}


class Tag(models.Model):
    """A free label put on enterprises (e.g. 专精特新, 高新技术企业)."""

    name = models.CharField(_("name"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EnterpriseQuerySet(ScopedQuerySet):
    """Enterprises, scoped by subdistrict; an enterprise contact who signs in sees their own enterprise."""

    scope_department_field = "subdistrict"
    scope_owner_field = "contacts__user"

    def visible_to(self, user: User | None, perm: str) -> EnterpriseQuerySet:
        """Rows `user` may see; the owner path crosses a to-many relation, so narrow by primary key."""
        scoped = super().visible_to(user, perm)
        if scoped is self or scoped.query.is_empty():
            return scoped
        # One row per enterprise whatever the number of contacts (no DISTINCT needed by callers).
        return self.filter(pk__in=scoped.values("pk"))

    def active(self) -> EnterpriseQuerySet:
        """Registered enterprises not closed (prospects are not registered yet)."""
        return self.filter(status=EnterpriseStatus.ACTIVE)

    def registered(self) -> EnterpriseQuerySet:
        """Enterprises with a credit code, active or closed (not prospects)."""
        return self.exclude(status=EnterpriseStatus.PROSPECT)

    def prospects(self) -> EnterpriseQuerySet:
        """Prospective investors without a credit code yet."""
        return self.filter(status=EnterpriseStatus.PROSPECT)


class Enterprise(TimeStampedModel):
    """An enterprise registered in the zone, identified by its unified social credit code.

    A prospective investor (status "prospect") has no code yet: `uscc` is NULL (never ""), so the unique
    constraint still holds for real codes on SQLite and PostgreSQL alike.
    """

    name = models.CharField(_("name"), max_length=200, db_index=True)
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True, null=True, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=60, blank=True)
    industry = models.CharField(_("industry"), max_length=30, choices=Industry.choices, default=Industry.OTHER)
    address = models.CharField(_("address"), max_length=255, blank=True)
    subdistrict = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("subdistrict"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
        limit_choices_to={"kind": "subdistrict"},
    )
    established_on = models.DateField(_("established on"), null=True, blank=True)
    settled_on = models.DateField(_("settled in the zone on"), null=True, blank=True)
    registered_capital = models.DecimalField(
        _("registered capital (yuan)"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    group_name = models.CharField(_("parent group"), max_length=200, blank=True)
    is_key = models.BooleanField(_("key enterprise"), default=False)
    is_supply_assured = models.BooleanField(_("supply-assured enterprise"), default=False)
    is_listed = models.BooleanField(_("listed"), default=False)
    listing_board = models.CharField(_("listing board"), max_length=10, choices=ListingBoard.choices, blank=True)
    ticker = models.CharField(_("ticker"), max_length=20, blank=True)
    is_foreign_funded = models.BooleanField(_("foreign-funded"), default=False)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="enterprises")
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EnterpriseStatus.choices, default=EnterpriseStatus.ACTIVE, db_index=True
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name", "pk"]
        permissions = [
            ("export_enterprise", _("Can export enterprises")),
            ("import_enterprise", _("Can import enterprises")),
        ]
        constraints = [
            # A prospect has no credit code; every other enterprise has one (and never an empty string).
            models.CheckConstraint(
                condition=(Q(status=EnterpriseStatus.PROSPECT) & Q(uscc__isnull=True))
                | (~Q(status=EnterpriseStatus.PROSPECT) & Q(uscc__isnull=False) & ~Q(uscc="")),
                name="enterprise_uscc_unless_prospect",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_prospect(self) -> bool:
        """A prospective investor whose credit code is still to be entered."""
        return self.status == EnterpriseStatus.PROSPECT

    @property
    def registered_capital_wan(self) -> Decimal | None:
        """Registered capital in 万元, the unit Chinese reports use."""
        if self.registered_capital is None:
            return None
        return (self.registered_capital / Decimal(10000)).quantize(Decimal("0.01"))


class EnterpriseContact(models.Model):
    """A person to call at an enterprise; `user` is set when the contact signs in to ZoneOps."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=60)
    title = models.CharField(_("job title"), max_length=60, blank=True)
    mobile = PersonalDataField(_("mobile"), kind="mobile")
    mobile_digest = DigestField(source="mobile")
    is_primary = models.BooleanField(_("primary contact"), default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enterprise_contacts",
    )

    class Meta:
        verbose_name = _("enterprise contact")
        verbose_name_plural = _("enterprise contacts")
        ordering = ["-is_primary", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"], condition=Q(is_primary=True), name="enterprise_one_primary_contact"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.enterprise_id})"
