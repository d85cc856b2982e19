"""Copying a whole ledger from one database to another, ids and history intact."""

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager as ContextManager, contextmanager, nullcontext

from sqlalchemy import Connection, Engine, Row, String, Table, column, func, or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tracker.errors import Conflict, InvalidInput
from tracker.progress import Progress
from tracker.storage.bulk import BulkInsert, indexes_set_aside, prepare_bulk_writes, sync_id_sequences
from tracker.storage.database import filled_outside_the_log
from tracker.storage.models import Base, Forecast, Source

BATCH = 1000
TABLES = Base.metadata.sorted_tables  # parents before children


def rows_to_copy(source: Engine) -> int:
    """How many rows a copy of the ledger writes: every table's, counted by the database."""
    with source.connect() as reader:
        return sum(reader.scalar(select(func.count()).select_from(table)) or 0 for table in TABLES)


def copy_ledger(source: Engine, destination: Engine, *, progress: Progress | None = None) -> dict[str, int]:
    """Copy every row into an empty ledger at head, in one transaction; rows copied per table.
    `progress` is told how many rows have been written.

    The rows go as an import's do (storage/bulk.py): below the ORM, many to a statement; into
    SQLite without the secondary indexes, built once at the end; into PostgreSQL by COPY.
    """
    counts = {table.name: 0 for table in TABLES}
    with filled_outside_the_log(destination), source.connect() as reader, destination.begin() as writer, \
            Session(writer) as session:
        for model in (Source, Forecast):
            if writer.scalar(select(func.count()).select_from(model)):
                raise Conflict(f"the destination already holds {model.__tablename__}; copy only into an empty ledger.")
        _check_lengths(reader)
        if writer.dialect.name == "postgresql":
            # Other writers kept out; SQLite's larger page cache is not wanted: the indexes it
            # would hold are set aside, and it would only make the copy's memory grow.
            prepare_bulk_writes(session, TABLES)
            # A table's rows go in one COPY, and its indexes and foreign keys are each made in
            # one statement: on a large ledger any of them outlasts the bound set on statements
            # (database.statement_timeout_ms). Waits for locks stay bounded.
            writer.exec_driver_sql("SET LOCAL statement_timeout = 0")
        # SQLite to SQLite, values go as stored: the column types would only turn them into
        # Python values and back.
        as_stored = reader.dialect.name == writer.dialect.name == "sqlite"
        with indexes_set_aside(session, TABLES, nobody_reads=True):
            for table in TABLES:
                columns = [column(c.name) if as_stored else c for c in table.columns]  # column(): untyped
                rows = reader.execution_options(yield_per=BATCH).execute(
                    select(*columns).select_from(table).order_by(*table.primary_key.columns))
                with _writer(session, table, as_stored) as write:
                    for batch in rows.partitions(BATCH):
                        write(batch)
                        counts[table.name] += len(batch)
                        if progress:
                            progress(sum(counts.values()))
        sync_id_sequences(writer, [table for table in TABLES if "id" in table.columns])
        if writer.dialect.name == "postgresql":
            # The planner's statistics now, not when autovacuum next comes by: until then the
            # server plans the new ledger's queries as if its tables were as good as empty.
            for table in TABLES:
                writer.exec_driver_sql(f"ANALYZE {writer.dialect.identifier_preparer.format_table(table)}")
    return counts


def _writer(session: Session, table: Table, as_stored: bool) -> ContextManager[Callable[[Sequence[Row]], None]]:
    """What writes `table`'s rows a batch at a time, each row with a value for each of its columns
    in order."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return _copied_in(connection, table)
    return nullcontext(BulkInsert(session, table, table.columns.keys(), as_stored=as_stored).insert)


@contextmanager
def _copied_in(writer: Connection, table: Table) -> Iterator[Callable[[Sequence[Row]], None]]:
    """PostgreSQL's COPY: a server takes rows many times faster so than as a statement a row.
    One COPY for the whole table, so that the server stores rows while the next are read (a COPY
    a batch made each wait for the server). The values are made what the statement would have
    sent them as by the columns' own bind processing."""
    columns = list(table.columns)
    processors = [column.type._cached_bind_processor(writer.dialect) for column in columns]
    quote = writer.dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(quote(column.name) for column in columns)}) FROM STDIN"
    driver_error = writer.dialect.loaded_dbapi.Error

    def write(rows: Sequence[Row]) -> None:
        for row in rows:
            copy.write_row([value if process is None else process(value) for value, process in zip(row, processors)])

    try:
        with writer.connection.cursor() as cursor, cursor.copy(statement) as copy:
            yield write
    except driver_error as exc:
        raise DBAPIError.instance(statement, None, exc, driver_error) from exc


def _check_lengths(reader: Connection) -> None:
    """Refuse text longer than its column, naming the row, before writing anything.

    A SQLite ledger written before tracker checked lengths may hold such text; PostgreSQL
    would refuse it midway through the copy without saying which row it was.
    """
    for table in Base.metadata.sorted_tables:
        bounded = [c for c in table.columns if isinstance(c.type, String) and c.type.length]
        if not bounded:
            continue
        row = reader.execute(select(table).where(or_(*(func.length(c) > c.type.length for c in bounded)))
                             .limit(1)).mappings().first()
        if row is None:
            continue
        column = next(c for c in bounded if row[c.name] is not None and len(row[c.name]) > c.type.length)
        key = ", ".join(f"{c.name} {row[c.name]}" for c in table.primary_key.columns)
        raise InvalidInput(f"{table.name}.{column.name} of the row with {key} is {len(row[column.name])} "
                           f"characters long, over the {column.type.length} it may have; nothing was copied.")
