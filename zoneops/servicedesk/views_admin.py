"""Service catalogue administration pages: categories, SLA rules and hotline categories (parse, call, render)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zoneops.core.errors import DomainError, OutOfScope, PermissionDenied
from zoneops.servicedesk import catalogue
from zoneops.servicedesk import permissions as perms
from zoneops.servicedesk.forms import CatalogueFilterForm, CategoryForm, HotlineForm, SlaRuleForm
from zoneops.servicedesk.models import Category, HotlineCategory, SlaRule


def needs(perm: str) -> Callable:
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


def _refused(exc: DomainError) -> None:
    """Permission and scope refusals are HTTP answers, not form errors."""
    if isinstance(exc, PermissionDenied):
        raise HttpForbidden from exc
    if isinstance(exc, OutOfScope):
        raise Http404 from exc


def _form_errors(form, exc: DomainError) -> None:
    """Show a service's DomainError on the field it names (or on top of the form)."""
    _refused(exc)
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _message_error(request: HttpRequest, exc: DomainError) -> None:
    _refused(exc)
    messages.error(request, exc.message)


def _filter(request: HttpRequest) -> tuple[CatalogueFilterForm, str, str]:
    form = CatalogueFilterForm(request.GET or None)
    if form.is_valid():
        return form, form.cleaned_data["q"], form.cleaned_data["status"]
    return form, "", ""


def _form_page(request: HttpRequest, form, *, title: str, list_url: str, list_label: str, notice: str = ""):
    return render(
        request,
        "servicedesk/catalogue_form.html",
        {"form": form, "title": title, "list_url": list_url, "list_label": list_label, "notice": notice},
    )


# ---------------------------------------------------------------------------------------------- categories


def _save(request: HttpRequest, form, obj, *, create: Callable, update: Callable, saved: str, list_name: str):
    """Run the create or update service for a valid form: redirect to the list, or put the refusal on the form."""
    data = dict(form.cleaned_data)
    code = data.pop("code")
    try:
        obj = create(actor=request.user, code=code, **data) if obj is None else update(request.user, obj, data)
    except DomainError as exc:
        _form_errors(form, exc)
        return None
    messages.success(request, saved % {"name": obj.name})
    return redirect(list_name)


def _after(request: HttpRequest, action: Callable, done: str, list_name: str, name: str) -> HttpResponse:
    """Run a list action (toggle, delete); a refusal becomes an error message; back to the list either way."""
    try:
        action()
    except DomainError as exc:
        _message_error(request, exc)
    else:
        messages.success(request, done % {"name": name})
    return redirect(list_name)


@needs(perms.MANAGE_CATALOGUE)
def category_list(request: HttpRequest) -> HttpResponse:
    """The service catalogue as a tree (a search shows the matches with their parent)."""
    form, q, status = _filter(request)
    qs = catalogue.filter_catalogue(
        Category.objects.select_related("parent", "default_department", "sla_rule"), q=q, status=status
    )
    context = {"form": form, "rows": catalogue.category_tree(qs), "filtered": bool(q or status)}
    return render(request, "servicedesk/category_list.html", context)


def _category_initial(category: Category) -> dict[str, Any]:
    return {
        "code": category.code,
        "name": category.name,
        "parent": category.parent.code if category.parent_id else None,
        "default_department": category.default_department.code if category.default_department_id else None,
        "sla_rule": category.sla_rule.code,
        "description": category.description,
        "keywords": category.keywords,
        "sort_order": category.sort_order,
        "is_consultation": category.is_consultation,
        "is_active": category.is_active,
        "extra_fields": json.dumps(category.extra_fields, ensure_ascii=False, indent=1)
        if category.extra_fields
        else "",
    }


