"""Home page (cards per role) and health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from zoneops.core.dashboard import cards_for


@login_required
def home(request):
    """The signed-in user's home: the cards their roles may see."""
    return render(request, "core/home.html", {"cards": cards_for(request.user)})


def healthz(request):
    """Liveness and database check for load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
