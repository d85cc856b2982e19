"""Sources, evidence edits and tags as first-class records: every change an event, undone,
folded for `--as-of`, and carried whole through export and import."""

import csv
import io
import json
import sqlite3

import pytest

from clock import Clock, clock  # noqa: F401  (fixture)
from conftest import dump, ok, run, run_json
from interchange_helpers import ledgers  # noqa: F401  (fixture)
from test_bad_input import FAILURE, USAGE, assert_clean_failure


def source_of(ref):
    return run_json("show", ref)["source"]


def kinds(ref):
    return [(e["kind"], e.get("field")) for e in run_json("history", ref)]


def assert_healthy():
    assert "ok" in ok("doctor").stdout and "damaged" not in ok("doctor").stdout.lower()


def round_trip(ledgers, tmp_path):  # noqa: F811
    """Export this test's ledger, import it into an empty one and export that: the same bytes."""
    exported = ok("export", "--format", "json").stdout
    (tmp_path / "ledger.json").write_text(exported, encoding="utf-8")
    empty = ledgers.new()
    ok("--db", empty, "import", tmp_path / "ledger.json")
    assert ok("--db", empty, "export", "--format", "json").stdout == exported
    ok("--db", empty, "doctor")
    return empty


# Sources


def test_add_gives_the_source_its_author_outlet_url_and_date(ledger):
    ok("add", "Talks by March", "--source", "Summit preview", "--source-author", "Jane Roe",
       "--source-outlet", "The Daily", "--source-url", "https://daily.example/summit", "--source-date", "2025-08-14")
    assert source_of("1") == {"title": "Summit preview", "author": "Jane Roe", "outlet": "The Daily",
                              "url": "https://daily.example/summit", "published_on": "2025-08-14", "notes": None}
    # The same title and author cite the same source; another author is another source.
    ok("add", "Sanctions eased", "--source", "Summit preview", "--source-author", "Jane Roe")
    ok("add", "Ceasefire", "--source", "Summit preview", "--source-author", "John Doe")
    listed = run_json("source", "list")
    assert [(s["id"], s["author"], s["forecasts"]) for s in listed] == [(1, "Jane Roe", 2), (2, "John Doe", 1)]
    assert [row["author"] for row in csv.DictReader(io.StringIO(ok("source", "list", "--format", "csv").stdout))] \
        == ["Jane Roe", "John Doe"]


def test_source_add_list_show_and_refusals(ledger):
    assert ok("source", "add", "Op-ed", "--author", "Jane Roe", "--date", "2025-08-14").stdout.strip() == "1"
    ok("add", "A claim", "--source", "Op-ed", "--source-author", "Jane Roe")
    shown = run_json("source", "show", "Op-ed")
    assert (shown["id"], shown["author"], shown["published_on"], shown["forecasts"]) == (1, "Jane Roe", "2025-08-14", 1)
    assert [f["id"] for f in shown["cited_by"]] == [1]
    assert "Cited by 1" in ok("source", "show", "1").stdout
    ok("source", "add", "Op-ed", "--author", "John Doe")
    before = dump(ledger)
    assert_clean_failure(run("source", "add", "Op-ed", "--author", "Jane Roe", "--date", "2025-08-14"),
                         FAILURE, "source 1 has exactly these fields")
    assert_clean_failure(run("source", "show", "Op-ed"), FAILURE, "2 sources are titled 'Op-ed' (ids 1, 2)")
    assert_clean_failure(run("source", "show", "99"), FAILURE, "no source with id 99")
    assert_clean_failure(run("source", "add", "Blog", "--url", "blog.example"), FAILURE, "not a web address")
    assert_clean_failure(run("source", "add", "  "), FAILURE, "source title is empty")
    assert_clean_failure(run("source", "edit", "1"), USAGE, "nothing to change")
    assert_clean_failure(run("add", "x", "--source-author", "Jane"), USAGE, "go with --source TITLE")
    assert_clean_failure(run("add", "x", "--source", "S", "--source-url", "nope"), FAILURE, "not a web address")
    assert dump(ledger) == before


