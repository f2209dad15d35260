"""Choices of the investment app and its transition tables."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Stage(models.TextChoices):
    """Where a project is in its life: lead → negotiating → signed → registered → started → producing."""

    LEAD = "lead", pgettext_lazy("project stage", "Lead")
    NEGOTIATING = "negotiating", _("Negotiating")
    SIGNED = "signed", _("Signed")
    REGISTERED = "registered", pgettext_lazy("project stage", "Registered")
    STARTED = "started", _("Construction started")
    PRODUCING = "producing", _("Producing")


STAGE_ORDER = [s.value for s in Stage]
# Stages that count as a signing in the statistics.
SIGNED_STAGES = STAGE_ORDER[STAGE_ORDER.index(Stage.SIGNED) :]

# One step forward at a time; a negotiation that cools down may go back to lead. No skipping, no un-signing.
STAGE_TRANSITIONS: dict[str, frozenset[str]] = {
    Stage.LEAD: frozenset({Stage.NEGOTIATING}),
    Stage.NEGOTIATING: frozenset({Stage.LEAD, Stage.SIGNED}),
    Stage.SIGNED: frozenset({Stage.REGISTERED}),
    Stage.REGISTERED: frozenset({Stage.STARTED}),
    Stage.STARTED: frozenset({Stage.PRODUCING}),
    Stage.PRODUCING: frozenset(),
}

# The date field set when a project reaches each stage.
STAGE_DATE_FIELDS = {
    Stage.LEAD: "lead_on",
    Stage.NEGOTIATING: "negotiating_on",
    Stage.SIGNED: "signed_on",
    Stage.REGISTERED: "registered_on",
    Stage.STARTED: "started_on",
    Stage.PRODUCING: "producing_on",
}


class Status(models.TextChoices):
    """How a project is going, independent of its stage."""

    NORMAL = "normal", _("Normal")
    DELAYED = "delayed", _("Delayed")
    STALLED = "stalled", _("Stalled")
    LOST = "lost", _("Lost")
    WITHDRAWN = "withdrawn", _("Withdrawn")


CLOSED_STATUSES = frozenset({Status.LOST, Status.WITHDRAWN})
STATUSES_NEEDING_REASON = frozenset({Status.DELAYED, Status.STALLED, Status.LOST, Status.WITHDRAWN})

# A lost project may be revived (盘活); a withdrawn one is final.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NORMAL: frozenset({Status.DELAYED, Status.STALLED, Status.LOST, Status.WITHDRAWN}),
    Status.DELAYED: frozenset({Status.NORMAL, Status.STALLED, Status.LOST, Status.WITHDRAWN}),
    Status.STALLED: frozenset({Status.NORMAL, Status.DELAYED, Status.LOST, Status.WITHDRAWN}),
    Status.LOST: frozenset({Status.NORMAL}),
    Status.WITHDRAWN: frozenset(),
}


class Source(models.TextChoices):
    """Where the project came from."""

    INVESTOR_REFERRAL = "investor_referral", _("Referred by an investor (以商引商)")
    PROMOTION_EVENT = "promotion_event", _("Promotion event (推介会)")
    INTERMEDIARY = "intermediary", _("Intermediary (中介)")
    LEADER_ASSIGNED = "leader_assigned", _("Assigned by leaders (领导交办)")
    OTHER = "other", _("Other")


class AssignmentLevel(models.TextChoices):
    """The level of the leader who assigned the project (交办层级)."""

    NONE = "", _("—")
    ZONE = "zone", _("Zone")
    CITY = "city", _("City")
    PROVINCE = "province", _("Province")
    NATIONAL = "national", _("National")


class ConstructionType(models.TextChoices):
    """New project, expansion or capital increase."""

    NEW = "new", pgettext_lazy("construction type", "New")
    EXPANSION = "expansion", _("Expansion")
    CAPITAL_INCREASE = "capital_increase", _("Capital increase")


class Channel(models.TextChoices):
    """How a negotiation was held."""

    VIDEO = "video", _("Video")
    ONSITE = "onsite", _("On site")
    PHONE = "phone", _("Phone")
    OTHER = "other", _("Other")


class Issue(models.TextChoices):
    """Issues an investor raised in a negotiation."""

    LAND = "land", _("Land")
    FUNDING = "funding", _("Funding")
    APPROVALS = "approvals", _("Approvals")
    POLICY = "policy", _("Policy")
    TALENT = "talent", _("Talent")
    SUPPLY_CHAIN = "supply_chain", _("Supply chain")
    OTHER = "other", _("Other")


class Comparison(models.TextChoices):
    """How a threshold bucket compares an amount."""

    GTE = "gte", _("At least")
    GT = "gt", _("More than")


class AppliesTo(models.TextChoices):
    """Which projects a threshold bucket considers."""

    ALL = "all", _("All projects")
    DOMESTIC = "domestic", _("Domestic projects")
    FOREIGN = "foreign", _("Foreign projects")


class Basis(models.TextChoices):
    """Claimed signings, or only those verified by 行政审批局 / statistics."""

    CLAIMED = "claimed", _("Claimed")
    VERIFIED = "verified", _("Verified")


class Quality(models.TextChoices):
    """The seven qualities the organisation department looks for in investment staff."""

    THINKING = "thinking", _("Thoughtful (有思考)")
    RESPONSIBILITY = "responsibility", _("Takes responsibility (有担当)")
    RESOURCEFUL = "resourceful", _("Resourceful (有办法)")
    INDUSTRY = "industry", _("Knows industry (懂产业)")
    ECONOMY = "economy", _("Knows economics (懂经济)")
    INVESTMENT = "investment", _("Good at attracting investment (会招商)")
    SERVICE = "service", _("Good at serving (会服务)")


class CapacityUnit(models.TextChoices):
    """Units of capacity lines."""

    PIECE = "片", _("pieces (片)")
    SET = "套", _("sets (套)")
    ITEM = "件", _("items (件)")
    TONNE = "吨", _("tonnes (吨)")
    UNIT = "台", _("units (台)")
