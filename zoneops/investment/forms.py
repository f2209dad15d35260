"""Investment forms: UI input only; validation of the domain lives in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zoneops.investment.choices import (
    AppliesTo,
    AssignmentLevel,
    Basis,
    Channel,
    Comparison,
    ConstructionType,
    Issue,
    Quality,
    Source,
    Stage,
    Status,
)
from zoneops.investment.models import Currency, Industry

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"})
TEXT = {"class": "form-control form-control-sm"}
SELECT = {"class": "form-select form-select-sm"}


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
            widget.attrs.setdefault("class", "form-select form-select-sm")
        else:
            widget.attrs.setdefault("class", "form-control form-control-sm")


class ProjectFilterForm(forms.Form):
    """The search form of the project list."""

    q = forms.CharField(label=_("Name or investor"), required=False)
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[("", _("All"))] + list(Stage.choices))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All"))] + list(Status.choices))
    unit = forms.ChoiceField(label=_("Investment unit"), required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    is_foreign = forms.ChoiceField(
        label=_("Domestic / foreign"),
        required=False,
        choices=[("", _("All")), ("0", _("Domestic")), ("1", _("Foreign"))],
    )
    stale = forms.BooleanField(label=_("Stale only"), required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("All"))] + [(str(u.pk), u.name) for u in units]
        self.fields["industry"].choices = [("", _("All"))] + [
            (i.code, i.name) for i in Industry.objects.filter(is_active=True)
        ]
        _style(self)


class ProjectForm(forms.Form):
    """Create or edit a project."""

    name = forms.CharField(label=_("Project name"), max_length=200)
    investor = forms.CharField(
        label=_("Investor"), max_length=200, help_text=_("Linked to the registry by exact name.")
    )
    unit = forms.ChoiceField(label=_("Investment unit"))
    industry = forms.ChoiceField(label=_("Industry"))
    outside_leading_reason = forms.CharField(label=_("Reason (outside leading industries)"), required=False)
    outside_leading_approver = forms.CharField(
        label=_("Approver (username, outside leading industries)"), required=False, max_length=150
    )
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices, initial=Source.OTHER)
    assignment_level = forms.ChoiceField(label=_("Assignment level"), choices=AssignmentLevel.choices, required=False)
    construction_type = forms.ChoiceField(label=_("Construction type"), choices=ConstructionType.choices)
    is_foreign = forms.BooleanField(label=_("Foreign investment"), required=False)
    currency = forms.ChoiceField(label=_("Currency"))
    total_investment = forms.CharField(label=_("Total investment (in the currency's unit)"))
    registered_capital = forms.CharField(label=_("Registered capital"), required=False)
    foreign_capital = forms.CharField(label=_("Foreign capital"), required=False)
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices, initial=Stage.LEAD)
    signed_on = forms.DateField(label=_("Contract date"), required=False, widget=DATE)
    contract_amount = forms.CharField(label=_("Contract amount"), required=False)
    next_step = forms.CharField(label=_("Next step"), required=False)
    next_step_on = forms.DateField(label=_("Next step on"), required=False, widget=DATE)
    expected_output = forms.CharField(label=_("Expected annual output (yuan)"), required=False)
    expected_tax = forms.CharField(label=_("Expected annual tax (yuan)"), required=False)
    land_mu = forms.CharField(label=_("Land (亩)"), required=False)
    jobs = forms.IntegerField(label=_("Jobs"), required=False, min_value=0)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, units=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(str(u.pk), u.name) for u in units]
        self.fields["industry"].choices = [
            (i.code, f"{i.name}{' ★' if i.is_leading else ''}") for i in Industry.objects.filter(is_active=True)
        ]
        self.fields["currency"].choices = [(c.code, f"{c.code} {c.name}") for c in Currency.objects.all()]
        if editing:
            for name in ("unit", "stage"):
                del self.fields[name]
        _style(self)


class AdvanceForm(forms.Form):
    """Move to another stage."""

    to = forms.ChoiceField(label=_("To stage"), choices=Stage.choices)
    on = forms.DateField(label=_("Date"), required=False, widget=DATE)
    signed_on = forms.DateField(label=_("Contract date"), required=False, widget=DATE)
    contract_amount = forms.CharField(label=_("Contract amount"), required=False)
    note = forms.CharField(label=_("Note"), required=False)
    next_step = forms.CharField(label=_("Next step"), required=False)
    next_step_on = forms.DateField(label=_("Next step on"), required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class StatusForm(forms.Form):
    """Change the status."""

    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    reason = forms.CharField(label=_("Reason"), required=False)
    next_step = forms.CharField(label=_("Next step"), required=False)
    next_step_on = forms.DateField(label=_("Next step on"), required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class VerifyForm(forms.Form):
    """Verify a signing."""

    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class NegotiationForm(forms.Form):
    """Record a round of talks."""

    at = forms.DateTimeField(label=_("Held at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.VIDEO)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}))
    leaders_present = forms.CharField(label=_("Leaders present"), required=False)
    their_participants = forms.CharField(label=_("Their participants"), required=False)
    issues = forms.MultipleChoiceField(
        label=_("Issues raised"), choices=Issue.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    next_step = forms.CharField(label=_("Next step"), required=False)
    next_step_on = forms.DateField(label=_("Next step on"), required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class StatsForm(forms.Form):
    """The statistics page's parameters."""

    as_of = forms.DateField(label=_("As of"), required=False, widget=DATE)
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE)
    basis = forms.ChoiceField(label=_("Basis"), choices=Basis.choices, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class StaffNoteForm(forms.Form):
    """A note against one of the seven qualities."""

    staff = forms.IntegerField(widget=forms.HiddenInput)
    quality = forms.ChoiceField(label=_("Quality"), choices=Quality.choices)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class ImportForm(forms.Form):
    """Upload of the project template."""

    file = forms.FileField(label=_("Excel file (.xlsx)"))


class FxRateForm(forms.Form):
    """A statistical exchange rate from a date on."""

    currency = forms.ChoiceField(label=_("Currency"))
    rate_to_cny = forms.CharField(label=_("Rate to CNY"))
    effective_on = forms.DateField(label=_("Effective on"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [
            (c.code, f"{c.code} {c.name}") for c in Currency.objects.filter(is_base=False)
        ]
        _style(self)


class TrainingForm(forms.Form):
    """A training class; attendees are chosen among the investment staff."""

    name = forms.CharField(label=_("Name"), max_length=100)
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE)
    attendees = forms.MultipleChoiceField(label=_("Attendees"), required=False, widget=forms.CheckboxSelectMultiple)
    materials = forms.CharField(label=_("Materials"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].choices = [(str(u.pk), f"{u} ({u.department})") for u in staff]
        _style(self)


class IndustryForm(forms.Form):
    """An industry of the dictionary (same code = change it)."""

    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=60)
    is_leading = forms.BooleanField(label=_("Leading industry (3+1)"), required=False)
    sort_order = forms.IntegerField(label=_("Order"), initial=0, min_value=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class BucketForm(forms.Form):
    """A reporting threshold (blank bucket = a new one)."""

    bucket = forms.ChoiceField(label=_("Threshold"), required=False)
    label = forms.CharField(label=_("Label"), max_length=60)
    amount = forms.CharField(label=_("Amount"))
    currency = forms.ChoiceField(label=_("Currency"))
    comparison = forms.ChoiceField(label=_("Comparison"), choices=Comparison.choices)
    applies_to = forms.ChoiceField(label=_("Applies to"), choices=AppliesTo.choices)
    order = forms.IntegerField(label=_("Order"), initial=0, min_value=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, buckets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bucket"].choices = [("", _("New"))] + [(str(b.pk), b.label) for b in buckets]
        self.fields["currency"].choices = [(c.code, c.code) for c in Currency.objects.all()]
        _style(self)


class AttachmentForm(forms.Form):
    """A file for a project (minutes of a negotiation round, verification evidence, other)."""

    kind = forms.ChoiceField(label=_("Kind"))
    negotiation = forms.ChoiceField(label=_("Negotiation round"), required=False)
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, negotiations=(), **kwargs):
        from zoneops.investment.models import ProjectAttachment

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = ProjectAttachment.Kind.choices
        self.fields["negotiation"].choices = [("", "—")] + [
            (str(n.pk), _("Round %(n)s") % {"n": n.round_number}) for n in negotiations
        ]
        _style(self)
