"""`tracker review --interactive` in a real pseudo-terminal: the whole queue, with quit and resume."""

import datetime as dt
import os
import sys

import pexpect
import time_machine

from conftest import dump, ok, run, run_json
from test_bad_input import FAILURE, USAGE, assert_clean_failure

MENU = r"\[q\] quit \? "


def sitting() -> pexpect.spawn:
    """`tracker review --interactive` as a user starts it, in its own terminal."""
    child = pexpect.spawn(sys.executable, ["-m", "tracker", "review", "--interactive"], env=dict(os.environ),
                          encoding="utf-8", timeout=20, dimensions=(50, 140))
    return child


def finish(child: pexpect.spawn) -> None:
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before


def seed_forty_days_ago() -> None:
    with time_machine.travel(dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=40)):
        ok("seed")


def queue() -> list[int]:
    return [entry["id"] for entry in run_json("review")]


def test_a_sitting_through_the_whole_queue_with_quit_and_resume(ledger):
    seed_forty_days_ago()
    assert queue() == [1, 2, 3]

    child = sitting()
    child.expect(r"Forecast 1  anchorage-2025/channels\S*\s+\(3 due\)")
    child.expect("Evidence \\(0 standing\\)")
    child.expect(MENU)
    child.send("e")
    child.expect("Evidence summary: ")
    child.sendline("Deconfliction line used over the Baltic")
    child.expect(r"Stance \(supports, contradicts, context\) \[context\]: ")
    child.sendline("supports")
    child.expect(r"URL \(optional\): ")
    child.sendline("")
    child.expect(r"Observed on \[today\]: ")
    child.sendline("")
    child.expect("Added evidence 1 to forecast 1.")
    # Adding evidence is not a review: the same forecast comes back, showing what changed.
    child.expect(r"(?s)Forecast 1 .*?since last review: \+1 evidence")
    child.expect("Deconfliction line used over the Baltic")
    child.expect(MENU)
    child.send("s")
    child.expect("New status .*: ")
    child.sendline("sideways")
    child.expect("Error: 'sideways' is not one of")
    child.sendline("developing")
    child.expect(r"Note \(why\): ")
    child.sendline("the military line works again")
    child.expect(r"Forecast 1 is now developing; it stays in the queue")
    child.expect(r"since last review: \+1 evidence, open → developing")
    child.expect(MENU)
    child.send("x")  # not an action: the menu is asked again
    child.expect(MENU)
    child.send("r")
    child.expect("Reviewed forecast 1; next review on ")
    child.expect(r"Forecast 2  anchorage-2025/technical-agreements\S*\s+\(2 due\)")
    child.expect(MENU)
    child.send("q")
    child.expect("Review sitting over: evidence added 1, status changed 1, reviewed 1. Run it again")
    finish(child)

    # Each action was committed as it was taken.
    assert queue() == [2, 3]
    forecast = run_json("show", "1")
    assert forecast["status"] == "developing" and forecast["evidence"][0]["stance"] == "supports"
    assert [e["kind"] for e in forecast["events"]] == ["created", "evidence_added", "status_changed", "reviewed"]

    # The next sitting resumes with what is left.
    child = sitting()
    child.expect(r"Forecast 2 .*\(2 due\)")
    child.expect(MENU)
    child.send("z")
    child.expect("Snooze until: ")
    child.sendline("someday")
    child.expect("Error: 'someday' is not a date")
    child.sendline("+10d")
    child.expect("Snoozed forecast 2; next review on ")
    child.expect(r"Forecast 3 .*\(1 due\)")
    child.expect(MENU)
    child.send("n")
    child.expect("Review sitting over: snoozed 1, skipped 1. Run it again")
    finish(child)
    assert queue() == [3]

    # Ctrl-D ends a sitting as q does, and a skipped forecast is offered again next time.
    child = sitting()
    child.expect(r"Forecast 3 .*\(1 due\)")
    child.expect(MENU)
    child.sendcontrol("d")
    child.expect("Review sitting over: nothing done.")
    finish(child)

    child = sitting()
    child.expect(r"Forecast 3 ")
    child.expect(MENU)
    child.send("r")
    child.expect("Review sitting over: reviewed 1. Nothing more is due.")
    finish(child)
    assert queue() == []

    child = sitting()
    child.expect("Review sitting over: nothing done. Nothing more is due.")
    finish(child)


