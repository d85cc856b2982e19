"""Copying a whole ledger from one database to another, ids and history intact."""

from sqlalchemy import Engine, func, insert, select

from tracker.errors import Conflict
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
        for table in Base.metadata.sorted_tables:
            counts[table.name] = 0
            rows = reader.execution_options(yield_per=BATCH).execute(
                select(table).order_by(*table.primary_key.columns))
            for batch in rows.mappings().partitions(BATCH):
                writer.execute(insert(table), [dict(row) for row in batch])
                counts[table.name] += len(batch)
        sync_id_sequences(writer, [t for t in Base.metadata.sorted_tables if "id" in t.columns])
    return counts
