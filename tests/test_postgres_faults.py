"""PostgreSQL when things go wrong: a server that never answers, a lock another session keeps,
a connection ended while a command waits. Each ends in one `Error:` line and exit 1, soon,
without a traceback, and with nothing written.

Every command here is a real `tracker` process, bounded by a timeout of the test's own, so
a command that would wait for ever fails the test instead of hanging it.
"""

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from conftest import dump

pytestmark = pytest.mark.postgres_only

PASSWORD = "s3cret-pw"
# Far longer than any of these commands should take, so that a hang fails instead of waiting.
HANG = 60


def tracker(*args: str, timeout: str | None = None, app: str | None = None) -> subprocess.Popen:
    env = dict(os.environ)
    if timeout is not None:
        env["TRACKER_BUSY_TIMEOUT"] = timeout
    if app is not None:
        env["PGAPPNAME"] = app
    return subprocess.Popen([sys.executable, "-m", "tracker", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def finished(process: subprocess.Popen) -> tuple[int, str, str, float]:
    """Exit code, stdout, stderr and seconds taken; a process still running after HANG is killed."""
    started = time.monotonic()
    try:
        out, err = process.communicate(timeout=HANG)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"the command was still waiting after {HANG} s: {err}")
    return process.returncode, out, err, time.monotonic() - started


def assert_one_clean_error(code: int, out: str, err: str) -> None:
    assert code == 1, err
    assert err.startswith("Error:") and len(err.strip().splitlines()) <= 2, err
    assert "Traceback" not in err + out
    assert PASSWORD not in err + out
    assert out == ""


def with_password(url: str) -> str:
    return make_url(url).set(password=PASSWORD).render_as_string(hide_password=False)


@contextmanager
def silent_server(lifetime: float = HANG) -> Iterator[int]:
    """A TCP listener on 127.0.0.1 that accepts connections and never says a word, as a hung
    server or a stuck proxy does. Its port is yielded; it closes every connection and itself on
    leaving, or after `lifetime` seconds, whichever comes first."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    held: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        deadline = time.monotonic() + lifetime
        while not done.is_set() and time.monotonic() < deadline:
            try:
                connection, _ = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            held.append(connection)
        for connection in held:
            connection.close()
        listener.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        done.set()
        thread.join(timeout=5)


def test_a_server_that_accepts_and_never_answers_times_out(seeded):
    before = dump(seeded)
    with silent_server() as port:
        url = f"postgresql://someone:{PASSWORD}@127.0.0.1:{port}/ledger"
        code, out, err, took = finished(tracker("--db", url, "add", "a claim", timeout="2"))
    assert_one_clean_error(code, out, err)
    assert f"127.0.0.1:{port}" in err and "did not answer within 2 s" in err and "TRACKER_BUSY_TIMEOUT" in err
    assert took < 20
    assert dump(seeded) == before


def test_a_lock_held_by_another_session_fails_the_command_quickly(seeded):
    before = dump(seeded)
    holder = create_engine(seeded.target)
    try:
        with holder.connect() as lock:
            lock.execute(text("SELECT id FROM forecasts WHERE id = 1 FOR UPDATE"))
            code, out, err, took = finished(tracker("--db", with_password(seeded.target), "update", "1",
                                                    "--status", "stalled", "--note", "blocked", timeout="1"))
            lock.rollback()
    finally:
        holder.dispose()
    assert_one_clean_error(code, out, err)
    assert "stayed locked by another session for over 1 s" in err and "TRACKER_BUSY_TIMEOUT" in err
    assert took < 20
    assert dump(seeded) == before


def test_a_connection_ended_while_the_command_waits_on_a_lock(seeded, postgres):
    before = dump(seeded)
    holder = create_engine(seeded.target)
    try:
        with holder.connect() as lock:
            lock.execute(text("SELECT id FROM forecasts WHERE id = 2 FOR UPDATE"))
            victim = tracker("--db", with_password(seeded.target), "evidence", "add", "2", "never lands",
                             app="tracker-fault-victim")
            with postgres.admin.connect() as watcher:  # autocommit: each query sees the activity afresh
                pid = None
                for _ in range(600):
                    pid = watcher.execute(text(
                        "SELECT pid FROM pg_stat_activity WHERE application_name = 'tracker-fault-victim' "
                        "AND wait_event_type = 'Lock'")).scalar()
                    if pid:
                        break
                    time.sleep(0.05)
                assert pid, "the command never reached the lock"
                watcher.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            code, out, err, _ = finished(victim)
            lock.rollback()
    finally:
        holder.dispose()
    assert_one_clean_error(code, out, err)
    assert "the connection was lost" in err and seeded.target.rsplit("/", 1)[1] in err
    assert dump(seeded) == before


def test_a_statement_that_runs_past_its_limit_is_cancelled(seeded):
    """A server that stops making progress mid-command (here a trigger that sleeps, as a stuck
    disk or a runaway plan would) is cut off by statement_timeout: ten times the busy timeout,
    at least 10 s."""
    engine = create_engine(seeded.target)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS "
                              "$$ BEGIN PERFORM pg_sleep(120); RETURN NEW; END $$"))
            conn.execute(text("CREATE TRIGGER stall BEFORE UPDATE ON forecasts FOR EACH ROW EXECUTE FUNCTION stall()"))
        before = dump(seeded)
        code, out, err, took = finished(tracker("--db", with_password(seeded.target), "update", "1",
                                                "--status", "stalled", "--note", "slow", timeout="0.5"))
    finally:
        engine.dispose()
    assert_one_clean_error(code, out, err)
    assert "the server cancelled the command" in err and "statement timeout" in err
    assert "TRACKER_BUSY_TIMEOUT" in err
    assert 9 < took < 40
    assert dump(seeded) == before


def test_every_connection_carries_its_timeouts(seeded, monkeypatch):
    """What each connection is opened with: libpq's connect_timeout, TCP keepalives and
    tcp_user_timeout (so a server gone mid-command is noticed), and for every transaction the
    lock and statement timeouts, all from TRACKER_BUSY_TIMEOUT."""
    from tracker.storage.database import open_database, transaction

    monkeypatch.setenv("TRACKER_BUSY_TIMEOUT", "8")
    engine = open_database(seeded.target, write=False, notify=print)
    try:
        with transaction(engine) as session:
            connection = session.connection()
            shown = {name: connection.exec_driver_sql(f"SHOW {name}").scalar()
                     for name in ("lock_timeout", "statement_timeout")}
            parameters = connection.connection.dbapi_connection.info.get_parameters()
    finally:
        engine.dispose()
    assert shown == {"lock_timeout": "8s", "statement_timeout": "80s"}
    assert parameters["connect_timeout"] == "8" and parameters["keepalives"] == "1"
    assert parameters["keepalives_idle"] == "2" and parameters["keepalives_count"] == "4"
    assert parameters["tcp_user_timeout"] == "8000"
