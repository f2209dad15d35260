"""A read-only view of the audit trail in the Django admin: nothing can be added, changed or deleted there."""

from __future__ import annotations

from django.contrib import admin

from zoneops.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Audit events, read only."""

    list_display = (
        "occurred_at",
        "actor_username",
        "actor_department_name",
        "action",
        "object_type",
        "object_id",
        "ip",
    )
    list_filter = ("action", "source")
    search_fields = ("actor_username", "object_repr", "request_id", "note")
    date_hierarchy = "occurred_at"
    actions = None

    def get_queryset(self, request):
        # Same scope as the audit pages: the audit permission and its data scope decide what shows.
        return AuditEvent.objects.visible_to(request.user, "audit.view_audit_trail")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.has_perm("audit.view_audit_trail")

    def has_module_permission(self, request):
        return self.has_view_permission(request)
