"""The inputs that once ended in a traceback or a misleading answer, each by name: bytes that
are not UTF-8 in argv, JSON nested past Python's limits, PredictionBook fields of the wrong
type, ids past 64 bits, moments at the edges of the calendar, in-memory ledgers, a ledger from
a newer tracker, cells longer than Python's csv module reads by default. Each gets one
`Error:` (or its answer), never a traceback, and a failure leaves the ledger as it was."""

import csv
import json
import os
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from conftest import dump, ok, run, run_json
from test_bad_input import FAILURE, USAGE, assert_clean_failure

sqlite_only = pytest.mark.sqlite_only


def tracker_bytes(*args: bytes | str) -> subprocess.CompletedProcess:
    """A real `tracker` process, so that the bytes given reach its argv as they are."""
    argv = [sys.executable.encode(), b"-m", b"tracker"] + [a if isinstance(a, bytes) else a.encode() for a in args]
    return subprocess.run(argv, capture_output=True, env=dict(os.environ, LC_ALL="C.UTF-8"))


@pytest.mark.parametrize("args", [
    [b"add", b"caf\xe9"],
    [b"add", b"a claim", b"--tag", b"\xff\xfe"],
    [b"update", b"1", b"--status", b"stalled", b"--note", b"caf\xe9"],
    [b"evidence", b"add", b"1", b"caf\xe9"],
    [b"list", b"--search", b"caf\xe9"],
    [b"show", b"caf\xe9"],
])
def test_a_byte_that_is_not_utf8_in_an_argument_is_refused(seeded, args):
    before = dump(seeded)
    result = tracker_bytes(*args)
    err = result.stderr.decode("utf-8")  # the error itself is UTF-8, the byte shown as a number
    assert result.returncode == USAGE, err
    assert "Traceback" not in err and err.count("Error:") == 1
    assert "is not UTF-8 text" in err and "0x" in err
    assert result.stdout == b""
    assert dump(seeded) == before


@sqlite_only
def test_a_file_name_that_is_not_utf8_still_works(seeded, tmp_path):
    name = os.fsencode(tmp_path) + b"/caf\xe9.json"
    exported = tracker_bytes(b"export", b"-o", name)
    assert exported.returncode == 0, exported.stderr
    imported = tracker_bytes(b"import", name)
    assert imported.returncode == 0, imported.stderr
    assert b"3 unchanged" in imported.stderr


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


@pytest.mark.parametrize("name, content, args", [
    ("deep.json", nested(2000), []),
    ("deep-object.json", '{"a":' * 2000 + "1" + "}" * 2000, []),
    ("deep-field.json", json.dumps({"version": 1, "forecasts": [{"claim": "x"}]})[:-3] + ', "x": '
     + nested(2000) + "}]}", []),
    ("deep.jsonl", '{"claim": "x", "tags": ' + nested(2000, "") + "}\n", []),
    ("deep-field.jsonl", '{"claim": "x", "bogus": ' + nested(2000) + "}\n", []),
    ("deep-predictionbook.json", nested(2000), ["--from", "predictionbook"]),
])
def test_json_nested_2000_deep_is_refused(seeded, tmp_path, name, content, args):
    path = tmp_path / name
    path.write_text(content)
    before = dump(seeded)
    result = run("import", path, *args)
    assert result.exit_code == FAILURE, (result.stderr, result.exception)
    assert result.stderr.startswith("Error:") and "Traceback" not in result.stderr
    assert "too deeply" in result.stderr or "must be" in result.stderr, result.stderr
    assert dump(seeded) == before


PREDICTION = {"id": 7, "description": "Will it rain?", "created_at": "2015-03-02T10:11:12Z", "outcome": None,
              "responses": [{"user_id": 1, "created_at": "2015-03-02T10:11:12Z", "confidence": 60,
                             "comment": "looks likely"}]}


