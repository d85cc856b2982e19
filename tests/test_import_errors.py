"""Malformed import files: each is refused with `Error:` naming where and what, and the ledger
stays exactly as it was, whatever the import had already done before it met the bad record."""

import json

import pytest

from conftest import dump, ok, run, run_json
from test_bad_input import assert_clean_failure

FAILURE, USAGE = 1, 2

GOOD = {"claim": "A good forecast", "key": "good"}
FULL_EVENT = {"id": 1, "forecast_id": 1, "version": 1, "at": "2026-01-01T10:00:00+00:00", "actor": "ana",
              "kind": "created", "new": {"key": "full", "claim": "Restored", "criteria": None, "made_on": "2026-01-01",
                                         "resolve_by": None, "probability": None, "status": "open", "tags": [],
                                         "review_every": 30, "next_review_on": "2026-01-31"}}
FULL = {"id": 1, "key": "full", "claim": "Restored", "criteria": None, "source": None, "made_on": "2026-01-01",
        "resolve_by": None, "probability": None, "status": "open", "tags": [], "review_every": 30,
        "next_review_on": "2026-01-31", "created_at": "2026-01-01T10:00:00+00:00",
        "updated_at": "2026-01-01T10:00:00+00:00", "version": 1, "deleted_at": None, "evidence": [],
        "events": [FULL_EVENT]}


def lines(*objects) -> bytes:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects).encode()


def with_(**fields) -> dict:
    return {**GOOD, **fields}


