"""Choices of the service desk and the transition tables of cases and department tasks."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    """How a case reached the desk."""

    HOTLINE = "hotline", _("Hotline")
    WEBSITE = "website", _("Website form")
    WALK_IN = "walk_in", _("Walk-in")
    FIELD_VISIT = "field_visit", _("Field visit")
    GRID = "grid", _("Grid worker")
    API = "api", _("Open311 / API")
    INTERNAL = "internal", _("Internal")


class Priority(models.TextChoices):
    """How fast the case must move."""

    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")
    EMERGENCY = "emergency", _("Emergency")


class CaseStatus(models.TextChoices):
    """The case's place in the closed loop 受理 → 派单 → 签收 → 办理 → 办结 → 回访 → 归档."""

    REGISTERED = "registered", _("Registered")
    DISPATCHED = "dispatched", _("Dispatched")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    RETURNED = "returned", _("Returned")
    ARBITRATION = "arbitration", _("Arbitration")
    SUSPENDED = "suspended", _("Suspended")
    RESOLVED = "resolved", _("Resolved")
    FOLLOWED_UP = "followed_up", _("Followed up")
    CLOSED = "closed", pgettext_lazy("case status", "Closed")


S = CaseStatus

# Allowed case transitions (core.workflow.transition). A second return goes straight to arbitration;
# a suspended case resumes to the state it left; an unsatisfied follow-up or a reopen sends it back
# to the department (重办); only an anonymous case (nobody to call back) closes straight from resolved.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.REGISTERED: frozenset({S.DISPATCHED, S.CLOSED, S.SUSPENDED}),
    S.DISPATCHED: frozenset({S.ACCEPTED, S.RETURNED, S.ARBITRATION, S.SUSPENDED}),
    S.ACCEPTED: frozenset({S.IN_PROGRESS, S.RETURNED, S.ARBITRATION, S.SUSPENDED, S.RESOLVED}),
    S.IN_PROGRESS: frozenset({S.RESOLVED, S.SUSPENDED}),
    S.RETURNED: frozenset({S.DISPATCHED, S.ARBITRATION}),
    S.ARBITRATION: frozenset({S.DISPATCHED}),
    S.SUSPENDED: frozenset({S.REGISTERED, S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS}),
    S.RESOLVED: frozenset({S.FOLLOWED_UP, S.IN_PROGRESS, S.CLOSED}),
    S.FOLLOWED_UP: frozenset({S.CLOSED, S.IN_PROGRESS}),
    S.CLOSED: frozenset(),
}

# States in which the SLA clock runs (the case sits with a department).
OPEN_WITH_DEPARTMENT = (S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS)
# Open311 "open" = before resolution.
OPEN_STATES = (S.REGISTERED, S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.RETURNED, S.ARBITRATION, S.SUSPENDED)
DONE_STATES = (S.RESOLVED, S.FOLLOWED_UP, S.CLOSED)


class TaskRole(models.TextChoices):
    """主办 / 协办."""

    LEAD = "lead", pgettext_lazy("task role", "Lead")
    ASSISTING = "assisting", _("Assisting")


class TaskStatus(models.TextChoices):
    """A department task's own progress."""

    PENDING = "pending", _("Waiting for sign-for")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    RETURNED = "returned", _("Returned")
    RESOLVED = "resolved", _("Resolved")
    CANCELLED = "cancelled", _("Cancelled")


T = TaskStatus

TASK_TRANSITIONS: dict[str, frozenset[str]] = {
    T.PENDING: frozenset({T.ACCEPTED, T.RETURNED, T.CANCELLED}),
    T.ACCEPTED: frozenset({T.IN_PROGRESS, T.RETURNED, T.RESOLVED, T.CANCELLED}),
    T.IN_PROGRESS: frozenset({T.RESOLVED, T.CANCELLED}),
    T.RESOLVED: frozenset({T.IN_PROGRESS, T.CANCELLED}),
    T.RETURNED: frozenset(),
    T.CANCELLED: frozenset(),
}
ACTIVE_TASK_STATES = (T.PENDING, T.ACCEPTED, T.IN_PROGRESS, T.RESOLVED)


class ReturnReason(models.TextChoices):
    """Why a department returns a task (退单理由)."""

    NOT_LOCAL = "not_local", _("Not in our area (属地不符)")
    NOT_OUR_DUTY = "not_our_duty", _("Not our responsibility (职能不符)")
    SHARED_DUTY = "shared_duty", _("Shared responsibility (职能交叉)")
    INSUFFICIENT_INFO = "insufficient_info", _("Insufficient information")
    OTHER = "other", _("Other")


class Satisfaction(models.TextChoices):
    """满意 / 基本满意 / 不满意."""

    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class FollowUpMethod(models.TextChoices):
    """How the requester was reached for the follow-up."""

    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    VISIT = "visit", _("Visit")


class ExtensionStatus(models.TextChoices):
    """An extension request's decision."""

    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class SupervisionLevel(models.IntegerChoices):
    """督办 levels: none, the centre's reminder, the centre's supervision notice, escalation to leaders."""

    NONE = 0, _("None")
    REMINDER = 1, _("Reminder (催办)")
    SUPERVISION = 2, _("Supervision (督办)")
    LEADER = 3, _("Escalated to leaders")


class EventKind(models.TextChoices):
    """What a timeline entry records."""

    REGISTERED = "registered", _("Registered")
    ANSWERED = "answered", _("Answered at intake")
    DISPATCHED = "dispatched", _("Dispatched")
    ACCEPTED = "accepted", _("Signed for")
    STARTED = "started", _("Handling started")
    PROGRESS = "progress", _("Progress note")
    RETURNED = "returned", _("Returned")
    ARBITRATED = "arbitrated", _("Arbitrated")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    EXTENSION_DECIDED = "extension_decided", _("Extension decided")
    SUSPENDED = "suspended", _("Suspended")
    RESUMED = "resumed", _("Resumed")
    SUPERVISED = "supervised", _("Supervised")
    TASK_RESOLVED = "task_resolved", _("Task resolved")
    RESOLVED = "resolved", _("Resolved")
    FOLLOWED_UP = "followed_up", _("Followed up")
    REDONE = "redone", _("Sent back for redo")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", pgettext_lazy("case status", "Closed")
    WARNED = "warned", _("Deadline warning")
    OVERDUE = "overdue", _("Overdue")
    ATTACHMENT = "attachment", _("Attachment added")
    MERGED = "merged", _("Merged as a duplicate")


EXTENSION_TRANSITIONS: dict[str, frozenset[str]] = {
    ExtensionStatus.PENDING: frozenset({ExtensionStatus.APPROVED, ExtensionStatus.REFUSED}),
    ExtensionStatus.APPROVED: frozenset(),
    ExtensionStatus.REFUSED: frozenset(),
}