@pytest.mark.parametrize("field, value, said", [
    ("description", 5, "'description': must be text"),
    ("description", {"text": "x"}, "'description': must be text"),
    ("created_at", 1425290000, "'created_at': must be text"),
    ("deadline", {"at": "2016"}, "'deadline': must be text"),
    ("updated_at", [1], "'updated_at': must be text"),
    ("creator_label", 3, "'creator_label': must be text"),
    ("outcome", 1, "'outcome': 1 is not true, false"),
    ("outcome", {"right": True}, "'outcome'"),
    ("withdrawn", 1, "'withdrawn': must be true, false or null"),
    ("withdrawn", "yes", "'withdrawn': must be true, false or null"),
    ("id", {"n": 7}, "'id'"),
    ("responses", {"a": 1}, "'responses'"),
    ("responses.created_at", 5, "'responses[0].created_at': must be text"),
    ("responses.confidence", {"p": 60}, "'responses[0].confidence'"),
    ("responses.comment", 7, "'responses[0].comment': must be text"),
])
def test_predictionbook_fields_of_the_wrong_type_are_refused(seeded, tmp_path, field, value, said):
    prediction = json.loads(json.dumps(PREDICTION))
    if field.startswith("responses."):
        prediction["responses"][0][field.split(".")[1]] = value
    else:
        prediction[field] = value
    if field == "updated_at":
        prediction["outcome"] = True
    path = tmp_path / "predictions.json"
    path.write_text(json.dumps({"predictions": [prediction]}))
    before = dump(seeded)
    assert_clean_failure(run("import", "--from", "predictionbook", path), FAILURE, said)
    assert dump(seeded) == before


PAST_64_BITS = str(2**64 + 1)


@pytest.mark.parametrize("args, said", [
    (["evidence", "retract", PAST_64_BITS, "--reason", "x"], "not in the range"),
    (["update", "1", "--status", "developing", "--evidence", PAST_64_BITS], "not in the range"),
    (["update", "1", "--status", "developing", "--expect-version", PAST_64_BITS], "not in the range"),
    (["forecast", "1", "0.4", "--evidence", PAST_64_BITS], "not in the range"),
    (["undo", "--limit", PAST_64_BITS], "not in the range"),
    (["evidence", "list", PAST_64_BITS], "no forecast"),
    (["show", PAST_64_BITS], "no forecast"),
    (["history", PAST_64_BITS], "no forecast"),
    (["list", "--after", PAST_64_BITS], "no forecast"),
])
def test_an_id_past_64_bits_is_a_clean_error(seeded, args, said):
    before = dump(seeded)
    result = run(*args)
    assert result.exit_code in (FAILURE, USAGE), (result.stderr, result.exception)
    assert_clean_failure(result, result.exit_code, said)
    assert dump(seeded) == before


def exported_with_moment(tmp_path, moment: str):
    """One forecast exported from a ledger of its own, every moment of it moved to `moment`."""
    scratch = tmp_path / "scratch.db"
    ok("--db", scratch, "add", "a claim at the edge of the calendar", "--key", "edge", "--probability", "0.6")
    ok("--db", scratch, "update", "edge", "--status", "confirmed", "--note", "it happened")
    document = json.loads(ok("--db", scratch, "export", "--format", "json").stdout)
    forecast = document["forecasts"][0]
    forecast["created_at"] = forecast["updated_at"] = moment
    for item in forecast["events"] + forecast["changes"]:
        item["at"] = moment
    path = tmp_path / "edge.json"
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize("moment", ["0001-01-01T00:30+01:00", "9999-12-31T23:59:59.999999Z",
                                    "0001-01-01T23:59:59Z"])
def test_a_moment_at_the_very_edge_of_the_calendar_is_refused_on_import(ledger, tmp_path, moment):
    path = exported_with_moment(tmp_path, moment)
    before = dump(ledger)
    result = run("import", path)
    assert_clean_failure(result, FAILURE, "created_at")
    assert dump(ledger) == before


