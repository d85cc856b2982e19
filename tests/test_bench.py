"""The benchmark keeps working as the commands change, and its generated ledgers pass
`tracker doctor`. Nothing here is timed: a tiny ledger says nothing about speed,
so only the table's shape is checked, not its verdicts."""

import importlib.util
import json
import subprocess
import sys
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
    assert set(report) == {"integrity", "foreign keys", "schema", "timelines"}
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

