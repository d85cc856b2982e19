"""Interchange-format forecast objects (SPEC section 3), read and checked field by field.

The shape and types of an object are declared once, as msgspec structs: msgspec checks them
while it decodes (JSONL lines go straight from bytes to structs) or converts (objects that came
from JSON documents, CSV rows, seeds and other trackers). The ledger's own rules (key and tag
names, non-empty text, whole timelines) are checked after. Either way a bad object raises
InvalidInput naming where it is (`line 12`, `record 3`) and which field is wrong. Keys the
format does not know are ignored.
"""

import datetime as dt
import json
import re
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, NoReturn

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from tracker import dates, statuses
from tracker.actors import actor_problem
from tracker.errors import InvalidInput, TrackerError
from tracker.fields import STANCES
from tracker.limits import ACTOR_LENGTH, COMMAND_LENGTH, EVENT_FIELD_LENGTH, EVENT_KIND_LENGTH, OPTION_LENGTH, STATUS_LENGTH
from tracker.probability import parse_probability
from tracker.services.forecasts import DEADLINE_FLAG, DEFAULT_REVIEW_EVERY, ForecastDraft, clean_key, clean_tags
from tracker.services.long_lines import Line, LineInMemory, LongLine, split
from tracker.services.replay import EVIDENCE_FIELDS, TimelineError, fold, origins
from tracker.sorted_ids import SortedIds

SOURCE_FIELDS = ("title", "author", "outlet", "url", "published_on", "notes")
# Text a database cannot hold: NUL (PostgreSQL refuses it) and unpaired surrogates (not UTF-8).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_PATH = re.compile(r" - at `\$(.*)`$")

Id = Annotated[int, Meta(ge=1, le=2**63 - 1)]
Timestamp = Annotated[dt.datetime, Meta(tz=True)]
Status = Literal["open", "developing", "stalled", "confirmed", "partial", "refuted", "void"]
Stance = Literal["supports", "contradicts", "context"]
# Text bound for a column of limited length: msgspec refuses it whole while it decodes.
Actor = Annotated[str, Meta(max_length=ACTOR_LENGTH)]
EventKind = Annotated[str, Meta(max_length=EVENT_KIND_LENGTH)]
EventField = Annotated[str, Meta(max_length=EVENT_FIELD_LENGTH)]
StatusName = Annotated[str, Meta(max_length=STATUS_LENGTH)]
assert Status.__args__ == statuses.STATUSES


class SourceObject(Struct):
    title: str
    author: str | None = None
    outlet: str | None = None
    url: str | None = None
    published_on: dt.date | None = None
    notes: str | None = None


class EvidenceObject(Struct):
    summary: str
    id: Id | None = None
    url: str | None = None
    observed_on: dt.date | None = None
    stance: Stance = "context"
    added_at: Timestamp | None = None
    added_by: Actor | None = None
    retracted_at: Timestamp | None = None
    retracted_by: Actor | None = None
    retraction_reason: str | None = None

    @property
    def retracted(self) -> bool:
        return self.retracted_at is not None or self.retraction_reason is not None

    def identity(self) -> tuple:
        """What makes two pieces of evidence the same, whoever added them and when."""
        return (self.summary, self.url, self.observed_on, self.stance)


class ChangeObject(Struct):
    """What one command did, as the events that belong to it name it by `id`."""

    id: Id
    actor: Actor
    at: Timestamp
    command: Annotated[str, Meta(min_length=1, max_length=COMMAND_LENGTH)]
    note: str | None = None
    undoes: Id | None = None


class EventObject(Struct, rename={"from_status": "from", "to_status": "to", "cited": "evidence_ids"}):
    """One timeline entry; `old` and `new` stay UNSET when the event has none."""

    kind: EventKind
    at: Timestamp
    actor: Actor
    version: Id
    id: Id | None = None
    change: Id | None = None
    field: EventField | None = None
    from_status: StatusName | None = None
    to_status: StatusName | None = None
    note: str | None = None
    evidence_id: Id | None = None
    cited: list[Id] = []
    old: Any = UNSET
    new: Any = UNSET


