"""Search and the indexes behind every `list` filter and sort, the review queue and the counts.

Revision ID: 0002_search
Revises: 0001_initial

`list --search` finds forecasts whose claim, criteria or key contains the text typed,
ignoring case. SQLite: an FTS5 table with the trigram tokenizer indexes those columns of
`forecasts` (external content), kept in step by triggers, so every change updates it in the
same transaction. PostgreSQL: a GIN trigram index (pg_trgm) over the same columns serves
ILIKE; where the server does not offer pg_trgm it is left out and search scans instead.
Neither is in the models: tracker/storage/search.py names them and keeps them out of
Alembic's comparison.

A later revision that rebuilds `forecasts` with batch mode on SQLite drops the triggers with
the old table and must create them again (see FTS_TRIGGERS).
"""

import sqlalchemy as sa
from alembic import op

revision = '0002_search'
down_revision = '0001_initial'
branch_labels = None
depends_on = None
# Only indexes and search tables, which the upgrade builds again from the forecasts.
drops_on_downgrade = None

SEARCHED = "claim, criteria, key"
FTS_TRIGGERS = {
    "forecasts_fts_insert": f"""
        CREATE TRIGGER forecasts_fts_insert AFTER INSERT ON forecasts BEGIN
            INSERT INTO forecasts_fts (rowid, {SEARCHED}) VALUES (new.id, new.claim, new.criteria, new.key);
        END""",
    "forecasts_fts_delete": f"""
        CREATE TRIGGER forecasts_fts_delete AFTER DELETE ON forecasts BEGIN
            INSERT INTO forecasts_fts (forecasts_fts, rowid, {SEARCHED})
            VALUES ('delete', old.id, old.claim, old.criteria, old.key);
        END""",
    "forecasts_fts_update": f"""
        CREATE TRIGGER forecasts_fts_update AFTER UPDATE OF {SEARCHED} ON forecasts BEGIN
            INSERT INTO forecasts_fts (forecasts_fts, rowid, {SEARCHED})
            VALUES ('delete', old.id, old.claim, old.criteria, old.key);
            INSERT INTO forecasts_fts (rowid, {SEARCHED}) VALUES (new.id, new.claim, new.criteria, new.key);
        END""",
}


def upgrade() -> None:
    # Indexes need no batch mode: SQLite creates and drops them in place.
    op.drop_index('ix_forecasts_status', table_name='forecasts')
    op.create_index('ix_forecasts_status_id', 'forecasts', ['status', 'id'], unique=False)
    op.create_index('ix_forecasts_status_next_review_on_resolve_by', 'forecasts',
                    ['status', 'next_review_on', 'resolve_by'], unique=False)
    op.create_index('ix_forecasts_made_on', 'forecasts', ['made_on'], unique=False)
    op.create_index('ix_forecasts_probability', 'forecasts', ['probability'], unique=False)
    op.create_index('ix_forecasts_created_at', 'forecasts', ['created_at'], unique=False)
    op.create_index('ix_forecasts_updated_at', 'forecasts', ['updated_at'], unique=False)
    op.drop_index('ix_evidence_forecast_id_id', table_name='evidence')
    op.create_index('ix_evidence_forecast_id_id_retracted_at', 'evidence', ['forecast_id', 'id', 'retracted_at'],
                    unique=False)
    op.drop_index('ix_events_forecast_id_id', table_name='events')
    op.create_index('ix_events_forecast_id_id_kind_field', 'events', ['forecast_id', 'id', 'kind', 'field'],
                    unique=False)

    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        op.execute(f"CREATE VIRTUAL TABLE forecasts_fts USING fts5({SEARCHED}, content='forecasts', "
                   "content_rowid='id', tokenize='trigram')")
        for trigger in FTS_TRIGGERS.values():
            op.execute(trigger)
        op.execute("INSERT INTO forecasts_fts (forecasts_fts) VALUES ('rebuild')")
    elif bind.dialect.name == 'postgresql':
        try:
            with bind.begin_nested():
                op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except sa.exc.DBAPIError:
            return  # not offered by this server, or not ours to install: search scans instead
        op.execute("CREATE INDEX ix_forecasts_search ON forecasts "
                   "USING gin (claim gin_trgm_ops, criteria gin_trgm_ops, key gin_trgm_ops)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        for name in FTS_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS forecasts_fts")
    elif bind.dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_forecasts_search")

    op.drop_index('ix_events_forecast_id_id_kind_field', table_name='events')
    op.create_index('ix_events_forecast_id_id', 'events', ['forecast_id', 'id'], unique=False)
    op.drop_index('ix_evidence_forecast_id_id_retracted_at', table_name='evidence')
    op.create_index('ix_evidence_forecast_id_id', 'evidence', ['forecast_id', 'id'], unique=False)
    for name in ('ix_forecasts_updated_at', 'ix_forecasts_created_at', 'ix_forecasts_probability',
                 'ix_forecasts_made_on', 'ix_forecasts_status_next_review_on_resolve_by', 'ix_forecasts_status_id'):
        op.drop_index(name, table_name='forecasts')
    op.create_index('ix_forecasts_status', 'forecasts', ['status'], unique=False)
