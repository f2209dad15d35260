"""Menu entries of the passes module."""

from django.utils.translation import gettext_lazy as _

from zoneops.core.menu import MenuItem, register, register_group
from zoneops.passes.permissions import (
    RECORD_SCAN,
    REVIEW_APPLICATION,
    VIEW_CHECKPOINT,
    VIEW_PASS,
    VIEW_SCAN,
    VIEW_STATION,
)

register_group("passes", _("Passes"), icon="bi-qr-code", order=600)
register("passes", MenuItem(_("Applications"), "passes:application-list", (REVIEW_APPLICATION,), "bi-inboxes", 10))
register("passes", MenuItem(_("Issued passes"), "passes:pass-list", (VIEW_PASS,), "bi-qr-code", 20))
register("passes", MenuItem(_("My passes"), "passes:my-passes", (), "bi-person-badge", 30))
register("passes", MenuItem(_("Verify passes"), "passes:verifier", (RECORD_SCAN,), "bi-shield-check", 35))
register("passes", MenuItem(_("Checkpoints"), "passes:checkpoint-list", (VIEW_CHECKPOINT,), "bi-signpost", 40))
register("passes", MenuItem(_("Delivery stations"), "passes:station-list", (VIEW_STATION,), "bi-bicycle", 45))
register("passes", MenuItem(_("Scan statistics"), "passes:scan-stats", (VIEW_SCAN,), "bi-bar-chart", 50))
