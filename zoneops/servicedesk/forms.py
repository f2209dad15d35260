"""Service desk forms: UI input only (the services validate and write)."""

from __future__ import annotations

import json

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zoneops.accounts.models import Department
from zoneops.servicedesk.choices import CaseStatus, Channel, Priority
from zoneops.servicedesk.models import Category, HotlineCategory, SlaRule


def _select(choices, blank=True):
    return forms.ChoiceField(
        choices=([("", "—")] if blank else []) + list(choices),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )


class CaseSearchForm(forms.Form):
    """The queue page's search card (the filter itself is selectors.filter_cases)."""

    q = forms.CharField(
        label=_("Keyword"),
        required=False,
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": _("Number, title, description, requester")}
        ),
    )
    status = _select(CaseStatus.choices)
    department = forms.ChoiceField(
        label=_("Lead department"), required=False, widget=forms.Select(attrs={"class": "form-select form-select-sm"})
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, widget=forms.Select(attrs={"class": "form-select form-select-sm"})
    )
    priority = _select(Priority.choices)
    channel = _select(Channel.choices)
    overdue = _select([("1", _("Overdue")), ("0", _("Not overdue"))])
    created_from = forms.DateField(
        label=_("Registered from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )
    created_to = forms.DateField(
        label=_("Registered to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].label = _("Status")
        self.fields["priority"].label = _("Priority")
        self.fields["channel"].label = _("Channel")
        self.fields["overdue"].label = _("Overdue")
        self.fields["department"].choices = [("", "—")] + list(
            Department.objects.filter(is_active=True).order_by("path").values_list("code", "name")
        )
        self.fields["category"].choices = [("", "—")] + list(
            Category.objects.filter(is_active=True).values_list("code", "name")
        )


class IntakeForm(forms.Form):
    """Register a case (受理登记)."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    hotline = forms.ModelChoiceField(
        label=_("Hotline"),
        queryset=HotlineCategory.objects.filter(is_active=True),
        required=False,
        to_field_name="code",
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(is_active=True), to_field_name="code"
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    enterprise = forms.CharField(label=_("Enterprise credit code"), required=False, max_length=18)
    requester_name = forms.CharField(label=_("Requester"), required=False, max_length=60)
    requester_mobile = forms.CharField(label=_("Requester's mobile"), required=False, max_length=20)
    is_anonymous = forms.BooleanField(label=_("Anonymous"), required=False)
    address = forms.CharField(label=_("Address"), required=False, max_length=255)
    latitude = forms.DecimalField(label=_("Latitude"), required=False, max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label=_("Longitude"), required=False, max_digits=9, decimal_places=6)
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separate with commas"))
    answer = forms.CharField(
        label=_("Answer at once (consultations)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    attachment = forms.FileField(label=_("Attachment"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


# ---------------------------------------------------------------------------------------------- catalogue


def _style(form: forms.Form) -> None:
    """Bootstrap classes on every widget (the catalogue forms share case_form's look)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


CODE_HELP = _("Letters, digits, '_' or '-'; it cannot change once created.")


class CatalogueFilterForm(forms.Form):
    """Search over a catalogue list: code or name, and status."""

    q = forms.CharField(
        label=_("Code or name"),
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", "—"), ("active", _("Active")), ("inactive", _("Disabled"))],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )


class CategoryForm(forms.Form):
    """A category of the service catalogue (the service validates and writes)."""

    code = forms.CharField(label=_("Code"), max_length=30, help_text=CODE_HELP)
    name = forms.CharField(label=_("Name"), max_length=60)
    parent = forms.ModelChoiceField(
        label=_("Parent category"), queryset=Category.objects.none(), required=False, to_field_name="code"
    )
    default_department = forms.ModelChoiceField(
        label=_("Default handling department"),
        queryset=Department.objects.none(),
        required=False,
        to_field_name="code",
        help_text=_("Suggested when the desk dispatches a case of this category."),
    )
    sla_rule = forms.ModelChoiceField(
        label=_("SLA rule"),
        queryset=SlaRule.objects.order_by("code"),
        to_field_name="code",
        help_text=_("The time limits of cases of this category; a new rule applies to cases dispatched from then on."),
    )
    description = forms.CharField(label=_("Description"), max_length=255, required=False)
    keywords = forms.CharField(label=_("Keywords"), max_length=200, required=False)
    sort_order = forms.IntegerField(label=_("Sort order"), min_value=0, initial=0)
    is_consultation = forms.BooleanField(
        label=_("Consultation (may be answered at intake)"), required=False, initial=False
    )
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)
    extra_fields = forms.CharField(
        label=_("Extra fields asked at intake"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_(
            'Optional, as JSON: [{"code": "workers", "label": "Number of workers", "type": "int", "required": false}]; '
            'type is text, int or choice (with "choices": ["…", "…"]).'
        ),
    )

    def __init__(self, *args, category: Category | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Category.objects.order_by("sort_order", "code")
        departments = Department.objects.filter(is_active=True)
        if category is not None:
            self.fields["code"].disabled = True
            parents = parents.exclude(pk=category.pk)
            if category.default_department_id:
                # Keep a since-disabled department selectable, so saving other fields does not clear it.
                departments = Department.objects.filter(Q(is_active=True) | Q(pk=category.default_department_id))
        self.fields["parent"].queryset = parents
        self.fields["default_department"].queryset = departments.order_by("path")
        _style(self)

    def clean_extra_fields(self):
        text = (self.cleaned_data.get("extra_fields") or "").strip()
        if not text:
            return []
        try:
            return json.loads(text)
        except ValueError:
            raise forms.ValidationError(_("Enter valid JSON: a list of fields as in the example.")) from None


class SlaRuleForm(forms.Form):
    """An SLA rule: normal and urgent limits in working time, emergency limits in wall-clock minutes."""

    notice = _(
        "Deadlines are fixed when a case is dispatched: a change applies to cases dispatched from now on "
        "and does not move the deadlines of cases already dispatched."
    )
    code = forms.CharField(label=_("Code"), max_length=30, help_text=CODE_HELP)
    name = forms.CharField(label=_("Name"), max_length=60)
    sign_working_hours = forms.DecimalField(
        label=_("Sign for within (working hours)"), max_digits=5, decimal_places=2, initial=2
    )
    resolve_working_days = forms.DecimalField(
        label=_("Resolve within (working days)"), max_digits=5, decimal_places=2, initial=5
    )
    urgent_sign_working_hours = forms.DecimalField(
        label=_("Urgent: sign for within (working hours)"), max_digits=5, decimal_places=2, initial=1
    )
    urgent_resolve_working_days = forms.DecimalField(
        label=_("Urgent: resolve within (working days)"), max_digits=5, decimal_places=2, initial=2
    )
    emergency_sign_minutes = forms.IntegerField(
        label=_("Emergency: sign for within (minutes, wall clock)"), min_value=1, initial=30
    )
    emergency_resolve_minutes = forms.IntegerField(
        label=_("Emergency: resolve within (minutes, wall clock)"),
        min_value=1,
        initial=120,
        help_text=_("120 minutes = 2 hours; emergencies count every minute, nights and holidays included."),
    )

    def __init__(self, *args, rule: SlaRule | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if rule is not None:
            self.fields["code"].disabled = True
        for name in ("sign_working_hours", "resolve_working_days", "urgent_sign_working_hours"):
            self.fields[name].widget.attrs["step"] = "0.25"
        self.fields["urgent_resolve_working_days"].widget.attrs["step"] = "0.25"
        _style(self)


class HotlineForm(forms.Form):
    """One of the zone's hotline / website categories."""

    code = forms.CharField(label=_("Code"), max_length=30, help_text=CODE_HELP)
    name = forms.CharField(label=_("Name"), max_length=60)
    number = forms.CharField(label=_("Phone number"), max_length=40, required=False)
    website = forms.CharField(label=_("Website"), max_length=200, required=False, help_text=_("https://…"))
    sort_order = forms.IntegerField(label=_("Sort order"), min_value=0, initial=0)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args, hotline: HotlineCategory | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if hotline is not None:
            self.fields["code"].disabled = True
        _style(self)
