"""Bounded text: every way in refuses a value longer than its column holds, naming the field and
the limit, and takes one exactly at the limit, the same on SQLite (which would store anything)
and PostgreSQL (which refuses what does not fit)."""

import json
import sqlite3
from contextlib import closing

import pytest
from sqlalchemy import String

from conftest import dump, ok, run, run_json
from test_bad_input import assert_clean_failure
from test_import_errors import FULL, FULL_EVENT, GOOD, lines, with_
from tracker import limits
from tracker.fields import STANCES
from tracker.services.forecasts import EDITABLE_FIELDS
from tracker.storage.models import EVENT_KINDS, UNDONE_SUBJECTS
from tracker.statuses import STATUSES
from tracker.storage.models import Base

FAILURE = 1
LONGEST_ACTOR = "a" * limits.ACTOR_LENGTH
TOO_LONG_ACTOR = "a" * (limits.ACTOR_LENGTH + 1)


# Who is acting: --as and TRACKER_USER.

@pytest.mark.parametrize("args", [["add", "x"], ["update", "1", "--status", "developing"],
                                  ["evidence", "add", "1", "news"], ["list"]])
def test_an_actor_name_over_the_limit_is_refused(seeded, args):
    before = dump(seeded)
    result = run("--as", TOO_LONG_ACTOR, *args)
    assert_clean_failure(result, FAILURE, "--as / TRACKER_USER is 201 characters long")
    assert "at most 200" in result.stderr
    assert dump(seeded) == before


def test_an_actor_name_over_the_limit_from_the_environment(seeded, monkeypatch):
    monkeypatch.setenv("TRACKER_USER", TOO_LONG_ACTOR)
    before = dump(seeded)
    assert_clean_failure(run("add", "x"), FAILURE, "--as / TRACKER_USER is 201 characters long")
    assert dump(seeded) == before


@pytest.mark.parametrize("name", [LONGEST_ACTOR, "é" * 200, "😀" * 200, "  " + LONGEST_ACTOR + "  "],
                         ids=["ascii", "accented", "emoji", "padded"])
def test_an_actor_name_at_the_limit_is_kept_whole(seeded, name):
    """Both backends count characters, not bytes: 200 emoji fit as 200 letters do."""
    ok("--as", name, "evidence", "add", "1", "news")
    ok("--as", name, "evidence", "retract", "1", "--reason", "wrong")
    ok("--as", name, "update", "1", "--status", "developing")
    events = run_json("history", "1")
    assert [e["actor"] for e in events[-3:]] == [name.strip()] * 3
    evidence = run_json("evidence", "list", "1")[0]
    assert evidence["added_by"] == evidence["retracted_by"] == name.strip()
    assert [f["id"] for f in run_json("list", "--by-actor", name.strip())] == [1]


@pytest.mark.parametrize("name,code", [("tab\there", "U+0009"), ("line\nbreak", "U+000A"), ("esc\x1b[31m", "U+001B"),
                                       ("del\x7f", "U+007F"), ("sep\u2028arator", "U+2028")])
def test_an_actor_name_with_a_control_character_is_refused(seeded, name, code):
    before = dump(seeded)
    assert_clean_failure(run("--as", name, "add", "x"), FAILURE, f"holds the control character {code}")
    assert dump(seeded) == before


def test_a_blank_actor_name_falls_back_to_the_login_name(seeded, monkeypatch):
    monkeypatch.setenv("TRACKER_USER", "   ")
    monkeypatch.setattr("tracker.cli.main.login_name", lambda: "login-person")
    ok("update", "1", "--status", "developing")
    assert run_json("history", "1")[-1]["actor"] == "login-person"


# Keys and tags typed on the command line.

@pytest.mark.parametrize("option,limit", [("--key", limits.KEY_LENGTH), ("--tag", limits.TAG_LENGTH)])
def test_keys_and_tags_over_the_limit_are_refused(seeded, option, limit):
    before = dump(seeded)
    result = run("add", "x", option, "k" * (limit + 1))
    assert_clean_failure(result, FAILURE, f"is {limit + 1} characters long")
    assert f"at most {limit}" in result.stderr and "k" * (limit + 1) not in result.stderr
    assert dump(seeded) == before


def test_keys_and_tags_at_the_limit_are_kept(seeded):
    key, tag = "k" * limits.KEY_LENGTH, "t" * limits.TAG_LENGTH
    ok("add", "x", "--key", key, "--tag", tag)
    shown = run_json("show", key)
    assert shown["key"] == key and shown["tags"] == [tag]
    ok("update", "1", "--tag", tag)
    assert tag in run_json("show", "1")["tags"]
    too_long = run("update", "1", "--tag", "t" * (limits.TAG_LENGTH + 1))
    assert_clean_failure(too_long, FAILURE, "at most 100")


# Imported records.

TOO_LONG = [
    ("event actor", {**FULL, "events": [{**FULL_EVENT, "actor": TOO_LONG_ACTOR}]}, "events[0].actor", 200),
    ("evidence added_by", with_(evidence=[{"summary": "x", "added_by": TOO_LONG_ACTOR}]), "evidence[0].added_by", 200),
    ("evidence retracted_by", with_(evidence=[{"summary": "x", "retraction_reason": "wrong",
                                               "retracted_by": TOO_LONG_ACTOR}]), "evidence[0].retracted_by", 200),
    ("event kind", {**FULL, "events": [{**FULL_EVENT, "kind": "k" * 31}]}, "events[0].kind", 30),
    ("event field", {**FULL, "events": [{**FULL_EVENT, "field": "f" * 51}]}, "events[0].field", 50),
    ("event from", {**FULL, "events": [{**FULL_EVENT, "from": "s" * 21}]}, "events[0].from", 20),
    ("event to", {**FULL, "events": [{**FULL_EVENT, "to": "s" * 21}]}, "events[0].to", 20),
]


