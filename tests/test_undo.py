"""`tracker undo` takes back the acting user's changes one at a time, newest first, by
recording their reverse: the timeline only ever grows."""

import json

import pytest

from clock import clock  # noqa: F401  (fixture)
from conftest import dump, ok, run, run_json
from test_bad_input import FAILURE, assert_clean_failure

FIELDS = ("claim", "criteria", "probability", "resolve_by", "status", "tags", "review_every",
          "next_review_on", "deleted_at")


def state(forecast_id: str) -> dict:
    forecast = run_json("show", forecast_id)
    return {"fields": {name: forecast[name] for name in FIELDS},
            "evidence": [(e["id"], e["retracted_at"] is not None, e["retraction_reason"]) for e in forecast["evidence"]]}


def event_ids(forecast_id: str) -> list[int]:
    return [event["id"] for event in run_json("history", forecast_id)]


def standing(snapshot: dict) -> dict:
    """The fields and the evidence that stands (not retracted)."""
    return {"fields": snapshot["fields"], "evidence": [e[0] for e in snapshot["evidence"] if not e[1]]}


def test_undo_takes_back_each_kind_of_change_newest_first(ledger, clock):
    ok("seed")
    clock.go(30)
    snapshots = [(state("1"), state("2"))]
    steps = [
        ("evidence", "add", "1", "The deconfliction line was used", "--stance", "supports"),
        ("update", "1", "--status", "developing", "--probability", "60%", "--tag", "hotline",
         "--resolve-by", "2027-01-01", "--criteria", "Sharper"),
        ("review", "1", "--note", "channels work"),
        ("snooze", "2", "--until", "+5d"),
        ("evidence", "retract", "1", "--reason", "misreported"),
        ("update", "1", "--status", "confirmed"),
        ("update", "1", "--status", "open", "--note", "confirmed too early"),
        ("delete", "2", "--reason", "duplicate"),
    ]
    for step in steps:
        ok(*step)
        snapshots.append((state("1"), state("2")))
    events_before = {n: event_ids(n) for n in ("1", "2")}

    messages = []
    for expected in reversed(snapshots[:-1]):
        messages.append(ok("undo").stderr)
        # Each undo brings both forecasts back to where they were before the step it took back.
        assert (standing(state("1")), standing(state("2"))) == (standing(expected[0]), standing(expected[1]))
    assert messages[0].startswith("Undid change ") and "(`delete` of " in messages[0]
    assert "forecast 2: deleted: duplicate" in messages[0]
    assert "status confirmed → open" in messages[1]
    assert "probability: - → 60%" in messages[-2] and "status open → developing" in messages[-2]
    assert messages[-1].rstrip().endswith("evidence #1 added.")

    # Evidence is never deleted: the evidence whose adding was undone stays, retracted.
    [(evidence_id, retracted, reason)] = state("1")["evidence"]
    assert retracted and reason.startswith("takes back tester's addition of evidence #1")
    # Nothing was rewritten: the old events are all still there, followed by the undo records.
    for n in ("1", "2"):
        history = run_json("history", n)
        assert [e["id"] for e in history][:len(events_before[n])] == events_before[n]
        assert {e["kind"] for e in history[len(events_before[n]):]} == {"undone"}
    undone = [e for e in run_json("history", "1") if e["kind"] == "undone"]
    assert [e["field"] for e in undone] == [
        "status", "status", "evidence_retracted", "reviewed", "status", "tags", "criteria", "resolve_by",
        "probability", "evidence_added"]
    assert undone[0] == {**undone[0], "old": "open", "new": "confirmed", "actor": "tester"}
    assert undone[3] == {**undone[3], "old": clock.date(60), "new": clock.date(30)}
    assert undone[-1] == {**undone[-1], "evidence_id": 1}
    # The undone review no longer counts: forecast 1 is due again, never reviewed.
    [entry] = [e for e in run_json("review") if e["id"] == 1]
    assert entry["last_reviewed_at"] is None and entry["status_at_review"] == "open"
    assert "undo: status: open → confirmed: takes back tester's status change of" in ok("history", "1").stdout


