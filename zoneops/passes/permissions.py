"""Permission codes of the passes app."""

VIEW_PASS = "passes.view_pass"
ISSUE_PASS = "passes.add_pass"
CHANGE_PASS = "passes.change_pass"  # suspend, resume, request revocation
APPROVE_REVOCATION = "passes.approve_revocation"
MANAGE_KEYS = "passes.manage_keys"
VIEW_APPLICATION = "passes.view_passapplication"
SUBMIT_APPLICATION = "passes.add_passapplication"
REVIEW_APPLICATION = "passes.change_passapplication"
VIEW_CHECKPOINT = "passes.view_checkpoint"
ADD_CHECKPOINT = "passes.add_checkpoint"
MANAGE_CHECKPOINT = "passes.change_checkpoint"  # edit, deactivate, reactivate
VIEW_SCAN = "passes.view_scan"
RECORD_SCAN = "passes.add_scan"
VIEW_STATION = "passes.view_deliverystation"  # the station, its inspections
ADD_STATION = "passes.add_deliverystation"
MANAGE_STATION = "passes.change_deliverystation"  # edit, deactivate, reactivate
RECORD_INSPECTION = "passes.add_stationinspection"
CHANGE_INSPECTION = "passes.change_stationinspection"  # correct a recorded inspection