class _Shape(Struct):
    """A forecast object as it arrives; UNSET marks the fields it does not carry."""

    claim: str
    key: str | None | UnsetType = UNSET
    id: Id | None | UnsetType = UNSET
    criteria: str | None | UnsetType = UNSET
    source: SourceObject | None | UnsetType = UNSET
    made_on: dt.date | None | UnsetType = UNSET
    resolve_by: dt.date | None | UnsetType = UNSET
    probability: Annotated[float, Meta(ge=0, le=1)] | None | UnsetType = UNSET
    status: Status | UnsetType = UNSET
    tags: list[str] | None | UnsetType = UNSET
    review_every: Annotated[int, Meta(ge=1, le=3650)] | UnsetType = UNSET
    next_review_on: dt.date | None | UnsetType = UNSET
    created_at: Timestamp | None | UnsetType = UNSET
    updated_at: Timestamp | None | UnsetType = UNSET
    version: Annotated[int, Meta(ge=0, le=2**63 - 1)] | None | UnsetType = UNSET
    deleted_at: Timestamp | None | UnsetType = UNSET
    options: list[Annotated[str, Meta(min_length=1, max_length=OPTION_LENGTH)]] | None | UnsetType = UNSET
    outcome: str | None | UnsetType = UNSET
    aggregate: Annotated[float, Meta(ge=0, le=1)] | None | UnsetType = UNSET
    evidence: list[EvidenceObject] | None | UnsetType = UNSET
    events: list[EventObject] | None | UnsetType = UNSET
    changes: list[ChangeObject] | None | UnsetType = UNSET


_DECODER = msgspec.json.Decoder(_Shape)
# A line this long carries a long timeline: its events and changes are decoded a page at a time
# when they are read (RawEntries), not all at once, each event and its change taking some 900
# bytes decoded against some 350 as JSON.
LONG_LINE = 1 << 20
_valid_tags: set[str] = set()


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
    options: list[str] | None = None
    outcome: str | None = None
    aggregate: float | None = None
    evidence: list[EvidenceObject] = field(default_factory=list)
    events: Sequence[EventObject] = field(default_factory=list)
    changes: Sequence[ChangeObject] = field(default_factory=list)

    @property
    def full(self) -> bool:
        """A full-fidelity object carries its own timeline and is restored with it."""
        return bool(self.events)

    @property
    def long(self) -> bool:
        """Read from a long line, which it holds until it is written (RawEntries)."""
        return isinstance(self.events, RawEntries) or isinstance(self.changes, RawEntries)

    def draft(self) -> ForecastDraft:
        return ForecastDraft(claim=self.claim, key=self.key, criteria=self.criteria, source=self.source,
                             made_on=self.made_on, resolve_by=self.resolve_by, probability=self.probability,
                             tags=list(self.tags), review_every=self.review_every, options=self.options)


def _fail(where: str, name: str, problem: str) -> NoReturn:
    raise InvalidInput(f"{where}, field {name!r}: {problem}")


_TYPE_WORDS = {"str": "text", "int": "a whole number", "float": "a number", "array": "an array",
               "object": "an object", "null": "null", "bool": "true or false", "datetime": "a timestamp",
               "date": "a date"}
_CHOICES = {"status": statuses.STATUSES, "stance": STANCES}
_SAYINGS = [
    (re.compile(r"^Invalid RFC3339 encoded date$"), lambda m, f: "is not a date; use YYYY-MM-DD"),
    (re.compile(r"^Invalid RFC3339 encoded datetime$"),
     lambda m, f: "is not a timestamp; use ISO 8601 such as 2026-03-01T12:00:00+00:00"),
    (re.compile(r"^Expected `datetime` with a timezone component$"), lambda m, f: "has no time zone; add one, such as +00:00"),
    (re.compile(r"^Invalid enum value (.*)$"),
     lambda m, f: f"{m.group(1)} is not one of {', '.join(_CHOICES.get(f.rsplit('.', 1)[-1], ()))}"),
    (re.compile(r"^Expected `(?:float|int)` ([<>]=) (.*)$"), lambda m, f: f"is out of range (it must be {m.group(1)} {m.group(2)})"),
    (re.compile(r"^Expected `str` of length <= (\d+)$"), lambda m, f: f"is longer than {m.group(1)} characters, the most it may have"),
    (re.compile(r"^Expected `([^`]*)`, got `(\w+)`$"),
     lambda m, f: f"must be {' or '.join(_TYPE_WORDS.get(t.strip(), t.strip()) for t in m.group(1).split('|'))}, "
                  f"not {_TYPE_WORDS.get(m.group(2), m.group(2))}"),
]


