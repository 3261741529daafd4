"""Backup and restore of a whole portal in one archive: the database, the evidence files, a manifest.

An archive (`unionplan-backup-20261129T053012Z.tar.gz`) is a gzipped tar of
  manifest.json      when, which database, the migrations applied per app, counts of plans,
                     items, reports and evidence, and the sha256 of every other member
  database.pgdump    `pg_dump --format=custom` of PostgreSQL, or
  database.sqlite3   a copy taken with SQLite's online backup API (the embedded default)
  media/...          MEDIA_ROOT: the uploaded evidence files

The portal keeps running during a backup. On PostgreSQL the manifest's counts are read in a
repeatable-read transaction whose snapshot pg_dump then dumps (`--snapshot`), and on SQLite
they are read from the copy, so the manifest describes exactly the dump. Media is copied after
the database: an evidence file is written before its row commits and never changed, so every
file a dumped row names is in the archive.

Restore checks the whole archive (every member against its sha256) before it touches
anything, and refuses a database that already holds unionplan tables unless forced; then it
restores and checks again what landed: every media file's sha256 on disk, the counts, and
that every evidence row's file is there.
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from departments.models import SecurityEvent
from departments.services import security_event_by

FORMAT = "unionplan-backup/1"
MANIFEST = "manifest.json"
DUMPS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
MEDIA = "media"
# What the manifest counts and restore checks: label -> model.
COUNTED = {
    "plans": "tasks.WorkPlan",
    "items": "tasks.WorkItem",
    "reports": "progress.ProgressReport",
    "evidence": "progress.Evidence",
    "departments": "departments.Department",
    "users": settings.AUTH_USER_MODEL,
}
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is one line for the operator."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    size: int


@dataclass
class RestoreResult:
    manifest: dict
    counts: dict[str, int]
    replaced: bool  # the database held unionplan tables and --force replaced them
    media_files: int  # restored and checked against their sha256
    other_media_files: int  # already in MEDIA_ROOT, not in the archive: left in place
    pending_migrations: list[str]  # in this code but not in the archive: `manage.py migrate` applies them


def default_name(now: datetime.datetime) -> str:
    return f"unionplan-backup-{now:%Y%m%dT%H%M%SZ}.tar.gz"


def summary(counts: dict[str, int]) -> str:
    """'1 plans, 102 items, …' in the manifest's order."""
    return ", ".join(f"{value} {label.replace('_', ' ')}" for label, value in counts.items())


# ---------------------------------------------------------------------------
# Backup.


@dataclass
class _Facts:
    version: str
    migrations: dict[str, list[str]]
    counts: dict[str, int]


def backup_create(*, output: Path | None = None, now: datetime.datetime | None = None, actor=None) -> BackupResult:
    """Write one archive of the database and MEDIA_ROOT while the portal runs; never overwrites a file.

    Audited (备份数据) with `actor` (departments.services.security_event_by), after the dump: the
    archive does not hold its own event."""
    if connection.in_atomic_block:
        # The dump's snapshot has to be a transaction of its own.
        raise BackupError("a backup cannot run inside a database transaction")
    vendor = connection.vendor
    if vendor not in DUMPS:
        raise BackupError(f"backing up a {vendor} database is not supported (PostgreSQL and SQLite are)")
    now = now or datetime.datetime.now(datetime.UTC)
    path = _output_path(output, now)
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="unionplan-backup-") as work:
        dump = Path(work) / DUMPS[vendor]
        facts = _dump_postgresql(dump) if vendor == "postgresql" else _dump_sqlite(dump)
        members = {dump.name: _sha256(dump)}
        media: dict[str, Path] = {}
        for file in _media_files(media_root):
            name = f"{MEDIA}/{file.relative_to(media_root).as_posix()}"
            media[name] = file
            members[name] = _sha256(file)
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(timespec="seconds"),
            "database": {"vendor": vendor, "version": facts.version, "name": str(connection.settings_dict["NAME"]),
                         "member": dump.name},
            "migrations": facts.migrations,
            "counts": facts.counts | {"media_files": len(media)},
            "media_bytes": sum(file.stat().st_size for file in media.values()),
            "members": members,
        }
        _write_archive(path, manifest=manifest, dump=dump, media=media)
    size = path.stat().st_size
    _audit(SecurityEvent.Kind.BACKUP_MADE, actor=actor,
           detail=f"{path.name} ({size / 1e6:.1f} MB, {summary(manifest['counts'])})")
    return BackupResult(path=path, manifest=manifest, size=size)


