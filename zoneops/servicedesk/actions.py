"""Audit action codes of the service desk."""

from django.utils.translation import gettext_lazy as _

from zoneops.audit.catalogue import register

CASE_REGISTERED = register("servicedesk.case_registered", _("Case registered"))
CASE_ANSWERED = register("servicedesk.case_answered", _("Case answered and closed at intake"))
CASE_DISPATCHED = register("servicedesk.case_dispatched", _("Case dispatched"))
TASK_ACCEPTED = register("servicedesk.task_accepted", _("Task signed for"))
TASK_STARTED = register("servicedesk.task_started", _("Task handling started"))
TASK_PROGRESS = register("servicedesk.task_progress", _("Task progress noted"))
TASK_RETURNED = register("servicedesk.task_returned", _("Task returned"))
CASE_ARBITRATED = register("servicedesk.case_arbitrated", _("Case arbitrated"))
EXTENSION_REQUESTED = register("servicedesk.extension_requested", _("Extension requested"))
EXTENSION_DECIDED = register("servicedesk.extension_decided", _("Extension decided"))
CASE_SUSPENDED = register("servicedesk.case_suspended", _("Case suspended"))
CASE_RESUMED = register("servicedesk.case_resumed", _("Case resumed"))
CASE_SUPERVISED = register("servicedesk.case_supervised", _("Case supervised"))
TASK_RESOLVED = register("servicedesk.task_resolved", _("Task resolved"))
CASE_RESOLVED = register("servicedesk.case_resolved", _("Case resolved"))
CASE_FOLLOWED_UP = register("servicedesk.case_followed_up", _("Case followed up"))
CASE_REDONE = register("servicedesk.case_redone", _("Case sent back for redo"))
CASE_REOPENED = register("servicedesk.case_reopened", _("Case reopened"))
CASE_CLOSED = register("servicedesk.case_closed", _("Case closed"))
CASE_WARNED = register("servicedesk.case_warned", _("Case deadline warning"))
CASE_OVERDUE = register("servicedesk.case_overdue", _("Case marked overdue"))
ATTACHMENT_ADDED = register("servicedesk.attachment_added", _("Case attachment added"))
CASE_MERGED = register("servicedesk.case_merged", _("Duplicate case merged"))
CASES_EXPORTED = register("servicedesk.cases_exported", _("Cases exported"))
CALENDAR_CHANGED = register("servicedesk.calendar_changed", _("Working-day calendar changed"))
