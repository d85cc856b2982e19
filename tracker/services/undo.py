"""Undo: taking back a change (what one command did) by recording its reverse.

Undo never rewrites or removes events; it is itself a change, whose `undoes` names the change
it took back (the database lets each be taken back once), with one `undone` event per event
it reverses, newest first. An `undone` event's `field` names what it took back: an edited
field (`claim`, `tags`, ...), `status`, or the kind of event reversed (`evidence_added`,
`evidence_retracted`, `reviewed`, `snoozed`, `deleted`, `created`). `old` and `new` hold the
value before and after the undo where there is one, and `evidence_id` the evidence concerned,
so the fold of the timeline (services/replay.py) reads the undo like any other event.

Which change: the acting user's newest change that is not an undo, has not been taken back,
and whose effects no later change by anyone has overwritten (a later event on the same
forecast that changed the same thing, and was not itself taken back). Changes that others
have since built on are passed over, so undo never gets stuck behind them. Undo records are
never themselves taken back (there is no redo): to restore an undone edit, make it again.

`plan_undo` finds the change (a read); `undo_change` takes it back, after locking its
forecasts (in id order, the one lock order of every write) and checking again under the lock
that it is still the one to take back.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from tracker import dates
from tracker.errors import Conflict, NotFound
from tracker.services.estimates import refresh_aggregate
from tracker.services.forecasts import replace_tags
from tracker.services.records import change_record, decode_value, event_record
from tracker.services.replay import SCHEDULE_KINDS, estimator_of, evidence_values, field_value, step_of
from tracker.services.sources import restore_source
from tracker.services.timeline import note_change, record_event
from tracker.storage.models import Change, Event, Evidence, Forecast

EVIDENCE_KINDS = ("evidence_added", "evidence_retracted")
PAGE = 100
LISTED = 10


@dataclass
class Verdict:
    """Whether a change can be taken back, and if not, why."""

    undoable: bool
    reason: str = ""


def changes_by(session: Session, actor: str) -> Iterator[Change]:
    """The actor's changes, newest first, read a page at a time."""
    before = None
    while True:
        query = select(Change).where(Change.actor == actor).order_by(Change.id.desc()).limit(PAGE)
        if before is not None:
            query = query.where(Change.id < before)
        page = list(session.scalars(query))
        yield from page
        if len(page) < PAGE:
            return
        before = page[-1].id


def events_of(session: Session, change: Change) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.change_id == change.id).order_by(Event.id)))


def subject(event: Event) -> str:
    """What an event changed, so that two events that changed the same thing can be told apart."""
    what = event.field if event.kind == "undone" else event.kind
    if what in EVIDENCE_KINDS:
        return f"evidence #{event.evidence_id}"
    if what == "evidence_edited":
        return f"the fields of evidence #{event.evidence_id}"
    if what in SCHEDULE_KINDS:
        return "the review date"
    if what in ("created", "deleted"):
        return "whether it is deleted"
    if what in ("status_changed", "status", "outcome"):
        return "status"
    if what == "estimate":
        return f"{estimator_of(step_of(event)) if event.kind == 'undone' else event.actor}'s estimate"
    return what if event.kind == "undone" else event.field


# The kinds of event (or, for an undo, what it took back) that change one same thing, as
# `subject` names it. Any other kind is an edit, whose subject is its field.
ALIKE = (EVIDENCE_KINDS, ("evidence_edited",), SCHEDULE_KINDS, ("created", "deleted"),
         ("status_changed", "status", "outcome"), ("estimate",))


def touch_alike(events: list[Event]) -> tuple[set[str], set[str]]:
    """What a later event must name to change something `events` changed, as `subject` sees it:
    its kind, or for an undo what it took back, among the first set; or, for an edit or an undo,
    its field among the second. Events that name neither cannot, whatever else they hold."""
    kinds, fields = set(), set()
    for event in events:
        what = event.field if event.kind == "undone" else event.kind
        alike = next((group for group in ALIKE if what in group), None)
        if alike is not None:
            kinds.update(alike)
        else:
            fields.add(event.field)
    return kinds, fields


