"""Opening a ledger: the engine, SQLite's pragmas, the schema check, and one transaction.

Every command goes through `open_database` then `transaction`. The schema check is one
query against `schema.HEAD`; Alembic is imported only when the schema must change.
"""

import math
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session

from tracker import dates
from tracker.errors import NoLedger, SchemaError, StorageError, TrackerError
from tracker.storage import files, schema
from tracker.storage.failures import database_failure, driver_code

DEFAULT_BUSY_TIMEOUT_SECONDS = 60
# A day: longer waits are a mistake, and PostgreSQL's lock_timeout holds at most about 24 days.
LONGEST_BUSY_TIMEOUT_SECONDS = 86_400
UPGRADE_COMMAND = "tracker db upgrade"
STATEMENT_TIMEOUT_FLOOR_SECONDS = 10


def database_url(target: str) -> URL:
    """A bare path is a SQLite file; anything with `://` is a SQLAlchemy URL.

    A plain `postgresql://` URL means psycopg 3, the driver the postgres extra installs.
    """
    if "://" not in target:
        return URL.create("sqlite", database=str(Path(target).expanduser()))
    try:
        url = make_url(target)
    except ArgumentError:
        raise StorageError(
            f"{_password_hidden(target)!r} is neither a file path nor a database URL such as "
            "postgresql+psycopg://user@host/dbname."
        ) from None
    except ValueError:
        # SQLAlchemy reads the port with int() and lets its complaint through.
        raise StorageError(
            f"the port in {_password_hidden(target)!r} is not a number; give one from 1 to 65535, "
            "as in postgresql+psycopg://user@host:5432/dbname, or leave it out for 5432."
        ) from None
    if url.port is not None and not 0 < url.port < 65536:
        raise StorageError(f"the port in {display_url(url)!r} is {url.port}; give one from 1 to 65535, "
                           "or leave it out for 5432.")
    return url.set(drivername="postgresql+psycopg") if url.drivername == "postgresql" else url


def _password_hidden(target: str) -> str:
    """A URL that could not be parsed, as it may be shown: `user:***@` for any `user:password@`."""
    return re.sub(r"(://[^/@:]*:)[^@]*@", r"\1***@", target)


def display_url(url: URL) -> str:
    """The URL as it may be shown to a user: never with its password."""
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


def tools_url(url: URL) -> str:
    """A server's URL as PostgreSQL's own tools (pg_dump, psql) take it: no driver name, and no
    password, which they ask for or read from ~/.pgpass or PGPASSWORD."""
    # URL.set() leaves a field alone when given None, so the URL is made afresh.
    plain = URL.create(url.get_backend_name(), username=url.username, host=url.host, port=url.port,
                       database=url.database, query=url.query)
    return plain.render_as_string(hide_password=False)


def _quoted(text: str) -> str:
    """Text as one shell word, always in single quotes so that a URL reads the same in every command."""
    return "'" + text.replace("'", "'\\''") + "'"


def pg_dump_command(url: URL) -> str:
    """The command that writes a backup of a PostgreSQL ledger into a dated file here."""
    return f"pg_dump --format=custom --file=tracker-{dates.today():%Y%m%d}.dump {_quoted(tools_url(url))}"


def pg_restore_command(url: URL) -> str:
    """The command that puts a backup written by `pg_dump_command` back, FILE standing for it."""
    return f"pg_restore --clean --if-exists --no-owner --dbname={_quoted(tools_url(url))} FILE"


def create_ledger_engine(url: URL, *, write: bool) -> Engine:
    """An engine for one command; `write` makes SQLite take the write lock at BEGIN."""
    if url.get_backend_name() == "sqlite":
        _check_sqlite_path(url)
        engine = create_engine(url, connect_args={"timeout": busy_timeout_seconds()})
        _configure_sqlite(engine, write=write)
        return engine
    timeout = busy_timeout_seconds()
    connect_args = {}
    if url.get_backend_name() == "postgresql":
        if "connect_timeout" not in url.query:
            # libpq's connect_timeout bounds the whole handshake, so a server (or a proxy) that
            # takes the connection and then says nothing fails too. A URL may set its own.
            connect_args["connect_timeout"] = connect_timeout_of(url)
        # A server that goes away mid-command (its host down, a cable pulled) answers nothing, not
        # even a reset: TCP keepalives probe an idle connection, and tcp_user_timeout ends one whose
        # data or probes go unacknowledged, so the command fails instead of waiting for ever.
        # A URL may set any of these itself.
        for name, value in keepalive_settings(timeout).items():
            connect_args.setdefault(name, url.query.get(name, value))
    try:
        engine = create_engine(url, connect_args=connect_args)
    except (NoSuchModuleError, ModuleNotFoundError):
        raise StorageError(
            f"no driver for {url.drivername}: install it with "
            "pip install 'tracker[postgres]' (psycopg 3), and use postgresql+psycopg:// URLs."
        ) from None
    if engine.dialect.name == "postgresql":
        _configure_postgresql(engine, timeout)
    return engine


