"""`flush`, made to work with the append-only audit triggers on SQLite.

Flushing wipes every table of the database; Django's test runner does it after each transactional
test (live-server browser tests too). PostgreSQL flushes with TRUNCATE, which row triggers do not see;
SQLite flushes with DELETE, which the audit trigger refuses for young events. So on SQLite the
triggers are dropped for the flush and always created again afterwards.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from zoneops.audit import triggers


class Command(FlushCommand):
    """Django's flush, around which the SQLite audit triggers are lifted and restored."""

    def handle(self, **options):
        if not settings.TESTING:
            # Emptying every table would erase the audit trail, which 等保 requires to be kept 180 days.
            raise CommandError("flush would erase the append-only audit trail; it runs only in tests.")
        connection = connections[options["database"]]
        if connection.vendor != "sqlite" or triggers.TABLE not in connection.introspection.table_names():
            return super().handle(**options)
        triggers.drop(connection)
        try:
            return super().handle(**options)
        finally:
            triggers.create(connection)
