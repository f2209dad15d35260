"""changepassword goes through the password service: policy, history, audit, sessions and tokens ended."""

import getpass

from django.core.management.base import BaseCommand, CommandError

from zoneops.accounts.models import User
from zoneops.accounts.services import change_password
from zoneops.core import context
from zoneops.core.errors import DomainError


class Command(BaseCommand):
    """Set a user's password from the console as an initial password (changed at next sign-in)."""

    help = "Reset a user's password under the password policy; the user must change it at next sign-in."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--database")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        first = getpass.getpass("New password: ")
        if first != getpass.getpass("New password again: "):
            raise CommandError("The two passwords differ.")
        token = context.activate(context.RequestContext(request_id="changepassword", source="command"))
        try:
            change_password(actor=user, user=user, new_password=first, console_reset=True)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        finally:
            context.reset(token)
        self.stdout.write(f"Password of {user.username} reset; it must be changed at the next sign-in.")
