"""Make the audit trail append-only in the database itself (triggers in zoneops/audit/triggers.py)."""

from django.conf import settings
from django.db import migrations, models

from zoneops.audit import triggers


def create_triggers(apps, schema_editor):
    """Branch on the database vendor: SQLite and PostgreSQL triggers differ in syntax, not in effect."""
    table = apps.get_model("audit", "AuditEvent")._meta.db_table
    days = int(settings.AUDIT_RETENTION_DAYS)
    for statement in triggers.create_sql(schema_editor.connection.vendor, table, days):
        schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    table = apps.get_model("audit", "AuditEvent")._meta.db_table
    for statement in triggers.drop_sql(schema_editor.connection.vendor, table):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="auditevent",
            options={
                "default_permissions": (),
                "ordering": ["-occurred_at", "-pk"],
                "permissions": [("view_audit_trail", "Can search the whole audit trail")],
                "verbose_name": "audit event",
                "verbose_name_plural": "audit events",
            },
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["-occurred_at", "-id"], name="audit_newest_first"),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
