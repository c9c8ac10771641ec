"""Back up the database and the uploaded files into one folder, and restore them into an empty database.

A backup is a folder ``backups/<timestamp>/`` holding the database (PostgreSQL: ``pg_dump -Fc``,
custom format; SQLite: an online copy made with SQLite's backup API), ``media/`` (a copy of
MEDIA_ROOT, the attachments) and ``manifest.json`` (row counts per table and a SHA-256 of every
file). The dump holds what the database holds: personal data encrypted at rest stays ciphertext,
so the encryption keys must be kept apart from the backups — see docs/dbfault.md.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

MANIFEST = "manifest.json"
PG_DUMP = "database.pgdump"
SQLITE_COPY = "database.sqlite3"
MEDIA = "media"
FORMAT_VERSION = 1


class BackupError(Exception):
    """The backup or the restore could not be made; nothing was half-written on purpose."""


@dataclass(frozen=True)
class Database:
    """Where a database lives: the few settings pg_dump, pg_restore and sqlite3 need."""

    engine: str
    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""

    @classmethod
    def from_settings(cls, settings_dict: dict) -> "Database":
        engine = settings_dict["ENGINE"].rsplit(".", 1)[-1]
        if engine not in {"postgresql", "sqlite3"}:
            raise BackupError(f"unsupported database engine: {settings_dict['ENGINE']}")
        return cls(
            engine=engine,
            name=str(settings_dict["NAME"]),
            user=settings_dict.get("USER") or "",
            password=settings_dict.get("PASSWORD") or "",
            host=settings_dict.get("HOST") or "",
            port=str(settings_dict.get("PORT") or ""),
        )

    def pg_arguments(self) -> list[str]:
        """Return the connection arguments of the PostgreSQL client tools (the password goes in the env)."""
        arguments = ["--dbname", self.name, "--no-password"]
        if self.host:
            arguments += ["--host", self.host]
        if self.port:
            arguments += ["--port", self.port]
        if self.user:
            arguments += ["--username", self.user]
        return arguments

    def pg_environment(self) -> dict[str, str]:
        environment = dict(os.environ)
        if self.password:
            environment["PGPASSWORD"] = self.password
        return environment

    def pg_connect(self):
        import psycopg

        return psycopg.connect(
            dbname=self.name,
            user=self.user or None,
            password=self.password or None,
            host=self.host or None,
            port=self.port or None,
        )


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(command: list[str], database: Database) -> None:
    result = subprocess.run(command, env=database.pg_environment(), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()}")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- Backup -----------------------------------------------------------------------------------------


def backup_create(*, target_root: Path, using: str = "default", media_root: Path | None = None) -> Path:
    """Write a new backup folder under ``target_root`` and return it."""
    database = Database.from_settings(connections[using].settings_dict)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    folder = Path(target_root) / stamp
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = Path(target_root) / f"{stamp}-{suffix}"
    partial = folder.with_name(folder.name + ".partial")
    Path(target_root).mkdir(parents=True, exist_ok=True)
    # Personal data: only the account that runs the backup may read it.
    partial.mkdir(mode=0o700)
    previous_umask = os.umask(0o077)
    try:
        _write_backup(partial, database, using, media_root)
    finally:
        os.umask(previous_umask)
    # Only a complete backup gets its final name: a crash leaves a visible *.partial folder.
    partial.rename(folder)
    return folder


def _write_backup(partial: Path, database: Database, using: str, media_root: Path) -> None:
    if database.engine == "postgresql":
        counts = _dump_postgresql(database, partial / PG_DUMP)
        database_file = PG_DUMP
    else:
        counts = _copy_sqlite(connections[using], partial / SQLITE_COPY)
        database_file = SQLITE_COPY
    media_files = _copy_media(media_root, partial / MEDIA)
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "engine": database.engine,
        "database": {"file": database_file, "sha256": sha256(partial / database_file)},
        "tables": counts,
        "media": media_files,
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True))


def _dump_postgresql(database: Database, target: Path) -> dict[str, int]:
    """Dump in custom format, counting the rows in the very snapshot pg_dump reads."""
    with database.pg_connect() as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
            )
        ]
        counts = {
            table: conn.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0] for table in tables
        }
        _run(
            [
                "pg_dump",
                "--format=custom",
                f"--snapshot={snapshot}",
                "--file",
                str(target),
                *database.pg_arguments(),
            ],
            database,
        )
        conn.rollback()
    return counts


def _copy_sqlite(connection, target: Path) -> dict[str, int]:
    """Copy the live SQLite database page by page (writers may go on meanwhile) and count the copy."""
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        tables = [
            row[0]
            for row in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {
            table: copy.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0] for table in tables
        }
    finally:
        copy.close()


def _copy_media(media_root: Path, target: Path) -> dict[str, str]:
    """Copy the uploaded files; return their relative paths with their SHA-256."""
    target.mkdir(mode=0o700)
    files = {}
    if not media_root.is_dir():
        return files
    for path in sorted(media_root.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        relative = path.relative_to(media_root)
        destination = target / relative
        destination.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copyfile(path, destination)  # the umask's 0600, not the source's mode
        shutil.copystat(path, destination)
        destination.chmod(0o600)
        files[relative.as_posix()] = sha256(destination)
    return files


# --- Restore ----------------------------------------------------------------------------------------


def backup_verify(folder: Path) -> dict:
    """Return the manifest after checking every file of the backup against its checksum."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{folder} is not a backup: {error}") from error
    expected = {manifest["database"]["file"]: manifest["database"]["sha256"]}
    expected |= {f"{MEDIA}/{name}": digest for name, digest in manifest["media"].items()}
    for name, digest in expected.items():
        path = folder / name
        if not path.is_file() or sha256(path) != digest:
            raise BackupError(f"{path} is missing or does not match its checksum")
    return manifest