@pytest.mark.parametrize("form", ["jsonl", "json"])
@pytest.mark.parametrize("record,field,limit", [c[1:] for c in TOO_LONG], ids=[c[0] for c in TOO_LONG])
def test_an_imported_text_over_its_limit_is_refused_naming_record_and_field(seeded, tmp_path, form, record,
                                                                           field, limit):
    path = tmp_path / f"a.{form}"
    if form == "jsonl":
        path.write_bytes(lines(GOOD, record))
        where = "line 2"
    else:
        path.write_text(json.dumps({"version": 1, "forecasts": [GOOD, record]}))
        where = "record 2"
    before = dump(seeded)
    assert_clean_failure(run("import", path), FAILURE,
                         f"{where}, field '{field}': is longer than {limit} characters")
    assert dump(seeded) == before


@pytest.mark.parametrize("record,text", [
    (with_(key="k" * 201), "line 1, field 'key': key 'kkkk"),
    (with_(tags=["ok", "t" * 101]), "line 1, field 'tags': tag 'tttt"),
    ({**FULL, "events": [{**FULL_EVENT, "actor": "ana\tbel"}]}, "line 1, field 'events[0].actor': holds the control"),
    (with_(evidence=[{"summary": "x", "added_by": " "}]), "line 1, field 'evidence[0].added_by': is empty"),
], ids=["key", "tag", "actor control character", "blank added_by"])
def test_imported_keys_tags_and_actors_are_checked_as_typed_ones_are(seeded, tmp_path, record, text):
    path = tmp_path / "a.jsonl"
    path.write_bytes(lines(record))
    before = dump(seeded)
    result = run("import", path)
    assert_clean_failure(result, FAILURE, text)
    assert dump(seeded) == before


def test_a_full_record_with_every_bounded_text_at_its_limit_restores(seeded, tmp_path):
    created = {**FULL_EVENT["new"], "key": "k" * limits.KEY_LENGTH, "tags": ["t" * limits.TAG_LENGTH]}
    record = {**FULL, "key": "k" * limits.KEY_LENGTH, "tags": ["t" * limits.TAG_LENGTH],
              "events": [{**FULL_EVENT, "actor": LONGEST_ACTOR, "new": created}]}
    path = tmp_path / "a.jsonl"
    path.write_bytes(lines(record))
    ok("import", path)
    shown = run_json("show", "k" * limits.KEY_LENGTH)
    assert shown["tags"] == ["t" * limits.TAG_LENGTH]
    assert [e["actor"] for e in shown["events"]] == [LONGEST_ACTOR]


# One set of numbers.

BOUNDED = {("forecasts", "key"): limits.KEY_LENGTH, ("forecasts", "status"): limits.STATUS_LENGTH,
           ("forecast_tags", "tag"): limits.TAG_LENGTH, ("evidence", "stance"): limits.STANCE_LENGTH,
           ("evidence", "added_by"): limits.ACTOR_LENGTH, ("evidence", "retracted_by"): limits.ACTOR_LENGTH,
           ("events", "actor"): limits.ACTOR_LENGTH, ("events", "kind"): limits.EVENT_KIND_LENGTH,
           ("events", "field"): limits.EVENT_FIELD_LENGTH, ("events", "from_status"): limits.STATUS_LENGTH,
           ("events", "to_status"): limits.STATUS_LENGTH, ("changes", "actor"): limits.ACTOR_LENGTH,
           ("changes", "command"): limits.COMMAND_LENGTH, ("forecasts", "outcome"): limits.OPTION_LENGTH}


@pytest.mark.sqlite_only
def test_every_bounded_column_takes_its_length_from_the_limits():
    """A new bounded column needs a limit here and a check of every way in."""
    lengths = {(table.name, column.name): column.type.length
               for table in Base.metadata.tables.values() for column in table.columns
               if isinstance(column.type, String) and column.type.length is not None}
    assert lengths == BOUNDED


@pytest.mark.sqlite_only
def test_the_names_tracker_writes_fit_their_columns():
    assert max(map(len, STATUSES)) <= limits.STATUS_LENGTH
    assert max(map(len, STANCES)) <= limits.STANCE_LENGTH
    assert max(map(len, EVENT_KINDS)) <= limits.EVENT_KIND_LENGTH
    assert max(map(len, EDITABLE_FIELDS + UNDONE_SUBJECTS + ("next_review_on",))) <= limits.EVENT_FIELD_LENGTH


# A ledger written before lengths were checked.

def test_db_copy_names_a_row_whose_text_is_over_its_limit(ledger, tmp_path):
    """Such a row stops the copy before anything is written, on either destination."""
    source = tmp_path / "old.db"
    ok("--db", source, "seed")
    with closing(sqlite3.connect(source)) as conn, conn:
        # A ledger written before the database checked actors' lengths itself.
        conn.execute("PRAGMA ignore_check_constraints = ON")
        conn.execute("UPDATE events SET actor = ? WHERE id = 2", (TOO_LONG_ACTOR,))
    before = dump(ledger)
    result = run("--db", source, "db", "copy", ledger.target)
    assert_clean_failure(result, FAILURE, "events.actor of the row with id 2 is 201 characters long, over the 200")
    assert dump(ledger) == before
    with closing(sqlite3.connect(source)) as conn, conn:
        conn.execute("UPDATE events SET actor = ? WHERE id = 2", (LONGEST_ACTOR,))
    ok("--db", source, "db", "copy", ledger.target)
    assert run_json("history", "2")[0]["actor"] == LONGEST_ACTOR