def test_a_source_edit_is_an_event_on_every_forecast_citing_it_and_undo_takes_it_back(ledger):
    for claim in ("One", "Two", "Three"):
        ok("add", claim, "--source", "Summit preview")
    ok("add", "Elsewhere", "--source", "Other")
    ok("delete", "3", "--reason", "duplicate")
    result = ok("source", "edit", "Summit preview", "--author", "Jane Roe", "--outlet", "The Daily",
                "--note", "byline was missing")
    assert "history of 3 forecasts" in result.stderr
    for ref in ("1", "2", "3"):
        assert source_of(ref)["author"] == "Jane Roe"
        last = run_json("history", ref)[-1]
        assert (last["kind"], last["field"], last["note"]) == ("edited", "source", "byline was missing")
        assert (last["old"]["author"], last["new"]["author"]) == (None, "Jane Roe")
    assert kinds("4") == [("created", None)]
    assert "source: Summit preview → Summit preview, Jane Roe, The Daily" in ok("history", "1").stdout
    # `score --by author` groups by the source's author, not by whoever typed the forecast.
    ok("update", "1", "--status", "confirmed", "--probability", "0.8")
    ok("update", "4", "--status", "refuted", "--probability", "0.3")
    assert sorted(g["group"] for g in run_json("score", "--by", "author")) == ["Jane Roe", "tester"]
    assert_healthy()
    ok("undo", "--yes")  # the status of 4
    ok("undo", "--yes")  # the status of 1
    ok("undo", "--yes")  # the source edit, on all three at once
    assert [source_of(ref)["author"] for ref in ("1", "2", "3")] == [None, None, None]
    assert run_json("source", "show", "1")["author"] is None
    assert [s["title"] for s in run_json("source", "list")] == ["Summit preview", "Other"]
    assert kinds("3")[-1] == ("undone", "source")
    assert_healthy()


def test_update_source_by_id_by_title_new_title_or_none_and_undo(ledger):
    ok("add", "A claim", "--source", "First")
    ok("source", "add", "Second", "--author", "Jane Roe")
    ok("update", "1", "--source", "2")
    assert source_of("1")["title"] == "Second"
    ok("update", "1", "--source", "First")
    assert source_of("1")["title"] == "First"
    ok("update", "1", "--source", "Brand new")
    assert [s["title"] for s in run_json("source", "list")] == ["First", "Second", "Brand new"]
    ok("update", "1", "--source", "")
    assert source_of("1") is None
    assert "Forecast 1 already says that" in ok("update", "1", "--source", "").stderr
    before = dump(ledger)
    assert_clean_failure(run("update", "1", "--source", "42"), FAILURE, "no source with id 42")
    assert dump(ledger) == before
    ok("undo", "--yes")
    assert source_of("1")["title"] == "Brand new"
    ok("undo", "--yes")
    ok("undo", "--yes")
    assert source_of("1")["title"] == "Second"
    assert [e["field"] for e in run_json("history", "1")[1:]] == ["source"] * 7
    assert_healthy()


def test_as_of_shows_the_source_and_evidence_as_they_were(ledger, clock):
    ok("add", "Talks by March", "--source", "Summit preview", "--source-author", "Jane Roe")
    ok("evidence", "add", "1", "Envoys met", "--stance", "supports", "--url", "https://a.example/1")
    day0 = clock.date(0)
    clock.go(5)
    ok("source", "edit", "1", "--author", "John Doe", "--date", "2025-08-14")
    ok("evidence", "edit", "1", "--summary", "Envoys met briefly", "--stance", "context", "--url", "")
    middle = clock.date(5)
    clock.go(10)
    ok("source", "edit", "1", "--title", "Summit review")
    ok("evidence", "edit", "1", "--observed-on", clock.date(9))

    then = run_json("show", "1", "--as-of", day0)
    assert (then["source"]["title"], then["source"]["author"], then["source"]["published_on"]) == \
        ("Summit preview", "Jane Roe", None)
    assert [(e["summary"], e["stance"], e["url"]) for e in then["evidence"]] == \
        [("Envoys met", "supports", "https://a.example/1")]
    at_middle = run_json("show", "1", "--as-of", middle)
    assert (at_middle["source"]["title"], at_middle["source"]["author"]) == ("Summit preview", "John Doe")
    assert (at_middle["evidence"][0]["summary"], at_middle["evidence"][0]["url"],
            at_middle["evidence"][0]["observed_on"]) == ("Envoys met briefly", None, day0)
    assert run_json("show", "1", "--as-of", "today") == run_json("show", "1")
    assert [f["id"] for f in run_json("list", "--as-of", day0, "--source", "jane")] == [1]
    assert [f["id"] for f in run_json("list", "--as-of", middle, "--source", "jane")] == []
    assert_healthy()


