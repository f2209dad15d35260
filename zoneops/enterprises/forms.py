"""Enterprise forms: UI input only; validation that matters lives in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zoneops.accounts.models import Department, DepartmentKind
from zoneops.enterprises.models import Enterprise, Industry, ListingBoard


class EnterpriseForm(forms.Form):
    """Registry fields of one enterprise."""

    name = forms.CharField(label=_("Enterprise name"), max_length=200)
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=30)
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=60, required=False)
    industry = forms.ChoiceField(label=_("Industry"), choices=Industry.choices)
    subdistrict = forms.ModelChoiceField(
        label=_("Subdistrict"),
        queryset=Department.objects.filter(kind=DepartmentKind.SUBDISTRICT, is_active=True).order_by(
            "sort_order", "code"
        ),
        required=False,
    )
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    established_on = forms.DateField(
        label=_("Established on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    settled_on = forms.DateField(
        label=_("Settled in the zone on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    registered_capital = forms.DecimalField(
        label=_("Registered capital (yuan)"), required=False, max_digits=18, decimal_places=2, min_value=0
    )
    group_name = forms.CharField(label=_("Parent group"), max_length=200, required=False)
    is_key = forms.BooleanField(label=_("Key enterprise"), required=False)
    is_supply_assured = forms.BooleanField(label=_("Supply-assured enterprise"), required=False)
    is_foreign_funded = forms.BooleanField(label=_("Foreign-funded"), required=False)
    is_listed = forms.BooleanField(label=_("Listed"), required=False)
    listing_board = forms.ChoiceField(
        label=_("Listing board"), choices=[("", "—"), *ListingBoard.choices], required=False
    )
    ticker = forms.CharField(label=_("Ticker"), max_length=20, required=False)
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separate tags with commas."), max_length=500)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, prospect: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if prospect:
            # A prospective investor may be edited before its credit code is known; entering one registers it.
            self.fields["uscc"].required = False
            self.fields["uscc"].help_text = _("Credit code to be completed; entering it registers the enterprise.")
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else "form-control"
            if isinstance(field.widget, forms.Select):
                css = "form-select"
            field.widget.attrs.setdefault("class", css)

    @classmethod
    def initial_for(cls, enterprise: Enterprise) -> dict:
        """The form's initial values from a saved enterprise."""
        initial = {name: getattr(enterprise, name) for name in cls.base_fields if name != "tags"}
        initial["uscc"] = enterprise.uscc or ""
        initial["subdistrict"] = enterprise.subdistrict_id
        initial["tags"] = ", ".join(t.name for t in enterprise.tags.all())
        return initial

    def service_kwargs(self) -> dict:
        """Cleaned data as the service's keyword arguments."""
        data = dict(self.cleaned_data)
        data["tags"] = [data.pop("tags") or ""]
        return data


class ContactForm(forms.Form):
    """Add one contact."""

    name = forms.CharField(label=_("Name"), max_length=60)
    title = forms.CharField(label=_("Job title"), max_length=60, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=20)
    is_primary = forms.BooleanField(label=_("Primary contact"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = (
                "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)


class ImportForm(forms.Form):
    """Upload a filled-in template."""

    file = forms.FileField(label=_("Excel file (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["class"] = "form-control"


class CloseForm(forms.Form):
    """Reason for closing or reopening."""

    note = forms.CharField(label=_("Note"), max_length=200, required=False)
