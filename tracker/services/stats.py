"""Counts over the ledger: statuses, deadlines, reviews, evidence, and status moves per month."""

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from tracker import dates
from tracker.statuses import ACTIVE, FINAL, STATUSES
from tracker.storage.models import Event, Evidence, Forecast

LIVE = Forecast.deleted_at.is_(None)


def ledger_stats(session: Session) -> dict[str, Any]:
    """Every count of `tracker stats`; deleted forecasts are counted apart and nowhere else.

    Overdue: an active forecast whose resolve-by date has passed (before today). Due for
    review: an active forecast whose next review is today or earlier.
    """
    today = dates.today()
    by_status = dict(session.execute(select(Forecast.status, func.count()).where(LIVE).group_by(Forecast.status)).all())
    counts = {status: by_status.get(status, 0) for status in STATUSES}
    active = Forecast.status.in_(ACTIVE)
    evidence_total, retracted = session.execute(
        select(func.count(Evidence.id), func.count(Evidence.retracted_at))
        .join(Forecast, Evidence.forecast_id == Forecast.id).where(LIVE)
    ).one()
    standing = exists().where(Evidence.forecast_id == Forecast.id, Evidence.retracted_at.is_(None))
    forecasts = sum(counts.values())
    return {
        "forecasts": forecasts,
        **counts,
        "active": sum(counts[s] for s in ACTIVE),
        "final": sum(counts[s] for s in FINAL),
        "overdue": count(session, LIVE, active, Forecast.resolve_by < today),
        "due_for_review": count(session, LIVE, active, Forecast.next_review_on <= today),
        "deleted": count(session, Forecast.deleted_at.is_not(None)),
        "evidence": evidence_total,
        "evidence_retracted": retracted,
        "evidence_per_forecast": (evidence_total - retracted) / forecasts if forecasts else None,
        "forecasts_without_evidence": count(session, LIVE, ~standing),
        "status_moves": status_moves(session),
    }


def count(session: Session, *conditions) -> int:
    return session.scalar(select(func.count()).select_from(Forecast).where(*conditions)) or 0


def status_moves(session: Session) -> list[dict[str, Any]]:
    """Per local calendar month, how many status changes there were and into which status.

    Restating the same status is not a move. Months without moves between the first and
    the last are listed with zeros, so the series can be read as a time line.
    """
    rows = session.execute(
        select(Event.at, Event.to_status).join(Forecast, Event.forecast_id == Forecast.id)
        .where(LIVE, Event.kind == "status_changed", Event.from_status != Event.to_status)
    ).all()
    moves: dict[str, Counter] = {}
    for at, status in rows:
        moves.setdefault(at.astimezone().strftime("%Y-%m"), Counter())[status] += 1
    if not moves:
        return []
    return [{"month": month, "moves": sum(moves.get(month, Counter()).values()),
             "to": {status: moves.get(month, Counter())[status] for status in STATUSES}}
            for month in months_between(min(moves), max(moves))]


def months_between(first: str, last: str) -> list[str]:
    """Every "YYYY-MM" from first to last, both included."""
    start = dt.date.fromisoformat(f"{first}-01")
    months, day = [], start
    while (month := day.strftime("%Y-%m")) <= last:
        months.append(month)
        day = dates.add_months(day, 1)
    return months
