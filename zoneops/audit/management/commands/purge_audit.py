"""`manage.py purge_audit --older-than DAYS`: delete audit events past the retention period."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from zoneops.audit.services import purge_events
from zoneops.core import context
from zoneops.core.errors import DomainError


class Command(BaseCommand):
    """Thin: parse the age, call the purge service, print what was deleted."""

    help = "Delete audit events older than DAYS days (DAYS must be at least the retention period)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            required=True,
            metavar="DAYS",
            help=f"age in days; at least AUDIT_RETENTION_DAYS ({settings.AUDIT_RETENTION_DAYS})",
        )

    def handle(self, *args, **options):
        token = context.activate(context.RequestContext(source="command"))
        try:
            deleted = purge_events(older_than_days=options["older_than"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        finally:
            context.reset(token)
        self.stdout.write(f"Deleted {deleted} audit events older than {options['older_than']} days.")
