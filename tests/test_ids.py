"""Ids are 64-bit on both backends, imports cannot use them up, and a dry run takes none."""

import json
import re

import pytest
from sqlalchemy import create_engine, text

from conftest import dump, ok, run, run_json
from test_bad_input import assert_clean_failure
from tracker.services.imports import IdPool

postgres_only = pytest.mark.postgres_only
ID_TABLES = ("sources", "forecasts", "evidence", "changes", "events")
# Every column that holds an id, its own or another row's.
ID_COLUMNS = {
    "sources": ["id"],
    "forecasts": ["id", "source_id"],
    "forecast_tags": ["forecast_id"],
    "evidence": ["id", "forecast_id"],
    "changes": ["id", "undoes"],
    "events": ["id", "forecast_id", "change_id", "evidence_id"],
    "event_citations": ["event_id", "evidence_id"],
}
BIG = 3_000_000_000  # above what a 32-bit integer holds


def query(target: str, sql: str, **params):
    engine = create_engine(target)
    try:
        with engine.begin() as conn:
            return conn.execute(text(sql), params).all()
    finally:
        engine.dispose()


def sequences(target: str) -> dict[str, tuple]:
    """Each id sequence's position: (last_value, is_called, max_value)."""
    found = {}
    for table in ID_TABLES:
        [(name,)] = query(target, "SELECT pg_get_serial_sequence(:table, 'id')", table=table)
        [(last, called)] = query(target, f"SELECT last_value, is_called FROM {name}")
        [(most,)] = query(target, "SELECT max_value FROM pg_sequences WHERE schemaname || '.' || sequencename = :n",
                          n=name)
        found[table] = (last, called, most)
    return found


@postgres_only
def test_every_id_column_and_sequence_is_64_bit_on_postgresql(ledger):
    for table, columns in ID_COLUMNS.items():
        kinds = dict(query(ledger.target, "SELECT column_name, data_type FROM information_schema.columns "
                                          "WHERE table_name = :table", table=table))
        assert {column: kinds[column] for column in columns} == {column: "bigint" for column in columns}
    assert {table: most for table, (_, _, most) in sequences(ledger.target).items()} == {
        table: 2**63 - 1 for table in ID_TABLES}


@postgres_only
def test_a_ledger_keeps_working_past_two_to_the_31_ids(seeded):
    for table in ID_TABLES:
        query(seeded.target, f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {BIG})")
    forecast = int(ok("add", "past the 32-bit line", "--source", "a new source").stdout)
    assert forecast == BIG + 1
    evidence = int(ok("evidence", "add", str(forecast), "seen", "--stance", "supports").stdout.strip().splitlines()[-1])
    assert evidence == BIG + 1
    ok("update", str(forecast), "--status", "developing", "--evidence", str(evidence))
    ok("undo", "--yes")
    shown = run_json("show", str(forecast))
    assert shown["status"] == "open" and all(event["id"] > BIG for event in shown["events"])
    assert run_json("evidence", "list", str(forecast))[0]["id"] == evidence
    ok("doctor")


@pytest.mark.parametrize("args", [["show", str(BIG)], ["history", str(BIG)], ["update", str(BIG), "--claim", "x"],
                                  ["evidence", "add", str(BIG), "x"], ["show", str(2**63)]])
def test_an_id_no_forecast_has_is_not_found_however_large(seeded, args):
    before = dump(seeded)
    assert_clean_failure(run(*args), 1, "no forecast with id or key")
    assert dump(seeded) == before


@pytest.mark.parametrize("args", [["evidence", "retract", str(BIG), "--reason", "x"],
                                  ["update", "1", "--status", "developing", "--evidence", str(BIG)]])
def test_evidence_no_forecast_has_is_not_found_however_large(seeded, args):
    before = dump(seeded)
    result = run(*args)
    assert result.exit_code == 1 and "out of the range" not in result.stderr, result.stderr
    assert re.match(rf"Error: (forecast 1 has )?no evidence (with id )?{BIG};", result.stderr), result.stderr
    assert dump(seeded) == before


def exported_record(key: str) -> dict:
    """Forecast 1 as export writes it, under another key: a record import restores ids and all."""
    record = json.loads(ok("export", "--format", "jsonl").stdout.splitlines()[0])
    record["key"] = record["events"][0]["new"]["key"] = key
    return record


def highest(ledger, table: str) -> int:
    if ledger.backend == "postgresql":
        return query(ledger.target, f"SELECT coalesce(max(id), 0) FROM {table}")[0][0]
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(ledger.path)) as conn:
        return conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]


def test_imports_of_records_with_high_ids_cannot_use_up_the_ids(seeded, tmp_path):
    """Eight imports of one forecast each, every id as high as an import keeps, and one whose
    ids are far beyond: the ledger still has room for all but a sliver of its ids."""
    for n in range(8):
        record = exported_record(f"high/{n}")
        top = {table: highest(seeded, table) for table in ("forecasts", "events", "changes")}
        record["id"] = top["forecasts"] + IdPool.WINDOW - 1
        record["events"][0]["id"] = top["events"] + IdPool.WINDOW - 1
        record["changes"][0]["id"] = record["events"][0]["change"] = top["changes"] + IdPool.WINDOW - 1
        (tmp_path / f"high-{n}.jsonl").write_text(json.dumps(record) + "\n")
        ok("import", tmp_path / f"high-{n}.jsonl")
        assert run_json("show", f"high/{n}")["id"] == record["id"]  # kept: within the window
    far = exported_record("far")
    far["id"] = far["events"][0]["id"] = far["changes"][0]["id"] = far["events"][0]["change"] = 2**62
    (tmp_path / "far.jsonl").write_text(json.dumps(far) + "\n")
    ok("import", tmp_path / "far.jsonl")
    assert run_json("show", "far")["id"] == highest(seeded, "forecasts") < 2**40  # renumbered
    if seeded.backend == "postgresql":
        for table, (last, _, most) in sequences(seeded.target).items():
            assert last < 2**40 and most - last > 2**62, table
    assert int(ok("add", "one more").stdout) == highest(seeded, "forecasts")
    ok("doctor")


@postgres_only
def test_a_dry_run_import_takes_no_ids(seeded, tmp_path):
    ok("evidence", "add", "1", "hotline used")
    record = exported_record("restored/again")
    record["id"] = 40
    bare = {"claim": "a bare claim", "status": "confirmed", "source": {"title": "a source never seen"},
            "evidence": [{"summary": "it happened"}]}
    (tmp_path / "file.jsonl").write_text(json.dumps(record) + "\n" + json.dumps(bare) + "\n")
    before, positions = dump(seeded), sequences(seeded.target)
    result = ok("import", tmp_path / "file.jsonl", "--dry-run")
    assert "would add 2" in result.stderr
    assert dump(seeded) == before
    assert sequences(seeded.target) == positions
    assert int(ok("add", "next").stdout) == 4


@postgres_only
def test_narrowing_the_ids_again_needs_no_yes_and_fails_rather_than_cuts(seeded):
    ok("db", "downgrade", "0006_estimates")  # drops nothing, so asks nothing
    ok("db", "upgrade")
    query(seeded.target, f"SELECT setval(pg_get_serial_sequence('forecasts', 'id'), {BIG})")
    ok("add", "past the 32-bit line")
    before = dump(seeded)
    result = run("db", "downgrade", "0006_estimates")
    assert_clean_failure(result, 1, "out of the range")
    assert dump(seeded) == before
    assert run_json("show", str(BIG + 1))["claim"] == "past the 32-bit line"
