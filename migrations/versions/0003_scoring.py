"""Indexes for `score`: the resolved forecasts by status and probability, and the events
that revise what a resolved forecast is scored on.

Revision ID: 0003_scoring
Revises: 0002_search

`score` counts most resolved forecasts by their status and probability, which
`ix_forecasts_scored` holds without the table, and reads the timeline only of those whose
probability was edited or whose status or probability change was undone. `ix_events_revisions`
holds just those events (about one in sixty), so finding them does not read every event.
"""

import sqlalchemy as sa
from alembic import op

revision = '0003_scoring'
down_revision = '0002_search'
branch_labels = None
depends_on = None
# Only indexes, which the upgrade builds again.
drops_on_downgrade = None

SCORED = "deleted_at IS NULL AND status IN ('confirmed', 'partial', 'refuted', 'void')"
REVISES_SCORE = "kind IN ('edited', 'undone') AND field IN ('probability', 'status')"


def upgrade() -> None:
    op.create_index('ix_forecasts_scored', 'forecasts', ['status', 'probability', 'id'], unique=False,
                    sqlite_where=sa.text(SCORED), postgresql_where=sa.text(SCORED))
    op.create_index('ix_events_revisions', 'events', ['forecast_id'], unique=False,
                    sqlite_where=sa.text(REVISES_SCORE), postgresql_where=sa.text(REVISES_SCORE))


def downgrade() -> None:
    op.drop_index('ix_events_revisions', table_name='events')
    op.drop_index('ix_forecasts_scored', table_name='forecasts')
