"""One filter definition for the enterprise list page, its export and the API list."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zoneops.accounts.models import Department, DepartmentKind
from zoneops.enterprises.models import Enterprise, EnterpriseStatus, Industry, Tag

_YES_NO = (("", "---------"), ("true", _("Yes")), ("false", _("No")))


class BooleanChoiceFilter(django_filters.TypedChoiceFilter):
    """ "true" / "false" from a select; empty means either."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", _YES_NO)
        kwargs.setdefault("coerce", lambda value: value == "true")
        kwargs.setdefault("empty_value", None)
        super().__init__(*args, **kwargs)


class EnterpriseFilter(django_filters.FilterSet):
    """Search by name, credit code or legal representative; narrow by industry, place, flags, tag, status."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    industry = django_filters.ChoiceFilter(label=_("Industry"), choices=Industry.choices)
    subdistrict = django_filters.ModelChoiceFilter(
        label=_("Subdistrict"),
        queryset=Department.objects.filter(kind=DepartmentKind.SUBDISTRICT).order_by("sort_order", "code"),
    )
    is_key = BooleanChoiceFilter(label=_("Key enterprise"))
    is_supply_assured = BooleanChoiceFilter(label=_("Supply-assured"))
    is_listed = BooleanChoiceFilter(label=_("Listed"))
    is_foreign_funded = BooleanChoiceFilter(label=_("Foreign-funded"))
    tag = django_filters.ModelChoiceFilter(
        label=_("Tag"), field_name="tags", queryset=Tag.objects.all(), method="with_tag"
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=EnterpriseStatus.choices)

    class Meta:
        model = Enterprise
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            css = "form-select form-select-sm" if hasattr(field, "choices") else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)
        self.form.fields["q"].widget.attrs.setdefault("placeholder", _("Name, credit code or legal representative"))

    def search(self, queryset, name, value):
        """Name, credit code or legal representative containing the text (Chinese works: icontains)."""
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(
            Q(name__icontains=text) | Q(uscc__icontains=text.upper()) | Q(legal_representative__icontains=text)
        )

    def with_tag(self, queryset, name, value):
        """Enterprises carrying the tag (a subquery, so rows are not repeated)."""
        if value is None:
            return queryset
        return queryset.filter(pk__in=Enterprise.tags.through.objects.filter(tag=value).values("enterprise_id"))
