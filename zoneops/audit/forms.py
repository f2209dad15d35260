"""The audit search form (UI input only; the filters themselves live in selectors.EventFilters)."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from zoneops.audit import catalogue
from zoneops.audit.selectors import EventFilters


def grouped_actions() -> list[tuple[str, list[tuple[str, str]]]]:
    """The catalogue grouped by app ("accounts.user_created" under Accounts), for an <optgroup> select."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, text in catalogue.choices():
        groups.setdefault(code.split(".", 1)[0], []).append((code, text))
    result = []
    for prefix, items in groups.items():
        try:
            heading = str(apps.get_app_config(prefix).verbose_name)
        except LookupError:
            heading = prefix
        result.append((heading, items))
    return result


class DateInput(forms.DateInput):
    """A native date picker."""

    input_type = "date"


class AuditSearchForm(forms.Form):
    """Search the audit trail: date range, who, what, which object, from where, free text."""

    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput)
    actor = forms.CharField(label=_("Actor (username)"), required=False, max_length=150)
    department = forms.CharField(label=_("Actor's department"), required=False, max_length=100)
    action = forms.ChoiceField(label=_("Action"), required=False)
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=80)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    ip = forms.GenericIPAddressField(label=_("IP address"), required=False)
    request_id = forms.CharField(label=_("Request id"), required=False, max_length=64)
    text = forms.CharField(label=_("Object or note contains"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All actions")), *grouped_actions()]
        for name, field in self.fields.items():
            css = "form-select form-select-sm" if name == "action" else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)
        self.fields["object_type"].widget.attrs["list"] = "audit-object-types"
        self.fields["object_type"].widget.attrs["placeholder"] = "enterprises.enterprise"

    PRIMARY = ("date_from", "date_to", "actor", "action")

    def primary_fields(self):
        """The filters always shown."""
        return [self[name] for name in self.PRIMARY]

    def more_fields(self):
        """The filters folded under "More filters" (open when one of them is in use)."""
        return [self[name] for name in self.fields if name not in self.PRIMARY]

    @property
    def uses_more(self) -> bool:
        """Whether a folded filter has a value, so the fold starts open."""
        return any(self.data.get(name) for name in self.fields if name not in self.PRIMARY)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filters(self) -> EventFilters:
        """The valid input as filters (call after is_valid())."""
        data = self.cleaned_data
        text = {name: data.get(name) or "" for name in self.fields if name not in ("date_from", "date_to")}
        return EventFilters(date_from=data.get("date_from"), date_to=data.get("date_to"), **text)
