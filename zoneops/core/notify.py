"""Pluggable outgoing notices (SMS / email); the console backend logs them."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from zoneops.core.crypto import mask_mobile

logger = logging.getLogger("zoneops.notify")


class ConsoleBackend:
    """Writes each notice to the log instead of sending it."""

    def send(self, *, channel: str, to: str, text: str) -> None:
        """Log one notice."""
        # Logs must not carry personal data in clear: mobiles are masked.
        logger.info("notice via %s to %s: %s", channel, mask_mobile(to) if to.isdigit() else to, text)


def send(*, channel: str, to: str, text: str) -> None:
    """Send one notice through the configured backend."""
    import_string(settings.NOTIFY_BACKEND)().send(channel=channel, to=to, text=text)
