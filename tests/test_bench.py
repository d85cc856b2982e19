"""The benchmark keeps working as the commands change. Nothing here is timed: a tiny ledger
says nothing about speed, so only the table's shape is checked, not its verdicts."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "run.py"


@pytest.mark.sqlite_only
def test_the_benchmark_measures_every_target_and_prints_its_table(tmp_path):
    done = subprocess.run([sys.executable, str(BENCH), "--size", "1000", "--rounds", "1", "--ledgers", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stderr
    table = done.stdout[done.stdout.index("command "):]
    for row in ("tracker --help  (import click → tracker)", "list --search RARE --limit 50  (seed → large)",
                "update ID --probability P  (seed → large)", "export --format jsonl  (seed → large)",
                "score  (sqlite3 → large)"):
        assert row in table
    assert "measurements meet their targets" in done.stdout
    assert (tmp_path / "seed.db").exists() and list(tmp_path.glob("large-1000-*.db"))
