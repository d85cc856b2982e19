"""Bringing in other trackers' data: Fatebook's CSV export and PredictionBook's question data."""

from pathlib import Path

import pytest

from conftest import dump, ok, run, run_json
from test_bad_input import assert_clean_failure

FIXTURES = Path(__file__).parent / "fixtures"


def by_claim() -> dict[str, dict]:
    return {f["claim"]: f for f in run_json("list")}


def test_fatebook_questions_become_forecasts(ledger):
    result = ok("import", "--from", "fatebook", FIXTURES / "fatebook-export.csv")
    assert "6 added, 0 updated, 0 unchanged" in result.stderr
    forecasts = by_claim()
    library = forecasts["Will the new library branch open before March?"]
    assert library["status"] == "confirmed"
    assert library["probability"] == 0.75  # the creator's latest, not another user's 0.8
    assert (library["made_on"], library["resolve_by"]) == ("2024-01-05", "2024-03-01")
    assert library["source"] == {"title": "Fatebook", "author": "Ada Lovelace", "outlet": None, "url": None,
                                 "published_on": None, "notes": None}
    assert library["criteria"].startswith("Counts if the doors are open")
    assert library["key"].startswith("fatebook/will-the-new-library-branch-open-")
    assert library["tags"] == ["fatebook"]
    evidence = run_json("show", library["id"])["evidence"]
    assert evidence[0]["summary"].startswith("Comments on Fatebook: Grace Hopper: the mayor says February")
    assert evidence[0]["observed_on"] == "2024-02-20"
    assert forecasts['Will it snow in Lisbon this winter, "even a little"?']["status"] == "refuted"
    assert forecasts["Will the bill pass the second reading?"]["status"] == "void"
    assert forecasts["Which team wins the regional final? — Harbour FC"]["status"] == "refuted"
    assert forecasts["Which team wins the regional final? — Mill Town"]["probability"] == 0.45
    unresolved = forecasts["=Will the price pass 100?"]
    assert unresolved["status"] == "open" and unresolved["probability"] is None


def test_predictionbook_predictions_become_forecasts(ledger):
    result = ok("import", "--from", "predictionbook", FIXTURES / "predictionbook-my-predictions.json")
    assert "4 added, 0 updated, 0 unchanged" in result.stderr
    bridge = run_json("show", "predictionbook/140001")
    assert bridge["status"] == "confirmed" and bridge["probability"] == 0.7  # ada's latest, not bob's 90
    assert (bridge["made_on"], bridge["resolve_by"]) == ("2015-03-02", "2015-12-31")
    assert bridge["source"]["title"] == "PredictionBook" and bridge["source"]["author"] == "ada"
    assert bridge["criteria"].endswith("https://predictionbook.com/predictions/140001")
    assert [(e["summary"], e["observed_on"]) for e in bridge["evidence"]] == [
        ("ada: Contractor says autumn.", "2015-03-02"), ("ada: Steel delivered early.", "2015-06-10")]
    assert run_json("show", "predictionbook/140002")["status"] == "refuted"
    assert run_json("show", "predictionbook/140003")["status"] == "void"  # withdrawn
    mars = run_json("show", "predictionbook/140004")
    assert mars["status"] == "open" and mars["probability"] is None


@pytest.mark.parametrize("origin,name", [("fatebook", "fatebook-export.csv"),
                                         ("predictionbook", "predictionbook-my-predictions.json")])
def test_importing_the_same_export_again_changes_nothing(ledger, origin, name):
    ok("import", "--from", origin, FIXTURES / name)
    before = dump(ledger)
    assert "0 added, 0 updated" in ok("import", "--from", origin, FIXTURES / name).stderr
    assert dump(ledger) == before


def test_a_later_fatebook_export_updates_the_forecasts(ledger, tmp_path):
    ok("import", "--from", "fatebook", FIXTURES / "fatebook-export.csv")
    later = tmp_path / "fatebook.csv"
    text = (FIXTURES / "fatebook-export.csv").read_text(encoding="utf-8")
    later.write_text(text.replace('2025-01-01 00:00:0,,', '2025-01-01 00:00:0,"NO",'), encoding="utf-8")
    assert "0 added, 1 updated, 5 unchanged" in ok("import", "--from", "fatebook", later).stderr
    assert by_claim()["=Will the price pass 100?"]["status"] == "refuted"


@pytest.mark.parametrize("origin,name,edit,text", [
    ("fatebook", "fatebook-export.csv", lambda t: t.replace('"AMBIGUOUS"', '"MAYBE"'),
     "line 6, field 'Resolution': 'MAYBE' is not YES, NO, AMBIGUOUS"),
    ("fatebook", "fatebook-export.csv", lambda t: t.replace("Resolution,", "Outcome,"),
     "not a Fatebook export: it has no 'Resolution' column"),
    ("fatebook", "fatebook-export.csv", lambda t: t.splitlines()[0].replace("Question title", "Title") + "\n",
     "line 1: this is not a Fatebook export: it has no 'Question title' column"),
    ("fatebook", "fatebook-export.csv", lambda t: t.replace(",0.05,", ",lots,"),
     "line 5, field 'Forecast (scale = 0-1)': 'lots' is not a number"),
    ("predictionbook", "predictionbook-my-predictions.json", lambda t: t.replace('"outcome": false', '"outcome": "perhaps"'),
     "prediction 2, field 'outcome': 'perhaps' is not"),
    ("predictionbook", "predictionbook-my-predictions.json", lambda t: t.replace('"confidence": 30', '"confidence": 300'),
     "prediction 2, field 'responses': confidence 300 is not 0 to 100"),
    ("predictionbook", "predictionbook-my-predictions.json", lambda t: t.replace('"description": "I will', '"descr": "I will'),
     "prediction 2: not a PredictionBook prediction"),
])
def test_a_malformed_foreign_file_changes_nothing(seeded, tmp_path, origin, name, edit, text):
    path = tmp_path / name
    path.write_text(edit((FIXTURES / name).read_text(encoding="utf-8")), encoding="utf-8")
    before = dump(seeded)
    assert_clean_failure(run("import", "--from", origin, path), 1, text)
    assert dump(seeded) == before


def test_another_trackers_format_is_fixed(seeded):
    before = dump(seeded)
    assert_clean_failure(run("import", "--from", "fatebook", "--format", "json", FIXTURES / "fatebook-export.csv"),
                         1, "fatebook data comes as csv, not json")
    assert dump(seeded) == before
