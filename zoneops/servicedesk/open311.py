"""Open311 GeoReport v2 façade over the service desk (XML and JSON).

Mapping: service_code = category code; service_request_id = case number; status "open" = before
resolution, "closed" = resolved or later; agency_responsible = the lead department; expected_datetime
= the SLA deadline. POST needs `api_key` (a personal API token whose user may register cases). Reads
without a key show only the public fields of a request (no description, address or position, since
cases carry residents' personal data); with a key, the key's user's data scope applies and every
field is shown. Common extension: `page` / `page_size`.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt

from zoneops.accounts.tokens import user_for_token
from zoneops.core import clock
from zoneops.core.errors import DomainError, PermissionDenied
from zoneops.servicedesk import permissions as perms
from zoneops.servicedesk import selectors, services
from zoneops.servicedesk.choices import DONE_STATES, OPEN_STATES, Channel
from zoneops.servicedesk.models import Case, Category

DEFAULT_WINDOW = dt.timedelta(days=90)
MAX_RESULTS = 1000
ATTRIBUTE = re.compile(r"^attribute\[(?P<code>[A-Za-z0-9_-]+)\]$")


class Open311Error(Exception):
    """An error answered as the spec's array of {code, description}."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


# ---------------------------------------------------------------------------------------------- rendering


# In XML, a list's entries are elements named after the list's singular.
CHILD_NAMES = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}


def _put(parent: ET.Element, key: str, value: Any) -> None:
    if isinstance(value, list):
        group = ET.SubElement(parent, key)
        for entry in value:
            _put(group, CHILD_NAMES.get(key, "item"), entry)
    elif isinstance(value, dict):
        node = ET.SubElement(parent, key)
        for k, v in value.items():
            _put(node, k, v)
    else:
        node = ET.SubElement(parent, key)
        if isinstance(value, bool):
            node.text = "true" if value else "false"
        elif value is not None:
            node.text = str(value)


def _document(root: ET.Element) -> bytes:
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")


def _respond(fmt: str, root: str, item: str, items: list[dict[str, Any]], *, status: int = 200) -> HttpResponse:
    """A list: a JSON array, or <root><item>…</item>…</root>."""
    if fmt == "json":
        return JsonResponse(items, safe=False, status=status, json_dumps_params={"ensure_ascii": False})
    element = ET.Element(root)
    for entry in items:
        _put(element, item, entry)
    return HttpResponse(_document(element), content_type="text/xml; charset=utf-8", status=status)


def _respond_one(fmt: str, root: str, item: dict[str, Any]) -> HttpResponse:
    """A single object (discovery, service definition): a JSON object, or the XML document's root."""
    if fmt == "json":
        return JsonResponse(item, json_dumps_params={"ensure_ascii": False})
    element = ET.Element(root)
    for key, value in item.items():
        _put(element, key, value)
    return HttpResponse(_document(element), content_type="text/xml; charset=utf-8")


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _respond(fmt, "errors", "error", [{"code": status, "description": description}], status=status)


def _iso(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def open311(view):
    """Turn Open311Error and domain errors into the spec's error documents."""

    def wrapped(request: HttpRequest, *args, fmt: str, **kwargs):
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return _error(fmt, exc.status, exc.description)
        except PermissionDenied as exc:
            return _error(fmt, 403, exc.message)
        except DomainError as exc:
            prefix = f"{exc.field}: " if exc.field else ""
            return _error(fmt, 400, prefix + exc.message)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return csrf_exempt(wrapped)


# ---------------------------------------------------------------------------------------------- helpers


def _key_user(request: HttpRequest, *, required: bool):
    key = (request.POST.get("api_key") if request.method == "POST" else None) or request.GET.get("api_key")
    if not key:
        if required:
            raise Open311Error(403, "api_key is required")
        return None
    user = user_for_token(key)
    if user is None:
        raise Open311Error(403, "api_key is invalid")
    return user


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or category.name,
        "metadata": bool(category.extra_fields),
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.parent.name if category.parent_id else category.name,
    }


