"""Backups of the database and uploaded files, and restoring them into an empty instance.

A backup is a directory:

    manifest.json   format, time, app version, database vendor, applied migrations,
                    row counts per table, audit log summary, sha256 and size of each part
    db.sqlite3      SQLite: a consistent copy taken with SQLite's online backup API
    db.dump         PostgreSQL: `pg_dump -Fc`
    media.tar       every file under MEDIA_ROOT

Restoring checks everything before it touches anything: the manifest, every part's
size and checksum (a truncated or altered file is named), the vendor, and that the
target database and MEDIA_ROOT are empty. Then it restores atomically: SQLite into a
temporary file that replaces the target in one rename; PostgreSQL with
`pg_restore --single-transaction --exit-on-error` (all or nothing); files into a
temporary directory that is renamed into place only after the database succeeded.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import importlib.metadata
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.utils import timezone

FORMAT = "gongzhi-backup/1"
MANIFEST = "manifest.json"
MEDIA_TAR = "media.tar"
# Filled by `migrate` on any instance: their rows do not make a database "non-empty".
BOOKKEEPING_TABLES = {
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "django_session",
}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says what to do."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def app_version() -> str:
    try:
        return importlib.metadata.version("gongzhi")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def pg_tool(name: str) -> str:
    """The newest `pg_dump`/`pg_restore`: a client older than the server refuses to dump."""
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]),
        reverse=True,
    )
    found = candidates[0] if candidates else shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} was not found on PATH or in /usr/lib/postgresql/*/bin: install the PostgreSQL client."
        )
    return found


def _pg_args(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = []
    if db.get("HOST"):
        args += ["-h", str(db["HOST"])]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _vendor(db: dict[str, Any]) -> str:
    engine = db["ENGINE"]
    if "sqlite" in engine:
        return "sqlite"
    if "postgres" in engine:
        return "postgresql"
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")


def _is_memory(name: str) -> bool:
    return not name or name == ":memory:" or "mode=memory" in str(name)


@contextlib.contextmanager
def _cursor(db: dict[str, Any], alias: str | None) -> Iterator[Any]:
    """A cursor on the database: Django's connection for an alias, else a direct one."""
    if alias is not None:
        with connections[alias].cursor() as cursor:
            yield cursor
        return
    if _vendor(db) == "sqlite":
        lite = sqlite3.connect(str(db["NAME"]))
        try:
            yield lite.cursor()
        finally:
            lite.close()
        return
    import psycopg

    with (
        psycopg.connect(
            dbname=db["NAME"],
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
            autocommit=True,
        ) as conn,
        conn.cursor() as cursor,
    ):
        yield cursor


def _tables(cursor: Any, vendor: str) -> list[str]:
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return sorted(r[0] for r in cursor.fetchall())


