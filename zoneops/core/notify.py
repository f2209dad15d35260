"""Notices: stored in-app notifications (the bell) and pluggable outgoing SMS / email (console backend logs)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.module_loading import import_string

from zoneops.core import clock
from zoneops.core.crypto import mask_mobile

if TYPE_CHECKING:
    from zoneops.accounts.models import User
    from zoneops.core.models import Notification

logger = logging.getLogger("zoneops.notify")

TITLE_MAX_LENGTH = 200
LINK_MAX_LENGTH = 500


class ConsoleBackend:
    """Writes each notice to the log instead of sending it."""

    def send(self, *, channel: str, to: str, text: str) -> None:
        """Log one notice."""
        # Logs must not carry personal data in clear: mobiles are masked.
        logger.info("notice via %s to %s: %s", channel, mask_mobile(to) if to.isdigit() else to, text)


def send(*, channel: str, to: str, text: str) -> None:
    """Send one notice through the configured backend."""
    import_string(settings.NOTIFY_BACKEND)().send(channel=channel, to=to, text=text)


def notify_users(
    users: Iterable[User],
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    target: models.Model | None = None,
) -> list[Notification]:
    """Store one in-app notification per distinct active user (one INSERT), in the caller's transaction."""
    from zoneops.core.models import Notification

    if not kind or not title:
        raise ValueError("kind and title are required")
    # Only same-site paths: the notifications page redirects to the link when one is opened.
    if link and (not link.startswith("/") or link.startswith("//") or len(link) > LINK_MAX_LENGTH):
        raise ValueError(f"link must be a site path of at most {LINK_MAX_LENGTH} characters: {link!r}")
    recipients = {user.pk: user for user in users if user is not None and user.is_active}
    if not recipients:
        return []
    target_type = ContentType.objects.get_for_model(target) if target is not None else None
    now = clock.now()
    title = str(title)
    if len(title) > TITLE_MAX_LENGTH:
        title = title[: TITLE_MAX_LENGTH - 1] + "…"
    return Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind=kind,
                title=title,
                body=str(body),
                link=link,
                target_type=target_type,
                target_id=str(target.pk) if target is not None else "",
                created_at=now,
            )
            for user in recipients.values()
        ]
    )
