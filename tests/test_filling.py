"""An empty SQLite ledger filled by an import or `db copy` is written in rollback-journal mode,
outside the write-ahead log, and is in WAL mode again afterwards; any other ledger is written
in WAL mode as every command writes it."""

import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import Engine, event

from conftest import dump, ok, run
from test_bad_input import assert_clean_failure

pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def journal_modes():
    """The journal mode of the connection each INSERT INTO forecasts of the command ran on."""
    seen = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if re.match(r"\s*INSERT INTO forecasts\b(?!_)", statement, re.IGNORECASE):
            seen.append(conn.connection.dbapi_connection.execute("PRAGMA journal_mode").fetchone()[0])

    event.listen(Engine, "before_cursor_execute", note)
    yield seen
    event.remove(Engine, "before_cursor_execute", note)


def journal_mode(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("PRAGMA journal_mode").fetchone()[0]


@pytest.fixture
def export(tmp_path) -> Path:
    source = tmp_path / "source.db"
    ok("--db", source, "seed")
    ok("--db", source, "evidence", "add", "1", "The hotline was used twice", "--stance", "supports")
    path = tmp_path / "export.jsonl"
    ok("--db", source, "export", "--format", "jsonl", "-o", path)
    return path


def test_an_import_fills_an_empty_ledger_outside_the_log(ledger, export, journal_modes):
    ok("import", export)
    assert journal_modes and set(journal_modes) == {"delete"}
    assert journal_mode(ledger.path) == "wal"
    assert not ledger.path.with_name(ledger.path.name + "-journal").exists()
    assert ok("list", "--format", "json").json()


def test_an_import_into_a_ledger_that_holds_forecasts_stays_in_the_log(ledger, export, journal_modes, tmp_path):
    ok("add", "A forecast already here")
    ok("import", export)
    assert set(journal_modes) == {"wal"}
    assert journal_mode(ledger.path) == "wal"


def test_a_failed_import_leaves_an_empty_ledger_empty_and_in_wal_mode(ledger, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"claim": "One good forecast"}\n{"claim": ""}\n', encoding="utf-8")
    before = dump(ledger)
    assert_clean_failure(run("import", bad), 1, "claim")
    assert dump(ledger) == before
    assert journal_mode(ledger.path) == "wal"


def test_an_import_while_another_connection_holds_the_ledger_open_stays_in_the_log(ledger, export, journal_modes):
    with closing(sqlite3.connect(ledger.path)) as other:
        other.execute("SELECT count(*) FROM forecasts").fetchone()  # keeps the WAL index open
        ok("import", export)
    assert set(journal_modes) == {"wal"}
    assert journal_mode(ledger.path) == "wal"


def test_db_copy_fills_its_new_file_outside_the_log(export, tmp_path, journal_modes):
    source = tmp_path / "filled.db"
    ok("--db", source, "import", export)
    journal_modes.clear()
    copy = tmp_path / "copy.db"
    ok("--db", source, "db", "copy", copy)
    assert journal_modes and set(journal_modes) == {"delete"}
    assert journal_mode(copy) == "wal"
    assert dump(copy) == dump(source)


def test_a_damaged_empty_ledger_is_reported_as_damaged_by_an_import(ledger, export):
    """The switch out of WAL reads the ledger first; damage there is left to the import's own
    statements, which name it, rather than escaping as a traceback."""
    with closing(sqlite3.connect(ledger.path)) as conn:
        pages = [row[0] for row in conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE tbl_name IN ('forecasts', 'sources') AND rootpage > 0")]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with ledger.path.open("r+b") as file:
        for page in pages:
            file.seek((page - 1) * page_size)
            file.write(b"\xff" * 64)
    result = run("import", export)
    assert result.exit_code == 1, (result.stderr, result.exception)
    assert result.stderr.startswith("Error:") and "Traceback" not in result.stderr
