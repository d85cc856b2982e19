"""`tracker doctor` passes a sound ledger and names what is wrong with a tampered one."""

import json
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import pytest
from sqlalchemy import create_engine, text

from conftest import dump, ok, run


def busy_ledger():
    """A ledger that has seen every kind of change, undo included."""
    ok("seed")
    evidence = ok("evidence", "add", "1", "hotline used", "--stance", "supports").stdout.strip()
    ok("update", "1", "--status", "developing", "--evidence", evidence, "--probability", "0.6", "--tag", "x")
    ok("evidence", "add", "2", "later denied")
    ok("evidence", "retract", "2", "--reason", "denied")
    ok("snooze", "3", "--until", "+5d")
    ok("delete", "2", "--reason", "duplicate")
    ok("update", "3", "--claim", "reworded", "--resolve-by", "+1y")
    ok("undo")


def tamper(ledger, statement: str) -> None:
    if ledger.backend == "sqlite":
        with closing(sqlite3.connect(ledger.path)) as conn, conn:
            conn.execute("PRAGMA foreign_keys = OFF")
            conn.execute(statement)
    else:
        engine = create_engine(ledger.target)
        with engine.begin() as conn:
            conn.execute(text(statement))
        engine.dispose()


def test_a_sound_ledger_passes_every_check(ledger):
    busy_ledger()
    result = ok("doctor", "--format", "json")
    assert [(check["check"], check["ok"]) for check in result.json()] == [
        ("integrity", True), ("foreign keys", True), ("schema", True), ("timelines", True), ("search", True)]


@pytest.mark.parametrize("statement,problem", [
    ("UPDATE forecasts SET status = 'confirmed' WHERE id = 1", "forecast 1: status is 'confirmed'"),
    ("UPDATE forecasts SET probability = 0.9 WHERE id = 1", "forecast 1: probability is 0.9"),
    ("UPDATE forecasts SET claim = 'edited quietly' WHERE id = 3", "forecast 3: claim is 'edited quietly'"),
    ("UPDATE evidence SET retracted_at = NULL, retracted_by = NULL, retraction_reason = NULL WHERE id = 2",
     "forecast 2: its evidence does not match"),
    ("DELETE FROM events WHERE forecast_id = 3 AND version = (SELECT max(version) FROM events WHERE forecast_id = 3)",
     "forecast 3: version is"),
    ("DELETE FROM forecast_tags WHERE forecast_id = 1 AND tag = 'x'", "forecast 1: tags is"),
])
def test_a_change_that_bypassed_the_timeline_is_found(ledger, statement, problem):
    busy_ledger()
    tamper(ledger, statement)
    result = run("doctor")
    assert result.exit_code == 1
    assert problem in result.stdout
    # A claim changed below the ORM leaves its search text behind too ("timelines, search").
    assert result.stderr.startswith("Error: the ledger has problems (timelines")


def test_a_search_text_out_of_step_with_its_fields_is_found(ledger):
    busy_ledger()
    tamper(ledger, "UPDATE forecasts SET search_text = '' WHERE id = 2")
    result = run("doctor")
    assert result.exit_code == 1
    assert "forecast 2: its search text is not its claim, criteria and key folded" in result.stdout
    assert result.stderr.startswith("Error: the ledger has problems (search)")


@pytest.mark.sqlite_only
def test_a_lost_event_is_found_where_the_database_was_bypassed(ledger):
    busy_ledger()
    tamper(ledger, "DELETE FROM events WHERE forecast_id = 1 AND version = 2")
    checks = {check["check"]: check for check in run("doctor", "--format", "json").json()}
    assert "points at a missing events row" in checks["foreign keys"]["problems"][0]
    assert checks["timelines"]["problems"][0].startswith(
        "forecast 1: its timeline does not fold: events[1].version is 3; versions must run 1, 2, 3")


