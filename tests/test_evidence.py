"""The evidence ledger: add, list, retract; nothing is ever deleted."""

import datetime as dt

from conftest import ok, run, run_json


def test_evidence_add_prints_its_id_and_records_an_event(seeded):
    result = ok("--as", "ed", "evidence", "add", "anchorage-2025/channels", "Hotline used during incident",
                "--url", "https://example.org/report", "--observed-on", "2025-10-02", "--stance", "supports")
    evidence_id = int(result.stdout)
    [item] = run_json("evidence", "list", "1")
    assert item == {**item, "id": evidence_id, "forecast_id": 1, "summary": "Hotline used during incident",
                    "url": "https://example.org/report", "observed_on": "2025-10-02", "stance": "supports",
                    "added_by": "ed", "retracted_at": None}
    event = run_json("history", "1")[-1]
    assert event == {**event, "kind": "evidence_added", "evidence_id": evidence_id, "actor": "ed"}


def test_evidence_defaults_to_context_observed_today(seeded):
    ok("evidence", "add", "2", "Background piece")
    [item] = run_json("evidence", "list", "2")
    assert item["stance"] == "context"
    assert item["observed_on"] == dt.date.today().isoformat()


def test_retracted_evidence_stays_visible_with_its_reason(seeded):
    evidence_id = ok("evidence", "add", "1", "Report later denied").stdout.strip()
    ok("--as", "rita", "evidence", "retract", evidence_id, "--reason", "source withdrew the story")
    [item] = run_json("evidence", "list", "1")
    assert item["retracted_by"] == "rita"
    assert item["retraction_reason"] == "source withdrew the story"
    assert item["retracted_at"]
    assert "[retracted" in ok("evidence", "list", "1").stdout
    event = run_json("history", "1")[-1]
    assert event == {**event, "kind": "evidence_retracted", "evidence_id": int(evidence_id),
                     "note": "source withdrew the story"}


def test_retracted_evidence_cannot_be_cited(seeded):
    evidence_id = ok("evidence", "add", "1", "Report later denied").stdout.strip()
    ok("evidence", "retract", evidence_id, "--reason", "denied")
    result = run("update", "1", "--status", "confirmed", "--evidence", evidence_id)
    assert result.exit_code == 1 and "retracted" in result.stderr


def test_evidence_of_another_forecast_cannot_be_cited(seeded):
    evidence_id = ok("evidence", "add", "2", "About forecast two").stdout.strip()
    result = run("update", "1", "--status", "confirmed", "--evidence", evidence_id)
    assert result.exit_code == 1 and "has no evidence" in result.stderr


def test_evidence_list_formats(seeded):
    ok("evidence", "add", "1", "one, with a comma")
    ok("evidence", "add", "1", 'two "quoted"')
    assert len(ok("evidence", "list", "1", "--format", "jsonl").stdout.splitlines()) == 2
    csv_text = ok("evidence", "list", "1", "--format", "csv").stdout
    assert '"one, with a comma"' in csv_text and '"two ""quoted"""' in csv_text
