"""Department tree maintenance: materialised paths kept right on create and move."""

from __future__ import annotations

from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr

from zoneops.accounts.models import Department


def place(department: Department) -> Department:
    """Set path and depth of a saved department from its parent."""
    parent_path = department.parent.path if department.parent_id else "/"
    department.path = f"{parent_path}{department.pk}/"
    department.depth = department.path.count("/") - 2
    Department.objects.filter(pk=department.pk).update(path=department.path, depth=department.depth)
    return department


def move(department: Department, new_parent: Department | None) -> None:
    """Re-hang a department and its subtree under `new_parent` (one UPDATE for the subtree)."""
    old_path = department.path
    department.parent = new_parent
    Department.objects.filter(pk=department.pk).update(parent=new_parent)
    place(department)
    shift = department.depth - (old_path.count("/") - 2)
    Department.objects.filter(path__startswith=old_path).exclude(pk=department.pk).update(
        path=Concat(Value(department.path), Substr(F("path"), Length(Value(old_path)) + 1)),
        depth=F("depth") + shift,
    )
