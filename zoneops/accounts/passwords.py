"""Password policy (等保2.0): length, character classes, no username, no reuse of the last five."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    """At least `min_classes` of: lower case, upper case, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        classes = sum(
            [
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            ]
        )
        if classes < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_classes")

    def get_help_text(self):
        return _("Use at least %(n)s of: lower-case letters, upper-case letters, digits, symbols.") % {
            "n": self.min_classes
        }


class NoUsernameValidator:
    """The password must not contain the username."""

    def validate(self, password, user=None):
        username = getattr(user, "username", "") or ""
        if len(username) >= 3 and username.lower() in password.lower():
            raise ValidationError(self.get_help_text(), code="password_has_username")

    def get_help_text(self):
        return _("The password must not contain the username.")


class HistoryValidator:
    """None of the user's last `remember` passwords."""

    def __init__(self, remember: int = 5):
        self.remember = remember

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        hashes = [user.password] if user.password else []
        hashes += list(user.password_history.values_list("password", flat=True)[: self.remember])
        if any(check_password(password, h) for h in hashes[: self.remember]):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def get_help_text(self):
        return _("The password must differ from your last %(n)s passwords.") % {"n": self.remember}
