"""Template filters of the economy pages."""

from __future__ import annotations

from django import template

from zoneops.economy import computations as calc

register = template.Library()


@register.filter
def fixed(value, decimals=1):
    """A Decimal rounded half-up to `decimals` places ("—" when absent)."""
    return calc.fixed(value, int(decimals)) or calc.DASH
