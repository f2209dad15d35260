"""Append-only audit events."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from zoneops.core.errors import DomainError
from zoneops.core.scopes import ScopedQuerySet


class AuditEventQuerySet(ScopedQuerySet):
    """Audit events; updates and deletes are refused (the purge command works below the ORM guard)."""

    scope_department_field = "actor_department"
    scope_owner_field = "actor"

    def update(self, **kwargs):
        raise DomainError(_("Audit events are append-only."))

    def delete(self):
        raise DomainError(_("Audit events are append-only."))

    def for_object(self, obj: models.Model) -> AuditEventQuerySet:
        """Events about one object."""
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


class AuditEvent(models.Model):
    """One recorded action: who, when, from where, what, on which object, before and after."""

    occurred_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT
    )
    # Kept as text too, so the record still reads right if the user or department is renamed.
    actor_username = models.CharField(_("username"), max_length=150, blank=True, db_index=True)
    actor_department = models.ForeignKey(
        "accounts.Department", verbose_name=_("actor's department"), null=True, blank=True, on_delete=models.PROTECT
    )
    actor_department_name = models.CharField(_("actor's department"), max_length=100, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    source = models.CharField(_("source"), max_length=10, blank=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "occurred_at"], name="audit_object_time"),
            # The search page and the API page through the trail newest first, ties broken by id.
            models.Index(fields=["-occurred_at", "-id"], name="audit_newest_first"),
        ]
        # No add/change/delete permissions: events are only written by record() and never changed.
        default_permissions = ()
        permissions = [("view_audit_trail", _("Can search the whole audit trail"))]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action}"

    def save(self, *args, **kwargs):
        # Append-only: an existing event can never be written again.
        if self.pk is not None:
            raise DomainError(_("Audit events are append-only."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise DomainError(_("Audit events are append-only."))

    @property
    def action_label(self) -> str:
        """Human label of the action code."""
        from zoneops.audit.catalogue import label

        return label(self.action)

    @property
    def change_rows(self) -> list[tuple[str, object, object]]:
        """(field label, before, after) for each changed field, labelled with the field's verbose name if known."""
        model = self.object_model
        return [(_field_label(model, name), before, after) for name, before, after in self.changed_values]

    @property
    def changed_values(self) -> list[tuple[str, object, object]]:
        """(field name, before, after) for each changed field in the model's field order; a lone value is the after."""
        rows = []
        # PostgreSQL's jsonb does not keep key order, so the model's declaration order (then the name) decides.
        order = {f.name: i for i, f in enumerate(self.object_model._meta.get_fields())} if self.object_model else {}
        changes = self.changes or {}
        for name in sorted(changes, key=lambda key: (order.get(key, len(order)), key)):
            value = changes[name]
            if isinstance(value, (list, tuple)) and len(value) == 2:
                before, after = value
            else:
                before, after = None, value
            rows.append((name, before, after))
        return rows

    @property
    def object_model(self) -> type[models.Model] | None:
        """The model class of the object the event is about, if it still exists."""
        return _model_for(self.object_type)


def _model_for(label_lower: str) -> type[models.Model] | None:
    """The model class named by "app_label.modelname", or None (e.g. a model since removed)."""
    from django.apps import apps

    try:
        return apps.get_model(label_lower) if label_lower else None
    except (LookupError, ValueError):
        return None


def _field_label(model: type[models.Model] | None, name: str) -> str:
    """The verbose name of a model field, else the raw key."""
    if model is None:
        return name
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # a computed key, not a field: show the key itself
        return name
    return str(getattr(field, "verbose_name", name))
