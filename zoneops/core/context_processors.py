"""Template context for the page shell: menu, demo-mode flag."""

from __future__ import annotations

from django.conf import settings

from zoneops.core.menu import menu_for


def shell(request):
    """Menu entries for the signed-in user and shell flags."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"demo_mode": settings.DEMO_MODE}
    menu = menu_for(user)
    current = request.path
    for group in menu:
        for item in group["items"]:
            item["active"] = current == item["url"] or (item["url"] != "/" and current.startswith(item["url"]))
        group["active"] = any(i["active"] for i in group["items"])
    return {"menu": menu, "demo_mode": settings.DEMO_MODE}