def _audit(kind: str, *, actor, detail: str) -> None:
    # An archive older than the security events (or a schema this code has not migrated yet) has
    # no table for it: the restore is not undone for want of its audit line.
    try:
        with transaction.atomic():
            security_event_by(kind=kind, actor=actor, detail=detail)
    except DatabaseError:
        pass


def _output_path(output: Path | None, now: datetime.datetime) -> Path:
    if output is None:
        path = Path(default_name(now))
    elif output.is_dir():
        path = output / default_name(now)
    else:
        path = output
    if path.exists():
        raise BackupError(f"{path} exists already; a backup never overwrites a file")
    if not path.parent.is_dir():
        raise BackupError(f"the folder {path.parent} does not exist")
    return path


def _read_facts(cursor, *, version: str) -> _Facts:
    """Migrations and counts through any DB-API cursor (Django's, or sqlite3's on a copy)."""
    try:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, id")
        migrations: dict[str, list[str]] = {}
        for app, name in cursor.fetchall():
            migrations.setdefault(app, []).append(name)
        counts = {}
        for label, model in COUNTED.items():
            cursor.execute(f'SELECT COUNT(*) FROM "{apps.get_model(model)._meta.db_table}"')
            counts[label] = cursor.fetchone()[0]
    except (DatabaseError, sqlite3.Error) as error:
        raise BackupError(f"the database has no unionplan tables to read (was it migrated?): {_one_line(error)}")
    return _Facts(version=version, migrations=migrations, counts=counts)


