"""`tracker review --format ics`: reminders for a calendar, read back with a real iCalendar parser."""

import datetime as dt

import icalendar

from clock import clock  # noqa: F401  (fixture)
from conftest import dump, ok, run
from test_bad_input import FAILURE, USAGE, assert_clean_failure

AWKWARD_CLAIM = "Talks resume; then a deal, maybe — with a path C:\\new\\dir, «quotes» and ünïcödé " * 3


def events(text: str) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(text)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_one_event_per_upcoming_review_and_per_deadline(ledger, clock, tmp_path):
    ok("seed")
    ok("add", AWKWARD_CLAIM.strip(), "--key", "awkward", "--resolve-by", clock.date(45), "--review-every", "10",
       "--criteria", "Line one\nline two")
    ok("add", "Settled already", "--resolve-by", clock.date(5))
    ok("update", "5", "--status", "refuted")
    ok("add", "Entered by mistake", "--resolve-by", clock.date(5))
    ok("delete", "6", "--reason", "mistake")
    clock.go(20)
    ok("review", "1")
    ok("snooze", "2", "--until", clock.date(25))

    target = tmp_path / "reviews.ics"
    result = ok("review", "--format", "ics", "-o", str(target))
    assert "4 reviews and 1 deadline." in result.stderr and result.stdout == ""
    raw = target.read_bytes()
    lines = raw.split(b"\r\n")
    assert lines[-1] == b"" and all(len(line) <= 75 for line in lines)
    assert b"\n" not in raw.replace(b"\r\n", b"")

    calendar = icalendar.Calendar.from_ical(raw)
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    found = events(raw)
    assert sorted(found) == sorted([
        "review-anchorage-2025/channels@tracker", "review-anchorage-2025/technical-agreements@tracker",
        "review-anchorage-2025/deterrence-talks@tracker", "review-awkward@tracker", "deadline-awkward@tracker"])
    start = {uid: event.decoded("DTSTART") for uid, event in found.items()}
    assert start["review-anchorage-2025/channels@tracker"] == dt.date.fromisoformat(clock.date(50))
    assert start["review-anchorage-2025/technical-agreements@tracker"] == dt.date.fromisoformat(clock.date(25))
    assert start["review-anchorage-2025/deterrence-talks@tracker"] == dt.date.fromisoformat(clock.date(30))
    # Already due (day 10): the reminder is today, not in the past.
    assert start["review-awkward@tracker"] == dt.date.fromisoformat(clock.date(20))
    assert start["deadline-awkward@tracker"] == dt.date.fromisoformat(clock.date(45))
    for event in found.values():
        assert event.decoded("DURATION") == dt.timedelta(days=1)
        assert event.decoded("DTSTAMP").tzinfo is not None
    deadline = found["deadline-awkward@tracker"]
    assert str(deadline["SUMMARY"]).startswith("Deadline of forecast 4: Talks resume; then a deal, maybe")
    description = str(deadline["DESCRIPTION"])
    assert description.startswith(AWKWARD_CLAIM.strip() + "\n\nCriteria: Line one\nline two\nStatus: open")
    assert "tracker update 4 --status" in description
    assert "tracker review 1" in str(found["review-anchorage-2025/channels@tracker"]["DESCRIPTION"])

    # Written to standard output without -o, the same calendar apart from its time stamps.
    assert sorted(events(ok("review", "--format", "ics").stdout)) == sorted(found)


def test_an_empty_ledger_gives_an_empty_calendar(ledger):
    calendar = icalendar.Calendar.from_ical(ok("review", "--format", "ics").stdout)
    assert calendar.walk("VEVENT") == []


def test_bad_calendar_options_change_nothing(seeded, tmp_path):
    before = dump(seeded)
    cases = [
        (["review", "--format", "ics", "-o", str(tmp_path)], USAGE, "is a directory"),
        (["review", "--format", "ics", "-o", str(tmp_path / "missing" / "r.ics")], FAILURE, "cannot write"),
        (["review", "--format", "ics", "--limit", "1"], USAGE, "--limit goes with the queue"),
        (["review", "-o", str(tmp_path / "r.ics")], USAGE, "-o/--output goes with --format ics"),
        (["review", "--format", "json", "-o", str(tmp_path / "r.ics")], USAGE, "goes with --format ics"),
        (["review", "1", "--format", "ics"], USAGE, "--format go with the queue"),
        (["review", "--format", "ical"], USAGE, "'ical' is not one of"),
        (["review", "--format", "ics", "-o"], USAGE, "requires an argument"),
    ]
    for args, code, text in cases:
        assert_clean_failure(run(*args), code, text)
    assert not (tmp_path / "r.ics").exists()
    assert dump(seeded) == before


def test_the_last_day_of_the_calendar_is_a_valid_reminder(seeded):
    ok("update", "1", "--resolve-by", "9999-12-31")
    text = ok("review", "--format", "ics").stdout
    assert "DTSTART;VALUE=DATE:99991231" in text
