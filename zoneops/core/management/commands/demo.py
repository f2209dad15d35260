"""Build the seed's demo zone (idempotent): each app contributes its part in dependency order."""

from __future__ import annotations

import importlib
import os
import secrets

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from zoneops.core import context

# Each module exposes build(demo: DemoContext); order follows the apps' dependencies.
DEMO_MODULES = [
    "zoneops.accounts.demo",
    "zoneops.enterprises.demo",
    "zoneops.servicedesk.demo",
    "zoneops.investment.demo",
    "zoneops.economy.demo",
    "zoneops.passes.demo",
    "zoneops.core.demo",  # last: settles what the others' history left behind
]


class DemoContext:
    """What the demo builders share: the password, a report of what was made."""

    def __init__(self, password: str, stdout):
        self.password = password
        self.stdout = stdout
        self.objects: dict[str, object] = {}

    def say(self, text: str) -> None:
        """Print one progress line."""
        self.stdout.write(text)


def demo_password() -> str:
    """ZONEOPS_DEMO_PASSWORD, else one generated once and kept in var/demo-password (0600)."""
    value = os.environ.get("ZONEOPS_DEMO_PASSWORD")
    if value:
        return value
    path = settings.VAR_DIR / "demo-password"
    if not path.exists():
        # Policy: 10+ characters, 3 of 4 classes; token_urlsafe gives letters and digits, the suffix adds the rest.
        generated = "Zo-" + secrets.token_urlsafe(12) + "7a"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(generated)
    return path.read_text().strip()


class Command(BaseCommand):
    """manage.py demo [--if-empty]."""

    help = "Create or update the demo zone from the seed (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="only when the database has no departments yet")

    def handle(self, *args, **options):
        from zoneops.accounts.models import Department

        if options["if_empty"] and Department.objects.exists():
            self.stdout.write("Demo data already present; skipping (run `manage.py demo` to refresh).")
            return
        token = context.activate(context.RequestContext(request_id="demo", source="command"))
        try:
            demo = DemoContext(demo_password(), self.stdout)
            modules = [importlib.import_module(name) for name in DEMO_MODULES]
            # All or nothing: a failing builder must not leave a half-built zone that `--if-empty` then skips.
            with transaction.atomic():
                for module in modules:
                    module.build(demo)
        finally:
            context.reset(token)
        self.write_credentials(demo)

    def write_credentials(self, demo: DemoContext) -> None:
        users = demo.objects.get("demo_users", [])
        lines = ["Demo accounts (password below; change it outside demo mode):"]
        lines += [f"  {username:<12} {label}" for username, label in users]
        lines.append(f"  password: {demo.password}")
        text = "\n".join(lines) + "\n"
        path = settings.VAR_DIR / "demo-credentials.txt"
        path.write_text(text)
        os.chmod(path, 0o600)
        self.stdout.write(text)
