"""Commands that show rows without end read and write them a page at a time: what they print
is the same whatever the page size, in every format, on both backends. Nothing here is timed;
the pages are made tiny so that a small ledger spans many of them."""

import pytest

from clock import clock  # noqa: F401  (fixture)
from conftest import ok
from tracker.services import forecasts, reviews

FORMATS = ("table", "json", "jsonl", "csv")


def outputs(*args: str) -> dict[str, str]:
    return {fmt: ok(*args, "--format", fmt).stdout for fmt in FORMATS}


@pytest.fixture
def crowded_queue(seeded, clock):
    """Forecasts of every active status due for review, with ties on the due date, some past
    their deadline, some reviewed or snoozed since, and a settled and a deleted one left out."""
    for number in range(14):
        ok("add", f"Claim {number}", "--review-every", str(3 + number % 4),
           *(["--resolve-by", clock.date(5)] if number % 3 == 0 else []))
    for forecast, status in ((4, "developing"), (5, "stalled"), (7, "developing"), (9, "stalled"),
                             (10, "confirmed")):
        ok("update", str(forecast), "--status", status)
    ok("delete", "11", "--reason", "entered twice")
    ok("evidence", "add", "6", "A sign")
    clock.go(4)
    ok("review", "8")
    ok("snooze", "12", "--until", clock.date(6))
    clock.go(40)
    return seeded


def test_the_review_queue_is_the_same_in_pages_of_any_size(crowded_queue, monkeypatch):
    whole = outputs("review")
    assert len(ok("review", "--format", "jsonl").stdout.splitlines()) >= 12
    for page in (1, 2, 5):
        monkeypatch.setattr(reviews, "PAGE", page)
        assert outputs("review") == whole, page
    # The page of `--limit` is the queue's head, read without paging.
    assert ok("review", "--limit", "5", "--format", "jsonl").stdout.splitlines() == whole["jsonl"].splitlines()[:5]


def test_an_empty_queue_streams_as_an_empty_list(seeded):
    assert ok("review", "--format", "json").stdout.strip() == "[]"
    assert ok("review", "--format", "jsonl").stdout == ""
    assert "Nothing is due for review." in ok("review").stderr


def test_a_long_history_and_show_are_the_same_in_pages_of_any_size(seeded, clock, monkeypatch):
    ok("update", "1", "--probability", "0.3", "--tag", "paged")
    ok("evidence", "add", "1", "News")
    ok("update", "1", "--status", "developing", "--note", "a sign", "--evidence", "1")
    for day in range(1, 8):
        clock.go(day * 40)
        ok("review", "1")
    ok("update", "2", "--status", "confirmed", "--note", "it happened")  # a change of another forecast
    whole = {command: outputs(command, "1") for command in ("history", "show")}
    assert len(ok("history", "1", "--format", "jsonl").stdout.splitlines()) > 10
    for page in (1, 3):
        monkeypatch.setattr(forecasts, "PAGE", page)
        assert {command: outputs(command, "1") for command in ("history", "show")} == whole, page


def test_the_streamed_json_is_laid_out_as_a_list_is(seeded):
    """The streamed JSON of a history parses to its rows, and `show` (not streamed) holds the same events."""
    import json

    streamed = json.loads(ok("history", "1", "--format", "json").stdout)
    shown = json.loads(ok("show", "1", "--format", "json").stdout)["events"]
    assert streamed == shown
    assert ok("history", "1", "--format", "json").stdout.startswith("[\n  {\n    \"id\": ")
