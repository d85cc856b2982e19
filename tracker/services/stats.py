"""Counts over the ledger: statuses, deadlines, reviews, evidence, and status moves per month.

Everything is counted by the database; nothing here reads the ledger row by row.
"""

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import ColumnElement, case, exists, func, select
from sqlalchemy.orm import Session

from tracker import dates
from tracker.statuses import ACTIVE, FINAL, STATUSES
from tracker.storage.models import Change, Event, Evidence, Forecast
from tracker.storage.sql import utc_day

LIVE = Forecast.deleted_at.is_(None)


def ledger_stats(session: Session, scope: ColumnElement[bool] | None = None) -> dict[str, Any]:
    """Every count of `tracker stats`; deleted forecasts are counted apart and nowhere else.

    Overdue: an active forecast whose resolve-by date has passed (before today). Due for
    review: an active forecast whose next review is today or earlier, or that is overdue (as
    `tracker review` queues them). `scope`, a condition on forecasts, counts only those it holds
    for (the report of some forecasts).
    """
    today = dates.today()
    scoped = [] if scope is None else [scope]
    by_status = {status: (live, deleted, overdue, due) for status, live, deleted, overdue, due in session.execute(
        select(Forecast.status, count_where(LIVE), func.count(Forecast.deleted_at),
               count_where(LIVE & (Forecast.resolve_by < today)),
               count_where(LIVE & ((Forecast.next_review_on <= today) | (Forecast.resolve_by < today))))
        .where(*scoped).group_by(Forecast.status))}
    counts = {status: by_status.get(status, (0,))[0] for status in STATUSES}
    evidence_total, retracted = session.execute(
        select(func.count(Evidence.id), func.count(Evidence.retracted_at))
        .join(Forecast, Evidence.forecast_id == Forecast.id).where(LIVE, *scoped)
    ).one()
    standing = exists().where(Evidence.forecast_id == Forecast.id, Evidence.retracted_at.is_(None))
    forecasts = sum(counts.values())
    return {
        "forecasts": forecasts,
        **counts,
        "active": sum(counts[s] for s in ACTIVE),
        "final": sum(counts[s] for s in FINAL),
        "overdue": sum(by_status[s][2] for s in ACTIVE if s in by_status),
        "due_for_review": sum(by_status[s][3] for s in ACTIVE if s in by_status),
        "deleted": sum(row[1] for row in by_status.values()),
        "evidence": evidence_total,
        "evidence_retracted": retracted,
        "evidence_per_forecast": (evidence_total - retracted) / forecasts if forecasts else None,
        "forecasts_without_evidence": session.scalar(select(func.count()).where(LIVE, ~standing, *scoped)) or 0,
        "status_moves": status_moves(session, scope),
    }


def count_where(condition):
    return func.count(case((condition, 1)))


# A move counts while it stands: one whose change was taken back by undo does not.
MOVES = (Event.kind == "status_changed", Event.from_status != Event.to_status, LIVE,
         Event.change_id.not_in(select(Change.undoes).where(Change.undoes.is_not(None))))


def status_moves(session: Session, scope: ColumnElement[bool] | None = None) -> list[dict[str, Any]]:
    """Per local calendar month, how many status changes there were and into which status.

    Restating the same status is not a move. Months without moves between the first and
    the last are listed with zeros, so the series can be read as a time line.

    The database counts moves per UTC day; a day falls whole into one local month unless a
    month begins or the UTC offset changes during it, and the moves of those few days are
    placed one by one.
    """
    scoped = MOVES if scope is None else (*MOVES, scope)
    moves: dict[str, Counter] = {}
    split_days: set[str] = set()
    month_of_day: dict[str, str | None] = {}
    rows = session.execute(select(utc_day(Event.at), Event.to_status, func.count())
                           .join(Forecast, Event.forecast_id == Forecast.id).where(*scoped)
                           .group_by(utc_day(Event.at), Event.to_status))
    for day, status, count in rows:
        if day not in month_of_day:
            month_of_day[day] = whole_day_month(dt.date.fromisoformat(day))
        month = month_of_day[day]
        if month is None:
            split_days.add(day)
        else:
            moves.setdefault(month, Counter())[status] += count
    if split_days:
        for at, status in session.execute(
                select(Event.at, Event.to_status).join(Forecast, Event.forecast_id == Forecast.id)
                .where(*scoped, utc_day(Event.at).in_(sorted(split_days)))):
            moves.setdefault(local_month(at), Counter())[status] += 1
    if not moves:
        return []
    return [{"month": month, "moves": sum(moves.get(month, Counter()).values()),
             "to": {status: moves.get(month, Counter())[status] for status in STATUSES}}
            for month in months_between(min(moves), max(moves))]


def whole_day_month(day: dt.date) -> str | None:
    """The local month every moment of this UTC day falls in; None if it spans two, or the
    UTC offset changes during it."""
    try:
        start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.timezone.utc).astimezone()
        end = dt.datetime.combine(day, dt.time.max, tzinfo=dt.timezone.utc).astimezone()
    except OverflowError:  # the first or last day of the calendar, in a zone beyond it
        return None
    month = month_of(start)
    return month if start.utcoffset() == end.utcoffset() and month_of(end) == month else None


def local_month(at: dt.datetime) -> str:
    """The local month of a moment; the UTC one at the calendar's edges, where local time would
    fall outside the years 1 to 9999."""
    try:
        return month_of(at.astimezone())
    except OverflowError:
        return month_of(at.astimezone(dt.timezone.utc))


def month_of(day: dt.date) -> str:
    """"YYYY-MM", the year in four digits (strftime's %Y gives "1" for the year 1 on Linux)."""
    return f"{day.year:04d}-{day.month:02d}"


def months_between(first: str, last: str) -> list[str]:
    """Every "YYYY-MM" from first to last, both included."""
    start = dt.date.fromisoformat(f"{first}-01")
    months, day = [], start
    while (month := month_of(day)) <= last:
        months.append(month)
        if month == last:  # never a month past the last, which may be the calendar's
            break
        day = dates.add_months(day, 1)
    return months
