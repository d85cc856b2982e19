"""Interchange-format forecast objects (SPEC section 3), read and checked field by field.

Every import, and every seed set, passes its objects through `read_forecast_object`, which
either returns a typed `ForecastObject` or raises InvalidInput naming where the object is
(`line 12`, `record 3`) and which field is wrong. Keys the format does not know are ignored.
"""

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any, NoReturn

from tracker import statuses
from tracker.errors import InvalidInput, TrackerError
from tracker.fields import STANCES
from tracker.services.forecasts import (
    DEFAULT_REVIEW_EVERY,
    ForecastDraft,
    clean_key,
    clean_tags,
)

SOURCE_FIELDS = ("title", "author", "outlet", "url", "published_on", "notes")
# Text a database cannot hold: NUL (PostgreSQL refuses it) and unpaired surrogates (not UTF-8).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_KIND = re.compile(r"^[a-z][a-z_]*$")
# An event's JSON keys and the columns they are stored in.
EVENT_COLUMNS = {"field": "field", "from": "from_status", "to": "to_status", "note": "note"}


@dataclass
class EvidenceObject:
    summary: str
    id: int | None = None
    url: str | None = None
    observed_on: dt.date | None = None
    stance: str = "context"
    added_at: dt.datetime | None = None
    added_by: str | None = None
    retracted_at: dt.datetime | None = None
    retracted_by: str | None = None
    retraction_reason: str | None = None

    @property
    def retracted(self) -> bool:
        return self.retracted_at is not None or self.retraction_reason is not None

    def identity(self) -> tuple:
        """What makes two pieces of evidence the same, whoever added them and when."""
        return (self.summary, self.url, self.observed_on, self.stance)


@dataclass
class EventObject:
    kind: str
    at: dt.datetime
    actor: str
    version: int
    id: int | None = None
    columns: dict[str, Any] = field(default_factory=dict)  # field, from/to status, note, evidence_id
    old: tuple[Any] | None = None  # (value,) when the event has an old value, else None
    new: tuple[Any] | None = None
    cited: list[int] = field(default_factory=list)


@dataclass
class ForecastObject:
    """One forecast as a file gives it; `given` names the fields the file actually carried."""

    where: str
    given: frozenset[str]
    claim: str
    key: str | None = None
    id: int | None = None
    criteria: str | None = None
    source: dict[str, Any] | None = None
    made_on: dt.date | None = None
    resolve_by: dt.date | None = None
    probability: float | None = None
    status: str = statuses.DEFAULT
    tags: list[str] = field(default_factory=list)
    review_every: int = DEFAULT_REVIEW_EVERY
    next_review_on: dt.date | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    version: int | None = None
    deleted_at: dt.datetime | None = None
    evidence: list[EvidenceObject] = field(default_factory=list)
    events: list[EventObject] = field(default_factory=list)

    @property
    def full(self) -> bool:
        """A full-fidelity object carries its own timeline and is restored with it."""
        return bool(self.events)

    def draft(self) -> ForecastDraft:
        return ForecastDraft(claim=self.claim, key=self.key, criteria=self.criteria, source=self.source,
                             made_on=self.made_on, resolve_by=self.resolve_by, probability=self.probability,
                             tags=list(self.tags), review_every=self.review_every)


