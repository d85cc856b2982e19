"""Scorecards over the ledger: which forecasts are resolved, when, and in which group.

The arithmetic is in `scoring`; this module reads the timeline of every resolved,
undeleted forecast and hands plain values to it.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors import InvalidInput
from tracker.services.records import event_record
from tracker.services.scoring import GROUPINGS, Resolution, forecast_scores, resolution_from_timeline, scorecard
from tracker.statuses import FINAL
from tracker.storage.models import Event, Forecast


@dataclass
class ScoreRequest:
    """What `tracker score` asks for: grouping, a window of resolution dates, the Brier method."""

    by: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    time_weighted: bool = False


@dataclass
class Resolved:
    """A resolved forecast with what the scorecards need to place it."""

    forecast: Forecast
    created_by: str
    resolution: Resolution

    @property
    def resolved_on(self) -> dt.date:
        """The local date of the resolution, as the user reads it in tables."""
        return self.resolution.resolved_at.astimezone().date()


def score_ledger(session: Session, request: ScoreRequest) -> dict[str, Any] | list[dict[str, Any]]:
    """One scorecard, or with `request.by` one per group, each with its `group` name."""
    if request.by is not None and request.by not in GROUPINGS:
        raise InvalidInput(f"cannot score by {request.by!r}; use one of {', '.join(GROUPINGS)}.")
    if request.since and request.until and request.since > request.until:
        raise InvalidInput(f"--since {request.since} is after --until {request.until}; nothing can be in between.")
    return scorecards(resolved_forecasts(session), request)


def scorecards(resolved: list["Resolved"], request: ScoreRequest) -> dict[str, Any] | list[dict[str, Any]]:
    """The scorecard(s) of `score_ledger`, from forecasts already read."""
    resolved = [item for item in resolved
                if (request.since is None or item.resolved_on >= request.since)
                and (request.until is None or item.resolved_on <= request.until)]
    if request.by is None:
        return card_of(resolved, request.time_weighted)
    groups: dict[str | None, list[Resolved]] = defaultdict(list)
    for item in resolved:
        for name in group_names(item, request.by):
            groups[name].append(item)
    # Named groups alphabetically, then the forecasts that have no name to group by.
    order = sorted(groups, key=lambda name: (name is None, (name or "").casefold(), name or ""))
    return [{"group": name, **card_of(groups[name], request.time_weighted)} for name in order]


def resolved_forecasts(session: Session) -> list[Resolved]:
    """Every undeleted forecast whose timeline ends in a final status, oldest id first."""
    live_final = (Forecast.deleted_at.is_(None), Forecast.status.in_(FINAL))
    forecasts = session.scalars(select(Forecast).where(*live_final).order_by(Forecast.id)).all()
    events: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = session.scalars(select(Event).join(Forecast, Event.forecast_id == Forecast.id)
                           .where(*live_final).order_by(Event.id))
    for event in rows:
        events[event.forecast_id].append(event_record(event))
    result = []
    for forecast in forecasts:
        timeline = events[forecast.id]
        resolution = resolution_from_timeline(timeline, forecast.made_on)
        if resolution is not None:
            result.append(Resolved(forecast, timeline[0]["actor"], resolution))
    return result


def group_names(item: Resolved, by: str) -> Iterable[str | None]:
    """The groups a forecast belongs to; None when it has nothing to group by.

    The author is the source's author when the source names one, otherwise whoever
    entered the forecast: a forecast with no named author is the word of its recorder.
    """
    source = item.forecast.source
    if by == "source":
        return [source.title if source else None]
    if by == "author":
        return [source.author if source and source.author else item.created_by]
    return item.forecast.tags or [None]


def card_of(resolved: list[Resolved], time_weighted: bool) -> dict[str, Any]:
    card = scorecard([item.resolution for item in resolved], time_weighted=time_weighted)
    card["forecasts"] = [{
        "id": item.forecast.id,
        "key": item.forecast.key,
        "status": item.resolution.status,
        "probability": item.resolution.probability,
        "resolved_at": item.resolution.resolved_at,
        **forecast_scores(item.resolution, time_weighted=time_weighted),
    } for item in resolved]
    return card
