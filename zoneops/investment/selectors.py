"""Reads of the investment app: scoped projects and negotiations, rates, stale projects, staff development."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.shortcuts import get_object_or_404

from zoneops.core import clock
from zoneops.investment import permissions as perms
from zoneops.investment.choices import CLOSED_STATUSES, SIGNED_STAGES, Stage
from zoneops.investment.models import Currency, FxRate, Industry, Negotiation, Project, TrainingSession

if TYPE_CHECKING:
    from zoneops.accounts.models import User


def stale_days() -> int:
    """Days without progress after which an open project is flagged stale (setting INVESTMENT_STALE_DAYS)."""
    return int(getattr(settings, "INVESTMENT_STALE_DAYS", 30))


def stale_cutoff(as_of: dt.datetime | None = None) -> dt.datetime:
    """The moment before which an open project's last progress makes it stale."""
    return (as_of or clock.now()) - dt.timedelta(days=stale_days())


def visible_projects(user: User | None, perm: str = perms.VIEW_PROJECT) -> QuerySet[Project]:
    """Projects `user` may see for `perm`."""
    return Project.objects.visible_to(user, perm).select_related("industry", "currency", "unit", "owner")


def project_for_user_or_404(user: User | None, pk: int, perm: str = perms.VIEW_PROJECT) -> Project:
    """One project in the user's scope, else 404 (the same answer as a missing one)."""
    return get_object_or_404(visible_projects(user, perm), pk=pk)


def filter_projects(queryset: QuerySet[Project], params: dict[str, Any]) -> QuerySet[Project]:
    """Apply the list filters shared by the UI and the API (stage, status, unit, industry, foreign, stale, ids, q)."""
    if params.get("ids"):
        ids = [int(part) for part in str(params["ids"]).split(",") if part.strip().isdigit()]
        queryset = queryset.filter(pk__in=ids)
    if params.get("q"):
        queryset = queryset.filter(Q(name__icontains=params["q"]) | Q(investor_name__icontains=params["q"]))
    if params.get("stage"):
        queryset = queryset.filter(stage=params["stage"])
    if params.get("signed"):
        queryset = queryset.filter(stage__in=SIGNED_STAGES)
    if params.get("status"):
        queryset = queryset.filter(status=params["status"])
    if params.get("unit"):
        queryset = queryset.filter(unit_id=params["unit"])
    if params.get("industry"):
        queryset = queryset.filter(industry__code=params["industry"])
    foreign = params.get("is_foreign")
    if foreign in (True, "1", "true", "yes"):
        queryset = queryset.filter(is_foreign=True)
    elif foreign in (False, "0", "false", "no"):
        queryset = queryset.filter(is_foreign=False)
    if params.get("stale") in (True, "1", "true", "yes"):
        queryset = stale(queryset)
    if params.get("verified") in (True, "1", "true", "yes"):
        queryset = queryset.filter(is_verified=True)
    return queryset


def stale(queryset: QuerySet[Project], as_of: dt.datetime | None = None) -> QuerySet[Project]:
    """Open projects without progress for `stale_days()` days before `as_of`."""
    cutoff = stale_cutoff(as_of)
    return (
        queryset.exclude(status__in=CLOSED_STATUSES)
        .exclude(stage=Stage.PRODUCING)
        .filter(Q(last_progress_at__lt=cutoff) | Q(last_progress_at__isnull=True))
    )


def by_last_progress():
    """Oldest progress first, never-progressed ones before all (the same on SQLite and PostgreSQL)."""
    return F("last_progress_at").asc(nulls_first=True)


def is_stale(project: Project, as_of: dt.datetime | None = None) -> bool:
    """Whether one project is stale now (or at `as_of`)."""
    if not project.is_open:
        return False
    return project.last_progress_at is None or project.last_progress_at < stale_cutoff(as_of)


def rate_on(currency: Currency, on: dt.date) -> FxRate | None:
    """The latest rate of `currency` effective on or before `on`."""
    return FxRate.objects.filter(currency=currency, effective_on__lte=on).order_by("-effective_on").first()


def industries() -> QuerySet[Industry]:
    """The active industry dictionary."""
    return Industry.objects.filter(is_active=True)


def enterprise_model():
    """The registry's Enterprise model (looked up lazily: the registry is another app)."""
    return apps.get_model("enterprises", "Enterprise")


def visible_negotiations(user: User | None, perm: str = perms.VIEW_NEGOTIATION) -> QuerySet[Negotiation]:
    """Negotiations `user` may see."""
    return (
        Negotiation.objects.visible_to(user, perm)
        .select_related("project", "project__unit", "project__investor")
        .prefetch_related("our_participants")
    )