def test_a_wrong_answer_is_asked_again_alone_and_the_sitting_goes_on(ledger):
    seed_forty_days_ago()
    child = sitting()
    child.expect(MENU)
    child.send("e")
    child.expect("Evidence summary: ")
    child.sendline("Reported")
    child.expect(r"\[context\]: ")
    child.sendline("")
    child.expect(r"URL \(optional\): ")
    child.sendline("not a url")
    child.expect("Error: 'not a url' is not a web address")
    child.expect(r"URL \(optional\): ")
    child.sendline("https://example.org/report")
    child.expect(r"Observed on \[today\]: ")
    child.sendline("+3d")
    child.expect("is in the future")
    child.expect(r"Observed on \[today\]: ")
    child.sendline("2025-10-02")
    child.expect("Added evidence 1 to forecast 1.")
    child.expect(r"Forecast 1 .*\(3 due\)")
    child.expect(MENU)
    child.send("p")
    child.expect(r"New probability \(or none\): ")
    child.sendline("85")
    child.expect("write 85%")
    child.expect(r"New probability \(or none\): ")
    child.sendline("85%")
    child.expect(r"Why \(note\): ")
    child.sendline("the report is solid")
    child.expect(r"Evidence it rests on \(ids, optional\): ")
    child.sendline("one")
    child.expect("is not a list of evidence ids")
    child.expect(r"Evidence it rests on \(ids, optional\): ")
    child.sendline("1")
    child.expect("Forecast 1 now has probability 85%; it stays in the queue")
    child.expect(r"Forecast 1 .*\(3 due\)")
    child.expect(MENU)
    child.send("s")
    child.expect("New status")
    child.sendline("confirmed")
    child.expect(r"Note \(why\): ")
    child.sendline("")
    child.expect("Forecast 1 is now confirmed; settled, it leaves the queue.")
    child.expect(r"Forecast 2 .*\(2 due\)")
    child.expect(MENU)
    child.sendcontrol("c")
    child.expect("Review sitting over: evidence added 1, probability changed 1, status changed 1. Run it again")
    finish(child)
    shown = run_json("show", "1")
    assert [(e["summary"], e["url"], e["observed_on"]) for e in shown["evidence"]] == [
        ("Reported", "https://example.org/report", "2025-10-02")]
    assert shown["probability"] == 0.85
    edit = [e for e in shown["events"] if e["kind"] == "edited"][0]
    assert (edit["field"], edit["note"], edit["evidence_ids"]) == ("probability", "the report is solid", [1])
    assert queue() == [2, 3]


def test_an_overdue_forecast_reviewed_in_a_sitting_is_not_shown_again_in_it(ledger):
    seed_forty_days_ago()
    ok("update", "1", "--resolve-by", "-1d")
    child = sitting()
    child.expect(r"Forecast 1 .*\(3 due\)")
    child.expect(MENU)
    child.send("r")
    child.expect(r"Forecast 2 .*\(2 due\)")
    child.expect(MENU)
    child.send("q")
    child.expect("Review sitting over: reviewed 1. Run it again")
    finish(child)
    assert queue() == [1, 2, 3]


def test_the_sitting_needs_a_terminal_and_takes_no_other_options(seeded):
    before = dump(seeded)
    assert_clean_failure(run("review", "--interactive"), FAILURE, "needs a terminal")
    assert_clean_failure(run("review", "-i", "1"), USAGE, "takes no ID")
    assert_clean_failure(run("review", "-i", "--limit", "2"), USAGE, "takes no --limit")
    assert_clean_failure(run("review", "-i", "--format", "json"), USAGE, "takes no --format")
    assert_clean_failure(run("review", "-i", "--note", "x"), USAGE, "takes no --note")
    assert dump(seeded) == before
