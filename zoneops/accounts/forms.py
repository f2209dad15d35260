"""Accounts forms: UI input only, no side effects."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    """Username and password."""

    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)


class OtpForm(forms.Form):
    """A six-digit one-time code from the authenticator app."""

    code = forms.RegexField(label=_("One-time code"), regex=r"^\d{6}$", max_length=6,
                            error_messages={"invalid": _("Enter the 6 digits your authenticator app shows.")})


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
