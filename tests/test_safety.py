"""Nothing lost: backups, restores, private files, and every way a database can fail."""

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from conftest import dump, ok, run, run_json
from test_bad_input import assert_clean_failure
from test_output_files import closed_folder  # noqa: F401 (a fixture)

sqlite_only = pytest.mark.sqlite_only


def tracker_process(*args: str, db: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tracker", "--db", db, *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **env})


def integrity(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


# Backups and restores.

@sqlite_only
def test_backup_is_a_checked_private_copy(seeded, tmp_path):
    copy = tmp_path / "copy.db"
    result = ok("db", "backup", copy)
    assert "Backed up 3 forecasts" in result.stderr
    assert copy.stat().st_mode & 0o777 == 0o600
    assert dump(copy) == dump(seeded)
    again = run("db", "backup", copy)
    assert again.exit_code == 1 and "already exists" in again.stderr


@sqlite_only
def test_backup_taken_while_others_write_restores_to_a_sound_ledger(seeded, tmp_path):
    writers = [tracker_process("evidence", "add", str(1 + n % 3), f"news {n}", db=seeded.target) for n in range(6)]
    copies = []
    while any(w.poll() is None for w in writers):
        copy = tmp_path / f"during-{len(copies)}.db"
        ok("db", "backup", copy)
        copies.append(copy)
    assert all(w.wait() == 0 for w in writers)
    assert copies, "the writers finished before a backup could be taken"
    restored = tmp_path / "restored.db"
    for copy in copies:
        assert integrity(copy) == "ok"
        ok("--db", restored, "db", "restore", copy, "--yes")
        ok("--db", restored, "doctor")


@sqlite_only
def test_restore_needs_yes_to_replace_a_ledger_and_keeps_the_replaced_one(seeded, tmp_path):
    copy = tmp_path / "copy.db"
    ok("db", "backup", copy)
    ok("add", "made after the backup")
    before = dump(seeded)
    refused = run("db", "restore", copy)
    assert refused.exit_code == 1 and "add --yes" in refused.stderr
    assert dump(seeded) == before
    result = ok("db", "restore", copy, "--yes")
    assert len(run_json("list")) == 3
    [kept] = seeded.path.parent.glob("ledger.db.before-restore-*.bak")
    assert dump(kept) == before
    assert "kept at" in result.stderr


@sqlite_only
@pytest.mark.parametrize("damage", ["not a database", "truncated", "newer schema", "missing"])
def test_restore_checks_the_backup_before_replacing_anything(seeded, tmp_path, damage):
    bad = tmp_path / "bad.db"
    ok("db", "backup", bad)
    if damage == "not a database":
        bad.write_bytes(b"hello" * 1000)
    elif damage == "truncated":
        bad.write_bytes(bad.read_bytes()[:6000])
    elif damage == "newer schema":
        with closing(sqlite3.connect(bad)) as conn, conn:
            conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    else:
        bad.unlink()
    before = dump(seeded)
    result = run("db", "restore", bad, "--yes")
    assert result.exit_code == 1 and result.stderr.startswith("Error:") and "Traceback" not in result.stderr
    assert dump(seeded) == before


@pytest.mark.postgres_only
def test_postgresql_backups_point_to_pg_dump(ledger):
    secret = ledger.target.replace("postgres@", "postgres:s3cret@")
    result = run("--db", secret, "db", "backup", "team.dump")
    assert result.exit_code == 1
    assert "pg_dump --format=custom --file 'team.dump'" in result.stderr and "s3cret" not in result.stderr


# Private files.

@sqlite_only
def test_new_ledger_files_are_readable_by_their_owner_only(tmp_path):
    target = tmp_path / "private.db"
    old_umask = os.umask(0o022)
    try:
        ok("--db", target, "add", "a private judgement")
    finally:
        os.umask(old_umask)
    assert target.stat().st_mode & 0o777 == 0o600


# The ways a database can fail.

@sqlite_only
@pytest.mark.parametrize("damage", ["truncated", "scrambled"])
@pytest.mark.parametrize("args", [["list"], ["show", "1"], ["add", "x"], ["update", "1", "--status", "stalled"]])
def test_a_damaged_ledger_gives_an_error_not_a_traceback(seeded, damage, args):
    path = seeded.path
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    content = bytearray(path.read_bytes())
    if damage == "truncated":
        content = content[: len(content) // 3]
    else:
        rng = random.Random(7)
        for offset in range(4096, len(content), 97):
            content[offset] = rng.randrange(256)
    path.write_bytes(bytes(content))
    result = run(*args)
    assert_clean_failure(result, 1, "is not a tracker ledger or is damaged")
    assert path.read_bytes() == bytes(content)


@sqlite_only
def test_a_lock_held_beyond_the_busy_timeout(seeded, monkeypatch):
    monkeypatch.setenv("TRACKER_BUSY_TIMEOUT", "0.5")
    before = dump(seeded)
    with closing(sqlite3.connect(seeded.path, isolation_level=None)) as holder:
        holder.execute("BEGIN EXCLUSIVE")
        result = run("update", "1", "--status", "stalled")
        holder.execute("ROLLBACK")
    assert_clean_failure(result, 1, "stayed locked by another process for over 0.5 s")
    assert dump(seeded) == before


@sqlite_only
def test_a_read_only_folder(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    os.chmod(folder, 0o555)
    if os.geteuid() == 0 and subprocess.run(["chattr", "+i", str(folder)]).returncode != 0:
        pytest.skip("running as root where chattr +i is unavailable: cannot make a read-only folder")
    try:
        result = run("--db", folder / "ledger.db", "add", "x")
        assert_clean_failure(result, 1, str(folder / "ledger.db"))
        assert list(folder.iterdir()) == []
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        os.chmod(folder, 0o755)


@pytest.fixture
def small_disk(tmp_path):
    """A 600 kB filesystem of the test's own, so that filling it harms nothing else."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        message = f"cannot mount a small tmpfs here ({done.stderr.strip()}); the disk-full test needs root"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    yield mount_point
    subprocess.run(["umount", str(mount_point)], check=True)


@sqlite_only
def test_a_full_disk_is_reported_and_the_ledger_stays_intact(small_disk):
    target = small_disk / "ledger.db"
    ok("--db", target, "seed")
    filler = small_disk / "filler"
    free = shutil.disk_usage(small_disk).free
    filler.write_bytes(b"\0" * max(0, free - 40_000))
    before = dump(target)
    failure = None
    for n in range(100):
        result = run("--db", target, "evidence", "add", "1", f"long report {n} " + "x" * 20_000)
        if result.exit_code != 0:
            failure = result
            break
    assert failure is not None, "the disk never filled"
    assert_clean_failure(failure, 1, "is full")
    filler.unlink()
    assert integrity(target) == "ok"
    after = run_json("--db", target, "evidence", "list", "1")
    assert len(after) == n  # every evidence added before the disk filled, and not the one that failed
    assert dump(target)["forecasts"] != [] and len(dump(target)["events"]) == len(before["events"]) + n


# Files: links, full disks, read-only ledgers, many first uses at once.

def bound_by_file_modes() -> list[str]:
    """A command prefix under which this process is refused what file modes forbid: none for
    most users; for root (who ignores modes), setpriv without the capabilities that override them."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: cannot make file modes bind")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def tracker_run(*args: str, db: Path, prefix: list[str] = ()) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, sys.executable, "-m", "tracker", "--db", str(db), *args],
                          capture_output=True, text=True)


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@sqlite_only
def test_a_dangling_link_as_the_ledger_makes_a_private_ledger_where_it_points(tmp_path):
    target, link = tmp_path / "data" / "ledger.db", tmp_path / "link.db"
    target.parent.mkdir()
    link.symlink_to(target)
    old_umask = os.umask(0o022)
    try:
        ok("--db", link, "add", "a private judgement")
    finally:
        os.umask(old_umask)
    assert link.is_symlink() and target.stat().st_mode & 0o777 == 0o600
    assert len(run_json("--db", target, "list")) == 1


@sqlite_only
def test_a_dangling_link_as_the_backup_makes_a_private_backup_where_it_points(seeded, tmp_path):
    target, link = tmp_path / "kept" / "copy.db", tmp_path / "copy-link.db"
    target.parent.mkdir()
    link.symlink_to(target)
    old_umask = os.umask(0o022)
    try:
        ok("db", "backup", link)
    finally:
        os.umask(old_umask)
    assert link.is_symlink() and target.stat().st_mode & 0o777 == 0o600
    assert dump(target) == dump(seeded)


@sqlite_only
def test_a_backup_is_one_self_contained_file(seeded, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    ok("db", "backup", folder / "copy.db")
    assert files_in(folder) == ["copy.db"]
    with closing(sqlite3.connect(folder / "copy.db")) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


@sqlite_only
@pytest.mark.parametrize("way", ["itself", "symlink to its -wal"])
def test_a_backup_never_goes_over_the_ledger(seeded, tmp_path, way):
    target = seeded.path
    if way != "itself":
        target = tmp_path / "wal-link"
        target.symlink_to(seeded.path.with_name("ledger.db-wal"))
    before = dump(seeded)
    for name in ("ledger.db-wal", "ledger.db-shm"):
        seeded.path.with_name(name).unlink(missing_ok=True)  # what dump leaves, so the next line checks
    assert_clean_failure(run("db", "backup", target), 1, str(target))
    assert not seeded.path.with_name("ledger.db-wal").exists()
    assert dump(seeded) == before


@sqlite_only
def test_restoring_the_ledger_onto_itself_is_refused(seeded, tmp_path):
    link = tmp_path / "same.db"
    link.symlink_to(seeded.path)
    before = dump(seeded)
    assert_clean_failure(run("db", "restore", link, "--yes"), 1, "not a backup of it")
    assert dump(seeded) == before and list(tmp_path.glob("*.bak")) == []


@sqlite_only
def test_a_backup_on_a_full_disk_leaves_nothing_behind(seeded, small_disk):
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * max(0, shutil.disk_usage(small_disk).free - 40_000))
    for _ in range(2):
        assert_clean_failure(run("db", "backup", small_disk / "copy.db"), 1, "copy.db")
        assert files_in(small_disk) == ["filler"]


@sqlite_only
def test_a_failed_automatic_upgrade_leaves_no_backup_behind(small_disk):
    from tracker.storage import schema

    target = small_disk / "ledger.db"
    ok("--db", target, "seed")
    ok("--db", target, "db", "downgrade", schema.REVISIONS[-2])
    for old in small_disk.glob("*.bak"):
        old.unlink()
    before = dump(target)
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * max(0, shutil.disk_usage(small_disk).free - 40_000))
    for _ in range(2):
        result = run("--db", target, "list")
        assert result.exit_code == 1 and result.stderr.startswith("Error:") and "Traceback" not in result.stderr
        assert [name for name in files_in(small_disk) if name.endswith((".bak", ".tmp"))] == []
    filler.unlink()
    assert dump(target) == before
    assert "Upgraded" in ok("--db", target, "list").stderr


