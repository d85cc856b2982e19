"""Nothing destroys a team's ledger by accident: a PostgreSQL downgrade that would drop data
asks for --yes and names the backup to take first, and a ledger left at base says what
happened instead of passing for an empty one."""

import datetime as dt
import shlex
import shutil
import subprocess

import pytest
from sqlalchemy.engine import make_url

from conftest import dump, ok, run, run_json
from test_bad_input import assert_clean_failure
from tracker.storage import schema

pytestmark = pytest.mark.postgres_only

PASSWORD = "s3cret-pw"


def with_password(url: str) -> str:
    return make_url(url).set(password=PASSWORD).render_as_string(hide_password=False)


def backup_command(target: str) -> str:
    """The pg_dump command the refusal must give for this ledger, to the letter."""
    plain = make_url(target).set(drivername="postgresql").render_as_string(hide_password=False)
    return f"pg_dump --format=custom --file=tracker-{dt.date.today():%Y%m%d}.dump '{plain}'"


@pytest.mark.parametrize("revision", ["base", "0001_initial", "0003_scoring", "0005_search_fold"])
def test_a_downgrade_that_drops_data_is_refused_without_yes(seeded, revision):
    ok("evidence", "add", "1", "hotline used")
    before = dump(seeded)
    result = run("--db", with_password(seeded.target), "db", "downgrade", revision)
    assert_clean_failure(result, 1, "would drop the team's data")
    assert backup_command(seeded.target) in result.stderr
    assert f"tracker db downgrade {revision} --yes" in result.stderr
    assert PASSWORD not in result.stderr
    assert dump(seeded) == before
    assert ok("db", "current").stdout.strip() == f"{schema.HEAD} (head)"


def test_a_downgrade_with_yes_proceeds(seeded):
    result = ok("db", "downgrade", "0003_scoring", "--yes")
    assert "0003_scoring" in result.stderr
    assert ok("db", "current").stdout.startswith("0003_scoring")


def test_a_ledger_downgraded_to_base_says_so_and_is_not_taken_for_an_empty_one(seeded):
    ok("db", "downgrade", "base", "--yes")
    for command in (["list"], ["add", "a claim"], ["seed"]):
        result = run(*command)
        assert_clean_failure(result, 1, "downgraded to base")
        assert "its tables were dropped" in result.stderr and "pg_restore" in result.stderr
        assert "tracker db upgrade" in result.stderr and "empty ledger" in result.stderr
    assert dump(seeded) == {"alembic_version": []}
    ok("db", "upgrade")  # a team that means to start afresh may
    assert run_json("list") == []


def test_a_ledger_behind_head_says_its_forecasts_are_kept_by_the_upgrade(seeded):
    ok("db", "downgrade", "0005_search_fold", "--yes")
    before = dump(seeded)
    result = run("list")
    assert_clean_failure(result, 1, "is at schema revision 0005_search_fold")
    assert "tracker db upgrade" in result.stderr
    assert dump(seeded) == before


@pytest.mark.skipif(not shutil.which("pg_dump") or not shutil.which("pg_restore"),
                    reason="needs PostgreSQL's pg_dump and pg_restore")
def test_the_backup_the_refusal_names_brings_the_ledger_back(seeded, tmp_path):
    ok("evidence", "add", "1", "hotline used", "--stance", "supports")
    ok("update", "1", "--status", "developing", "--evidence", "1")
    listed, shown = run_json("list"), run_json("show", "1")
    refusal = run("db", "downgrade", "base")
    command = backup_command(seeded.target)
    assert command in refusal.stderr
    subprocess.run(command, shell=True, cwd=tmp_path, check=True, capture_output=True)
    ok("db", "downgrade", "base", "--yes")
    advice = run("list").stderr
    restore = advice[advice.index("pg_restore"):].split("`")[0].replace("FILE", shlex.quote(
        str(tmp_path / f"tracker-{dt.date.today():%Y%m%d}.dump")))
    subprocess.run(restore, shell=True, check=True, capture_output=True)
    assert run_json("list") == listed and run_json("show", "1") == shown
