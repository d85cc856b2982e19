"""add, show, update, history and delete, checked through --format json."""

import datetime as dt

import pytest

from conftest import ok, run, run_json
from tracker.errors import NotFound


def add(*args: str) -> int:
    return int(ok("add", *args).stdout)


def test_add_prints_the_id_and_stores_every_field(ledger):
    forecast_id = add("Hotline restored by spring", "--key", "hotline", "--criteria", "Both sides confirm",
                      "--source", "Weekly Review", "--made-on", "2026-01-10", "--resolve-by", "2026-06-01",
                      "--probability", "70%", "--tag", "us-russia", "--tag", "channels", "--review-every", "14")
    forecast = run_json("show", forecast_id)
    assert forecast["id"] == forecast_id == 1
    assert forecast["key"] == "hotline"
    assert forecast["criteria"] == "Both sides confirm"
    assert forecast["source"]["title"] == "Weekly Review"
    assert forecast["made_on"] == "2026-01-10"
    assert forecast["resolve_by"] == "2026-06-01"
    assert forecast["probability"] == 0.7
    assert forecast["tags"] == ["channels", "us-russia"]
    assert forecast["review_every"] == 14
    assert forecast["next_review_on"] == (dt.date.today() + dt.timedelta(days=14)).isoformat()
    assert forecast["status"] == "open"
    assert forecast["version"] == 1
    assert forecast["evidence"] == []
    assert [e["kind"] for e in forecast["events"]] == ["created"]


def test_add_generates_a_unique_key_from_the_claim(ledger):
    first = add("Talks resume in Geneva")
    second = add("Talks resume in Geneva")
    keys = [run_json("show", n)["key"] for n in (first, second)]
    assert keys == ["talks-resume-in-geneva", "talks-resume-in-geneva-2"]


def test_probability_forms_people_write(ledger):
    for text, value in [("0.25", 0.25), ("25%", 0.25), ("1:3", 0.25), ("1 in 4", 0.25)]:
        forecast_id = add(f"claim {text}", "--probability", text)
        assert run_json("show", forecast_id)["probability"] == value


def test_relative_dates_are_resolved_against_today(ledger):
    forecast_id = add("Soon", "--made-on", "-2w", "--resolve-by", "+30d")
    forecast = run_json("show", forecast_id)
    assert forecast["made_on"] == (dt.date.today() - dt.timedelta(weeks=2)).isoformat()
    assert forecast["resolve_by"] == (dt.date.today() + dt.timedelta(days=30)).isoformat()


def test_show_accepts_the_key_as_well_as_the_id(seeded):
    assert run_json("show", "anchorage-2025/technical-agreements")["id"] == 2


def test_show_table_has_fields_evidence_and_timeline(seeded):
    ok("evidence", "add", "1", "Deconfliction line used over Syria", "--stance", "supports")
    text = ok("show", "1").stdout
    assert "anchorage-2025/channels" in text
    assert "Evidence (1)" in text and "Deconfliction line used over Syria" in text
    assert "Timeline" in text and "evidence #1 added" in text


def test_update_records_one_event_per_change_and_bumps_the_version(seeded):
    result = ok("update", "1", "--claim", "New wording", "--probability", "0.4", "--tag", "hotline",
                "--untag", "communication-channels", "--status", "developing", "--note", "first signs")
    assert "4 events in one change, now version 5" in result.stderr
    forecast = run_json("show", "1")
    assert forecast["claim"] == "New wording"
    assert forecast["probability"] == 0.4
    assert forecast["tags"] == ["hotline", "us-russia"]
    assert forecast["status"] == "developing"
    assert forecast["version"] == 5
    events = forecast["events"][1:]
    assert [(e["kind"], e.get("field")) for e in events] == [
        ("edited", "claim"), ("edited", "probability"), ("edited", "tags"), ("status_changed", None)]
    assert events[0]["old"].startswith("US–Russia communication channels") and events[0]["new"] == "New wording"
    assert events[1] == {**events[1], "old": None, "new": 0.4}
    assert events[3] == {**events[3], "from": "open", "to": "developing", "note": "first signs",
                         "evidence_ids": [], "actor": "tester"}
    assert [e["version"] for e in forecast["events"]] == [1, 2, 3, 4, 5]


def test_update_with_values_already_in_place_changes_nothing(seeded):
    result = ok("update", "2", "--status", "open", "--review-every", "30")
    assert "nothing changed" in result.stderr
    assert run_json("show", "2")["version"] == 1


def test_update_can_clear_probability_and_deadline(seeded):
    ok("update", "3", "--probability", "0.6", "--resolve-by", "2027-08-15")
    ok("update", "3", "--probability", "none", "--resolve-by", "none")
    forecast = run_json("show", "3")
    assert forecast["probability"] is None and forecast["resolve_by"] is None
    assert forecast["events"][-1] == {**forecast["events"][-1], "field": "resolve_by",
                                      "old": "2027-08-15", "new": None}


