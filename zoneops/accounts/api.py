"""Accounts API: token sign-in, departments."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router, Schema

from zoneops.accounts.models import Department
from zoneops.accounts.security import sign_in
from zoneops.accounts.services import create_api_token
from zoneops.core.errors import DomainError, PermissionDenied

router = Router(tags=["accounts"])


class TokenIn(Schema):
    """Credentials for a new API token."""

    username: str
    password: str


class TokenOut(Schema):
    """A new personal API token, shown once."""

    token: str


class DepartmentOut(Schema):
    """A department of the zone."""

    code: str
    name: str
    kind: str
    parent: str | None
    is_active: bool


@router.post("/auth/token", auth=None, response=TokenOut, summary="Exchange username and password for an API token")
def issue_token(request, payload: TokenIn):
    """Returns a personal API token; counts toward and honours the sign-in lockout."""
    result = sign_in(request, username=payload.username, password=payload.password, channel="api")
    if result.user is None:
        status = 429 if result.outcome == "locked" else 401
        exc = DomainError(result.message, field="password")
        exc.status = status
        exc.code = "locked" if status == 429 else "bad_credentials"
        raise exc
    _token, raw = create_api_token(actor=result.user, name=_("API sign-in"))
    return {"token": raw}


@router.get("/departments", response=list[DepartmentOut], summary="List departments")
def list_departments(request):
    """Every department with code, name, kind and parent code, for any staff user."""
    if not request.auth.is_staff:
        raise PermissionDenied(_("Only staff may list departments."))
    rows = Department.objects.select_related("parent").order_by("path")
    return [
        {"code": d.code, "name": d.name, "kind": d.kind, "parent": d.parent.code if d.parent else None,
         "is_active": d.is_active}
        for d in rows
    ]