def _invalid(where: str, exc: msgspec.ValidationError) -> InvalidInput:
    """msgspec's complaint (`Expected `str`, got `int` - at `$.claim``) in tracker's words."""
    text = str(exc)
    if text.startswith("Object missing required field"):
        return InvalidInput(f"{where}, field {text.split('`')[1]!r}: is missing.")
    match = _PATH.search(text)
    problem = text[: match.start()] if match else text
    name = match.group(1).lstrip(".") if match else ""
    for pattern, saying in _SAYINGS:
        if found := pattern.match(problem):
            problem = saying(found, name)
            break
    if name:
        return InvalidInput(f"{where}, field {name!r}: {problem}.")
    return InvalidInput(f"{where}: expected an object with fields such as \"claim\"; {problem}.")


def _not_json(where: str, exc: msgspec.DecodeError) -> InvalidInput:
    return InvalidInput(f"{where}: not valid JSON: {str(exc)[:1].lower()}{str(exc)[1:]}.")


def _too_deep(where: str) -> InvalidInput:
    return InvalidInput(f"{where}: nests arrays or objects too deeply to be a forecast.")


def decode_forecast_line(where: str, raw: bytes | bytearray | LongLine) -> ForecastObject:
    """Decode and check one JSON text (a JSONL line) straight from its bytes; a long line's
    timeline is split into entries, decoded a page at a time when read (RawEntries)."""
    if isinstance(raw, LongLine) or len(raw) >= LONG_LINE:
        line = raw if isinstance(raw, LongLine) else LineInMemory(raw)
        if (item := _split_forecast(where, line)) is not None:
            return item
        raw = line.whole()  # read whole, it says what is wrong with it
    return _decoded_whole(where, raw)


def _decoded_whole(where: str, raw: bytes | bytearray) -> ForecastObject:
    try:
        shape = _DECODER.decode(raw)
    except msgspec.ValidationError as exc:
        # Perhaps a probability or a date written as people write them: read it again, slowly.
        try:
            data = msgspec.json.decode(raw)
        except msgspec.DecodeError:  # the line is not even whole JSON: what msgspec met first
            raise _invalid(where, exc) from None
        except RecursionError:
            raise _too_deep(where) from None
        shape = _converted(where, _written_forms(where, data), exc)
    except msgspec.DecodeError as exc:
        raise _not_json(where, exc) from None
    except RecursionError:
        raise _too_deep(where) from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{where} is not UTF-8 text (byte {exc.start + 1}); is this the right file?") from None
    return _checked(where, shape, screen=b"\\u" in raw)


def _split_forecast(where: str, line: Line) -> "ForecastObject | None":
    """A long line's object, its events and changes left in the line as RawEntries; None if the
    line is not one well-formed object of the usual shape (it is then decoded whole)."""
    found = split(line, ("events", "changes"))
    if found is None:
        return None
    try:
        shape = _DECODER.decode(found.rest)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError, UnicodeDecodeError):
        return None
    screen = b"\\u" in line
    entries = {name: RawEntries(where, name, line, bounds, _ENTRY_DECODERS[name], screen)
               for name, bounds in found.bounds.items()}
    if not all(item.well_formed() for item in entries.values()):
        return None
    return _checked(where, shape, screen=screen, entries=entries)


