"""Undo: taking back the acting user's last change by recording its reverse.

A change is what one command did to one forecast: events sharing forecast, actor and `at`.
Undo never rewrites or removes events; it appends one `undone` event per event it reverses,
newest first. An `undone` event's `field` names what it took back: an edited field
(`claim`, `tags`, ...), `status`, or the kind of event reversed (`evidence_added`,
`evidence_retracted`, `reviewed`, `snoozed`, `deleted`, `created`). `old` and `new` hold the
value before and after the undo where there is one, and `evidence_id` the evidence concerned,
so replaying the timeline (services/replay.py) sees the undo like any other change.

Which change is the last one follows taskwarrior: the user's changes form a stack, each undo
takes back the newest change not already taken back, so a second undo takes back the change
before that. Undo records are never themselves taken back (there is no redo): to restore an
undone edit, make it again.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import dates
from tracker.errors import Conflict, NotFound
from tracker.services.forecasts import replace_tags
from tracker.services.records import decode_value, event_record
from tracker.services.replay import SCHEDULE_KINDS, field_value
from tracker.services.timeline import record_event
from tracker.storage.models import Event, Evidence, Forecast

EVIDENCE_KINDS = ("evidence_added", "evidence_retracted")
PAGE = 500


@dataclass
class Change:
    """The events one command wrote to one forecast, oldest first."""

    forecast_id: int
    at: dt.datetime
    events: list[Event]

    @property
    def is_undo(self) -> bool:
        return all(event.kind == "undone" for event in self.events)


def events_by(session: Session, actor: str) -> Iterator[Event]:
    """The actor's events, newest first, read a page at a time."""
    before = None
    while True:
        query = select(Event).where(Event.actor == actor).order_by(Event.id.desc()).limit(PAGE)
        if before is not None:
            query = query.where(Event.id < before)
        page = list(session.scalars(query))
        yield from page
        if len(page) < PAGE:
            return
        before = page[-1].id


def changes_by(session: Session, actor: str) -> Iterator[Change]:
    """The actor's changes, newest first."""
    change = None
    for event in events_by(session, actor):
        if change is not None and (event.forecast_id, event.at) == (change.forecast_id, change.at):
            change.events.insert(0, event)
            continue
        if change is not None:
            yield change
        change = Change(event.forecast_id, event.at, [event])
    if change is not None:
        yield change


def last_change(session: Session, actor: str) -> Change:
    """The newest change of the actor's that no undo has taken back yet."""
    taken_back = 0
    for change in changes_by(session, actor):
        if change.is_undo:
            taken_back += 1
        elif taken_back:
            taken_back -= 1
        else:
            return change
    raise NotFound(f"{actor} has no change left to undo.")


def subject(event: Event) -> str:
    """What an event changed, so that two events that changed the same thing can be told apart."""
    what = event.field if event.kind == "undone" else event.kind
    if what in EVIDENCE_KINDS:
        return f"evidence #{event.evidence_id}"
    if what in SCHEDULE_KINDS:
        return "the review date"
    if what in ("created", "deleted"):
        return "whether it is deleted"
    if what == "status_changed":
        return "status"
    return what if event.kind == "undone" else event.field


def taken_back_since(session: Session, actor: str, since_id: int) -> set[int]:
    """Ids of the actor's events after `since_id` that cancel out: changes an undo took back,
    and those undos."""
    ids: set[int] = set()
    pending = 0
    for change in changes_by(session, actor):
        if change.events[-1].id <= since_id and not pending:
            break
        if change.is_undo:
            pending += 1
        elif pending:
            pending -= 1
        else:
            continue
        ids.update(event.id for event in change.events)
    return ids


def check_nothing_overwritten(session: Session, forecast: Forecast, change: Change, actor: str) -> None:
    """Refuse to undo a change that someone else has since built on (and not taken back)."""
    since = change.events[-1].id
    later = list(session.scalars(select(Event).where(Event.forecast_id == forecast.id, Event.id > since,
                                                     Event.actor != actor).order_by(Event.id)))
    cancelled = set().union(*(taken_back_since(session, other, since) for other in {e.actor for e in later}))
    later = [event for event in later if event.id not in cancelled]
    subjects = {subject(event) for event in change.events}
    created = any(event.kind == "created" for event in change.events)
    for event in later:
        if created or subject(event) in subjects:
            raise Conflict(
                f"cannot undo your change to forecast {forecast.id} of {change.at:%Y-%m-%d %H:%M} UTC: "
                f"{event.actor} has since changed {subject(event) if not created else 'it'} "
                f"({event.kind.replace('_', ' ')} at {event.at:%Y-%m-%d %H:%M} UTC)."
            )
    if forecast.deleted_at is not None and not any(event.kind == "deleted" for event in change.events):
        raise Conflict(f"forecast {forecast.id} has been deleted since; it can be shown but not changed.")


def undo_last_change(session: Session, actor: str) -> dict[str, Any]:
    """Take back the actor's last change; return the forecast id, when it was made and its events."""
    change = last_change(session, actor)
    forecast = session.get(Forecast, change.forecast_id, with_for_update=True)
    check_nothing_overwritten(session, forecast, change, actor)
    now = dates.utc_now()
    for event in reversed(change.events):
        reverse(session, forecast, event, actor, now)
    return {"forecast_id": forecast.id, "at": change.at, "events": [event_record(e) for e in change.events]}


def change_name(event: Event) -> str:
    names = {"edited": f"edit of {event.field}", "status_changed": "status change",
             "evidence_added": f"addition of evidence #{event.evidence_id}",
             "evidence_retracted": f"retraction of evidence #{event.evidence_id}",
             "reviewed": "review", "snoozed": "snooze", "deleted": "deletion", "created": "addition of the forecast"}
    return names.get(event.kind, event.kind.replace("_", " "))


def reverse(session: Session, forecast: Forecast, event: Event, actor: str, at: dt.datetime) -> None:
    """Record the reverse of one event as an `undone` event."""
    kind = event.kind
    note = f"takes back {event.actor}'s {change_name(event)} of {event.at:%Y-%m-%d %H:%M:%S} UTC"
    undone: dict[str, Any] = {"note": note}
    if kind == "edited":
        before, after = decode_value(event.old_value), decode_value(event.new_value)
        if event.field == "tags":
            replace_tags(forecast, before)
        else:
            setattr(forecast, event.field, field_value(event.field, before))
        undone.update(field=event.field, old=after, new=before)
    elif kind == "status_changed":
        forecast.status = event.from_status
        undone.update(field="status", old=event.to_status, new=event.from_status)
    elif kind in EVIDENCE_KINDS:
        evidence = session.get(Evidence, event.evidence_id, with_for_update=True)
        if kind == "evidence_added":
            evidence.retracted_at, evidence.retracted_by, evidence.retraction_reason = at, actor, note
        else:
            evidence.retracted_at = evidence.retracted_by = evidence.retraction_reason = None
        undone.update(field=kind, evidence_id=event.evidence_id)
    elif kind in SCHEDULE_KINDS:
        before = decode_value(event.old_value)
        forecast.next_review_on = field_value("next_review_on", before)
        undone.update(field=kind, old=decode_value(event.new_value), new=before)
    elif kind == "deleted":
        forecast.deleted_at = None
        undone.update(field=kind)
    elif kind == "created":
        forecast.deleted_at = at
        undone.update(field=kind)
    else:
        raise Conflict(f"a {kind.replace('_', ' ')} event cannot be undone.")
    record_event(session, forecast, actor, "undone", at, **undone)