def later_events(session: Session, change: Change, events: list[Event]) -> Iterator[Event]:
    """The events after the change on its forecasts that still stand, oldest first, read a page
    at a time as they are taken (the first that touches what the change did is enough): those
    of changes taken back since, and of the undos that took them back, cancel out. Only events
    that could touch it are read (every later one, on a forecast the change created), so a long
    timeline of other things after the change is passed over by the database."""
    undo = aliased(Change)
    cancelled = or_(and_(Change.undoes.is_not(None), Change.undoes > change.id),
                    exists(select(undo.id).where(undo.undoes == Change.id, undo.undoes > change.id)))
    kinds, fields = touch_alike(events)
    could_touch = or_(Event.forecast_id.in_({event.forecast_id for event in events if event.kind == "created"}),
                      Event.kind.in_(kinds), and_(Event.kind == "undone", Event.field.in_(kinds)),
                      and_(Event.kind.in_(("edited", "undone")), Event.field.in_(fields)))
    query = (select(Event).join(Change, Change.id == Event.change_id)
             .where(Event.forecast_id.in_({event.forecast_id for event in events}),
                    Event.id > events[-1].id, Event.change_id != change.id, could_touch, ~cancelled)
             .order_by(Event.id).execution_options(yield_per=PAGE))
    rows = session.scalars(query)
    try:
        yield from rows
    finally:
        rows.close()


def verdict(session: Session, change: Change, events: list[Event]) -> Verdict:
    if change.undoes is not None:
        return Verdict(False, f"it is the undo of change {change.undoes}")
    taken_back_by = session.scalar(select(Change.id).where(Change.undoes == change.id))
    if taken_back_by is not None:
        return Verdict(False, f"taken back by change {taken_back_by}")
    if not events:
        return Verdict(False, "it changed nothing")
    subjects = {(event.forecast_id, subject(event)) for event in events}
    created = {event.forecast_id for event in events if event.kind == "created"}
    for event in later_events(session, change, events):
        if event.forecast_id in created or (event.forecast_id, subject(event)) in subjects:
            what = "it" if event.forecast_id in created else subject(event)
            return Verdict(False, f"{event.actor} has since changed {what} on forecast {event.forecast_id} "
                                  f"({event.kind.replace('_', ' ')} at {event.at:%Y-%m-%d %H:%M} UTC, change {event.change_id})")
    deleted_since = session.scalars(select(Forecast.id).where(
        Forecast.id.in_({event.forecast_id for event in events}), Forecast.deleted_at.is_not(None),
        # A source's edit reaches forecasts deleted before it (services/sources.py).
        Forecast.deleted_at >= change.at)).all()
    for forecast_id in deleted_since:
        if not any(event.kind == "deleted" and event.forecast_id == forecast_id for event in events):
            return Verdict(False, f"forecast {forecast_id} has been deleted since")
    return Verdict(True)


def describe(change: Change, events: list[Event], found: Verdict) -> dict[str, Any]:
    record = change_record(change)
    record.update(forecast_ids=sorted({event.forecast_id for event in events}),
                  events=[event_record(event) for event in events], undoable=found.undoable,
                  reason=found.reason or None)
    return record


def plan_undo(session: Session, actor: str) -> dict[str, Any]:
    """The change `undo` would take back now, with its events; NotFound if there is none."""
    passed_over = None
    for change in changes_by(session, actor):
        events = events_of(session, change)
        found = verdict(session, change, events)
        if found.undoable:
            return describe(change, events, found)
        if passed_over is None and change.undoes is None and not found.reason.startswith("taken back"):
            passed_over = f"; change {change.id} cannot be taken back: {found.reason} (`tracker undo --list` shows all)"
    raise NotFound(f"{actor} has no change left to undo{passed_over or ''}.")


def list_changes(session: Session, actor: str, limit: int = LISTED) -> list[dict[str, Any]]:
    """The actor's latest changes, newest first, each saying whether undo can take it back."""
    listed = []
    for change in changes_by(session, actor):
        events = events_of(session, change)
        listed.append(describe(change, events, verdict(session, change, events)))
        if len(listed) == limit:
            break
    return listed