def test_undo_of_an_addition_hides_the_forecast(ledger):
    ok("add", "A claim typed twice")
    ok("add", "A claim typed twice")
    assert "forecast 2: created" in ok("undo").stderr
    assert [f["id"] for f in run_json("list")] == [1]
    assert [f["id"] for f in run_json("list", "--deleted")] == [2]
    assert run_json("history", "2")[-1]["field"] == "created"


def test_undo_is_per_user(seeded):
    ok("--as", "alice", "update", "1", "--claim", "Alice's wording")
    ok("--as", "bob", "update", "2", "--claim", "Bob's wording")
    assert "forecast 1: claim:" in ok("--as", "alice", "undo").stderr
    assert run_json("show", "2")["claim"] == "Bob's wording"
    assert run_json("show", "1")["claim"] != "Alice's wording"
    assert run_json("history", "1")[-1]["actor"] == "alice"


def test_undo_refuses_to_overwrite_someone_elses_later_change(seeded):
    ok("--as", "alice", "update", "1", "--status", "developing")
    ok("--as", "bob", "update", "1", "--status", "stalled")
    before = dump(seeded)
    assert_clean_failure(run("--as", "alice", "undo"), FAILURE, "bob has since changed status on forecast 1")
    assert dump(seeded) == before
    # A later change to something else does not stand in the way.
    ok("--as", "alice", "update", "2", "--status", "developing")
    ok("--as", "bob", "update", "2", "--claim", "Bob's wording")
    ok("--as", "alice", "undo")
    forecast = run_json("show", "2")
    assert forecast["status"] == "open" and forecast["claim"] == "Bob's wording"


def test_undo_with_nothing_to_undo(seeded):
    before = dump(seeded)
    assert_clean_failure(run("--as", "newcomer", "undo"), FAILURE, "newcomer has no change left to undo")
    ok("--as", "newcomer", "update", "1", "--claim", "x")
    ok("--as", "newcomer", "undo")
    assert_clean_failure(run("--as", "newcomer", "undo"), FAILURE, "no change left to undo")
    assert_clean_failure(run("undo", "1"), 2, "unexpected extra argument")
    assert_clean_failure(run("undo", "--all"), 2, "No such option")


def test_a_change_someone_else_undid_does_not_block_an_undo(seeded):
    ok("--as", "ana", "update", "1", "--probability", "0.6", "--claim", "B")
    ok("--as", "bob", "update", "1", "--probability", "0.7")
    ok("--as", "bob", "undo")
    ok("--as", "ana", "undo")
    forecast = run_json("show", "1")
    assert forecast["probability"] is None and forecast["claim"].startswith("US–Russia communication")
    ok("doctor")


def racing_undos(ledger, change_id: int) -> list[str]:
    """Two undos of the same change, the second reaching the ledger while the first holds it:
    each returns "ok" or its error."""
    import threading

    from tracker.errors import TrackerError
    from tracker.services.undo import undo_change
    from tracker.storage.database import open_database, transaction

    first_holds, outcomes = threading.Event(), {}

    def attempt(name: str, hold: bool) -> None:
        engine = open_database(ledger.target, write=True, notify=lambda _: None)
        try:
            with transaction(engine) as session:
                undo_change(session, "tester", change_id)
                if hold:
                    first_holds.set()
                    threading.Event().wait(1.0)  # the other undo now waits on the lock
            outcomes[name] = "ok"
        except TrackerError as exc:
            outcomes[name] = str(exc)
        finally:
            first_holds.set()
            engine.dispose()

    first = threading.Thread(target=attempt, args=("first", True))
    first.start()
    first_holds.wait(30)
    second = threading.Thread(target=attempt, args=("second", False))
    second.start()
    first.join(60)
    second.join(60)
    return [outcomes["first"], outcomes["second"]]


