"""Copying a whole ledger from one database to another, ids and history intact."""

from collections.abc import Sequence

from sqlalchemy import Connection, Engine, RowMapping, String, Table, func, insert, or_, select
from sqlalchemy.exc import DBAPIError

from tracker.errors import Conflict, InvalidInput
from tracker.storage.bulk import sync_id_sequences
from tracker.storage.models import Base, Forecast, Source

BATCH = 1000


def copy_ledger(source: Engine, destination: Engine) -> dict[str, int]:
    """Copy every row into an empty ledger at head, in one transaction; rows copied per table."""
    counts = {}
    with source.connect() as reader, destination.begin() as writer:
        for model in (Source, Forecast):
            if writer.scalar(select(func.count()).select_from(model)):
                raise Conflict(f"the destination already holds {model.__tablename__}; copy only into an empty ledger.")
        _check_lengths(reader)
        for table in Base.metadata.sorted_tables:
            counts[table.name] = 0
            rows = reader.execution_options(yield_per=BATCH).execute(
                select(table).order_by(*table.primary_key.columns))
            for batch in rows.mappings().partitions(BATCH):
                write_rows(writer, table, batch)
                counts[table.name] += len(batch)
        sync_id_sequences(writer, [t for t in Base.metadata.sorted_tables if "id" in t.columns])
    return counts


def write_rows(writer: Connection, table: Table, rows: Sequence[RowMapping]) -> None:
    if writer.dialect.name != "postgresql":
        writer.execute(insert(table), [dict(row) for row in rows])
        return
    # COPY: a server takes rows many times faster so than as a statement a row. The values are
    # made what the statement would have sent them as by the columns' own bind processing.
    columns = list(table.columns)
    processors = [column.type._cached_bind_processor(writer.dialect) for column in columns]
    quote = writer.dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(quote(column.name) for column in columns)}) FROM STDIN"
    driver_error = writer.dialect.loaded_dbapi.Error
    try:
        with writer.connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([value if process is None else process(value)
                                for value, process in zip((row[column.name] for column in columns), processors)])
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
