"""Service desk forms: UI input only (the services validate and write)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zoneops.accounts.models import Department
from zoneops.servicedesk.choices import CaseStatus, Channel, Priority
from zoneops.servicedesk.models import Category, HotlineCategory


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