def test_two_undos_of_the_same_change_take_it_back_once(seeded):
    ok("update", "1", "--claim", "Reworded")
    planned = ok("undo", "--list", "--format", "json").json()[0]
    assert planned["undoable"] and planned["command"] == "update"
    first, second = racing_undos(seeded, planned["id"])
    assert first == "ok"
    assert f"change {planned['id']}" in second and "nothing was undone" in second
    undos = [e for e in run_json("history", "1") if e["kind"] == "undone"]
    assert len(undos) == 1
    ok("doctor")


def test_undo_list_says_what_can_be_undone_and_why_not(seeded):
    ok("--as", "alice", "update", "1", "--claim", "Alice's words")
    ok("--as", "alice", "update", "2", "--status", "developing")
    ok("--as", "bob", "update", "1", "--claim", "Bob's words")
    listed = ok("--as", "alice", "undo", "--list", "--format", "json").json()
    assert [(c["command"], c["undoable"]) for c in listed[:2]] == [("update", True), ("update", False)]
    assert "bob has since changed claim on forecast 1" in listed[1]["reason"]
    table = ok("--as", "alice", "undo", "--list").stdout
    assert "CHANGE" in table and "no: bob has since changed claim" in table
    # Undo passes over the change bob built on; the one after it is taken back first.
    ok("--as", "alice", "undo")
    assert_clean_failure(run("--as", "alice", "undo"), FAILURE, "bob has since changed claim on forecast 1")
    assert run_json("show", "1")["claim"] == "Bob's words"


def test_an_import_is_one_change_and_undone_whole(seeded, tmp_path):
    path = tmp_path / "new.jsonl"
    path.write_text('{"claim": "First imported"}\n{"claim": "Second imported", "status": "confirmed"}\n',
                    encoding="utf-8")
    ok("import", path)
    [change] = ok("undo", "--list", "--limit", "1", "--format", "json").json()
    assert change["command"] == "import" and change["note"] == f"imported from {path.name}"
    assert change["forecast_ids"] == [4, 5]
    message = ok("undo").stderr
    assert "forecast 4: created" in message and "forecast 5: status open → confirmed" in message
    assert [f["id"] for f in run_json("list")] == [1, 2, 3]
    ok("doctor")