def busy_timeout_seconds() -> float:
    """How long a command waits for what others hold: SQLite's write lock, PostgreSQL's locks,
    and a PostgreSQL server's answer when connecting. TRACKER_BUSY_TIMEOUT, else 60 s."""
    given = os.environ.get("TRACKER_BUSY_TIMEOUT")
    if given is None:
        return DEFAULT_BUSY_TIMEOUT_SECONDS
    try:
        seconds = float(given)
    except ValueError:
        seconds = math.nan
    if not 0 <= seconds <= LONGEST_BUSY_TIMEOUT_SECONDS:  # also refuses nan and infinities
        raise StorageError(f"TRACKER_BUSY_TIMEOUT is {given[:40]!r}; it must be a number of seconds from 0 to "
                           f"{LONGEST_BUSY_TIMEOUT_SECONDS} (default {DEFAULT_BUSY_TIMEOUT_SECONDS}).")
    return seconds


def create_private_file(path: Path) -> None:
    """Create an empty file only its owner can read: ledgers hold people's judgements. Through a
    symbolic link, the file it points to (O_EXCL alone would refuse a dangling link, and SQLite
    would then create the file with the default mode)."""
    try:
        os.close(os.open(os.path.realpath(path), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass


def _check_sqlite_path(url: URL) -> None:
    path = Path(url.database or "")
    if not url.database or url.database == ":memory:" or url.query.get("mode") == "memory":
        # Each connection would get its own empty database, gone when the command ends.
        raise StorageError(f"{display_url(url)} is a database in memory, which keeps nothing after the command; "
                           "give a ledger file, e.g. --db tracker.db, or a postgresql+psycopg:// URL.")
    try:
        if path.is_dir():
            raise StorageError(f"{path} is a folder; give the path of a ledger file, e.g. {path / 'tracker.db'}.")
        if not path.parent.is_dir():
            raise StorageError(f"the folder {path.parent} does not exist; create it or choose another --db path.")
    except OSError as exc:  # a name too long, a folder that may not be searched
        raise StorageError(f"cannot use {path} as a ledger: {exc.strerror}; choose another path.") from None


def _configure_sqlite(engine: Engine, *, write: bool) -> None:
    begin = "BEGIN IMMEDIATE" if write else "BEGIN"

    @event.listens_for(engine, "do_connect")
    def create_file_privately(_dialect, _record, args, kwargs):
        if engine.url.database and engine.url.database != ":memory:":
            path = Path(engine.url.database)
            if not write and files.cannot_write(path):
                args[:] = [files.read_only_uri(path)]
                kwargs["uri"] = True
                return
            try:
                create_private_file(path)
            except OSError:
                pass  # SQLite's own open reports the reason in its words

    @event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection, _record):
        # Let SQLAlchemy's BEGIN below decide when transactions start, not pysqlite.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_seconds() * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if write:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin_transaction(connection):
        connection.exec_driver_sql(begin)


@contextmanager
def filled_outside_the_log(engine: Engine) -> Iterator[None]:
    """Fill an empty SQLite ledger in rollback-journal mode, and put it back in WAL mode after.

    A transaction that writes a whole ledger (a restore, `db copy`) would otherwise write every
    page twice, into the write-ahead log and again into the file, and the log's index, mapped
    into the process, grows by 8 bytes a page written: 7 MB by 3.5 GB of log. In rollback-journal
    mode, pages past the file's old end need no journal at all. What it costs: while the ledger
    is filled, readers wait for it, up to the busy timeout, as they wait for any writer's commit
    (with WAL they saw the ledger empty). A ledger that holds forecasts or sources, PostgreSQL,
    and a file another connection holds open are left as they are.
    """
    if engine.dialect.name != "sqlite" or not _journal_switched(engine, "DELETE", only_if_empty=True):
        yield
        return
    try:
        yield
    finally:
        # Committed or rolled back by now. Should another connection keep WAL from coming back,
        # the next command that writes sets it when it connects.
        _journal_switched(engine, "WAL", only_if_empty=False)


def _journal_switched(engine: Engine, mode: str, *, only_if_empty: bool) -> bool:
    """Set SQLite's journal mode outside any transaction (it cannot change inside one)."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        if only_if_empty and cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM forecasts) OR EXISTS (SELECT 1 FROM sources)").fetchone()[0]:
            return False
        return cursor.execute(f"PRAGMA journal_mode = {mode}").fetchone()[0].upper() == mode
    except engine.dialect.loaded_dbapi.DatabaseError:
        # Locked by another connection, or damaged: left as it is, and the command's own
        # statements, which report a damaged ledger in its words, run as they would have.
        return False
    finally:
        connection.close()


def connect_timeout_of(url: URL) -> str | int:
    """How long libpq waits for a server to answer: the URL's connect_timeout, else the busy
    timeout in libpq's terms (whole seconds, at least 2; it reads 0 as "wait for ever")."""
    return url.query.get("connect_timeout") or max(2, math.ceil(busy_timeout_seconds()))


def keepalive_settings(timeout: float) -> dict[str, int]:
    """libpq's TCP settings for a busy timeout: probes start after a quarter of it idle (at least
    1 s), four go unanswered before the connection is given up, and data unacknowledged for as
    long as a connection may take (connect_timeout's seconds) ends it."""
    probe = max(1, math.ceil(timeout / 4))
    return {"keepalives": 1, "keepalives_idle": probe, "keepalives_interval": probe, "keepalives_count": 4,
            "tcp_user_timeout": max(2, math.ceil(timeout)) * 1000}


def statement_timeout_ms(timeout: float) -> int:
    """The longest one statement may run on PostgreSQL: ten times the busy timeout, and never less
    than STATEMENT_TIMEOUT_FLOOR_SECONDS. Generous on purpose: a whole-ledger command (export,
    doctor, a large import) does its work in batches, and no batch of a working ledger comes
    near it; a statement that does is a server that has stopped making progress. `db copy`, whose
    one COPY a table does, lifts it for its transaction (storage/copy.py)."""
    return round(max(STATEMENT_TIMEOUT_FLOOR_SECONDS, 10 * timeout) * 1000)


def _configure_postgresql(engine: Engine, timeout: float) -> None:
    # Waiting for a lock another session holds is bounded by lock_timeout; PostgreSQL reads 0
    # as "wait for ever", so 1 ms is as close to "do not wait" as it goes. Each statement is
    # bounded by statement_timeout (see statement_timeout_ms). Both are set for each
    # transaction (set_config's is_local, as SET LOCAL), in one round trip, so a pooler that passes connections between clients carries
    # nothing over.
    lock_timeout_ms = max(1, round(timeout * 1000))
    statement_ms = statement_timeout_ms(timeout)

    @event.listens_for(engine, "begin")
    def bound_waits(connection):
        connection.exec_driver_sql(f"SELECT set_config('lock_timeout', '{lock_timeout_ms}', true), "
                                   f"set_config('statement_timeout', '{statement_ms}', true)")


@contextmanager
def translate_errors(url: URL) -> Iterator[None]:
    """Turn driver errors into TrackerErrors, chosen by the driver's error code (storage/failures.py),
    whose messages name the database but not its password."""
    try:
        yield
    except DBAPIError as exc:
        raise classify_database_error(exc, url) from exc


def classify_database_error(exc: DBAPIError, url: URL) -> TrackerError:
    """The TrackerError a driver error stands for."""
    backend = url.get_backend_name()
    where = display_url(url)
    if backend == "postgresql":
        where = f"PostgreSQL at {url.host or 'localhost'}:{url.port or 5432}, database {url.database!r}"
    return database_failure(exc, url, where=where, busy_timeout=busy_timeout_seconds(),
                            connect_timeout=connect_timeout_of(url) if backend == "postgresql" else 0)


# The driver codes a query of a table that is not there gives: SQLite's generic SQLITE_ERROR
# (it has no narrower code for it), PostgreSQL's undefined_table.
_NO_SUCH_TABLE = frozenset({"SQLITE_ERROR", "42P01"})


def read_revision(engine: Engine) -> str | None:
    """The schema revision stamped in the database, "" if it has none, None if it is empty."""
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar() or ""
        except DBAPIError as exc:
            # Only a missing table means "not stamped": anything else (a lock, a lost
            # connection, a damaged file) is reported as what it is.
            if driver_code(exc, engine.dialect.name) not in _NO_SUCH_TABLE:
                raise
            conn.rollback()
            tables = inspect(conn).get_table_names()
    if not tables:
        return None
    if "alembic_version" in tables:
        return ""
    raise SchemaError(
        f"{display_url(engine.url)} holds tables but is not a tracker ledger; "
        "point --db at a ledger file or an empty database."
    )


def ensure_schema(engine: Engine, notify: Callable[[str], None]) -> None:
    """Refuse or upgrade a database whose schema is not at head (SPEC section 5).

    A new SQLite file is created at head; an older one is upgraded after a backup copy is
    written beside it, and `notify` is told where. PostgreSQL is never changed implicitly.
    """
    revision = read_revision(engine)
    if revision == schema.HEAD:
        return
    where = display_url(engine.url)
    refuse_newer_schema(engine.url, revision)
    if engine.url.get_backend_name() != "sqlite":
        raise SchemaError(_server_behind_head(engine.url, revision))
    from tracker.storage import migrate

    if revision is None:
        migrate.upgrade(engine)
        return
    backup = migrate.upgrade_keeping_a_copy(engine)
    if backup is not None:
        notify(f"Upgraded {where} to schema {schema.HEAD}; the previous file is kept at {backup}.")


def refuse_newer_schema(url: URL, revision: str | None) -> None:
    """A revision this tracker does not know was written by a newer tracker: no command of this
    one, `db upgrade` least of all, can read or change it safely."""
    if revision and revision not in schema.REVISIONS:
        raise SchemaError(
            f"{display_url(url)} has schema revision {revision}, newer than this tracker knows "
            f"(head {schema.HEAD}); upgrade tracker itself before using this ledger."
        )


def _server_behind_head(url: URL, revision: str | None) -> str:
    where = display_url(url)
    if revision is None:
        return f"{where} is empty, behind {schema.HEAD}; run `{UPGRADE_COMMAND}` first."
    if revision == "":
        # A stamp of base is what a downgrade to base leaves: upgrading would quietly turn the
        # team's ledger into an empty one, so say what happened and how to get it back.
        return (f"{where} was downgraded to base: its tables were dropped, and the team's forecasts with them. "
                f"To bring them back, restore the backup taken before: `{pg_restore_command(url)}`; "
                f"to start an empty ledger instead, run `{UPGRADE_COMMAND}`.")
    return (f"{where} is at schema revision {revision}, behind {schema.HEAD}; run `{UPGRADE_COMMAND}` first, "
            "which brings the schema up to date and keeps every forecast.")


def open_database(target: str, *, write: bool, notify: Callable[[str], None]) -> Engine:
    """An engine on a ledger whose schema is at head, creating a new SQLite file if needed."""
    url = database_url(target)
    if not write:
        refuse_missing_file(url)
    engine = create_ledger_engine(url, write=write)
    try:
        with translate_errors(url):
            ensure_schema(engine, notify)
    except BaseException:
        engine.dispose()  # no connection left holding the file open
        raise
    return engine


def refuse_missing_file(url: URL) -> None:
    """A command that only reads never creates a ledger: a mistyped --db path would otherwise
    leave an empty file behind and show an empty ledger as if it were the user's."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    _check_sqlite_path(url)  # a folder, or a name the system refuses, is said as such first
    if not Path(url.database).exists():
        raise NoLedger(f"no ledger at {url.database}; run tracker seed or tracker add to start one, "
                       "or check --db.")


@contextmanager
def glance(target: str) -> Iterator[Session]:
    """A read of a ledger already at head, for shell completion: nothing is created, upgraded or
    written, and a ledger that is missing or behind head is refused as `open_database` would
    not (SchemaError), so that pressing Tab never changes a file."""
    url = database_url(target)
    refuse_missing_file(url)
    engine = create_ledger_engine(url, write=False)
    try:
        with translate_errors(url):
            if read_revision(engine) != schema.HEAD:
                raise SchemaError(f"{display_url(url)} is not at schema {schema.HEAD}.")
            with Session(engine) as session, session.begin():
                yield session
    finally:
        engine.dispose()


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One command's unit of work: everything it did is committed together, or nothing is."""
    with translate_errors(engine.url):
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session


def read_one_snapshot(session: Session) -> None:
    """Make every later query of this transaction see the ledger as it was at its first query,
    and refuse any write: every read command's session does (`Ledger.session`), as most read in
    several queries while others write. SQLite's read transaction already keeps one snapshot;
    PostgreSQL's default isolation gives each query its own, so ask for REPEATABLE READ. Must
    come before the transaction's first query."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True})
