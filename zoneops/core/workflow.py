"""Explicit state machines: a transition table and a compare-and-set status update."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models
from django.utils.translation import gettext as _

from zoneops.core.errors import Conflict, InvalidTransition


def transition(
    obj: models.Model,
    *,
    to: str,
    table: Mapping[str, set[str] | frozenset[str]],
    field: str = "status",
    extra: Mapping[str, object] | None = None,
) -> str:
    """Move `obj` to state `to` if the table allows it; exactly one of two concurrent callers wins.

    The update is `UPDATE ... SET status=to WHERE pk=? AND status=<current>`, which behaves the same on
    SQLite and PostgreSQL. Returns the previous state.
    """
    current = getattr(obj, field)
    if to not in table.get(current, ()):
        raise InvalidTransition(
            _("Cannot go from “%(current)s” to “%(to)s”.") % {"current": current, "to": to}, field=field
        )
    values = {field: to, **(extra or {})}
    if any(f.name == "updated_at" for f in obj._meta.fields):
        from zoneops.core import clock

        values["updated_at"] = clock.now()
    updated = type(obj)._default_manager.filter(pk=obj.pk, **{field: current}).update(**values)
    if updated != 1:
        raise Conflict(_("Someone else changed this record first; reload and try again."), field=field)
    for name, value in values.items():
        setattr(obj, name, value)
    return current
