"""Search by Unicode case folding: a folded search text per forecast, and the indexes over it.

Revision ID: 0005_search_fold
Revises: 0004_changes

`list --search` folded case four ways: SQLite's LIKE (ASCII letters only), FTS5's own folding,
PostgreSQL's ILIKE (the server's locale), and Python's `lower()` for `--as-of`. So "ПУТИН"
found a claim "Путин…" and "ПУ" did not. Now each forecast stores `search_text`, its claim,
criteria and key case-folded as tracker/storage/folding.py says, and search compares a
folded needle with it exactly. Existing rows are folded here, in batches, by that same
function: neither database's `lower()` is full case folding.

SQLite: the FTS5 table is made again over `search_text` alone, case-sensitive since the text
is folded already, with triggers on that column. The column comes with a default of '', as
SQLite adds a NOT NULL column to a table only with one; the ORM always sets it. PostgreSQL:
the GIN trigram index is made over `search_text` (where pg_trgm is installed), and the column
has no default, so a write that forgets it fails.
"""

import sqlalchemy as sa
from alembic import op

from tracker.storage.folding import search_text

revision = '0005_search_fold'
down_revision = '0004_changes'
branch_labels = None
depends_on = None
# Only the folded search text, which the upgrade folds again from the forecasts.
drops_on_downgrade = None

BATCH = 5000

FTS_TRIGGERS = {
    "forecasts_fts_insert": """
        CREATE TRIGGER forecasts_fts_insert AFTER INSERT ON forecasts BEGIN
            INSERT INTO forecasts_fts (rowid, search_text) VALUES (new.id, new.search_text);
        END""",
    "forecasts_fts_delete": """
        CREATE TRIGGER forecasts_fts_delete AFTER DELETE ON forecasts BEGIN
            INSERT INTO forecasts_fts (forecasts_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        END""",
    "forecasts_fts_update": """
        CREATE TRIGGER forecasts_fts_update AFTER UPDATE OF search_text ON forecasts BEGIN
            INSERT INTO forecasts_fts (forecasts_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
            INSERT INTO forecasts_fts (rowid, search_text) VALUES (new.id, new.search_text);
        END""",
}
FTS_TABLE = ("CREATE VIRTUAL TABLE forecasts_fts USING fts5(search_text, content='forecasts', content_rowid='id', "
             "tokenize='trigram case_sensitive 1')")

# What 0002_search made, made again by a downgrade.
OLD_SEARCHED = "claim, criteria, key"
OLD_FTS_TRIGGERS = {
    "forecasts_fts_insert": f"""
        CREATE TRIGGER forecasts_fts_insert AFTER INSERT ON forecasts BEGIN
            INSERT INTO forecasts_fts (rowid, {OLD_SEARCHED}) VALUES (new.id, new.claim, new.criteria, new.key);
        END""",
    "forecasts_fts_delete": f"""
        CREATE TRIGGER forecasts_fts_delete AFTER DELETE ON forecasts BEGIN
            INSERT INTO forecasts_fts (forecasts_fts, rowid, {OLD_SEARCHED})
            VALUES ('delete', old.id, old.claim, old.criteria, old.key);
        END""",
    "forecasts_fts_update": f"""
        CREATE TRIGGER forecasts_fts_update AFTER UPDATE OF {OLD_SEARCHED} ON forecasts BEGIN
            INSERT INTO forecasts_fts (forecasts_fts, rowid, {OLD_SEARCHED})
            VALUES ('delete', old.id, old.claim, old.criteria, old.key);
            INSERT INTO forecasts_fts (rowid, {OLD_SEARCHED}) VALUES (new.id, new.claim, new.criteria, new.key);
        END""",
}
OLD_FTS_TABLE = (f"CREATE VIRTUAL TABLE forecasts_fts USING fts5({OLD_SEARCHED}, content='forecasts', "
                 "content_rowid='id', tokenize='trigram')")

forecasts = sa.table("forecasts", sa.column("id", sa.Integer), sa.column("claim", sa.Text),
                     sa.column("criteria", sa.Text), sa.column("key", sa.Text), sa.column("search_text", sa.Text))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        drop_fts(FTS_TRIGGERS)
    else:
        op.execute("DROP INDEX IF EXISTS ix_forecasts_search")
    op.add_column('forecasts', sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
    fold_every_forecast(bind)
    if bind.dialect.name == 'sqlite':
        make_fts(FTS_TABLE, FTS_TRIGGERS)
    else:
        op.alter_column('forecasts', 'search_text', server_default=None)
        if has_pg_trgm(bind):
            op.execute("CREATE INDEX ix_forecasts_search ON forecasts USING gin (search_text gin_trgm_ops)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        drop_fts(FTS_TRIGGERS)
    else:
        op.execute("DROP INDEX IF EXISTS ix_forecasts_search")
    # SQLite drops the column in place (3.35 and later): rebuilding the table instead would
    # delete the rows that cascade from it.
    op.drop_column('forecasts', 'search_text')
    if bind.dialect.name == 'sqlite':
        make_fts(OLD_FTS_TABLE, OLD_FTS_TRIGGERS)
    elif has_pg_trgm(bind):
        op.execute("CREATE INDEX ix_forecasts_search ON forecasts "
                   "USING gin (claim gin_trgm_ops, criteria gin_trgm_ops, key gin_trgm_ops)")


def fold_every_forecast(bind: sa.Connection) -> None:
    update = (sa.update(forecasts).where(forecasts.c.id == sa.bindparam("row_id"))
              .values(search_text=sa.bindparam("folded")))
    last = 0
    while rows := bind.execute(sa.select(forecasts.c.id, forecasts.c.claim, forecasts.c.criteria, forecasts.c.key)
                               .where(forecasts.c.id > last).order_by(forecasts.c.id).limit(BATCH)).all():
        bind.execute(update, [{"row_id": row.id, "folded": search_text(row.claim, row.criteria, row.key)}
                              for row in rows])
        last = rows[-1].id


def drop_fts(triggers: dict[str, str]) -> None:
    for name in triggers:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS forecasts_fts")


def make_fts(table: str, triggers: dict[str, str]) -> None:
    op.execute(table)
    for trigger in triggers.values():
        op.execute(trigger)
    op.execute("INSERT INTO forecasts_fts (forecasts_fts) VALUES ('rebuild')")


def has_pg_trgm(bind: sa.Connection) -> bool:
    """0002_search installed pg_trgm where the server offers it; without it, search scans."""
    return bind.scalar(sa.text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")) > 0
