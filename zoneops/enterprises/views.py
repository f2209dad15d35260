"""Enterprise pages: list (search, filters, sort, pages, export), detail with panels, forms, import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zoneops.core.errors import DomainError
from zoneops.core.excel import ImportFailed, template_workbook, xlsx_response
from zoneops.core.listing import apply_sort, is_partial, paginate
from zoneops.enterprises import services
from zoneops.enterprises.filters import EnterpriseFilter
from zoneops.enterprises.forms import CloseForm, ContactForm, EnterpriseForm, ImportForm
from zoneops.enterprises.models import EnterpriseContact, EnterpriseStatus
from zoneops.enterprises.panels import panels_for
from zoneops.enterprises.permissions import (
    ADD_ENTERPRISE,
    CHANGE_ENTERPRISE,
    EXPORT_ENTERPRISE,
    IMPORT_ENTERPRISE,
    VIEW_ENTERPRISE,
)
from zoneops.enterprises.selectors import (
    enterprise_for_user_or_404,
    enterprise_list_rows,
    enterprises_with_name,
    visible_enterprises,
)

SORTABLE = ("name", "uscc", "industry", "subdistrict__name", "established_on", "registered_capital", "created_at")


def _form_errors(form, exc: DomainError) -> None:
    """Show a domain error on the form field it names (or on the form)."""
    if not exc.errors:
        form.add_error(None, exc.message)
        return
    for field, texts in exc.errors.items():
        form.add_error(field if field in form.fields else None, list(texts))


def _without(request, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def _sort_links(request, current: str, columns) -> list[dict]:
    """Header links that sort by a column, toggling direction on the current one."""
    base = _without(request, "sort", "page")
    links = []
    for key, label in columns:
        direction = "asc" if current == key else "desc" if current == f"-{key}" else ""
        target = f"-{key}" if current == key else key
        query = f"{base}&sort={target}" if base else f"sort={target}"
        links.append({"key": key, "label": label, "url": f"?{query}", "direction": direction})
    return links


def _filtered(request, perm: str = VIEW_ENTERPRISE):
    filterset = EnterpriseFilter(request.GET or None, queryset=visible_enterprises(request.user, perm))
    return filterset, filterset.qs


@login_required
@permission_required(VIEW_ENTERPRISE, raise_exception=True)
def enterprise_list(request):
    """The registry: search form, toolbar, table with operations, pagination."""
    filterset, queryset = _filtered(request)
    queryset, sort = apply_sort(request, enterprise_list_rows(queryset), SORTABLE, "name")
    listing = paginate(request, queryset, sort=sort)
    enterprises = list(listing.rows)
    primary = [e.primary_contacts[0] for e in enterprises if e.primary_contacts]
    shown = {
        view.id: view
        for view in services.disclose_contacts(
            actor=request.user, contacts=primary, purpose=f"enterprise list page {listing.page.number}"
        )
    }
    rows = [
        {"enterprise": e, "contact": shown.get(e.primary_contacts[0].pk) if e.primary_contacts else None}
        for e in enterprises
    ]
    user = request.user
    context = {
        "filter": filterset,
        "listing": listing,
        "rows": rows,
        "can_add": user.has_perm(ADD_ENTERPRISE),
        "can_change": user.has_perm(CHANGE_ENTERPRISE),
        "can_import": user.has_perm(IMPORT_ENTERPRISE),
        "can_export": user.has_perm(EXPORT_ENTERPRISE),
        "columns": _sort_links(
            request,
            sort,
            [
                ("name", _("Enterprise name")),
                ("uscc", _("Unified social credit code")),
                ("industry", _("Industry")),
                ("subdistrict__name", _("Subdistrict")),
                ("established_on", _("Established on")),
                ("registered_capital", _("Registered capital (10k yuan)")),
            ],
        ),
        "export_query": _without(request, "page", "page_size", "sort"),
    }
    template = "enterprises/enterprise_list.html"
    if is_partial(request):
        template += "#table"
    return render(request, template, context)


@login_required
@permission_required(EXPORT_ENTERPRISE, raise_exception=True)
def enterprise_export(request):
    """The filtered list as a formatted Excel report (audited)."""
    queryset = _filtered(request, EXPORT_ENTERPRISE)[1]
    workbook = services.export_enterprises(actor=request.user, queryset=queryset, note=request.GET.urlencode())
    return xlsx_response(workbook, _("Enterprises") + ".xlsx")


@login_required
@permission_required(IMPORT_ENTERPRISE, raise_exception=True)
def enterprise_template(request):
    """The import template with dropdowns and an example row."""
    workbook = template_workbook(
        title=_("Enterprises"), columns=services.import_columns(), example=services.import_example()
    )
    return xlsx_response(workbook, _("Enterprise import template") + ".xlsx")


@login_required
@permission_required(IMPORT_ENTERPRISE, raise_exception=True)
def enterprise_import(request):
    """Upload the template: every row is checked, and nothing is written unless all rows are good."""
    form = ImportForm(request.POST or None, request.FILES or None)
    row_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = services.import_enterprises(actor=request.user, upload=form.cleaned_data["file"])
        except ImportFailed as exc:
            form.add_error(None, exc.message)
            row_errors = [str(e) for e in exc.row_errors]
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Import finished: %(created)s created, %(updated)s updated.")
                % {"created": result.created, "updated": result.updated},
            )
            return redirect("enterprises:enterprise-list")
    return render(request, "enterprises/enterprise_import.html", {"form": form, "row_errors": row_errors})


@login_required
@permission_required(ADD_ENTERPRISE, raise_exception=True)
def enterprise_create(request):
    """Register an enterprise."""
    form = EnterpriseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enterprise = services.create_enterprise(actor=request.user, **form.service_kwargs())
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            _warn_duplicate_name(request, enterprise)
            messages.success(request, _("Enterprise registered."))
            return redirect("enterprises:enterprise-detail", pk=enterprise.pk)
    return render(request, "enterprises/enterprise_form.html", {"form": form, "enterprise": None})


def _warn_duplicate_name(request, enterprise) -> None:
    others = enterprises_with_name(enterprise.name, exclude_pk=enterprise.pk)
    if others:
        messages.warning(
            request,
            _("%(count)s other enterprise(s) carry the same name; check that this is not a duplicate.")
            % {"count": others},
        )


@login_required
@permission_required(CHANGE_ENTERPRISE, raise_exception=True)
def enterprise_edit(request, pk: int):
    """Change an enterprise's registry fields."""
    enterprise = enterprise_for_user_or_404(request.user, pk, CHANGE_ENTERPRISE)
    form = EnterpriseForm(
        request.POST or None, initial=EnterpriseForm.initial_for(enterprise), prospect=enterprise.is_prospect
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_enterprise(actor=request.user, enterprise=enterprise, **form.service_kwargs())
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            _warn_duplicate_name(request, enterprise)
            messages.success(request, _("Enterprise updated."))
            return redirect("enterprises:enterprise-detail", pk=enterprise.pk)
    return render(request, "enterprises/enterprise_form.html", {"form": form, "enterprise": enterprise})


@login_required
@permission_required(VIEW_ENTERPRISE, raise_exception=True)
def enterprise_detail(request, pk: int):
    """Everything about one enterprise: registry fields and the panels other modules register."""
    enterprise = enterprise_for_user_or_404(request.user, pk)
    user = request.user
    context = {
        "enterprise": enterprise,
        "tags": list(enterprise.tags.all()),
        "panels": panels_for(user, enterprise),
        "can_change": user.has_perm(CHANGE_ENTERPRISE),
        "is_active": enterprise.status == EnterpriseStatus.ACTIVE,
        "is_prospect": enterprise.is_prospect,
    }
    return render(request, "enterprises/enterprise_detail.html", context)


@login_required
@permission_required(CHANGE_ENTERPRISE, raise_exception=True)
@require_POST
def contact_add(request, pk: int):
    """Add a contact from the detail page."""
    enterprise = enterprise_for_user_or_404(request.user, pk, CHANGE_ENTERPRISE)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            services.add_contact(actor=request.user, enterprise=enterprise, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Contact added."))
    else:
        for errors in form.errors.values():
            messages.error(request, errors[0])
    return redirect("enterprises:enterprise-detail", pk=enterprise.pk)


@login_required
@permission_required(CHANGE_ENTERPRISE, raise_exception=True)
@require_POST
def contact_remove(request, pk: int, contact_pk: int):
    """Remove a contact from the detail page."""
    enterprise = enterprise_for_user_or_404(request.user, pk, CHANGE_ENTERPRISE)
    contact = get_object_or_404(EnterpriseContact, pk=contact_pk, enterprise=enterprise)
    services.remove_contact(actor=request.user, contact=contact)
    messages.success(request, _("Contact removed."))
    return redirect("enterprises:enterprise-detail", pk=enterprise.pk)


@login_required
@permission_required(CHANGE_ENTERPRISE, raise_exception=True)
@require_POST
def enterprise_close(request, pk: int):
    """Close (or reopen) an enterprise."""
    enterprise = enterprise_for_user_or_404(request.user, pk, CHANGE_ENTERPRISE)
    form = CloseForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if enterprise.status == EnterpriseStatus.ACTIVE:
            services.close_enterprise(actor=request.user, enterprise=enterprise, note=note)
            messages.success(request, _("Enterprise closed."))
        else:
            services.reopen_enterprise(actor=request.user, enterprise=enterprise, note=note)
            messages.success(request, _("Enterprise reopened."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("enterprises:enterprise-detail", pk=enterprise.pk)
