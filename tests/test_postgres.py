"""Teams on PostgreSQL: the schema, upgrades under a lock, contention, and failures that
name the server but never the password."""

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from conftest import dump, ok, run, run_json
from tracker.storage import migrate, schema
from tracker.storage.database import create_ledger_engine, database_url

postgres_only = pytest.mark.postgres_only


def tracker(*args: str, env: dict | None = None) -> subprocess.Popen:
    """A real tracker process, as a second user on the team would run it."""
    return subprocess.Popen([sys.executable, "-m", "tracker", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})


@pytest.fixture
def empty_database(postgres):
    name = f"{postgres.prefix}_empty"
    url = postgres.create(name)
    yield url
    postgres.drop(name)


@postgres_only
def test_an_empty_database_is_refused_until_db_upgrade(empty_database):
    result = run("--db", empty_database, "list")
    assert result.exit_code == 1
    assert "is empty" in result.stderr and "tracker db upgrade" in result.stderr
    ok("--db", empty_database, "db", "upgrade")
    ok("--db", empty_database, "seed")
    assert len(run_json("--db", empty_database, "list")) == 3


@postgres_only
def test_a_database_behind_head_is_refused_and_not_touched(seeded):
    ok("db", "downgrade", "base", "--yes")
    before = dump(seeded)
    result = run("list")
    assert result.exit_code == 1 and "tracker db upgrade" in result.stderr
    assert dump(seeded) == before


@postgres_only
def test_upgrade_downgrade_round_trip_and_models_match(ledger):
    engine = create_ledger_engine(database_url(ledger.target), write=False)
    try:
        ok("db", "check")
        ok("db", "downgrade", "base", "--yes")
        assert inspect(engine).get_table_names() == ["alembic_version"]
        ok("db", "upgrade")
        assert migrate.current_revision(engine) == schema.HEAD
        assert migrate.schema_differences(engine) == []
    finally:
        engine.dispose()


