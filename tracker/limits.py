"""How long each bounded text of the ledger may be, in characters.

The models' column types and every check of input read these numbers, so what tracker accepts
and what its columns hold cannot drift apart. PostgreSQL refuses text longer than its column;
SQLite would keep it, and the ledger would then fail to copy to PostgreSQL. So tracker refuses
such text itself, the same on both backends, before anything is written.

Kept apart from the models so the command line can check `--as` without loading SQLAlchemy.
"""

KEY_LENGTH = 200  # forecasts.key
TAG_LENGTH = 100  # forecast_tags.tag
ACTOR_LENGTH = 200  # events.actor, changes.actor, evidence.added_by and evidence.retracted_by
STATUS_LENGTH = 20  # forecasts.status, events.from_status and events.to_status
STANCE_LENGTH = 20  # evidence.stance
EVENT_KIND_LENGTH = 30  # events.kind
EVENT_FIELD_LENGTH = 50  # events.field
COMMAND_LENGTH = 50  # changes.command
OPTION_LENGTH = 200  # forecasts.outcome, and each of forecasts.options
