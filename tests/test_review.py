"""The review queue over several review cycles, with the clock moved day by day."""

from clock import clock  # noqa: F401  (fixture)
from conftest import dump, ok, run, run_json
from test_bad_input import FAILURE, USAGE, assert_clean_failure


def queue() -> list[int]:
    return [entry["id"] for entry in run_json("review")]


def due() -> list[int]:
    return [entry["id"] for entry in run_json("list", "--due")]


def test_review_cycles_of_the_seeded_forecasts(ledger, clock):
    ok("seed")
    assert queue() == [] and due() == []
    assert "Nothing is due for review." in ok("review").stderr
    clock.go(29)
    assert queue() == []

    clock.go(30)
    entries = run_json("review")
    assert [e["id"] for e in entries] == [1, 2, 3] == due()
    for entry in entries:
        assert entry["next_review_on"] == clock.date(30)
        assert entry["last_reviewed_at"] is None and entry["days_since_review"] == 30
        assert entry["status_at_review"] == "open" and entry["evidence_since_review"] == []
        assert entry["deadline_passed"] is False

    assert "next review on " + clock.date(60) in ok("review", "1", "--note", "nothing new").stderr
    assert "next review on " + clock.date(45) in ok("snooze", "2", "--until", clock.date(45)).stderr
    # Working on a forecast is not reviewing it: 3 stays in the queue, showing what changed.
    ok("evidence", "add", "3", "Deterrence raised at the ministerial", "--stance", "supports")
    ok("update", "3", "--status", "developing", "--probability", "40%")
    [entry] = run_json("review")
    assert entry["id"] == 3
    assert entry["status"] == "developing" and entry["status_at_review"] == "open"
    assert entry["evidence_since_review"] == [1]
    assert "+1 evidence, open → developing" in ok("review").stdout

    clock.go(44)
    assert queue() == [3]
    clock.go(45)
    assert queue() == [3, 2]  # the longest waiting first
    clock.go(60)
    assert queue() == [3, 2, 1] and due() == [1, 2, 3]
    for forecast_id in (1, 2, 3):
        ok("review", str(forecast_id))
    assert queue() == []

    clock.go(89)
    assert queue() == []
    clock.go(90)
    entries = run_json("review")
    assert [e["id"] for e in entries] == [1, 2, 3]
    for entry in entries:
        assert entry["days_since_review"] == 30 and entry["last_reviewed_at"].startswith(clock.date(60))
        assert entry["evidence_since_review"] == []
    assert entries[2]["status_at_review"] == "developing"
    assert run_json("review", "--limit", "2") == entries[:2]

    history = run_json("history", "1")
    assert [(e["kind"], e.get("old"), e.get("new")) for e in history[1:]] == [
        ("reviewed", clock.date(30), clock.date(60)), ("reviewed", clock.date(60), clock.date(90))]
    assert history[1]["note"] == "nothing new"
    assert [e["kind"] for e in run_json("history", "2")[1:]] == ["snoozed", "reviewed"]


def test_the_review_interval_is_the_forecasts_own(ledger, clock):
    ok("add", "Weekly question", "--review-every", "7")
    clock.go(7)
    assert queue() == [1]
    ok("update", "1", "--review-every", "3")
    ok("review", "1")
    clock.go(9)
    assert queue() == []
    clock.go(10)
    assert queue() == [1]


def test_snoozed_forecasts_return_on_their_date_and_can_be_brought_forward(ledger, clock):
    ok("seed")
    moved = ok("snooze", "1", "--until", "+10d", "--note", "waiting for the talks")
    assert moved.stderr == (f"Snoozed forecast 1: its next review moved EARLIER, to {clock.date(10)}, from "
                            f"{clock.date(30)}; `tracker undo` takes that back.\n")
    assert ok("snooze", "2", "--until", "today").stderr.startswith("Snoozed forecast 2")
    assert queue() == [2]
    result = ok("snooze", "2", "--until", "today")
    assert "already due for review on" in result.stderr
    clock.go(9)
    assert queue() == [2]
    clock.go(10)
    assert queue() == [2, 1]
    event = run_json("history", "1")[-1]
    assert event == {**event, "kind": "snoozed", "field": "next_review_on", "old": clock.date(30),
                     "new": clock.date(10), "note": "waiting for the talks"}


