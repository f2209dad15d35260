"""The one data-scope mechanism: every domain queryset is narrowed by `.visible_to(user, perm)`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from zoneops.accounts.models import User


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows which field holds its department and which its owner.

    Subclasses (or models, as class attributes) set `scope_department_field` (a lookup path to a
    Department, e.g. "department" or "case__department") and `scope_owner_field` (a lookup path to the
    owning User, e.g. "created_by"). A model with neither is visible in full to anyone holding `perm`.
    """

    scope_department_field: str | None = None
    scope_owner_field: str | None = None

    def _scope_fields(self) -> tuple[str | None, str | None]:
        department = getattr(self.model, "scope_department_field", None) or self.scope_department_field
        owner = getattr(self.model, "scope_owner_field", None) or self.scope_owner_field
        return department, owner

    def visible_to(self, user: User | None, perm: str) -> ScopedQuerySet:
        """Rows `user` may see for permission `perm` ("app_label.codename"), by the OR of their roles' scopes."""
        from zoneops.accounts.scoping import grants_for

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        grant = grants_for(user, perm)
        if grant.is_empty:
            return self.none()
        if grant.all:
            return self
        department_field, owner_field = self._scope_fields()
        condition = Q(pk__in=[])
        if grant.department_ids and department_field:
            condition |= Q(**{f"{department_field}__in": sorted(grant.department_ids)})
        if grant.own_records and owner_field:
            condition |= Q(**{owner_field: user.pk})
        if department_field is None and owner_field is None:
            # A model not tied to departments or owners: holding the permission is enough.
            return self
        return self.filter(condition)
