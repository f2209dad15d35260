"""Domain errors; views map them to messages, the API to problem+json (400 / 409 / 404 / 403)."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain was broken; `field` names the input at fault, if any."""

    status = 400
    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None, errors: dict[str, list[str]] | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field
        self.errors = errors or ({field: [str(message)]} if field else {})


class InvalidTransition(DomainError):
    """A workflow step that is not allowed from the object's current state."""

    status = 409
    code = "invalid_transition"


class Conflict(DomainError):
    """Someone else changed the object first (compare-and-set lost) or a duplicate exists."""

    status = 409
    code = "conflict"


class OutOfScope(DomainError):
    """The object does not exist or lies outside the user's data scope (both answer 404)."""

    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    """The user lacks the permission for this action."""

    status = 403
    code = "permission_denied"
