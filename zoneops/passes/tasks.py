"""Background work of the passes app (django-tasks): thin and idempotent, they call services."""

from __future__ import annotations

from django_tasks import task

from zoneops.core import context
from zoneops.passes import services


@task()
def refresh_revocation_list_task() -> dict[str, int]:
    """Re-sign the revocation list once 6 hours old (verifiers go amber at 24); safe to run as often as wanted."""
    token = context.activate(context.RequestContext(request_id="revocation-refresh", source="task"))
    try:
        published = services.refresh_revocation_list()
    finally:
        context.reset(token)
    latest = published or services.latest_revocation_list()
    return {"published": int(published is not None), "version": latest.version if latest else 0}
