"""A word index of case titles and descriptions for Chinese free-text search on SQLite.

`icontains` cannot use an index, so a word few cases contain meant scanning every case (6.6 s at 1M cases).
Each run of CJK ideographs is indexed as its overlapping bigrams in an FTS5 table (rowid = case id); a
Chinese query ANDs its own bigrams there. That is a superset of the cases containing the query as a
substring (a substring of ideographs lies inside one run, so all its bigrams are that run's), and the
caller keeps today's `icontains` filter on top, so the answers are exactly today's.

SQLite only: on PostgreSQL the table is never created, `available()` is False and search keeps its
`icontains` filter (a trigram index there would be the equivalent, not done here). ASCII and digit
queries (numbers, mobiles, Latin words) keep today's path on every database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import connection as default_connection

TABLE = "servicedesk_case_search"
BATCH = 5000
# Ideographs only (no CJK punctuation): these are what users search for, and FTS5's `ascii` tokenizer keeps
# every non-ASCII character inside a token, so an indexed bigram is matched whole and only whole.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_CJK_ONLY = re.compile(f"^[{_CJK}]+$")


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)] or [run]


def terms(text: str) -> str:
    """The indexed form of `text`: each CJK run as its overlapping bigrams (a lone character kept), space-joined."""
    return " ".join(gram for run in _CJK_RUN.findall((text or "").lower()) for gram in _bigrams(run))


def case_terms(title: str, description: str) -> str:
    """The indexed form of a case: its title's terms, then its description's."""
    # Tokenized apart, so the title's last character and the description's first never make a bigram.
    return f"{terms(title)} {terms(description)}".strip()


def available(connection=default_connection) -> bool:
    """Whether this database has the index (SQLite with the FTS5 table migrated in)."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [TABLE])
        return cursor.fetchone() is not None


def create(connection) -> None:
    """Create the FTS5 table (detail=none: matching needs rowids only, not positions)."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(terms, tokenize='ascii', detail=none)")


def drop(connection) -> None:
    """Drop the FTS5 table."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def _upsert(connection, rows: Iterable[tuple[int, str, str]]) -> None:
    params = [(pk, case_terms(title, description)) for pk, title, description in rows]
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT OR REPLACE INTO {TABLE}(rowid, terms) VALUES (%s, %s)", params)


def index_cases(cases: Iterable, connection=default_connection) -> None:
    """Upsert the index rows of these cases (no-op without the index)."""
    if available(connection):
        _upsert(connection, ((case.pk, case.title, case.description) for case in cases))


def index_case(case, connection=default_connection) -> None:
    """Upsert one case's index row; call it in the transaction that writes its title or description."""
    index_cases([case], connection)


def fill(connection, batch: int = BATCH) -> int:
    """Index every existing case, in id order and batches (the migration's back-fill); the number indexed."""
    done, last = 0, 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, title, description FROM servicedesk_case WHERE id > %s ORDER BY id LIMIT %s", [last, batch]
            )
            rows = cursor.fetchall()
        if not rows:
            break
        _upsert(connection, rows)
        done += len(rows)
        last = rows[-1][0]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('optimize')")  # one segment: fewer pages per query
    return done


def match_expression(query: str) -> str | None:
    """The FTS5 query ANDing a CJK query's bigrams, each quoted; None for any other query."""
    query = (query or "").strip().lower()
    if len(query) < 2 or not _CJK_ONLY.match(query):
        return None
    return " AND ".join(f'"{gram}"' for gram in dict.fromkeys(_bigrams(query)))


def candidate_ids(query: str, limit: int, connection=default_connection) -> list[int] | None:
    """Ids of cases whose text holds all the query's bigrams (a superset of its substring matches).

    None when the index cannot answer (not a CJK query of 2+ characters, no index) or when more than `limit`
    cases match: a common word is found faster by walking the newest cases.
    """
    expression = match_expression(query)
    if expression is None or not available(connection):
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s LIMIT %s", [expression, limit + 1])
        ids = [row[0] for row in cursor.fetchall()]
    return None if len(ids) > limit else ids