class _Fields:
    """Typed access to one JSON object's fields, failing with where it is and which field."""

    def __init__(self, where: str, prefix: str, data: Any) -> None:
        self.where, self.prefix = where, prefix
        if not isinstance(data, dict):
            raise InvalidInput(f"{where}{', ' + prefix.rstrip('.') if prefix else ''}: expected an object "
                               f"with fields such as \"claim\", found {_describe(data)}.")
        self.data = data

    def fail(self, name: str, problem: str) -> NoReturn:
        raise InvalidInput(f"{self.where}, field {self.prefix + name!r}: {problem}")

    def has(self, name: str) -> bool:
        return name in self.data

    def raw(self, name: str) -> Any:
        return self.data.get(name)

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.data.get(name)
        if value is None and not required:
            return None
        if value.__class__ is str and not _UNSTORABLE.search(value) and (not required or value.strip()):
            return value
        if value is None:
            if required:
                self.fail(name, "is missing; it must be text.")
            return None
        if not isinstance(value, str):
            self.fail(name, f"must be text, not {_describe(value)}.")
        if _UNSTORABLE.search(value):
            self.fail(name, "holds a NUL character or an unpaired surrogate, which cannot be stored.")
        self.fail(name, "is empty.")

    def integer(self, name: str, *, required: bool = False, low: int = 0, high: int = 2**63 - 1) -> int | None:
        value = self.data.get(name)
        if value.__class__ is int and low <= value <= high:
            return value
        if value is None:
            if required:
                self.fail(name, "is missing; it must be a whole number.")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, f"must be a whole number, not {_describe(value)}.")
        self.fail(name, f"{value} is out of range ({low} to {high}).")

    def date(self, name: str, *, required: bool = False) -> dt.date | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            if _ISO_DATE.match(value):
                return dt.date.fromisoformat(value)
        except ValueError:
            pass
        self.fail(name, f"{value!r} is not a date; use YYYY-MM-DD.")

    def timestamp(self, name: str, *, required: bool = False) -> dt.datetime | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            self.fail(name, f"{value!r} is not a timestamp; use ISO 8601 such as 2026-03-01T12:00:00+00:00.")
        if moment.tzinfo is None:
            self.fail(name, f"{value!r} has no time zone; add one, such as +00:00.")
        return moment.astimezone(dt.timezone.utc)

    def probability(self, name: str) -> float | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(name, f"must be a number from 0 to 1, not {_describe(value)}.")
        if not math.isfinite(value) or not 0 <= value <= 1:
            self.fail(name, f"{value} is outside 0..1.")
        return float(value)

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = self.text(name)
        if value is None:
            return default
        if value not in choices:
            self.fail(name, f"{value!r} is not one of {', '.join(choices)}.")
        return value

    def array(self, name: str) -> list:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(name, f"must be an array, not {_describe(value)}.")
        return value

    def checked(self, name: str, check, value):
        """Run one of the ledger's own checks, reporting its complaint against this field."""
        try:
            return check(value)
        except TrackerError as exc:
            self.fail(name, str(exc))


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    names = {str: "text", int: "a number", float: "a number", list: "an array", dict: "an object"}
    return f"{names.get(type(value), type(value).__name__)} {value!r:.40}"


def read_forecast_object(where: str, data: Any) -> ForecastObject:
    """Check one forecast object; raise InvalidInput naming the first bad field."""
    fields = _Fields(where, "", data)
    claim = fields.text("claim", required=True)
    key = fields.text("key")
    if key is not None:
        key = fields.checked("key", clean_key, key)
    tags = fields.raw("tags")
    if tags is not None and (tags.__class__ is not list or (tags and {tag.__class__ for tag in tags} != {str})):
        fields.fail("tags", f"must be an array of text, not {_describe(tags)}.")
    review_every = fields.integer("review_every", low=1, high=3650)
    made_on, resolve_by = fields.date("made_on"), fields.date("resolve_by")
    if made_on and resolve_by and resolve_by < made_on:
        fields.fail("resolve_by", f"{resolve_by} is before made_on {made_on}.")
    forecast = ForecastObject(
        where=where,
        given=frozenset(data),
        claim=claim,
        key=key,
        id=fields.integer("id", low=1),
        criteria=fields.text("criteria"),
        source=_source(fields),
        made_on=made_on,
        resolve_by=resolve_by,
        probability=fields.probability("probability"),
        status=fields.choice("status", statuses.STATUSES, statuses.DEFAULT),
        tags=fields.checked("tags", clean_tags, tags or []),
        review_every=review_every or DEFAULT_REVIEW_EVERY,
        next_review_on=fields.date("next_review_on"),
        created_at=fields.timestamp("created_at"),
        updated_at=fields.timestamp("updated_at"),
        version=fields.integer("version", low=0),
        deleted_at=fields.timestamp("deleted_at"),
    )
    forecast.evidence = [_evidence(where, f"evidence[{n}].", item)
                         for n, item in enumerate(fields.array("evidence"))]
    forecast.events = [_event(where, f"events[{n}].", item) for n, item in enumerate(fields.array("events"))]
    if forecast.full:
        _check_timeline(fields, forecast)
    return forecast


