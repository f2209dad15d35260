"""Middleware that gives each request an id and a client IP for the audit trail."""

from __future__ import annotations

import re
import uuid

from zoneops.core import context
from zoneops.core.http import client_ip

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextMiddleware:
    """Set request.id / request.client_ip and the audit context; echo X-Request-ID."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.client_ip = client_ip(request)
        source = "api" if request.path.startswith(("/api/", "/open311/")) else "web"
        token = context.activate(context.RequestContext(request_id=request.id, ip=request.client_ip, source=source))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request.id
        return response