def test_sources_and_evidence_edits_survive_export_and_import(ledger, ledgers, tmp_path):  # noqa: F811
    ok("add", "One", "--source", "Summit preview", "--tag", "Economy")
    ok("add", "Two", "--source", "Summit preview")
    ok("evidence", "add", "1", "Envoys met", "--stance", "supports")
    ok("source", "edit", "1", "--author", "Jane Roe", "--date", "2025-08-14")
    ok("evidence", "edit", "1", "--stance", "contradicts", "--note", "misread")
    ok("update", "2", "--source", "Other")
    ok("delete", "2", "--reason", "duplicate")
    ok("source", "edit", "Other", "--outlet", "The Daily")
    ok("tags", "rename", "economy", "econ")
    ok("undo", "--yes")
    copy = round_trip(ledgers, tmp_path)
    assert run_json("--db", copy, "show", "1")["source"]["author"] == "Jane Roe"
    assert run_json("--db", copy, "evidence", "list", "1")[0]["stance"] == "contradicts"
    assert run_json("--db", copy, "show", "2")["source"]["outlet"] == "The Daily"


def test_an_import_whose_source_differs_from_its_events_is_refused(ledger, tmp_path):
    ok("add", "One", "--source", "Summit preview")
    ok("source", "edit", "1", "--author", "Jane Roe")
    exported = ok("export", "--format", "json").stdout
    (tmp_path / "bad.json").write_text(exported.replace('"Jane Roe"', '"Someone else"', 1) if
                                       exported.index('"Jane Roe"') < exported.index('"events"') else exported,
                                       encoding="utf-8")
    result = run("--db", tmp_path / "other.db", "import", tmp_path / "bad.json")
    assert_clean_failure(result, FAILURE, "source")


# Evidence edits


def test_evidence_edit_is_an_event_shown_in_history_and_undone(ledger):
    ok("add", "Talks by March")
    ok("evidence", "add", "1", "Envoys met", "--stance", "supports")
    ok("evidence", "edit", "1", "--summary", "Envoys met in Riyadh", "--stance", "context",
       "--url", "https://a.example/r", "--note", "more precise")
    [item] = run_json("evidence", "list", "1")
    assert (item["summary"], item["stance"], item["url"]) == ("Envoys met in Riyadh", "context", "https://a.example/r")
    last = run_json("history", "1")[-1]
    assert (last["kind"], last["evidence_id"], last["note"]) == ("evidence_edited", 1, "more precise")
    assert last["old"] == {"summary": "Envoys met", "stance": "supports", "url": None}
    assert "evidence #1 edited: " in ok("history", "1").stdout
    assert "already says that" in ok("evidence", "edit", "1", "--stance", "context").stderr
    assert_healthy()
    before = dump(ledger)
    assert_clean_failure(run("evidence", "edit", "9", "--stance", "context"), FAILURE, "no evidence with id 9")
    assert_clean_failure(run("evidence", "edit", "1"), USAGE, "nothing to change")
    assert_clean_failure(run("evidence", "edit", "1", "--stance", "maybe"), USAGE, "maybe")
    assert_clean_failure(run("evidence", "edit", "1", "--summary", " "), FAILURE, "summary is empty")
    assert_clean_failure(run("evidence", "edit", "1", "--url", "nope"), FAILURE, "not a web address")
    assert_clean_failure(run("evidence", "edit", "1", "--observed-on", "+3d"), FAILURE, "in the future")
    assert dump(ledger) == before
    ok("undo", "--yes")
    [item] = run_json("evidence", "list", "1")
    assert (item["summary"], item["stance"], item["url"]) == ("Envoys met", "supports", None)
    assert kinds("1")[-1] == ("undone", "evidence_edited")
    assert "put back" in ok("history", "1").stdout
    assert_healthy()
    ok("delete", "1", "--reason", "mistake")
    assert_clean_failure(run("evidence", "edit", "1", "--stance", "context"), FAILURE, "deleted forecast 1")


# Tags


def test_tags_are_case_insensitive_with_one_stored_form(ledger):
    ok("add", "One", "--tag", "Economy", "--tag", "ECONOMY", "--tag", "Trade")
    assert run_json("show", "1")["tags"] == ["economy", "trade"]
    assert [f["id"] for f in run_json("list", "--tag", "economy")] == [1]
    assert [f["id"] for f in run_json("list", "--tag", "Economy")] == [1]
    ok("update", "1", "--untag", "TRADE")
    assert run_json("show", "1")["tags"] == ["economy"]
    assert "already says that" in ok("update", "1", "--tag", "EcOnOmY").stderr


