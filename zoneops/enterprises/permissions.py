"""Permission codes of the enterprises app."""

VIEW_ENTERPRISE = "enterprises.view_enterprise"
ADD_ENTERPRISE = "enterprises.add_enterprise"
CHANGE_ENTERPRISE = "enterprises.change_enterprise"
EXPORT_ENTERPRISE = "enterprises.export_enterprise"
IMPORT_ENTERPRISE = "enterprises.import_enterprise"
VIEW_PERSONAL_DATA = "accounts.view_personal_data"
VIEW_AUDIT_TRAIL = "audit.view_audit_trail"
