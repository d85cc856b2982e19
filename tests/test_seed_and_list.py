"""The main job: seed the Anchorage forecasts and list them."""

import pytest

from conftest import dump, ok, run, run_json

SEED_KEYS = ["anchorage-2025/channels", "anchorage-2025/technical-agreements", "anchorage-2025/deterrence-talks"]


def test_seed_loads_the_three_anchorage_forecasts(seeded):
    forecasts = run_json("list")
    assert [f["key"] for f in forecasts] == SEED_KEYS
    for forecast in forecasts:
        assert forecast["status"] == "open"
        assert forecast["probability"] is None and forecast["resolve_by"] is None
        assert forecast["made_on"] == "2025-08-15"
        assert forecast["review_every"] == 30
        assert "us-russia" in forecast["tags"]
        assert forecast["criteria"]
        assert forecast["source"]["published_on"] is None
        assert forecast["source"]["author"] is None


def test_seeding_again_changes_nothing(seeded):
    before = dump(seeded)
    result = ok("seed")
    assert "0 forecasts added, 3 already present" in result.stderr
    assert dump(seeded) == before


def test_seeding_keeps_a_users_edits(seeded):
    ok("update", "anchorage-2025/channels", "--claim", "Reworded")
    ok("seed", "anchorage-2025")
    assert run_json("show", "anchorage-2025/channels")["claim"] == "Reworded"


def test_seed_list_shows_sets_and_what_is_loaded(ledger):
    assert run_json("seed", "--list") == [{
        "name": "anchorage-2025", "description": run_json("seed", "--list")[0]["description"],
        "forecasts": 3, "loaded": 0}]
    ok("seed", "anchorage-2025")
    assert run_json("seed", "--list")[0]["loaded"] == 3


def test_seed_records_a_created_event_by_the_acting_user(seeded):
    events = run_json("history", "anchorage-2025/deterrence-talks")
    assert [(e["kind"], e["actor"]) for e in events] == [("created", "tester")]
    assert events[0]["new"]["claim"].startswith("The parameters of mutual deterrence")


def test_list_filters_by_tag_and_the_tags_compose(seeded):
    assert len(run_json("list", "--tag", "us-russia")) == 3
    assert [f["key"] for f in run_json("list", "--tag", "us-russia", "--tag", "risk-reduction")] == [SEED_KEYS[1]]
    assert run_json("list", "--tag", "nothing-like-this") == []


def test_list_filters_by_status_final_and_active(seeded):
    ok("update", "1", "--status", "confirmed")
    ok("update", "2", "--status", "stalled")
    assert [f["id"] for f in run_json("list", "--status", "confirmed")] == [1]
    assert [f["id"] for f in run_json("list", "--status", "confirmed", "--status", "stalled")] == [1, 2]
    assert [f["id"] for f in run_json("list", "--final")] == [1]
    assert [f["id"] for f in run_json("list", "--active")] == [2, 3]


def test_list_search_and_source_match_text_case_insensitively(seeded):
    assert [f["id"] for f in run_json("list", "--search", "DETERRENCE")] == [3]
    assert len(run_json("list", "--source", "anchorage")) == 3
    assert run_json("list", "--source", "no such outlet") == []


def test_list_sort_and_limit(seeded):
    ok("update", "2", "--probability", "0.9")
    ok("update", "3", "--probability", "0.2")
    assert [f["id"] for f in run_json("list", "--sort", "-probability")] == [2, 3, 1]
    assert [f["id"] for f in run_json("list", "--sort", "-id", "--limit", "2")] == [3, 2]


def test_list_formats_carry_the_same_rows(seeded):
    as_json = run_json("list")
    jsonl = [line for line in ok("list", "--format", "jsonl").stdout.splitlines()]
    assert len(jsonl) == 3
    csv_lines = ok("list", "--format", "csv").stdout.splitlines()
    assert csv_lines[0].startswith("id,key,claim,criteria,source")
    assert len(csv_lines) == 4
    table = ok("list").stdout
    assert all(str(f["id"]) in table for f in as_json)
    assert "CLAIM" in table.splitlines()[0]


def test_empty_list_says_so_on_stderr_and_prints_nothing(ledger):
    result = ok("list")
    assert result.stdout == ""
    assert "No forecasts match" in result.stderr
    assert run_json("list") == []


@pytest.mark.parametrize(("command", "said"), [
    (["evidence", "list", "1"], "No evidence yet."),
    (["source", "list"], "No sources yet."),
    (["tags"], "No tags yet."),
])
def test_every_empty_table_says_so_on_stderr_and_machine_formats_give_an_empty_array(ledger, command, said):
    ok("add", "a claim with nothing else")
    table = ok(*command)
    assert (table.stdout, table.stderr.strip()) == ("", said)
    as_json = ok(*command, "--format", "json")
    assert (as_json.stdout.strip(), as_json.stderr) == ("[]", "")


def test_unknown_seed_set_is_an_error_that_changes_nothing(ledger):
    before = dump(ledger)
    result = run("seed", "anchorage-2025", "nope")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no seed set 'nope'")
    assert dump(ledger) == before


def test_search_and_source_take_percent_and_underscore_literally(seeded):
    ok("add", "Inflation falls under 50% by 2027", "--source", "The_Weekly")
    ok("add", "Inflation falls under 50 points")
    assert [f["claim"] for f in run_json("list", "--search", "50%")] == ["Inflation falls under 50% by 2027"]
    assert run_json("list", "--search", "%") == run_json("list", "--search", "%", "--as-of", "today")
    assert len(run_json("list", "--source", "The_W")) == 1 and run_json("list", "--source", "The%W") == []


def test_csv_keeps_numbers_as_numbers_and_nested_values_as_json(seeded):
    ok("update", "1", "--probability", "0.25")
    rows = ok("list", "--format", "csv").stdout.splitlines()
    assert ",0.25," in rows[1]
    created = ok("history", "1", "--format", "csv").stdout.splitlines()[1]
    assert '""claim"": ""US–Russia communication' in created
