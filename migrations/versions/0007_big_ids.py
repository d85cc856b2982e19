"""64-bit ids on PostgreSQL.

Revision ID: 0007_big_ids
Revises: 0006_estimates

PostgreSQL's INTEGER, and the sequences SERIAL made for it, stop at 2^31 - 1: a ledger that
reached it could take no more rows. Every id, every column that points at one, and every id
sequence become BIGINT. Each table is rewritten once, under an exclusive lock, so on a large
ledger the upgrade takes a while and commands wait for it (or fail after TRACKER_BUSY_TIMEOUT).

SQLite needs nothing: an INTEGER PRIMARY KEY is the 64-bit rowid, and its INTEGER columns hold
64 bits too.
"""

import sqlalchemy as sa
from alembic import op

revision = '0007_big_ids'
down_revision = '0006_estimates'
branch_labels = None
depends_on = None
# Narrowing the columns again fails, rather than cuts, where an id no longer fits in 32 bits.
drops_on_downgrade = None

ID_COLUMNS = {
    'sources': ('id',),
    'forecasts': ('id', 'source_id'),
    'forecast_tags': ('forecast_id',),
    'evidence': ('id', 'forecast_id'),
    'changes': ('id', 'undoes'),
    'events': ('id', 'forecast_id', 'change_id', 'evidence_id'),
    'event_citations': ('event_id', 'evidence_id'),
}
SEQUENCED = ('sources', 'forecasts', 'evidence', 'changes', 'events')


def upgrade() -> None:
    change_types('bigint')


def downgrade() -> None:
    change_types('integer')


def change_types(kind: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    for table, columns in ID_COLUMNS.items():
        # One ALTER TABLE a table: PostgreSQL rewrites it once for all its columns.
        op.execute(f"ALTER TABLE {table} " + ", ".join(f"ALTER COLUMN {column} TYPE {kind}" for column in columns))
    for table in SEQUENCED:
        sequence = bind.scalar(sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table})
        # A sequence whose limit was its type's own takes the new type's limit with it.
        op.execute(f"ALTER SEQUENCE {sequence} AS {kind}")
