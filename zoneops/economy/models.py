"""Economic indicators: regions, peer sets, indicators, cumulative periods, values, revisions, locks, targets."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zoneops.core.errors import DomainError
from zoneops.core.models import TimeStampedModel
from zoneops.core.scopes import ScopedQuerySet

# Decimal storage: levels to 4 places (亿美元 with 2 decimals still has room), rates and shares to 2.
LEVEL_DIGITS = {"max_digits": 20, "decimal_places": 4}
RATE_DIGITS = {"max_digits": 9, "decimal_places": 2}


class RegionKind(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    COUNTY = "county", _("County / county-level city")
    ZONE = "zone", _("Development zone")


class Region(models.Model):
    """A statistical region: the city, its districts and counties, and the development zones in it."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=RegionKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("city"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    @property
    def city(self) -> Region:
        """The city this region belongs to (itself for a city)."""
        return self if self.kind == RegionKind.CITY or self.parent is None else self.parent


class PeerSet(models.Model):
    """A named set of regions ranked against each other (e.g. the national-level zones)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    regions = models.ManyToManyField(Region, verbose_name=_("regions"), related_name="peer_sets")

    class Meta:
        ordering = ["code"]
        verbose_name = _("peer set")
        verbose_name_plural = _("peer sets")

    def __str__(self) -> str:
        return self.name


class IndicatorKind(models.TextChoices):
    LEVEL = "level", _("Cumulative level")
    RATE = "rate", _("Rate only")
    SHARE = "share", _("Share (numerator / denominator)")


class RankBy(models.TextChoices):
    GROWTH = "growth", _("Growth rate")
    VALUE = "value", _("Value")


class ShareBase(models.TextChoices):
    YEAR_END = "year_end", _("Last year-end")
    SAME_PERIOD = "same_period", _("Same period last year")


UNITS = ("亿元", "万元", "亿美元", "万美元", "%", "万吨", "万千瓦时", "个", "家", "人")


class Indicator(TimeStampedModel):
    """An indicator as data (DHIS2-style): unit, decimals, kind, numerator / denominator for shares."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    unit = models.CharField(_("unit"), max_length=10)
    decimals = models.PositiveSmallIntegerField(_("decimals"), default=1)
    kind = models.CharField(_("kind"), max_length=10, choices=IndicatorKind.choices, default=IndicatorKind.LEVEL)
    numerator = models.ForeignKey(
        "self", verbose_name=_("numerator"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    denominator = models.ForeignKey(
        "self", verbose_name=_("denominator"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    share_base = models.CharField(
        _("share compared with"), max_length=12, choices=ShareBase.choices, default=ShareBase.YEAR_END
    )
    source_department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("source department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    rank_by = models.CharField(_("rank by"), max_length=10, choices=RankBy.choices, default=RankBy.GROWTH)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # The bulletin phrase: Python format fields {name} {value} {unit} {growth_phrase} {gap_phrase} {rank_phrase}
    # {share} {share_change_phrase}; empty = not in the bulletin.
    bulletin_name = models.CharField(_("name in the bulletin"), max_length=60, blank=True)
    bulletin_template = models.CharField(_("bulletin phrase"), max_length=200, blank=True)
    bulletin_order = models.PositiveSmallIntegerField(_("bulletin order"), default=0)
    bulletin_attach = models.BooleanField(
        _("attach to the previous phrase"), default=False, help_text=_("joined with a comma instead of a semicolon")
    )

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        permissions = [("manage_indicator", _("Can manage indicators"))]

    def __str__(self) -> str:
        return self.name

    @property
    def is_computed_share(self) -> bool:
        """A share computed from two other indicators (never entered)."""
        return self.kind == IndicatorKind.SHARE and self.numerator_id is not None and self.denominator_id is not None


_MONTH_CODE = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER_CODE = re.compile(r"^(\d{4})Q([1-4])$")


def parse_period_code(code: str) -> tuple[int, int]:
    """(year, last month) of a period code: "2022-03" (1–3月 cumulative) or "2022Q1" (the same period)."""
    text = (code or "").strip().upper()
    match = _MONTH_CODE.match(text)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
    else:
        match = _QUARTER_CODE.match(text)
        if not match:
            raise DomainError(
                _("Unknown period code %(code)r: use 2022-03 or 2022Q1.") % {"code": code}, field="period"
            )
        year, month = int(match.group(1)), int(match.group(2)) * 3
    if not 1 <= month <= 12 or not 1990 <= year <= 2100:
        raise DomainError(_("Unknown period code %(code)r: use 2022-03 or 2022Q1.") % {"code": code}, field="period")
    return year, month


def period_code(year: int, month_end: int) -> str:
    """The canonical code of a cumulative period."""
    return f"{year:04d}-{month_end:02d}"


_QUARTER_LABELS = {3: "一季度", 6: "上半年", 9: "前三季度", 12: "全年"}


def period_label(month_end: int) -> str:
    """How bulletins name a cumulative period: 一季度, 上半年, 前三季度, 全年, else 1—N月."""
    return _QUARTER_LABELS.get(month_end) or ("1月" if month_end == 1 else f"1—{month_end}月")


class Period(models.Model):
    """A cumulative period January–month_end of a year; a quarter code names the month that ends it."""

    code = models.CharField(_("code"), max_length=7, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    month_end = models.PositiveSmallIntegerField(_("last month"))
    label = models.CharField(_("label"), max_length=20)

    class Meta:
        ordering = ["year", "month_end"]
        constraints = [models.UniqueConstraint(fields=["year", "month_end"], name="economy_period_year_month")]
        verbose_name = _("period")
        verbose_name_plural = _("periods")

    def __str__(self) -> str:
        return f"{self.year}年{self.label}"

    @property
    def quarter_code(self) -> str:
        """ "2022Q1" for a quarter-ending month, else the month code."""
        return f"{self.year}Q{self.month_end // 3}" if self.month_end % 3 == 0 else self.code


class ValueStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ValueQuerySet(ScopedQuerySet):
    """Values are not tied to departments: holding the permission shows every region's figures."""


class Value(models.Model):
    """One figure: region × indicator × cumulative period, with the official growth next to it."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="values")
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="values"
    )
    period = models.ForeignKey(Period, verbose_name=_("period"), on_delete=models.PROTECT, related_name="values")
    value = models.DecimalField(_("value"), null=True, blank=True, **LEVEL_DIGITS)
    growth_pct = models.DecimalField(_("official growth %"), null=True, blank=True, **RATE_DIGITS)
    prior_value = models.DecimalField(_("prior-year value"), null=True, blank=True, **LEVEL_DIGITS)
    status = models.CharField(_("status"), max_length=10, choices=ValueStatus.choices, default=ValueStatus.DRAFT)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"))

    objects = ValueQuerySet.as_manager()

    class Meta:
        ordering = ["period", "indicator__sort_order", "region__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["region", "indicator", "period"], name="economy_value_key"),
        ]
        permissions = [("publish_period", _("Can publish a period"))]
        verbose_name = _("value")
        verbose_name_plural = _("values")

    def __str__(self) -> str:
        return f"{self.region} {self.indicator} {self.period}"


class ValueRevision(models.Model):
    """A change to a published figure (快报 → 年报): before, after, who, when and why."""

    value = models.ForeignKey(Value, verbose_name=_("value"), on_delete=models.CASCADE, related_name="revisions")
    old_value = models.DecimalField(_("old value"), null=True, blank=True, **LEVEL_DIGITS)
    new_value = models.DecimalField(_("new value"), null=True, blank=True, **LEVEL_DIGITS)
    old_growth_pct = models.DecimalField(_("old growth %"), null=True, blank=True, **RATE_DIGITS)
    new_growth_pct = models.DecimalField(_("new growth %"), null=True, blank=True, **RATE_DIGITS)
    old_prior_value = models.DecimalField(_("old prior-year value"), null=True, blank=True, **LEVEL_DIGITS)
    new_prior_value = models.DecimalField(_("new prior-year value"), null=True, blank=True, **LEVEL_DIGITS)
    reason = models.CharField(_("reason"), max_length=200)
    revised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("revised by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    revised_at = models.DateTimeField(_("revised at"))

    class Meta:
        ordering = ["-revised_at", "-pk"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")

    def __str__(self) -> str:
        return f"{self.value} @ {self.revised_at:%Y-%m-%d %H:%M}"


class PeriodLock(models.Model):
    """A period published for a city's regions: later changes need a revision with a reason."""

    city = models.ForeignKey(Region, verbose_name=_("city"), on_delete=models.PROTECT, related_name="locks")
    period = models.ForeignKey(Period, verbose_name=_("period"), on_delete=models.PROTECT, related_name="locks")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["city", "period"], name="economy_lock_city_period")]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")

    def __str__(self) -> str:
        return f"{self.city} {self.period}"


class AnnualTarget(models.Model):
    """The year's target of an indicator for a region, for 时序进度."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="targets")
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="targets"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    target = models.DecimalField(_("target"), **LEVEL_DIGITS)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region", "indicator", "year"], name="economy_target_key"),
        ]
        verbose_name = _("annual target")
        verbose_name_plural = _("annual targets")

    def __str__(self) -> str:
        return f"{self.region} {self.indicator} {self.year}"
