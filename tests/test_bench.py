"""The benchmark keeps working as the commands change, and its generated ledgers are ones
tracker could have written. Nothing here is timed: a tiny ledger says nothing about speed,
so only the table's shape is checked, not its verdicts."""

import datetime as dt
import importlib.util
import json
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from conftest import run

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load_generator():
    spec = importlib.util.spec_from_file_location("bench_generate", BENCH / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = load_generator()


def doctor_problems(path: Path) -> dict[str, list[str]]:
    """What `tracker doctor --format json` reports wrong with the ledger, by check."""
    result = run("--db", path, "doctor", "--format", "json")
    assert result.stdout, result.stderr
    report = {check["check"]: check["problems"] for check in json.loads(result.stdout)}
    assert set(report) == {"integrity", "foreign keys", "schema", "timelines", "search"}
    assert result.exit_code == (0 if not any(report.values()) else 1), result.stderr
    return {name: problems for name, problems in report.items() if problems}


@pytest.mark.sqlite_only
def test_the_benchmark_measures_every_target_and_prints_its_table(tmp_path):
    done = subprocess.run([sys.executable, str(BENCH / "run.py"), "--size", "1000", "--rounds", "1",
                           "--ledgers", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stderr
    table = done.stdout[done.stdout.index("command "):]
    for row in ("tracker --help  (import click → tracker)", "list --search RARE --limit 50  (seed → large)",
                "update ID --probability P  (seed → large)", "export --format jsonl  (seed → large)",
                "report --format html  (seed → large)", "report --all --format html  (seed → large)",
                "score  (sqlite3 → large)"):
        assert row in table
    assert "measurements meet their targets" in done.stdout
    [large] = tmp_path.glob("large-1000-*.db")
    assert (tmp_path / "seed.db").exists()
    # Generated, then written to by the measured commands, the ledger still explains itself.
    assert doctor_problems(large) == {}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A generated ledger big enough to hold every kind of command, the rare ones included."""
    path = tmp_path_factory.mktemp("generated") / "ledger.db"
    generate.generate(path, 4000, say=lambda line: None)
    return path


@pytest.mark.sqlite_only
def test_a_generated_ledger_passes_every_check_of_doctor(generated):
    assert doctor_problems(generated) == {}


def query(path: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return conn.execute(sql).fetchall()


def local_day(at: str) -> dt.date:
    return dt.datetime.fromisoformat(at).replace(tzinfo=dt.timezone.utc).astimezone().date()


@pytest.mark.sqlite_only
def test_each_generated_change_is_one_command_as_tracker_runs_it(generated):
    """What doctor does not look at: who and when on changes and evidence, and the dates
    that `add`, `review` and `snooze` take from the calendar."""
    commands = dict(query(generated, "SELECT command, count(*) FROM changes GROUP BY command"))
    assert set(commands) == {"add", "update", "evidence add", "evidence retract", "review", "snooze", "delete"}
    # Events of a change: one forecast, the change's actor and moment; every change has some.
    assert query(generated, "SELECT count(*) FROM events e JOIN changes c ON c.id = e.change_id "
                            "WHERE e.actor <> c.actor OR e.at <> c.at") == [(0,)]
    assert query(generated, "SELECT count(*) FROM changes c WHERE NOT EXISTS "
                            "(SELECT 1 FROM events e WHERE e.change_id = c.id)") == [(0,)]
    assert query(generated, "SELECT count(*) FROM (SELECT change_id FROM events GROUP BY change_id "
                            "HAVING count(DISTINCT forecast_id) > 1)") == [(0,)]
    # Evidence is credited to whoever added or retracted it, at that event's moment.
    assert query(generated, "SELECT count(*) FROM evidence v JOIN events e ON e.evidence_id = v.id "
                            "WHERE (e.kind = 'evidence_added' AND (e.actor, e.at) IS NOT (v.added_by, v.added_at)) "
                            "OR (e.kind = 'evidence_retracted' AND (e.actor, e.at, e.note) IS NOT "
                            "(v.retracted_by, v.retracted_at, v.retraction_reason))") == [(0,)]
    # Moments go forward along each timeline, and nothing follows a deletion.
    assert query(generated, "SELECT count(*) FROM events a JOIN events b ON b.forecast_id = a.forecast_id "
                            "AND b.version = a.version + 1 WHERE b.at < a.at OR b.id < a.id") == [(0,)]
    assert query(generated, "SELECT count(*) FROM events e JOIN forecasts f ON f.id = e.forecast_id "
                            "WHERE e.at > f.deleted_at") == [(0,)]
    # Cited evidence belongs to the forecast and stood when it was cited.
    assert query(generated, "SELECT count(*) FROM event_citations x JOIN events e ON e.id = x.event_id "
                            "JOIN evidence v ON v.id = x.evidence_id WHERE v.forecast_id <> e.forecast_id "
                            "OR v.added_at > e.at OR v.retracted_at <= e.at") == [(0,)]
    for at, new in query(generated, "SELECT at, new_value FROM events WHERE kind = 'created'"):
        values = json.loads(new)
        assert dt.date.fromisoformat(values["made_on"]) <= local_day(at)
        next_review_on = dt.date.fromisoformat(values["next_review_on"])
        assert next_review_on == local_day(at) + dt.timedelta(days=values["review_every"])
    schedules = query(generated, "SELECT e.kind, e.at, e.old_value, e.new_value, f.review_every FROM events e "
                                 "JOIN forecasts f ON f.id = e.forecast_id WHERE e.kind IN ('reviewed', 'snoozed')")
    assert {kind for kind, *_ in schedules} == {"reviewed", "snoozed"}
    for kind, at, old, new, review_every in schedules:
        new = dt.date.fromisoformat(json.loads(new))
        if kind == "reviewed":
            assert new == local_day(at) + dt.timedelta(days=review_every)
        else:
            assert new >= local_day(at) and new != dt.date.fromisoformat(json.loads(old))
    for added_at, observed_on in query(generated, "SELECT added_at, observed_on FROM evidence"):
        assert dt.date.fromisoformat(observed_on) <= local_day(added_at)


@pytest.mark.sqlite_only
def test_the_same_seed_and_day_give_the_same_ledger(tmp_path):
    day = dt.date(2026, 3, 1)
    for name in ("one.db", "two.db"):
        generate.generate(tmp_path / name, 300, seed=3, today=day, say=lambda line: None)
    for table in generate.COLUMNS:
        rows = [query(tmp_path / name, f"SELECT * FROM {table} ORDER BY 1, 2") for name in ("one.db", "two.db")]
        assert rows[0] == rows[1] and rows[0], table


@pytest.mark.sqlite_only
def test_the_foreign_benchmark_imports_and_scores_a_predictionbook_sized_file(tmp_path):
    """Run at a tiny scale: the file it writes is read as iqisa's, and both commands run."""
    done = subprocess.run([sys.executable, str(BENCH / "foreign.py"), "--scale", "0.002", "--keep", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stderr
    for row in ("tracker import --from iqisa", "tracker score --by forecaster", "measurements meet their targets"):
        assert row in done.stdout
    sample = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "forecasting"
    for generated, real in (("public.csv", "predictionbook-public.sample.csv"),
                            ("questions.csv", "predictionbook-questions.sample.csv")):
        if (sample / real).exists():  # the same columns as the data it stands for
            assert (tmp_path / generated).read_text().splitlines()[0] == (sample / real).read_text().splitlines()[0]
    assert doctor_problems(tmp_path / "ledger.db") == {}
    assert query(tmp_path / "ledger.db", "SELECT count(*) FROM events WHERE kind = 'estimate'") == [(127,)]
