"""Model fields for personal data: encrypted at rest, with a keyed digest column for search."""

from __future__ import annotations

from django.db import models
from django.db.models import signals

from zoneops.core import crypto


class PersonalDataField(models.TextField):
    """Stores a personal value (mobile, ID number) encrypted; Python sees the plaintext.

    `kind` selects the mask used by `masked()`; pair it with a `DigestField(source=...)` for search.
    """

    def __init__(self, *args, kind: str = "mobile", **kwargs):
        self.kind = kind
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if not value:
            return ""
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return ""
        return crypto.encrypt(str(value))

    def masked(self, value: str) -> str:
        """Return the masked form of a plaintext value of this field."""
        return crypto.MASKERS[self.kind](value)


class DigestField(models.CharField):
    """Keyed hash of another field's plaintext, kept in step on every save, for exact-match lookup."""

    def __init__(self, *args, source: str = "", **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        if not cls._meta.abstract:
            signals.pre_save.connect(self._keep_in_step, sender=cls)

    def _digest_of(self, model_instance) -> str:
        plain = getattr(model_instance, self.source) or ""
        return crypto.digest(plain) if plain else ""

    def pre_save(self, model_instance, add):
        value = self._digest_of(model_instance)
        setattr(model_instance, self.attname, value)
        return value

    def _keep_in_step(self, sender, instance, update_fields=None, raw=False, **kwargs):
        # save(update_fields=[source]) would leave the digest column stale: write it alongside.
        if raw or not update_fields or self.source not in update_fields or self.name in update_fields:
            return
        if instance.pk is None:
            return
        value = self._digest_of(instance)
        setattr(instance, self.attname, value)
        sender._base_manager.using(kwargs.get("using")).filter(pk=instance.pk).update(**{self.attname: value})
