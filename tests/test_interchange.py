"""tracker export and tracker import: formats, filters, upserts by key, and round trips."""

import csv
import datetime as dt
import io
import json

import pytest

from conftest import dump, ok, run, run_json
from interchange_helpers import ledgers  # noqa: F401  (a fixture)
from tracker.statuses import FINAL


def export(*args: str) -> str:
    return ok("export", *args).stdout


def busy_ledger() -> None:
    """The seed set with evidence, a retraction, a resolution, an edit and a deletion."""
    ok("seed")
    ok("evidence", "add", "1", "Deconfliction line used, again", "--stance", "supports",
       "--observed-on", "2025-10-02", "--url", "https://example.org/a")
    ok("evidence", "add", "1", "=HYPERLINK(\"http://evil\")", "--stance", "contradicts")
    ok("evidence", "retract", "2", "--reason", "misread; see \"Times\"")
    ok("update", "1", "--status", "developing", "--note", "line works", "--evidence", "1",
       "--probability", "60%", "--tag", "hotline")
    ok("update", "2", "--status", "confirmed", "--note", "signed")
    ok("delete", "3", "--reason", "duplicate")


def test_export_json_carries_everything_in_a_stable_layout(ledger):
    busy_ledger()
    text = export()
    document = json.loads(text)
    assert text == json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    assert list(document) == ["version", "forecasts"] and document["version"] == 1
    first, second, third = document["forecasts"]
    assert list(first)[:3] == ["id", "key", "claim"] and list(first)[-3:] == ["evidence", "events", "changes"]
    assert first["probability"] == 0.6 and first["status"] == "developing"
    assert first["source"]["title"].startswith("Unsigned opinion article")
    retracted = first["evidence"][1]
    assert retracted["retracted_by"] == "tester" and retracted["retraction_reason"] == 'misread; see "Times"'
    assert [e["kind"] for e in first["events"]] == [
        "created", "evidence_added", "evidence_added", "evidence_retracted", "edited", "edited", "status_changed"]
    assert first["events"][-1]["evidence_ids"] == [1]
    assert second["status"] == "confirmed"
    assert third["deleted_at"] is not None and third["events"][-1]["note"] == "duplicate"
    assert export() == text


def test_each_exported_forecast_is_what_show_gives(ledger):
    busy_ledger()
    ok("update", "2", "--tag", "zeta", "--tag", "alpha")
    for line in export("--format", "jsonl").splitlines():
        exported = json.loads(line)
        shown = run_json("show", str(exported["id"]))
        # show adds what the fold says of the estimates; export carries the events that say it.
        shown = {key: value for key, value in shown.items() if key not in ("estimates", "forecasters", "aggregates")}
        # A settled forecast has no next review to show; the export keeps the date its fold gives.
        if exported["status"] in FINAL:
            assert shown["next_review_on"] is None
            shown["next_review_on"] = exported["next_review_on"]
        assert exported == shown and list(exported) == list(shown)


def test_export_jsonl_is_one_forecast_a_line(seeded):
    lines = export("--format", "jsonl").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [1, 2, 3]
    assert all(json.loads(line)["events"][0]["kind"] == "created" for line in lines)


def test_export_to_a_file_takes_the_format_from_its_name(seeded, tmp_path):
    for name, check in [("out.jsonl", lambda t: len(t.splitlines()) == 3),
                        ("out.csv", lambda t: t.startswith("id,key,claim,")),
                        ("out.md", lambda t: t.startswith("# ") and "## Forecasts" in t),
                        ("out.json", lambda t: json.loads(t)["version"] == 1)]:
        result = ok("export", "-o", tmp_path / name)
        assert result.stdout == "" and f"Exported to {tmp_path / name}" in result.stderr
        assert check((tmp_path / name).read_text(encoding="utf-8")), name
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_export_filters_are_those_of_list(seeded):
    ok("update", "2", "--status", "refuted")
    ok("update", "1", "--tag", "hotline")
    ids = lambda *args: [f["id"] for f in json.loads(export(*args))["forecasts"]]  # noqa: E731
    assert ids("--status", "refuted") == [2]
    assert ids("--tag", "hotline") == [1]
    assert ids("--tag", "us-russia", "--status", "open") == [1, 3]
    assert ids("--source", "anchorage summit") == [1, 2, 3]
    assert ids("--source", "no such outlet") == []
    assert ids("--since", "today") == [1, 2, 3]
    assert ids("--since", "tomorrow") == []
    assert json.loads(export("--status", "void")) == {"version": 1, "forecasts": []}


