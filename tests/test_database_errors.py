"""Database failures told apart by the drivers' own codes: real SQL against a real SQLite file
or the real PostgreSQL server breaks a rule, and the error it raises, passed through the same
boundary every command's transaction goes through, becomes the right kind of `Error:`."""

import sqlite3
import threading

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from conftest import dump, ok, run
from test_bad_input import assert_clean_failure
from tracker.errors import Conflict, RuleViolation, StorageError
from tracker.storage.database import create_ledger_engine, database_url, transaction, translate_errors
from tracker.storage.failures import MEANINGS

REFUSED = "the ledger refused the change: it breaks"
PASSWORD = "s3cret-pw"
EVIDENCE = ("INSERT INTO evidence (forecast_id, summary, stance, added_at, added_by) "
            "VALUES ({forecast}, 'x', '{stance}', '2026-01-01 00:00:00', 'x')")


@pytest.fixture
def url(seeded):
    """The test's ledger; on PostgreSQL with a password in it, which no message may show."""
    url = database_url(seeded.target)
    return url.set(password=PASSWORD) if url.get_backend_name() == "postgresql" else url


@pytest.fixture
def engine(url):
    engine = create_ledger_engine(url, write=True)
    yield engine
    engine.dispose()


def failure_of(engine, sql: str, expected: type):
    """Run `sql` in one command's transaction; return the TrackerError it became."""
    with pytest.raises(expected) as caught:
        with transaction(engine) as session:
            session.execute(text(sql))
    message = str(caught.value)
    assert PASSWORD not in message and "Traceback" not in message
    return message


# Rules the schema enforces: a constraint broken is tracker's fault, not a race.

@pytest.mark.parametrize("sql,rule", [
    ("UPDATE forecasts SET status = 'bogus' WHERE id = 1", "ck_forecasts_status"),
    ("UPDATE forecasts SET probability = 2 WHERE id = 1", "ck_forecasts_probability"),
    ("UPDATE forecasts SET review_every = 0 WHERE id = 1", "ck_forecasts_review_every"),
    (EVIDENCE.format(forecast=1, stance="maybe"), "ck_evidence_stance"),
])
def test_a_broken_check_is_refused_naming_the_rule(seeded, engine, sql, rule):
    before = dump(seeded)
    message = failure_of(engine, sql, RuleViolation)
    assert message.startswith(REFUSED) and rule in message and "please report it as a bug" in message
    assert "try again" not in message
    assert dump(seeded) == before


def test_a_missing_required_value_is_refused_naming_the_column(seeded, engine):
    before = dump(seeded)
    message = failure_of(engine, "UPDATE forecasts SET claim = NULL WHERE id = 1", RuleViolation)
    assert message.startswith(REFUSED) and "forecasts.claim" in message
    assert dump(seeded) == before


def test_a_reference_to_a_missing_row_is_refused(seeded, engine):
    before = dump(seeded)
    message = failure_of(engine, EVIDENCE.format(forecast=999, stance="context"), RuleViolation)
    assert message.startswith(REFUSED)
    if seeded.backend == "postgresql":
        assert "fk_evidence_forecast_id_forecasts" in message
    else:
        assert "FOREIGN KEY" in message  # SQLite names no foreign key; its own words say which kind
    assert dump(seeded) == before


def test_a_taken_key_names_the_rule(seeded, engine):
    before = dump(seeded)
    sql = "UPDATE forecasts SET key = (SELECT key FROM forecasts WHERE id = 2) WHERE id = 1"
    if seeded.backend == "postgresql":
        # Two sessions can each find a key free and both insert it: the later one may try again.
        message = failure_of(engine, sql, Conflict)
        assert message.startswith("another change landed at the same moment") and "uq_forecasts_key" in message
        assert message.endswith("try again.")
    else:
        # SQLite writers take turns from BEGIN, so a key found taken is never a race.
        message = failure_of(engine, sql, RuleViolation)
        assert message.startswith(REFUSED) and "forecasts.key" in message
    assert dump(seeded) == before


def test_an_unknown_failure_quotes_the_driver_and_names_the_database(seeded, engine, url):
    message = failure_of(engine, "SELECT * FROM no_such_table", StorageError)
    assert "no_such_table" in message
    assert (url.database in message) if seeded.backend == "sqlite" else message.startswith("PostgreSQL at ")


# PostgreSQL's own refusals and its concurrency failures.

postgres_only = pytest.mark.postgres_only


@postgres_only
def test_text_longer_than_its_column_is_refused_by_postgresql(seeded, engine):
    message = failure_of(engine, f"UPDATE events SET actor = '{'a' * 201}'", RuleViolation)
    assert message.startswith("the ledger refused the change: a value is longer than its column allows")
    assert "200" in message


@postgres_only
def test_a_number_out_of_its_columns_range(seeded, engine):
    message = failure_of(engine, "UPDATE forecasts SET review_every = 99999999999 WHERE id = 1", RuleViolation)
    assert "out of the range" in message


