"""Writing many rows at once: the import's fast path, below the ORM.

Rows are converted by the columns' own SQLAlchemy types (so they are stored exactly as the
ORM would store them) and handed to the driver's `executemany` in one call per table.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session


class BulkInsert:
    """INSERT of rows given as tuples, one value for each of `columns`, in that order."""

    def __init__(self, session: Session, table: Table, columns: Sequence[str]) -> None:
        self.connection = session.connection()
        dialect = self.connection.dialect
        quote = dialect.identifier_preparer.quote
        marker = "?" if dialect.paramstyle == "qmark" else "%s"
        columns = [table.columns[name] for name in columns]
        self.sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c.name) for c in columns)}) "
                    f"VALUES ({', '.join([marker] * len(columns))})")
        self.converters = [(n, process) for n, c in enumerate(columns)
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


def lock_for_writing(session: Session, tables: Sequence[Table]) -> None:
    """Keep other writers out while rows with chosen ids go in (PostgreSQL; SQLite's write
    transaction already excludes them). Readers are not blocked."""
    if session.connection().dialect.name == "postgresql":
        names = ", ".join(table.name for table in tables)
        session.execute(text(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE"))


def sync_id_sequences(session: Session, tables: Sequence[Table]) -> None:
    """After rows were inserted with explicit ids, let PostgreSQL's sequences continue above them."""
    if session.connection().dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), max(id)) FROM {table.name} "
            "HAVING max(id) IS NOT NULL"))
