"""createsuperuser is refused: a superuser would hold every permission and break 三员分立."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    """Refuse, and point to the separated administrator roles."""

    help = "Refused in ZoneOps: create the system, security and audit administrators as separate users."

    def add_arguments(self, parser):
        parser.add_argument("args", nargs="*")
        parser.add_argument("--noinput", "--no-input", action="store_true")
        parser.add_argument("--username")
        parser.add_argument("--email")
        parser.add_argument("--database")

    def handle(self, *args, **options):
        raise CommandError(
            "ZoneOps has no superusers (三员分立). Sign in as the system administrator and create users with "
            "roles under 系统管理 → 用户; on a new installation run `manage.py demo` or load your organisation "
            "through the department and user Excel imports."
        )