def week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday and Friday of the week containing `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=4)


def _local_day_range(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    from django.utils import timezone

    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def negotiations_between(
    user: User | None, start: dt.date, end: dt.date, unit_id: int | None = None
) -> QuerySet[Negotiation]:
    """Visible negotiations held from `start` to `end` (inclusive, local days), optionally of one unit."""
    lower, upper = _local_day_range(start, end)
    queryset = visible_negotiations(user).filter(at__gte=lower, at__lt=upper)
    if unit_id:
        queryset = queryset.filter(project__unit_id=unit_id)
    return queryset.order_by("at", "id")


def week_view(user: User | None, day: dt.date, unit_id: int | None = None) -> dict[str, Any]:
    """Monday–Friday of the week of `day`: per unit, per weekday, the negotiations held."""
    from django.utils import timezone

    monday, friday = week_bounds(day)
    days = [monday + dt.timedelta(days=i) for i in range(5)]
    rows: dict[int, dict[str, Any]] = {}
    for negotiation in negotiations_between(user, monday, friday, unit_id):
        unit = negotiation.project.unit
        row = rows.setdefault(unit.pk, {"unit": unit, "days": {d: [] for d in days}})
        local_day = timezone.localtime(negotiation.at).date()
        row["days"][local_day].append(negotiation)
    units = sorted(rows.values(), key=lambda r: (r["unit"].code, r["unit"].pk))
    for row in units:
        row["cells"] = [row["days"][d] for d in days]
    return {"monday": monday, "friday": friday, "days": days, "units": units}


def weekly_report(user: User | None, day: dt.date, unit_id: int | None = None) -> dict[str, Any]:
    """The 招商周报 of the week containing `day`: negotiations, new leads, signings and stale projects."""
    monday, friday = week_bounds(day)
    sunday = monday + dt.timedelta(days=6)
    projects = visible_projects(user)
    if unit_id:
        projects = projects.filter(unit_id=unit_id)
    _, week_end = _local_day_range(monday, sunday)
    return {
        "monday": monday,
        "sunday": sunday,
        "negotiations": list(negotiations_between(user, monday, sunday, unit_id)),
        "new_leads": list(projects.filter(lead_on__gte=monday, lead_on__lte=sunday).order_by("lead_on", "id")),
        "signings": list(projects.filter(signed_on__gte=monday, signed_on__lte=sunday).order_by("signed_on", "id")),
        "stale": list(stale(projects, as_of=week_end).order_by(by_last_progress(), "id")),
        "stale_days": stale_days(),
    }


def rounds_before_signing(project: Project) -> int:
    """Negotiation rounds held on or before the signing day."""
    if not project.signed_on:
        return project.negotiations.count()
    _, upper = _local_day_range(project.signed_on, project.signed_on)
    return project.negotiations.filter(at__lt=upper).count()


def staff_development(users: Iterable[User]) -> list[dict[str, Any]]:
    """Per staff member: negotiations held, projects advanced, verified signings, trainings and notes."""
    from zoneops.investment.models import StaffNote, StageChange

    users = list(users)
    ids = [u.pk for u in users]
    negotiations = dict(
        Negotiation.our_participants.through.objects.filter(user_id__in=ids)
        .values("user_id")
        .annotate(n=Count("id"))
        .values_list("user_id", "n")
    )
    advanced = dict(
        StageChange.objects.filter(actor_id__in=ids, field="stage")
        .values("actor_id")
        .annotate(n=Count("project_id", distinct=True))
        .values_list("actor_id", "n")
    )
    verified = dict(
        Project.objects.filter(owner_id__in=ids, is_verified=True, stage__in=SIGNED_STAGES)
        .values("owner_id")
        .annotate(n=Count("id"))
        .values_list("owner_id", "n")
    )
    trainings: dict[int, list[TrainingSession]] = {}
    for session in TrainingSession.objects.filter(attendees__in=ids).prefetch_related("attendees").distinct():
        for attendee in session.attendees.all():
            if attendee.pk in ids:
                trainings.setdefault(attendee.pk, []).append(session)
    notes: dict[int, list[StaffNote]] = {}
    for note in StaffNote.objects.filter(staff_id__in=ids).select_related("author"):
        notes.setdefault(note.staff_id, []).append(note)
    return [
        {
            "user": user,
            "negotiations": negotiations.get(user.pk, 0),
            "projects_advanced": advanced.get(user.pk, 0),
            "verified_signings": verified.get(user.pk, 0),
            "trainings": trainings.get(user.pk, []),
            "notes": notes.get(user.pk, []),
        }
        for user in users
    ]


def investment_staff() -> QuerySet:
    """Active users whose main department is an investment unit or the investment promotion bureau tree."""
    from zoneops.accounts.models import Department, DepartmentKind, User

    units = Department.objects.filter(kind=DepartmentKind.INVESTMENT_UNIT)
    paths = {u.path for u in units}
    parent_ids = {u.parent_id for u in units if u.parent_id}
    condition = Q(department__kind=DepartmentKind.INVESTMENT_UNIT) | Q(department_id__in=parent_ids)
    for path in paths:
        condition |= Q(department__path__startswith=path)
    return (
        User.objects.filter(condition, is_active=True)
        .select_related("department")
        .order_by("department__code", "username")
    )
