"""Start-up is a feature: help and version load no database code; ordinary commands no Alembic."""

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from tracker.cli.main import main
sys.argv = ["tracker"] + json.loads(sys.argv[1])
try:
    main()
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "sqlalchemy": "sqlalchemy" in sys.modules, "alembic": "alembic" in sys.modules,
                  "modules": sorted(sys.modules)}),
      file=sys.stderr)
"""


def loaded_by(*args: str) -> dict:
    """Run tracker in a fresh interpreter and report which heavy libraries it imported."""
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(list(args))], capture_output=True, text=True)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, None), done.stderr
    return report


@pytest.mark.parametrize("args", [[], ["--help"], ["--version"], ["list", "--help", "--db", "x"], ["list", "--help"], ["update", "--help"],
                                  ["evidence", "--help"], ["db", "--help"],
                                  ["score", "--help"], ["stats", "--help"], ["report", "--help"],
                                  ["review", "--help"], ["snooze", "--help"], ["undo", "--help"],
                                  ["doctor", "--help"], ["export", "--help"], ["import", "--help"],
                                  ["show", "--help"], ["history", "--help"], ["add", "--help"],
                                  ["delete", "--help"], ["seed", "--help"], ["evidence", "list", "--help"]])
def test_help_and_version_import_neither_sqlalchemy_nor_alembic(args):
    report = loaded_by(*args)
    assert not report["sqlalchemy"] and not report["alembic"]


@pytest.mark.parametrize("args", [["list"], ["show", "1"], ["history", "1"], ["evidence", "list", "1"],
                                  ["add", "claim"], ["update", "1", "--status", "developing"],
                                  ["evidence", "add", "1", "news"], ["seed"], ["seed", "--list"],
                                  ["delete", "2", "--reason", "test"], ["score", "--by", "tag"], ["stats"],
                                  ["report", "-o", "-", "--format", "markdown"],
                                  ["report", "-o", "-", "--format", "html", "--tag", "us-russia"], ["review"], ["review", "1"],
                                  ["snooze", "1", "--until", "+3d"], ["list", "--due", "--overdue"],
                                  ["undo"], ["list", "--as-of", "today"], ["show", "1", "--as-of", "today"],
                                  ["review", "--format", "ics"], ["export"],
                                  ["export", "--format", "csv"], ["export", "--format", "markdown"],
                                  ["list", "--search", "deterrence"], ["list", "--search", "de"],
                                  ["list", "--tag", "us-russia", "--status", "open"],
                                  ["list", "--after", "1", "--sort", "-made_on", "--limit", "1"],
                                  ["list", "--active", "--format", "csv"], ["score"],
                                  ["score", "--time-weighted", "--format", "jsonl"], ["review", "--limit", "2"],
                                  ["evidence", "list", "1", "--format", "json"], ["history", "1", "--format", "csv"],
                                  ["list", "--format", "json"], ["show", "1", "--format", "json"],
                                  ["stats", "--format", "json"], ["export", "--format", "jsonl"],
                                  ["score", "--by", "author"], ["list", "--deleted"], ["list", "--by-actor", "someone"],
                                  ["list", "--status", "open", "--sort", "-probability", "--limit", "50"]])
def test_ordinary_commands_on_a_ledger_at_head_do_not_import_alembic(seeded, args):
    report = loaded_by(*args)
    assert report["sqlalchemy"] and not report["alembic"]


# The hot reads, which must start as fast as the bare libraries.
HOT_READS = [["list"], ["list", "--limit", "50"], ["show", "1"], ["history", "1"], ["review", "--limit", "50"],
             ["list", "--as-of", "today", "--limit", "50"], ["score"]]
OTHER_BACKEND = {"sqlite": "postgresql", "postgresql": "sqlite"}


@pytest.mark.parametrize("args", HOT_READS)
def test_a_command_loads_the_dialect_of_its_own_backend_only(seeded, args):
    """SQLAlchemy loads a dialect with every driver it knows (PostgreSQL's: asyncpg, pg8000,
    psycopg2...), so naming the other backend anywhere at start-up costs each command that much."""
    modules = loaded_by(*args)["modules"]
    assert f"sqlalchemy.dialects.{seeded.backend}" in modules
    assert f"sqlalchemy.dialects.{OTHER_BACKEND[seeded.backend]}" not in modules


@pytest.mark.parametrize("args", HOT_READS)
def test_hot_reads_do_not_load_shell_completion(seeded, args):
    """Click's completion machinery is for the Tab key (`_TRACKER_COMPLETE`), not for running a command."""
    assert "click.shell_completion" not in loaded_by(*args)["modules"]
