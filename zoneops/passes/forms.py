"""Registry forms of the passes app: UI input only; the rules live in zoneops.passes.registry."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zoneops.accounts.models import Department, DepartmentKind
from zoneops.core import clock
from zoneops.passes.models import Area, Checkpoint, CheckpointKind, DeliveryStation, Platform, StationInspection


class _Styled(forms.Form):
    """Bootstrap classes on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class CheckpointForm(_Styled):
    """A checkpoint; its code is shown read-only once created."""

    code = forms.CharField(
        label=_("Code"), max_length=30, help_text=_("Capital letters and digits joined by hyphens, e.g. ZYHY-N.")
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=CheckpointKind.choices)
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    latitude = forms.DecimalField(label=_("Latitude"), required=False, widget=forms.NumberInput(attrs={"step": "any"}))
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, widget=forms.NumberInput(attrs={"step": "any"})
    )
    subdistrict = forms.ModelChoiceField(
        label=_("Subdistrict"),
        queryset=Department.objects.filter(kind=DepartmentKind.SUBDISTRICT, is_active=True).order_by(
            "sort_order", "code"
        ),
        required=False,
    )
    area = forms.ModelChoiceField(
        label=_("Area"),
        queryset=Area.objects.order_by("code"),
        required=False,
        help_text=_("A pass scoped to the area is good at each of its checkpoints."),
    )

    def __init__(self, *args, checkpoint: Checkpoint | None = None, **kwargs):
        if checkpoint is not None:
            kwargs.setdefault("initial", self.initial_for(checkpoint))
        super().__init__(*args, **kwargs)
        if checkpoint is not None:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("The code cannot change: issued passes name it.")

    @staticmethod
    def initial_for(checkpoint: Checkpoint) -> dict[str, Any]:
        """The form's values from a saved checkpoint."""
        return {
            "code": checkpoint.code,
            "name": checkpoint.name,
            "kind": checkpoint.kind,
            "location": checkpoint.location,
            "latitude": checkpoint.latitude,
            "longitude": checkpoint.longitude,
            "subdistrict": checkpoint.subdistrict_id,
            "area": checkpoint.area_id,
        }

    def service_values(self) -> dict[str, Any]:
        """Cleaned data as the registry service takes it."""
        return dict(self.cleaned_data)


class StationForm(_Styled):
    """A delivery station; on edit an empty mobile keeps the one on file (it is never shown in clear)."""

    platform = forms.ChoiceField(label=_("Platform"), choices=Platform.choices)
    name = forms.CharField(label=_("Station name"), max_length=100)
    manager_name = forms.CharField(label=_("Manager"), max_length=60)
    manager_mobile = forms.CharField(label=_("Manager mobile"), max_length=20)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)

    def __init__(self, *args, station: DeliveryStation | None = None, **kwargs):
        self.station = station
        if station is not None:
            kwargs.setdefault(
                "initial",
                {
                    "platform": station.platform,
                    "name": station.name,
                    "manager_name": station.manager_name,
                    "address": station.address,
                },
            )
        super().__init__(*args, **kwargs)
        if station is not None:
            mobile = self.fields["manager_mobile"]
            mobile.required = False
            mobile.help_text = _("Leave empty to keep the number on file.")
            masked = DeliveryStation._meta.get_field("manager_mobile").masked(station.manager_mobile)
            mobile.widget.attrs["placeholder"] = masked

    def service_values(self) -> dict[str, Any]:
        """Cleaned data as the registry service takes it (an empty mobile on edit is left out)."""
        values = dict(self.cleaned_data)
        if self.station is not None and not values.get("manager_mobile"):
            values.pop("manager_mobile", None)
        return values


RESULTS = (("passed", _("Passed")), ("rectify", _("To rectify")))


class InspectionForm(_Styled):
    """A supervision visit to a delivery station."""

    inspected_on = forms.DateField(label=_("Inspected on"), widget=forms.DateInput(attrs={"type": "date"}))
    result = forms.ChoiceField(label=_("Result"), choices=RESULTS)
    findings = forms.CharField(label=_("Findings"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, inspection: StationInspection | None = None, **kwargs):
        if inspection is not None:
            initial = {
                "inspected_on": inspection.inspected_on,
                "result": "passed" if inspection.passed else "rectify",
                "findings": inspection.findings,
            }
        else:
            initial = {"inspected_on": clock.today(), "result": "passed"}
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)

    def service_values(self) -> dict[str, Any]:
        """Cleaned data as the registry service takes it."""
        data = self.cleaned_data
        return {
            "inspected_on": data["inspected_on"],
            "passed": data["result"] == "passed",
            "findings": data["findings"],
        }
