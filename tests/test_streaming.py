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


def timelines_story(clock) -> None:
    """Forecasts whose timelines cross pages: edits, evidence cited by a status change and an
    estimate, reviews, an undo, and a change that touches two forecasts' rows in one command."""
    ok("update", "1", "--probability", "0.3", "--tag", "paged")
    ok("evidence", "add", "1", "News")
    ok("update", "1", "--status", "developing", "--note", "a sign", "--evidence", "1")
    ok("--as", "ana", "forecast", "1", "40%", "--evidence", "1")
    for day in range(1, 6):
        clock.go(day * 40)
        ok("review", "1")
        ok("review", "3")
    ok("update", "2", "--status", "confirmed", "--note", "it happened")
    ok("undo")
    ok("evidence", "add", "3", "Another sign")


def exports() -> dict[str, str]:
    return {fmt: ok("export", "--format", fmt).stdout for fmt in ("json", "jsonl", "markdown")}


def test_an_export_is_the_same_in_pages_and_batches_of_any_size(seeded, clock, monkeypatch):
    from tracker.services import export

    timelines_story(clock)
    whole = exports()
    for page, batch in ((1, 1), (2, 2), (3, 500), (1000, 1)):
        monkeypatch.setattr(export, "PAGE", page)
        monkeypatch.setattr(export, "BATCH", batch)
        assert exports() == whole, (page, batch)
    # Each forecast's events and changes are those `show` reads its own way.
    import json

    for record in json.loads(whole["json"])["forecasts"]:
        shown = json.loads(ok("show", str(record["id"]), "--format", "json").stdout)
        assert (record["events"], record["changes"]) == (shown["events"], shown["changes"])


def lengthen(ledger, forecast_id: int, reviews: int) -> None:
    """Append `reviews` reviews to an active forecast by SQL, as the benchmark does."""
    from test_bench import generate

    generate.lengthen(ledger.path, forecast_id, reviews, actor="tester")


@pytest.mark.sqlite_only
def test_a_timeline_of_thousands_of_events_is_exported_as_a_whole_one_would_be(seeded, monkeypatch):
    import json

    from tracker.services import export

    ok("evidence", "add", "1", "News")
    ok("update", "1", "--status", "developing", "--note", "a sign", "--evidence", "1")
    lengthen(seeded, 1, 3_000)
    ok("--as", "ana", "forecast", "1", "40%", "--evidence", "1")
    text, lines = ok("export", "--format", "json").stdout, ok("export", "--format", "jsonl").stdout
    records = json.loads(text)["forecasts"]
    assert len(records[0]["events"]) == 3_004 and len(records[0]["changes"]) == 3_004
    # The text of the whole document encoded at once, and of each record.
    assert text == json.dumps({"version": 1, "forecasts": records}, indent=2, ensure_ascii=False) + "\n"
    assert lines.splitlines() == [json.dumps(record, ensure_ascii=False) for record in records]
    shown = json.loads(ok("show", "1", "--format", "json").stdout)
    assert (records[0]["events"], records[0]["changes"]) == (shown["events"], shown["changes"])
    monkeypatch.setattr(export, "PAGE", 7)
    assert ok("export", "--format", "json").stdout == text


def peak_bytes(*args: str) -> int:
    """The most memory the command held (traced by Python, so the same from run to run)."""
    import tracemalloc

    tracemalloc.start()
    try:
        ok(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


LONG = 20_000


@pytest.mark.sqlite_only
def test_a_long_timeline_does_not_raise_the_peak_of_export_and_report(seeded, tmp_path):
    """A forecast of 20,000 reviews costs the export a page of them and the report the fold's
    steps too, not the timeline's records, changes and lines: measured against the same ledger
    with 100 reviews."""
    commands = {"jsonl": ("export", "--format", "jsonl", "-o", str(tmp_path / "out.jsonl")),
                "markdown": ("export", "--format", "markdown", "-o", str(tmp_path / "out.md")),
                "report": ("report", "--all", "--format", "html", "-o", str(tmp_path / "out.html"))}
    lengthen(seeded, 1, 100)
    for command in commands.values():  # what a first run does once (imports, compiled queries) is not measured
        ok(*command)
    short = {name: peak_bytes(*command) for name, command in commands.items()}
    lengthen(seeded, 1, LONG - 100)
    long = {name: peak_bytes(*command) for name, command in commands.items()}
    grown = {name: (long[name] - short[name]) / 1e6 for name in commands}
    # The whole timeline read at once took 45 to 70 MB more. A page of records is 2 to 3 MB;
    # the fold's steps (the report's chart) about 600 bytes each.
    assert grown["jsonl"] < 5 and grown["markdown"] < 5, grown
    assert grown["report"] < 5 + LONG * 600 / 1e6, grown
