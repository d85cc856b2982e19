"""Nothing lost: backups, restores, private files, and every way a database can fail."""

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