def _whole_line_complaint(where: str, raw: bytes | bytearray) -> InvalidInput | None:
    """What decoding a line whole refuses it for; None if nothing."""
    try:
        _decoded_whole(where, raw)
    except InvalidInput as exc:
        return exc
    return None


def forecast_object(where: str, data: Any) -> ForecastObject:
    """A checked forecast object from a reader's item: raw JSON bytes, or Python values."""
    if isinstance(data, (bytes, bytearray, LongLine)):
        return decode_forecast_line(where, data)
    return read_forecast_object(where, data)


def read_forecast_object(where: str, data: Any) -> ForecastObject:
    """Check one forecast object given as Python values; raise InvalidInput naming the first bad field."""
    try:
        shape = msgspec.convert(data, _Shape)
    except msgspec.ValidationError as exc:
        shape = _converted(where, _written_forms(where, data), exc)
    return _checked(where, shape, screen=True)


def _converted(where: str, data: Any, first: msgspec.ValidationError) -> _Shape:
    """The object again, its written forms read; if nothing was rewritten, the first complaint."""
    if data is None:
        raise _invalid(where, first) from None
    try:
        return msgspec.convert(data, _Shape)
    except msgspec.ValidationError as exc:
        raise _invalid(where, exc) from None


_DATES = ("made_on", "resolve_by", "next_review_on")


def _written_forms(where: str, data: Any) -> dict[str, Any] | None:
    """A copy of the object with probabilities and dates given as text read the way the command
    line reads them (`"60%"`, `"3:2"`, `"31 Dec 2026"`), or None if it has none to read."""
    if not isinstance(data, dict):
        return None
    item = dict(data)
    changed = False
    if isinstance(item.get("probability"), str):
        item["probability"] = _read(where, "probability", parse_probability, item["probability"])
        changed = True
    for name in _DATES:
        if isinstance(item.get(name), str) and not _ISO_DATE.match(item[name]):
            item[name] = _read(where, name, _calendar_date, item[name])
            changed = True
    source = item.get("source")
    if isinstance(source, dict) and isinstance(source.get("published_on"), str) \
            and not _ISO_DATE.match(source["published_on"]):
        item["source"] = {**source, "published_on": _read(where, "source.published_on", _calendar_date,
                                                          source["published_on"])}
        changed = True
    if isinstance(item.get("evidence"), list):
        evidence = []
        for n, piece in enumerate(item["evidence"]):
            if isinstance(piece, dict) and isinstance(piece.get("observed_on"), str) \
                    and not _ISO_DATE.match(piece["observed_on"]):
                piece = {**piece, "observed_on": _read(where, f"evidence[{n}].observed_on", _calendar_date,
                                                       piece["observed_on"])}
                changed = True
            evidence.append(piece)
        item["evidence"] = evidence
    return item if changed else None


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _calendar_date(text: str) -> dt.date:
    return dates.parse_date(text, relative=False)


def _read(where: str, name: str, parse, text: str):
    try:
        return parse(text)
    except InvalidInput as exc:
        _fail(where, name, f"{exc}")


def _refuse_unstorable(where: str, value: Struct, name: str = "") -> None:
    """NUL, and lone surrogates from Python values, pass msgspec; no database stores them."""
    if _unstorable(value):
        for inner, text in _strings(value):
            if _UNSTORABLE.search(text):
                _fail(where, f"{name}.{inner}".lstrip(".").replace(".[", "["),
                      "holds a NUL character or an unpaired surrogate, which cannot be stored.")


def _unstorable(shape: Struct) -> bool:
    """Whether any text in a decoded object may hold what no database stores: one pass of the
    JSON encoder (C) over the object, so that `_strings`, which names the field, walks only an
    object that does. A NUL is encoded as an escape; a lone surrogate cannot be encoded."""
    try:
        return b"\\u0000" in msgspec.json.encode(shape)
    except (UnicodeEncodeError, TypeError):
        return True


