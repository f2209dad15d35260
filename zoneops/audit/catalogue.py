"""The registered catalogue of audit action codes; recording an unknown code is a programming error."""

from __future__ import annotations

from django.utils.functional import Promise

_ACTIONS: dict[str, Promise | str] = {}


def register(code: str, label: Promise | str) -> str:
    """Register an action code ("app.noun_verb") with its human label; returns the code."""
    if code in _ACTIONS and _ACTIONS[code] != label:
        raise ValueError(f"audit action {code!r} registered twice with different labels")
    _ACTIONS[code] = label
    return code


def label(code: str) -> str:
    """The human label of an action code (the code itself if unknown)."""
    return str(_ACTIONS.get(code, code))


def is_registered(code: str) -> bool:
    """Whether the code is in the catalogue."""
    return code in _ACTIONS


def choices() -> list[tuple[str, str]]:
    """(code, label) pairs, sorted by code, for filters."""
    return sorted((code, str(text)) for code, text in _ACTIONS.items())