@postgres_only
def test_a_serialization_failure_says_try_again(seeded, engine):
    serializable = engine.execution_options(isolation_level="SERIALIZABLE")
    with serializable.connect() as first, serializable.connect() as second:
        first.begin()
        second.begin()
        first.execute(text("SELECT version FROM forecasts WHERE id = 1"))
        second.execute(text("SELECT version FROM forecasts WHERE id = 1"))
        first.execute(text("UPDATE forecasts SET version = version + 1 WHERE id = 1"))
        first.commit()
        with pytest.raises(Conflict) as caught, translate_errors(engine.url):
            second.execute(text("UPDATE forecasts SET version = version + 1 WHERE id = 1"))
        second.rollback()
    assert "landed at the same moment" in str(caught.value) and str(caught.value).endswith("try again.")


@postgres_only
def test_a_deadlock_says_try_again(seeded, engine):
    failures = []

    def update(conn, ids):
        try:
            with translate_errors(engine.url):
                for forecast_id in ids:
                    conn.execute(text("UPDATE forecasts SET version = version + 1 WHERE id = :id"), {"id": forecast_id})
                    barrier.wait(timeout=10)
        except Conflict as exc:
            failures.append(str(exc))
            barrier.abort()
        except threading.BrokenBarrierError:
            pass

    barrier = threading.Barrier(2)
    with engine.connect() as first, engine.connect() as second:
        first.begin()
        second.begin()
        threads = [threading.Thread(target=update, args=(first, (1, 2))),
                   threading.Thread(target=update, args=(second, (2, 1)))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        first.rollback()
        second.rollback()
    assert len(failures) == 1 and "deadlock" in failures[0] and failures[0].endswith("try again.")


@postgres_only
def test_a_row_locked_beyond_the_lock_timeout(seeded, engine):
    with engine.connect() as holder:
        holder.begin()
        holder.execute(text("SELECT id FROM forecasts WHERE id = 1 FOR UPDATE"))
        message = failure_of(engine, "SET LOCAL lock_timeout = '100ms'; UPDATE forecasts SET version = 9 WHERE id = 1",
                             StorageError)
        holder.rollback()
    assert "stayed locked by another session" in message


@postgres_only
def test_a_statement_cancelled_by_the_server(seeded, engine):
    message = failure_of(engine, "SET LOCAL statement_timeout = '100ms'; SELECT pg_sleep(5)", StorageError)
    assert "the server cancelled the command" in message


@postgres_only
def test_a_connection_ended_by_the_server(seeded, engine, postgres):
    with engine.connect() as victim:
        pid = victim.execute(text("SELECT pg_backend_pid()")).scalar()
        with postgres.admin.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(StorageError) as caught, translate_errors(engine.url):
            victim.execute(text("SELECT 1"))
    message = str(caught.value)
    assert "connection was lost" in message and "nothing was changed" in message and PASSWORD not in message


@postgres_only
def test_a_missing_database_says_what_to_check(postgres):
    target = make_url(postgres.url_of("no_such_ledger_db")).set(password=PASSWORD)
    result = run("--db", target.render_as_string(hide_password=False), "list")
    assert_clean_failure(result, 1, "does the database exist?")
    assert "no_such_ledger_db" in result.stderr and PASSWORD not in result.stderr


# SQLite's own failures, beyond those of test_safety.py and test_bad_input.py.

sqlite_only = pytest.mark.sqlite_only


@sqlite_only
def test_a_value_larger_than_sqlite_stores(seeded, engine):
    @event.listens_for(engine, "connect")
    def small_limit(dbapi_connection, _record):
        dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 1000)

    before = dump(seeded)
    message = failure_of(engine, f"UPDATE forecasts SET claim = '{'x' * 2000}' WHERE id = 1", RuleViolation)
    assert message.startswith("the ledger refused the change: a value is larger than SQLite stores")
    assert dump(seeded) == before


# From the command line: a rule the database holds and tracker does not know.

REFUSE_FORBIDDEN = {
    "sqlite": ["CREATE TRIGGER ck_evidence_not_forbidden BEFORE INSERT ON evidence "
               "WHEN NEW.summary = 'forbidden' BEGIN SELECT RAISE(ABORT, 'forbidden evidence'); END"],
    "postgresql": ["CREATE FUNCTION refuse_forbidden() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   "IF NEW.summary = 'forbidden' THEN RAISE EXCEPTION 'forbidden evidence' USING "
                   "ERRCODE = 'check_violation', CONSTRAINT = 'ck_evidence_not_forbidden'; END IF; "
                   "RETURN NEW; END $$",
                   "CREATE TRIGGER refuse_forbidden BEFORE INSERT ON evidence FOR EACH ROW "
                   "EXECUTE FUNCTION refuse_forbidden()"],
}


def test_a_rule_the_database_enforces_is_an_error_and_writes_nothing(seeded, engine):
    with engine.begin() as conn:
        for statement in REFUSE_FORBIDDEN[seeded.backend]:
            conn.execute(text(statement))
    before = dump(seeded)
    result = run("evidence", "add", "1", "forbidden")
    assert_clean_failure(result, 1, "Error: " + REFUSED)
    assert "forbidden evidence" in result.stderr or "ck_evidence_not_forbidden" in result.stderr
    assert dump(seeded) == before
    ok("evidence", "add", "1", "allowed")


# The table itself.

@sqlite_only
def test_every_code_in_the_table_is_one_the_drivers_give():
    psycopg_errors = pytest.importorskip("psycopg.errors")
    for code in MEANINGS:
        if code.startswith("SQLITE_"):
            assert isinstance(getattr(sqlite3, code, None), int), code
        else:
            assert psycopg_errors.lookup(code if len(code) == 5 else code + "000"), code
