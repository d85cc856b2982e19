"""The ledger's tables, as SQLAlchemy typed ORM classes."""

import datetime as dt
import json
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    and_,
    bindparam,
    event,
    inspect,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from tracker.fields import STANCES
from tracker.limits import (
    ACTOR_LENGTH,
    COMMAND_LENGTH,
    EVENT_FIELD_LENGTH,
    EVENT_KIND_LENGTH,
    KEY_LENGTH,
    OPTION_LENGTH,
    STANCE_LENGTH,
    STATUS_LENGTH,
    TAG_LENGTH,
)
from tracker.statuses import FINAL, STATUSES
from tracker.storage import folding

# What the timeline holds (services/replay.py reads each): the kinds of event, the fields an
# edit changes, and what an `undone` event names as taken back.
EVENT_KINDS = ("created", "edited", "status_changed", "evidence_added", "evidence_retracted", "reviewed",
               "snoozed", "deleted", "estimate", "undone", "evidence_edited")
EDITED_FIELDS = ("claim", "criteria", "probability", "resolve_by", "review_every", "tags", "source")
UNDONE_SUBJECTS = (*EDITED_FIELDS, "status", "outcome", "evidence_added", "evidence_retracted", "reviewed",
                   "snoozed", "deleted", "created", "estimate", "evidence_edited")
# The kinds of event about one piece of evidence, which each name it.
EVIDENCE_EVENT_KINDS = ("evidence_added", "evidence_retracted", "evidence_edited")

# Named constraints: SQLite's batch ALTER in migrations can only drop what has a name.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Ids and the columns that point at them are 64-bit: PostgreSQL's INTEGER stops at 2^31 - 1,
# which a busy team ledger, or imports that keep high ids (services/imports.py IdPool), can reach.
# SQLite's INTEGER PRIMARY KEY is already the 64-bit rowid, and only that spelling makes it so.
ID = BigInteger().with_variant(Integer, "sqlite")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back as an aware UTC datetime.

    SQLite keeps no zone, so values are normalised to UTC on the way in and tagged UTC on
    the way out; PostgreSQL stores `timestamptz` and gets the same aware values.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


