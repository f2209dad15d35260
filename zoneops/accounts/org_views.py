"""Department, user and role management pages (RuoYi style): parse input, call org.py, render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zoneops.accounts import actions, org
from zoneops.accounts.models import Department, Post, Role, User, UserSession
from zoneops.accounts.org_forms import (
    DepartmentFilterForm,
    DepartmentForm,
    DepartmentMoveForm,
    ImportForm,
    PasswordResetForm,
    PostFormSet,
    RoleFilterForm,
    RoleForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
    UserRolesForm,
)
from zoneops.audit.selectors import history_of
from zoneops.audit.services import record
from zoneops.core.crypto import mask_mobile
from zoneops.core.errors import DomainError, OutOfScope, PermissionDenied
from zoneops.core.excel import ImportFailed, read_rows, template_workbook, xlsx_response
from zoneops.core.listing import apply_sort, is_partial, paginate


def permission_required(perm: str) -> Callable:
    """Signed-in users only (else the login page); without `perm` the page answers 403."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perm(perm):
                raise HttpForbidden
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _form_errors(form, exc: DomainError) -> None:
    """Show a service's DomainError on the form field it names (or on the form)."""
    if isinstance(exc, OutOfScope):
        raise Http404 from exc
    if isinstance(exc, PermissionDenied):
        raise HttpForbidden from exc
    placed = False
    for field, errors in exc.errors.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def _message_error(request: HttpRequest, exc: DomainError) -> None:
    if isinstance(exc, OutOfScope):
        raise Http404 from exc
    if isinstance(exc, PermissionDenied):
        raise HttpForbidden from exc
    messages.error(request, exc.message)


def _next_or(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _import(
    request: HttpRequest, *, columns, service: Callable, template: str, context: dict, success: str, redirect_to: str
) -> HttpResponse:
    """Shared import page: upload, all-or-nothing import, row errors listed."""
    form = ImportForm(request.POST or None, request.FILES or None)
    row_errors: list = []
    if request.method == "POST" and form.is_valid():
        try:
            rows = read_rows(form.cleaned_data["file"], columns)
            result = service(actor=request.user, rows=rows)
        except ImportFailed as exc:
            row_errors = exc.row_errors
            form.add_error(None, exc.message)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, success % {"n": result.created})
            return redirect(redirect_to)
    return render(request, template, {**context, "form": form, "row_errors": row_errors})


# --------------------------------------------------------------------------------------------------
# Departments
# --------------------------------------------------------------------------------------------------


def _department_rows(request: HttpRequest):
    form = DepartmentFilterForm(request.GET or None)
    queryset = org.visible_departments(request.user)
    filtered = False
    if form.is_valid():
        data = form.cleaned_data
        filtered = any(data.values())
        queryset = org.department_filter(queryset, q=data["q"].strip(), kind=data["kind"], status=data["status"])
    return form, queryset, filtered


@permission_required(org.MANAGE_DEPARTMENT)
def department_list(request: HttpRequest) -> HttpResponse:
    """The department tree as a table; a search shows the matching departments with their place in the tree."""
    form, queryset, filtered = _department_rows(request)
    queryset = queryset.select_related("parent", "head").annotate(member_count=Count("members", distinct=True))
    rows = org.flatten_tree(queryset)
    context = {
        "form": form,
        "rows": rows,
        "filtered": filtered,
        "import_form": ImportForm(),
        "export_query": request.GET.urlencode(),
    }
    template = "accounts/department_list.html#table" if is_partial(request) else "accounts/department_list.html"
    return render(request, template, context)


