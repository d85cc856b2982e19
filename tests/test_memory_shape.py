"""Whole-ledger reads whose memory must not grow with what they read: the memory Python
allocates for a read of a small ledger (or timeline) and of one several times larger, traced
in-process, differs by far less than what keeping each forecast (or event) would cost. Nothing
is timed; bench/run.py measures the real commands' memory against the seed ledger's."""

import contextlib
import os
import shutil
import tracemalloc

import pytest
from sqlalchemy import select

from conftest import ok
from test_bench import generate
from test_score_listing import fill
from tracker.cli import output
from tracker.cli.context import Ledger
from tracker.cli.output import emit
from tracker.services import doctor, encodings, imports, long_lines, objects, readers, replay, scorecards
from tracker.services.scorecards import ScoreRequest, score_ledger
from tracker.storage.models import Forecast

pytestmark = pytest.mark.sqlite_only

# What a read may keep per forecast or event it reads, at most, in bytes: a listed forecast's
# entry costs several hundred, an event folded and kept about as much.
ALLOWED_PER_ITEM = 150


def traced_peak(read) -> int:
    """The most memory Python held at once, over what it held before, while `read()` ran."""
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        read()
        return tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()


def listing_peak(target: str, by: str | None) -> int:
    def listing() -> None:
        with Ledger(target=target, actor="reader").session(write=False) as session:
            result = score_ledger(session, ScoreRequest(by=by))
        with open(os.devnull, "w") as nowhere, contextlib.redirect_stdout(nowhere):
            emit(result, "json", str)
    return traced_peak(listing)


@pytest.mark.parametrize("by", [None, "source", "tag"])
def test_the_json_of_score_holds_no_listing_of_the_ledger(ledger, monkeypatch, by):
    monkeypatch.setattr(scorecards, "BATCH", 20)
    monkeypatch.setattr(output, "_RUN", 2)  # JSON encodes plain items a bounded run at a time
    fill(ledger.target, repeat=5)
    listing_peak(ledger.target, by)  # caches of the first read are made here
    small = listing_peak(ledger.target, by)
    fill(ledger.target, repeat=25)
    resolved = 25 * 8  # the forecasts of FORECASTS resolved, each in one to three groups
    assert listing_peak(ledger.target, by) - small < resolved * ALLOWED_PER_ITEM


def test_doctor_folds_a_long_timeline_in_the_memory_of_a_page(seeded, monkeypatch):
    monkeypatch.setattr(doctor, "EVENTS_PER_BATCH", 50)  # a longer timeline is read a page at a time
    monkeypatch.setattr(replay, "IDS_PER_QUERY", 20)  # of 20 events
    with Ledger(target=seeded.target, actor="reader").session(write=False) as session:
        forecast_id = session.scalars(select(Forecast.id).where(Forecast.status == "open")).first()

    def checked() -> int:
        problems = []
        with Ledger(target=seeded.target, actor="reader").session(write=False) as session:
            peak = traced_peak(lambda: problems.extend(doctor.timelines_explain_the_ledger(session)))
        assert problems == []
        return peak

    generate.lengthen(seeded.path, forecast_id, 100)
    checked()  # caches of the first check are made here
    short = checked()
    generate.lengthen(seeded.path, forecast_id, 1500)
    assert checked() - short < 1500 * ALLOWED_PER_ITEM


def test_a_long_timeline_is_restored_holding_its_rows_a_part_at_a_time(seeded, sqlite_template, tmp_path,
                                                                       monkeypatch):
    """Restoring a forecast of thousands of events into an empty ledger keeps its line in a
    temporary file while the line is checked and written, its timeline decoded only a page at a
    time, and its rows held only a part at a time."""
    monkeypatch.setattr(imports.Restorer, "PENDING_ROWS", 200)
    monkeypatch.setattr(objects, "LONG_LINE", 100_000)
    monkeypatch.setattr(objects.RawEntries, "PAGE", 200)
    monkeypatch.setattr(readers, "LINE_PART", 20_000)
    monkeypatch.setattr(long_lines, "PART", 20_000)  # a long line is kept in a file, read a part at a time
    monkeypatch.setattr(encodings, "CHUNK", 20_000)  # the check of the file's encoding reads parts this long
    exported = tmp_path / "ledger.jsonl"

    def restored() -> int:
        ok("export", "-o", str(exported))
        target = tmp_path / "restored.db"
        shutil.copyfile(sqlite_template, target)
        peak = traced_peak(lambda: ok("--db", str(target), "import", str(exported)))
        assert ok("--db", str(target), "export", "--format", "jsonl").stdout == exported.read_text()
        return peak

    generate.lengthen(seeded.path, 1, 100, actor="tester")
    restored()  # caches of the first import are made here
    short = restored()
    generate.lengthen(seeded.path, 1, 3000, actor="tester")
    grown_per_event = (restored() - short) / 3000
    # The line is kept in a temporary file: what grows is where each event and its change are in
    # it (16 bytes), their ids as they are written (16) and the change ids while they are checked
    # (8), some 75 bytes an event. Held in memory, the line took 360 more and a Raw for each entry
    # 110; decoded whole, the timeline took about 900 more.
    assert grown_per_event < 150


def test_the_json_of_score_by_a_group_holds_each_card_only_as_it_is_written(ledger):
    """Thousands of groups (a ledger's sources): each group keeps its running sums while the
    ledger is read (about 2.5 kB), not its finished card too (about 7 kB with both)."""
    def add(count: int, first: int) -> None:
        fill(ledger.target, [("ana", {"title": f"Source {first + n}"}, ("t",), 0.7, ("confirmed",))
                             for n in range(count)])

    add(50, 0)
    listing_peak(ledger.target, "source")  # caches of the first read are made here
    few = listing_peak(ledger.target, "source")
    add(450, 50)
    many = listing_peak(ledger.target, "source")
    assert (many - few) / 450 < 4000
