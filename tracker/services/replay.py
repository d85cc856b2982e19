"""The fold: a forecast's state at any moment is what its events, read in order, make it.

This module is the one reader of timelines. The `created` event holds the values a forecast
started with; every later event is applied on top, in order, each checked against the
state it meets (an edit's `old` is the value it replaced, a status change starts from the
status in force, evidence is added once and retracted only while it stands). With all its
events applied a forecast comes out exactly as its row stands; applied up to some moment,
as it stood then. The same pass keeps what the review queue and the scores need: the review
periods, every probability with the moment it came into force, and the resolution in force.

`fold` reads any sequence of objects with the attributes of an event (`kind`, `at`, `actor`,
`version`, `field`, `old`, `new`, `from_status`, `to_status`, `evidence_id`, `note`), so the
rows of the ledger (through `step_of`), the objects of an import file and the few columns
`score` reads all go through the same code.
"""

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from sys import intern
from typing import Any, NamedTuple

import msgspec
from msgspec import UNSET
from sqlalchemy import ARRAY, BigInteger, any_, bindparam, select
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from tracker.services.records import evidence_record, forecast_record
from tracker.services.scoring import Resolution, made_at
from tracker.statuses import FINAL, STATUSES
from tracker.storage.models import EDITED_FIELDS, EVENT_KINDS, Event, EventCitation, Evidence, Forecast

SOURCE_FIELDS = ("title", "author", "outlet", "url", "published_on", "notes")
# What `evidence edit` may change of a piece of evidence, as its events name them.
EVIDENCE_FIELDS = ("summary", "url", "observed_on", "stance")

DATE_FIELDS = ("made_on", "resolve_by", "next_review_on")
# The values a `created` event holds: the forecast's fields as it was entered.
CREATED_FIELDS = ("key", "claim", "criteria", "made_on", "resolve_by", "probability", "status", "tags",
                  "review_every", "next_review_on", "options")
# Fields a `created` event may leave out: binary forecasts, and every one made before options.
OPTIONAL_CREATED = {"options": None}
# How far the probabilities of one multiple-choice estimate may sum from 1.
SUM_TOLERANCE = 1e-6
EDITABLE = EDITED_FIELDS
# Event kinds that only set `next_review_on`: a review also starts a new review period.
SCHEDULE_KINDS = ("reviewed", "snoozed")
EVIDENCE_KINDS = ("evidence_added", "evidence_retracted")
KINDS = EVENT_KINDS
# Forecasts per query when states are loaded by id: the events of the others are not read.
IDS_PER_QUERY = 500


class TimelineError(ValueError):
    """A timeline that does not fold: `position` is the event's index, `name` the field at fault."""

    def __init__(self, position: int | None, name: str, problem: str) -> None:
        super().__init__(problem)
        self.position, self.name, self.problem = position, name, problem

    def field_path(self) -> str:
        return self.name if self.position is None else f"events[{self.position}].{self.name}"


class Step(NamedTuple):
    """One event as the fold reads it: its values decoded from their JSON text."""

    kind: str
    at: dt.datetime
    actor: str
    version: int
    field: str | None = None
    old: Any = None
    new: Any = None
    from_status: str | None = None
    to_status: str | None = None
    evidence_id: int | None = None
    note: str | None = None


# What `step_of` reads of an event, for a query that reads only that.
STEP_COLUMNS = (Event.kind, Event.at, Event.actor, Event.version, Event.field, Event.old_value, Event.new_value,
                Event.from_status, Event.to_status, Event.evidence_id, Event.note)


def step_of(event: Event) -> Step:
    # Kinds, actors and fields repeat down a timeline: one string each, however long it is.
    return Step(intern(event.kind), event.at, intern(event.actor), event.version,
                event.field and intern(event.field), decode(event.old_value), decode(event.new_value),
                event.from_status, event.to_status, event.evidence_id, event.note)


def decode(text: str | None) -> Any:
    return None if text is None else msgspec.json.decode(text)


def end_of_day(day: dt.date) -> dt.datetime:
    """The first moment after `day` ends in local time, as UTC: events before it count."""
    if day == dt.date.max:  # nothing is after the calendar's last day
        return dt.datetime.max.replace(tzinfo=dt.timezone.utc)
    local_midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min).astimezone()
    return local_midnight.astimezone(dt.timezone.utc)


