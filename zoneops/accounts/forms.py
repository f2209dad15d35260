"""Accounts forms: UI input only, no side effects."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zoneops.accounts.models import LoginAttempt


class LoginForm(forms.Form):
    """Username and password."""

    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False, max_length=4096)


class OtpForm(forms.Form):
    """A six-digit one-time code from the authenticator app."""

    code = forms.RegexField(
        label=_("One-time code"),
        regex=r"^\d{6}$",
        max_length=6,
        error_messages={"invalid": _("Enter the 6 digits your authenticator app shows.")},
    )


class PasswordChangeForm(forms.Form):
    """Old password and the new one twice."""

    old_password = forms.CharField(label=_("Current password"), widget=forms.PasswordInput, strip=False)
    new_password1 = forms.CharField(label=_("New password"), widget=forms.PasswordInput, strip=False)
    new_password2 = forms.CharField(label=_("New password again"), widget=forms.PasswordInput, strip=False)

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("The two new passwords differ."))
        return data


class TokenForm(forms.Form):
    """Name and optional expiry date of a new personal API token."""

    name = forms.CharField(label=_("Name"), max_length=60)
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class LoginLogFilter(forms.Form):
    """Search form of the login log."""

    username = forms.CharField(label=_("Username"), required=False, max_length=150)
    ip = forms.CharField(label=_("IP address"), required=False, max_length=45)
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", _("All"))] + list(LoginAttempt.Outcome.choices)
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def filter(self, rows):
        """Apply the valid criteria to a login-log queryset."""
        if not self.is_bound:
            return rows
        self.is_valid()  # a bad field is shown with its error; the valid ones still filter
        data = self.cleaned_data
        if data.get("username"):
            rows = rows.filter(username__icontains=data["username"])
        if data.get("ip"):
            rows = rows.filter(ip__startswith=data["ip"])
        if data.get("outcome"):
            rows = rows.filter(outcome=data["outcome"])
        if data.get("date_from"):
            rows = rows.filter(at__date__gte=data["date_from"])
        if data.get("date_to"):
            rows = rows.filter(at__date__lte=data["date_to"])
        return rows
