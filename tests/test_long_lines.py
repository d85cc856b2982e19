"""A long line of an import (objects.LONG_LINE bytes or more) keeps its timeline as raw JSON and
decodes it a page at a time, each time it is read: restored, it makes the same ledger, and
refused, the same complaint, as a line decoded whole."""

import codecs
import json
import shutil
import sqlite3

import pytest

from conftest import dump, ok, run
from test_bench import generate
from test_import_errors import CASES, FULL, FULL_EVENT, lines
from tracker.services import imports, long_lines, objects, readers


def read_lazily(monkeypatch, page: int, spooled: bool = False) -> None:
    """Every line long; `spooled`, each kept in a temporary file as a long line read from a file is."""
    monkeypatch.setattr(objects, "LONG_LINE", 1)
    monkeypatch.setattr(objects.RawEntries, "PAGE", page)
    if spooled:
        monkeypatch.setattr(readers, "LINE_PART", 16)
        monkeypatch.setattr(long_lines, "PART", 16)


@pytest.mark.parametrize("page,spooled", [(1, False), (7, False), (1000, False), (7, True)])
def test_a_long_timeline_read_a_page_at_a_time_is_restored_as_it_was(ledger, sqlite_template, tmp_path, monkeypatch,
                                                                     page, spooled):
    source = tmp_path / "source.db"
    shutil.copyfile(sqlite_template, source)
    ok("--db", source, "seed")
    for n in (1, 2):
        ok("--db", source, "evidence", "add", "1", f"Piece {n}")
    with sqlite3.connect(source) as conn:
        cited = [row[0] for row in conn.execute("SELECT id FROM evidence WHERE forecast_id = 1 ORDER BY id")]
    ok("--db", source, "update", "1", "--probability", "0.4", "--evidence", cited[-1], "--evidence", cited[-2])
    generate.lengthen(source, 1, 40, actor="tester")
    exported = ok("--db", source, "export", "--format", "jsonl").stdout
    (tmp_path / "ledger.jsonl").write_text(exported)
    read_lazily(monkeypatch, page, spooled)
    ok("import", tmp_path / "ledger.jsonl")
    assert ok("export", "--format", "jsonl").stdout == exported
    assert "problem" not in ok("doctor").stdout


FULL_CASES = [(case[0], case[2], case[4]) for case in CASES if b'"events"' in case[2]]
BROKEN_ENTRIES = [
    ("event actor a number", {**FULL, "events": [{**FULL_EVENT, "actor": 7}]}, "field 'events[0].actor': must be text"),
    ("event without kind", {**FULL, "events": [{k: v for k, v in FULL_EVENT.items() if k != "kind"}]},
     "field 'kind': is missing"),
    ("event note with NUL", {**FULL, "events": [{**FULL_EVENT, "note": "a\u0000b"}]},
     "field 'events[0].note': holds a NUL character"),
    ("NUL in a list of an event", {**FULL, "events": [{**FULL_EVENT, "new": {**FULL_EVENT["new"], "tags": ["a\u0000"]}}]},
     "field 'events[0].new.tags[0]': holds a NUL character"),
    ("change at the calendar's edge", {**FULL, "events": [{**FULL_EVENT, "change": 1}], "changes": [
        {"id": 1, "actor": "ana", "at": "0001-01-01T00:00:00+00:00", "command": "add"}]},
     "field 'changes[0].at': 0001-01-01T00:00:00+00:00 is too near the edge of the calendar"),
    ("change without command", {**FULL, "events": [{**FULL_EVENT, "change": 1}], "changes": [
        {"id": 1, "actor": "ana", "at": "2026-01-01T10:00:00+00:00"}]}, "field 'command': is missing"),
    ("change listed twice", {**FULL, "events": [{**FULL_EVENT, "change": 1}], "changes": [
        {"id": 1, "actor": "ana", "at": "2026-01-01T10:00:00+00:00", "command": "add"}] * 2},
     "field 'changes': lists a change twice"),
    ("third event bad", {**FULL, "version": 3, "events": [
        FULL_EVENT, {**FULL_EVENT, "id": 2, "version": 2, "kind": "reviewed"},
        {**FULL_EVENT, "id": 3, "version": 3, "at": "soon"}]}, "field 'events[2].at': is not a timestamp"),
]


