"""Audit action codes of the investment app."""

from django.utils.translation import gettext_lazy as _

from zoneops.audit.catalogue import register

FX_RATE_SET = register("investment.fx_rate_set", _("Exchange rate set"))
PROJECT_CREATED = register("investment.project_created", _("Investment project created"))
PROJECT_UPDATED = register("investment.project_updated", _("Investment project updated"))
PROJECT_STAGE_CHANGED = register("investment.project_stage_changed", _("Investment project stage changed"))
PROJECT_STATUS_CHANGED = register("investment.project_status_changed", _("Investment project status changed"))
PROJECT_FULL_PRODUCTION = register("investment.project_full_production", _("Investment project at full production"))
PROJECT_VERIFIED = register("investment.project_verified", _("Investment project signing verified"))
PROJECTS_EXPORTED = register("investment.projects_exported", _("Investment projects exported"))
PROJECTS_IMPORTED = register("investment.projects_imported", _("Investment projects imported"))
NEGOTIATIONS_EXPORTED = register("investment.negotiations_exported", _("Negotiations exported"))
WEEKLY_REPORT_EXPORTED = register("investment.weekly_report_exported", _("Weekly investment report exported"))
SIGNING_REPORT_EXPORTED = register("investment.signing_report_exported", _("Signing report exported"))
NEGOTIATION_RECORDED = register("investment.negotiation_recorded", _("Negotiation recorded"))
TRAINING_RECORDED = register("investment.training_recorded", _("Training session recorded"))
STAFF_NOTE_ADDED = register("investment.staff_note_added", _("Staff note added"))
STAFF_DEVELOPMENT_VIEWED = register("investment.staff_development_viewed", _("Staff development viewed"))
INDUSTRY_SAVED = register("investment.industry_saved", _("Industry dictionary entry saved"))
THRESHOLD_BUCKET_SAVED = register("investment.threshold_bucket_saved", _("Threshold bucket saved"))
ATTACHMENT_ADDED = register("investment.attachment_added", _("Project attachment added"))
