"""Recording audit events: the only write path of the audit trail.

How the other apps use it (inside their own service's transaction, after the write):

- register each code once in `<app>/actions.py` ("app.noun_verb", imported in AppConfig.ready()):
  `ENTERPRISE_UPDATED = register("enterprises.enterprise_updated", _("Enterprise updated"))`;
- create / update / delete / state change: `record(actor, CODE, obj, changes=diff(before, after))`
  with `before = snapshot(obj, FIELDS)` taken before the write (deletes: record before deleting, so
  object_id and object_repr are still known);
- sign-in events: `record(None, CODE, username=typed_name)` when there is no user yet;
- exports and imports: `record(actor, CODE, note="<count> rows; filters: …")`;
- unmasked views of personal data: `record(actor, PERSONAL_DATA_VIEWED, obj, changes={"fields": [...]})`.

Time comes from core.clock, IP / request id / source from the request context (core.middleware).
Values of PersonalDataField fields in `changes` are stored masked: the trail is not encrypted.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models, router, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from zoneops.audit import actions
from zoneops.audit.catalogue import is_registered
from zoneops.audit.display import display_value
from zoneops.audit.models import AuditEvent
from zoneops.audit.selectors import VIEW_AUDIT, EventFilters, search_events
from zoneops.core import clock, context
from zoneops.core.errors import DomainError, PermissionDenied
from zoneops.core.excel import Column, export_workbook
from zoneops.core.fields import PersonalDataField

MAX_EXPORT_ROWS = 50000


def _plain(value: Any) -> Any:
    """Make a value JSON-safe for the changes column."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID, Promise)):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of `fields` on `obj`, JSON-safe, for a before/after diff."""
    return {name: _plain(getattr(obj, f"{name}_id" if _is_fk(obj, name) else name)) for name in fields}


def _is_fk(obj: models.Model, name: str) -> bool:
    try:
        return obj._meta.get_field(name).many_to_one
    except Exception:  # noqa: BLE001 - not a model field: read it as an attribute
        return False


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def _mask_personal_data(obj: models.Model | None, changes: dict[str, Any]) -> dict[str, Any]:
    """Mask the values of personal-data fields: the trail is not encrypted, so it must not hold them in clear."""
    if obj is None:
        return changes
    masked = {}
    for name, value in changes.items():
        try:
            field = obj._meta.get_field(name)
        except FieldDoesNotExist:  # not a model field: keep the value as given
            field = None
        if isinstance(field, PersonalDataField):
            if isinstance(value, list):
                value = [field.masked(str(v)) if v else v for v in value]
            elif value:
                value = field.masked(str(value))
        masked[name] = value
    return masked


def record(
    actor,
    action: str,
    obj: models.Model | None = None,
    *,
    changes: Mapping[str, Any] | None = None,
    note: str = "",
    object_repr: str | None = None,
    username: str | None = None,
) -> AuditEvent:
    """Append one audit event for `actor` doing `action` (a registered code) on `obj`."""
    if not is_registered(action):
        raise ValueError(f"audit action {action!r} is not in the catalogue")
    ctx = context.current()
    real_actor = actor if getattr(actor, "is_authenticated", False) else None
    department = getattr(real_actor, "department", None) if real_actor else None
    event = AuditEvent(
        occurred_at=clock.now(),
        actor=real_actor,
        actor_username=(real_actor.username if real_actor else (username or "")),
        actor_department=department,
        actor_department_name=department.name if department else "",
        ip=ctx.ip,
        request_id=ctx.request_id,
        source=ctx.source,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr if object_repr is not None else (str(obj) if obj is not None else ""))[:200],
        changes=_mask_personal_data(obj, _plain(dict(changes or {}))),
        note=note,
    )
    event.save()
    return event


EXPORT_COLUMNS = (
    Column("occurred_at", gettext_lazy("Time"), 20),
    Column("actor", gettext_lazy("Actor"), 14),
    Column("department", gettext_lazy("Department"), 18),
    Column("ip", gettext_lazy("IP address"), 16),
    Column("request_id", gettext_lazy("Request id"), 34),
    Column("source", gettext_lazy("Source"), 8),
    Column("action", gettext_lazy("Action"), 24),
    Column("object_type", gettext_lazy("Object type"), 20),
    Column("object_id", gettext_lazy("Object id"), 10),
    Column("object_repr", gettext_lazy("Object"), 24),
    Column("changes", gettext_lazy("Changes"), 40),
    Column("note", gettext_lazy("Note"), 30),
)


def _export_columns() -> list[Column]:
    """The export columns with their headers translated now, in the request's language."""
    return [Column(c.key, str(c.header), c.width) for c in EXPORT_COLUMNS]


def _changes_text(event: AuditEvent) -> str:
    return "; ".join(
        f"{name}: {display_value(before)} → {display_value(after)}" for name, before, after in event.change_rows
    )


@transaction.atomic
def export_events(*, actor, filters: EventFilters) -> Workbook:
    """An Excel workbook of the events the actor may see under `filters`; the export itself is audited."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(VIEW_AUDIT):
        raise PermissionDenied(_("You may not export the audit trail."))
    qs = search_events(actor, filters)
    count = qs.count()
    if count > MAX_EXPORT_ROWS:
        raise DomainError(
            _("%(count)s events match; narrow the search to at most %(max)s to export.")
            % {"count": count, "max": MAX_EXPORT_ROWS}
        )
    rows = (
        (
            timezone.localtime(e.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
            e.actor_username,
            e.actor_department_name,
            e.ip or "",
            e.request_id,
            e.source,
            e.action_label,
            e.object_type,
            e.object_id,
            e.object_repr,
            _changes_text(e),
            e.note,
        )
        for e in qs.iterator(chunk_size=2000)
    )
    workbook = export_workbook(
        title=_("Audit trail"),
        columns=_export_columns(),
        rows=rows,
        author=getattr(actor, "display_name", "") or actor.username,
        notes=filters.describe(),
    )
    record(
        actor,
        actions.EXPORTED,
        note=_("%(count)s events; filters: %(filters)s") % {"count": count, "filters": filters.describe() or "-"},
    )
    return workbook


@transaction.atomic
def purge_events(*, older_than_days: int, actor=None) -> int:
    """Delete the events older than `older_than_days` (never fewer than the retention period); audited."""
    retention = int(settings.AUDIT_RETENTION_DAYS)
    if older_than_days < retention:
        raise DomainError(
            _("Audit events must be kept for at least %(days)s days; refusing to purge events younger than that.")
            % {"days": retention},
            field="older_than",
        )
    # A minute's margin: PostgreSQL's trigger measures age from the transaction's start, a moment
    # before this line, and must never refuse a row the purge selected (that would fail the purge).
    cutoff = clock.now() - dt.timedelta(days=older_than_days, minutes=1)
    old = AuditEvent.objects.filter(occurred_at__lt=cutoff)
    # The queryset's delete() refuses on purpose; the purge is the one path that deletes, and the
    # database trigger still refuses any row younger than the retention period.
    deleted = old._raw_delete(router.db_for_write(AuditEvent))
    record(
        actor,
        actions.PURGED,
        note=_("%(count)s events older than %(days)s days (before %(cutoff)s) deleted.")
        % {"count": deleted, "days": older_than_days, "cutoff": cutoff.isoformat(timespec="seconds")},
        username="" if actor else "system",
    )
    return deleted
