"""Opening a ledger: the engine, SQLite's pragmas, the schema check, and one transaction.

Every command goes through `open_database` then `transaction`. The schema check is one
query against `schema.HEAD`; Alembic is imported only when the schema must change.
"""

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session

from tracker.errors import SchemaError, StorageError, TrackerError
from tracker.storage import files, schema
from tracker.storage.failures import database_failure

DEFAULT_BUSY_TIMEOUT_SECONDS = 60
UPGRADE_COMMAND = "tracker db upgrade"


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
            f"{target!r} is neither a file path nor a database URL such as "
            "postgresql+psycopg://user@host/dbname."
        ) from None
    return url.set(drivername="postgresql+psycopg") if url.drivername == "postgresql" else url


def display_url(url: URL) -> str:
    """The URL as it may be shown to a user: never with its password."""
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


def create_ledger_engine(url: URL, *, write: bool) -> Engine:
    """An engine for one command; `write` makes SQLite take the write lock at BEGIN."""
    if url.get_backend_name() == "sqlite":
        _check_sqlite_path(url)
        engine = create_engine(url, connect_args={"timeout": busy_timeout_seconds()})
        _configure_sqlite(engine, write=write)
        return engine
    try:
        return create_engine(url)
    except (NoSuchModuleError, ModuleNotFoundError):
        raise StorageError(
            f"no driver for {url.drivername}: install it with "
            "pip install 'tracker[postgres]' (psycopg 3), and use postgresql+psycopg:// URLs."
        ) from None


def busy_timeout_seconds() -> float:
    """How long a SQLite writer waits for another to finish: TRACKER_BUSY_TIMEOUT, else 60 s."""
    try:
        return max(0.0, float(os.environ.get("TRACKER_BUSY_TIMEOUT", DEFAULT_BUSY_TIMEOUT_SECONDS)))
    except ValueError:
        raise StorageError("TRACKER_BUSY_TIMEOUT must be a number of seconds.") from None


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
    if not url.database or url.database == ":memory:":
        return
    if path.is_dir():
        raise StorageError(f"{path} is a folder; give the path of a ledger file, e.g. {path / 'tracker.db'}.")
    if not path.parent.is_dir():
        raise StorageError(f"the folder {path.parent} does not exist; create it or choose another --db path.")


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
    return database_failure(exc, url, where=where,
                            busy_timeout=busy_timeout_seconds() if backend == "sqlite" else 0.0)


def read_revision(engine: Engine) -> str | None:
    """The schema revision stamped in the database, "" if it has none, None if it is empty."""
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar() or ""
        except DBAPIError:
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
    if revision and revision not in schema.REVISIONS:
        raise SchemaError(
            f"{where} has schema revision {revision}, newer than this tracker knows "
            f"(head {schema.HEAD}); upgrade tracker itself before using this ledger."
        )
    if engine.url.get_backend_name() != "sqlite":
        state = "is empty" if revision is None else f"is at schema revision {revision or 'base'}"
        raise SchemaError(f"{where} {state}, behind {schema.HEAD}; run `{UPGRADE_COMMAND}` first.")
    from tracker.storage import migrate

    if revision is None:
        migrate.upgrade(engine)
        return
    backup = migrate.upgrade_keeping_a_copy(engine)
    if backup is not None:
        notify(f"Upgraded {where} to schema {schema.HEAD}; the previous file is kept at {backup}.")


def open_database(target: str, *, write: bool, notify: Callable[[str], None]) -> Engine:
    """An engine on a ledger whose schema is at head, creating a new SQLite file if needed."""
    url = database_url(target)
    engine = create_ledger_engine(url, write=write)
    try:
        with translate_errors(url):
            ensure_schema(engine, notify)
    except BaseException:
        engine.dispose()  # no connection left holding the file open
        raise
    return engine


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One command's unit of work: everything it did is committed together, or nothing is."""
    with translate_errors(engine.url):
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session
