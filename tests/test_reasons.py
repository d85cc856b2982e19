"""Why a forecast changed: --note and --evidence go with any update and stay with its events."""

from conftest import ok, run, run_json
from test_bad_input import FAILURE, USAGE, assert_clean_failure


def test_a_probability_change_carries_its_note_and_evidence(seeded):
    ok("evidence", "add", "1", "Hotline used twice", "--stance", "supports")
    ok("evidence", "add", "1", "Talks postponed", "--stance", "contradicts")
    ok("update", "1", "--probability", "0.8", "--tag", "watch", "--evidence", "1", "--evidence", "2",
       "--note", "the hotline works")
    events = run_json("history", "1")[-2:]
    assert [(e["kind"], e["field"], e["note"], e["evidence_ids"]) for e in events] == [
        ("edited", "probability", "the hotline works", [1, 2]), ("edited", "tags", "the hotline works", [1, 2])]
    assert [e for e in run_json("show", "1")["events"] if e["kind"] == "edited"] == events
    shown = ok("history", "1").stdout
    assert "probability: - → 80% citing #1, #2: the hotline works" in shown
    assert "citing #1, #2: the hotline works" in ok("show", "1").stdout
    # An edit without a reason keeps the layout it always had: no evidence_ids, no note.
    ok("update", "1", "--claim", "Channels restored")
    assert set(run_json("history", "1")[-1]) == {"id", "forecast_id", "version", "change", "at", "actor", "kind",
                                                 "field", "old", "new"}


def test_reasons_survive_export_and_import_and_undo(seeded, tmp_path):
    ok("evidence", "add", "2", "Memo signed")
    ok("update", "2", "--probability", "1 in 4", "--evidence", "1", "--note", "a memo, not a treaty")
    exported = ok("export", "--format", "json").stdout
    other = tmp_path / "other.db"
    path = tmp_path / "ledger.json"
    path.write_text(exported)
    ok("--db", other, "import", path)
    assert ok("--db", other, "export", "--format", "json").stdout == exported
    ok("undo", "--yes")
    assert run_json("show", "2")["probability"] is None


def test_a_reason_with_nothing_to_change_or_a_bad_citation_changes_nothing(seeded):
    ok("evidence", "add", "1", "Hotline used")
    assert_clean_failure(run("update", "1", "--note", "why"), USAGE,
                         "nothing to change; give --status, --claim, --criteria, --probability, --resolve-by, "
                         "--tag, --untag, --review-every or --source, with --note and --evidence saying why.")
    assert_clean_failure(run("update", "2", "--probability", "0.3", "--evidence", "1"), FAILURE,
                         "forecast 2 has no evidence 1")
    ok("evidence", "retract", "1", "--reason", "wrong line")
    assert_clean_failure(run("update", "1", "--probability", "0.3", "--evidence", "1"), FAILURE,
                         "evidence 1 is retracted")
    assert [e["kind"] for e in run_json("history", "2")] == ["created"]
    assert run_json("show", "1")["probability"] is None