def test_status_change_cites_evidence(seeded):
    first = int(ok("evidence", "add", "1", "Military channel reopened", "--stance", "supports").stdout)
    second = int(ok("evidence", "add", "1", "Expert track met", "--stance", "supports").stdout)
    ok("update", "1", "--status", "confirmed", "--evidence", str(second), "--evidence", str(first))
    event = run_json("history", "1")[-1]
    assert event["kind"] == "status_changed"
    assert event["evidence_ids"] == [first, second]


def test_reopening_a_final_forecast_needs_a_note_and_then_works(seeded):
    ok("update", "1", "--status", "refuted")
    assert run("update", "1", "--status", "open").exit_code == 1
    ok("update", "1", "--status", "open", "--note", "the channel was restored after all")
    assert run_json("show", "1")["status"] == "open"


def test_expect_version_accepts_the_current_version(seeded):
    ok("update", "1", "--status", "developing", "--expect-version", "1")
    assert run_json("show", "1")["version"] == 2


def test_expect_version_conflict_names_who_changed_it(seeded):
    ok("--as", "alice", "update", "1", "--status", "developing")
    result = run("--as", "bob", "update", "1", "--status", "stalled", "--expect-version", "1")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: forecast 1 is at version 2, not 1: alice changed it")
    assert run_json("show", "1")["status"] == "developing"


def test_actor_comes_from_as_option_or_environment(seeded, monkeypatch):
    ok("--as", "carol", "update", "1", "--status", "developing")
    monkeypatch.setenv("TRACKER_USER", "dave")
    ok("update", "1", "--status", "stalled")
    assert [e["actor"] for e in run_json("history", "1")[-2:]] == ["carol", "dave"]


def test_history_is_oldest_first_in_every_format(seeded):
    ok("update", "1", "--status", "developing")
    ok("update", "1", "--criteria", "sharper criteria")
    events = run_json("history", "1")
    assert [e["kind"] for e in events] == ["created", "status_changed", "edited"]
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    assert len(ok("history", "1", "--format", "jsonl").stdout.splitlines()) == 3
    assert ok("history", "1", "--format", "csv").stdout.startswith("id,forecast_id,version,change,at,actor,kind")


def test_delete_hides_the_forecast_but_keeps_its_history(seeded):
    result = ok("delete", "2", "--reason", "entered twice")
    assert "Deleted forecast 2" in result.stderr
    assert [f["id"] for f in run_json("list")] == [1, 3]
    deleted = run_json("list", "--deleted")
    assert [f["id"] for f in deleted] == [2] and deleted[0]["deleted_at"]
    events = run_json("history", "2")
    assert events[-1] == {**events[-1], "kind": "deleted", "note": "entered twice"}
    assert run_json("show", "2")["deleted_at"] is not None


def test_a_deleted_forecast_cannot_be_changed(seeded):
    ok("delete", "2", "--reason", "mistake")
    for args in (("update", "2", "--status", "void"), ("evidence", "add", "2", "late news"),
                 ("delete", "2", "--reason", "again")):
        result = run(*args)
        assert result.exit_code == 1 and "deleted" in result.stderr, args


def test_version_and_help(ledger):
    assert ok("--version").stdout.startswith("tracker ")
    help_text = ok("--help").stdout
    for command in ("add", "list", "show", "update", "evidence", "history", "delete", "seed", "db"):
        assert f"  {command}" in help_text


def test_restating_the_current_status_with_a_note_is_recorded(seeded):
    ok("update", "1", "--status", "open", "--note", "still nothing decisive")
    event = run_json("history", "1")[-1]
    assert event == {**event, "kind": "status_changed", "from": "open", "to": "open",
                     "note": "still nothing decisive"}


@pytest.mark.sqlite_only
def test_default_ledger_lives_in_the_user_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("TRACKER_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    ok("seed")
    assert (tmp_path / "data" / "tracker" / "tracker.db").is_file()
    assert len(run_json("list")) == 3


@pytest.mark.sqlite_only
def test_reading_the_default_ledger_before_it_exists_creates_no_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("TRACKER_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for command in (["list"], ["stats"], ["db", "current"]):
        result = run(*command)
        assert result.exit_code == 1 and result.stderr.startswith("Error: "), command
    assert not (tmp_path / "data").exists()


def test_debug_shows_the_traceback_that_errors_otherwise_hide(ledger):
    plain = run("show", "999")
    assert plain.exit_code == 1 and "Traceback" not in plain.stderr
    debug = run("--debug", "show", "999")
    assert isinstance(debug.exception, NotFound)
