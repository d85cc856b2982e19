"""`tracker db copy`: every row exactly as it was, the destination's indexes and search index
built as well as row by row, and a copy that fails midway leaves the destination as it was."""

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from conftest import dump, ok, run, run_json
from test_bad_input import assert_clean_failure

FAILURE = 1


@pytest.fixture
def source(tmp_path) -> Path:
    """A SQLite ledger with evidence, a cited status change, an undone change and a deleted forecast."""
    path = tmp_path / "source.db"
    ok("--db", path, "seed")
    ok("--db", path, "evidence", "add", "1", "The hotline was used twice", "--stance", "supports")
    ok("--db", path, "update", "1", "--status", "developing", "--evidence", "1", "--probability", "60%")
    ok("--db", path, "add", "Straße repaired before winter", "--tag", "roads", "--probability", "0.3")
    ok("--db", path, "update", "4", "--probability", "40%")
    ok("--db", path, "undo", "--yes")
    ok("--db", path, "delete", "2", "--reason", "a duplicate")
    return path


def schema_objects(path: Path) -> list[tuple]:
    """The indexes and triggers of a SQLite ledger: what a bulk copy sets aside and makes again."""
    with closing(sqlite3.connect(path)) as conn:
        return sorted(conn.execute("SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')"))


@pytest.mark.sqlite_only
def test_a_copy_into_a_new_file_is_exact(source, tmp_path):
    copy = tmp_path / "copy.db"
    assert "Copied 4 forecasts, 1 evidence items" in ok("--db", source, "db", "copy", copy).stderr
    assert dump(copy) == dump(source)
    assert schema_objects(copy) == schema_objects(source)
    with closing(sqlite3.connect(copy)) as conn:
        conn.execute("INSERT INTO forecasts_fts (forecasts_fts) VALUES ('integrity-check')")
    # The search index built at the end finds what the trigger would have indexed, case folded.
    assert [f["id"] for f in run_json("--db", copy, "list", "--search", "STRASSE")] == [4]
    assert all(check["ok"] for check in run_json("--db", copy, "doctor"))
    # Later writes go on as in any ledger: new ids above the copied ones, the search index kept.
    assert ok("--db", copy, "add", "Hotline stays open", "--tag", "us-russia").stdout.strip() == "5"
    assert [f["id"] for f in run_json("--db", copy, "list", "--search", "hotline stays")] == [5]


def test_a_copy_that_fails_midway_leaves_the_destination_as_it_was(source, ledger):
    """The last table copied, event_citations, names evidence the source has lost (written with
    its foreign keys off): every table before it is written first, then the whole is undone."""
    with closing(sqlite3.connect(source)) as conn, conn:
        conn.execute("UPDATE event_citations SET evidence_id = 99")
    before = dump(ledger)
    schema_before = schema_objects(ledger.path) if ledger.backend == "sqlite" else None
    result = run("--db", source, "db", "copy", ledger.target)
    assert_clean_failure(result, FAILURE, "")
    assert dump(ledger) == before
    if ledger.backend == "sqlite":
        assert schema_objects(ledger.path) == schema_before
    with closing(sqlite3.connect(source)) as conn, conn:
        conn.execute("UPDATE event_citations SET evidence_id = 1")
    ok("--db", source, "db", "copy", ledger.target)
    assert run_json("list", "--search", "straße") == run_json("--db", source, "list", "--search", "straße")


@pytest.mark.postgres_only
def test_a_copy_into_postgresql_leaves_the_planner_its_statistics(source, ledger):
    """A new ledger's tables are analyzed as the copy ends: until autovacuum came by, the server
    planned their queries knowing nothing of what their columns hold."""
    from sqlalchemy import create_engine

    from tracker.storage.models import Base

    ok("--db", source, "db", "copy", ledger.target)
    engine = create_engine(ledger.target)
    try:
        with engine.connect() as conn:
            analyzed = {name for (name,) in conn.exec_driver_sql(
                "SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = current_schema()")}
    finally:
        engine.dispose()
    holding_rows = {name for name, count in dump_counts(source).items() if count}
    assert holding_rows <= analyzed and holding_rows <= set(Base.metadata.tables)


def dump_counts(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(path)) as conn:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                   "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'forecasts_fts%' "
                                                   "AND name != 'alembic_version'")]
        return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables}