def undo_change(session: Session, actor: str, change_id: int | None = None) -> dict[str, Any]:
    """Take back the actor's change that `plan_undo` finds (it must be `change_id` when given);
    return what was taken back."""
    planned = plan_undo(session, actor)
    if change_id is not None and planned["id"] != change_id:
        raise Conflict(f"change {change_id} is no longer the one to undo (the ledger moved on: "
                       f"{actor}'s latest undoable change is now {planned['id']}); nothing was undone. "
                       "Run `tracker undo` again to see it.")
    change = session.get(Change, planned["id"])
    forecasts = {forecast.id: forecast for forecast in session.scalars(
        select(Forecast).where(Forecast.id.in_(planned["forecast_ids"])).order_by(Forecast.id).with_for_update())}
    events = events_of(session, change)
    found = verdict(session, change, events)
    if not found.undoable:
        raise Conflict(f"change {change.id} can no longer be undone: {found.reason}; nothing was undone.")
    note_change(session, f"takes back change {change.id} ({change.command})", undoes=change.id)
    now = dates.utc_now()
    for event in reversed(events):
        reverse(session, forecasts[event.forecast_id], event, actor, now)
    return describe(change, events, found)


def change_name(event: Event) -> str:
    names = {"edited": f"edit of {event.field}", "status_changed": "status change",
             "evidence_added": f"addition of evidence #{event.evidence_id}",
             "evidence_retracted": f"retraction of evidence #{event.evidence_id}",
             "reviewed": "review", "snoozed": "snooze", "deleted": "deletion", "created": "addition of the forecast",
             "estimate": "estimate", "evidence_edited": f"edit of evidence #{event.evidence_id}"}
    return names.get(event.kind, event.kind.replace("_", " "))


def reverse(session: Session, forecast: Forecast, event: Event, actor: str, at: dt.datetime) -> None:
    """Record the reverse of one event as an `undone` event (the forecast is locked already)."""
    kind = event.kind
    note = f"takes back {event.actor}'s {change_name(event)} of {event.at:%Y-%m-%d %H:%M:%S} UTC"
    undone: dict[str, Any] = {"note": note}
    if kind == "edited":
        before, after = decode_value(event.old_value), decode_value(event.new_value)
        if event.field == "tags":
            replace_tags(forecast, before)
        elif event.field == "source":
            # A source edited in place is put back in place; a forecast moved to another source
            # goes back to one with the fields it had.
            command = session.get(Change, event.change_id).command
            restore_source(session, forecast, field_value("source", before), in_place=command == "source edit")
        else:
            setattr(forecast, event.field, field_value(event.field, before))
        undone.update(field=event.field, old=after, new=before)
    elif kind == "status_changed":
        forecast.status = event.from_status
        before, after = decode_value(event.old_value), decode_value(event.new_value)
        if before != after:
            # The reverse of a multiple-choice resolution puts back its outcome first.
            forecast.outcome = before
            record_event(session, forecast, actor, "undone", at, note=note, field="outcome", old=after, new=before)
        undone.update(field="status", old=event.to_status, new=event.from_status)
    elif kind == "estimate":
        undone.update(field="estimate", old=decode_value(event.new_value))
        if event.actor != actor:
            # Someone else's estimate (an import brings them): name whose it is for the fold.
            undone["new"] = {"actor": event.actor}
    elif kind in EVIDENCE_KINDS:
        evidence = session.get(Evidence, event.evidence_id, with_for_update=True)
        if kind == "evidence_added":
            evidence.retracted_at, evidence.retracted_by, evidence.retraction_reason = at, actor, note
        else:
            evidence.retracted_at = evidence.retracted_by = evidence.retraction_reason = None
        undone.update(field=kind, evidence_id=event.evidence_id)
    elif kind == "evidence_edited":
        evidence = session.get(Evidence, event.evidence_id, with_for_update=True)
        before, after = decode_value(event.old_value), decode_value(event.new_value)
        for name, value in evidence_values(before).items():
            setattr(evidence, name, value)
        undone.update(field=kind, evidence_id=event.evidence_id, old=after, new=before)
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
    if kind == "estimate":
        refresh_aggregate(session, forecast)