def row_counts(db: dict[str, Any], alias: str | None = None) -> dict[str, int]:
    """Rows per table of every installed model's table present in the database."""
    model_tables = {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
    vendor = _vendor(db)
    counts = {}
    with _cursor(db, alias) as cursor:
        for table in _tables(cursor, vendor):
            if table in model_tables or table == "django_migrations":
                cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (names from the catalogue)
                counts[table] = int(cursor.fetchone()[0])
    return counts


def _migrations(db: dict[str, Any], alias: str | None) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    with _cursor(db, alias) as cursor:
        if "django_migrations" not in _tables(cursor, _vendor(db)):
            return result
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            result.setdefault(app, []).append(name)
    return result


def backup_create(
    output: Path, *, alias: str = "default", media_root: Path | None = None
) -> dict[str, Any]:
    """Write a backup of database `alias` and MEDIA_ROOT into the new directory `output`."""
    db = connections[alias].settings_dict
    vendor = _vendor(db)
    output = Path(output)
    if output.exists() and any(output.iterdir()):
        raise BackupError(f"{output} is not empty: give a new directory for the backup.")
    output.mkdir(parents=True, exist_ok=True)
    media = Path(media_root or settings.MEDIA_ROOT)
    counts = row_counts(db, alias)
    files: dict[str, Path] = {}
    if vendor == "sqlite":
        target = output / "db.sqlite3"
        conn = connections[alias]
        conn.ensure_connection()
        dest = sqlite3.connect(target)
        try:
            conn.connection.backup(dest)
        finally:
            dest.close()
        files["db.sqlite3"] = target
    else:
        target = output / "db.dump"
        args, env = _pg_args(db)
        proc = subprocess.run(
            [
                pg_tool("pg_dump"),
                "-Fc",
                "--no-owner",
                "--no-acl",
                *args,
                "-d",
                str(db["NAME"]),
                "-f",
                str(target),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise BackupError(f"pg_dump failed: {proc.stderr.strip()}")
        files["db.dump"] = target
    media_tar = output / MEDIA_TAR
    with tarfile.open(media_tar, "w") as tar:
        if media.exists():
            for path in sorted(media.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    tar.add(path, arcname=str(path.relative_to(media)), recursive=False)
    files[MEDIA_TAR] = media_tar
    from .models import AuditAnchor, AuditEvent

    last_anchor = AuditAnchor.objects.using(alias).order_by("-number").first()
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "app_version": app_version(),
        "vendor": vendor,
        "migrations": _migrations(db, alias),
        "row_counts": counts,
        "audit": {
            "events": AuditEvent.objects.using(alias).count(),
            "last_anchor": last_anchor.hash if last_anchor else None,
        },
        "files": {
            name: {"sha256": _sha256(path), "size": path.stat().st_size}
            for name, path in files.items()
        },
    }
    (output / MANIFEST).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return manifest


def backup_check(source: Path) -> dict[str, Any]:
    """Read the manifest and check every part against it; raise BackupError naming what is wrong."""
    source = Path(source)
    if not source.is_dir():
        raise BackupError(f"{source} is not a directory: give the directory that `backup` wrote.")
    manifest_path = source / MANIFEST
    if not manifest_path.exists():
        raise BackupError(f"{manifest_path} is missing: {source} is not a Gongzhi backup.")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(
            f"{manifest_path} is not valid JSON ({error}): the backup is damaged."
        ) from error
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("files"), dict)
    ):
        raise BackupError(f"{manifest_path} is not a {FORMAT} manifest.")
    for name, meta in sorted(manifest["files"].items()):
        path = source / name
        if not path.exists():
            raise BackupError(f"{name} is missing from the backup.")
        size = path.stat().st_size
        if size != meta.get("size"):
            word = "truncated" if size < int(meta.get("size") or 0) else "longer than recorded"
            raise BackupError(
                f"{name} is {word}: {size} bytes, the manifest says {meta.get('size')}."
            )
        if _sha256(path) != meta.get("sha256"):
            raise BackupError(f"{name} was altered: its sha256 does not match the manifest.")
    db_part = "db.sqlite3" if manifest.get("vendor") == "sqlite" else "db.dump"
    if db_part not in manifest["files"] or MEDIA_TAR not in manifest["files"]:
        raise BackupError(
            f"The manifest lists no {db_part} or {MEDIA_TAR}: the backup is incomplete."
        )
    return manifest


def target_contents(db: dict[str, Any], alias: str | None) -> dict[str, int]:
    """Tables of the target with rows in them (bookkeeping tables of `migrate` aside)."""
    vendor = _vendor(db)
    if vendor == "sqlite" and alias is None and not Path(str(db["NAME"])).exists():
        return {}
    found = {}
    with _cursor(db, alias) as cursor:
        for table in _tables(cursor, vendor):
            if table in BOOKKEEPING_TABLES:
                continue
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (names from the catalogue)
            n = int(cursor.fetchone()[0])
            if n:
                found[table] = n
    return found


def _safe_extract(tar_path: Path, into: Path) -> int:
    count = 0
    with tarfile.open(tar_path) as tar:
        for member in tar.getmembers():
            if not member.isfile():
                raise BackupError(
                    f"{MEDIA_TAR} holds {member.name!r}, which is not a plain file: refusing it."
                )
            tar.extract(member, into, filter="data")
            count += 1
    return count


def backup_restore(
    source: Path, *, db: dict[str, Any] | None = None, media_root: Path | None = None
) -> dict[str, Any]:
    """Restore the backup in `source` into an empty database `db` (default: the default
    database's settings) and an empty `media_root`. All checks come first; nothing is
    written unless every check passed, and a failure leaves the target as it was.
    """
    manifest = backup_check(source)
    source = Path(source)
    target_db = dict(db or connections["default"].settings_dict)
    vendor = _vendor(target_db)
    if manifest["vendor"] != vendor:
        raise BackupError(
            f"The backup is of a {manifest['vendor']} database; the target is {vendor}."
        )
    media = Path(media_root or settings.MEDIA_ROOT)
    contents = target_contents(target_db, "default" if db is None else None)
    if contents:
        listed = ", ".join(f"{t} ({n} rows)" for t, n in sorted(contents.items())[:5])
        raise BackupError(
            f"The target database is not empty: {listed}{' …' if len(contents) > 5 else ''}. "
            "Restore only into a new, empty database (a fresh `migrate` is fine)."
        )
    if media.exists() and any(media.iterdir()):
        raise BackupError(f"MEDIA_ROOT {media} is not empty: restore into an empty directory.")
    if vendor == "sqlite" and _is_memory(str(target_db["NAME"])):
        raise BackupError("The target is an in-memory SQLite database: set DATABASE_URL to a file.")

    media.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-media-", dir=media.parent))
    try:
        files = _safe_extract(source / MEDIA_TAR, staging)
        if vendor == "sqlite":
            _restore_sqlite(source / "db.sqlite3", Path(str(target_db["NAME"])))
        else:
            _restore_postgresql(source / "db.dump", target_db)
        if media.exists():
            media.rmdir()
        staging.rename(media)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return {"files": files, "row_counts": manifest.get("row_counts", {})}


def _restore_sqlite(backup_file: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".restore-", suffix=".sqlite3", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            status = dst.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"db.sqlite3 cannot be read as a database: {error}.") from error
        finally:
            src.close()
            dst.close()
        if status != "ok":
            raise BackupError(f"db.sqlite3 failed SQLite's integrity check: {status}.")
        for alias in connections:
            if connections[alias].settings_dict.get("NAME") == str(target):
                connections[alias].close()
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _restore_postgresql(dump: Path, db: dict[str, Any]) -> None:
    args, env = _pg_args(db)
    listing = subprocess.run(
        [pg_tool("pg_restore"), "-l", str(dump)], capture_output=True, text=True, check=False
    )
    if listing.returncode != 0:
        raise BackupError(f"db.dump cannot be read by pg_restore: {listing.stderr.strip()}")
    # --clean drops the empty tables a fresh `migrate` created; --single-transaction makes
    # the whole restore one transaction, so a failure leaves the target untouched.
    proc = subprocess.run(
        [
            pg_tool("pg_restore"),
            "--single-transaction",
            "--exit-on-error",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",
            *args,
            "-d",
            str(db["NAME"]),
            str(dump),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise BackupError(f"pg_restore failed and changed nothing: {proc.stderr.strip()}")