def _status(case: Case) -> str:
    return "closed" if case.status in DONE_STATES else "open"


def _request_out(case: Case, *, full: bool) -> dict[str, Any]:
    item: dict[str, Any] = {
        "service_request_id": case.number,
        "status": _status(case),
        "status_notes": (case.resolution or case.answer or "") if full else None,
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": case.description if full else None,
        "agency_responsible": case.department.name if case.department_id else None,
        "service_notice": None,
        "requested_datetime": _iso(case.created_at),
        "updated_datetime": _iso(case.updated_at),
        "expected_datetime": _iso(case.due_at),
        "address": case.address if full else None,
        "address_id": None,
        "zipcode": None,
        "lat": float(case.latitude) if full and case.latitude is not None else None,
        "long": float(case.longitude) if full and case.longitude is not None else None,
        "media_url": None,
    }
    return item


def _moment(value: str, name: str, *, end: bool = False) -> dt.datetime:
    # A bare date means the whole day (an end date includes it).
    try:
        day = parse_date(value) if len(value) == 10 else None
    except ValueError:
        day = None
    moment = dt.datetime.combine(day + dt.timedelta(days=1) if end else day, dt.time.min) if day else None
    if moment is None:
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
    if moment is None:
        raise Open311Error(400, f"{name} must be an ISO 8601 date or datetime")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _positive(value: str | None, name: str, default: int, maximum: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise Open311Error(400, f"{name} must be a positive integer") from None
    if number < 1:
        raise Open311Error(400, f"{name} must be a positive integer")
    return min(number, maximum)


# ---------------------------------------------------------------------------------------------- views


@open311
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """Where the endpoint is and which formats it speaks."""
    base = request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": fmt})).rsplit("/", 1)[0] + "/"
    return _respond_one(
        fmt,
        "discovery",
        {
            "changeset": _iso(clock.now().replace(hour=0, minute=0, second=0, microsecond=0)),
            "contact": "开发区统筹服务平台 服务专班 12345",
            "key_service": "API keys are personal API tokens issued under 'API tokens' in ZoneOps.",
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": base,
                    "changeset": "2022-04-10T00:00:00+08:00",
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@open311
def service_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """Every active category as a service."""
    return _respond(fmt, "services", "service", [_service(c) for c in selectors.active_categories()])


@open311
def service_definition(request: HttpRequest, code: str, *, fmt: str) -> HttpResponse:
    """A service's attributes (the category's extra fields)."""
    category = selectors.active_categories().filter(code=code).first()
    if category is None:
        raise Open311Error(404, f"service_code {code} not found")
    datatypes = {"int": "number", "text": "string", "choice": "singlevaluelist"}
    attributes = [
        {
            "variable": True,
            "code": field["code"],
            "datatype": datatypes.get(field.get("type", "text"), "string"),
            "required": bool(field.get("required")),
            "datatype_description": field.get("help", ""),
            "order": order,
            "description": field.get("label", field["code"]),
            "values": [{"key": v, "name": v} for v in field.get("choices", [])],
        }
        for order, field in enumerate(category.extra_fields or [], start=1)
    ]
    return _respond_one(fmt, "service_definition", {"service_code": category.code, "attributes": attributes})


@open311
def requests_view(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """GET: search requests; POST: submit one."""
    if request.method == "POST":
        return _create(request, fmt)
    if request.method != "GET":
        raise Open311Error(400, "only GET and POST are supported")
    user = _key_user(request, required=False)
    qs = (selectors.visible_cases(user) if user is not None else Case.objects.all()).select_related(
        "category", "department"
    )
    ids = request.GET.get("service_request_id")
    if ids:
        qs = qs.filter(number__in=[part.strip() for part in ids.split(",") if part.strip()])
    else:
        codes = [c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()]
        if codes:
            qs = qs.filter(category__code__in=codes)
        statuses = {s.strip() for s in request.GET.get("status", "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status must be open or closed")
        if statuses == {"open"}:
            qs = qs.filter(status__in=OPEN_STATES)
        elif statuses == {"closed"}:
            qs = qs.filter(status__in=DONE_STATES)
        start = _moment(request.GET["start_date"], "start_date") if request.GET.get("start_date") else None
        end = _moment(request.GET["end_date"], "end_date", end=True) if request.GET.get("end_date") else None
        if start is None and end is None:
            end = clock.now()
            start = end - DEFAULT_WINDOW
        elif start is None:
            start = end - DEFAULT_WINDOW
        elif end is None:
            end = start + DEFAULT_WINDOW
        if end < start:
            raise Open311Error(400, "end_date is before start_date")
        if end - start > DEFAULT_WINDOW + dt.timedelta(days=1):
            raise Open311Error(400, "the date range may not exceed 90 days")
        qs = qs.filter(created_at__gte=start, created_at__lt=end)
    size = _positive(request.GET.get("page_size"), "page_size", MAX_RESULTS, MAX_RESULTS)
    page = _positive(request.GET.get("page"), "page", 1, 10**6)
    rows = qs.order_by("-created_at", "-id")[(page - 1) * size : page * size]
    return _respond(fmt, "service_requests", "request", [_request_out(c, full=user is not None) for c in rows])


@open311
def request_detail(request: HttpRequest, request_id: str, *, fmt: str) -> HttpResponse:
    """One request by its id (the case number)."""
    user = _key_user(request, required=False)
    qs = selectors.visible_cases(user) if user is not None else Case.objects.all()
    case = qs.select_related("category", "department").filter(number=request_id).first()
    if case is None:
        raise Open311Error(404, f"service_request_id {request_id} not found")
    return _respond(fmt, "service_requests", "request", [_request_out(case, full=user is not None)])


@open311
def token_detail(request: HttpRequest, token: str, *, fmt: str) -> HttpResponse:
    """Requests are created at once, so a token is the request id itself."""
    if not Case.objects.filter(number=token).exists():
        raise Open311Error(404, f"token {token} not found")
    return _respond(fmt, "service_requests", "request", [{"service_request_id": token, "token": token}])


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    user = _key_user(request, required=True)
    if not user.has_perm(perms.INTAKE_CASE):
        raise Open311Error(403, "this api_key may not submit requests")
    data = request.POST
    code = data.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code is required")
    category = selectors.active_categories().filter(code=code).first()
    if category is None:
        raise Open311Error(400, f"service_code {code} not found")
    lat, long_ = data.get("lat", "").strip(), data.get("long", "").strip()
    address = data.get("address_string", "").strip()
    address_id = data.get("address_id", "").strip()
    if not ((lat and long_) or address or address_id):
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    description = data.get("description", "").strip()
    if len(description) > 4000:
        raise Open311Error(400, "description may be at most 4000 characters")
    name = (data.get("last_name", "").strip() + data.get("first_name", "").strip()).strip()
    extra = {}
    for key in data:
        match = ATTRIBUTE.match(key)
        if match:
            extra[match["code"]] = data.get(key)
    tags = [f"device:{data['device_id']}"[:20]] if data.get("device_id") else []
    if data.get("media_url"):
        description = (description + "\n" if description else "") + data["media_url"][:500]
    case = services.register_case(
        actor=user,
        channel=Channel.API,
        category=category,
        title=(description or category.name)[:60],
        description=description or category.name,
        requester_name=name,
        requester_mobile=data.get("phone", ""),
        is_anonymous=not name,
        address=address or address_id,
        latitude=lat or None,
        longitude=long_ or None,
        tags=tags,
        extra=extra,
    )
    return _respond(
        fmt,
        "service_requests",
        "request",
        [{"service_request_id": case.number, "service_notice": "", "account_id": data.get("account_id") or None}],
        status=201,
    )