def test_export_markdown_is_the_report_as_markdown(ledger, tmp_path):
    busy_ledger()
    text = export("--format", "markdown")
    assert "## Status overview" in text and "## Scores and calibration" in text and "## Scorecards" in text
    assert "### 1. US–Russia communication channels" in text
    assert "- **Status:** developing" in text and "- **Probability:** 60%" in text
    assert "~~" in text and "misread; see" in text  # the retracted evidence, struck through
    assert "anchorage-2025/deterrence-talks" not in text  # deleted forecasts stay out of documents
    ok("report", "-o", tmp_path / "report.md")
    report = (tmp_path / "report.md").read_text()
    assert text.split("\n", 3)[3] == report.split("\n", 3)[3]  # all but the generated-at line

    only_confirmed = export("--format", "markdown", "--status", "confirmed")
    assert "### 2. " in only_confirmed and "### 1. " not in only_confirmed


def test_csv_export_neutralises_formulas_and_import_restores_them(ledger, ledgers, tmp_path):
    claims = ["=1+2", "+SUM(A1)", "-2 degrees by 2030", "@cmd", "\tTabbed", "'=already quoted",
              "plain, with \"quotes\"\nand a newline", "Ünïcödé ✓ 日本語"]
    for n, claim in enumerate(claims):
        ok("add", "--key", f"c{n}", "--tag", "x", "--", claim)
    text = export("--format", "csv")
    cells = {row["key"]: row["claim"] for row in csv.DictReader(io.StringIO(text))}
    assert cells["c0"] == "'=1+2" and cells["c1"] == "'+SUM(A1)" and cells["c2"] == "'-2 degrees by 2030"
    assert cells["c3"] == "'@cmd" and cells["c5"] == "''=already quoted"
    assert cells["c6"] == claims[6] and cells["c7"] == claims[7]
    listed = {row["key"]: row["claim"] for row in csv.DictReader(io.StringIO(ok("list", "--format", "csv").stdout))}
    assert listed == cells
    path = tmp_path / "ledger.csv"
    path.write_text(text, encoding="utf-8")
    other = ledgers.new()
    ok("--db", other, "import", path)
    back = ok("--db", other, "export", "--format", "json").json()["forecasts"]
    assert [f["claim"] for f in back] == [c.strip() for c in claims]


def round_trip(ledgers, tmp_path, fmt: str) -> None:
    first = export("--format", fmt)
    path = tmp_path / f"ledger.{fmt}"
    path.write_text(first, encoding="utf-8")
    other = ledgers.new()
    result = ok("--db", other, "import", path)
    assert "3 added, 0 updated, 0 unchanged" in result.stderr
    assert ok("--db", other, "export", "--format", fmt).stdout == first


def test_json_round_trip_through_an_empty_ledger_is_byte_identical(ledger, ledgers, tmp_path):
    busy_ledger()
    round_trip(ledgers, tmp_path, "json")


def test_jsonl_round_trip_through_an_empty_ledger_is_byte_identical(ledger, ledgers, tmp_path):
    busy_ledger()
    round_trip(ledgers, tmp_path, "jsonl")


def test_importing_an_export_into_its_own_ledger_changes_nothing(ledger, tmp_path):
    busy_ledger()
    path = tmp_path / "ledger.json"
    path.write_text(export(), encoding="utf-8")
    before = dump(ledger)
    assert "0 added, 0 updated, 3 unchanged" in ok("import", path).stderr
    assert dump(ledger) == before


def test_restoring_into_a_ledger_whose_ids_are_taken_renumbers(ledger, ledgers, tmp_path):
    busy_ledger()
    path = tmp_path / "ledger.json"
    original = json.loads(export())
    path.write_text(export(), encoding="utf-8")
    other = ledgers.new()
    ok("--db", other, "add", "Something else first", "--key", "first")
    ok("--db", other, "evidence", "add", "first", "its evidence")
    ok("--db", other, "import", path)
    restored = ok("--db", other, "export", "--format", "json").json()["forecasts"]
    assert [f["key"] for f in restored][0] == "first"
    channels = restored[1]
    assert channels["id"] != original["forecasts"][0]["id"]
    assert [e["summary"] for e in channels["evidence"]] == [e["summary"] for e in original["forecasts"][0]["evidence"]]
    assert all(e["forecast_id"] == channels["id"] for e in channels["evidence"] + channels["events"])
    evidence_ids = [e["id"] for e in channels["evidence"]]
    assert evidence_ids[0] != 1
    assert channels["events"][-1]["evidence_ids"] == [evidence_ids[0]]
    assert [e["evidence_id"] for e in channels["events"] if "evidence_id" in e] == \
        [evidence_ids[0], evidence_ids[1], evidence_ids[1]]
    strip = lambda f: {k: v for k, v in f.items() if k not in ("id", "evidence", "events", "changes")}  # noqa: E731
    assert strip(channels) == strip(original["forecasts"][0])
    ok("--db", other, "add", "After the import", "--key", "after")
    assert ok("--db", other, "show", "after", "--format", "json").json()["id"] > max(f["id"] for f in restored)


