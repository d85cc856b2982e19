"""Edits of evidence and of sources as events, and tags in one stored form.

Revision ID: 0008_sources_tags
Revises: 0007_big_ids

Events may now be `evidence_edited` (a piece of evidence's summary, url, stance or observed
date changed), and an edit or its undo may concern a forecast's `source`; the checks on
`events` allow them. SQLite cannot change a check in place, so `events` is rebuilt (batch
mode), and the partial index `ix_events_revisions` is made again by hand: reflection would
lose its condition.

Tags are case-insensitive with one stored form, lower case: a forecast's mixed-case tags are
folded, two tags that differ only in case becoming one. The timeline keeps the tags as they
were entered; the fold reads them folded the same way (services/replay.py).
"""

import sqlalchemy as sa
from alembic import op

from tracker.errors import Conflict

revision = '0008_sources_tags'
down_revision = '0007_big_ids'
branch_labels = None
depends_on = None
# A downgrade drops nothing: it refuses a ledger whose timelines hold the new events.
drops_on_downgrade = None

KINDS = ("('created', 'edited', 'status_changed', 'evidence_added', 'evidence_retracted', 'reviewed', "
         "'snoozed', 'deleted', 'estimate', 'undone'{})")
EDITED = "('claim', 'criteria', 'probability', 'resolve_by', 'review_every', 'tags'{})"
UNDONE = ("('claim', 'criteria', 'probability', 'resolve_by', 'review_every', 'tags'{}, 'status', 'outcome', "
          "'evidence_added', 'evidence_retracted', 'reviewed', 'snoozed', 'deleted', 'created', 'estimate'{})")
EVIDENCE = "kind NOT IN ('evidence_added', 'evidence_retracted'{}) OR evidence_id IS NOT NULL"
REVISES_SCORE = "kind IN ('edited', 'undone') AND field IN ('probability', 'status')"


def upgrade() -> None:
    fold_tags()
    replace_checks(new=True)


def downgrade() -> None:
    # Removing those events would leave gaps in their forecasts' versions.
    found = op.get_bind().scalar(sa.text(
        "SELECT count(*) FROM events WHERE kind = 'evidence_edited' OR field IN ('source', 'evidence_edited')"))
    if found:
        raise Conflict(f"{found} events record edits of evidence or sources, which the older schema "
                           "cannot hold; the ledger stays as it is.")
    replace_checks(new=False)


def replace_checks(*, new: bool) -> None:
    kind, source, evidence = (", 'evidence_edited'", ", 'source'", ", 'evidence_edited'") if new else ("", "", "")
    op.drop_index('ix_events_revisions', table_name='events')
    with op.batch_alter_table('events') as batch_op:
        for name in ('kind', 'edit', 'undo', 'evidence'):
            batch_op.drop_constraint(batch_op.f(f'ck_events_{name}'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_events_kind'), f"kind IN {KINDS.format(kind)}")
        batch_op.create_check_constraint(batch_op.f('ck_events_edit'),
                                         f"kind <> 'edited' OR field IN {EDITED.format(source)}")
        batch_op.create_check_constraint(batch_op.f('ck_events_undo'),
                                         f"kind <> 'undone' OR field IN {UNDONE.format(source, evidence)}")
        batch_op.create_check_constraint(batch_op.f('ck_events_evidence'), EVIDENCE.format(kind))
    op.create_index('ix_events_revisions', 'events', ['forecast_id'], unique=False,
                    sqlite_where=sa.text(REVISES_SCORE), postgresql_where=sa.text(REVISES_SCORE))


def fold_tags() -> None:
    """Each forecast's tags in lower case (Python's, the same on both backends), merged."""
    bind = op.get_bind()
    tags = sa.table('forecast_tags', sa.column('forecast_id', sa.BigInteger()), sa.column('tag', sa.String()))
    rows = bind.execute(sa.select(tags.c.forecast_id, tags.c.tag)).all()
    held = {(row.forecast_id, row.tag) for row in rows}
    for forecast_id, tag in sorted(held):
        folded = tag.lower()
        if folded == tag:
            continue
        bind.execute(tags.delete().where(tags.c.forecast_id == forecast_id, tags.c.tag == tag))
        if (forecast_id, folded) not in held:
            bind.execute(tags.insert().values(forecast_id=forecast_id, tag=folded))
            held.add((forecast_id, folded))
