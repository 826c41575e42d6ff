"""Backup and restore round trips: nothing lost, the audit chain still verifies, and
damaged backups or non-empty targets are refused before anything is written."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from gongzhi.audit.backup import (
    BackupError,
    backup_check,
    backup_create,
    backup_restore,
    row_counts,
)
from gongzhi.audit.services import audit_anchor_create, audit_record

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def media(tmp_path: Path, settings: Any) -> Path:
    root = tmp_path / "media"
    (root / "cases" / "2026").mkdir(parents=True)
    (root / "cases" / "2026" / "photo.jpg").write_bytes(b"\xff\xd8jpeg-bytes" * 100)
    (root / "minutes.pdf").write_bytes(b"%PDF-1.4 mediation minutes")
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def history(tcast: Any) -> Any:
    for n in range(5):
        audit_record(
            stream=f"case:{500 + n}", action="submitted", actor=tcast.resident, data={"n": n}
        )
    audit_anchor_create(until=timezone.now())
    audit_record(stream="case:500", action="dispatched", actor=tcast.operator)
    return tcast


@pytest.fixture
def target(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """An empty database of the same vendor as the test database."""
    base = connection.settings_dict
    if connection.vendor == "sqlite":
        yield {**base, "NAME": str(tmp_path / "restored.sqlite3")}
        return
    name = f"{base['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**base, "NAME": name}
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _url(db: dict[str, Any]) -> str:
    if "sqlite" in db["ENGINE"]:
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _manage(
    *args: str, db: dict[str, Any], media_root: Path, data_dir: Path
) -> subprocess.CompletedProcess[str]:
    """Run manage.py as an operator would, against another database and media root."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gongzhi.config.settings.dev",
        "DATABASE_URL": _url(db),
        "GONGZHI_MEDIA_ROOT": str(media_root),
        "GONGZHI_DATA_DIR": str(data_dir),
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


@pytest.mark.pg
def test_backup_restores_into_an_empty_instance_with_nothing_lost(
    history: Any, media: Path, target: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    manifest = backup_create(out)
    assert set(manifest["files"]) == {
        "db.sqlite3" if connection.vendor == "sqlite" else "db.dump",
        "media.tar",
    }
    before = row_counts(connection.settings_dict, "default")
    assert before["accounts_user"] >= 11 and before["audit_auditevent"] >= 6

    restored_media = tmp_path / "restored-media"
    proc = _manage(
        "restore", str(out), db=target, media_root=restored_media, data_dir=tmp_path / "data"
    )
    assert proc.returncode == 0, proc.stderr
    assert f"audit log intact ({before['audit_auditevent']} events, 1 anchors)" in proc.stdout
    assert row_counts(target) == before
    for path in media.rglob("*"):
        if path.is_file():
            copy = restored_media / path.relative_to(media)
            assert copy.read_bytes() == path.read_bytes()

    again = _manage(
        "restore", str(out), db=target, media_root=tmp_path / "m2", data_dir=tmp_path / "data"
    )
    assert again.returncode == 1
    assert "The target database is not empty: " in again.stderr and "accounts_user" in again.stderr
    assert not (tmp_path / "m2").exists() or not any((tmp_path / "m2").iterdir())
    assert row_counts(target) == before


def _manifest(out: Path) -> dict[str, Any]:
    return json.loads((out / "manifest.json").read_text())


def test_truncated_altered_or_missing_parts_are_named(
    history: Any, media: Path, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    backup_create(out)
    db_part = next(n for n in _manifest(out)["files"] if n.startswith("db."))
    data = (out / db_part).read_bytes()

    (out / db_part).write_bytes(data[: len(data) // 2])
    with pytest.raises(
        BackupError,
        match=rf"{db_part} is truncated: {len(data) // 2} bytes, the manifest says {len(data)}",
    ):
        backup_check(out)
    (out / db_part).write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(BackupError, match=rf"{db_part} was altered"):
        backup_check(out)
    (out / db_part).write_bytes(data)
    backup_check(out)
    (out / "media.tar").unlink()
    with pytest.raises(BackupError, match=r"media\.tar is missing"):
        backup_check(out)
    (out / "manifest.json").write_text("{not json")
    with pytest.raises(BackupError, match="not valid JSON"):
        backup_check(out)
    (out / "manifest.json").unlink()
    with pytest.raises(BackupError, match="not a Gongzhi backup"):
        backup_check(out)


@pytest.mark.pg
def test_a_database_that_fails_to_restore_leaves_nothing_behind(
    history: Any, media: Path, target: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    backup_create(out)
    db_part = next(n for n in _manifest(out)["files"] if n.startswith("db."))
    garbage = b"this is not a database" * 50
    (out / db_part).write_bytes(garbage)
    manifest = _manifest(out)
    manifest["files"][db_part] = {
        "sha256": hashlib.sha256(garbage).hexdigest(),
        "size": len(garbage),
    }
    (out / "manifest.json").write_text(json.dumps(manifest))
    restored_media = tmp_path / "restored-media"
    with pytest.raises(BackupError, match=rf"{db_part} cannot be read"):
        backup_restore(out, db=target, media_root=restored_media)
    assert (
        row_counts(target) == {}
        if connection.vendor != "sqlite"
        else not Path(target["NAME"]).exists()
    )
    assert not restored_media.exists() or not any(restored_media.iterdir())
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".restore")]


def test_restore_command_refuses_a_non_empty_instance_precisely(
    history: Any, media: Path, tmp_path: Path
) -> None:
    out = tmp_path / "backup"
    call_command("backup", output=str(out))
    call_command("restore", str(out), check=True)
    users_before = row_counts(connection.settings_dict, "default")["accounts_user"]
    with pytest.raises(CommandError, match="target database is not empty"):
        call_command("restore", str(out))
    assert row_counts(connection.settings_dict, "default")["accounts_user"] == users_before


def test_backup_refuses_a_directory_that_holds_files(db: Any, tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("x")
    with pytest.raises(CommandError, match="is not empty"):
        call_command("backup", output=str(tmp_path))
