"""Every wrong argument, missing record or unusable database: `Error:`, exit 1 or 2, no
traceback, and the ledger exactly as it was."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from conftest import dump, ok, run

USAGE, FAILURE = 2, 1

CASES = [
    # (arguments, exit code, text the error must contain)
    (["show", "999"], FAILURE, "no forecast with id or key '999'"),
    (["show", "no-such-key"], FAILURE, "no forecast with id or key 'no-such-key'"),
    (["show", "99999999999999999999999"], FAILURE, "no forecast"),
    (["history", "999"], FAILURE, "no forecast"),
    (["evidence", "list", "999"], FAILURE, "no forecast"),
    (["update", "999", "--status", "open"], FAILURE, "no forecast"),
    (["update", "1", "--status", "bogus"], USAGE, "'bogus' is not one of"),
    (["update", "1"], USAGE, "nothing to change"),
    (["update", "1", "--note", "why"], USAGE, "nothing to change; give --status"),
    (["update", "1", "--claim", "  "], FAILURE, "the claim is empty"),
    (["update", "1", "--status", "developing", "--expect-version", "7"], FAILURE, "is at version 1, not 7"),
    (["update", "1", "--status", "developing", "--evidence", "999"], FAILURE, "has no evidence 999"),
    (["update", "1", "--status", "developing", "--evidence", "0"], USAGE, "--evidence"),
    (["update", "1", "--resolve-by", "2020-01-01"], FAILURE, "before made-on 2025-08-15"),
    (["update", "1", "--probability", "150%"], USAGE, "outside 0..1"),
    (["update", "1", "--review-every", "-3"], USAGE, "--review-every"),
    (["update", "1", "--tag", "two words"], FAILURE, "tag 'two words' is not usable"),
    (["update", "1", "--expect-version", "x", "--status", "open"], USAGE, "'x' is not a valid integer"),
    (["add", ""], FAILURE, "the claim is empty"),
    (["add", "   "], FAILURE, "the claim is empty"),
    (["add"], USAGE, "Missing argument 'CLAIM'"),
    (["add", "x", "--probability", "1.5"], USAGE, "outside 0..1"),
    (["add", "x", "--probability", "abc"], USAGE, "'abc' is not a probability"),
    (["add", "x", "--probability", "-0.1"], USAGE, "outside 0..1"),
    (["add", "x", "--probability", "3:0:1"], USAGE, "is not a probability"),
    (["add", "x", "--probability", "nan"], USAGE, "outside 0..1"),
    (["add", "x", "--probability", "0:0"], USAGE, "0:0"),
    (["add", "x", "--made-on", "2026-02-30"], USAGE, "not a real date"),
    (["add", "x", "--made-on", "2026-13-01"], USAGE, "not a real date"),
    (["add", "x", "--made-on", "next tuesday"], USAGE, "is not a date"),
    (["add", "x", "--resolve-by", "01/02/2026"], USAGE, "is not a date"),
    (["add", "x", "--made-on", "+10d"], FAILURE, "is in the future"),
    (["add", "x", "--made-on", "2026-01-10", "--resolve-by", "2025-01-01"], FAILURE, "before made-on"),
    (["add", "x", "--key", "123"], FAILURE, "all digits"),
    (["add", "x", "--key", "has space"], FAILURE, "key 'has space' is not usable"),
    (["add", "x", "--key", "anchorage-2025/channels"], FAILURE, "key 'anchorage-2025/channels' is taken"),
    (["add", "x", "--tag", "a;b"], FAILURE, "tag 'a;b' is not usable"),
    (["add", "x", "--review-every", "0"], USAGE, "--review-every"),
    (["add", "x", "--review-every", "weekly"], USAGE, "'weekly' is not a valid integer"),
    (["evidence", "add", "1", ""], FAILURE, "the evidence summary is empty"),
    (["evidence", "add", "999", "x"], FAILURE, "no forecast"),
    (["evidence", "add", "1", "x", "--url", "not a url"], FAILURE, "not a web address"),
    (["evidence", "add", "1", "x", "--url", "ftp://example.org/x"], FAILURE, "not a web address"),
    (["evidence", "add", "1", "x", "--stance", "maybe"], USAGE, "'maybe' is not one of"),
    (["evidence", "add", "1", "x", "--observed-on", "+5d"], FAILURE, "is in the future"),
    (["evidence", "retract", "999", "--reason", "x"], FAILURE, "no evidence with id 999"),
    (["evidence", "retract", "1"], USAGE, "Missing option '--reason'"),
    (["evidence", "retract", "abc", "--reason", "x"], USAGE, "'abc' is not a valid integer"),
    (["evidence", "frobnicate"], USAGE, "No such command 'frobnicate'"),
    (["delete", "1"], USAGE, "Missing option '--reason'"),
    (["delete", "1", "--reason", " "], FAILURE, "the reason is empty"),
    (["delete", "999", "--reason", "x"], FAILURE, "no forecast"),
    (["list", "--status", "nope"], USAGE, "'nope' is not one of"),
    (["list", "--sort", "colour"], USAGE, "'colour' is not one of"),
    (["list", "--limit", "-1"], USAGE, "--limit"),
    (["list", "--limit", "99999999999999999999999"], USAGE, "not in the range"),
    (["review", "--limit", "99999999999999999999999"], USAGE, "not in the range"),
    (["--db", "", "list"], USAGE, "is empty"),
    (["--db", " ", "add", "x"], USAGE, "is empty"),
    (["list", "--colour"], USAGE, "No such option '--colour'"),
    (["list", "--format", "xml"], USAGE, "'xml' is not one of"),
    (["frobnicate"], USAGE, "No such command 'frobnicate'"),
    (["seed", "nope"], FAILURE, "no seed set 'nope'"),
    (["db", "downgrade", "nonsense"], FAILURE, "nonsense"),
    (["db", "upgrade", "9999_future"], FAILURE, "9999_future"),
]


def assert_clean_failure(result, code: int, text: str) -> None:
    assert result.exit_code == code, (result.exit_code, result.stderr, result.exception)
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1, result.stderr
    assert text in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""


@pytest.mark.parametrize("args,code,text", CASES, ids=[" ".join(c[0]) or "empty" for c in CASES])
def test_bad_input_is_refused_and_changes_nothing(seeded, args, code, text):
    before = dump(seeded)
    assert_clean_failure(run(*args), code, text)
    assert dump(seeded) == before


@pytest.mark.parametrize("args,text", [
    (["update", "1", "--status", "open"], "say why it is reopened"),
    (["update", "1", "--status", "refuted"], "say why it is reopened"),
])
def test_leaving_a_final_status_without_a_note(seeded, args, text):
    ok("update", "1", "--status", "confirmed")
    before = dump(seeded)
    assert_clean_failure(run(*args), FAILURE, text)
    assert dump(seeded) == before


def test_retracting_twice(seeded):
    evidence_id = ok("evidence", "add", "1", "x").stdout.strip()
    ok("evidence", "retract", evidence_id, "--reason", "wrong")
    before = dump(seeded)
    assert_clean_failure(run("evidence", "retract", evidence_id, "--reason", "again"), FAILURE,
                         "already retracted by tester")
    assert dump(seeded) == before


def test_a_failure_late_in_a_command_undoes_its_earlier_changes(seeded):
    """The claim edit comes before the refused status change; neither may land."""
    ok("update", "1", "--status", "confirmed")
    before = dump(seeded)
    assert_clean_failure(run("update", "1", "--claim", "Changed", "--status", "open"), FAILURE, "--note")
    assert dump(seeded) == before


# Databases that cannot be used (PostgreSQL's own failures are in test_postgres.py).

sqlite_only = pytest.mark.sqlite_only

def file_bytes(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


@sqlite_only
def test_db_path_that_is_a_folder(tmp_path):
    assert_clean_failure(run("--db", str(tmp_path), "list"), FAILURE, "is a folder")


@sqlite_only
def test_db_in_a_missing_folder(tmp_path):
    target = tmp_path / "missing" / "ledger.db"
    assert_clean_failure(run("--db", str(target), "add", "x"), FAILURE, "does not exist")
    assert not target.parent.exists()


@sqlite_only
@pytest.mark.parametrize("content", [b"just some text\n" * 100, b"\x00\xff" * 4096, b"SQLite format 3\x00" + b"\x13" * 200])
def test_db_file_that_is_not_a_database(tmp_path, content):
    target = tmp_path / "notes.db"
    target.write_bytes(content)
    for args in (["list"], ["add", "x"], ["seed"]):
        assert_clean_failure(run("--db", str(target), *args), FAILURE, "is not a tracker ledger")
    assert target.read_bytes() == content


@sqlite_only
def test_sqlite_file_of_another_application(tmp_path):
    target = tmp_path / "other.db"
    with sqlite3.connect(target) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    before = file_bytes(target)
    assert_clean_failure(run("--db", str(target), "list"), FAILURE, "not a tracker ledger")
    assert file_bytes(target) == before


@pytest.fixture
def read_only(seeded):
    """The seeded ledger made read-only, even for root (who ignores file modes)."""
    path = seeded.path
    with sqlite3.connect(path) as conn:  # settle the WAL into the main file first
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    os.chmod(path, 0o444)
    if os.geteuid() == 0:
        if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(path)]).returncode != 0:
            pytest.skip("running as root on a filesystem without chattr +i: cannot make a read-only file")
    yield seeded
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], check=True)
    os.chmod(path, 0o644)


@sqlite_only
@pytest.mark.parametrize("args", [["add", "x"], ["update", "1", "--status", "stalled"],
                                  ["evidence", "add", "1", "x"], ["delete", "1", "--reason", "x"]])
def test_writing_to_a_read_only_database(read_only, args):
    before = dump(read_only)
    assert_clean_failure(run(*args), FAILURE, "is read-only")
    assert dump(read_only) == before


@sqlite_only
def test_reading_a_read_only_database_works(read_only):
    assert len(ok("list", "--format", "json").json()) == 3


@sqlite_only
def test_unreachable_server_hides_the_password():
    result = run("--db", "postgresql+psycopg://alice:s3cret-pw@127.0.0.1:1/ledger", "list")
    assert_clean_failure(result, FAILURE, "127.0.0.1:1")
    assert "s3cret-pw" not in result.stderr


@sqlite_only
def test_url_without_a_driver_names_the_fix():
    result = run("--db", "mysql+nosuchdriver://u:pw@localhost/x", "list")
    assert_clean_failure(result, FAILURE, "no driver")
    assert "pw" not in result.stderr.replace("pip install", "")