CASES = [
    # (id, file name, content, exit code, text the error must contain)
    ("truncated json", "a.json", b'{"version": 1, "forecasts": [{"claim": "x"', FAILURE, "a.json is not valid JSON"),
    ("empty file", "a.jsonl", b"", FAILURE, "a.jsonl is empty"),
    ("binary file", "a.json", bytes(range(256)) * 8, FAILURE, "is not UTF-8 text"),
    ("binary csv", "a.csv", b"claim\n\xff\xfe\x00\x01", FAILURE, "is not UTF-8 text"),
    ("not forecasts", "a.json", b'"hello"', FAILURE, "holds no forecasts"),
    ("newer version", "a.json", b'{"version": 2, "forecasts": []}', FAILURE, "interchange version 2"),
    ("record not an object", "a.jsonl", lines(GOOD, [1, 2]), FAILURE, "line 2: expected an object"),
    ("bad json line", "a.jsonl", lines(GOOD, with_(key="second")) + b'{"claim": \n', FAILURE,
     "line 3: not valid JSON"),
    ("claim a number", "a.jsonl", lines(with_(claim=42)), FAILURE, "line 1, field 'claim': must be text"),
    ("no claim", "a.jsonl", lines({"key": "x"}), FAILURE, "line 1, field 'claim': is missing"),
    ("empty claim", "a.json", json.dumps([GOOD, with_(claim="  ", key="b")]).encode(), FAILURE,
     "record 2, field 'claim': is empty"),
    ("unknown status", "a.jsonl", lines(with_(status="done")), FAILURE, "field 'status': 'done' is not one of"),
    ("probability 2", "a.jsonl", lines(with_(probability=2)), FAILURE, "line 1, field 'probability': is out of range (it must be <= 1.0)"),
    ("probability text", "a.jsonl", lines(with_(probability="high")), FAILURE,
     "field 'probability': 'high' is not a probability; use a chance such as 0.7, 70%"),
    ("duplicate keys", "a.jsonl", lines(GOOD, with_(claim="Again")), FAILURE,
     "line 2, field 'key': 'good' appears twice"),
    ("bad date", "a.jsonl", lines(with_(made_on="2025-02-30")), FAILURE, "line 1, field 'made_on': is not a date; use YYYY-MM-DD"),
    ("relative date", "a.jsonl", lines(with_(resolve_by="+30d")), FAILURE, "field 'resolve_by': '+30d' is not a date; use YYYY-MM-DD"),
    ("deadline before today", "a.jsonl", lines(with_(resolve_by="2025-01-01")), FAILURE,
     "line 1: resolve-by 2025-01-01 is before made-on"),
    ("tags not array", "a.jsonl", lines(with_(tags="a,b")), FAILURE, "field 'tags': must be an array or null, not text"),
    ("tag with space", "a.jsonl", lines(with_(tags=["two words"])), FAILURE, "tag 'two words' is not usable"),
    ("key of digits", "a.jsonl", lines(with_(key="123")), FAILURE, "field 'key': key '123' is all digits"),
    ("review every 0", "a.jsonl", lines(with_(review_every=0)), FAILURE, "field 'review_every': is out of range (it must be >= 1)"),
    ("review every text", "a.jsonl", lines(with_(review_every="monthly")), FAILURE, "must be a whole number"),
    ("NUL in claim", "a.jsonl", lines(with_(claim="a\u0000b")), FAILURE, "NUL character"),
    ("evidence bad stance", "a.jsonl", lines(with_(evidence=[{"summary": "x", "stance": "maybe"}])), FAILURE,
     "field 'evidence[0].stance': 'maybe' is not one of"),
    ("evidence bad url", "a.jsonl", lines(GOOD, with_(key="b", evidence=[{"summary": "x", "url": "nope"}])), FAILURE,
     "line 2: 'nope' is not a web address"),
    ("future made_on", "a.jsonl", lines(FULL, with_(made_on="2999-01-01")), FAILURE,
     "line 2: made-on 2999-01-01 is in the future"),
    ("naive timestamp", "a.jsonl", lines({**FULL, "created_at": "2026-01-01T10:00:00"}), FAILURE,
     "field 'created_at': has no time zone"),
    ("event bad time", "a.jsonl", lines({**FULL, "events": [{**FULL_EVENT, "at": "yesterday"}]}), FAILURE,
     "field 'events[0].at': is not a timestamp"),
    ("event versions", "a.jsonl", lines({**FULL, "version": 2, "events": [FULL_EVENT, FULL_EVENT]}), FAILURE,
     "versions must run 1, 2, 3"),
    ("version mismatch", "a.jsonl", lines({**FULL, "version": 5}), FAILURE, "field 'version': is 5 but its events make it 1"),
    ("status not its fold", "a.jsonl", lines({**FULL, "status": "confirmed"}), FAILURE,
     "field 'status': is \"confirmed\" but its events make it \"open\""),
    ("event value of the wrong type", "a.jsonl", lines({**FULL, "version": 2, "updated_at": "2026-01-02T10:00:00+00:00",
                                                        "events": [FULL_EVENT, {**FULL_EVENT, "id": 2, "version": 2,
                                                                   "at": "2026-01-02T10:00:00+00:00", "kind": "edited",
                                                                   "field": "probability", "old": None,
                                                                   "new": "fifty percent"}]}), FAILURE,
     "field 'events[1].probability': 'fifty percent' is not a probability"),
    ("event old value not the state", "a.jsonl", lines({**FULL, "version": 2, "updated_at": "2026-01-02T10:00:00+00:00",
                                                        "claim": "New", "events": [FULL_EVENT, {
                                                            **FULL_EVENT, "id": 2, "version": 2, "kind": "edited",
                                                            "at": "2026-01-02T10:00:00+00:00", "field": "claim",
                                                            "old": "Something else", "new": "New"}]}), FAILURE,
     "field 'events[1].old': says claim was"),
    ("unknown event kind", "a.jsonl", lines({**FULL, "version": 2, "events": [FULL_EVENT, {
        **FULL_EVENT, "id": 2, "version": 2, "kind": "renamed"}]}), FAILURE, "'renamed' is not an event kind"),
    ("change not listed", "a.jsonl", lines({**FULL, "events": [{**FULL_EVENT, "change": 4}],
                                            "changes": [{"id": 3, "actor": "ana", "at": "2026-01-01T10:00:00+00:00",
                                                         "command": "add"}]}), FAILURE,
     "field 'events[0].change': names change 4"),
    ("event cites nothing", "a.jsonl", lines({**FULL, "events": [{**FULL_EVENT, "evidence_id": 7}]}), FAILURE,
     "names evidence 7, which the forecast does not have"),
    ("full without dates", "a.jsonl", lines({**FULL, "next_review_on": None}), FAILURE,
     "field 'next_review_on': is missing"),
    ("csv missing column", "a.csv", "key,criteria\nx,y\n".encode(), FAILURE,
     "a.csv line 1: this is not a CSV of forecasts: it has no 'claim' column"),
    ("csv header alone, no claim", "a.csv", "key,criteria\n".encode(), FAILURE, "it has no 'claim' column"),
    ("csv short row", "a.csv", "key,claim,status\nx,A claim,open\ny,Another\n".encode(), FAILURE,
     "line 3: 2 cells, but the header has 3 columns"),
    ("csv bad probability", "a.csv", "key,claim,probability\nx,A,lots\n".encode(), FAILURE,
     "line 2, field 'probability': 'lots' is not a probability"),
    ("csv twice a column", "a.csv", "claim,claim\nA,B\n".encode(), FAILURE, "a column name appears twice"),
    ("unknown extension", "a.txt", lines(GOOD), FAILURE, "cannot tell the format of a.txt"),
    ("deleted forecast", "a.jsonl", lines({"key": "anchorage-2025/deterrence-talks", "claim": "Changed"}), FAILURE,
     "line 1: forecast 3 (anchorage-2025/deterrence-talks) is deleted"),
]