def backup_restore(*, folder: Path, settings_dict: dict, media_root: Path, force: bool = False) -> dict:
    """Restore a backup into an empty database and MEDIA_ROOT; return the row counts found after."""
    folder = Path(folder)
    manifest = backup_verify(folder)
    database = Database.from_settings(settings_dict)
    if database.engine != manifest["engine"]:
        raise BackupError(f"the backup is of {manifest['engine']}, the target database is {database.engine}")
    if database.engine == "postgresql":
        counts = _restore_postgresql(database, folder / manifest["database"]["file"], force=force)
    else:
        counts = _restore_sqlite(database, folder / manifest["database"]["file"], force=force)
    differences = {
        table: (expected, counts.get(table))
        for table, expected in manifest["tables"].items()
        if counts.get(table) != expected
    }
    if differences:
        raise BackupError(f"restored row counts differ from the manifest: {differences}")
    _restore_media(folder / MEDIA, Path(media_root), manifest["media"])
    return counts


def _postgresql_tables(database: Database) -> dict[str, int]:
    with database.pg_connect() as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
            )
        ]
        return {
            table: conn.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0] for table in tables
        }


def _restore_postgresql(database: Database, dump: Path, *, force: bool) -> dict[str, int]:
    if _postgresql_tables(database) and not force:
        raise BackupError(f"database {database.name} is not empty; restore into a new, empty database")
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            *database.pg_arguments(),
            str(dump),
        ],
        database,
    )
    return _postgresql_tables(database)


def _restore_sqlite(database: Database, copy: Path, *, force: bool) -> dict[str, int]:
    target = Path(database.name)
    if target.exists() and target.stat().st_size > 0 and not force:
        raise BackupError(f"{target} exists; restore into a new database file")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
        tables = [
            row[0]
            for row in destination.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {
            table: destination.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0]
            for table in tables
        }
    finally:
        source.close()
        destination.close()


def _restore_media(source: Path, media_root: Path, files: dict[str, str]) -> None:
    """Copy the backed-up files into MEDIA_ROOT (files already there with other content are kept aside)."""
    for name in files:
        destination = media_root / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        if destination.exists() and sha256(destination) != files[name]:
            stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
            destination.rename(destination.with_name(f"{destination.name}.before-restore-{stamp}"))
        shutil.copy2(source / name, destination)
