"""Accounts API: token sign-in, personal tokens, departments."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from zoneops.accounts.models import Department
from zoneops.accounts.services import create_api_token, issue_sign_in_token
from zoneops.core.errors import PermissionDenied

router = Router(tags=["accounts"])


class TokenIn(Schema):
    """Credentials for a new API token; administrators add their current TOTP code."""

    username: str
    password: str
    otp: str | None = None


class TokenOut(Schema):
    """A new API token, shown once."""

    token: str


class PersonalTokenIn(Schema):
    """Name and optional expiry of a new personal token."""

    name: str
    expires_at: datetime | None = None


class PersonalTokenOut(Schema):
    """A new personal API token; `token` is shown only in this response."""

    id: int
    name: str
    token: str


class DepartmentOut(Schema):
    """A department of the zone."""

    code: str
    name: str
    kind: str
    parent: str | None
    is_active: bool


class DepartmentList(Schema):
    """All departments."""

    items: list[DepartmentOut]
    count: int


@router.post(
    "/auth/token",
    auth=None,
    response=TokenOut,
    summary="Exchange username and password for an API token",
)
def issue_token(request, payload: TokenIn):
    """A token valid for 12 hours. Wrong credentials: 401; locked out: 429 (with the lockout message)."""
    raw = issue_sign_in_token(request, username=payload.username, password=payload.password, otp=payload.otp)
    return {"token": raw}


@router.post("/me/tokens", response={201: PersonalTokenOut}, summary="Create a personal API token")
def create_my_token(request, payload: PersonalTokenIn):
    """A new personal token for the signed-in user (send an Idempotency-Key to retry safely)."""
    expires_at = payload.expires_at
    if expires_at is not None and timezone.is_naive(expires_at):
        expires_at = timezone.make_aware(expires_at)  # a time without offset is Asia/Shanghai time
    token, raw = create_api_token(actor=request.auth, name=payload.name, expires_at=expires_at)
    return 201, {"id": token.pk, "name": token.name, "token": raw}


@router.get("/departments", response=DepartmentList, summary="List departments")
def list_departments(request):
    """Every department with code, name, kind and parent code, for any staff user."""
    if not request.auth.is_staff:
        raise PermissionDenied(_("Only staff may list departments."))
    rows = [
        {
            "code": d.code,
            "name": d.name,
            "kind": d.kind,
            "parent": d.parent.code if d.parent else None,
            "is_active": d.is_active,
        }
        for d in Department.objects.select_related("parent").order_by("path", "sort_order")
    ]
    return {"items": rows, "count": len(rows)}