@pytest.mark.parametrize("name,content,code,text", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_malformed_file_is_refused_and_changes_nothing(seeded, tmp_path, name, content, code, text):
    ok("delete", "3", "--reason", "mistake")
    path = tmp_path / name
    path.write_bytes(content)
    before = dump(seeded)
    assert_clean_failure(run("import", path), code, text)
    assert dump(seeded) == before


def test_a_folder_is_not_a_file(seeded, tmp_path):
    before = dump(seeded)
    assert_clean_failure(run("import", tmp_path), USAGE, "is a directory")
    assert_clean_failure(run("import", tmp_path / "missing.json"), USAGE, "does not exist")
    assert dump(seeded) == before


def test_a_bad_record_late_in_a_large_file_undoes_the_whole_import(seeded, tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_bytes(lines(*[{"claim": f"claim {n}", "key": f"k{n}"} for n in range(2500)], with_(probability=-1)))
    before = dump(seeded)
    assert_clean_failure(run("import", path), FAILURE, "line 2501, field 'probability'")
    assert dump(seeded) == before


def test_export_to_a_missing_folder(seeded, tmp_path):
    assert_clean_failure(run("export", "-o", tmp_path / "no" / "x.json"), FAILURE, "is not an existing folder")


def test_a_deadline_before_its_creation_is_kept_and_flagged_not_refused(ledger, tmp_path):
    """Another tracker's question whose deadline was set before it was asked is real history:
    restored as it is with its timeline, and kept and flagged without one (a CSV row, a bare
    object with its own made_on), the rest of the file coming in too. An object with no made_on
    is made today, as by `add`, and a deadline before today is refused as `add` refuses it."""
    event = {**FULL_EVENT, "new": {**FULL_EVENT["new"], "resolve_by": "2025-12-01"}}
    path = tmp_path / "history.jsonl"
    path.write_bytes(lines({**FULL, "resolve_by": "2025-12-01", "events": [event]}))
    assert "1 added" in ok("import", path).stderr
    path.write_bytes(lines({"claim": "Bare", "key": "bare", "made_on": "2026-01-01", "resolve_by": "2025-12-01"},
                           {"claim": "Plain", "key": "plain"}))
    result = ok("import", path)
    assert "2 added" in result.stderr
    assert "1 deadline before creation kept (tagged flag:deadline-before-creation)." in result.stderr
    bare = run_json("show", "bare")
    assert (bare["made_on"], bare["resolve_by"], bare["tags"]) == ("2026-01-01", "2025-12-01",
                                                                   ["flag:deadline-before-creation"])
    path.write_bytes(lines({"claim": "Plain", "key": "plain", "made_on": "2026-01-01", "resolve_by": "2025-11-01"}))
    result = ok("import", path)
    assert "1 updated" in result.stderr and "1 deadline before creation kept" in result.stderr
    assert run_json("show", "plain")["tags"] == ["flag:deadline-before-creation"]
    path.write_bytes(lines({"claim": "Today", "key": "today", "resolve_by": "2025-12-01"}))
    assert_clean_failure(run("import", path), FAILURE, "resolve-by 2025-12-01 is before made-on")
    assert_clean_failure(run("add", "Asked now", "--resolve-by", "2025-12-01"), FAILURE, "is before made-on")
