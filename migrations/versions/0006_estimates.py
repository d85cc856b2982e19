"""Multiple-choice forecasts and the team's aggregate.

Revision ID: 0006_estimates
Revises: 0005_search_fold

Estimates themselves are events (kind `estimate`, allowed since 0004_changes): each person's
probability, or probability per option, at a moment. A forecast may now name its `options`
(multiple choice) and the `outcome` option it resolved to. `aggregate` keeps the median of
the forecasters' latest estimates of a binary forecast, the fold's own value, so that `list`
can sort by it from an index.
"""

import sqlalchemy as sa
from alembic import op

revision = '0006_estimates'
down_revision = '0005_search_fold'
branch_labels = None
depends_on = None
# What downgrading past this revision drops of what people entered (storage/migrate.py).
drops_on_downgrade = "the options and outcomes of multiple-choice forecasts"


def upgrade() -> None:
    op.add_column('forecasts', sa.Column('options', sa.Text(), nullable=True))
    op.add_column('forecasts', sa.Column('outcome', sa.String(length=200), nullable=True))
    op.add_column('forecasts', sa.Column('aggregate', sa.Float(), nullable=True))
    op.create_index(op.f('ix_forecasts_aggregate'), 'forecasts', ['aggregate'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_forecasts_aggregate'), table_name='forecasts')
    with op.batch_alter_table('forecasts', recreate='never') as batch_op:
        batch_op.drop_column('aggregate')
        batch_op.drop_column('outcome')
        batch_op.drop_column('options')