@pytest.mark.parametrize("tag", ["-weird", "two words", "a,b", "#hash"])
def test_the_refusal_of_a_tag_says_exactly_what_is_allowed(ledger, tag):
    result = run("add", "One", "--tag", tag)
    assert_clean_failure(result, FAILURE, "use letters, digits, _ . : / + and -, starting with a letter, digit or _")
    assert run_json("list") == []


def test_tags_lists_counts_in_every_format_and_renames_with_merge_and_undo(ledger):
    ok("add", "One", "--tag", "econ", "--tag", "economy")
    ok("add", "Two", "--tag", "econ")
    ok("add", "Three", "--tag", "economy", "--tag", "trade")
    ok("add", "Gone", "--tag", "econ")
    ok("delete", "4", "--reason", "mistake")
    assert run_json("tags") == [{"tag": "econ", "forecasts": 2}, {"tag": "economy", "forecasts": 2},
                                {"tag": "trade", "forecasts": 1}]
    assert ok("tags", "--format", "csv").stdout.splitlines()[:2] == ["tag,forecasts", "econ,2"]
    assert "economy" in ok("tags").stdout
    result = ok("tags", "rename", "ECON", "Economy")
    assert "on 2 forecasts" in result.stderr
    assert run_json("tags") == [{"tag": "economy", "forecasts": 3}, {"tag": "trade", "forecasts": 1}]
    assert [run_json("show", ref)["tags"] for ref in ("1", "2", "4")] == [["economy"], ["economy"], ["econ"]]
    assert kinds("1")[-1] == ("edited", "tags") and kinds("3") == [("created", None)]
    before = dump(ledger)
    assert_clean_failure(run("tags", "rename", "nothing", "x"), FAILURE, "no forecast has tag 'nothing'")
    assert_clean_failure(run("tags", "rename", "economy", "ECONOMY"), FAILURE, "the same tag")
    assert_clean_failure(run("tags", "rename", "--", "economy", "-x"), FAILURE, "starting with a letter")
    assert dump(ledger) == before
    ok("undo", "--yes")
    assert [run_json("show", ref)["tags"] for ref in ("1", "2")] == [["econ", "economy"], ["econ"]]
    ok("tags", "--rename", "trade", "commerce")
    assert run_json("show", "3")["tags"] == ["commerce", "economy"]
    assert_healthy()


@pytest.mark.sqlite_only
def test_an_older_ledgers_mixed_case_tags_are_folded_on_upgrade(ledger, tmp_path):
    ok("add", "One", "--tag", "economy")
    ok("add", "Two", "--tag", "trade")
    ok("db", "downgrade", "0007_big_ids")
    with sqlite3.connect(ledger.path) as conn:
        conn.execute("INSERT INTO forecast_tags VALUES (1, 'Economy'), (1, 'ÉCONOMIE'), (2, 'Trade')")
        conn.execute("DELETE FROM forecast_tags WHERE forecast_id = 2 AND tag = 'trade'")
    ok("db", "upgrade")
    assert run_json("show", "1")["tags"] == ["economy", "économie"]
    assert run_json("show", "2")["tags"] == ["trade"]
    assert [f["id"] for f in run_json("list", "--tag", "Trade")] == [2]


def test_a_timeline_with_mixed_case_tags_folds_to_lower_case(ledger, ledgers, tmp_path):  # noqa: F811
    ok("add", "One", "--tag", "economy")
    ok("update", "1", "--tag", "trade")
    data = run_json("export")
    # A file written before tags were folded: its events hold the tags as they were typed.
    [created, edited] = data["forecasts"][0]["events"]
    created["new"]["tags"] = ["Economy"]
    edited["old"], edited["new"] = ["Economy"], ["Economy", "trade"]
    (tmp_path / "old.json").write_text(json.dumps(data), encoding="utf-8")
    empty = ledgers.new()
    ok("--db", empty, "import", tmp_path / "old.json")
    assert run_json("--db", empty, "show", "1")["tags"] == ["economy", "trade"]
    assert run_json("--db", empty, "export") == data
    ok("--db", empty, "doctor")


@pytest.mark.sqlite_only
def test_a_downgrade_refuses_a_ledger_whose_timelines_hold_edits_of_sources_or_evidence(ledger):
    ok("add", "One", "--source", "Summit preview")
    ok("source", "edit", "1", "--author", "Jane Roe")
    result = run("db", "downgrade", "0007_big_ids")
    assert result.exit_code == 1 and "1 events record edits of evidence or sources" in result.stderr
    assert "Traceback" not in result.stderr
    assert ok("db", "current").stdout.startswith("0008_sources_tags")
    assert source_of("1")["author"] == "Jane Roe"
