"""Copying a whole ledger from one database to another, ids and history intact."""

from sqlalchemy import Connection, Engine, String, func, insert, or_, select

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
                writer.execute(insert(table), [dict(row) for row in batch])
                counts[table.name] += len(batch)
        sync_id_sequences(writer, [t for t in Base.metadata.sorted_tables if "id" in t.columns])
    return counts


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
