"""The JSON API root: /api/v1, bearer tokens or the session, RFC 9457 problem+json errors."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from zoneops.core.errors import DomainError, PermissionDenied


class BearerToken(HttpBearer):
    """Authorization: Bearer <personal API token>."""

    def authenticate(self, request: HttpRequest, token: str):
        from zoneops.accounts.policy import needs_password_change
        from zoneops.accounts.tokens import user_for_token

        user = user_for_token(token)
        if user is None:
            return None
        if needs_password_change(user):
            # The same obligation as in the browser: an expired or initial password stops the token too.
            raise PermissionDenied(_("Your password must be changed in the web interface before the API can be used."))
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The web UI's session (CSRF-checked on unsafe methods)."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


api = NinjaAPI(
    title="ZoneOps API",
    version="1",
    description=_("开发区统筹服务平台 API"),
    urls_namespace="api",
    auth=[BearerToken(), SessionAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def problem(request: HttpRequest, *, status: int, title: str, detail: str = "", code: str = "", errors=None):
    """An RFC 9457 problem+json response."""
    body = {"type": f"urn:zoneops:problem:{code}" if code else "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = "application/problem+json"
    return response


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    """Domain errors: 400 / 403 / 404 / 409 with field details."""
    errors = [{"field": field, "message": message} for field, messages in exc.errors.items() for message in messages]
    return problem(request, status=exc.status, title=exc.message, detail=exc.message, code=exc.code, errors=errors)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    """Schema validation errors: 422 becomes 400 with each field named."""
    errors = []
    for item in exc.errors:
        loc = [str(part) for part in item.get("loc", []) if part not in ("body", "query", "path", "payload", "form")]
        errors.append({"field": ".".join(loc), "message": item.get("msg", "")})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(request, status=400, title=_("Invalid input"), detail=detail, code="invalid", errors=errors)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    """Missing or bad credentials."""
    return problem(request, status=401, title=_("Authentication required"), code="unauthorized")


@api.exception_handler(Http404)
def on_not_found(request, exc):
    """Missing or out of scope: the same answer."""
    return problem(request, status=404, title=_("Not found"), code="not_found")


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    """Explicit HTTP errors raised by endpoints."""
    return problem(request, status=exc.status_code, title=str(exc), code="http_error")


def register_routers() -> None:
    """Mount every app's router (imported here so the API module is the one place that knows them)."""
    from zoneops.accounts.api import router as accounts_router
    from zoneops.audit.api import router as audit_router
    from zoneops.core.api import router as core_router
    from zoneops.economy.api import router as economy_router
    from zoneops.enterprises.api import router as enterprises_router
    from zoneops.investment.api import router as investment_router
    from zoneops.passes.api import router as passes_router
    from zoneops.servicedesk.api import router as servicedesk_router

    api.add_router("/", accounts_router)
    api.add_router("/audit", audit_router)
    api.add_router("/", core_router)
    api.add_router("/enterprises", enterprises_router)
    api.add_router("/investment", investment_router)
    api.add_router("/economy", economy_router)
    api.add_router("/", servicedesk_router)
    api.add_router("/", passes_router)


register_routers()
