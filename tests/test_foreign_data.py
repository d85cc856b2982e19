"""Real forecasting data, imported whole: PredictionBook's public predictions in iqisa's layout
and the Good Judgment Project's year-1 survey forecasts (samples in ../shared/data/forecasting/,
which stay out of this repository). Every count the files give is found again in the ledger,
odd records are kept and flagged, a later export merges without duplicates, and the
forecasters' scores are what an independent reading of the files gives."""

import csv
import datetime as dt
import json
import statistics
from collections import Counter
from pathlib import Path

import pytest

from conftest import dump, ok, run_json
from interchange_helpers import ledgers  # noqa: F401  (a fixture)

SAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "forecasting"
PB_FORECASTS = SAMPLES / "predictionbook-public.sample.csv"
PB_QUESTIONS = SAMPLES / "predictionbook-questions.sample.csv"
GJP_FORECASTS = SAMPLES / "gjp-survey_fcasts.sample.csv"
GJP_QUESTIONS = SAMPLES / "gjp-ifps.sample.csv"


@pytest.fixture(autouse=True)
def samples():
    if not SAMPLES.is_dir():
        pytest.skip(f"the real data samples are not at {SAMPLES}; these tests need them (CI has them)")


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def write_rows(path: Path, found: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(found[0]))
        writer.writeheader()
        writer.writerows(found)
    return path


def exported() -> list[dict]:
    return json.loads(ok("export", "--format", "json").stdout)["forecasts"]


def estimate_events(forecasts: list[dict]) -> list[dict]:
    return [event for forecast in forecasts for event in forecast["events"] if event["kind"] == "estimate"]


def moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def import_predictionbook(*more: str):
    return ok("import", "--from", "iqisa", *more, PB_FORECASTS, "--questions", PB_QUESTIONS)


def test_predictionbook_in_iqisa_layout_every_question_forecast_and_person(ledger):
    questions, predictions = rows(PB_QUESTIONS), rows(PB_FORECASTS)
    result = import_predictionbook()
    people = {row["user_id"] for row in predictions}
    assert f"{len(questions)} added" in result.stderr
    assert f"{len(predictions)} estimates by {len(people)} people." in result.stderr
    forecasts = exported()
    assert len(forecasts) == len(questions) == 288
    made = estimate_events(forecasts)
    assert len(made) == len(predictions) == 1367
    assert {event["actor"] for event in made} == {f"predictionbook:{person}" for person in people}
    assert len(people) == 301
    by_key = {forecast["key"]: forecast for forecast in forecasts}
    expected = {"1.0": "confirmed", "0.0": "refuted", "-1.0": "void", "": "open"}
    for question in questions:
        forecast = by_key[f"predictionbook/{question['question_id']}"]
        assert forecast["claim"] == question["q_title"]
        assert forecast["status"] == expected[question["outcome"]]
    # Each question's estimates are its rows, in order, by their people at their moments.
    for question_id in ("1", "67635"):
        mine = [(f"predictionbook:{row['user_id']}", moment(row["timestamp"]), float(row["probability"]))
                for row in predictions if row["question_id"] == question_id]
        events = by_key[f"predictionbook/{question_id}"]["events"]
        assert [(e["actor"], moment(e["at"]), e["new"]) for e in events if e["kind"] == "estimate"] == mine
    ok("doctor")


def test_odd_but_real_predictionbook_records_are_kept_and_flagged(ledger):
    questions, predictions = rows(PB_QUESTIONS), rows(PB_FORECASTS)
    result = import_predictionbook()
    early = [q for q in questions if moment(q["close_time"]).date() < moment(q["open_time"]).date()]
    certain = [row for row in predictions if float(row["probability"]) in (0.0, 1.0)]
    ambiguous = [q for q in questions if q["q_status"] == "ambiguous"]
    assert early and certain and ambiguous
    assert f"{len(early)} deadlines before creation kept (tagged flag:deadline-before-creation)." in result.stderr
    assert f"{len(certain)} probabilities of exactly 0 or 1 kept." in result.stderr
    assert f"{len(ambiguous)} questions judged ambiguous or voided imported as void." in result.stderr
    flagged = run_json("list", "--tag", "flag:deadline-before-creation", "--final")
    assert sorted(f["key"] for f in flagged) == sorted(f"predictionbook/{q['question_id']}" for q in early)
    assert all(f["resolve_by"] < f["made_on"] for f in flagged)
    # One person twice in one second: both kept, in file order.
    twice = run_json("show", "predictionbook/67635")
    assert [(e["actor"], e["probability"]) for e in twice["estimates"]][-2:] == [("predictionbook:qwerty314", 0.25)] * 2
    assert {run_json("show", f"predictionbook/{q['question_id']}")["status"] for q in ambiguous} == {"void"}
    made = estimate_events(exported())
    assert sum(event["new"] in (0, 1) for event in made) == len(certain)