@permission_required(org.MANAGE_DEPARTMENT)
def department_create(request: HttpRequest) -> HttpResponse:
    """Add a department (the parent may be given as ?parent=<id>)."""
    initial = {"parent": request.GET.get("parent")} if request.GET.get("parent") else {}
    form = DepartmentForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            department = org.create_department(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Department %(name)s created.") % {"name": department.name})
            return redirect("accounts:department-detail", pk=department.pk)
    return render(request, "accounts/department_form.html", {"form": form, "department": None})


def _department_or_404(request: HttpRequest, pk: int) -> Department:
    return get_object_or_404(org.visible_departments(request.user).select_related("parent", "head"), pk=pk)


@permission_required(org.MANAGE_DEPARTMENT)
def department_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A department: fields, members, sub-departments and its audit history."""
    department = _department_or_404(request, pk)
    members = department.members.order_by("username").prefetch_related("roles")
    context = {
        "department": department,
        "members": members,
        "children": department.children.order_by("sort_order", "code"),
        "posts": Post.objects.filter(department=department).select_related("user"),
        "history": history_of(department)[:50],
        "may_manage_users": request.user.has_perm(org.MANAGE_USER),
        "references": org.department_references(department),
    }
    return render(request, "accounts/department_detail.html", context)


@permission_required(org.MANAGE_DEPARTMENT)
def department_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a department's own fields."""
    department = _department_or_404(request, pk)
    fields = ("code", "name", "short_name", "kind", "sort_order", "phone", "head")
    initial = {f: getattr(department, f) for f in fields}
    form = DepartmentForm(
        request.POST or None, actor=request.user, with_parent=False, department=department, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            org.update_department(actor=request.user, department=department, **form.cleaned_data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Department saved."))
            return redirect("accounts:department-detail", pk=department.pk)
    return render(request, "accounts/department_form.html", {"form": form, "department": department})


@permission_required(org.MANAGE_DEPARTMENT)
def department_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Hang a department (with its subtree) under another parent."""
    department = _department_or_404(request, pk)
    form = DepartmentMoveForm(
        request.POST or None, actor=request.user, department=department, initial={"parent": department.parent_id}
    )
    if request.method == "POST" and form.is_valid():
        try:
            org.move_department(actor=request.user, department=department, new_parent=form.cleaned_data["parent"])
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Department moved."))
            return redirect("accounts:department-detail", pk=department.pk)
    return render(request, "accounts/department_move.html", {"form": form, "department": department})


@require_POST
@permission_required(org.MANAGE_DEPARTMENT)
def department_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Disable an enabled department, or enable a disabled one."""
    department = _department_or_404(request, pk)
    try:
        if department.is_active:
            org.disable_department(actor=request.user, department=department)
            messages.success(request, _("Department %(name)s disabled.") % {"name": department.name})
        else:
            org.enable_department(actor=request.user, department=department)
            messages.success(request, _("Department %(name)s enabled.") % {"name": department.name})
    except DomainError as exc:
        _message_error(request, exc)
    return redirect(_next_or(request, reverse("accounts:department-detail", args=[department.pk])))


@require_POST
@permission_required(org.MANAGE_DEPARTMENT)
def department_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a department nothing refers to."""
    department = _department_or_404(request, pk)
    try:
        org.delete_department(actor=request.user, department=department)
    except DomainError as exc:
        _message_error(request, exc)
        return redirect("accounts:department-detail", pk=department.pk)
    messages.success(request, _("Department %(name)s deleted.") % {"name": department.name})
    return redirect("accounts:department-list")


@permission_required(org.MANAGE_DEPARTMENT)
def department_import(request: HttpRequest) -> HttpResponse:
    """Import departments from the template (all rows or none)."""
    return _import(
        request,
        columns=org.department_columns(),
        service=org.import_departments,
        template="accounts/department_import.html",
        context={},
        success=_("%(n)s departments imported."),
        redirect_to=reverse("accounts:department-list"),
    )


@permission_required(org.MANAGE_DEPARTMENT)
def department_template(request: HttpRequest) -> HttpResponse:
    """The department import template."""
    columns, example = org.department_template()
    return xlsx_response(
        template_workbook(title=_("Departments"), columns=columns, example=example),
        _("department-import-template") + ".xlsx",
    )


@permission_required(org.MANAGE_DEPARTMENT)
def department_export(request: HttpRequest) -> HttpResponse:
    """The (filtered) department list as Excel."""
    _form, queryset, _filtered = _department_rows(request)
    workbook = org.export_departments(actor=request.user, departments=queryset)
    return xlsx_response(workbook, _("departments") + ".xlsx")


# --------------------------------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------------------------------


def _user_or_404(request: HttpRequest, pk: int) -> User:
    return get_object_or_404(org.visible_users(request.user).select_related("department"), pk=pk)


def _filtered_users(request: HttpRequest):
    form = UserFilterForm(request.GET or None, actor=request.user)
    return form, org.user_filter(org.visible_users(request.user), **form.filters())


@permission_required(org.MANAGE_USER)
def user_list(request: HttpRequest) -> HttpResponse:
    """Users in the actor's scope: search, department (and below), status, role; mobiles masked."""
    form, queryset = _filtered_users(request)
    queryset = queryset.select_related("department").prefetch_related(
        Prefetch("roles", queryset=Role.objects.order_by("code"))
    )
    queryset, sort = apply_sort(
        request, queryset, ("username", "full_name", "department__code", "date_joined"), "username"
    )
    listing = paginate(request, queryset, sort=sort)
    for user in listing.rows:
        user.masked_mobile = mask_mobile(user.mobile)
    context = {"form": form, "listing": listing, "import_form": ImportForm(), "export_query": request.GET.urlencode()}
    template = "accounts/user_list.html#table" if is_partial(request) else "accounts/user_list.html"
    return render(request, template, context)


@permission_required(org.MANAGE_USER)
def user_create(request: HttpRequest) -> HttpResponse:
    """Add a user with an initial password."""
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = org.create_user(
                actor=request.user,
                username=data["username"],
                full_name=data["full_name"],
                department=data["department"],
                password=data["password"],
                mobile=data["mobile"],
                title=data["title"],
                is_staff=data["is_staff"],
                roles=list(data["roles"]),
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("User %(name)s created.") % {"name": user.username})
            return redirect("accounts:user-detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "account": None})


@permission_required(org.MANAGE_USER)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A user: fields, roles, posts, sessions and audit history; the mobile unmasked only on request and audited."""
    account = _user_or_404(request, pk)
    reveal = request.GET.get("reveal") == "mobile" and request.user.has_perm(org.VIEW_PERSONAL_DATA)
    if reveal and account.mobile:
        record(request.user, actions.PERSONAL_DATA_VIEWED, account, note="mobile")
    context = {
        "account": account,
        "mobile": account.mobile if reveal else mask_mobile(account.mobile),
        "may_reveal": request.user.has_perm(org.VIEW_PERSONAL_DATA) and not reveal and bool(account.mobile),
        "roles": account.roles.order_by("code"),
        "posts": account.posts.select_related("department"),
        "sessions": UserSession.objects.filter(user=account, ended_at__isnull=True),
        "history": history_of(account)[:50],
    }
    return render(request, "accounts/user_detail.html", context)


@permission_required(org.MANAGE_USER)
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a user's fields."""
    account = _user_or_404(request, pk)
    initial = {
        "full_name": account.full_name,
        "department": account.department_id,
        "title": account.title,
        # The edit form never discloses the full mobile: it shows the mask, and an unchanged mask keeps the number.
        "mobile": mask_mobile(account.mobile),
        "is_staff": account.is_staff,
    }
    form = UserEditForm(request.POST or None, actor=request.user, initial=initial)
    if account.department_id:
        # The current department stays choosable even if it is now disabled.
        form.fields["department"].queryset = (
            form.fields["department"].queryset | Department.objects.filter(pk=account.department_id)
        ).distinct()
    if request.method == "POST" and form.is_valid():
        try:
            data = dict(form.cleaned_data)
            if data.get("mobile") and data["mobile"] == mask_mobile(account.mobile):
                data["mobile"] = account.mobile
            org.update_user(actor=request.user, user=account, **data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("User saved."))
            return redirect("accounts:user-detail", pk=account.pk)
    return render(request, "accounts/user_form.html", {"form": form, "account": account})


@permission_required(org.MANAGE_USER)
def user_roles(request: HttpRequest, pk: int) -> HttpResponse:
    """Roles and posts (兼职) of a user."""
    account = _user_or_404(request, pk)
    posts = [{"department": p.department_id, "title": p.title} for p in account.posts.all()]
    data = request.POST if request.method == "POST" else None
    form = UserRolesForm(data, user=account, initial={"roles": list(account.roles.values_list("pk", flat=True))})
    formset = PostFormSet(data, prefix="posts", initial=posts, form_kwargs={"actor": request.user})
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        chosen = [
            (f.cleaned_data["department"], f.cleaned_data.get("title", ""))
            for f in formset
            if f.cleaned_data.get("department")
        ]
        try:
            with transaction.atomic():  # both or neither
                org.set_user_roles(actor=request.user, user=account, roles=list(form.cleaned_data["roles"]))
                org.set_user_posts(actor=request.user, user=account, posts=chosen)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Roles and posts saved."))
            return redirect("accounts:user-detail", pk=account.pk)
    return render(request, "accounts/user_roles.html", {"form": form, "formset": formset, "account": account})


@require_POST
@permission_required(org.MANAGE_USER)
def user_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Disable an enabled user (ending their sessions), or enable a disabled one."""
    account = _user_or_404(request, pk)
    try:
        if account.is_active:
            org.disable_user(actor=request.user, user=account)
            messages.success(request, _("User %(name)s disabled; their sessions have ended.") % {"name": account})
        else:
            org.enable_user(actor=request.user, user=account)
            messages.success(request, _("User %(name)s enabled.") % {"name": account})
    except DomainError as exc:
        _message_error(request, exc)
    return redirect(_next_or(request, reverse("accounts:user-detail", args=[account.pk])))


@permission_required(org.MANAGE_USER)
def user_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a user a new initial password."""
    account = _user_or_404(request, pk)
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org.reset_password(actor=request.user, user=account, new_password=form.cleaned_data["new_password1"])
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request, _("Password reset; %(name)s must change it at the next sign-in.") % {"name": account}
            )
            return redirect("accounts:user-detail", pk=account.pk)
    return render(request, "accounts/user_password_reset.html", {"form": form, "account": account})


@permission_required(org.MANAGE_USER)
def user_import(request: HttpRequest) -> HttpResponse:
    """Import users from the template (all rows or none)."""
    return _import(
        request,
        columns=org.USER_COLUMNS,
        service=org.import_users,
        template="accounts/user_import.html",
        context={},
        success=_("%(n)s users imported."),
        redirect_to=reverse("accounts:user-list"),
    )


@permission_required(org.MANAGE_USER)
def user_template(request: HttpRequest) -> HttpResponse:
    """The user import template."""
    columns, example = org.user_template()
    return xlsx_response(
        template_workbook(title=_("Users"), columns=columns, example=example), _("user-import-template") + ".xlsx"
    )


@permission_required(org.MANAGE_USER)
def user_export(request: HttpRequest) -> HttpResponse:
    """The (filtered) user list as Excel; mobiles masked unless the actor may view personal data."""
    _form, queryset = _filtered_users(request)
    workbook = org.export_users(actor=request.user, users=queryset.order_by("username"))
    return xlsx_response(workbook, _("users") + ".xlsx")


# --------------------------------------------------------------------------------------------------
# Roles
# --------------------------------------------------------------------------------------------------


def _role_or_404(request: HttpRequest, pk: int) -> Role:
    return get_object_or_404(org.visible_roles(request.user), pk=pk)


@permission_required(org.MANAGE_ROLE)
def role_list(request: HttpRequest) -> HttpResponse:
    """Roles with their data scope, administrator kind and number of holders."""
    form = RoleFilterForm(request.GET or None)
    queryset = org.visible_roles(request.user).annotate(user_count=Count("users", distinct=True))
    if form.is_valid():
        q, status = form.cleaned_data["q"].strip(), form.cleaned_data["status"]
        if q:
            from django.db.models import Q

            queryset = queryset.filter(Q(code__icontains=q) | Q(name__icontains=q))
        if status:
            queryset = queryset.filter(is_active=status == "active")
    queryset, sort = apply_sort(request, queryset, ("code", "name", "data_scope"), "code")
    listing = paginate(request, queryset, sort=sort)
    template = "accounts/role_list.html#table" if is_partial(request) else "accounts/role_list.html"
    return render(request, template, {"form": form, "listing": listing})


def _role_kwargs(data: dict) -> dict:
    return {
        "code": data["code"],
        "name": data["name"],
        "description": data["description"],
        "permissions": list(data["permissions"]),
        "data_scope": data["data_scope"],
        "departments": list(data["departments"]),
    }


@permission_required(org.MANAGE_ROLE)
def role_create(request: HttpRequest) -> HttpResponse:
    """Add a role."""
    form = RoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            role = org.create_role(
                actor=request.user, admin_kind=form.cleaned_data["admin_kind"] or "", **_role_kwargs(form.cleaned_data)
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Role %(name)s created.") % {"name": role.name})
            return redirect("accounts:role-detail", pk=role.pk)
    return render(request, "accounts/role_form.html", {"form": form, "role": None})


@permission_required(org.MANAGE_ROLE)
def role_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A role: permissions by app, data scope, departments, holders and audit history."""
    role = _role_or_404(request, pk)
    context = {
        "role": role,
        "permission_groups": org.permission_groups(role.permissions.select_related("content_type")),
        "departments": role.departments.all(),
        "holders": role.users.select_related("department").order_by("username")[:200],
        "holder_count": role.users.count(),
        "history": history_of(role)[:50],
    }
    return render(request, "accounts/role_detail.html", context)


@permission_required(org.MANAGE_ROLE)
def role_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a role's permissions, data scope and departments."""
    role = _role_or_404(request, pk)
    initial = {
        "code": role.code,
        "name": role.name,
        "description": role.description,
        "admin_kind": role.admin_kind,
        "data_scope": role.data_scope,
        "is_active": role.is_active,
        "departments": list(role.departments.values_list("pk", flat=True)),
        "permissions": list(role.permissions.values_list("pk", flat=True)),
    }
    form = RoleForm(request.POST or None, role=role, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            org.update_role(
                actor=request.user,
                role=role,
                admin_kind=form.cleaned_data["admin_kind"] or "",
                is_active=form.cleaned_data["is_active"],
                **_role_kwargs(form.cleaned_data),
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Role saved."))
            return redirect("accounts:role-detail", pk=role.pk)
    return render(request, "accounts/role_form.html", {"form": form, "role": role})
