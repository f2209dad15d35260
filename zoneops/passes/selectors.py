"""Scoped reads of the passes registries: checkpoints, delivery stations and their inspections."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from zoneops.accounts.models import User
from zoneops.core import clock
from zoneops.passes.models import Checkpoint, DeliveryStation, PassStatus, StationInspection
from zoneops.passes.permissions import VIEW_CHECKPOINT, VIEW_STATION


def visible_checkpoints(user: User, perm: str = VIEW_CHECKPOINT) -> QuerySet[Checkpoint]:
    """Checkpoints the user may see for `perm` (active and deactivated), with subdistrict and area."""
    return Checkpoint.objects.visible_to(user, perm).select_related("subdistrict", "area")


def checkpoint_for_user_or_404(user: User, code: str, perm: str = VIEW_CHECKPOINT) -> Checkpoint:
    """One checkpoint by code; missing and out of scope are the same 404."""
    return get_object_or_404(visible_checkpoints(user, perm), code=str(code or "").upper()[:30])


def visible_stations(user: User, perm: str = VIEW_STATION) -> QuerySet[DeliveryStation]:
    """Stations with `passes_issued` and `passes_current` (valid now) counted from their passes."""
    now = clock.now()
    return DeliveryStation.objects.visible_to(user, perm).annotate(
        passes_issued=Count("passes", distinct=True),
        passes_current=Count(
            "passes", filter=Q(passes__valid_to__gte=now, passes__status=PassStatus.VALID), distinct=True
        ),
    )


def station_for_user_or_404(user: User, pk: int, perm: str = VIEW_STATION) -> DeliveryStation:
    """One station by id, with its pass counts; missing and out of scope are the same 404."""
    return get_object_or_404(visible_stations(user, perm), pk=pk)


def station_inspections(user: User, station: DeliveryStation) -> QuerySet[StationInspection]:
    """A station's inspections, newest first, for a user who may see the station."""
    return (
        StationInspection.objects.visible_to(user, VIEW_STATION)
        .filter(station=station)
        .select_related("inspector")
        .order_by("-inspected_on", "-pk")
    )


def inspection_for_user_or_404(user: User, pk: int, perm: str) -> StationInspection:
    """One inspection by id for `perm`; missing and out of scope are the same 404."""
    return get_object_or_404(StationInspection.objects.visible_to(user, perm).select_related("station"), pk=pk)
