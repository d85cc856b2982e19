"""Periodic review: the queue of forecasts whose review has come, reviewing and snoozing them.

A review is its own event: changing a forecast's status or adding evidence does not count as
one. Reviewing schedules the next review `review_every` days from today; snoozing moves the
next review to a chosen date.
"""

import datetime as dt
import heapq
import itertools
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from tracker import dates, statuses
from tracker.errors import Conflict, InvalidInput
from tracker.services.forecasts import clean_text, due_for_review, find_live_forecast
from tracker.services.records import forecast_record
from tracker.services.replay import ForecastState, load_states
from tracker.services.timeline import record_event
from tracker.storage.models import Forecast


PAGE = 100


def review_queue(session: Session, *, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Forecasts due for review: past their deadline first, then the longest waiting.

    Each comes with what happened since its last review. Without a limit the queue is read a
    page at a time, as the entries are taken, so a queue of any length is held a page at a time.
    """
    today = dates.today()
    if limit is not None:
        pages: Iterable[list[Forecast]] = [queued(session, today, limit=limit)]
    else:
        pages = batched(heapq.merge(*(due_in_order(session, today, status, deadline_passed)
                                      for status in statuses.ACTIVE), key=due_order)
                        for deadline_passed in (True, False))
    return (queue_entry(state, today) for page in pages for state in load_states(session, page))


def batched(parts: Iterable[Iterable[Forecast]]) -> Iterator[list[Forecast]]:
    """The forecasts of `parts`, one after another, in lists of a page."""
    page: list[Forecast] = []
    for forecast in itertools.chain.from_iterable(parts):
        page.append(forecast)
        if len(page) == PAGE:
            yield page
            page = []
    if page:
        yield page


def due_order(forecast: Forecast) -> tuple[dt.date, int]:
    return forecast.next_review_on, forecast.id


def due_in_order(session: Session, today: dt.date, status: str, deadline_passed: bool) -> Iterator[Forecast]:
    """The queued forecasts of one status and part (see `queued`), by next review and id, read a
    page at a time from its index."""
    after: tuple[dt.date, int] | None = None
    while True:
        query = queue_part(today, status, deadline_passed).limit(PAGE)
        if after is not None:
            query = query.where(Forecast.next_review_on >= after[0],
                                or_(Forecast.next_review_on > after[0], Forecast.id > after[1]))
        page = list(session.scalars(query))
        yield from page
        if len(page) < PAGE:
            return
        after = due_order(page[-1])


def queued(session: Session, today: dt.date, *, limit: int | None = None, skip: tuple[int, ...] = ()) -> list[Forecast]:
    """The queue in order: those past their deadline first, whatever their next review date
    (a forecast that should be settled by now matters more than any review), then those whose
    review has come; each part by next review and id.

    Each active status is read apart, by due date from its index, and the parts merged, so
    the first page of a queue of any length reads about a page of rows.
    """
    found: list[Forecast] = []
    for deadline_passed in (True, False):
        wanted = None if limit is None else limit - len(found)
        if wanted == 0:
            break
        part: list[Forecast] = []
        for status in statuses.ACTIVE:
            query = queue_part(today, status, deadline_passed)
            if skip:
                query = query.where(Forecast.id.not_in(skip))
            part += session.scalars(query if wanted is None else query.limit(wanted))
        part.sort(key=lambda forecast: (forecast.next_review_on, forecast.id))
        found += part if wanted is None else part[:wanted]
    return found


def queue_part(today: dt.date, status: str, deadline_passed: bool) -> Select[tuple[Forecast]]:
    """The forecasts of one status in one part of the queue, by next review and id."""
    query = (select(Forecast).where(Forecast.status == status, Forecast.deleted_at.is_(None),
                                    deadline(today, deadline_passed))
             .order_by(Forecast.next_review_on, Forecast.id))
    return query if deadline_passed else query.where(Forecast.next_review_on <= today)


def deadline(today: dt.date, passed: bool) -> ColumnElement[bool]:
    if passed:
        return Forecast.resolve_by < today
    return or_(Forecast.resolve_by.is_(None), Forecast.resolve_by >= today)


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
    left = due_count(session, today, skip)
    forecasts = queued(session, today, limit=1, skip=skip)
    if not forecasts:
        return None, 0
    [state] = load_states(session, forecasts)
    entry = queue_entry(state, today)
    entry["latest_evidence"] = [item for item in reversed(state.evidence.values()) if item["retracted_at"] is None]
    return entry, left


def due_count(session: Session, today: dt.date, skip: tuple[int, ...] = ()) -> int:
    """How many forecasts not in `skip` the review queue holds today, counted from its index."""
    due = due_for_review(today)
    return session.scalar(select(func.count()).where(due, Forecast.id.not_in(skip)) if skip
                          else select(func.count()).where(due)) or 0


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
                    note: str | None = None) -> tuple[Forecast, dt.date | None]:
    """Move the next review to `until` (today or later); return the forecast and the date its
    review had before, or None if it already had `until` and nothing changed. The caller says so
    when the review moved earlier than it was."""
    forecast = find_live_forecast(session, ref)
    check_reviewable(forecast)
    if until < dates.today():
        raise InvalidInput(f"{until} is in the past; snooze until today or a later date.")
    old = forecast.next_review_on
    if until == old:
        return forecast, None
    forecast.next_review_on = until
    record_event(session, forecast, actor, "snoozed", dates.utc_now(), field="next_review_on",
                 old=old, new=until, note=clean_text(note, "note"))
    return forecast, old


def calendar_entries(session: Session) -> list[dict[str, Any]]:
    """The forecasts a calendar should remind of: every unsettled one that is not deleted."""
    query = (select(Forecast).where(Forecast.status.in_(statuses.ACTIVE), Forecast.deleted_at.is_(None))
             .order_by(Forecast.id))
    return [forecast_record(forecast) for forecast in session.scalars(query)]