def _strings(value: Any) -> list[tuple[str, str]]:
    """Every text in a decoded object, with the field it sits in."""
    found = []
    if isinstance(value, Struct):
        for info in msgspec.structs.fields(value):
            found += [(f"{info.encode_name}{'.' + inner if inner else ''}", text)
                      for inner, text in _strings(getattr(value, info.name))]
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found += [(f"[{n}]{'.' + inner if inner and not inner.startswith('[') else inner}", text)
                      for inner, text in _strings(item)]
    elif isinstance(value, dict):
        for key, item in value.items():
            found += [(f"{key}{'.' + inner if inner else ''}", text) for inner, text in _strings(item)]
    elif isinstance(value, str):
        found.append(("", value))
    return found


def _checked(where: str, shape: _Shape, *, screen: bool,
             entries: "dict[str, RawEntries] | None" = None) -> ForecastObject:
    """The ledger's own rules, on top of the types msgspec has checked; `entries`, the events
    and changes of a long line, left in it."""
    if screen:
        # A long line's timeline, not in `shape`, is screened a page at a time as it is decoded.
        _refuse_unstorable(where, shape)
    if not shape.claim.strip():
        _fail(where, "claim", "is empty.")
    values = {name: value for name, value in msgspec.structs.asdict(shape).items() if value is not UNSET}
    values.update(entries or {})
    given = frozenset(values)
    key = values.get("key")
    if key is not None:
        values["key"] = _rule(where, "key", clean_key, key)
    tags = values.get("tags") or []
    # Most files use a few tags many times, already in order: each is checked once.
    if not (_valid_tags.issuperset(tags) and (len(tags) < 2 or tags == sorted(set(tags)))):
        tags = _rule(where, "tags", clean_tags, tags)
        if len(_valid_tags) < 100_000:
            _valid_tags.update(tags)
    values["tags"] = tags
    made_on, resolve_by = values.get("made_on"), values.get("resolve_by")
    # Real history has deadlines set before the question (PredictionBook's do). One with its own
    # timeline is restored as it is; one without (a CSV row) is kept and flagged, so an export
    # of such a forecast comes back in. With no made_on, the object is made today, as by `add`.
    if made_on and resolve_by and resolve_by < made_on and not values.get("events") and DEADLINE_FLAG not in tags:
        values["tags"] = sorted([*tags, DEADLINE_FLAG])
    if values.get("source") is not None:
        values["source"] = {name: getattr(shape.source, name) for name in SOURCE_FIELDS}
        if not values["source"]["title"].strip():
            _fail(where, "source.title", "is empty.")
    for name in ("evidence", "events", "changes"):
        values[name] = values.get(name) or []
    for n, item in enumerate(values["evidence"]):
        if not item.summary.strip():
            _fail(where, f"evidence[{n}].summary", "is empty.")
        for name in ("added_by", "retracted_by"):
            if (actor := getattr(item, name)) is not None and (problem := actor_problem(actor)):
                _fail(where, f"evidence[{n}].{name}", problem)
    for name in ("status", "review_every"):
        if values.get(name) is None:
            values.pop(name, None)
    _check_moments(where, values)
    forecast = ForecastObject(where=where, given=given, **values)
    if forecast.full:
        _check_timeline(forecast)
    return forecast


def _check_moments(where: str, values: dict[str, Any]) -> None:
    """Every moment within the calendar's years in every time zone (dates.EARLIEST_MOMENT to
    dates.LATEST_MOMENT), so that each can be shown as local time anywhere."""
    for name, moment in _moments(values):
        if isinstance(moment, dt.datetime) and not dates.EARLIEST_MOMENT <= moment <= dates.LATEST_MOMENT:
            _fail(where, name(), f"{moment.isoformat()} is too near the edge of the calendar to be shown in every "
                                 f"time zone; tracker keeps moments from {dates.EARLIEST_MOMENT:%Y-%m-%d} to "
                                 f"{dates.LATEST_MOMENT:%Y-%m-%d} UTC.")