def _source(fields: _Fields) -> dict[str, Any] | None:
    data = fields.raw("source")
    if data is None:
        return None
    # Many forecasts share a few sources: each distinct one is checked once.
    identity = tuple(data.get(name) for name in SOURCE_FIELDS) if isinstance(data, dict) else None
    if identity in _checked_sources:
        return _checked_sources[identity]
    source = _Fields(fields.where, "source.", data)
    result: dict[str, Any] = {name: source.text(name) for name in SOURCE_FIELDS if name != "published_on"}
    result["title"] = source.text("title", required=True)
    result["published_on"] = source.date("published_on")
    result = {name: result[name] for name in SOURCE_FIELDS}
    if len(_checked_sources) < 10_000:
        _checked_sources[identity] = result
    return result


_checked_sources: dict[tuple, dict[str, Any]] = {}


def _evidence(where: str, prefix: str, data: Any) -> EvidenceObject:
    fields = _Fields(where, prefix, data)
    return EvidenceObject(
        id=fields.integer("id", low=1),
        summary=fields.text("summary", required=True),
        url=fields.text("url"),
        observed_on=fields.date("observed_on"),
        stance=fields.choice("stance", STANCES, "context"),
        added_at=fields.timestamp("added_at"),
        added_by=fields.text("added_by"),
        retracted_at=fields.timestamp("retracted_at"),
        retracted_by=fields.text("retracted_by"),
        retraction_reason=fields.text("retraction_reason"),
    )


def _event(where: str, prefix: str, data: Any) -> EventObject:
    fields = _Fields(where, prefix, data)
    kind = fields.text("kind", required=True)
    if not _KIND.match(kind):
        fields.fail("kind", f"{kind!r} is not an event kind.")
    event = EventObject(
        kind=kind,
        at=fields.timestamp("at", required=True),
        actor=fields.text("actor", required=True),
        version=fields.integer("version", required=True, low=1),
        id=fields.integer("id", low=1),
        columns={column: fields.text(name) for name, column in EVENT_COLUMNS.items()},
        old=(fields.raw("old"),) if fields.has("old") else None,
        new=(fields.raw("new"),) if fields.has("new") else None,
    )
    event.columns["evidence_id"] = fields.integer("evidence_id", low=1)
    cited = fields.array("evidence_ids")
    if cited:
        if {n.__class__ for n in cited} != {int} or min(cited) < 1:
            fields.fail("evidence_ids", "must be an array of evidence ids.")
        event.cited = sorted(set(cited))
    return event


def _check_timeline(fields: _Fields, forecast: ForecastObject) -> None:
    """A timeline must be whole: versions 1..n, and every evidence it names present."""
    for name in ("key", "made_on", "next_review_on", "created_at", "updated_at", "version"):
        if not fields.has(name) or fields.raw(name) is None:
            fields.fail(name, "is missing; an object with events must carry every field of the forecast.")
    for n, event in enumerate(forecast.events, start=1):
        if event.version != n:
            fields.fail(f"events[{n - 1}].version", f"is {event.version}; the timeline's versions must run 1, 2, 3…")
    if forecast.version != len(forecast.events):
        fields.fail("version", f"is {forecast.version} but the timeline has {len(forecast.events)} events.")
    evidence_ids = [e.id for e in forecast.evidence]
    for n, item in enumerate(forecast.evidence):
        if item.id is None or item.added_at is None or not item.added_by:
            fields.fail(f"evidence[{n}]", "needs its id, added_at and added_by in an object with events.")
        if evidence_ids.count(item.id) > 1:
            fields.fail(f"evidence[{n}].id", f"evidence id {item.id} appears twice.")
    for n, event in enumerate(forecast.events):
        named = event.cited + ([event.columns["evidence_id"]] if event.columns["evidence_id"] else [])
        for evidence_id in named:
            if evidence_id not in evidence_ids:
                fields.fail(f"events[{n}]", f"names evidence {evidence_id}, which the forecast does not have.")