@pytest.fixture(params=["UTC", "Pacific/Kiritimati", "America/Adak"])
def zone(request, monkeypatch):
    """Local time in a zone far east or far west of UTC."""
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("moment", ["9999-12-30T23:59:59.999999Z", "0001-01-02T00:00:00Z"])
def test_moments_at_the_edges_of_the_calendar_are_read_by_every_command(ledger, tmp_path, moment, zone):
    ok("import", exported_with_moment(tmp_path, moment))
    assert run_json("show", "edge")["status"] == "confirmed"
    for args in (["stats"], ["score"], ["list"], ["show", "edge"], ["history", "edge"], ["review"], ["doctor"],
                 ["export", "--format", "csv"], ["report", "-o", tmp_path / "report.md"],
                 ["report", "-o", tmp_path / "report.html"], ["list", "--as-of", "today"]):
        result = run(*args)
        assert result.exit_code == 0, (args, result.stderr, result.exception)
    assert run_json("stats")["status_moves"]
    assert "edge of the calendar" in (tmp_path / "report.md").read_text()


@sqlite_only
@pytest.mark.parametrize("target", [":memory:", "sqlite://", "sqlite:///:memory:",
                                    "sqlite:///file:ledger?mode=memory&uri=true"])
def test_a_ledger_in_memory_is_refused(target):
    for args in (["list"], ["add", "a claim"], ["db", "upgrade"]):
        result = run("--db", target, *args)
        assert_clean_failure(result, FAILURE, "in memory")
        assert "no such table" not in result.stderr


def stamp(ledger, revision: str) -> None:
    if ledger.backend == "sqlite":
        with closing(sqlite3.connect(ledger.path)) as conn, conn:
            conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
        return
    engine = create_engine(ledger.target)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    finally:
        engine.dispose()


@pytest.mark.parametrize("args", [["db", "check"], ["db", "upgrade"], ["db", "downgrade", "base", "--yes"],
                                  ["db", "downgrade", "base"], ["list"]])
def test_a_ledger_from_a_newer_tracker_says_to_upgrade_tracker(seeded, args):
    stamp(seeded, "9999_from_the_future")
    before = dump(seeded)
    result = run(*args)
    assert_clean_failure(result, FAILURE, "newer than this tracker knows")
    assert "upgrade tracker itself" in result.stderr and "db upgrade" not in result.stderr
    assert dump(seeded) == before
    if seeded.backend == "sqlite":
        assert list(seeded.path.parent.glob("*.bak")) == []


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_a_claim_over_131072_characters_round_trips(ledger, tmp_path, fmt):
    claim = "a long claim " + "x" * 200_000
    ok("add", claim, "--key", "long", "--criteria", "y" * 150_000)
    path = tmp_path / f"long.{fmt}"
    ok("export", "--format", fmt, "-o", path)
    other = tmp_path / "other.db"
    ok("--db", other, "import", path)
    shown = run_json("--db", other, "show", "long")
    assert shown["claim"] == claim and shown["criteria"] == "y" * 150_000


def test_a_csv_cell_over_131072_characters_is_read(ledger, tmp_path):
    path = tmp_path / "long.csv"
    with path.open("w", newline="") as file:
        csv.writer(file).writerows([["key", "claim"], ["long", "z" * 140_000]])
    ok("import", path)
    assert run_json("show", "long")["claim"] == "z" * 140_000


@pytest.mark.postgres_only
def test_a_user_who_may_not_read_the_schema_stamp_is_told_so_not_that_the_ledger_was_dropped(seeded, postgres):
    """Reading the schema revision tells a missing table (an empty database) from every other
    failure by its code: a permission refused is reported as one, not taken for a ledger
    downgraded to base."""
    role = f"{postgres.prefix}_reader"
    with postgres.admin.connect() as admin:
        admin.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    try:
        url = make_url(seeded.target).set(username=role).render_as_string(hide_password=False)
        result = run("--db", url, "list")
    finally:
        engine = create_engine(seeded.target)
        try:
            with engine.begin() as conn:  # the role owns nothing, so this leaves it droppable
                conn.execute(text(f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{role}"'))
        finally:
            engine.dispose()
        postgres.drop(make_url(seeded.target).database)  # its connections end before the role goes
        with postgres.admin.connect() as admin:
            admin.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    assert_clean_failure(result, FAILURE, "may not do this")
    assert "downgraded" not in result.stderr and "permission denied" in result.stderr
