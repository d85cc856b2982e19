"""The timeline's invariants are the database's own: a write that breaks one is refused by
the database itself on both backends, whatever path it comes by."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, DBAPIError

from conftest import ok
from tracker.storage.database import create_ledger_engine, database_url

EVENT = ("INSERT INTO events (forecast_id, change_id, version, previous_version, at, actor, kind, field, "
         "from_status, to_status, evidence_id) VALUES (1, 1, :version, :previous, '2026-01-01 00:00:00', "
         ":actor, :kind, :field, :from_status, :to_status, :evidence_id)")
GOOD = {"version": 2, "previous": 1, "actor": "tester", "kind": "edited", "field": "claim", "from_status": None,
        "to_status": None, "evidence_id": None}


def attempt(ledger, statement: str, values: dict) -> None:
    engine = create_ledger_engine(database_url(ledger.target), write=True)
    try:
        with engine.begin() as conn:
            conn.execute(text(statement), values)
    finally:
        engine.dispose()


@pytest.mark.parametrize("case,values", [
    ("a repeated version", {**GOOD, "version": 1, "previous": None}),
    ("a skipped version", {**GOOD, "version": 3, "previous": 2}),
    ("a version that names no predecessor", {**GOOD, "version": 2, "previous": None}),
    ("a predecessor that is not the version before", {**GOOD, "version": 2, "previous": 0}),
    ("an unknown kind", {**GOOD, "kind": "renamed"}),
    ("an edit of a field that cannot be edited", {**GOOD, "field": "status"}),
    ("a status change to no status", {**GOOD, "kind": "status_changed", "field": None, "from_status": "open",
                                      "to_status": "maybe"}),
    ("an evidence event without its evidence", {**GOOD, "kind": "evidence_added", "field": None}),
    ("an empty actor", {**GOOD, "actor": ""}),
    ("an actor too long for either backend", {**GOOD, "actor": "a" * 201}),
])
def test_the_database_refuses_an_event_that_breaks_the_timeline(seeded, case, values):
    with pytest.raises((IntegrityError, DBAPIError)):
        attempt(seeded, EVENT, values)
    attempt(seeded, EVENT, GOOD)  # the same statement with sound values is taken


def test_an_event_belongs_to_a_change(seeded):
    with pytest.raises(IntegrityError):
        attempt(seeded, EVENT.replace("1, 1, :version", "1, NULL, :version"), GOOD)
    with pytest.raises(IntegrityError):
        attempt(seeded, EVENT.replace("1, 1, :version", "1, 999, :version"), GOOD)


def test_a_change_is_taken_back_at_most_once(seeded):
    ok("update", "1", "--claim", "Reworded")
    ok("undo")
    with pytest.raises(IntegrityError):
        attempt(seeded, "INSERT INTO changes (actor, at, command, undoes) "
                        "SELECT actor, at, 'undo', undoes FROM changes WHERE undoes IS NOT NULL", {})
