"""manage.py pass_keys list | create DEPT TYPE[,TYPE] | withdraw KID | root."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from zoneops.core.errors import DomainError
from zoneops.passes import keys, services
from zoneops.passes.models import SigningKey


class Command(BaseCommand):
    """Generate, rotate and withdraw pass signing keys (private halves go to the key directory, 0600)."""

    help = "Manage pass signing keys: list, create (rotates the department's key), withdraw, root."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="list keys and whether this server holds their private half")
        create = sub.add_parser("create", help="create (rotate) a department's key")
        create.add_argument("department", help="department code, e.g. SCJ")
        create.add_argument("types", help="comma-separated pass types, e.g. rider,freight")
        withdraw = sub.add_parser("withdraw", help="withdraw a compromised key now")
        withdraw.add_argument("kid")
        withdraw.add_argument("--note", default="")
        sub.add_parser("root", help="create the zone root key if missing")

    def handle(self, *args, **options):
        from zoneops.accounts.models import Department

        action = options["action"]
        try:
            if action == "list":
                self.stdout.write(f"key directory: {keys.key_dir()}")
                for key in SigningKey.objects.select_related("department").order_by("created_at"):
                    state = "withdrawn" if key.withdrawn_at else "retired" if key.retired_at else "active"
                    held = "private key here" if keys.load_private_key(key.kid) else "no private key here"
                    owner = key.department.code if key.department else "ROOT"
                    self.stdout.write(f"{key.kid}  {owner:8} {','.join(key.allowed_types):20} {state:9} {held}")
            elif action == "create":
                department = Department.objects.filter(code=options["department"]).first()
                if department is None:
                    raise CommandError(f"no department {options['department']!r}")
                key = services.create_signing_key(
                    actor=None, department=department, allowed_types=options["types"].split(",")
                )
                self.stdout.write(f"created {key.kid} for {department.code}: {','.join(key.allowed_types)}")
            elif action == "withdraw":
                key = services.withdraw_key(actor=None, kid=options["kid"], note=options["note"])
                self.stdout.write(f"withdrew {key.kid}; passes it signed now fail with unknown_key")
            elif action == "root":
                key, _private = services.root_key()
                self.stdout.write(f"root key {key.kid}")
        except DomainError as exc:
            raise CommandError(exc.message) from exc