def _moments(values: dict[str, Any]) -> Iterator[tuple[Any, Any]]:
    """Each moment of an object, with a function naming its field (named only when it is wrong)."""
    for name in ("created_at", "updated_at", "deleted_at"):
        yield (lambda name=name: name), values.get(name)
    for n, item in enumerate(values["evidence"]):
        yield (lambda n=n: f"evidence[{n}].added_at"), item.added_at
        yield (lambda n=n: f"evidence[{n}].retracted_at"), item.retracted_at
    for part in ("events", "changes"):
        for n, item in enumerate(values[part]):
            yield (lambda part=part, n=n: f"{part}[{n}].at"), item.at


def _rule(where: str, name: str, check, value):
    """Run one of the ledger's own checks, reporting its complaint against this field."""
    try:
        return check(value)
    except TrackerError as exc:
        _fail(where, name, str(exc))


def _check_timeline(forecast: ForecastObject) -> None:
    """A timeline must be whole and explain the object: every field of the forecast, versions
    1..n, every evidence it names present, every change it names listed, and the fold of its
    events (services/replay.py) equal to the fields and evidence the object states."""
    where = forecast.where
    for name in ("key", "made_on", "next_review_on", "created_at", "updated_at", "version"):
        if getattr(forecast, name) is None:
            _fail(where, name, "is missing; an object with events must carry every field of the forecast.")
    changes = SortedIds(change.id for change in forecast.changes)
    if changes.repeated():
        _fail(where, "changes", "lists a change twice.")
    for n, event in enumerate(forecast.events):
        if problem := actor_problem(event.actor):
            _fail(where, f"events[{n}].actor", problem)
        if event.change is not None and event.change not in changes:
            _fail(where, f"events[{n}].change", f"names change {event.change}, which `changes` does not list.")
        _cite_once(event)
    if changes and any(event.change is None for event in forecast.events):
        _fail(where, "events", "some events name their change and some do not; name it in every event or none.")
    for n, change in enumerate(forecast.changes):
        if change.undoes is not None and change.undoes not in changes:
            _fail(where, f"changes[{n}].undoes", f"names change {change.undoes}, which `changes` does not list.")
    evidence_ids = [e.id for e in forecast.evidence]
    for n, item in enumerate(forecast.evidence):
        if item.id is None or item.added_at is None or not item.added_by:
            _fail(where, f"evidence[{n}]", "needs its id, added_at and added_by in an object with events.")
        if evidence_ids.count(item.id) > 1:
            _fail(where, f"evidence[{n}].id", f"evidence id {item.id} appears twice.")
    for n, event in enumerate(forecast.events):
        named = event.cited + ([event.evidence_id] if event.evidence_id else [])
        for evidence_id in named:
            if evidence_id not in evidence_ids:
                _fail(where, f"events[{n}]", f"names evidence {evidence_id}, which the forecast does not have.")
    _check_fold(forecast)


# The fields of a forecast object its events must explain.
FOLDED_FIELDS = ("key", "claim", "criteria", "made_on", "resolve_by", "probability", "status", "tags",
                 "review_every", "next_review_on", "created_at", "updated_at", "version", "deleted_at",
                 "options", "outcome", "aggregate")
RETRACTION_FIELDS = ("retracted_at", "retracted_by", "retraction_reason")


def _check_fold(forecast: ForecastObject) -> None:
    """Refuse an object whose stated fields or evidence differ from what its events make it."""
    where = forecast.where
    evidence = {item.id: {"id": item.id, "retracted_at": None, "retracted_by": None, "retraction_reason": None}
                for item in forecast.evidence}
    try:
        # Given what its first edits found, the fold keeps none of the events or review periods.
        state = fold({"id": forecast.id}, forecast.events, evidence, strict=True, found=origins(forecast.events))
    except TimelineError as exc:
        _fail(where, exc.field_path(), exc.problem)
    if state is None:
        _fail(where, "events", "has no created event.")
    for name in FOLDED_FIELDS:
        stated, folded = getattr(forecast, name), state.record[name]
        if stated != folded:
            _fail(where, name, f"is {_shown(stated)} but its events make it {_shown(folded)}.")
    # The source, when its events say what it was: a timeline with no change of source does not.
    if "source" in state.record and forecast.source != state.record["source"]:
        _fail(where, "source", f"is {_shown(forecast.source)} but its events make it {_shown(state.record['source'])}.")
    for n, item in enumerate(forecast.evidence):
        folded = state.evidence.get(item.id)
        if folded is None:
            _fail(where, f"evidence[{n}]", f"evidence {item.id} is not added by any of the forecast's events.")
        for name in RETRACTION_FIELDS + EVIDENCE_FIELDS:
            # The fields edits name: the events of the others do not say what they are.
            if name in folded and getattr(item, name) != folded[name]:
                _fail(where, f"evidence[{n}].{name}",
                      f"is {_shown(getattr(item, name))} but the events make it {_shown(folded[name])}.")