def test_bare_objects_are_created_and_resolved_by_the_importing_user(ledger, tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text("\n".join(json.dumps(o) for o in [
        {"claim": "Rain tomorrow"},
        {"claim": "Talks resume", "key": "talks", "probability": 0.3, "status": "refuted", "tags": ["geneva"],
         "made_on": "2025-01-02", "resolve_by": "2025-06-01", "criteria": "Both sides attend",
         "source": {"title": "Weekly Review", "author": "A. Writer"},
         "evidence": [{"summary": "Talks cancelled", "stance": "contradicts", "observed_on": "2025-05-01"},
                      {"summary": "Rumour", "retraction_reason": "false"}]},
    ]) + "\n", encoding="utf-8")
    assert "2 added, 0 updated, 0 unchanged" in ok("--as", "importer", "import", path).stderr
    rain = run_json("show", "1")
    assert rain["key"] == "rain-tomorrow" and rain["status"] == "open"
    assert [(e["kind"], e["actor"], e["note"]) for e in rain["events"]] == [("created", "importer", "imported from mine.jsonl")]
    talks = run_json("show", "talks")
    assert talks["status"] == "refuted" and talks["probability"] == 0.3 and talks["tags"] == ["geneva"]
    assert talks["source"]["author"] == "A. Writer" and talks["resolve_by"] == "2025-06-01"
    assert [e["kind"] for e in talks["events"]] == [
        "created", "evidence_added", "evidence_added", "evidence_retracted", "status_changed"]
    assert {e["at"] for e in talks["events"]} == {talks["created_at"]}
    assert talks["evidence"][1]["retraction_reason"] == "false"
    assert talks["events"][-1]["note"] == "imported from mine.jsonl"


def test_a_record_with_a_known_key_updates_only_what_differs(seeded, tmp_path):
    path = tmp_path / "changes.json"
    path.write_text(json.dumps([
        {"key": "anchorage-2025/channels", "claim": "Channels are restored", "probability": 0.7,
         "status": "developing", "tags": ["us-russia", "hotline"],
         "evidence": [{"summary": "Line used", "observed_on": "2025-10-02", "stance": "supports"}]},
        {"key": "anchorage-2025/deterrence-talks",
         "claim": run_json("show", "3")["claim"]},
    ]), encoding="utf-8")
    assert "Dry run, nothing written" in ok("import", path, "--dry-run").stderr
    assert "would add 0, update 1 and leave 1 unchanged" in ok("import", path, "--dry-run").stderr
    assert run_json("show", "1")["version"] == 1
    assert "0 added, 1 updated, 1 unchanged" in ok("import", path).stderr
    channels = run_json("show", "1")
    assert channels["claim"] == "Channels are restored" and channels["probability"] == 0.7
    assert channels["criteria"].startswith("Confirmed if")  # not in the record: left alone
    assert [(e["kind"], e.get("field"), e["note"]) for e in channels["events"][1:]] == [
        ("edited", "claim", "imported from changes.json"), ("edited", "probability", "imported from changes.json"),
        ("edited", "tags", "imported from changes.json"), ("evidence_added", None, "imported from changes.json"),
        ("status_changed", None, "imported from changes.json")]
    before = dump(seeded)
    assert "0 added, 0 updated, 2 unchanged" in ok("import", path).stderr
    assert dump(seeded) == before


def test_an_export_applied_to_an_older_copy_brings_it_up_to_date(ledger, ledgers, tmp_path):
    ok("seed")
    old = tmp_path / "old.json"
    old.write_text(export(), encoding="utf-8")
    ok("update", "1", "--status", "confirmed", "--note", "done")
    ok("evidence", "add", "2", "Agreement text published", "--observed-on", "2025-12-01")
    ok("delete", "3", "--reason", "mistake")
    new = tmp_path / "new.json"
    new.write_text(export(), encoding="utf-8")
    other = ledgers.new()
    ok("--db", other, "import", old)
    assert "0 added, 3 updated, 0 unchanged" in ok("--db", other, "import", new).stderr
    copy = {f["key"]: f for f in ok("--db", other, "export").json()["forecasts"]}
    assert copy["anchorage-2025/channels"]["status"] == "confirmed"
    assert [e["summary"] for e in copy["anchorage-2025/technical-agreements"]["evidence"]] == ["Agreement text published"]
    assert copy["anchorage-2025/deterrence-talks"]["deleted_at"] is not None
    assert "0 added, 0 updated, 3 unchanged" in ok("--db", other, "import", new).stderr


def test_seed_files_import_as_they_are(ledger):
    from importlib.resources import files

    seed = files("tracker.seeds") / "anchorage-2025.json"
    assert "3 added" in ok("import", str(seed)).stderr
    assert [f["key"] for f in run_json("list")] == [
        "anchorage-2025/channels", "anchorage-2025/technical-agreements", "anchorage-2025/deterrence-talks"]


def test_no_progress_bar_on_a_pipe(seeded, tmp_path):
    path = tmp_path / "x.json"
    path.write_text(export(), encoding="utf-8")
    result = ok("import", path)
    assert result.stderr == "Imported x.json: 0 added, 0 updated, 3 unchanged.\n"
    assert run("export").stderr == ""


def test_export_of_a_large_ledger_uses_pages(ledger, tmp_path):
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps({"claim": f"claim {n}", "key": f"k{n}"}) + "\n" for n in range(1203)),
                    encoding="utf-8")
    ok("import", path)
    lines = export("--format", "jsonl").splitlines()
    assert [json.loads(line)["key"] for line in lines] == [f"k{n}" for n in range(1203)]
    assert len(export("--format", "csv").splitlines()) == 1204
    assert dt.date.fromisoformat(json.loads(lines[-1])["made_on"]) == dt.date.today()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_progress_bar_shows_on_a_terminal_for_long_work_only(monkeypatch):
    from tracker.cli.progress import WORTH_SHOWING, progress_bar

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    with progress_bar(WORTH_SHOWING - 1, "Importing") as advance_to:
        assert advance_to is None
    assert terminal.getvalue() == ""
    with progress_bar(WORTH_SHOWING * 2, "Importing") as advance_to:
        advance_to(WORTH_SHOWING)
    assert "Importing" in terminal.getvalue() and "100%" in terminal.getvalue()
    monkeypatch.setattr("sys.stderr", io.StringIO())
    with progress_bar(WORTH_SHOWING * 2, "Importing") as advance_to:
        assert advance_to is None


