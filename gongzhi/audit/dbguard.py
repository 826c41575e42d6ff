"""Database triggers that refuse UPDATE and DELETE on the audit tables.

The application never changes an audit row; the triggers make the database refuse it
too, so a bug or a careless admin cannot rewrite history by accident. A person with
the database owner's rights can still drop them: that is what the hash chain and the
published anchors are for.

SQLite: the triggers are inert on in-memory databases (throwaway test databases that
Django empties with DELETE between tests); on file databases they always apply.
PostgreSQL: row triggers only; TRUNCATE (used by Django's test flush) is not covered.
"""

from __future__ import annotations

from typing import Any

GUARDED_TABLES = ("audit_auditevent", "audit_auditanchor")

_SQLITE_ONLY_FILES = "(SELECT file FROM pragma_database_list WHERE name = 'main') <> ''"


def _sqlite_statements(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"WHEN {_SQLITE_ONLY_FILES} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: audit rows are never changed or deleted'); END"
        for op in ("UPDATE", "DELETE")
    ]


_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION gongzhi_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: audit rows are never changed or deleted', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def install(connection: Any) -> None:
    """Create the triggers on `connection` (idempotent)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for table in GUARDED_TABLES:
                for sql in _sqlite_statements(table):
                    cursor.execute(sql)
        elif connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
            for table in GUARDED_TABLES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
                cursor.execute(
                    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION gongzhi_audit_append_only()"
                )


def uninstall(connection: Any) -> None:
    """Drop the triggers: for migrations backwards and for tamper tests only."""
    with connection.cursor() as cursor:
        for table in GUARDED_TABLES:
            if connection.vendor == "sqlite":
                for op in ("update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
            elif connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
