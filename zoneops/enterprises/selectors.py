"""Enterprise reads: always through the user's data scope."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from zoneops.accounts.models import Department, DepartmentKind, User
from zoneops.enterprises.models import Enterprise, EnterpriseContact, EnterpriseQuerySet
from zoneops.enterprises.permissions import VIEW_ENTERPRISE


def visible_enterprises(user: User | None, perm: str = VIEW_ENTERPRISE) -> EnterpriseQuerySet:
    """Enterprises `user` may see for `perm`, each once."""
    return Enterprise.objects.visible_to(user, perm)


def enterprise_for_user_or_404(user: User | None, pk: int, perm: str = VIEW_ENTERPRISE) -> Enterprise:
    """One enterprise in `user`'s scope; missing and out of scope are the same 404."""
    return get_object_or_404(visible_enterprises(user, perm).select_related("subdistrict", "created_by"), pk=pk)


def enterprise_list_rows(queryset: EnterpriseQuerySet) -> EnterpriseQuerySet:
    """A list page's queryset with what each row shows fetched in a constant number of queries."""
    return queryset.select_related("subdistrict").prefetch_related(
        "tags",
        Prefetch(
            "contacts",
            queryset=EnterpriseContact.objects.filter(is_primary=True),
            to_attr="primary_contacts",
        ),
    )


def contacts_of(enterprise: Enterprise) -> list[EnterpriseContact]:
    """An enterprise's contacts, primary first (the caller has checked the enterprise's scope)."""
    return list(enterprise.contacts.select_related("user").order_by("-is_primary", "pk"))


def subdistricts():
    """Active subdistricts, for choices."""
    return Department.objects.filter(kind=DepartmentKind.SUBDISTRICT, is_active=True).order_by("sort_order", "code")


def enterprises_with_name(name: str, *, exclude_pk: int | None = None) -> int:
    """How many registered enterprises carry exactly this name (duplicate-name warning)."""
    qs = Enterprise.objects.filter(name=name.strip())
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.count()


def enterprise_for_contact_user(user: User) -> Enterprise | None:
    """The enterprise a signed-in enterprise contact belongs to, if any."""
    return Enterprise.objects.filter(contacts__user=user).order_by("pk").first()


def registry_counts(user: User | None) -> dict[str, int]:
    """Counts of active enterprises in `user`'s scope: all, key, supply-assured, foreign-funded, listed."""
    from django.db.models import Count, Q

    from zoneops.enterprises.models import EnterpriseStatus

    return (
        visible_enterprises(user)
        .filter(status=EnterpriseStatus.ACTIVE)
        .aggregate(
            total=Count("pk"),
            key=Count("pk", filter=Q(is_key=True)),
            supply_assured=Count("pk", filter=Q(is_supply_assured=True)),
            foreign_funded=Count("pk", filter=Q(is_foreign_funded=True)),
            listed=Count("pk", filter=Q(is_listed=True)),
        )
    )


def enterprise_by_uscc(user: User | None, uscc: str, perm: str = VIEW_ENTERPRISE) -> Enterprise | None:
    """The enterprise with this credit code in `user`'s scope (other modules' imports look up by code)."""
    from zoneops.core.validators import normalize_uscc

    return visible_enterprises(user, perm).filter(uscc=normalize_uscc(uscc)).first()
