"""A later export of another tracker, merged into the forecasts an earlier one brought.

The question's object (questions.py) is compared with the forecast its key names, and only what
is new is recorded, each as an event of the ledger's timeline:

- the fields the source owns: a title, notes or deadline edited there (`claim`, `criteria`,
  `resolve_by`) is an `edited` event by the importing user, now; tags the object has and the
  forecast lacks are added, and of the forecast's tags only the import's own `flag:` tags the
  source no longer warrants are taken away;
- forecasts the ledger lacks are appended as `estimate` events by their forecasters at their
  own moments. One already there (same person, moment and value, counted as often as the
  file has it) is not added again, nor one the ledger has since taken back;
- comments the ledger lacks are added as evidence by their authors at their own moments;
- a resolution the forecast lacks is recorded at the source's moment, by whoever the source
  says resolved it, else the importing user. A source that says "still open" does not reopen
  a forecast the ledger has resolved.

Versions only grow, so what is appended comes after what the ledger has, even when it was
made before: an estimate made before the resolution but first seen in a later export is
recorded after it, with its own moment. Everything that reads estimates goes by that moment
(services/replay.py keeps them in the order made; the scores count those made before the
resolution), so the forecast scores as if the estimate had been there all along. The new
events are recorded in the order they happened.
"""

import datetime as dt
import json
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import statuses
from tracker.errors import InvalidInput
from tracker.services.estimates import refresh_aggregate
from tracker.services.evidence import add_evidence
from tracker.services.foreign.questions import FLAG_PREFIX
from tracker.services.forecasts import apply_edit, change_tags, record_status_change
from tracker.services.objects import ForecastObject
from tracker.services.replay import TimelineError, estimate_value
from tracker.services.timeline import current_change, record_event
from tracker.storage.models import Event, Forecast

# The fields another tracker owns: edited there, they are edited here on a re-import.
OWNED_FIELDS = ("claim", "criteria", "resolve_by")


def identity(actor: str, at: dt.datetime, value: Any) -> tuple:
    """What makes two estimates the same: who, when, and the value (per option, in order)."""
    return actor, at, tuple(sorted(value.items())) if isinstance(value, dict) else value


def merge_question(session: Session, importer: str, forecast: Forecast, item: ForecastObject, at: dt.datetime,
                   note: str, new_evidence: list) -> bool:
    """Record what the object has that the forecast lacks; True if anything was recorded."""
    version = forecast.version
    edits = {name: getattr(item, name) for name in OWNED_FIELDS if getattr(item, name) != getattr(forecast, name)}
    added_tags = tuple(sorted(set(item.tags) - set(forecast.tags)))
    # The import's own flags go when the source no longer warrants them (a title given at last).
    dropped_flags = tuple(sorted(tag for tag in forecast.tags if tag.startswith(FLAG_PREFIX) and tag not in item.tags))
    missing = missing_estimates(session, forecast, item)
    happenings = [(event.at, 0, n, "estimate", event) for n, event in enumerate(missing)]
    happenings += [(evidence.added_at, 0, len(happenings) + n, "evidence", evidence)
                   for n, evidence in enumerate(new_evidence)]
    resolution = resolution_to_record(forecast, item)
    if resolution is not None:
        happenings.append((resolution.at, 1, 0, "resolution", resolution))
    if not (edits or added_tags or dropped_flags or happenings):
        return False
    # The import's change is the importing user's, whoever made the first thing it records.
    current_change(session, importer, at)
    for name, value in edits.items():
        apply_edit(session, forecast, importer, at, name, value, note=note, recorded_elsewhere=True)
    if added_tags or dropped_flags:
        change_tags(session, forecast, importer, at, added_tags, dropped_flags, note=note)
    estimated = False
    for moment, _, _, kind, what in sorted(happenings, key=lambda happening: happening[:3]):
        if kind == "estimate":
            try:
                value = estimate_value(what.new, forecast.options)
            except TimelineError as exc:
                raise InvalidInput(f"{item.where}, field 'events': an estimate by {what.actor} at "
                                   f"{moment.isoformat()} does not fit forecast {forecast.id}: {exc.problem}") from None
            record_event(session, forecast, what.actor, "estimate", moment, new=value, note=what.note)
            estimated = True
        elif kind == "evidence":
            add_evidence(session, str(forecast.id), what.added_by or importer, what.summary, url=what.url,
                         observed_on=what.observed_on, stance=what.stance, at=moment, note=note,
                         recorded_elsewhere=True)
        else:
            record_status_change(session, forecast, what.actor, moment, item.status, note, (), outcome=item.outcome)
    if estimated:
        refresh_aggregate(session, forecast)
    return forecast.version != version


def missing_estimates(session: Session, forecast: Forecast, item: ForecastObject) -> list:
    """The object's estimate events the forecast's timeline does not hold, in file order."""
    offered = [event for event in item.events if event.kind == "estimate"]
    if not offered:
        return []
    held = Counter(identity(actor, at, json.loads(value)) for actor, at, value in session.execute(
        select(Event.actor, Event.at, Event.new_value).where(Event.forecast_id == forecast.id,
                                                             Event.kind == "estimate")))
    missing = []
    for event in offered:
        found = identity(event.actor, event.at, event.new)
        if held[found]:
            held[found] -= 1
        else:
            missing.append(event)
    return missing


def resolution_to_record(forecast: Forecast, item: ForecastObject):
    """The object's resolving event (its moment and who made it) when the forecast does not
    have that resolution."""
    if not statuses.is_final(item.status) or (item.status, item.outcome) == (forecast.status, forecast.outcome):
        return None
    settled = [event for event in item.events if event.kind == "status_changed"]
    if not settled:
        return None
    return settled[-1]
