"""Writing many rows at once: the import's fast path, below the ORM.

Rows are converted by the columns' own SQLAlchemy types (so they are stored exactly as the
ORM would store them) and handed to the driver's `executemany` in one call per table.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.schema import AddConstraint, DropConstraint


SQLITE_CACHE_KB = 128 * 1024
# Set in session.info once this transaction keeps other writers out (storage/locks.py reads it).
WRITERS_EXCLUDED = "other_writers_excluded"


class BulkInsert:
    """INSERT of rows given as tuples, one value for each of `columns`, in that order; with
    `as_stored`, values read raw from a database of the same kind, which need no conversion."""

    def __init__(self, session: Session, table: Table, columns: Sequence[str], *, as_stored: bool = False) -> None:
        self.connection = session.connection()
        dialect = self.connection.dialect
        quote = dialect.identifier_preparer.quote
        marker = "?" if dialect.paramstyle == "qmark" else "%s"
        columns = [table.columns[name] for name in columns]
        self.sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c.name) for c in columns)}) "
                    f"VALUES ({', '.join([marker] * len(columns))})")
        self.converters = [] if as_stored else [(n, process) for n, c in enumerate(columns)
                                                if (process := c.type.bind_processor(dialect)) is not None]
        if dialect.paramstyle not in ("qmark", "format", "pyformat"):
            raise NotImplementedError(f"bulk insert with paramstyle {dialect.paramstyle}")

    def insert(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.converters:
            converted = []
            for row in rows:
                row = list(row)
                for n, process in self.converters:
                    if row[n] is not None:
                        row[n] = process(row[n])
                converted.append(row)
            rows = converted
        self.connection.exec_driver_sql(self.sql, [tuple(row) for row in rows])


def highest_id(session: Session, table: Table) -> int:
    return session.scalar(select(func.max(table.c.id))) or 0


def prepare_bulk_writes(session: Session, tables: Sequence[Table]) -> None:
    """Ready a transaction for many inserts with chosen ids.

    PostgreSQL: keep other writers out until it ends (readers are not blocked), since rows
    with chosen ids must not meet rows numbered by the sequences. SQLite's write transaction
    already excludes other writers; into a ledger that holds rows, a larger page cache there
    keeps the live indexes in memory (an empty one has them set aside, see `indexes_set_aside`,
    and the cache would only grow the import's memory).
    """
    dialect = session.connection().dialect.name
    if dialect == "postgresql":
        names = ", ".join(table.name for table in tables)
        session.execute(text(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE"))
        session.info[WRITERS_EXCLUDED] = True
    elif dialect == "sqlite" and any(highest_id(session, table) for table in tables if "id" in table.columns):
        session.execute(text(f"PRAGMA cache_size = -{SQLITE_CACHE_KB}"))


def sync_id_sequences(connection: Connection, tables: Sequence[Table]) -> None:
    """After rows were inserted with explicit ids, let PostgreSQL's sequences continue above them."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        connection.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), max(id)) FROM {table.name} "
            "HAVING max(id) IS NOT NULL"))


@contextmanager
def id_sequences_kept(session: Session, tables: Sequence[Table]) -> Iterator[None]:
    """Put PostgreSQL's id sequences of `tables` back where they were once the block is done,
    for work that will be rolled back (a dry run). Elsewhere this does nothing: SQLite numbers
    rows from the ids in the table, which a rollback restores.

    A rollback does not undo nextval or setval, so without this a dry run would use up ids.
    The tables are first locked against other writers, as the import itself locks them, so no
    one else takes an id from these sequences before this transaction ends: setting them back
    cannot give out an id twice.
    """
    if session.connection().dialect.name != "postgresql":
        yield
        return
    prepare_bulk_writes(session, tables)
    positions = []
    for table in tables:
        sequence = session.scalar(text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table.name})
        last_value, is_called = session.execute(text(f"SELECT last_value, is_called FROM {sequence}")).one()
        positions.append((sequence, last_value, is_called))
    try:
        yield
    finally:
        if session.in_transaction() and not _aborted(session):
            for sequence, last_value, is_called in positions:
                session.execute(text("SELECT setval(:sequence, :last_value, :is_called)"),
                                {"sequence": sequence, "last_value": last_value, "is_called": is_called})


def _aborted(session: Session) -> bool:
    """Whether PostgreSQL refuses further statements in this transaction (one has failed)."""
    import psycopg.pq

    connection = session.connection().connection.dbapi_connection
    return connection.info.transaction_status == psycopg.pq.TransactionStatus.INERROR


@contextmanager
def indexes_set_aside(session: Session, tables: Sequence[Table], *, nobody_reads: bool = False) -> Iterator[None]:
    """Into an empty SQLite ledger, insert without the tables' secondary indexes (and the search
    index, with forecasts) and build them once at the end: a sorted build is much faster than
    millions of random inserts. Rows are only to be inserted meanwhile.

    The DDL is part of the transaction, so a failed import leaves the indexes as they were;
    readers keep seeing the old schema until it commits. With `nobody_reads` (a new ledger being
    filled), PostgreSQL's indexes and foreign keys are set aside too: there, dropping one makes
    readers of its table wait until the transaction ends. Elsewhere this does nothing.
    """
    from tracker.storage.models import Forecast
    from tracker.storage.search import search_index_set_aside

    connection = session.connection()
    empty = all(highest_id(session, table) == 0 for table in tables if "id" in table.columns)
    indexes = [index for table in tables for index in table.indexes if not index.unique]
    if connection.dialect.name not in (("sqlite", "postgresql") if nobody_reads else ("sqlite",)) or not empty:
        yield
        return
    # PostgreSQL checks a row's foreign keys as it is inserted, a lookup each; a key added once the
    # rows are in checks them all in one join. (SQLite's cannot be set aside, nor need to be: its
    # checks cost little.)
    foreign_keys = [key for table in tables for key in table.foreign_key_constraints] \
        if connection.dialect.name == "postgresql" else []
    for key in foreign_keys:
        connection.execute(DropConstraint(key))
    for index in indexes:
        index.drop(connection)
    with search_index_set_aside(connection) if Forecast.__table__ in tables else nullcontext():
        yield
    for index in indexes:
        index.create(connection)
    for key in foreign_keys:
        connection.execute(AddConstraint(key))