@pytest.mark.sqlite_only
def test_rows_pointing_nowhere_are_found(ledger):
    busy_ledger()
    tamper(ledger, "INSERT INTO forecast_tags (forecast_id, tag) VALUES (999, 'orphan')")
    result = run("doctor", "--format", "json")
    assert result.exit_code == 1
    [foreign_keys] = [check for check in result.json() if check["check"] == "foreign keys"]
    assert foreign_keys["problems"][0].endswith("points at a missing forecasts row")


def test_doctor_reads_and_never_writes(ledger):
    busy_ledger()
    before = dump(ledger)
    ok("doctor")
    assert dump(ledger) == before


WRITER = """
import os, random, sys
from tracker.cli.main import cli

number, forecasts, stop = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng, done = random.Random(number), 0
sys.stdout = open(os.devnull, "w")
while not os.path.exists(stop):
    forecast = str(rng.randint(1, forecasts))
    if done % 2:
        args = ["evidence", "add", forecast, f"writer {number}, note {done}"]
    else:
        args = ["update", forecast, "--probability", f"{rng.randint(1, 99)}%", "--tag", f"t{done % 3}"]
    cli.main(["--as", f"writer{number}", *args], standalone_mode=False)
    done += 1
print(done, file=sys.stderr)
"""


def test_doctor_raises_no_false_alarm_while_others_write(seeded, tmp_path):
    """Doctor reads forecasts, then their events, then their evidence: each must be read as of
    the same moment, or a change committed in between looks like a timeline that does not
    explain its forecast."""
    forecasts = 300
    (tmp_path / "more.jsonl").write_text("".join(json.dumps({"claim": f"claim {n}"}) + "\n"
                                                 for n in range(forecasts - 3)))
    ok("import", tmp_path / "more.jsonl")
    stop = tmp_path / "stop"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(n), str(forecasts), str(stop)],
                                stderr=subprocess.PIPE, text=True) for n in range(3)]
    try:
        time.sleep(2)  # let them get going
        reports = [run("doctor", "--format", "json") for _ in range(6)]
    finally:
        stop.touch()
        outcomes = [(writer.wait(timeout=120), writer.stderr.read()) for writer in writers]
    assert all(code == 0 and int(err.split()[-1]) > 0 for code, err in outcomes), outcomes
    for report in reports:
        problems = [problem for check in report.json() for problem in check["problems"]]
        assert report.exit_code == 0 and problems == [], problems
    ok("doctor")


@pytest.mark.postgres_only
def test_the_snapshot_doctor_reads_takes_no_writes(seeded):
    from tracker.errors import StorageError
    from tracker.storage.database import open_database, read_one_snapshot, transaction

    engine = open_database(seeded.target, write=False, notify=print)
    try:
        with pytest.raises(StorageError, match="takes no writes"):
            with transaction(engine) as session:
                read_one_snapshot(session)
                session.execute(text("UPDATE forecasts SET claim = 'changed' WHERE id = 1"))
    finally:
        engine.dispose()


@pytest.mark.parametrize("statement", [
    None,
    "UPDATE forecasts SET probability = 0.9 WHERE id = 1",
    "UPDATE evidence SET retracted_at = NULL, retracted_by = NULL, retraction_reason = NULL WHERE id = 2",
    "DELETE FROM events WHERE forecast_id = 3 AND version = (SELECT max(version) FROM events WHERE forecast_id = 3)",
    "UPDATE events SET from_status = 'stalled' WHERE forecast_id = 1 AND kind = 'status_changed'",
])
def test_a_timeline_longer_than_a_batch_is_checked_alike(ledger, monkeypatch, statement):
    """A forecast with more events than a batch holds is replayed from events read a page at a
    time: doctor finds the same, sound or not (here every timeline counts as long)."""
    from tracker.services import doctor

    busy_ledger()
    if statement:
        tamper(ledger, statement)
    batched = run("doctor", "--format", "json").stdout
    monkeypatch.setattr(doctor, "EVENTS_PER_BATCH", 1)
    assert run("doctor", "--format", "json").stdout == batched
    assert ("true" if statement is None else "false") in batched