@pytest.mark.sqlite_only
@pytest.mark.parametrize("content,text", [case[1:] for case in FULL_CASES]
                         + [(lines(case[1]), case[2]) for case in BROKEN_ENTRIES],
                         ids=[case[0] for case in FULL_CASES + BROKEN_ENTRIES])
def test_a_bad_long_line_is_refused_with_the_complaint_of_a_line_read_whole(seeded, tmp_path, monkeypatch, content,
                                                                            text):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    before = dump(seeded)
    whole = run("import", path)
    assert whole.exit_code == 1 and whole.stderr.startswith("Error: ") and text in whole.stderr
    for page, spooled in ((1, False), (2, False), (2, True)):
        read_lazily(monkeypatch, page, spooled)
        paged = run("import", path)
        assert (paged.exit_code, paged.stderr) == (whole.exit_code, whole.stderr), spooled
        assert dump(seeded) == before


@pytest.mark.sqlite_only
def test_text_of_an_entry_that_is_not_utf8_is_refused_as_when_read_whole(seeded, tmp_path, monkeypatch):
    """Read as raw_unicode_escape, `\\ud800` becomes a lone surrogate, not UTF-8 once encoded again:
    skipping over an entry lets it pass, decoding the entry finds it."""
    path = tmp_path / "escaped.jsonl"
    path.write_text(json.dumps({**FULL, "events": [{**FULL_EVENT, "note": "\ud800"}]}) + "\n")
    whole = run("import", "--encoding", "raw_unicode_escape", path)
    assert whole.exit_code == 1 and "line 1: not valid JSON" in whole.stderr
    for spooled in (False, True):  # lines in another encoding are read whole: never spooled
        read_lazily(monkeypatch, 1, spooled)
        paged = run("import", "--encoding", "raw_unicode_escape", path)
        assert (paged.exit_code, paged.stderr) == (whole.exit_code, whole.stderr)


@pytest.mark.sqlite_only
def test_a_batch_ends_at_each_long_line(monkeypatch):
    """Objects of long lines hold their lines until written: a batch holds one at most."""
    short = json.dumps({"claim": "Short"}).encode()
    full = json.dumps(FULL).encode()
    monkeypatch.setattr(objects, "LONG_LINE", len(full))
    read = [objects.decode_forecast_line(f"line {n}", line) for n, line in enumerate([short, full, full, short, short, full])]
    assert [[item.where for item in batch] for batch in imports._batches(iter(read))] == [
        ["line 0", "line 1"], ["line 2"], ["line 3", "line 4", "line 5"]]


@pytest.mark.sqlite_only
def test_a_file_of_only_a_byte_order_mark_imports_nothing(seeded, tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(codecs.BOM_UTF8)
    before = dump(seeded)
    assert "0 added" in ok("import", path).stderr
    assert dump(seeded) == before


@pytest.mark.sqlite_only
def test_a_long_line_is_read_as_the_same_line_read_whole(monkeypatch):
    """A deadline before the question's own date is kept as its timeline has it, read whole or in
    pages (a flag is added only to an object without a timeline)."""
    early = {**FULL, "made_on": "2026-01-05", "resolve_by": "2026-01-02",
             "events": [{**FULL_EVENT, "new": {**FULL_EVENT["new"], "made_on": "2026-01-05", "resolve_by": "2026-01-02"}}]}
    line = json.dumps(early).encode()
    whole = objects.decode_forecast_line("line 1", line)
    read_lazily(monkeypatch, 1)
    paged = objects.decode_forecast_line("line 1", line)
    assert paged.long and not whole.long
    assert (paged.tags, list(paged.events)) == (whole.tags, list(whole.events)) == ([], whole.events)


@pytest.mark.sqlite_only
def test_an_entry_nested_too_deeply_is_refused_as_when_read_whole(seeded, tmp_path, monkeypatch):
    path = tmp_path / "deep.jsonl"
    path.write_bytes(json.dumps(FULL)[:-1].encode() + b', "changes": [' + b"[" * 5000 + b"]" * 5000 + b"]}\n")
    whole = run("import", path)
    assert whole.exit_code == 1 and "nests arrays or objects too deeply" in whole.stderr
    for spooled in (False, True):
        read_lazily(monkeypatch, 1, spooled)
        paged = run("import", path)
        assert (paged.exit_code, paged.stderr) == (whole.exit_code, whole.stderr)
