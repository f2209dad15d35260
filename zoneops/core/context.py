"""Per-request context (request id, client IP) that the audit trail reads."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    """Where an action comes from."""

    request_id: str = ""
    ip: str | None = None
    source: str = "system"  # web, api, command, task, system


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("zoneops_request", default=None)
_NONE = RequestContext()


def current() -> RequestContext:
    """Return the context of the running request or command (an empty one outside both)."""
    return _current.get() or _NONE


def activate(ctx: RequestContext) -> contextvars.Token:
    """Make `ctx` the current context; returns a token for `reset`."""
    return _current.set(ctx)


def reset(token: contextvars.Token) -> None:
    """Restore the context that was current before `activate`."""
    _current.reset(token)