class JSONText(TypeDecorator[Any]):
    """A JSON value kept as text, the same on both backends and through the bulk import (whose
    rows pass through this type's own conversion)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def process_result_value(self, value, dialect):
        return None if value is None else json.loads(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    outlet: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index(None, "title"),)


# The forecasts `score` reads: undeleted, in a final status.
SCORED = f"deleted_at IS NULL AND {_one_of('status', FINAL)}"


class Forecast(Base):
    __tablename__ = "forecasts"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    claim: Mapped[str] = mapped_column(Text)
    criteria: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[int | None] = mapped_column(ID, ForeignKey("sources.id"), index=True)
    # Every field `list --sort` offers has an index, so a sorted page is read, not sorted.
    made_on: Mapped[dt.date] = mapped_column(Date, index=True)
    resolve_by: Mapped[dt.date | None] = mapped_column(Date, index=True)
    probability: Mapped[float | None] = mapped_column(Float, index=True)
    status: Mapped[str] = mapped_column(String(STATUS_LENGTH))
    review_every: Mapped[int] = mapped_column(Integer)
    next_review_on: Mapped[dt.date] = mapped_column(Date, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    version: Mapped[int] = mapped_column(Integer)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # What `list --search` looks in (storage/folding.py), kept by the mapper events below;
    # deferred, as only the database reads it.
    search_text: Mapped[str] = mapped_column(Text, deferred=True)
    # Multiple choice: the options' names in order, and the one it resolved to.
    options: Mapped[list[str] | None] = mapped_column(JSONText)
    outcome: Mapped[str | None] = mapped_column(String(OPTION_LENGTH))
    # The median of the forecasters' latest estimates (binary forecasts), kept for sorting.
    aggregate: Mapped[float | None] = mapped_column(Float, index=True)

    source: Mapped[Source | None] = relationship(lazy="selectin")
    tag_rows: Mapped[list["ForecastTag"]] = relationship(
        cascade="all, delete-orphan", order_by="ForecastTag.tag", lazy="selectin"
    )

    __table_args__ = (
        # `list --status S` pages in id order; the review queue reads each status by due date.
        Index(None, "status", "id"),
        Index(None, "status", "next_review_on", "resolve_by"),
        # And the partial index ix_forecasts_scored (add_partial_indexes).
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        CheckConstraint("probability IS NULL OR (probability >= 0 AND probability <= 1)",
                        name="probability"),
        CheckConstraint("review_every > 0", name="review_every"),
        CheckConstraint("length(claim) > 0", name="claim"),
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]


SEARCHED_FIELDS = ("claim", "criteria", "key")


def fold_search_text(forecast: Forecast) -> None:
    forecast.search_text = folding.search_text(forecast.claim, forecast.criteria, forecast.key)


# Every write the ORM makes (add, update, undo, import by key) keeps `search_text` in step;
# only writes below the ORM (the bulk import, the benchmark's generator) fill it themselves.
@event.listens_for(Forecast, "before_insert")
def fold_new_forecast(_mapper, _connection, forecast: Forecast) -> None:
    fold_search_text(forecast)


@event.listens_for(Forecast, "before_update")
def refold_edited_forecast(_mapper, _connection, forecast: Forecast) -> None:
    # Only when a searched field changed: on SQLite a new search text also rewrites the
    # forecast's entries in the full-text index.
    if any(inspect(forecast).attrs[name].history.has_changes() for name in SEARCHED_FIELDS):
        fold_search_text(forecast)


class ForecastTag(Base):
    __tablename__ = "forecast_tags"

    forecast_id: Mapped[int] = mapped_column(
        ID, ForeignKey("forecasts.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(TAG_LENGTH), primary_key=True)

    __table_args__ = (Index(None, "tag", "forecast_id"),)


class Evidence(Base):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    forecast_id: Mapped[int] = mapped_column(ID, ForeignKey("forecasts.id"))
    summary: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    observed_on: Mapped[dt.date | None] = mapped_column(Date)
    stance: Mapped[str] = mapped_column(String(STANCE_LENGTH))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    added_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    retracted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    retracted_by: Mapped[str | None] = mapped_column(String(ACTOR_LENGTH))
    retraction_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(_one_of("stance", STANCES), name="stance"),
        CheckConstraint("length(summary) > 0", name="summary"),
        # With retracted_at, counting a forecast's standing evidence reads only the index.
        Index(None, "forecast_id", "id", "retracted_at"),
    )


# Events after which a forecast's row no longer tells what it was scored on: an edit of its
# probability, or a status or probability change undone (services/scorecards.py).
REVISING_KINDS = ("edited", "undone")
REVISED_FIELDS = ("probability", "status")
REVISES_SCORE = f"{_one_of('kind', REVISING_KINDS)} AND {_one_of('field', REVISED_FIELDS)}"


class Change(Base):
    """What one command did: every event belongs to exactly one change, which `undo` takes back
    whole. `undoes` names the change an undo took back; each can be taken back once."""

    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    command: Mapped[str] = mapped_column(String(COMMAND_LENGTH))
    note: Mapped[str | None] = mapped_column(Text)
    undoes: Mapped[int | None] = mapped_column(ID, ForeignKey("changes.id"), unique=True)

    __table_args__ = (
        Index(None, "actor", "id"),
        CheckConstraint(f"length(actor) BETWEEN 1 AND {ACTOR_LENGTH}", name="actor"),
    )


class Event(Base):
    """One entry of a forecast's append-only timeline.

    `old_value`/`new_value` hold JSON text so an edit keeps the type of what it changed.
    Versions run 1, 2, 3… without gaps: each event after the first names the version it
    follows, which must exist, so neither a repeat nor a gap can be stored.
    """

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    forecast_id: Mapped[int] = mapped_column(ID, ForeignKey("forecasts.id"))
    change_id: Mapped[int] = mapped_column(ID, ForeignKey("changes.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    previous_version: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    kind: Mapped[str] = mapped_column(String(EVENT_KIND_LENGTH))
    field: Mapped[str | None] = mapped_column(String(EVENT_FIELD_LENGTH))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    from_status: Mapped[str | None] = mapped_column(String(STATUS_LENGTH))
    to_status: Mapped[str | None] = mapped_column(String(STATUS_LENGTH))
    note: Mapped[str | None] = mapped_column(Text)
    evidence_id: Mapped[int | None] = mapped_column(ID, ForeignKey("evidence.id"))

    cited: Mapped[list["EventCitation"]] = relationship(
        order_by="EventCitation.evidence_id", lazy="selectin"
    )

    __table_args__ = (
        # With kind and field, finding the events of some kinds in a timeline reads only the index.
        Index(None, "forecast_id", "id", "kind", "field"),
        Index(None, "actor", "id"),
        # And the partial index ix_events_revisions (add_partial_indexes).
        UniqueConstraint("forecast_id", "version"),
        ForeignKeyConstraint(["forecast_id", "previous_version"], ["events.forecast_id", "events.version"],
                             name="fk_events_previous_version"),
        CheckConstraint("(version = 1 AND previous_version IS NULL) OR "
                        "(version > 1 AND previous_version IS NOT NULL AND previous_version = version - 1)",
                        name="versions"),
        CheckConstraint(_one_of("kind", EVENT_KINDS), name="kind"),
        CheckConstraint(f"kind <> 'status_changed' OR ({_one_of('from_status', STATUSES)} "
                        f"AND {_one_of('to_status', STATUSES)})", name="status_change"),
        CheckConstraint(f"kind <> 'edited' OR {_one_of('field', EDITED_FIELDS)}", name="edit"),
        CheckConstraint(f"kind <> 'undone' OR {_one_of('field', UNDONE_SUBJECTS)}", name="undo"),
        CheckConstraint(f"kind NOT IN {EVIDENCE_EVENT_KINDS!r} OR evidence_id IS NOT NULL", name="evidence"),
        CheckConstraint(f"length(actor) BETWEEN 1 AND {ACTOR_LENGTH}", name="actor"),
    )


class EventCitation(Base):
    """Evidence cited by a status change."""

    __tablename__ = "event_citations"

    event_id: Mapped[int] = mapped_column(ID, ForeignKey("events.id"), primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ID, ForeignKey("evidence.id"), primary_key=True)


def add_partial_indexes() -> None:
    """Add the two partial indexes to the tables' metadata, where the schema is compared or
    written (storage/migrate.py, migrations/env.py); once is enough.

    Their WHERE is a dialect option, and naming one imports that dialect with every driver of
    it (PostgreSQL's, a tenth of a second), which a command that only reads and writes rows,
    on either backend, should not pay for at start-up.
    """
    if "ix_forecasts_scored" in {index.name for index in Forecast.__table__.indexes}:
        return
    # `score` counts the forecasts of each final status and probability from this index alone.
    Index("ix_forecasts_scored", Forecast.status, Forecast.probability, Forecast.id,
          sqlite_where=text(SCORED), postgresql_where=text(SCORED))
    # A small index of the few forecasts whose score must be read from their timeline.
    Index("ix_events_revisions", Event.forecast_id, sqlite_where=text(REVISES_SCORE),
          postgresql_where=text(REVISES_SCORE))


def literally_one_of(column, values: tuple[str, ...]):
    """`column IN (values)` with the values written into the SQL, not bound: a planner can
    use a partial index only for a statement whose terms match the index's own."""
    return column.in_(bindparam(None, values, expanding=True, literal_execute=True))


def scored():
    """The forecasts of ix_forecasts_scored."""
    return and_(Forecast.deleted_at.is_(None), literally_one_of(Forecast.status, FINAL))


def revises_score():
    """The events of ix_events_revisions."""
    return and_(literally_one_of(Event.kind, REVISING_KINDS), literally_one_of(Event.field, REVISED_FIELDS))
