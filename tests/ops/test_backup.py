"""Backup and restore: a whole portal comes back, row for row and byte for byte, into an empty database.

Restores run as `manage.py restore` in a subprocess pointed at a new empty database and an empty
MEDIA_ROOT, as an operator would run it; the source and the restored copy are then compared table
by table and file by file.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import urllib.parse
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from ops.backup import MANIFEST, backup_create
from tests.conftest import require_service
from tests.ops.data import reports_with_evidence
from tests.workers import broker_at, closed_port_url

ROOT = Path(settings.BASE_DIR)


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`manage.py …` in a process of its own, on the database and media folder `env` names."""
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "MEDIA_ROOT")}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment | env, capture_output=True, text=True,
        timeout=300,
    )


def assert_refused(result: subprocess.CompletedProcess, message: str) -> None:
    """Refused with one clear line, never a traceback."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("CommandError: ")]
    assert len(lines) == 1 and message in lines[0], result.stderr


def read_manifest(archive: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        return json.load(tar.extractfile(MANIFEST))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_same_evidence(rows: list[tuple[int, str, str]], source_media: Path, restored_media: Path) -> None:
    """Every evidence row's file is in the restored folder with the same bytes."""
    assert rows
    for _pk, name, path in rows:
        assert (restored_media / path).read_bytes() == (source_media / path).read_bytes(), name


# ---------------------------------------------------------------------------
# SQLite (the embedded default): always runs, every step in its own process.


@pytest.fixture(scope="module")
def sqlite_portal(tmp_path_factory):
    """A SQLite portal with the 2020 plan, demo accounts and reports with evidence, and its backup."""
    home = tmp_path_factory.mktemp("sqlite-portal")
    env = {"DATABASE_URL": f"sqlite:///{home / 'portal.sqlite3'}", "MEDIA_ROOT": str(home / "media"),
           "UNIONPLAN_VAR_DIR": str(home / "var")}
    for args in (["migrate", "--noinput"], ["shell", "-c", "from tests.ops.data import seed_portal; seed_portal()"],
                 ["backup", "--output", str(home)]):
        result = manage(*args, env=env)
        assert result.returncode == 0, result.stderr
    archive = next(home.glob("unionplan-backup-*.tar.gz"))
    return {"home": home, "env": env, "db": home / "portal.sqlite3", "media": home / "media", "archive": archive}


def empty_sqlite_target(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'restored.sqlite3'}", "MEDIA_ROOT": str(tmp_path / "media"),
            "UNIONPLAN_VAR_DIR": str(tmp_path / "var")}


def sqlite_tables(path: Path) -> dict[str, list]:
    with sqlite3.connect(path) as db:
        names = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {name: sorted(db.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr) for name in names}


AUDIT = "departments_securityevent"


def assert_same_but_the_audit(restored: dict[str, list], source: dict[str, list]) -> None:
    """Every table the same, row for row; the security events differ by the two the commands wrote:
    the backup's (in the source, after its dump) and the restore's (in the restored database)."""
    restored_events, source_events = set(restored.pop(AUDIT)), set(source.pop(AUDIT))
    assert restored == source
    (made,), (restored_event,) = source_events - restored_events, restored_events - source_events
    assert "backup_made" in made and "manage.py backup" in made
    assert "backup_restored" in restored_event and "manage.py restore" in restored_event


def test_sqlite_backup_restores_every_row_and_file_into_a_new_database(sqlite_portal, tmp_path):
    # given the backup of a portal with reports and evidence
    manifest = read_manifest(sqlite_portal["archive"])
    assert manifest["database"]["vendor"] == "sqlite"
    assert manifest["counts"]["reports"] == 3 and manifest["counts"]["evidence"] == 9
    assert manifest["counts"]["media_files"] == 9
    assert "tasks" in manifest["migrations"]
    # when it is restored into a new database and an empty media folder
    target = empty_sqlite_target(tmp_path)
    result = manage("restore", str(sqlite_portal["archive"]), env=target)
    # then every table is the same, row for row, and every evidence file byte for byte
    assert result.returncode == 0, result.stderr
    assert "3 reports, 9 evidence" in result.stdout and "9 media files, every sha256 verified" in result.stdout
    restored = tmp_path / "restored.sqlite3"
    assert_same_but_the_audit(sqlite_tables(restored), sqlite_tables(sqlite_portal["db"]))
    with sqlite3.connect(restored) as db:
        rows = db.execute("SELECT id, original_name, file FROM tasks_evidence").fetchall()
    assert len(rows) == 9
    assert_same_evidence(rows, sqlite_portal["media"], tmp_path / "media")


def test_restore_refuses_a_database_that_holds_unionplan_tables_unless_forced(sqlite_portal, tmp_path):
    # given a database restored once
    target = empty_sqlite_target(tmp_path)
    assert manage("restore", str(sqlite_portal["archive"]), env=target).returncode == 0
    restored = tmp_path / "restored.sqlite3"
    before = sha256(restored)
    # when the archive is restored into it again, then it is refused and nothing changes
    assert_refused(manage("restore", str(sqlite_portal["archive"]), env=target), "already holds unionplan tables")
    assert sha256(restored) == before
    # and --force replaces its contents
    forced = manage("restore", str(sqlite_portal["archive"]), "--force", env=target)
    assert forced.returncode == 0, forced.stderr
    assert "replacing the database's previous contents" in forced.stdout
    assert_same_but_the_audit(sqlite_tables(restored), sqlite_tables(sqlite_portal["db"]))