def _dump_postgresql(target: Path) -> _Facts:
    pg_dump = _client_tool("pg_dump")
    with transaction.atomic(), connection.cursor() as cursor:
        # pg_dump reads the snapshot this transaction exports: the counts below describe the dump exactly.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot, version = cursor.fetchone()
        facts = _read_facts(cursor, version=f"PostgreSQL {version}")
        _run_client([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"], what="pg_dump")
    return facts


def _dump_sqlite(target: Path) -> _Facts:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        # The online backup API copies a consistent image even while the portal writes; the
        # counts are read from the copy itself.
        connection.connection.backup(copy)
        return _read_facts(copy.cursor(), version=f"SQLite {sqlite3.sqlite_version}")
    finally:
        copy.close()


def _write_archive(path: Path, *, manifest: dict, dump: Path, media: dict[str, Path]) -> None:
    partial = path.with_name(path.name + ".partial")
    # Owner-only: the archive holds password hashes and sessions. Written aside and renamed,
    # so a backup that fails half-way leaves no archive that looks whole.
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            # The manifest first: restore reads it before anything else.
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(datetime.datetime.now().timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=dump.name, recursive=False)
            for name, file in media.items():
                tar.add(file, arcname=name, recursive=False)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------
# Restore.


def restore(*, archive: Path, force: bool = False, progress: Callable[[str], None] = lambda line: None,
            actor=None) -> RestoreResult:
    """Restore an archive into this portal's database and MEDIA_ROOT, then verify what landed.

    Changes nothing when the archive is damaged, not a unionplan backup, of the other database
    vendor or newer than this code, or when the database (or MEDIA_ROOT) already holds data;
    `force` replaces the database's contents (in one transaction on PostgreSQL) and overwrites
    media files of the same name.
    """
    media_root = Path(settings.MEDIA_ROOT)
    with _reading(archive) as tar:
        manifest = _read_manifest(tar, archive)
        vendor = manifest["database"]["vendor"]
        if vendor != connection.vendor:
            raise BackupError(
                f"{archive.name} holds a {vendor} database; this portal runs on {connection.vendor} "
                f"(set DATABASE_URL to a {vendor} database to restore it)"
            )
        unknown = _unknown_migrations(manifest["migrations"])
        if unknown:
            raise BackupError(
                f"{archive.name} was made by a newer unionplan: migration {unknown[0]} is unknown to this code; "
                "restore it with that version"
            )
        occupied = _unionplan_tables()
        if occupied and not force:
            raise BackupError(
                f"the database {connection.settings_dict['NAME']} already holds unionplan tables "
                f"({len(occupied)}, e.g. {occupied[0]}); restore into an empty database, "
                "or give --force to replace its contents"
            )
        existing_media = _media_files(media_root)
        if existing_media and not force:
            raise BackupError(
                f"MEDIA_ROOT {media_root} already holds {len(existing_media)} files; restore into an empty folder, "
                "or give --force to add the archive's files to them"
            )
        with tempfile.TemporaryDirectory(prefix="unionplan-restore-") as work:
            progress(f"checking {len(manifest['members'])} members of {archive.name} against their sha256")
            staged = _stage(tar, manifest=manifest, work=Path(work), archive=archive)
            dump = staged[manifest["database"]["member"]]
            progress(f"restoring the {vendor} database" + (" (replacing its contents)" if occupied else ""))
            if vendor == "postgresql":
                _restore_postgresql(dump, replace=bool(occupied))
            else:
                _restore_sqlite(dump)
            progress(f"restoring media files into {media_root}")
            restored_media = _restore_media(staged, media_root=media_root)
    progress("verifying the restored database and files")
    counts = _verify(manifest, media_root=media_root)
    # Recorded in the restored database, which is the one that goes on (actor: a command's name).
    _audit(SecurityEvent.Kind.BACKUP_RESTORED, actor=actor,
           detail=f"{archive.name} ({manifest['created_at']}{', replacing the contents' if occupied else ''})")
    in_archive = {media_root / name for name in restored_media}
    return RestoreResult(
        manifest=manifest,
        counts=counts,
        replaced=bool(occupied),
        media_files=len(restored_media),
        other_media_files=sum(1 for file in existing_media if file not in in_archive),
        pending_migrations=_pending_migrations(),
    )


class _reading:
    """Open a .tar.gz for reading; any sign of damage becomes one BackupError line."""

    def __init__(self, archive: Path):
        self.archive = archive

    def __enter__(self) -> tarfile.TarFile:
        if not self.archive.is_file():
            raise BackupError(f"{self.archive}: no such file")
        try:
            self.tar = tarfile.open(self.archive, mode="r:gz")
        except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
            raise BackupError(
                f"{self.archive.name} is not a readable .tar.gz archive (damaged, or another kind of file): "
                f"{_one_line(error)}"
            ) from None
        return self.tar

    def __exit__(self, kind, error, trace):
        self.tar.close()
        if isinstance(error, (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile)):
            raise BackupError(f"{self.archive.name} is damaged: {_one_line(error)}") from None
        return False


def _read_manifest(tar: tarfile.TarFile, archive: Path) -> dict:
    first = tar.next()
    if first is None or first.name != MANIFEST or not first.isfile():
        raise BackupError(f"{archive.name} is not a unionplan backup (it does not start with {MANIFEST})")
    try:
        manifest = json.loads(tar.extractfile(first).read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(f"{archive.name} is damaged: its {MANIFEST} is unreadable ({_one_line(error)})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive.name} is not a unionplan backup of a known format (expected {FORMAT})")
    if manifest.get("database", {}).get("vendor") not in DUMPS or not isinstance(manifest.get("members"), dict):
        raise BackupError(f"{archive.name} is damaged: its {MANIFEST} lacks the database or the member list")
    return manifest


def _stage(tar: tarfile.TarFile, *, manifest: dict, work: Path, archive: Path) -> dict[str, Path]:
    """Extract every member into `work`, each checked against the manifest's sha256; nothing else is touched."""
    expected: dict[str, str] = manifest["members"]
    staged: dict[str, Path] = {}
    for member in tar:
        if member.name == MANIFEST or member.isdir():
            continue
        name = _safe_name(member, archive)
        if name not in expected:
            raise BackupError(f"{archive.name} holds {name}, which its manifest does not list (tampered with?)")
        target = work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with tar.extractfile(member) as source, open(target, "wb") as out:
            for chunk in iter(lambda: source.read(_CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != expected[name]:
            raise BackupError(f"{archive.name} is damaged: {name} does not match its sha256")
        staged[name] = target
    missing = sorted(set(expected) - set(staged))
    if missing:
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        raise BackupError(f"{archive.name} is incomplete: {missing[0]}{more}, listed in its manifest, is missing")
    return staged


def _safe_name(member: tarfile.TarInfo, archive: Path) -> str:
    path = PurePosixPath(member.name)
    if not member.isfile() or path.is_absolute() or ".." in path.parts:
        raise BackupError(f"{archive.name} holds {member.name!r}, which a unionplan backup never does")
    return path.as_posix()


def _unknown_migrations(applied: dict[str, list[str]]) -> list[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return [
        f"{app}.{name}"
        for app, names in sorted(applied.items())
        if app in loader.migrated_apps
        for name in names
        if (app, name) not in loader.disk_migrations
    ]


def _unionplan_tables() -> list[str]:
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
    return sorted(existing & (set(connection.introspection.django_table_names()) | {"django_migrations"}))


def _restore_postgresql(dump: Path, *, replace: bool) -> None:
    pg_restore = _client_tool("pg_restore")
    # Our own connection holds no lock while pg_restore works (and reconnects afterwards).
    connection.close()
    # One transaction: a restore that fails leaves the database as it was. --no-owner and
    # --no-privileges: the target server's roles need not be the source's.
    args = [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
            f"--dbname={connection.settings_dict['NAME']}"]
    if replace:
        args += ["--clean", "--if-exists"]
    _run_client([*args, str(dump)], what="pg_restore")


def _restore_sqlite(dump: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        # The backup API in reverse: the whole database is replaced under SQLite's lock.
        source.backup(connection.connection)
    except sqlite3.Error as error:
        raise BackupError(f"the SQLite database could not be written: {_one_line(error)}") from None
    finally:
        source.close()


def _restore_media(staged: dict[str, Path], *, media_root: Path) -> list[str]:
    restored = []
    for name, path in staged.items():
        if not name.startswith(f"{MEDIA}/"):
            continue
        relative = name[len(MEDIA) + 1:]
        target = media_root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
        restored.append(relative)
    return restored


def _verify(manifest: dict, *, media_root: Path) -> dict[str, int]:
    """What landed, against the manifest; raises BackupError naming the first difference."""
    wrong = [
        name
        for name, digest in manifest["members"].items()
        if name.startswith(f"{MEDIA}/") and _sha256(media_root / name[len(MEDIA) + 1:], missing_ok=True) != digest
    ]
    if wrong:
        raise BackupError(f"restored, but {len(wrong)} media files differ from the archive, e.g. {wrong[0]}")
    with connection.cursor() as cursor:
        counts = _read_facts(cursor, version="").counts
        evidence = apps.get_model("progress.Evidence")._meta
        cursor.execute(f'SELECT "{evidence.get_field("file").column}" FROM "{evidence.db_table}"')
        missing = [name for (name,) in cursor.fetchall() if not (media_root / name).is_file()]
    counts["media_files"] = sum(1 for name in manifest["members"] if name.startswith(f"{MEDIA}/"))
    differ = [
        f"{label} {expected} in the archive, {counts.get(label)} restored"
        for label, expected in manifest["counts"].items()
        if counts.get(label) != expected
    ]
    if differ:
        raise BackupError("restored, but the counts differ from the manifest: " + "; ".join(differ))
    if missing:
        raise BackupError(f"restored, but {len(missing)} evidence files the database names are missing, e.g. {missing[0]}")
    return counts


def _pending_migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    return [f"{migration.app_label}.{migration.name}"
            for migration, _backwards in executor.migration_plan(executor.loader.graph.leaf_nodes())]


# ---------------------------------------------------------------------------
# Shared: files, PostgreSQL client tools.


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file() and not path.is_symlink())


def _sha256(path: Path, *, missing_ok: bool = False) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as file:
            for chunk in iter(lambda: file.read(_CHUNK), b""):
                digest.update(chunk)
    except FileNotFoundError:
        if missing_ok:
            return None
        raise
    return digest.hexdigest()


def _client_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found on PATH; install the PostgreSQL client tools of the server's version or newer "
            "(Debian: apt-get install postgresql-client)"
        )
    return path


def _client_environment() -> dict[str, str]:
    """libpq's environment from settings.DATABASES: the password never appears on a command line."""
    database = connection.settings_dict
    environment = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("NAME", "PGDATABASE"),
                          ("PASSWORD", "PGPASSWORD")):
        if database.get(key):
            environment[variable] = str(database[key])
    for option in ("sslmode", "sslrootcert", "sslcert", "sslkey", "passfile", "service"):
        if database.get("OPTIONS", {}).get(option):
            environment[f"PG{option.upper()}"] = str(database["OPTIONS"][option])
    return environment


def _run_client(args: list[str], *, what: str) -> None:
    try:
        completed = subprocess.run(args, env=_client_environment(), capture_output=True, text=True)
    except OSError as error:
        raise BackupError(f"{what} could not be started: {error.strerror}") from None
    if completed.returncode != 0:
        lines = [line for line in completed.stderr.splitlines() if line.strip()]
        first_error = next((line for line in lines if "error" in line.lower()), lines[-1] if lines else "")
        raise BackupError(f"{what} failed (exit {completed.returncode}): {first_error.strip()}")


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
