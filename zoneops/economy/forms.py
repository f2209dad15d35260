"""Economy UI forms: input only, no side effects."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zoneops.accounts.models import Department
from zoneops.economy.models import Indicator, IndicatorKind, PeerSet, RankBy, Region, RegionKind, ShareBase


class ImportForm(forms.Form):
    """Upload a whole period table."""

    period = forms.CharField(label=_("Period (2022-03 or 2022Q1)"), max_length=7)
    file = forms.FileField(label=_("Excel file (.xlsx)"))
    reason = forms.CharField(label=_("Reason (needed when the period is published)"), max_length=200, required=False)


class ReviseForm(forms.Form):
    """Change one figure with a reason."""

    value = forms.DecimalField(label=_("Value"), required=False, max_digits=20, decimal_places=4)
    growth_pct = forms.DecimalField(label=_("Official growth %"), required=False, max_digits=9, decimal_places=2)
    prior_value = forms.DecimalField(label=_("Prior-year value"), required=False, max_digits=20, decimal_places=4)
    reason = forms.CharField(label=_("Reason"), max_length=200)


def entry_field_name(indicator: Indicator, figure: str) -> str:
    """The grid's input name for one figure of one indicator."""
    return f"{indicator.code}__{figure}"


class EntryForm(forms.Form):
    """The period grid: indicators × value / official growth / prior-year value, for one region and period."""

    reason = forms.CharField(label=_("Reason (needed when the period is published)"), max_length=200, required=False)

    def __init__(self, *args, indicators: list[Indicator], **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            for figure, label in (
                ("value", _("Value")),
                ("growth_pct", _("Official growth %")),
                ("prior_value", _("Prior-year value")),
            ):
                self.fields[entry_field_name(indicator, figure)] = forms.CharField(
                    label=f"{indicator.name} {label}",
                    required=False,
                    max_length=30,
                    widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "inputmode": "decimal"}),
                )

    def grid(self):
        """Rows for the template: (indicator, value field, growth field, prior field)."""
        return [
            (
                i,
                self[entry_field_name(i, "value")],
                self[entry_field_name(i, "growth_pct")],
                self[entry_field_name(i, "prior_value")],
            )
            for i in self.indicators
        ]


class IndicatorForm(forms.Form):
    """An indicator's definition (administrators); the code is fixed once created."""

    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=60)
    unit = forms.CharField(label=_("Unit"), max_length=10, help_text=_("亿元, 万元, 亿美元, 万美元, % …"))
    decimals = forms.IntegerField(label=_("Decimals"), min_value=0, max_value=4, initial=1)
    kind = forms.ChoiceField(label=_("Kind"), choices=IndicatorKind.choices, initial=IndicatorKind.LEVEL)
    numerator = forms.ModelChoiceField(
        label=_("Numerator"), queryset=Indicator.objects.all(), required=False, to_field_name="code"
    )
    denominator = forms.ModelChoiceField(
        label=_("Denominator"), queryset=Indicator.objects.all(), required=False, to_field_name="code"
    )
    share_base = forms.ChoiceField(label=_("Share compared with"), choices=ShareBase.choices)
    source_department = forms.ModelChoiceField(
        label=_("Source department"), queryset=Department.objects.filter(is_active=True), required=False
    )
    higher_is_better = forms.BooleanField(label=_("Higher is better"), required=False, initial=True)
    rank_by = forms.ChoiceField(label=_("Rank by"), choices=RankBy.choices)
    sort_order = forms.IntegerField(label=_("Sort order"), min_value=0, initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    bulletin_name = forms.CharField(label=_("Name in the bulletin"), max_length=60, required=False)
    bulletin_template = forms.CharField(
        label=_("Bulletin phrase"),
        max_length=200,
        required=False,
        help_text=_(
            "Fields: {name} {value} {unit} {growth} {growth_phrase} {gap_phrase} {rank_phrase} {share} "
            "{share_change_phrase}; empty = not in the bulletin."
        ),
    )
    bulletin_order = forms.IntegerField(label=_("Bulletin order"), min_value=0, initial=0)
    bulletin_attach = forms.BooleanField(label=_("Attach to the previous phrase (comma)"), required=False)

    def __init__(self, *args, indicator: Indicator | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if indicator is not None:
            self.fields["code"].disabled = True
            self.fields["numerator"].queryset = Indicator.objects.exclude(pk=indicator.pk)
            self.fields["denominator"].queryset = Indicator.objects.exclude(pk=indicator.pk)


class RegionForm(forms.Form):
    """A region's definition (administrators); the code is fixed once created."""

    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=60)
    kind = forms.ChoiceField(label=_("Kind"), choices=RegionKind.choices, initial=RegionKind.DISTRICT)
    parent = forms.ModelChoiceField(
        label=_("City"),
        queryset=Region.objects.filter(kind=RegionKind.CITY),
        required=False,
        to_field_name="code",
        help_text=_("The city a district, county or zone belongs to; empty for a city."),
    )
    sort_order = forms.IntegerField(label=_("Sort order"), min_value=0, initial=0)

    def __init__(self, *args, region: Region | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if region is not None:
            self.fields["code"].disabled = True
            self.fields["parent"].queryset = Region.objects.filter(kind=RegionKind.CITY).exclude(pk=region.pk)


class PeerSetForm(forms.Form):
    """A named peer set (administrators): its members are ranked against each other; no city may be one."""

    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=60)
    regions = forms.ModelMultipleChoiceField(
        label=_("Member regions"),
        queryset=Region.objects.exclude(kind=RegionKind.CITY),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, peer_set: PeerSet | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if peer_set is not None:
            self.fields["code"].disabled = True
