"""Database triggers that make the audit trail append-only, for SQLite and PostgreSQL.

They refuse every UPDATE of an audit event and every DELETE of an event younger than
settings.AUDIT_RETENTION_DAYS (baked in when the triggers are created). Only `manage.py purge_audit`
deletes, and only older events. Note for future migrations: a SQLite table rebuild (some AlterField
operations) drops the triggers with the old table; such a migration must call `create(...)` again.
"""

from __future__ import annotations

from django.conf import settings

TABLE = "audit_auditevent"
UPDATE_MESSAGE = "audit events are append-only: UPDATE refused"
DELETE_MESSAGE = "audit events younger than the retention period cannot be deleted"


def sqlite_sql(table: str, days: int) -> list[str]:
    """SQLite stores datetimes as UTC text 'YYYY-MM-DD HH:MM:SS[.ffffff]', which compares as text."""
    return [
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, '{UPDATE_MESSAGE}'); END;""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
        WHEN OLD.occurred_at > datetime('now', '-{days} days')
        BEGIN SELECT RAISE(ABORT, '{DELETE_MESSAGE}'); END;""",
    ]


def postgresql_sql(table: str, days: int) -> list[str]:
    """One row-level trigger function for both operations."""
    return [
        f"""CREATE OR REPLACE FUNCTION {table}_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                RAISE EXCEPTION '{UPDATE_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            IF OLD.occurred_at > now() - interval '{days} days' THEN
                RAISE EXCEPTION '{DELETE_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN OLD;
        END;
        $$;""",
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {table}_guard();""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {table}_guard();""",
    ]


def drop_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_update ON {table};",
            f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table};",
            f"DROP FUNCTION IF EXISTS {table}_guard();",
        ]
    return [f"DROP TRIGGER IF EXISTS {table}_no_update;", f"DROP TRIGGER IF EXISTS {table}_no_delete;"]


def create_sql(vendor: str, table: str, days: int) -> list[str]:
    if vendor == "sqlite":
        return sqlite_sql(table, days)
    if vendor == "postgresql":
        return postgresql_sql(table, days)
    raise NotImplementedError(f"no audit triggers for database vendor {vendor!r}")


def create(connection, table: str = TABLE, days: int | None = None) -> None:
    """Create the triggers on `connection` (its vendor decides the SQL)."""
    days = int(settings.AUDIT_RETENTION_DAYS if days is None else days)
    with connection.cursor() as cursor:
        for statement in create_sql(connection.vendor, table, days):
            cursor.execute(statement)


def drop(connection, table: str = TABLE) -> None:
    """Drop the triggers (migration rollback, and the test runner's flush on SQLite)."""
    with connection.cursor() as cursor:
        for statement in drop_sql(connection.vendor, table):
            cursor.execute(statement)