@postgres_only
def test_types_constraints_and_indexes_on_postgresql(ledger):
    engine = create_engine(ledger.target)
    try:
        inspector = inspect(engine)
        columns = {c["name"]: c for c in inspector.get_columns("forecasts")}
        assert str(columns["created_at"]["type"]) == "TIMESTAMP" and columns["created_at"]["type"].timezone
        assert {c["name"] for c in inspector.get_check_constraints("forecasts")} >= {
            "ck_forecasts_status", "ck_forecasts_probability", "ck_forecasts_review_every"}
        assert {i["name"] for i in inspector.get_indexes("forecasts")} >= {
            "ix_forecasts_status_id", "ix_forecasts_next_review_on", "ix_forecasts_resolve_by", "ix_forecasts_search"}
        assert inspector.get_unique_constraints("forecasts")[0]["column_names"] == ["key"]
        with engine.connect() as conn:
            kinds = dict(conn.execute(text(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'events'")).all())
        assert kinds["at"] == "timestamp with time zone"
    finally:
        engine.dispose()


@postgres_only
def test_two_upgrades_at_once_take_turns(empty_database):
    upgrades = [tracker("--db", empty_database, "db", "upgrade") for _ in range(4)]
    results = [(p.wait(), p.stderr.read()) for p in upgrades]
    assert all(code == 0 for code, _ in results), results
    engine = create_engine(empty_database)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [schema.HEAD]
    engine.dispose()


def test_expect_version_under_contention_lets_exactly_one_writer_win(seeded):
    """Eight processes change forecast 1 at once, all sure it is at version 1."""
    writers = [tracker("--as", f"w{n}", "update", "1", "--status", "developing", "--note", f"w{n}",
                       "--expect-version", "1") for n in range(8)]
    results = [(p.wait(), p.stderr.read()) for p in writers]
    winners = [err for code, err in results if code == 0]
    losers = [err for code, err in results if code != 0]
    assert len(winners) == 1, results
    assert all(code in (0, 1) for code, _ in results)
    winner = run_json("show", "1")["events"][-1]["actor"]
    for err in losers:
        assert err.startswith(f"Error: forecast 1 is at version 2, not 1: {winner} changed it"), err
    assert run_json("show", "1")["version"] == 2


def test_list_by_actor_and_history_show_who_did_what(seeded):
    ok("--as", "alice", "update", "1", "--status", "developing")
    ok("--as", "bob", "evidence", "add", "2", "news")
    assert [f["id"] for f in run_json("list", "--by-actor", "alice")] == [1]
    assert [f["id"] for f in run_json("list", "--by-actor", "bob")] == [2]
    assert [f["id"] for f in run_json("list", "--by-actor", "tester")] == [1, 2, 3]
    assert [e["actor"] for e in run_json("history", "1")] == ["tester", "alice"]


@postgres_only
def test_copy_a_sqlite_ledger_into_postgresql(tmp_path, empty_database):
    sqlite_file = str(tmp_path / "mine.db")
    ok("--db", sqlite_file, "seed")
    ok("--db", sqlite_file, "evidence", "add", "1", "hotline used", "--stance", "supports")
    ok("--db", sqlite_file, "update", "1", "--status", "developing", "--evidence", "1")
    ok("--db", empty_database, "db", "upgrade")
    result = ok("--db", sqlite_file, "db", "copy", empty_database)
    assert "Copied 3 forecasts, 1 evidence items and 5 events" in result.stderr
    for command in (["list"], ["show", "1"], ["history", "1"]):
        assert run_json("--db", empty_database, *command) == run_json("--db", sqlite_file, *command)
    assert ok("--db", empty_database, "add", "new after copy").stdout.strip() == "4"
    again = run("--db", sqlite_file, "db", "copy", empty_database)
    assert again.exit_code == 1 and "empty ledger" in again.stderr


# Connection failures.

def with_password(url: str, password: str) -> str:
    return make_url(url).set(password=password).render_as_string(hide_password=False)


@postgres_only
def test_missing_database_names_host_and_database_not_password(postgres):
    url = with_password(postgres.url_of("no_such_ledger_db"), "s3cret-pw")
    result = run("--db", url, "list")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error:") and "no_such_ledger_db" in result.stderr
    assert "127.0.0.1" in result.stderr or "localhost" in result.stderr
    assert "s3cret-pw" not in result.stderr + result.stdout


@postgres_only
def test_server_down_is_an_error_naming_the_host(postgres):
    closed = with_password(make_url(postgres.url_of("ledger")).set(port=1).render_as_string(False), "s3cret-pw")
    result = run("--db", closed, "add", "x")
    assert result.exit_code == 1 and result.stderr.startswith("Error:")
    assert ":1" in result.stderr and "s3cret-pw" not in result.stderr


@postgres_only
def test_connection_lost_in_the_middle_of_a_command(seeded, postgres):
    """The command waits on a row lock; the test ends its server process; nothing lands."""
    before = dump(seeded)
    url = with_password(seeded.target, "s3cret-pw")
    locker = create_engine(seeded.target)
    with locker.connect() as lock:
        lock.execute(text("SELECT id FROM forecasts WHERE id = 1 FOR UPDATE"))
        victim = tracker("--db", url, "update", "1", "--status", "stalled", "--claim", "changed",
                         env={"PGAPPNAME": "tracker-victim"})
        with postgres.admin.connect() as watcher:  # autocommit: a fresh view of activity each time
            pid = None
            for _ in range(600):
                pid = watcher.execute(text("SELECT pid FROM pg_stat_activity WHERE application_name = "
                                           "'tracker-victim' AND wait_event_type = 'Lock'")).scalar()
                if pid:
                    break
                time.sleep(0.05)
            assert pid, "the command never reached the lock"
            watcher.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        lock.rollback()
    locker.dispose()
    code, stderr = victim.wait(timeout=30), victim.stderr.read()
    assert code == 1, stderr
    assert stderr.startswith("Error:") and "Traceback" not in stderr
    assert seeded.target.rsplit("/", 1)[1] in stderr
    assert "s3cret-pw" not in stderr
    assert dump(seeded) == before


@pytest.mark.sqlite_only
def test_a_postgresql_url_without_the_driver_names_the_extra(tmp_path):
    probe = ("import sys; sys.modules['psycopg'] = None; sys.modules['psycopg2'] = None; "
             "from tracker.cli.main import main; main()")
    done = subprocess.run([sys.executable, "-c", probe, "--db", "postgresql://u:pw@127.0.0.1/x", "list"],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "pip install 'tracker[postgres]'" in done.stderr and "Traceback" not in done.stderr


@pytest.fixture
def password_server():
    """A PostgreSQL server of the test's own that checks passwords (the shared one trusts all)."""
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not binaries or not shutil.which("runuser") or os.geteuid() != 0:
        reason = "needs root, runuser and PostgreSQL's initdb to start a server that checks passwords"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    bin_dir = os.path.dirname(binaries[-1])
    home = Path(tempfile.mkdtemp(prefix="tracker-pg-"))  # in /tmp, where the postgres user can reach it
    (home / "pw").write_text("right-pw\n")
    shutil.chown(home, "postgres")
    shutil.chown(home / "pw", "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run(as_postgres + [f"{bin_dir}/initdb", "-D", str(home / "data"), "-U", "owner",
                                  "--auth=scram-sha-256", f"--pwfile={home / 'pw'}"], check=True, capture_output=True)
    subprocess.run(as_postgres + [f"{bin_dir}/pg_ctl", "-D", str(home / "data"), "-l", str(home / "log"), "-w",
                                  "-o", f"-p {port} -k {home} -c listen_addresses=127.0.0.1", "start"],
                   check=True, capture_output=True)
    yield port
    subprocess.run(as_postgres + [f"{bin_dir}/pg_ctl", "-D", str(home / "data"), "-m", "immediate", "stop"],
                   capture_output=True)
    shutil.rmtree(home, ignore_errors=True)


@postgres_only
def test_a_wrong_password_is_named_but_never_shown(password_server):
    result = run("--db", f"postgresql://owner:wrong-pw-123@127.0.0.1:{password_server}/postgres", "list")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: PostgreSQL at 127.0.0.1:{password_server}, database 'postgres'")
    assert "password authentication failed" in result.stderr and "check the user name and password" in result.stderr
    assert "wrong-pw-123" not in result.stderr + result.stdout
    right = run("--db", f"postgresql://owner:right-pw@127.0.0.1:{password_server}/postgres", "list")
    assert right.exit_code == 1 and "tracker db upgrade" in right.stderr  # the password was the only problem


@postgres_only
def test_search_survives_a_downgrade_and_upgrade_on_postgresql(seeded):
    ok("db", "downgrade", "0001_initial", "--yes")
    ok("db", "upgrade")
    ok("db", "check")
    assert [f["id"] for f in run_json("list", "--search", "DETERRENCE")] == [3]
    engine = create_engine(seeded.target)
    try:
        assert "ix_forecasts_search" in {i["name"] for i in inspect(engine).get_indexes("forecasts")}
    finally:
        engine.dispose()


@postgres_only
def test_a_copy_in_many_batches_holds_every_row_and_value(tmp_path, empty_database, monkeypatch):
    """PostgreSQL takes the copied rows by COPY, read a batch at a time: text COPY would misread
    (tabs, back slashes, `\\N`, line breaks), nulls, dates and JSON arrive as they were."""
    from tracker.storage import copy

    monkeypatch.setattr(copy, "BATCH", 2)
    sqlite_file = str(tmp_path / "mine.db")
    ok("--db", sqlite_file, "seed")
    ok("--db", sqlite_file, "add", "A tab\there, a back\\slash and \\N", "--criteria", "two\nlines, ünïcødé ☃",
       "--probability", "0.25", "--tag", "x", "--resolve-by", "2031-01-31")
    ok("--db", sqlite_file, "add", "Which?", "--option", "a", "--option", "b\tc")
    ok("--db", sqlite_file, "evidence", "add", "4", "quote \" and comma , and \\N")
    ok("--db", sqlite_file, "update", "4", "--status", "developing", "--evidence", "1", "--note", "\\.")
    ok("--db", empty_database, "db", "upgrade")
    ok("--db", sqlite_file, "db", "copy", empty_database)
    for command in (["export", "--format", "jsonl"], ["show", "4"], ["show", "5"], ["history", "4"], ["stats"]):
        assert ok("--db", empty_database, *command, "--format", "json").stdout == \
            ok("--db", sqlite_file, *command, "--format", "json").stdout, command
    assert ok("--db", empty_database, "add", "new after copy").stdout.strip() == "6"


@postgres_only
def test_a_copy_longer_than_the_bound_on_statements_still_completes(tmp_path, empty_database, monkeypatch):
    """A table goes into PostgreSQL in one COPY, which on a large ledger outlasts the bound set
    on each statement (10 × TRACKER_BUSY_TIMEOUT, at least STATEMENT_TIMEOUT_FLOOR_SECONDS):
    the copy lifts it for its own transaction. Here the bound is 0.2 s and each row 0.05 s."""
    import time

    from tracker.storage import copy, database

    sqlite_file = str(tmp_path / "mine.db")
    ok("--db", sqlite_file, "seed")
    ok("--db", empty_database, "db", "upgrade")
    monkeypatch.setattr(database, "STATEMENT_TIMEOUT_FLOOR_SECONDS", 0.2)
    monkeypatch.setenv("TRACKER_BUSY_TIMEOUT", "0")
    monkeypatch.setattr(copy, "BATCH", 1)
    real_writer = copy._writer

    @contextmanager
    def slow_writer(*args):
        with real_writer(*args) as write:
            yield lambda rows: (time.sleep(0.05), write(rows))

    monkeypatch.setattr(copy, "_writer", slow_writer)
    ok("--db", sqlite_file, "db", "copy", empty_database)
    assert ok("--db", empty_database, "export", "--format", "jsonl").stdout == \
        ok("--db", sqlite_file, "export", "--format", "jsonl").stdout