def test_without_its_questions_file_each_question_gets_a_placeholder_title(ledger):
    result = ok("import", "--from", "iqisa", PB_FORECASTS)
    assert "288 questions with no title given a placeholder title (tagged flag:no-title)." in result.stderr
    shown = run_json("show", "predictionbook/1")
    assert shown["claim"] == "PredictionBook prediction 1 (no title)" and "flag:no-title" in shown["tags"]
    result = import_predictionbook()  # the questions, later: titles given, flags taken off
    assert "0 added, 288 updated" in result.stderr
    shown = run_json("show", "predictionbook/1")
    assert shown["claim"].startswith("PredictionBook will have an Alpha server")
    assert "flag:no-title" not in shown["tags"]
    assert len(estimate_events(exported())) == 1367


def test_gjp_forecasts_are_grouped_into_estimates_on_their_questions(ledger):
    questions, forecasts_rows = rows(GJP_QUESTIONS), rows(GJP_FORECASTS)
    result = ok("import", "--from", "gjp", GJP_FORECASTS, "--questions", GJP_QUESTIONS)
    forecast_ids = {row["forecast_id"] for row in forecasts_rows}
    people = {row["user_id"] for row in forecasts_rows}
    assert f"{len(questions)} added" in result.stderr
    assert f"{len(forecast_ids)} estimates by {len(people)} people." in result.stderr
    forecasts = exported()
    assert len(forecasts) == 6 and len(estimate_events(forecasts)) == len(forecast_ids) == 300
    assert {e["actor"] for e in estimate_events(forecasts)} == {f"gjp:{person}" for person in people}
    talks = run_json("show", "gjp/1001-0")  # (a) Yes, (b) No: a yes/no forecast on the chance of Yes
    assert talks["options"] is None and talks["status"] == "refuted"
    yes = {row["forecast_id"]: float(row["value"]) for row in forecasts_rows
           if row["ifp_id"] == "1001-0" and row["answer_option"] == "a"}
    assert sorted(e["probability"] for e in talks["estimates"]) == sorted(yes.values())
    russia = run_json("show", "gjp/1002-0")
    assert russia["options"] == ["Medvedev", "Putin", "Neither"]
    assert (russia["status"], russia["outcome"]) == ("confirmed", "Putin")
    assert all(set(e["probabilities"]) == set(russia["options"]) for e in russia["estimates"])
    sea = run_json("show", "gjp/1007-0")
    assert sea["options"][0] == "Yes, by 15 October 2011" and sea["outcome"] == "Yes, between 16 Oct and 31 Dec"
    assert run_json("show", "gjp/1019-0")["status"] == "void"
    assert run_json("show", "gjp/1079-0")["outcome"] == "Henrique Capriles Radonski"
    assert russia["events"][-1]["at"].startswith("2012-05-06")  # date_closed
    ok("doctor")


def test_a_later_export_merges_into_an_earlier_one_as_if_imported_whole(ledger, ledgers, tmp_path):  # noqa: F811
    """An earlier copy lacks some forecasts (some made before their question was resolved),
    some resolutions, and has some titles that were edited since; importing the later one on
    top leaves each question with every forecast once, and scores as a direct import does."""
    questions, predictions = rows(PB_QUESTIONS), rows(PB_FORECASTS)
    earlier_questions = [dict(q, q_title=q["q_title"] + " (draft)") if n % 11 == 0 else
                         dict(q, q_status="open", outcome="", resolve_time="") if n % 7 == 0 else q
                         for n, q in enumerate(questions)]
    earlier_predictions = [row for n, row in enumerate(predictions) if n % 5]
    ok("import", "--from", "iqisa", write_rows(tmp_path / "p.csv", earlier_predictions),
       "--questions", write_rows(tmp_path / "q.csv", earlier_questions))
    result = import_predictionbook()
    assert "0 added" in result.stderr and "288 unchanged" not in result.stderr
    merged = exported()
    assert len(merged) == 288
    made = estimate_events(merged)
    assert Counter((e["actor"], e["at"], e["new"]) for e in made) == Counter(
        (f"predictionbook:{row['user_id']}", moment(row["timestamp"]).isoformat(), float(row["probability"]))
        for row in predictions)
    assert not any(f["claim"].endswith("(draft)") for f in merged)
    merged_cards = run_json("score", "--by", "forecaster")
    settled = dump(ledger)
    assert "0 updated, 288 unchanged" in import_predictionbook().stderr
    assert dump(ledger) == settled
    direct = ledgers.new()
    ok("--db", direct, "import", "--from", "iqisa", PB_FORECASTS, "--questions", PB_QUESTIONS)
    assert merged_cards == run_json("--db", direct, "score", "--by", "forecaster")
    ok("doctor")


