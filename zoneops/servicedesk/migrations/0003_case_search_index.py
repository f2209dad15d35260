import time

from django.db import migrations

from zoneops.servicedesk import search_index


def create_search_index(apps, schema_editor):
    """SQLite only: create the FTS5 word index of case texts and back-fill it from the existing cases."""
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return  # PostgreSQL keeps the icontains search (see search_index's docstring)
    started = time.monotonic()
    search_index.create(connection)
    indexed = search_index.fill(connection)
    if indexed:
        print(f"\n  indexed {indexed} cases for search in {time.monotonic() - started:.0f} s", end="")


def drop_search_index(apps, schema_editor):
    """Drop the FTS5 table (SQLite only)."""
    if schema_editor.connection.vendor == "sqlite":
        search_index.drop(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("servicedesk", "0002_kpi_rollup"),
    ]

    operations = [
        migrations.RunPython(create_search_index, drop_search_index, elidable=False),
    ]