def _cite_once(event: EventObject) -> None:
    """An event's cited evidence in id order, each once, as the ledger stores it."""
    if len(event.cited) > 1:
        event.cited = sorted(set(event.cited))


_ENTRY_DECODERS = {"events": msgspec.json.Decoder(list[EventObject]),
                   "changes": msgspec.json.Decoder(list[ChangeObject])}
_RAW_ENTRIES = msgspec.json.Decoder(list[msgspec.Raw])
_ENTRY = re.compile(r"`\$\[(\d+)\]")


class RawEntries(Sequence):
    """The events or changes of a long line, left in the line (long_lines.py) and decoded a page
    at a time each time they are read: checked, folded and written, a timeline of tens of
    thousands of events is never held decoded whole, nor, read from a file, the line. A bad
    entry is reported in the words the whole line's decoding uses; of a line with several
    faults, the ledger's own checks of its fields come first.

    Entry k runs from just after bounds[k] (its array's `[` or the comma before it) to
    bounds[k + 1], so a page of entries is one stretch of the line: 8 bytes an entry."""

    PAGE = 1000

    def __init__(self, where: str, name: str, line: Line, bounds: array, decoder: msgspec.json.Decoder,
                 screen: bool) -> None:
        self.where, self.name, self.line, self.bounds, self.decoder, self.screen = \
            where, name, line, bounds, decoder, screen

    def well_formed(self) -> bool:
        """Whether every entry is one JSON value: what decoding the line whole would find wrong in
        its syntax, found before anything is made of the line."""
        for start in range(0, len(self), self.PAGE):
            stop = min(start + self.PAGE, len(self))
            try:
                if len(_RAW_ENTRIES.decode(self._text(start, stop))) != stop - start:
                    return False
            except (msgspec.DecodeError, RecursionError):
                return False
        return True

    def _text(self, start: int, stop: int) -> bytes:
        return b"[" + self.line.read(self.bounds[start] + 1, self.bounds[stop]) + b"]"

    def __len__(self) -> int:
        return max(len(self.bounds) - 1, 0)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[n] for n in range(len(self))[index]]
        n = range(len(self))[index]
        return self._page(n, n + 1)[0]

    def __iter__(self) -> Iterator[Any]:
        for start in range(0, len(self), self.PAGE):
            yield from self._page(start, start + self.PAGE)

    def _page(self, start: int, stop: int) -> list[Any]:
        stop = min(stop, len(self))
        try:
            items = self.decoder.decode(self._text(start, stop))
        except msgspec.ValidationError as exc:
            shifted = _ENTRY.sub(lambda m: f"`$.{self.name}[{start + int(m.group(1))}]", str(exc))
            raise _invalid(self.where, msgspec.ValidationError(shifted)) from None
        except msgspec.DecodeError as exc:  # text `well_formed` let pass (not UTF-8): as read whole
            raise _whole_line_complaint(self.where, self.line.whole()) or _not_json(self.where, exc) from None
        except RecursionError:
            raise _too_deep(self.where) from None
        for n, item in enumerate(items, start=start):
            if isinstance(item, EventObject):
                _cite_once(item)
            if self.screen:
                _refuse_unstorable(self.where, item, f"{self.name}[{n}]")
        return items


def _shown(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False, default=str)
