"""make backup / make restore: every case, party, event and attachment comes back in an empty database."""

import json
import sqlite3
import stat
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from cases.services import PartyData, attachment_add
from common.backup import MANIFEST, BackupError, Database, backup_create, backup_restore

# pg_dump reads through its own connection: the rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

TABLES = ["cases_case", "cases_party", "cases_caseevent", "cases_attachment"]


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def restore_target(tmp_path):
    """A new, empty database of the suite's engine: a new PostgreSQL database, or a new SQLite file."""
    if connection.vendor != "postgresql":
        yield {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "restored.sqlite3")}
        return
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    target = {**connection.settings_dict, "NAME": name}
    yield target
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rows(settings_dict: dict) -> dict[str, list[tuple]]:
    """Read every row of the tables under test, through a fresh client connection."""
    database = Database.from_settings(settings_dict)
    if database.engine == "postgresql":
        with database.pg_connect() as conn:
            return {table: conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall() for table in TABLES}
    if database.name == connection.settings_dict["NAME"]:  # the suite's (possibly in-memory) database
        connection.ensure_connection()
        raw = connection.connection
        return {table: raw.execute(f"SELECT * FROM {table} ORDER BY id").fetchall() for table in TABLES}
    # The same type conversions Django's own SQLite connection applies.
    conn = sqlite3.connect(database.name, detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES)
    try:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall() for table in TABLES}
    finally:
        conn.close()


def make_cases(new_case, reception) -> dict[str, bytes]:
    """Create three cases with parties, events and attachments; return each attachment's file name and bytes."""
    files = {}
    for number in range(3):
        case = new_case(
            title=f"备份测试事项{number}",
            parties=[
                PartyData(
                    name="王五", phone=f"1390000000{number}", id_number="11010519491231002X", role="applicant"
                ),
                PartyData(name="赵六", phone=f"1370000000{number}", id_number="", role="respondent"),
            ],
        )
        content = f"%PDF-1.4 备份测试 {number}".encode() + bytes(range(256))
        upload = SimpleUploadedFile(f"证据{number}.pdf", content, content_type="application/pdf")
        attachment = attachment_add(case=case, actor=reception, upload=upload)
        files[attachment.file.name] = content
    return files


def test_a_backup_restores_every_case_party_event_and_attachment_into_an_empty_database(
    new_case, reception, media_root, tmp_path, restore_target
):
    files = make_cases(new_case, reception)
    before = rows(connection.settings_dict)
    assert [len(before[table]) for table in ("cases_case", "cases_party", "cases_attachment")] == [3, 6, 3]
    assert len(before["cases_caseevent"]) >= 3

    call_command("backup", to=str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["tables"]["cases_case"] == 3 and manifest["tables"]["cases_party"] == 6
    assert sorted(manifest["media"]) == sorted(files)
    # Personal data: readable by the backup's owner only.
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(path.stat().st_mode) for path in folder.rglob("*") if path.is_file()} == {0o600}

    restored_media = tmp_path / "restored-media"
    assert rows_missing(restore_target)  # the target really is empty
    counts = backup_restore(folder=folder, settings_dict=restore_target, media_root=restored_media)

    assert counts == manifest["tables"]
    after = rows(restore_target)
    assert after == before  # every column of every row, ciphertext included, as it was
    for name, content in files.items():
        assert (restored_media / name).read_bytes() == content


def rows_missing(settings_dict: dict) -> bool:
    try:
        rows(settings_dict)
    except Exception:  # no such table: the database is empty
        return True
    return False


def test_a_restore_refuses_a_database_that_is_not_empty(new_case, reception, media_root, tmp_path):
    make_cases(new_case, reception)
    folder = backup_create(target_root=tmp_path / "backups")
    if connection.vendor == "postgresql":
        target = connection.settings_dict
    else:
        target = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(folder / "database.sqlite3")}
    with pytest.raises(BackupError, match=r"empty|exists"):
        backup_restore(folder=folder, settings_dict=target, media_root=tmp_path / "m")


def test_a_damaged_backup_is_refused_before_anything_is_written(
    new_case, reception, media_root, tmp_path, restore_target
):
    files = make_cases(new_case, reception)
    folder = backup_create(target_root=tmp_path / "backups")
    (folder / "media" / next(iter(files))).write_bytes(b"%PDF-1.4 tampered")
    with pytest.raises(BackupError, match="checksum"):
        backup_restore(folder=folder, settings_dict=restore_target, media_root=tmp_path / "m")
    assert rows_missing(restore_target)
    assert not (tmp_path / "m").exists()
