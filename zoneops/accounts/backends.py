"""Authentication backend whose permissions come from the user's roles."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from zoneops.accounts.scoping import permissions_of


class RoleBackend(ModelBackend):
    """Username/password authentication; permissions are the union of the user's active roles."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return permissions_of(user_obj)

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return self.get_all_permissions(user_obj, obj)

    def has_perm(self, user_obj, perm, obj=None):
        return user_obj.is_active and perm in self.get_all_permissions(user_obj, obj)
