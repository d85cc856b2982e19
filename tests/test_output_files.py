"""Files that commands write: never over the ledger, private when new, whole or not at all."""

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from conftest import dump, ok, run
from test_bad_input import assert_clean_failure

sqlite_only = pytest.mark.sqlite_only

# Every command that writes a file with -o, and a file name it would accept.
WRITERS = {
    "report markdown": (["report", "--format", "markdown"], "out.md"),
    "report html": (["report", "--format", "html"], "out.html"),
    "export json": (["export", "--format", "json"], "out.json"),
    "export csv": (["export", "--format", "csv"], "out.csv"),
    "export markdown": (["export", "--format", "markdown"], "out.md"),
    "review ics": (["review", "--format", "ics"], "out.ics"),
}


def ledger_name(ledger, tmp_path: Path, way: str) -> Path:
    """Another name for the ledger, or for one of its files, made the way `way` says."""
    path = ledger.path
    if way == "itself":
        return path
    if way == "relative":
        return Path(os.path.relpath(path))
    if way == "symlink":
        link = tmp_path / "link.md"
        link.symlink_to(path)
        return link
    if way == "chain of symlinks":
        first, second = tmp_path / "first.json", tmp_path / "second.json"
        second.symlink_to(path)
        first.symlink_to(second)
        return first
    if way == "hard link":
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        os.link(path, elsewhere / "hard.csv")
        return elsewhere / "hard.csv"
    if way == "through its folder":
        return path.parent / ".." / path.parent.name / path.name
    if way in ("-wal", "-shm", "-journal"):
        return path.with_name(path.name + way)
    if way == "symlink to its -wal":
        link = tmp_path / "wal-link.json"
        link.symlink_to(path.with_name(path.name + "-wal"))
        return link
    if way == "a backup beside it":
        backup = path.with_name(path.name + ".0004_changes-20260101T000000Z.bak")
        ok("db", "backup", backup)
        return backup
    raise AssertionError(way)


WAYS = ["itself", "relative", "symlink", "chain of symlinks", "hard link", "through its folder", "-wal", "-shm",
        "-journal", "symlink to its -wal", "a backup beside it"]


@sqlite_only
@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("way", ["itself", "symlink", "hard link", "-wal"])
def test_no_command_writes_over_the_ledger_it_reads(seeded, tmp_path, monkeypatch, writer, way):
    monkeypatch.chdir(seeded.path.parent)
    args, _ = WRITERS[writer]
    target = ledger_name(seeded, tmp_path, way)
    before, content, mode = dump(seeded), seeded.path.read_bytes(), seeded.path.stat().st_mode
    result = run(*args, "-o", target)
    assert_clean_failure(result, 1, f"{target} is ")
    assert "writing there would destroy it" in result.stderr
    assert seeded.path.read_bytes() == content and dump(seeded) == before
    assert seeded.path.stat().st_mode == mode
    assert [p.name for p in seeded.path.parent.iterdir() if p.name.endswith(".tmp")] == []


@sqlite_only
@pytest.mark.parametrize("way", WAYS)
def test_every_name_of_a_ledger_file_is_refused(seeded, tmp_path, monkeypatch, way):
    monkeypatch.chdir(seeded.path.parent)
    target = ledger_name(seeded, tmp_path, way)
    before = dump(seeded)
    kept = target.read_bytes() if target.exists() else None
    assert_clean_failure(run("export", "-o", target, "--format", "json"), 1, str(target))
    assert dump(seeded) == before
    assert (target.read_bytes() if target.exists() else None) == kept
    ok("doctor")


@sqlite_only
def test_the_report_of_the_issue_leaves_the_ledger_whole(seeded, monkeypatch):
    monkeypatch.chdir(seeded.path.parent)
    result = run("--db", "ledger.db", "report", "-o", "ledger.db", "--format", "markdown")
    assert_clean_failure(result, 1, "ledger.db is the ledger")
    assert len(ok("--db", "ledger.db", "list", "--format", "json").json()) == 3


