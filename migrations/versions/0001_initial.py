"""The initial ledger schema: sources, forecasts, tags, evidence and the event timeline.

Revision ID: 0001_initial
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = '0001_initial'
down_revision = None
branch_labels = None
depends_on = None
# What downgrading past this revision drops of what people entered (storage/migrate.py).
drops_on_downgrade = "every table, and so every forecast with its evidence and timeline"


def upgrade() -> None:
    op.create_table('sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('author', sa.Text(), nullable=True),
    sa.Column('outlet', sa.Text(), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sources'))
    )
    op.create_index(op.f('ix_sources_title'), 'sources', ['title'], unique=False)

    op.create_table('forecasts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('claim', sa.Text(), nullable=False),
    sa.Column('criteria', sa.Text(), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('made_on', sa.Date(), nullable=False),
    sa.Column('resolve_by', sa.Date(), nullable=True),
    sa.Column('probability', sa.Float(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('review_every', sa.Integer(), nullable=False),
    sa.Column('next_review_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'developing', 'stalled', 'confirmed', 'partial', 'refuted', 'void')", name=op.f('ck_forecasts_status')),
    sa.CheckConstraint('length(claim) > 0', name=op.f('ck_forecasts_claim')),
    sa.CheckConstraint('probability IS NULL OR (probability >= 0 AND probability <= 1)', name=op.f('ck_forecasts_probability')),
    sa.CheckConstraint('review_every > 0', name=op.f('ck_forecasts_review_every')),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_forecasts_source_id_sources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forecasts')),
    sa.UniqueConstraint('key', name=op.f('uq_forecasts_key'))
    )
    op.create_index(op.f('ix_forecasts_next_review_on'), 'forecasts', ['next_review_on'], unique=False)
    op.create_index(op.f('ix_forecasts_resolve_by'), 'forecasts', ['resolve_by'], unique=False)
    op.create_index(op.f('ix_forecasts_source_id'), 'forecasts', ['source_id'], unique=False)
    op.create_index(op.f('ix_forecasts_status'), 'forecasts', ['status'], unique=False)

    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forecast_id', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('observed_on', sa.Date(), nullable=True),
    sa.Column('stance', sa.String(length=20), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('added_by', sa.String(length=200), nullable=False),
    sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retracted_by', sa.String(length=200), nullable=True),
    sa.Column('retraction_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("stance IN ('supports', 'contradicts', 'context')", name=op.f('ck_evidence_stance')),
    sa.CheckConstraint('length(summary) > 0', name=op.f('ck_evidence_summary')),
    sa.ForeignKeyConstraint(['forecast_id'], ['forecasts.id'], name=op.f('fk_evidence_forecast_id_forecasts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence'))
    )
    op.create_index(op.f('ix_evidence_forecast_id_id'), 'evidence', ['forecast_id', 'id'], unique=False)

    op.create_table('forecast_tags',
    sa.Column('forecast_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['forecast_id'], ['forecasts.id'], name=op.f('fk_forecast_tags_forecast_id_forecasts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('forecast_id', 'tag', name=op.f('pk_forecast_tags'))
    )
    op.create_index(op.f('ix_forecast_tags_tag_forecast_id'), 'forecast_tags', ['tag', 'forecast_id'], unique=False)

    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forecast_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('field', sa.String(length=50), nullable=True),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_events_evidence_id_evidence')),
    sa.ForeignKeyConstraint(['forecast_id'], ['forecasts.id'], name=op.f('fk_events_forecast_id_forecasts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    op.create_index(op.f('ix_events_actor_id'), 'events', ['actor', 'id'], unique=False)
    op.create_index(op.f('ix_events_forecast_id_id'), 'events', ['forecast_id', 'id'], unique=False)

    op.create_table('event_citations',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_citations_event_id_events')),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_event_citations_evidence_id_evidence')),
    sa.PrimaryKeyConstraint('event_id', 'evidence_id', name=op.f('pk_event_citations'))
    )


def downgrade() -> None:
    op.drop_table('event_citations')
    op.drop_index(op.f('ix_events_forecast_id_id'), table_name='events')
    op.drop_index(op.f('ix_events_actor_id'), table_name='events')

    op.drop_table('events')
    op.drop_index(op.f('ix_forecast_tags_tag_forecast_id'), table_name='forecast_tags')

    op.drop_table('forecast_tags')
    op.drop_index(op.f('ix_evidence_forecast_id_id'), table_name='evidence')

    op.drop_table('evidence')
    op.drop_index(op.f('ix_forecasts_status'), table_name='forecasts')
    op.drop_index(op.f('ix_forecasts_source_id'), table_name='forecasts')
    op.drop_index(op.f('ix_forecasts_resolve_by'), table_name='forecasts')
    op.drop_index(op.f('ix_forecasts_next_review_on'), table_name='forecasts')

    op.drop_table('forecasts')
    op.drop_index(op.f('ix_sources_title'), table_name='sources')

    op.drop_table('sources')