def _flip_bytes(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes(b ^ 0xFF for b in data[middle:middle + 64]) + data[middle + 64:]


def _tar_gz(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name.replace("__", "."))
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize(
    "damage, message",
    [
        (_flip_bytes, "is damaged"),
        (lambda data: data[: len(data) // 2], "is damaged"),
        (lambda data: b"just some text, no archive\n", "not a readable .tar.gz archive"),
        (lambda data: _tar_gz(README__md=b"# not a backup\n"), "not a unionplan backup"),
        (lambda data: _tar_gz(manifest__json=b'{"format": "something-else/3"}'), "not a unionplan backup"),
    ],
    ids=["bytes-flipped", "truncated", "not-an-archive", "another-tar-gz", "another-manifest"],
)
def test_a_damaged_or_wrong_archive_is_one_clear_line_and_changes_nothing(sqlite_portal, tmp_path, damage, message):
    # given a damaged or foreign archive
    archive = tmp_path / "unionplan-backup-damaged.tar.gz"
    archive.write_bytes(damage(sqlite_portal["archive"].read_bytes()))
    target = empty_sqlite_target(tmp_path)
    # when it is restored, then it is refused in one line
    assert_refused(manage("restore", str(archive), env=target), message)
    # and neither the database nor the media folder was touched
    database = tmp_path / "restored.sqlite3"
    assert not database.exists() or sqlite_tables(database) == {}
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*"))


def test_an_archive_whose_member_does_not_match_its_sha256_is_refused(sqlite_portal, tmp_path):
    # given an archive rebuilt with one evidence file changed but the old manifest kept
    archive = tmp_path / "tampered.tar.gz"
    with tarfile.open(sqlite_portal["archive"], "r:gz") as source, tarfile.open(archive, "w:gz") as tampered:
        for member in source:
            data = source.extractfile(member).read()
            if member.name.startswith("media/") and member.name.endswith(tuple("0123456789abcdef")):
                data = b"%PDF-1.4\nforged"
                member.size = len(data)
            tampered.addfile(member, io.BytesIO(data))
    # when it is restored, then the damaged member is named and nothing is written
    assert_refused(manage("restore", str(archive), env=empty_sqlite_target(tmp_path)), "does not match its sha256")
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*"))


def test_backup_never_overwrites_an_archive(sqlite_portal):
    archive = sqlite_portal["archive"]
    assert_refused(manage("backup", "--output", str(archive), env=sqlite_portal["env"]), "exists already")


# ---------------------------------------------------------------------------
# PostgreSQL: the suite's own database is backed up with pg_dump; `manage.py restore` brings it
# back into a new database created for the test.


def _require_postgres() -> None:
    require_service("postgres", os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    "DATABASE_URL is not a PostgreSQL URL")


def _pg_connect(name: str):
    import psycopg2

    db = connection.settings_dict
    return psycopg2.connect(dbname=name, host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"] or None,
                            password=db["PASSWORD"] or None)


@contextmanager
def new_empty_postgres_database():
    """A database of the test's own (dropped afterwards); yields its DATABASE_URL."""
    name = f"unionplan_ops_restore_{uuid.uuid4().hex[:10]}"
    admin = _pg_connect("postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()
        yield name, url
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def postgres_tables(name: str) -> dict[str, list]:
    # A plain psycopg2 connection on both sides: values come back as the same Python types.
    with _pg_connect(name) as db, db.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = {}
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT * FROM "{table}"')
            tables[table] = sorted(cursor.fetchall(), key=repr)
    return tables


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_backup_restores_every_row_and_file_into_a_new_empty_database(roles, settings, tmp_path):
    _require_postgres()
    # given approved and waiting reports with evidence files (tasks queued while the broker is down)
    settings.MEDIA_ROOT = tmp_path / "source-media"
    with broker_at(closed_port_url()):
        reports = reports_with_evidence(department=roles.staff.memberships.get().department, staff=roles.staff,
                                        head=roles.head)
    assert len(reports) == 3
    # when the portal is backed up with pg_dump
    archive = backup_create(output=tmp_path).path
    manifest = read_manifest(archive)
    assert manifest["database"]["vendor"] == "postgresql" and manifest["database"]["member"] == "database.pgdump"
    assert manifest["counts"]["reports"] == 3 and manifest["counts"]["media_files"] == 9
    # and restored by `manage.py restore` into a new empty database and media folder
    source = connection.settings_dict["NAME"]
    with new_empty_postgres_database() as (name, url):
        target = {"DATABASE_URL": url, "MEDIA_ROOT": str(tmp_path / "restored-media"),
                  "UNIONPLAN_VAR_DIR": str(tmp_path / "var")}
        result = manage("restore", str(archive), env=target)
        assert result.returncode == 0, result.stderr
        # then every table is the same, row for row, and every attachment byte for byte
        restored_tables, source_tables = postgres_tables(name), postgres_tables(source)
        restored_events, source_events = set(restored_tables.pop(AUDIT)), set(source_tables.pop(AUDIT))
        assert restored_tables == source_tables
        # backup_create() was called here, without an actor: the system's (系统) event, after the dump
        assert [row for row in source_events - restored_events if "backup_made" in row]
        assert [row for row in restored_events - source_events if "backup_restored" in row]
        with _pg_connect(name) as db, db.cursor() as cursor:
            cursor.execute("SELECT id, original_name, file FROM tasks_evidence")
            rows = cursor.fetchall()
        assert len(rows) == 9
        assert_same_evidence(rows, tmp_path / "source-media", tmp_path / "restored-media")
        assert "3 reports, 9 evidence" in result.stdout
        # and a second restore into it is refused
        assert_refused(manage("restore", str(archive), env=target), "already holds unionplan tables")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_without_pg_dump_says_so_in_one_line(monkeypatch, tmp_path):
    _require_postgres()
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CommandError, match="pg_dump was not found on PATH"):
        call_command("backup", output=tmp_path)
    assert not list(tmp_path.glob("*.tar.gz*"))
