"""Root URLs: pages per app, /api/v1, /api/docs, i18n, admin."""

from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from zoneops.accounts.apps import lock_down_django_admin
from zoneops.api import api

lock_down_django_admin()


def api_not_found(request, rest=""):
    """Unknown API paths answer problem+json like every other API error, not an HTML page."""
    body = {"type": "urn:zoneops:problem:not_found", "title": "Not found", "status": 404}
    return JsonResponse(body, status=404, content_type="application/problem+json")


urlpatterns = [
    path("", include("zoneops.core.urls")),
    path("accounts/", include("zoneops.accounts.urls")),
    path("audit/", include("zoneops.audit.urls")),
    path("enterprises/", include("zoneops.enterprises.urls")),
    path("investment/", include("zoneops.investment.urls")),
    path("economy/", include("zoneops.economy.urls")),
    path("servicedesk/", include("zoneops.servicedesk.urls")),
    path("passes/", include("zoneops.passes.urls")),
    path("open311/v2/", include("zoneops.servicedesk.open311_urls")),
    path("api/v1/", api.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False), name="api-docs"),
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
