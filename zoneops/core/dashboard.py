"""Home-page cards: each app registers cards; a user's home shows those their permissions allow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Card:
    """A home-page card rendered from `template` with the context `build(user)` returns."""

    key: str
    template: str
    build: Callable
    perms: tuple[str, ...] = ()
    order: int = 100


_CARDS: list[Card] = []


def register(card: Card) -> None:
    """Add a card to the home page."""
    if all(existing.key != card.key for existing in _CARDS):
        _CARDS.append(card)


def cards_for(user) -> list[dict]:
    """The cards `user` may see, each with its template and context."""
    shown = []
    for card in sorted(_CARDS, key=lambda c: c.order):
        if card.perms and not any(user.has_perm(p) for p in card.perms):
            continue
        shown.append({"key": card.key, "template": card.template, "context": card.build(user)})
    return shown
