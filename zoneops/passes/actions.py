"""Audit action codes of the passes app."""

from django.utils.translation import gettext_lazy as _

from zoneops.audit.catalogue import register

APPLICATION_SUBMITTED = register("passes.application_submitted", _("Pass application submitted"))
APPLICATIONS_IMPORTED = register("passes.applications_imported", _("Pass applications imported"))
APPLICATION_APPROVED = register("passes.application_approved", _("Pass application approved"))
APPLICATION_REJECTED = register("passes.application_rejected", _("Pass application rejected"))
APPLICATION_MORE_INFO = register("passes.application_more_info", _("More information requested for a pass"))
APPLICATION_RESUBMITTED = register("passes.application_resubmitted", _("Pass application resubmitted"))
PASS_ISSUED = register("passes.pass_issued", _("Pass issued"))
PASS_SUSPENDED = register("passes.pass_suspended", _("Pass suspended"))
PASS_RESUMED = register("passes.pass_resumed", _("Pass resumed"))
REVOCATION_REQUESTED = register("passes.revocation_requested", _("Pass revocation requested"))
REVOCATION_APPROVED = register("passes.revocation_approved", _("Pass revoked"))
REVOCATION_LIST_PUBLISHED = register("passes.revocation_list_published", _("Revocation list published"))
KEY_CREATED = register("passes.key_created", _("Signing key created"))
KEY_RETIRED = register("passes.key_retired", _("Signing key retired"))
KEY_WITHDRAWN = register("passes.key_withdrawn", _("Signing key withdrawn"))
CHECKPOINT_SAVED = register("passes.checkpoint_saved", _("Checkpoint saved"))
SCANS_UPLOADED = register("passes.scans_uploaded", _("Offline scans uploaded"))
CARDS_EXPORTED = register("passes.cards_exported", _("Pass cards exported (PDF)"))
CHECKPOINT_CREATED = register("passes.checkpoint_created", _("Checkpoint created"))
CHECKPOINT_UPDATED = register("passes.checkpoint_updated", _("Checkpoint updated"))
CHECKPOINT_DEACTIVATED = register("passes.checkpoint_deactivated", _("Checkpoint deactivated"))
CHECKPOINT_REACTIVATED = register("passes.checkpoint_reactivated", _("Checkpoint reactivated"))
STATION_CREATED = register("passes.station_created", _("Delivery station created"))
STATION_UPDATED = register("passes.station_updated", _("Delivery station updated"))
STATION_DEACTIVATED = register("passes.station_deactivated", _("Delivery station deactivated"))
STATION_REACTIVATED = register("passes.station_reactivated", _("Delivery station reactivated"))
INSPECTION_RECORDED = register("passes.inspection_recorded", _("Station inspection recorded"))
INSPECTION_UPDATED = register("passes.inspection_updated", _("Station inspection corrected"))
