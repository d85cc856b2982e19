"""Rebuilding forecasts from their timelines.

The `created` event holds the values a forecast started with; every later event is applied
on top, in order. With all its events applied a forecast comes out exactly as its row stands
(tests check this as a property), so replaying only the events up to some moment gives the
forecast as it stood then. The same pass keeps track of reviews: when the last one was, the
status it left, and the evidence added since.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.services.records import decode_value, evidence_record, forecast_record
from tracker.storage.models import Event, Evidence, Forecast

DATE_FIELDS = ("made_on", "resolve_by", "next_review_on")
# Event kinds that only set `next_review_on`: a review also starts a new review period.
SCHEDULE_KINDS = ("reviewed", "snoozed")
# Beyond this many forecasts, reading every event is cheaper than naming each id in the query.
MAX_LISTED_IDS = 500


def end_of_day(day: dt.date) -> dt.datetime:
    """The first moment after `day` ends in local time, as UTC: events before it count."""
    local_midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min).astimezone()
    return local_midnight.astimezone(dt.timezone.utc)


def field_value(name: str, value: Any) -> Any:
    """A field's value as an event stores it (JSON) turned back into the row's type."""
    if name in DATE_FIELDS and value is not None:
        return dt.date.fromisoformat(value)
    return value


@dataclass
class ReviewPeriod:
    """The time since one review (or since the forecast was added, when `at` is None)."""

    at: dt.datetime | None
    status: str
    evidence_added: list[int] = field(default_factory=list)


@dataclass
class ForecastState:
    """A forecast as its events say it was: the record, its evidence, the events themselves."""

    record: dict[str, Any]
    evidence: dict[int, dict[str, Any]]
    events: list[Event]
    periods: list[ReviewPeriod]

    @property
    def last_review(self) -> ReviewPeriod:
        return self.periods[-1]


def start(forecast: Forecast, created: Event) -> ForecastState:
    record = forecast_record(forecast)
    for name, value in decode_value(created.new_value).items():
        record[name] = field_value(name, value)
    record.update(created_at=created.at, updated_at=created.at, version=created.version, deleted_at=None)
    return ForecastState(record, {}, [created], [ReviewPeriod(None, record["status"])])


def retract(item: dict[str, Any], event: Event) -> None:
    item.update(retracted_at=event.at, retracted_by=event.actor, retraction_reason=event.note)


def restore(item: dict[str, Any]) -> None:
    item.update(retracted_at=None, retracted_by=None, retraction_reason=None)


def apply(state: ForecastState, event: Event, evidence: dict[int, Evidence]) -> None:
    """Apply one event on top of `state`; kinds that change nothing are only kept in the timeline."""
    record, kind = state.record, event.kind
    if kind == "edited":
        record[event.field] = field_value(event.field, decode_value(event.new_value))
    elif kind == "status_changed":
        record["status"] = event.to_status
    elif kind == "evidence_added":
        state.evidence[event.evidence_id] = item = evidence_record(evidence[event.evidence_id])
        restore(item)
        state.last_review.evidence_added.append(event.evidence_id)
    elif kind == "evidence_retracted":
        retract(state.evidence[event.evidence_id], event)
    elif kind in SCHEDULE_KINDS:
        record["next_review_on"] = field_value("next_review_on", decode_value(event.new_value))
        if kind == "reviewed":
            state.periods.append(ReviewPeriod(event.at, record["status"]))
    elif kind == "deleted":
        record["deleted_at"] = event.at
    elif kind == "undone":
        apply_undo(state, event)
    state.events.append(event)
    record.update(version=event.version, updated_at=event.at)


def apply_undo(state: ForecastState, event: Event) -> None:
    """An `undone` event: its `field` names what was taken back (see services/undo.py)."""
    record, taken_back = state.record, event.field
    if taken_back == "evidence_added":
        retract(state.evidence[event.evidence_id], event)
        added = state.last_review.evidence_added
        if event.evidence_id in added:
            added.remove(event.evidence_id)
    elif taken_back == "evidence_retracted":
        restore(state.evidence[event.evidence_id])
    elif taken_back == "deleted":
        record["deleted_at"] = None
    elif taken_back == "created":
        record["deleted_at"] = event.at
    elif taken_back in SCHEDULE_KINDS:
        record["next_review_on"] = field_value("next_review_on", decode_value(event.new_value))
        if taken_back == "reviewed" and len(state.periods) > 1:
            ended = state.periods.pop()
            state.last_review.evidence_added += ended.evidence_added
    else:
        record[taken_back] = field_value(taken_back, decode_value(event.new_value))


def replay(forecast: Forecast, events: Iterable[Event], evidence: dict[int, Evidence]) -> ForecastState | None:
    """The forecast after `events` (its own, oldest first); None if they do not include its creation."""
    state = None
    for event in events:
        if event.kind == "created":
            state = start(forecast, event)
        elif state is not None:
            apply(state, event, evidence)
    return state


def load_states(session: Session, forecasts: list[Forecast], until: dt.datetime | None = None) -> list[ForecastState]:
    """Replay each forecast's events (those before `until`, or all); forecasts not yet created are left out."""
    if not forecasts:
        return []
    ids = [forecast.id for forecast in forecasts]
    events_query = select(Event).order_by(Event.forecast_id, Event.id)
    evidence_query = select(Evidence)
    if len(ids) <= MAX_LISTED_IDS:
        events_query = events_query.where(Event.forecast_id.in_(ids))
        evidence_query = evidence_query.where(Evidence.forecast_id.in_(ids))
    if until is not None:
        events_query = events_query.where(Event.at < until)
    events: dict[int, list[Event]] = {forecast_id: [] for forecast_id in ids}
    for event in session.scalars(events_query):
        if event.forecast_id in events:
            events[event.forecast_id].append(event)
    evidence = {row.id: row for row in session.scalars(evidence_query)}
    states = (replay(forecast, events[forecast.id], evidence) for forecast in forecasts)
    return [state for state in states if state is not None]