@sqlite_only
def test_a_ledger_given_through_a_link_is_still_recognised(seeded, tmp_path):
    link = tmp_path / "via-link.db"
    link.symlink_to(seeded.path)
    before = dump(seeded)
    assert_clean_failure(run("--db", link, "export", "--format", "json", "-o", seeded.path), 1, "is the ledger")
    assert_clean_failure(run("--db", link, "export", "--format", "json", "-o", str(seeded.path) + "-wal"), 1, "part of the ledger")
    assert dump(seeded) == before


@pytest.mark.parametrize("writer", WRITERS)
def test_new_output_files_are_private_and_replaced_files_keep_their_mode(ledger, tmp_path, writer):
    ok("add", "a private judgement", "--resolve-by", "+30d")
    args, name = WRITERS[writer]
    made = tmp_path / name
    old_umask = os.umask(0o022)
    try:
        ok(*args, "-o", made)
        assert made.stat().st_mode & 0o777 == 0o600
        shared = tmp_path / ("shared-" + name)
        shared.write_text("old")
        shared.chmod(0o644)
        ok(*args, "-o", shared)
        assert shared.stat().st_mode & 0o777 == 0o644 and shared.read_text() != "old"
    finally:
        os.umask(old_umask)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


@pytest.mark.parametrize("writer", WRITERS)
def test_a_dangling_link_as_output_makes_a_private_file_where_it_points(ledger, tmp_path, writer):
    args, name = WRITERS[writer]
    target, link = tmp_path / "real" / name, tmp_path / ("link-" + name)
    target.parent.mkdir()
    link.symlink_to(target)
    old_umask = os.umask(0o022)
    try:
        ok(*args, "-o", link)
    finally:
        os.umask(old_umask)
    assert link.is_symlink() and target.is_file() and target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in target.parent.iterdir()] == [name]


def test_a_failure_while_writing_leaves_the_old_file_and_no_temporary(seeded, tmp_path, monkeypatch):
    from tracker.cli import writers
    from tracker.errors import StorageError

    def fail_half_way(records, stream):
        stream.write('{"version": 1, "forecasts": [')
        next(iter(records))
        raise StorageError("the database went away half-way")

    monkeypatch.setitem(writers.WRITERS, "json", fail_half_way)
    folder = tmp_path / "out"
    folder.mkdir()
    previous = folder / "previous.json"
    previous.write_text("the previous export")
    assert_clean_failure(run("export", "-o", previous), 1, "went away half-way")
    assert previous.read_text() == "the previous export"
    assert sorted(p.name for p in folder.iterdir()) == ["previous.json"]


@pytest.fixture
def closed_folder(tmp_path) -> Iterator[Path]:
    """A folder no file can be added to, even by root (who ignores modes but not chattr +i)."""
    folder = tmp_path / "closed"
    folder.mkdir()
    folder.chmod(0o555)
    immutable = os.geteuid() == 0
    if immutable and (not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(folder)]).returncode):
        pytest.skip("running as root where chattr +i is unavailable: cannot make a folder root cannot write")
    yield folder
    if immutable:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    folder.chmod(0o755)


def test_output_into_a_folder_that_cannot_be_written(seeded, closed_folder):
    target = closed_folder / "x.json"
    assert_clean_failure(run("export", "-o", target), 1, f"cannot write {target}")
    assert list(closed_folder.iterdir()) == []


def test_an_output_name_too_long_is_a_clean_error(seeded, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    assert_clean_failure(run("export", "-o", folder / ("x" * 300 + ".json")), 1, "too long")
    assert list(folder.iterdir()) == []


@sqlite_only
def test_writing_beside_the_ledger_still_works(seeded):
    """Only the ledger's own files are refused: a name that merely starts like it is fine."""
    beside = seeded.path.with_name("ledger.db.json")
    ok("export", "-o", beside)
    with closing(sqlite3.connect(seeded.path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert beside.read_text().startswith("{")