def test_deadlines_passed_come_first_and_are_marked(ledger, clock):
    ok("seed")
    ok("add", "Ceasefire by summer", "--resolve-by", clock.date(20), "--review-every", "60")
    ok("add", "Settled early", "--resolve-by", clock.date(10))
    ok("update", "5", "--status", "confirmed")
    clock.go(15)
    assert [f["id"] for f in run_json("list", "--overdue")] == []
    clock.go(30)
    assert [f["id"] for f in run_json("list", "--overdue")] == [4]
    # 4 is past its deadline: it comes first, though its next review is a month away.
    assert queue() == [4, 1, 2, 3] and due() == [1, 2, 3, 4]
    assert "OVERDUE" in ok("list").stdout.splitlines()[4]
    assert "OVERDUE" not in "".join(ok("list").stdout.splitlines()[:4] + ok("list").stdout.splitlines()[5:])
    assert run_json("stats")["due_for_review"] == 4
    # Reviewing or snoozing it does not take it out of the queue while it stays overdue.
    ok("review", "4")
    snoozed = ok("snooze", "4", "--until", "+70d")
    assert "stays in the review queue while it is past its resolve-by date" in snoozed.stderr
    entries = run_json("review")
    assert [e["id"] for e in entries] == [4, 1, 2, 3]
    assert entries[0]["deadline_passed"] is True
    assert "OVERDUE Ceasefire by summer" in ok("review").stdout
    assert [f["id"] for f in run_json("list", "--due", "--overdue")] == [4]
    ok("update", "4", "--status", "refuted")
    assert queue() == [1, 2, 3] and run_json("list", "--overdue") == []


def test_a_snooze_says_when_it_brings_a_review_forward(ledger, clock):
    ok("add", "Quarterly question", "--review-every", "90")
    assert ok("snooze", "1", "--until", "+100d").stderr == f"Snoozed forecast 1; next review on {clock.date(100)}.\n"
    assert "EARLIER" in ok("snooze", "1", "--until", "+95d").stderr
    assert run_json("show", "1")["next_review_on"] == clock.date(95)


def test_a_settled_forecast_has_no_next_review(ledger, clock):
    ok("add", "Settles soon", "--resolve-by", "+5d")
    ok("add", "Stays open")
    ok("update", "1", "--status", "confirmed")
    shown = run_json("show", "1")
    assert shown["next_review_on"] is None
    assert "none: settled forecasts are not reviewed" in ok("show", "1").stdout
    assert "next on" not in ok("show", "1").stdout
    assert [f["next_review_on"] for f in run_json("list")] == [None, clock.date(30)]
    assert run_json("list", "--as-of", "today")[0]["next_review_on"] is None
    assert run_json("show", "1", "--as-of", "today")["next_review_on"] is None
    clock.go(40)
    assert queue() == [2]
    # Reopened, it is due again from the date it kept.
    ok("update", "1", "--status", "open", "--note", "the deal fell through")
    assert run_json("show", "1")["next_review_on"] == clock.date(30)
    assert queue() == [1, 2]


def test_queue_formats(seeded):
    ok("snooze", "1", "--until", "today")
    assert len(ok("review", "--format", "jsonl").stdout.splitlines()) == 1
    csv_lines = ok("review", "--format", "csv").stdout.splitlines()
    assert csv_lines[0].startswith("id,key,") and "days_since_review" in csv_lines[0]
    assert len(csv_lines) == 2


def test_bad_review_and_snooze_input_changes_nothing(seeded):
    ok("update", "3", "--status", "confirmed")
    ok("delete", "2", "--reason", "duplicate")
    cases = [
        (["review", "999"], FAILURE, "no forecast with id or key '999'"),
        (["review", "2"], FAILURE, "forecast 2 is deleted"),
        (["review", "3"], FAILURE, "forecast 3 is confirmed, a final status"),
        (["review", "--note", "x"], USAGE, "--note goes with ID"),
        (["review", "1", "--limit", "3"], USAGE, "--limit go with the queue"),
        (["review", "1", "--format", "json"], USAGE, "--format go with the queue"),
        (["review", "--limit", "-1"], USAGE, "--limit"),
        (["review", "--limit", "many"], USAGE, "'many' is not a valid integer"),
        (["review", "--format", "xml"], USAGE, "'xml' is not one of"),
        (["review", "1", "2"], USAGE, "unexpected extra argument"),
        (["review", "--frobnicate"], USAGE, "No such option"),
        (["snooze", "1"], USAGE, "Missing option '--until'"),
        (["snooze", "--until", "+3d"], USAGE, "Missing argument 'ID'"),
        (["snooze", "1", "--until", "someday"], USAGE, "'someday' is not a date"),
        (["snooze", "1", "--until", "2026-02-30"], USAGE, "not a real date"),
        (["snooze", "1", "--until", "-1d"], FAILURE, "is in the past"),
        (["snooze", "999", "--until", "+3d"], FAILURE, "no forecast"),
        (["snooze", "2", "--until", "+3d"], FAILURE, "forecast 2 is deleted"),
        (["snooze", "3", "--until", "+3d"], FAILURE, "a final status"),
        (["list", "--due", "--overdue", "--sort", "x"], USAGE, "'x' is not one of"),
        (["list", "--due=yes"], USAGE, "does not take a value"),
    ]
    before = dump(seeded)
    for args, code, text in cases:
        assert_clean_failure(run(*args), code, text)
    assert dump(seeded) == before