def test_undo_asks_on_a_terminal_and_does_nothing_when_declined(seeded):
    import os
    import sys

    import pexpect

    ok("update", "1", "--claim", "Reworded")
    before = dump(seeded)
    child = pexpect.spawn(sys.executable, ["-m", "tracker", "undo"], env=dict(os.environ), encoding="utf-8",
                          timeout=20, dimensions=(24, 80))
    child.expect("This will take back change 2")
    child.expect("forecast 1: claim:")
    child.expect(r"Undo it\? \[y/N\]")
    child.sendline("n")
    child.expect("Nothing was undone.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert dump(seeded) == before
    child = pexpect.spawn(sys.executable, ["-m", "tracker", "undo"], env=dict(os.environ), encoding="utf-8",
                          timeout=20, dimensions=(24, 80))
    child.expect(r"Undo it\? \[y/N\]")
    child.sendline("y")
    child.expect("Undid change 2")
    child.expect(pexpect.EOF)
    assert run_json("show", "1")["claim"] != "Reworded"


def test_a_ledger_from_before_changes_gets_them_by_actor_and_moment(seeded):
    """0004_changes groups each forecast's events by actor and moment, on both backends."""
    ok("update", "1", "--claim", "Reworded", "--probability", "0.6")
    ok("--as", "bob", "evidence", "add", "1", "Something happened")
    ok("db", "downgrade", "0003_scoring", "--yes")
    ok("db", "upgrade")
    events = run_json("history", "1")
    assert [e["change"] for e in events[1:]] == [events[1]["change"]] * 2 + [events[3]["change"]]
    assert events[3]["change"] > events[1]["change"] > events[0]["change"]
    changes = {c["id"]: c for c in run_json("show", "1")["changes"]}
    assert (changes[events[1]["change"]]["command"], changes[events[3]["change"]]["command"]) == \
        ("update", "evidence add")
    assert changes[events[3]["change"]]["actor"] == "bob"
    ok("doctor")
    assert "forecast 1: claim:" in ok("undo").stderr
    ok("add", "After the upgrade")
    assert run_json("show", "4")["changes"][0]["id"] > max(changes)


def test_history_from_another_tracker_is_brought_by_the_import_and_undone_with_it(ledger, tmp_path):
    """Events that name no change belong to the import's change; their actors stay as given."""
    ok("seed")
    exported = json.loads(ok("export", "--format", "jsonl").stdout.splitlines()[0])
    for event in exported["events"]:
        event.pop("change")
    foreign = {**exported, "key": "elsewhere/1", "id": 77, "changes": None,
               "events": [{**event, "actor": "someone-else"} for event in exported["events"]]}
    foreign["events"][0]["new"]["key"] = "elsewhere/1"
    path = tmp_path / "foreign.jsonl"
    path.write_text(json.dumps(foreign) + "\n", encoding="utf-8")
    ok("import", path)
    shown = run_json("show", "elsewhere/1")
    [change] = shown["changes"]
    assert (change["actor"], change["command"]) == ("tester", "import")
    assert {e["actor"] for e in shown["events"]} == {"someone-else"}
    assert "forecast 77: created" in ok("undo").stderr
    assert run_json("show", "elsewhere/1")["deleted_at"] is not None
    ok("doctor")


def test_undo_reaches_an_older_change_past_one_blocked_and_others_edits_of_other_fields(seeded):
    ok("--as", "alice", "update", "1", "--claim", "Alice's words", "--note", "clearer")
    ok("--as", "alice", "update", "1", "--status", "developing")
    ok("--as", "bob", "update", "1", "--status", "stalled")        # built on alice's status move
    ok("--as", "bob", "update", "1", "--probability", "30%")      # another field of the same forecast
    done = ok("--as", "alice", "undo", "--yes")
    assert done.stderr.startswith("Undid change 2 (`update` of ") and "→ Alice's words: clearer." in done.stderr
    forecast = run_json("show", "1")
    assert forecast["claim"].startswith("US–Russia") and forecast["status"] == "stalled"
    assert forecast["probability"] == 0.3
    assert_clean_failure(run("--as", "alice", "undo"), FAILURE, "bob has since changed status on forecast 1")
    ok("doctor")


def _could_touch(kinds: set[str], fields: set[str], event) -> bool:
    """The condition `later_events` asks the database, as Python."""
    return event.kind in kinds or (event.kind == "undone" and event.field in kinds) or \
        (event.kind in ("edited", "undone") and event.field in fields)


@pytest.mark.sqlite_only
def test_the_events_undo_reads_after_a_change_are_every_one_that_could_touch_it():
    """`later_events` reads only events whose kind or field could touch what the change did.
    Over every kind of event and every field an edit or an undo may name: whenever two events
    change the same thing (as `subject` says), the later one is read; and some are passed over."""
    from tracker.services.undo import subject, touch_alike
    from tracker.storage.models import EDITED_FIELDS, EVENT_KINDS, UNDONE_SUBJECTS, Event

    def made(kind: str, field: str | None) -> Event:
        return Event(kind=kind, field=field, evidence_id=7, actor="ana", new_value=None)

    every = [made("edited", field) for field in EDITED_FIELDS] + \
        [made("undone", field) for field in UNDONE_SUBJECTS] + \
        [made(kind, None) for kind in EVENT_KINDS if kind not in ("edited", "undone")]
    passed_over = 0
    for done in every:
        kinds, fields = touch_alike([done])
        for later in every:
            if subject(later) == subject(done):
                assert _could_touch(kinds, fields, later), (done.kind, done.field, later.kind, later.field)
            passed_over += not _could_touch(kinds, fields, later)
    assert passed_over > len(every) ** 2 / 2
