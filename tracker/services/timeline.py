"""Writing to a forecast's timeline. Every change to the ledger goes through `record_event`."""

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from tracker.services.records import encode_value
from tracker.storage.models import Event, EventCitation, Forecast

_UNSET: Any = object()


def record_event(
    session: Session,
    forecast: Forecast,
    actor: str,
    kind: str,
    at: dt.datetime,
    *,
    old: Any = _UNSET,
    new: Any = _UNSET,
    cited: list[int] = (),
    **fields: Any,
) -> Event:
    """Append one event, bumping the forecast's version and `updated_at` with it."""
    forecast.version += 1
    forecast.updated_at = at
    event = Event(
        forecast_id=forecast.id,
        version=forecast.version,
        at=at,
        actor=actor,
        kind=kind,
        old_value=None if old is _UNSET else encode_value(old),
        new_value=None if new is _UNSET else encode_value(new),
        **fields,
    )
    event.cited = [EventCitation(evidence_id=evidence_id) for evidence_id in cited]
    session.add(event)
    session.flush()
    return event
