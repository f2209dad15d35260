"""Settings that keep SQLite safe under concurrent writers."""

from django.conf import settings
from django.db import connection


def test_sqlite_is_tuned_for_concurrent_writers():
    db = settings.DATABASES["default"]
    assert db["CONN_MAX_AGE"] > 0
    if db["ENGINE"] != "django.db.backends.sqlite3":
        return
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert "busy_timeout" in db["OPTIONS"]["init_command"]


def test_wal_is_active_on_a_file_database(tmp_path, django_db_blocker):
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3":
        return
    import sqlite3

    conn = sqlite3.connect(tmp_path / "probe.sqlite3")
    conn.executescript(db["OPTIONS"]["init_command"])
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 20000
    conn.close()


def test_served_by_wsgi_not_asgi():
    assert settings.WSGI_APPLICATION == "zoneops.wsgi.application"
    assert connection.vendor in {"sqlite", "postgresql"}
