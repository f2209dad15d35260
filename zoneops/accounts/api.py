"""Accounts API: token sign-in, personal tokens, departments (list, create, change with their head)."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from zoneops.accounts import org
from zoneops.accounts.models import Department, User
from zoneops.accounts.services import create_api_token, issue_sign_in_token
from zoneops.core.errors import DomainError, PermissionDenied

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


class HeadOut(Schema):
    """A department's head (负责人)."""

    username: str
    name: str


class DepartmentOut(Schema):
    """A department of the zone."""

    code: str
    name: str
    kind: str
    parent: str | None
    is_active: bool
    head: HeadOut | None = None


class DepartmentIn(Schema):
    """A new department; its head is chosen once it has members."""

    code: str = Field(..., max_length=40)
    name: str = Field(..., max_length=100)
    kind: str
    parent: str | None = Field(None, description="code of the parent department (none for a top-level one)")
    short_name: str = Field("", max_length=40)
    sort_order: int = Field(0, ge=0)
    phone: str = Field("", max_length=40)
    head: str | None = Field(None, description="username of the head: an active member of the department")


class DepartmentPatch(Schema):
    """The fields to change; `head: null` clears the head, a field left out stays as it is."""

    code: str | None = Field(None, max_length=40)
    name: str | None = Field(None, max_length=100)
    kind: str | None = None
    short_name: str | None = Field(None, max_length=40)
    sort_order: int | None = Field(None, ge=0)
    phone: str | None = Field(None, max_length=40)
    head: str | None = Field(None, description="username of the head: an active member of the department")


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
    return Status(201, {"id": token.pk, "name": token.name, "token": raw})


def _department_out(d: Department) -> dict:
    return {
        "code": d.code,
        "name": d.name,
        "kind": d.kind,
        "parent": d.parent.code if d.parent else None,
        "is_active": d.is_active,
        "head": {"username": d.head.username, "name": d.head.display_name} if d.head else None,
    }


def _head(username: str | None) -> User | None:
    """The user a payload's head username names (an unknown one names the field)."""
    if not username:
        return None
    user = User.objects.filter(username__iexact=username.strip()).first()
    if user is None:
        raise DomainError(_("There is no user with the username %(name)s.") % {"name": username}, field="head")
    return user


def _require_manager(user) -> None:
    if not user.has_perm(org.MANAGE_DEPARTMENT):
        raise PermissionDenied(_("You do not have permission to do this."))


@router.get("/departments", response=DepartmentList, summary="List departments")
def list_departments(request):
    """Every department with code, name, kind, parent code and head, for any staff user."""
    if not request.auth.is_staff:
        raise PermissionDenied(_("Only staff may list departments."))
    departments = Department.objects.select_related("parent", "head").order_by("path", "sort_order")
    rows = [_department_out(d) for d in departments]
    return {"items": rows, "count": len(rows)}


@router.post("/departments", response={201: DepartmentOut}, summary="Create a department (accounts.manage_department)")
def create_department(request, payload: DepartmentIn):
    """A department under a parent in the actor's scope; a bad field answers 400 naming it."""
    _require_manager(request.auth)
    data = payload.dict()
    parent = None
    if data.pop("parent"):
        parent = Department.objects.filter(code__iexact=payload.parent).first()
        if parent is None:
            raise DomainError(
                _("There is no department with the code %(code)s.") % {"code": payload.parent}, field="parent"
            )
    data["head"] = _head(data["head"])
    department = org.create_department(actor=request.auth, parent=parent, **data)
    return Status(201, _department_out(Department.objects.select_related("parent", "head").get(pk=department.pk)))


@router.patch("/departments/{code}", response=DepartmentOut, summary="Change a department (accounts.manage_department)")
def update_department(request, code: str, payload: DepartmentPatch):
    """Change the fields given (not the place in the tree); out of scope answers 404 like a missing department."""
    _require_manager(request.auth)
    department = org.visible_departments(request.auth).filter(code__iexact=code).first()
    if department is None:
        raise Http404
    given = payload.dict(exclude_unset=True)
    # null clears only the head; for the other fields it means "leave as is".
    given = {k: v for k, v in given.items() if v is not None or k == "head"}
    fields = {f: getattr(department, f) for f in ("code", "name", "kind", "short_name", "sort_order", "phone")}
    fields["head"] = _head(given.pop("head")) if "head" in given else department.head
    fields.update(given)
    org.update_department(actor=request.auth, department=department, **fields)
    return _department_out(Department.objects.select_related("parent", "head").get(pk=department.pk))
