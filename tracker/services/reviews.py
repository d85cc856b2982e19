"""Periodic review: the queue of forecasts whose review has come, reviewing and snoozing them.

A review is its own event: changing a forecast's status or adding evidence does not count as
one. Reviewing schedules the next review `review_every` days from today; snoozing moves the
next review to a chosen date.
"""

import datetime as dt
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from tracker import dates, statuses
from tracker.errors import Conflict, InvalidInput
from tracker.services.forecasts import clean_text, due_for_review, find_live_forecast, past_deadline
from tracker.services.records import forecast_record
from tracker.services.replay import ForecastState, load_states
from tracker.services.timeline import record_event
from tracker.storage.models import Forecast


def review_queue(session: Session, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Forecasts due for review: past their deadline first, then the longest waiting.

    Each comes with what happened since its last review.
    """
    today = dates.today()
    query = queue_query(today)
    if limit is not None:
        query = query.limit(limit)
    forecasts = list(session.scalars(query))
    return [queue_entry(state, today) for state in load_states(session, forecasts)]


def queue_query(today: dt.date, skip: tuple[int, ...] = ()) -> Select:
    query = (select(Forecast).where(due_for_review(today))
             .order_by(case((past_deadline(today), 0), else_=1), Forecast.next_review_on, Forecast.id))
    return query.where(Forecast.id.not_in(skip)) if skip else query


def queue_entry(state: ForecastState, today: dt.date) -> dict[str, Any]:
    """The forecast's record with what its reviewer needs to know since the last review."""
    record = dict(state.record)
    last = state.last_review
    since = last.at or record["created_at"]
    record.update(
        deadline_passed=record["resolve_by"] is not None and record["resolve_by"] < today,
        last_reviewed_at=last.at,
        days_since_review=(today - since.astimezone().date()).days,
        status_at_review=last.status,
        evidence_since_review=list(last.evidence_added),
    )
    return record


def next_for_review(session: Session, skip: tuple[int, ...] = ()) -> tuple[dict[str, Any] | None, int]:
    """The first forecast of the queue not in `skip`, with its standing evidence (newest first),
    and how many forecasts not in `skip` are due, that one included."""
    today = dates.today()
    query = queue_query(today, skip)
    left = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    forecasts = list(session.scalars(query.limit(1)))
    if not forecasts:
        return None, 0
    [state] = load_states(session, forecasts)
    entry = queue_entry(state, today)
    entry["latest_evidence"] = [item for item in reversed(state.evidence.values()) if item["retracted_at"] is None]
    return entry, left


def check_reviewable(forecast: Forecast) -> None:
    if statuses.is_final(forecast.status):
        raise Conflict(f"forecast {forecast.id} is {forecast.status}, a final status; settled forecasts "
                       "are not reviewed. Reopen it with `tracker update` first.")


def review_forecast(session: Session, ref: str, actor: str, note: str | None = None) -> Forecast:
    """Record a review and schedule the next one `review_every` days from today."""
    forecast = find_live_forecast(session, ref)
    check_reviewable(forecast)
    old = forecast.next_review_on
    forecast.next_review_on = dates.today() + dt.timedelta(days=forecast.review_every)
    record_event(session, forecast, actor, "reviewed", dates.utc_now(), field="next_review_on",
                 old=old, new=forecast.next_review_on, note=clean_text(note, "note"))
    return forecast


def snooze_forecast(session: Session, ref: str, actor: str, until: dt.date,
                    note: str | None = None) -> tuple[Forecast, bool]:
    """Move the next review to `until` (today or later); say whether anything changed."""
    forecast = find_live_forecast(session, ref)
    check_reviewable(forecast)
    if until < dates.today():
        raise InvalidInput(f"{until} is in the past; snooze until today or a later date.")
    old = forecast.next_review_on
    if until == old:
        return forecast, False
    forecast.next_review_on = until
    record_event(session, forecast, actor, "snoozed", dates.utc_now(), field="next_review_on",
                 old=old, new=until, note=clean_text(note, "note"))
    return forecast, True


def calendar_entries(session: Session) -> list[dict[str, Any]]:
    """The forecasts a calendar should remind of: every unsettled one that is not deleted."""
    query = (select(Forecast).where(Forecast.status.in_(statuses.ACTIVE), Forecast.deleted_at.is_(None))
             .order_by(Forecast.id))
    return [forecast_record(forecast) for forecast in session.scalars(query)]
