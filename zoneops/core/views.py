"""Home page (cards per role), health check and the signed-in user's notifications."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from zoneops.core import selectors, services
from zoneops.core.dashboard import cards_for
from zoneops.core.listing import paginate


@login_required
def home(request):
    """The signed-in user's home: the cards their roles may see."""
    return render(request, "core/home.html", {"cards": cards_for(request.user)})


def healthz(request):
    """Liveness and database check for load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def notification_list(request):
    """My notifications, newest first, paged; ?unread=1 shows the unread ones only."""
    unread_only = request.GET.get("unread") == "1"
    queryset = selectors.my_notifications(request.user)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    listing = paginate(request, queryset)
    context = {
        "listing": listing,
        "rows": listing.rows,
        "unread_only": unread_only,
        "unread_count": selectors.my_unread_count(request.user),
    }
    return render(request, "core/notification_list.html", context)


@require_GET
@login_required
@never_cache
def notification_bell(request):
    """The unread badge of the page header, loaded by htmx so pages themselves run no extra query."""
    return render(request, "core/_notification_bell.html", {"unread_count": selectors.my_unread_count(request.user)})


def _back(request):
    """Back to the list page the form was on (same-site paths only)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("core:notification-list")


@require_POST
@login_required
def notification_read(request, pk: int):
    """Mark one of my notifications read; with `open`, go on to what it is about."""
    notification = selectors.notification_for_user_or_404(request.user, pk)
    services.mark_notification_read(actor=request.user, notification=notification)
    link = notification.link
    if "open" in request.POST and link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        return redirect(link)
    return _back(request)


@require_POST
@login_required
def notification_read_all(request):
    """Mark all my notifications read."""
    count = services.mark_all_notifications_read(actor=request.user)
    text = ngettext("%(count)s notification marked read.", "%(count)s notifications marked read.", count)
    messages.success(request, text % {"count": count})
    return _back(request)