@needs(perms.MANAGE_CATALOGUE)
def category_form(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Create a category (?parent=<code> preselects the parent) or edit one."""
    related = Category.objects.select_related("parent", "default_department", "sla_rule")
    category = get_object_or_404(related, code=code) if code else None
    initial = _category_initial(category) if category else {"parent": request.GET.get("parent") or None}
    form = CategoryForm(request.POST or None, initial=initial, category=category)
    if request.method == "POST" and form.is_valid():
        done = _save(
            request,
            form,
            category,
            create=catalogue.create_category,
            update=lambda actor, obj, data: catalogue.update_category(actor=actor, category=obj, **data),
            saved=_("Category %(name)s saved."),
            list_name="servicedesk:category-list",
        )
        if done:
            return done
    return _form_page(
        request,
        form,
        title=_("Edit category") if category else _("New category"),
        list_url=reverse("servicedesk:category-list"),
        list_label=_("Service catalogue"),
    )


@require_POST
@needs(perms.MANAGE_CATALOGUE)
def category_toggle(request: HttpRequest, code: str) -> HttpResponse:
    """Take a category out of use, or back into use."""
    category = get_object_or_404(Category, code=code)
    active = category.is_active
    return _after(
        request,
        lambda: catalogue.set_category_active(actor=request.user, category=category, is_active=not active),
        _("Category %(name)s is no longer in use.") if active else _("Category %(name)s is in use again."),
        "servicedesk:category-list",
        category.name,
    )


@require_POST
@needs(perms.MANAGE_CATALOGUE)
def category_delete(request: HttpRequest, code: str) -> HttpResponse:
    """Delete a category no case or sub-category points at."""
    category = get_object_or_404(Category, code=code)
    return _after(
        request,
        lambda: catalogue.delete_category(actor=request.user, category=category),
        _("Category %(name)s deleted."),
        "servicedesk:category-list",
        category.name,
    )


# ---------------------------------------------------------------------------------------------- SLA rules


@needs(perms.MANAGE_SLA)
def sla_rule_list(request: HttpRequest) -> HttpResponse:
    """SLA rules with their limits per priority and how many categories use each."""
    return render(
        request,
        "servicedesk/sla_rule_list.html",
        {"rules": catalogue.sla_rules_with_use(), "notice": SlaRuleForm.notice},
    )


@needs(perms.MANAGE_SLA)
def sla_rule_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or edit an SLA rule; deadlines of cases already dispatched stay as they are."""
    rule = get_object_or_404(SlaRule, pk=pk) if pk else None
    initial = {"code": rule.code, **{f: getattr(rule, f) for f in catalogue.SLA_FIELDS}} if rule else {}
    form = SlaRuleForm(request.POST or None, initial=initial, rule=rule)
    if request.method == "POST" and form.is_valid():
        done = _save(
            request,
            form,
            rule,
            create=catalogue.create_sla_rule,
            update=lambda actor, obj, data: catalogue.update_sla_rule(actor=actor, rule=obj, **data),
            saved=_("SLA rule %(name)s saved."),
            list_name="servicedesk:sla-rule-list",
        )
        if done:
            return done
    return _form_page(
        request,
        form,
        title=_("Edit SLA rule") if rule else _("New SLA rule"),
        list_url=reverse("servicedesk:sla-rule-list"),
        list_label=_("SLA rules"),
        notice=SlaRuleForm.notice,
    )


@require_POST
@needs(perms.MANAGE_SLA)
def sla_rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a rule no category uses."""
    rule = get_object_or_404(SlaRule, pk=pk)
    return _after(
        request,
        lambda: catalogue.delete_sla_rule(actor=request.user, rule=rule),
        _("SLA rule %(name)s deleted."),
        "servicedesk:sla-rule-list",
        rule.name,
    )


# ---------------------------------------------------------------------------------------------- hotlines


@needs(perms.MANAGE_HOTLINES)
def hotline_list(request: HttpRequest) -> HttpResponse:
    """The zone's hotline and website categories."""
    form, q, status = _filter(request)
    hotlines = catalogue.filter_catalogue(HotlineCategory.objects.order_by("sort_order", "code"), q=q, status=status)
    return render(request, "servicedesk/hotline_list.html", {"form": form, "hotlines": hotlines})


@needs(perms.MANAGE_HOTLINES)
def hotline_form(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Create or edit a hotline category."""
    hotline = get_object_or_404(HotlineCategory, code=code) if code else None
    initial = {"code": hotline.code, **{f: getattr(hotline, f) for f in catalogue.HOTLINE_FIELDS}} if hotline else {}
    form = HotlineForm(request.POST or None, initial=initial, hotline=hotline)
    if request.method == "POST" and form.is_valid():
        done = _save(
            request,
            form,
            hotline,
            create=catalogue.create_hotline,
            update=lambda actor, obj, data: catalogue.update_hotline(actor=actor, hotline=obj, **data),
            saved=_("Hotline %(name)s saved."),
            list_name="servicedesk:hotline-list",
        )
        if done:
            return done
    return _form_page(
        request,
        form,
        title=_("Edit hotline") if hotline else _("New hotline"),
        list_url=reverse("servicedesk:hotline-list"),
        list_label=_("Hotlines"),
    )


@require_POST
@needs(perms.MANAGE_HOTLINES)
def hotline_toggle(request: HttpRequest, code: str) -> HttpResponse:
    """Take a hotline out of use, or back into use."""
    hotline = get_object_or_404(HotlineCategory, code=code)
    active = hotline.is_active
    return _after(
        request,
        lambda: catalogue.set_hotline_active(actor=request.user, hotline=hotline, is_active=not active),
        _("Hotline %(name)s is no longer in use.") if active else _("Hotline %(name)s is in use again."),
        "servicedesk:hotline-list",
        hotline.name,
    )


@require_POST
@needs(perms.MANAGE_HOTLINES)
def hotline_delete(request: HttpRequest, code: str) -> HttpResponse:
    """Delete a hotline no case names."""
    hotline = get_object_or_404(HotlineCategory, code=code)
    return _after(
        request,
        lambda: catalogue.delete_hotline(actor=request.user, hotline=hotline),
        _("Hotline %(name)s deleted."),
        "servicedesk:hotline-list",
        hotline.name,
    )