@sqlite_only
def test_a_read_on_a_read_only_ledger_leaves_no_file_that_blocks_later_writes(seeded):
    prefix = bound_by_file_modes()
    with closing(sqlite3.connect(seeded.path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    folder = seeded.path.parent
    ledger_files = [p for p in files_in(folder) if p.startswith("ledger.db")]
    seeded.path.chmod(0o400)
    read = tracker_run("list", "--format", "json", db=seeded.path, prefix=prefix)
    assert read.returncode == 0, read.stderr
    assert len(json.loads(read.stdout)) == 3
    assert [p for p in files_in(folder) if p.startswith("ledger.db")] == ledger_files
    seeded.path.chmod(0o600)
    wrote = tracker_run("add", "written after the read", db=seeded.path, prefix=prefix)
    assert wrote.returncode == 0, wrote.stderr
    assert len(run_json("list")) == 4 and list(folder.glob("*.bak")) == []


@sqlite_only
def test_a_ledger_in_a_read_only_folder_can_be_read_and_backed_up(seeded, tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    archived = folder / "ledger.db"
    ok("db", "backup", archived)
    ok("--db", archived, "add", "the last entry")  # a ledger in WAL mode, as writers leave it
    os.chmod(folder, 0o555)
    if os.geteuid() == 0 and subprocess.run(["chattr", "+i", str(folder)]).returncode != 0:
        pytest.skip("running as root where chattr +i is unavailable: cannot make a read-only folder")
    try:
        assert len(run_json("--db", archived, "list")) == 4
        ok("--db", archived, "db", "backup", tmp_path / "from-archive.db")
        assert files_in(folder) == ["ledger.db"]
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        os.chmod(folder, 0o755)
    assert len(run_json("--db", tmp_path / "from-archive.db", "list")) == 4


@sqlite_only
def test_many_first_uses_of_an_old_ledger_write_one_backup(seeded):
    from tracker.storage import schema

    ok("db", "downgrade", schema.REVISIONS[-2])
    for old in seeded.path.parent.glob("*.bak"):
        old.unlink()
    readers = [tracker_process("list", db=seeded.target) for _ in range(12)]
    errors = [reader.communicate()[1] for reader in readers]
    assert [reader.returncode for reader in readers] == [0] * 12, errors
    assert len(list(seeded.path.parent.glob("ledger.db.*.bak"))) == 1
    assert sum("Upgraded" in text for text in errors) == 1
    assert len(run_json("list")) == 3


@sqlite_only
def test_backup_and_restore_where_nothing_can_be_written_are_clean_errors(seeded, tmp_path, closed_folder):
    good = tmp_path / "good.db"
    ok("db", "backup", good)
    long_name = tmp_path / ("x" * 300 + ".db")
    before = dump(seeded)
    assert_clean_failure(run("db", "backup", closed_folder / "copy.db"), 1, str(closed_folder / "copy.db"))
    assert_clean_failure(run("db", "backup", long_name), 1, "too long")
    assert_clean_failure(run("db", "restore", long_name, "--yes"), 1, "too long")
    assert_clean_failure(run("--db", closed_folder / "new.db", "db", "restore", good), 1, "new.db")
    assert files_in(closed_folder) == [] and dump(seeded) == before


@sqlite_only
def test_a_ledger_in_a_closed_folder_is_not_replaced_without_its_copy(tmp_path):
    folder = tmp_path / "shut"
    folder.mkdir()
    ok("--db", folder / "ledger.db", "seed")
    good = tmp_path / "good.db"
    ok("--db", folder / "ledger.db", "db", "backup", good)
    ok("--db", folder / "ledger.db", "add", "after the backup")
    before = dump(folder / "ledger.db")
    folder.chmod(0o555)
    immutable = os.geteuid() == 0 and subprocess.run(["chattr", "+i", str(folder)]).returncode == 0
    if os.geteuid() == 0 and not immutable:
        pytest.skip("running as root where chattr +i is unavailable: cannot make a folder root cannot write")
    try:
        result = run("--db", folder / "ledger.db", "db", "restore", good, "--yes")
        assert_clean_failure(result, 1, "cannot write")
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)
    assert dump(folder / "ledger.db") == before


@sqlite_only
def test_restoring_a_backup_made_with_another_page_size(seeded, tmp_path):
    backup = tmp_path / "small-pages.db"
    ok("db", "backup", backup)
    with closing(sqlite3.connect(backup)) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA page_size = 1024")
        conn.execute("VACUUM")
        assert conn.execute("PRAGMA page_size").fetchone()[0] == 1024
    expected = dump(backup)
    ok("add", "made after the backup")
    ok("db", "restore", backup, "--yes")
    assert dump(seeded) == expected and len(run_json("list")) == 3
    assert integrity(seeded.path) == "ok"
    ok("doctor")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