def test_an_export_reads_one_snapshot_even_while_others_write(seeded):
    from tracker.services.export import count_exported, exported_records
    from tracker.services.forecasts import ForecastFilter
    from tracker.storage.database import open_database, read_one_snapshot, transaction

    engine = open_database(seeded.target, write=False, notify=print)
    try:
        with transaction(engine) as session:
            read_one_snapshot(session)
            assert count_exported(session, ForecastFilter(deleted=None)) == 3
            ok("add", "Written while the export runs")
            assert [r["id"] for r in exported_records(session, ForecastFilter(deleted=None))] == [1, 2, 3]
    finally:
        engine.dispose()
    assert len(run_json("list")) == 4


def test_export_since_the_first_day_of_the_calendar(seeded):
    assert len(json.loads(export("--since", "0001-01-01"))["forecasts"]) == 3


def test_dash_means_standard_output_for_every_o_option(seeded, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert json.loads(ok("export", "-o", "-").stdout)["version"] == 1
    assert ok("review", "--format", "ics", "-o", "-").stdout.startswith("BEGIN:VCALENDAR")
    assert ok("report", "-o", "-", "--format", "markdown").stdout.startswith("# ")
    assert not (tmp_path / "-").exists()


def test_every_o_option_writes_through_a_symbolic_link(seeded, tmp_path):
    for n, args in enumerate([["export"], ["review", "--format", "ics"], ["report", "--format", "html"]]):
        target, link = tmp_path / f"target-{n}", tmp_path / f"link-{n}.json"
        target.write_text("old")
        link.symlink_to(target)
        ok(*args, "-o", link)
        assert link.is_symlink() and target.read_text() != "old"


@pytest.mark.parametrize("deleted", [False, True], ids=["standing", "deleted"])
def test_importing_its_own_export_with_two_alike_pieces_of_evidence_changes_nothing(tmp_path, deleted):
    """Each piece of evidence is matched once, so an export imported into its own ledger changes nothing."""
    ok("add", "Talks resume by June", "--key", "talks")
    ok("evidence", "add", "talks", "Talks resumed")
    ok("evidence", "add", "talks", "Talks resumed")
    ok("evidence", "retract", "2", "--reason", "misreported")
    if deleted:
        ok("delete", "talks", "--reason", "entered twice")
    before = run_json("show", "talks")
    ok("export", "-o", tmp_path / "ledger.json")
    imported = run("import", tmp_path / "ledger.json")
    assert imported.exit_code == 0 and "0 added, 0 updated, 1 unchanged" in imported.stderr
    assert run_json("show", "talks") == before