def test_a_later_gjp_release_merges_into_an_earlier_one_as_if_imported_whole(ledger, ledgers, tmp_path):  # noqa: F811
    """An earlier copy of the GJP files lacks some forecasts (all the rows of each), one
    question's outcome, and has a question text edited since; the later files imported on top
    leave the ledger as a direct import of them does, each forecast once."""
    from test_foreign import what_came_in

    questions, forecasts = rows(GJP_QUESTIONS), rows(GJP_FORECASTS)
    dropped = sorted({row["forecast_id"] for row in forecasts})[::4]
    earlier_forecasts = [row for row in forecasts if row["forecast_id"] not in dropped]
    resolved = next(n for n, q in enumerate(questions) if q["outcome"].strip() and q["q_status"] == "closed")
    earlier_questions = [dict(q, outcome="", date_closed="") if n == resolved else
                         dict(q, q_text=q["q_text"] + " (draft)") if n == 0 else q for n, q in enumerate(questions)]
    ok("import", "--from", "gjp", write_rows(tmp_path / "f.csv", earlier_forecasts),
       "--questions", write_rows(tmp_path / "q.csv", earlier_questions))
    result = ok("import", "--from", "gjp", GJP_FORECASTS, "--questions", GJP_QUESTIONS)
    assert "0 added" in result.stderr and " 0 updated" not in result.stderr
    merged = what_came_in(json.loads(ok("export", "--format", "json").stdout))
    settled = dump(ledger)
    assert "0 added, 0 updated" in ok("import", "--from", "gjp", GJP_FORECASTS, "--questions", GJP_QUESTIONS).stderr
    assert dump(ledger) == settled
    direct = ledgers.new()
    ok("--db", direct, "import", "--from", "gjp", GJP_FORECASTS, "--questions", GJP_QUESTIONS)
    assert merged == what_came_in(json.loads(ok("--db", direct, "export", "--format", "json").stdout))
    assert run_json("score", "--by", "forecaster") == run_json("--db", direct, "score", "--by", "forecaster")


@pytest.mark.parametrize("origin,files", [("iqisa", (PB_FORECASTS, "--questions", PB_QUESTIONS)),
                                          ("gjp", (GJP_FORECASTS, "--questions", GJP_QUESTIONS))])
def test_after_importing_real_data_export_import_export_is_byte_identical(ledger, ledgers, tmp_path,  # noqa: F811
                                                                          origin, files):
    ok("import", "--from", origin, *files)
    for fmt in ("json", "jsonl"):
        first = ok("export", "--format", fmt).stdout
        (tmp_path / f"ledger.{fmt}").write_text(first, encoding="utf-8")
        other = ledgers.new()
        ok("--db", other, "import", tmp_path / f"ledger.{fmt}")
        assert ok("--db", other, "export", "--format", fmt).stdout == first
    # CSV keeps the scalar fields, not the timeline: its rows come back as forecasts made now by
    # the importing user, with what they say kept, deadlines before creation included (flagged).
    first = ok("export", "--format", "csv").stdout
    (tmp_path / "ledger.csv").write_text(first, encoding="utf-8")
    other = ledgers.new()
    result = ok("--db", other, "import", tmp_path / "ledger.csv")
    odd = [f for f in exported() if f["resolve_by"] and f["resolve_by"] < f["made_on"]]
    assert (f"{len(odd)} deadline" in result.stderr) == bool(odd) == ("before creation kept" in result.stderr)
    kept = ("key", "claim", "criteria", "source", "made_on", "resolve_by", "probability", "status", "tags",
            "review_every")
    again = ok("--db", other, "export", "--format", "csv").stdout
    assert [[row[name] for name in kept] for row in csv.DictReader(again.splitlines())] == \
        [[row[name] for name in kept] for row in csv.DictReader(first.splitlines())]


def independent_brier(questions: list[dict], predictions: list[dict]) -> dict[str, float]:
    """Each person's mean Brier score over the questions resolved yes or no, on their last
    forecast made before the resolution, read from the files alone."""
    outcome = {q["question_id"]: (float(q["outcome"]), moment(q["resolve_time"]))
               for q in questions if q["outcome"] in ("1.0", "0.0")}
    last: dict[tuple[str, str], float] = {}
    for row in sorted(predictions, key=lambda row: moment(row["timestamp"])):  # stable: file order in a second
        settled = outcome.get(row["question_id"])
        if settled and moment(row["timestamp"]) < settled[1]:
            last[f"predictionbook:{row['user_id']}", row["question_id"]] = float(row["probability"])
    scores: dict[str, list[float]] = {}
    for (person, question_id), p in last.items():
        scores.setdefault(person, []).append((p - outcome[question_id][0]) ** 2)
    return {person: statistics.fmean(values) for person, values in scores.items()}


def test_every_forecaster_of_the_real_data_is_scored_as_the_files_say(ledger):
    questions, predictions = rows(PB_QUESTIONS), rows(PB_FORECASTS)
    import_predictionbook()
    cards = {card["group"]: card for card in run_json("score", "--by", "forecaster") if not card["aggregate"]}
    expected = independent_brier(questions, predictions)
    assert set(cards) == set(expected) and len(expected) > 200
    for person, brier in expected.items():
        assert cards[person]["brier"] == pytest.approx(brier, rel=1e-11, abs=1e-12), person  # 12 significant digits
