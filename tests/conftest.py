"""Every test gets its own ledger file through TRACKER_DB, and a fixed actor."""

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli.main import cli

TABLES = ("sources", "forecasts", "forecast_tags", "evidence", "events", "event_citations", "alembic_version")


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path:
    """One ledger created at head by the real first-use path, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "ledger.db"
    result = CliRunner().invoke(cli, ["--db", str(path), "list"])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(autouse=True)
def ledger_path(tmp_path, monkeypatch, migrated_template) -> Path:
    path = tmp_path / "ledger.db"
    shutil.copyfile(migrated_template, path)
    monkeypatch.setenv("TRACKER_DB", str(path))
    monkeypatch.setenv("TRACKER_USER", "tester")
    return path


class Result:
    def __init__(self, click_result):
        self.exit_code = click_result.exit_code
        self.stdout = click_result.stdout
        self.stderr = click_result.stderr
        self.exception = click_result.exception

    def json(self):
        return json.loads(self.stdout)


def run(*args: str, input: str | None = None) -> Result:
    """Run the real command line in-process, stdout and stderr kept apart."""
    return Result(CliRunner().invoke(cli, [str(a) for a in args], input=input, prog_name="tracker"))


def ok(*args: str) -> Result:
    result = run(*args)
    assert result.exit_code == 0, f"{args} exited {result.exit_code}: {result.stderr}{result.exception!r}"
    return result


def run_json(*args: str):
    return ok(*args, "--format", "json").json()


def dump(path: Path) -> dict[str, list]:
    """A logical dump of the ledger: every row of every table, in a stable order."""
    if not path.exists():
        return {}
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return {table: sorted(map(repr, conn.execute(f"SELECT * FROM {table}")))
                for table in TABLES}


@pytest.fixture
def seeded(ledger_path) -> Path:
    ok("seed")
    return ledger_path