def _date(name: str, value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise TimelineError(None, name, f"{value!r} is not a date (YYYY-MM-DD).")


def field_value(name: str, value: Any) -> Any:
    """A field's value as an event holds it (JSON) turned into the row's type, or TimelineError
    naming what is wrong with it."""
    if value is None:
        if name in ("criteria", "resolve_by", "probability", "options", "source"):
            return None
        raise TimelineError(None, name, "is null; it must have a value.")
    if name in DATE_FIELDS:
        return _date(name, value)
    if name == "probability":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise TimelineError(None, name, f"{value!r} is not a probability from 0 to 1.")
        return float(value)
    if name == "review_every":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3650:
            raise TimelineError(None, name, f"{value!r} is not a whole number of days from 1 to 3650.")
        return value
    if name == "tags":
        if not isinstance(value, list) or not all(isinstance(tag, str) and tag for tag in value) \
                or value != sorted(set(value)):
            raise TimelineError(None, name, f"{value!r} is not a sorted list of distinct tags.")
        # Tags are case-insensitive, kept in lower case; events from before kept them as typed.
        return value if all(tag == tag.lower() for tag in value) else sorted({tag.lower() for tag in value})
    if name == "source":
        return source_value(value)
    if name == "status":
        if value not in STATUSES:
            raise TimelineError(None, name, f"{value!r} is not a status.")
        return value
    if name == "options":
        if not isinstance(value, list) or len(value) < 2 or len(set(value)) != len(value) \
                or not all(isinstance(option, str) and option.strip() for option in value):
            raise TimelineError(None, name, f"{value!r} is not a list of two or more distinct option names.")
        return value
    if name in ("claim", "key", "criteria"):
        if not isinstance(value, str) or (name != "criteria" and not value.strip()):
            raise TimelineError(None, name, f"{value!r} is not text.")
        return value
    raise TimelineError(None, name, "is not a field an event can set.")


def source_value(value: Any) -> dict[str, Any]:
    """A forecast's source as an event holds it: its fields, the title at least."""
    if not isinstance(value, dict) or not set(value) <= set(SOURCE_FIELDS) \
            or not isinstance(value.get("title"), str) or not value["title"].strip():
        raise TimelineError(None, "source", f"{value!r} is not a source (an object with a title, and "
                                            f"{', '.join(SOURCE_FIELDS[1:])}).")
    source = {name: value.get(name) for name in SOURCE_FIELDS}
    for name, given in source.items():
        if given is not None and not isinstance(given, str):
            raise TimelineError(None, f"source.{name}", f"{given!r} is not text.")
    if source["published_on"] is not None:
        source["published_on"] = _date("source.published_on", source["published_on"])
    return source


def evidence_values(value: Any) -> dict[str, Any]:
    """The fields of a piece of evidence an `evidence_edited` event holds (old or new)."""
    if not isinstance(value, dict) or not value or not set(value) <= set(EVIDENCE_FIELDS):
        raise TimelineError(None, "new", f"{value!r} is not an object of evidence fields "
                                         f"({', '.join(EVIDENCE_FIELDS)}).")
    checked = dict(value)
    for name, given in value.items():
        if given is None and name in ("summary", "stance"):
            raise TimelineError(None, name, "is null; evidence must have it.")
        if given is not None and not isinstance(given, str):
            raise TimelineError(None, name, f"{given!r} is not text.")
    if checked.get("observed_on") is not None:
        checked["observed_on"] = _date("observed_on", checked["observed_on"])
    return checked


def origins(events: Iterable) -> tuple[Any, dict[int, dict[str, Any]]]:
    """What a timeline's first edits found, which no earlier event holds: the forecast's source
    before its first change of source (_NO_SOURCE_EVENT if none changed it), and for each
    piece of evidence its fields before their first edit."""
    source: Any = _NO_SOURCE_EVENT
    evidence: dict[int, dict[str, Any]] = {}
    for position, event in enumerate(events):
        kind = event.kind
        try:
            if kind == "edited" or kind == "undone":
                if event.field == "source" and source is _NO_SOURCE_EVENT:
                    source = field_value("source", _value(event, "old"))
                elif event.field == "evidence_edited":
                    _first_values(evidence, event)
            elif kind == "evidence_edited":
                _first_values(evidence, event)
        except TimelineError as exc:
            exc.position = position
            raise
    return source, evidence


def _first_values(evidence: dict[int, dict[str, Any]], event) -> None:
    held = evidence.setdefault(event.evidence_id, {})
    for name, value in evidence_values(_value(event, "old")).items():
        held.setdefault(name, value)


_NO_SOURCE_EVENT: Any = object()


@dataclass
class ReviewPeriod:
    """The time since one review (or since the forecast was added, when `at` is None)."""

    at: dt.datetime | None
    status: str
    evidence_added: list[int] = field(default_factory=list)


class Estimate(NamedTuple):
    """One person's estimate: a probability, or for multiple choice a probability per option.
    (A named tuple: a fold of tens of thousands of estimates makes one for each.)"""

    actor: str
    at: dt.datetime
    value: float | dict[str, float]
    note: str | None = None


def estimate_value(value: Any, options: list[str] | None) -> float | dict[str, float]:
    """An estimate's value checked against the forecast: a probability, or one per option
    summing to 1; TimelineError saying what is wrong otherwise."""
    if options is None:
        if type(value) is float and 0 <= value <= 1:  # nearly every one: what field_value would return
            return value
        if value is None:
            raise TimelineError(None, "new", "an estimate needs a probability.")
        return field_value("probability", value)
    if value is None:
        raise TimelineError(None, "new", "an estimate needs a probability.")
    if not isinstance(value, dict) or set(value) != set(options):
        raise TimelineError(None, "new", f"{value!r} does not give a probability for each option: "
                                         f"{', '.join(options)}.")
    checked = {option: field_value("probability", value[option]) for option in options}
    total = sum(checked.values())
    if abs(total - 1) > SUM_TOLERANCE:
        raise TimelineError(None, "new", f"the options' probabilities sum to {total:.6g}, not 1.")
    return checked


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


@dataclass
class ForecastState:
    """A forecast as its events say it was: the record, its evidence, the events themselves,
    its review periods, its probabilities over time and the resolution in force."""

    record: dict[str, Any]
    evidence: dict[int, dict[str, Any]]
    # Both None when the fold kept neither (see `fold`).
    events: list[Any] | None
    periods: list[ReviewPeriod] | None
    probabilities: list[tuple[dt.datetime | None, float | None]]
    resolution: Resolution | None = None
    # Every standing estimate in the order recorded (an undone one is taken out). An import
    # may record an estimate after later ones (see `in_time_order`), so the order recorded
    # is not always the order made.
    estimates: list[Estimate] = field(default_factory=list)
    # Each forecaster's latest standing estimate, kept as estimates come (see `add_estimate`).
    latest: dict[str, Estimate] = field(default_factory=dict)
    # Each piece of evidence's fields before their first edit (see `origins`).
    evidence_origins: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Each move to another status after the first, with its moment: an undone change of status
    # is a move back, at the moment of the undo.
    status_moves: list[tuple[dt.datetime, str]] = field(default_factory=list)
    # The moment each piece of evidence was added, an undone addition's too (it was added then).
    evidence_added_at: list[dt.datetime] = field(default_factory=list)

    @property
    def last_review(self) -> ReviewPeriod:
        return self.periods[-1]

    def in_time_order(self) -> list[Estimate]:
        """The standing estimates by the moment each was made; those of one moment in the order
        recorded (a person may make several in one second)."""
        return sorted(self.estimates, key=lambda estimate: estimate.at)

    def latest_estimates(self) -> dict[str, Estimate]:
        """Each forecaster's latest standing estimate: the last one made, not the last recorded."""
        return self.latest

    def add_estimate(self, estimate: Estimate) -> None:
        self.estimates.append(estimate)
        held = self.latest.get(estimate.actor)
        if held is None or estimate.at >= held.at:
            self.latest[estimate.actor] = estimate

    def take_back_estimate(self, position: int) -> None:
        self.estimates.pop(position)
        self.latest = {estimate.actor: estimate for estimate in self.in_time_order()}

    def refresh_aggregate(self) -> None:
        """The record's aggregate from the estimates standing; the fold calls it once, at its end."""
        binary = self.record.get("options") is None
        values = [e.value for e in self.latest.values()] if binary else []
        self.record["aggregate"] = median(values)


def _value(event, name: str) -> Any:
    value = getattr(event, name)
    return None if value is UNSET else value


def start(record: dict[str, Any], event, *, strict: bool, source: Any = _NO_SOURCE_EVENT) -> ForecastState:
    """The state a `created` event makes, on top of `record` for the fields it does not hold
    (id; source, unless `source` gives what it was before it was first changed; without
    `strict`, any of its own it lacks)."""
    initial = _value(event, "new")
    if not isinstance(initial, dict):
        raise TimelineError(None, "new", "a created event must hold the forecast's starting fields.")
    record = dict(record)
    if source is not _NO_SOURCE_EVENT:
        record["source"] = source
    for name in CREATED_FIELDS:
        if name in initial:
            record[name] = field_value(name, initial[name])
        elif name in OPTIONAL_CREATED:
            record[name] = OPTIONAL_CREATED[name]
        elif strict:
            raise TimelineError(None, f"new.{name}", "is missing from the created event.")
    if record.get("options") is not None and record.get("probability") is not None:
        raise TimelineError(None, "new.probability", "a multiple-choice forecast has no single probability.")
    record.update(created_at=event.at, updated_at=event.at, version=event.version, deleted_at=None,
                  outcome=None, aggregate=None)
    state = ForecastState(record, {}, [event], [ReviewPeriod(None, record["status"])],
                          [(made_at(record["made_on"], event.at), record.get("probability"))])
    if record["status"] in FINAL:
        _resolve(state, event.at)
    return state


def _set_probability(state: ForecastState, value: float | None, at: dt.datetime) -> None:
    state.record["probability"] = value
    state.probabilities.append((at, value))


def _set_status(state: ForecastState, status: str, at: dt.datetime) -> None:
    """Move to a status: into a final one resolves (restating it keeps the first moment; another
    final status resolves anew), into an active one reopens."""
    if status != state.record["status"]:
        state.status_moves.append((at, status))
    state.record["status"] = status
    if status not in FINAL:
        state.resolution = None
        state.record["outcome"] = None
    elif state.resolution is None or state.resolution.status != status:
        _resolve(state, at)


def _resolve(state: ForecastState, at: dt.datetime) -> None:
    record = state.record
    state.resolution = Resolution(record["status"], record.get("probability"), at, tuple(state.probabilities),
                                  record.get("outcome"))


def _set_outcome(state: ForecastState, outcome: Any, at: dt.datetime) -> None:
    """The option a multiple-choice forecast resolved to: one of its options when confirmed, none
    otherwise; a new outcome of a settled forecast resolves it anew."""
    record = state.record
    options = record.get("options")
    if outcome is not None and (options is None or outcome not in options):
        raise TimelineError(None, "new", f"{outcome!r} is not one of the forecast's options.")
    if options is not None and record["status"] in FINAL and record["status"] not in ("confirmed", "void"):
        raise TimelineError(None, "to", "a multiple-choice forecast resolves to an option (confirmed) or is void.")
    if options is not None and (record["status"] == "confirmed") != (outcome is not None):
        raise TimelineError(None, "new", "a multiple-choice forecast is confirmed exactly when it names its outcome.")
    if outcome != record.get("outcome"):
        record["outcome"] = outcome
        if state.resolution is not None:
            _resolve(state, at)


def _check_old(state: ForecastState, name: str, old: Any) -> None:
    """An event's `old` must be the value it found; a fold of some fields only (see `fold`)
    cannot check the others."""
    if name not in state.record:
        return
    current = state.record[name]
    if (old if name == "outcome" else field_value(name, old)) != current:
        raise TimelineError(None, "old", f"says {name} was {old!r}, but it was {current!r} then.")


def _set(state: ForecastState, name: str, value: Any, at: dt.datetime) -> None:
    if name == "probability":
        _set_probability(state, value, at)
    elif name == "status":
        _set_status(state, value, at)
    else:
        state.record[name] = value


def _evidence_item(state: ForecastState, evidence_id: Any, *, standing: bool | None) -> dict[str, Any]:
    """The forecast's evidence the event names; `standing` asks it to stand (True) or be retracted (False)."""
    item = state.evidence.get(evidence_id)
    if item is None:
        raise TimelineError(None, "evidence_id", f"names evidence {evidence_id!r}, which this timeline has not added.")
    if standing is not None and (item["retracted_at"] is None) != standing:
        raise TimelineError(None, "evidence_id", f"evidence {evidence_id} is {'retracted' if standing else 'standing'} here.")
    return item


def retract(item: dict[str, Any], event) -> None:
    item.update(retracted_at=event.at, retracted_by=event.actor, retraction_reason=event.note)


def restore(item: dict[str, Any]) -> None:
    item.update(retracted_at=None, retracted_by=None, retraction_reason=None)


def apply(state: ForecastState, event, evidence: Mapping[int, dict[str, Any]]) -> None:
    """Apply one event on top of `state`, or raise TimelineError if it does not fit there."""
    record, kind, at = state.record, event.kind, event.at
    # A source is shared: its edits reach the forecasts that cite it, deleted ones too.
    if record.get("deleted_at") is not None and not (kind == "undone" and event.field in ("deleted", "created")) \
            and not (kind in ("edited", "undone") and event.field == "source"):
        raise TimelineError(None, "kind", f"a {kind} event on a deleted forecast; only undoing the deletion may follow.")
    if kind == "estimate":  # the most common kind, by far, in a team's ledger
        state.add_estimate(Estimate(event.actor, at, estimate_value(_value(event, "new"), record.get("options")),
                                    event.note))
    elif kind == "edited":
        name = event.field
        if name not in EDITABLE:
            raise TimelineError(None, "field", f"{name!r} is not a field an edit can change.")
        _check_old(state, name, _value(event, "old"))
        _set(state, name, field_value(name, _value(event, "new")), at)
    elif kind == "status_changed":
        if event.from_status != record["status"]:
            raise TimelineError(None, "from", f"says the status was {event.from_status!r}, but it was {record['status']!r}.")
        if _value(event, "old") != record.get("outcome"):
            raise TimelineError(None, "old", f"says the outcome was {_value(event, 'old')!r}, "
                                             f"but it was {record.get('outcome')!r}.")
        _set_status(state, field_value("status", event.to_status), at)
        _set_outcome(state, _value(event, "new"), at)
    elif kind == "evidence_added":
        if event.evidence_id in state.evidence or event.evidence_id not in evidence:
            raise TimelineError(None, "evidence_id", f"adds evidence {event.evidence_id!r}, which is "
                                f"{'added already' if event.evidence_id in state.evidence else 'not among the evidence'}.")
        state.evidence[event.evidence_id] = item = dict(evidence[event.evidence_id])
        item.update(state.evidence_origins.get(event.evidence_id, {}))
        restore(item)
        state.evidence_added_at.append(at)
        if state.periods is not None:
            state.last_review.evidence_added.append(event.evidence_id)
    elif kind == "evidence_retracted":
        retract(_evidence_item(state, event.evidence_id, standing=True), event)
    elif kind == "evidence_edited":
        edit_evidence(_evidence_item(state, event.evidence_id, standing=None), event)
    elif kind in SCHEDULE_KINDS:
        if record["status"] in FINAL:
            raise TimelineError(None, "kind", f"a {kind} event on a settled forecast; settled forecasts are not reviewed.")
        _check_old(state, "next_review_on", _value(event, "old"))
        record["next_review_on"] = field_value("next_review_on", _value(event, "new"))
        if kind == "reviewed" and state.periods is not None:
            state.periods.append(ReviewPeriod(at, record["status"]))
    elif kind == "deleted":
        if record["deleted_at"] is not None:
            raise TimelineError(None, "kind", "deletes a forecast that is deleted already.")
        record["deleted_at"] = at
    elif kind == "undone":
        apply_undo(state, event)
    else:
        raise TimelineError(None, "kind", f"{kind!r} is not an event kind; kinds: {', '.join(KINDS)}.")
    if state.events is not None:
        state.events.append(event)
    record["version"] = event.version
    record["updated_at"] = at


def apply_undo(state: ForecastState, event) -> None:
    """An `undone` event: its `field` names what was taken back (see services/undo.py)."""
    record, taken_back, at = state.record, event.field, event.at
    if taken_back == "evidence_added":
        retract(_evidence_item(state, event.evidence_id, standing=True), event)
        added = state.last_review.evidence_added if state.periods is not None else []
        if event.evidence_id in added:
            added.remove(event.evidence_id)
    elif taken_back == "evidence_retracted":
        restore(_evidence_item(state, event.evidence_id, standing=False))
    elif taken_back == "evidence_edited":
        edit_evidence(_evidence_item(state, event.evidence_id, standing=None), event)
    elif taken_back == "deleted":
        record["deleted_at"] = None
    elif taken_back == "created":
        record["deleted_at"] = at
    elif taken_back in SCHEDULE_KINDS:
        _check_old(state, "next_review_on", _value(event, "old"))
        record["next_review_on"] = field_value("next_review_on", _value(event, "new"))
        if taken_back == "reviewed" and state.periods is not None and len(state.periods) > 1:
            ended = state.periods.pop()
            state.last_review.evidence_added += ended.evidence_added
    elif taken_back == "estimate":
        estimator = estimator_of(event)
        mine = [n for n, estimate in enumerate(state.estimates) if estimate.actor == estimator]
        if not mine:
            raise TimelineError(None, "field", f"takes back an estimate, but {estimator} has none standing.")
        state.take_back_estimate(mine[-1])
    elif taken_back == "outcome":
        _check_old(state, "outcome", _value(event, "old"))
        record["outcome"] = _value(event, "new")
        if state.resolution is not None:
            _resolve(state, at)
    elif taken_back in EDITABLE or taken_back == "status":
        _check_old(state, taken_back, _value(event, "old"))
        _set(state, taken_back, field_value(taken_back, _value(event, "new")), at)
    else:
        raise TimelineError(None, "field", f"{taken_back!r} is not something an undo can take back.")


def edit_evidence(item: dict[str, Any], event) -> None:
    """Set the fields an evidence edit (or its undo) names, each checked against the value it
    found; a fold of some fields only (an import's) cannot check the others."""
    old, new = evidence_values(_value(event, "old")), evidence_values(_value(event, "new"))
    if set(old) != set(new):
        raise TimelineError(None, "new", "names other fields than its old value.")
    for name, value in old.items():
        if name in item and item[name] != value:
            raise TimelineError(None, "old", f"says {name} was {value!r}, but it was {item[name]!r} then.")
    item.update(new)


def estimator_of(undone) -> str:
    """Whose estimate an `undone` event takes back: the one its `new` names (an import records
    other people's estimates, and its undo takes them back), else the undoer's own."""
    named = _value(undone, "new")
    if isinstance(named, dict) and isinstance(named.get("actor"), str):
        return named["actor"]
    return undone.actor


def fold(record: dict[str, Any], events: Iterable, evidence: Mapping[int, dict[str, Any]], *,
         until: dt.datetime | None = None, strict: bool = False,
         found: tuple[Any, dict[int, dict[str, Any]]] | None = None) -> ForecastState | None:
    """The forecast after its `events` (oldest first; those before `until`, or all), starting from
    `record` for the fields no event holds (id, source); None if they do not reach its creation.

    `evidence` maps the forecast's evidence ids to their records. With `strict`, the events
    must be numbered 1, 2, 3… from a single `created` event; otherwise the fold starts at the
    `created` event wherever it is (the scores read only some events, numbered as they were).
    Given `found`, what `origins` found in the same events read beforehand, the fold reads
    `events` once, as they come, in the memory of one: the state keeps neither the events nor
    the review periods (both None), only what the forecast is at the end.
    """
    state = None
    if found is None:
        events = events if isinstance(events, list) else list(events)
    source, evidence_origins = origins(events) if found is None else found
    for position, event in enumerate(events):
        if until is not None and event.at >= until:
            continue
        try:
            if strict and event.version != position + 1:
                raise TimelineError(None, "version", f"is {event.version}; versions must run 1, 2, 3… without gaps.")
            if event.kind == "created":
                if state is not None:
                    raise TimelineError(None, "kind", "a second created event; a forecast is created once.")
                state = start(record, event, strict=strict, source=source)
                state.evidence_origins = evidence_origins
                if found is not None:
                    state.events = state.periods = None
            elif state is not None:
                apply(state, event, evidence)
            elif strict:
                raise TimelineError(None, "kind", "the timeline must begin with the created event.")
        except TimelineError as exc:
            if exc.position is None:
                exc.position = position
            raise
    if state is not None:
        state.refresh_aggregate()
    return state


def replay(forecast: Forecast, events: Iterable[Event], evidence: Mapping[int, Evidence],
           until: dt.datetime | None = None, *, strict: bool = False) -> ForecastState | None:
    """A forecast of the ledger after its own events (rows, oldest first); `strict` as in `fold`."""
    items = {evidence_id: evidence_record(row) for evidence_id, row in evidence.items()}
    events = list(events)
    # Every event, later ones too: they say what the first edits of the source and evidence found.
    state = fold(forecast_record(forecast), [step_of(row) for row in events], items, until=until, strict=strict)
    if state is not None:
        # The rows themselves, from the creation on, so that views can show them as recorded.
        rows = [row for row in events if until is None or row.at < until]
        created = next(n for n, row in enumerate(rows) if row.kind == "created")
        state.events = rows[created:]
    return state


def load_states(session: Session, forecasts: list[Forecast], until: dt.datetime | None = None, *,
                strict: bool = False) -> list[ForecastState | TimelineError]:
    """Replay each forecast's events (those before `until`, or all); forecasts not yet created are left out.

    Events and evidence are read for the forecasts asked for only, a few hundred ids a query;
    with `until`, the later events too, as they say what the first edits found.
    With `strict` (doctor), a timeline that does not fold gives its TimelineError, with the
    forecast's id as `forecast_id`, in place of a state; otherwise the error is raised.
    """
    states: list[ForecastState] = []
    for first in range(0, len(forecasts), IDS_PER_QUERY):
        batch = forecasts[first:first + IDS_PER_QUERY]
        ids = [forecast.id for forecast in batch]
        events_query = (select(Event).where(Event.forecast_id.in_(ids)).order_by(Event.forecast_id, Event.id)
                        .options(lazyload(Event.cited)))
        events: dict[int, list[Event]] = {forecast_id: [] for forecast_id in ids}
        rows = list(session.scalars(events_query))
        cited = citations(session, ids, rows)
        for event in rows:
            set_committed_value(event, "cited", cited.get(event.id, []))
            events[event.forecast_id].append(event)
        evidence: dict[int, dict[int, Evidence]] = {forecast_id: {} for forecast_id in ids}
        for row in session.scalars(select(Evidence).where(Evidence.forecast_id.in_(ids))):
            evidence[row.forecast_id][row.id] = row
        for forecast in batch:
            try:
                state = replay(forecast, events[forecast.id], evidence[forecast.id], until, strict=strict)
            except TimelineError as exc:
                if not strict:
                    raise
                exc.forecast_id = forecast.id
                state = exc
            if state is not None:
                states.append(state)
    return states


def citations(session: Session, forecast_ids: list[int], events: list[Event]) -> dict[int, list[EventCitation]]:
    """What `events`, all the events of these forecasts, cite, by event id, in one query: loaded
    with each event, a timeline's would take a query for every few hundred of its events.

    On PostgreSQL, asked by the events' ids, as one array: joined to the events by their
    forecasts, the server misjudged how many events a hundred forecasts have and read every
    citation of a million-forecast ledger for each page. On SQLite the join is planned well, and
    a statement of a value for each event would be kept prepared for each length of list."""
    if session.get_bind().dialect.name == "postgresql":
        ids = bindparam("event_ids", [event.id for event in events], type_=ARRAY(BigInteger))
        query = select(EventCitation).where(EventCitation.event_id == any_(ids))
    else:
        query = (select(EventCitation).join(Event, Event.id == EventCitation.event_id)
                 .where(Event.forecast_id.in_(forecast_ids)))
    cited: dict[int, list[EventCitation]] = {}
    for row in session.scalars(query.order_by(EventCitation.event_id, EventCitation.evidence_id)):
        cited.setdefault(row.event_id, []).append(row)
    return cited


def load_state(session: Session, forecast: Forecast, *, strict: bool = False) -> ForecastState | None:
    """One forecast replayed from its events read a page at a time, for a timeline of any length,
    in the memory of a page: they are read twice, first for what their first edits found (see
    `origins`), then folded as they come; the state keeps neither them nor its review periods
    (see `fold`; `load_states` keeps both). `strict` as in `fold`."""
    def steps() -> Iterator[Step]:
        # The columns a step reads, not Event objects: the fold keeps no row, and a long timeline
        # is read twice.
        rows = session.execute(select(*STEP_COLUMNS).where(Event.forecast_id == forecast.id).order_by(Event.id)
                               .execution_options(yield_per=IDS_PER_QUERY))
        return map(step_of, rows)

    evidence = {row.id: evidence_record(row)
                for row in session.scalars(select(Evidence).where(Evidence.forecast_id == forecast.id))}
    return fold(forecast_record(forecast), steps(), evidence, strict=strict, found=origins(steps()))
