"""Changes as first-class records, and the timeline's invariants enforced by the database.

Revision ID: 0004_changes
Revises: 0003_scoring

Every event now belongs to a change: what one command did (`changes`: actor, at, command,
note, and for an undo the change it took back, at most once). Ledgers from before are given
their changes the way undo used to guess them: the events of one forecast with the same
actor and moment are one change, numbered by its first event's id.

Events gain `previous_version`, the version each follows, with a foreign key to the same
forecast's events: with (forecast, version) unique, a timeline can hold neither a repeated
nor a skipped version. Checks hold each event to its kind's shape.

SQLite cannot add constraints to a table, so `events` is rebuilt (batch mode; foreign keys
are checked once at the end, see storage/migrate.py).
The partial index `ix_events_revisions` is made again by hand: reflection would lose its
condition.
"""

import sqlalchemy as sa
from alembic import op

revision = '0004_changes'
down_revision = '0003_scoring'
branch_labels = None
depends_on = None
# What downgrading past this revision drops of what people entered (storage/migrate.py).
drops_on_downgrade = "the record of changes, who ran which command when, that undo needs"

STATUSES = "('open', 'developing', 'stalled', 'confirmed', 'partial', 'refuted', 'void')"
KINDS = ("('created', 'edited', 'status_changed', 'evidence_added', 'evidence_retracted', 'reviewed', "
         "'snoozed', 'deleted', 'estimate', 'undone')")
EDITED = "('claim', 'criteria', 'probability', 'resolve_by', 'review_every', 'tags')"
UNDONE = ("('claim', 'criteria', 'probability', 'resolve_by', 'review_every', 'tags', 'status', 'outcome', "
          "'evidence_added', 'evidence_retracted', 'reviewed', 'snoozed', 'deleted', 'created', 'estimate')")
REVISES_SCORE = "kind IN ('edited', 'undone') AND field IN ('probability', 'status')"
# The command each grouped change most likely was, from its first event.
COMMANDS = """CASE e.kind WHEN 'created' THEN 'add' WHEN 'edited' THEN 'update' WHEN 'status_changed' THEN 'update'
    WHEN 'evidence_added' THEN 'evidence add' WHEN 'evidence_retracted' THEN 'evidence retract'
    WHEN 'reviewed' THEN 'review' WHEN 'snoozed' THEN 'snooze' WHEN 'deleted' THEN 'delete'
    WHEN 'undone' THEN 'undo' ELSE e.kind END"""


def upgrade() -> None:
    op.create_table('changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('command', sa.String(length=50), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('undoes', sa.Integer(), nullable=True),
    sa.CheckConstraint('length(actor) BETWEEN 1 AND 200', name=op.f('ck_changes_actor')),
    sa.ForeignKeyConstraint(['undoes'], ['changes.id'], name=op.f('fk_changes_undoes_changes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_changes')),
    sa.UniqueConstraint('undoes', name=op.f('uq_changes_undoes'))
    )
    op.create_index(op.f('ix_changes_actor_id'), 'changes', ['actor', 'id'], unique=False)
    with op.batch_alter_table('events') as batch_op:
        batch_op.add_column(sa.Column('change_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('previous_version', sa.Integer(), nullable=True))
    group_events_into_changes()
    op.drop_index('ix_events_revisions', table_name='events')
    with op.batch_alter_table('events') as batch_op:
        batch_op.alter_column('change_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_events_change_id'), ['change_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_events_forecast_id_version'), ['forecast_id', 'version'])
        batch_op.create_foreign_key(batch_op.f('fk_events_change_id_changes'), 'changes', ['change_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_events_versions'), "(version = 1 AND previous_version IS NULL) OR "
                        "(version > 1 AND previous_version IS NOT NULL AND previous_version = version - 1)")
        batch_op.create_check_constraint(batch_op.f('ck_events_kind'), f"kind IN {KINDS}")
        batch_op.create_check_constraint(batch_op.f('ck_events_status_change'), f"kind <> 'status_changed' OR (from_status IN {STATUSES} AND to_status IN {STATUSES})")
        batch_op.create_check_constraint(batch_op.f('ck_events_edit'), f"kind <> 'edited' OR field IN {EDITED}")
        batch_op.create_check_constraint(batch_op.f('ck_events_undo'), f"kind <> 'undone' OR field IN {UNDONE}")
        batch_op.create_check_constraint(batch_op.f('ck_events_evidence'), "kind NOT IN ('evidence_added', 'evidence_retracted') OR evidence_id IS NOT NULL")
        batch_op.create_check_constraint(batch_op.f('ck_events_actor'), "length(actor) BETWEEN 1 AND 200")
    # Apart: on SQLite the table being copied must already hold the unique (forecast, version)
    # that the new table's foreign key refers to.
    with op.batch_alter_table('events') as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_events_previous_version'), 'events',
                                    ['forecast_id', 'previous_version'], ['forecast_id', 'version'])
    op.create_index('ix_events_revisions', 'events', ['forecast_id'], unique=False,
                    sqlite_where=sa.text(REVISES_SCORE), postgresql_where=sa.text(REVISES_SCORE))


def group_events_into_changes() -> None:
    """One change for each forecast, actor and moment, numbered by its first event's id."""
    op.execute("CREATE TEMPORARY TABLE event_groups AS SELECT forecast_id, actor, at, min(id) AS first_id "
               "FROM events GROUP BY forecast_id, actor, at")
    op.execute("CREATE INDEX event_groups_by_moment ON event_groups (forecast_id, actor, at)")
    op.execute(f"INSERT INTO changes (id, actor, at, command) SELECT g.first_id, g.actor, g.at, {COMMANDS} "
               "FROM event_groups g JOIN events e ON e.id = g.first_id")
    op.execute("UPDATE events SET change_id = (SELECT g.first_id FROM event_groups g WHERE g.forecast_id = "
               "events.forecast_id AND g.actor = events.actor AND g.at = events.at), "
               "previous_version = CASE WHEN version > 1 THEN version - 1 END")
    op.execute("DROP TABLE event_groups")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('changes', 'id'), max(id)) FROM changes "
                   "HAVING max(id) IS NOT NULL")


def downgrade() -> None:
    op.drop_index('ix_events_revisions', table_name='events')
    with op.batch_alter_table('events') as batch_op:
        for name in ('actor', 'evidence', 'undo', 'edit', 'status_change', 'kind', 'versions'):
            batch_op.drop_constraint(batch_op.f(f'ck_events_{name}'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_events_previous_version'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_events_change_id_changes'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_events_forecast_id_version'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_events_change_id'))
        batch_op.drop_column('previous_version')
        batch_op.drop_column('change_id')
    op.create_index('ix_events_revisions', 'events', ['forecast_id'], unique=False,
                    sqlite_where=sa.text(REVISES_SCORE), postgresql_where=sa.text(REVISES_SCORE))
    op.drop_index(op.f('ix_changes_actor_id'), table_name='changes')
    op.drop_table('changes')
