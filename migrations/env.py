"""Alembic environment: runs on the connection tracker hands over, inside its transaction."""

from alembic import context

from tracker.storage.models import Base, add_partial_indexes
from tracker.storage.search import include_name

add_partial_indexes()
config = context.config
connection = config.attributes.get("connection")
if connection is None:
    # Run by the `alembic` command itself (for writing revisions): open TRACKER_DB.
    import os

    from tracker.storage.database import create_ledger_engine, database_url

    engine = create_ledger_engine(database_url(os.environ["TRACKER_DB"]), write=True)
    connection = engine.connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
if connection.in_transaction() and "connection" not in config.attributes:
    connection.commit()
