"""The ledger's tables, as SQLAlchemy typed ORM classes."""

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    and_,
    bindparam,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from tracker.fields import STANCES
from tracker.limits import (
    ACTOR_LENGTH,
    EVENT_FIELD_LENGTH,
    EVENT_KIND_LENGTH,
    KEY_LENGTH,
    STANCE_LENGTH,
    STATUS_LENGTH,
    TAG_LENGTH,
)
from tracker.statuses import FINAL, STATUSES

# Named constraints: SQLite's batch ALTER in migrations can only drop what has a name.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


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


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
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

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    claim: Mapped[str] = mapped_column(Text)
    criteria: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"), index=True)
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

    source: Mapped[Source | None] = relationship(lazy="selectin")
    tag_rows: Mapped[list["ForecastTag"]] = relationship(
        cascade="all, delete-orphan", order_by="ForecastTag.tag", lazy="selectin"
    )

    __table_args__ = (
        # `list --status S` pages in id order; the review queue reads each status by due date.
        Index(None, "status", "id"),
        Index(None, "status", "next_review_on", "resolve_by"),
        # `score` counts the forecasts of each final status and probability from this index alone.
        Index("ix_forecasts_scored", "status", "probability", "id", sqlite_where=text(SCORED),
              postgresql_where=text(SCORED)),
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        CheckConstraint("probability IS NULL OR (probability >= 0 AND probability <= 1)",
                        name="probability"),
        CheckConstraint("review_every > 0", name="review_every"),
        CheckConstraint("length(claim) > 0", name="claim"),
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]


class ForecastTag(Base):
    __tablename__ = "forecast_tags"

    forecast_id: Mapped[int] = mapped_column(
        ForeignKey("forecasts.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(TAG_LENGTH), primary_key=True)

    __table_args__ = (Index(None, "tag", "forecast_id"),)


class Evidence(Base):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    forecast_id: Mapped[int] = mapped_column(ForeignKey("forecasts.id"))
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


class Event(Base):
    """One entry of a forecast's append-only timeline.

    `old_value`/`new_value` hold JSON text so an edit keeps the type of what it changed.
    """

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    forecast_id: Mapped[int] = mapped_column(ForeignKey("forecasts.id"))
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    kind: Mapped[str] = mapped_column(String(EVENT_KIND_LENGTH))
    field: Mapped[str | None] = mapped_column(String(EVENT_FIELD_LENGTH))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    from_status: Mapped[str | None] = mapped_column(String(STATUS_LENGTH))
    to_status: Mapped[str | None] = mapped_column(String(STATUS_LENGTH))
    note: Mapped[str | None] = mapped_column(Text)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))

    cited: Mapped[list["EventCitation"]] = relationship(
        order_by="EventCitation.evidence_id", lazy="selectin"
    )

    __table_args__ = (
        # With kind and field, finding the events of some kinds in a timeline reads only the index.
        Index(None, "forecast_id", "id", "kind", "field"),
        Index(None, "actor", "id"),
        # A small index of the few forecasts whose score must be read from their timeline.
        Index("ix_events_revisions", "forecast_id", sqlite_where=text(REVISES_SCORE),
              postgresql_where=text(REVISES_SCORE)),
    )


class EventCitation(Base):
    """Evidence cited by a status change."""

    __tablename__ = "event_citations"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), primary_key=True)


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
