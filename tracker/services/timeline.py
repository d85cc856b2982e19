"""Writing to a forecast's timeline. Every change to the ledger goes through `record_event`.

The events one command writes belong to one change, made with its first event: who, when,
which command (the CLI names it in `session.info["command"]`) and, where the command gives
one, a note (`note_change`).
"""

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from tracker.services.records import encode_value
from tracker.storage.models import Change, Event, EventCitation, Forecast

_UNSET: Any = object()


def note_change(session: Session, note: str | None = None, *, undoes: int | None = None) -> None:
    """Say why this command's change is made (and, for an undo, which change it takes back);
    to be called before its first event."""
    session.info["change_note"] = note
    session.info["change_undoes"] = undoes


def current_change(session: Session, actor: str, at: dt.datetime) -> Change:
    """This command's change, made by the first event it records (numbered `session.info["change_id"]`
    when the command chose its number)."""
    change = session.info.get("change")
    if change is None:
        change = Change(id=session.info.get("change_id"), actor=actor, at=at,
                        command=session.info.get("command") or "tracker", note=session.info.get("change_note"),
                        undoes=session.info.get("change_undoes"))
        session.add(change)
        session.flush()
        session.info["change"] = change
    return change


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
    change = current_change(session, actor, at)
    forecast.version += 1
    forecast.updated_at = at
    event = Event(
        forecast_id=forecast.id,
        change_id=change.id,
        version=forecast.version,
        previous_version=forecast.version - 1 or None,
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
