"""Recording audit events: the only write path of the audit trail."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from zoneops.audit.catalogue import is_registered
from zoneops.audit.models import AuditEvent
from zoneops.core import clock, context


def _plain(value: Any) -> Any:
    """Make a value JSON-safe for the changes column."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
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
        changes=_plain(dict(changes or {})),
        note=note,
    )
    event.save()
    return event
