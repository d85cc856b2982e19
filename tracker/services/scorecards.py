"""Scorecards over the ledger: which forecasts are resolved, when, and in which group.

The arithmetic is in `scoring`; this module reads the timeline of every resolved,
undeleted forecast and hands plain values to it.
"""

import datetime as dt
import heapq
import os
import struct
import tempfile
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby, pairwise
from operator import itemgetter
from typing import Any, BinaryIO, Protocol

import msgspec
from sqlalchemy import ColumnElement, Select, and_, func, null, or_, select
from sqlalchemy.orm import Session

from tracker.errors import InvalidInput
from tracker.fields import GROUPINGS
from tracker.progress import Progress, counted
from tracker.services.replay import Step, decode, fold
from tracker.services.scoring import Resolution, Tally, forecast_scores
from tracker.storage.models import Event, Forecast, ForecastTag, Source, revises_score, scored


@dataclass
class ScoreRequest:
    """What `tracker score` asks for: grouping, a window of resolution dates, the Brier method."""

    by: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    time_weighted: bool = False
    # Each forecast's own scores, under `forecasts`; tables leave them out, so need not keep them.
    details: bool = True
    # Each card's calibration table; tables of groups leave it out.
    calibration: bool = True
    # How the listing keeps each forecast's entry and gives it back (`encode` to bytes, `decode`):
    # msgpack's dicts unless the caller says (JSON output keeps the text it will write).
    entries_as: "EntryCodec | None" = None


@dataclass
class Resolved:
    """A resolved forecast with what the scorecards need to place it."""

    id: int
    key: str
    source_title: str | None
    source_author: str | None
    tags: list[str]
    created_by: str | None
    resolution: Resolution

    @property
    def resolved_on(self) -> dt.date:
        """The local date of the resolution, as the user reads it in tables."""
        return self.resolution.resolved_at.astimezone().date()


def score_ledger(session: Session, request: ScoreRequest, *,
                 progress: Progress | None = None) -> dict[str, Any] | Iterable[dict[str, Any]]:
    """One scorecard, or with `request.by` one per group (a list), each with its `group` name.
    `progress` is told how many resolved forecasts have been read (of `resolved_count`), where
    they are read one by one.

    With `details`, each card's `forecasts` are an iterator read back from a `Listing`, and the
    cards of groups an iterator too, all to be written as they are read."""
    if request.by is not None and request.by not in GROUPINGS:
        raise InvalidInput(f"cannot score by {request.by!r}; use one of {', '.join(GROUPINGS)}.")
    if request.since and request.until and request.since > request.until:
        raise InvalidInput(f"--since {request.since} is after --until {request.until}; nothing can be in between.")
    if request.by == "forecaster":
        from tracker.services.forecaster_scores import forecaster_scorecards

        if request.since or request.until or request.time_weighted:
            raise InvalidInput("--by forecaster scores every resolved forecast, time-averaged already; "
                               "leave out --since, --until and --time-weighted.")
        return forecaster_scorecards(session, progress=progress)
    if request.by is None and not (request.details or request.time_weighted or request.since or request.until):
        return counted_scorecard(session)
    # One pass for every group: each forecast is read once, however many groups it is in.
    times = request.details or request.time_weighted or request.since is not None or request.until is not None
    cards = Scorecards(request, Listing(request.entries_as) if request.details else None)
    for item in counted(resolved_forecasts(session, tags=request.by == "tag", creators=request.by == "author",
                                           times=times), progress):
        cards.add(item)
    return cards.finish()


def resolved_count(session: Session) -> int:
    """How many undeleted forecasts are resolved, from the index that holds them."""
    return session.scalar(select(func.count()).select_from(Forecast).where(scored())) or 0


def counted_scorecard(session: Session) -> dict[str, Any]:
    """The plain scorecard, without replaying most timelines.

    A forecast whose probability was never edited, and no status or probability change
    undone, was resolved into its current status with its current probability, so the
    database counts those by (status, probability). The others are replayed like every
    forecast in `resolved_forecasts`, which this must always agree with (a test checks).
    """
    tally = Tally()
    for item in resolved_forecasts(session, tags=False, creators=False, times=False, revised=True):
        tally.add(item.resolution)
    steady = (select(Forecast.status, Forecast.probability, func.count())
              .where(scored(), Forecast.id.not_in(revised_ids())).group_by(Forecast.status, Forecast.probability))
    for status, probability, count in session.execute(steady):
        tally.add_many(status, probability, count)
    return tally.card()


def streamed(session: Session, query):
    """The rows of a query, fetched a batch at a time as they are read."""
    return session.connection().execution_options(yield_per=BATCH).execute(query)


def revised_ids() -> Select[tuple[int]]:
    """The forecasts whose rows do not tell what they were scored on (see `revises_score`)."""
    return select(Event.forecast_id).where(revises_score()).correlate(None)


class Scorecards:
    """The scorecard(s) of one request in the making, fed one resolved forecast at a time, so
    that one pass over the ledger fills them all. With a listing, each card lists its forecasts,
    each forecast's entry made once however many cards list it."""

    def __init__(self, request: ScoreRequest, listing: "Listing | None" = None) -> None:
        self.request = request
        self.listing = listing
        self.cards: dict[str | None, Card] = {}

    def add(self, item: Resolved) -> None:
        """Count `item` in each group it belongs to."""
        request = self.request
        if (request.since is not None and item.resolved_on < request.since) or \
                (request.until is not None and item.resolved_on > request.until):
            return
        place = self.listing.add(item.id, scored_forecast(item, time_weighted=request.time_weighted)) \
            if self.listing is not None else None
        for name in group_names(item, request.by) if request.by else [None]:
            if name not in self.cards:
                self.cards[name] = Card(request, self.listing)
            self.cards[name].add(item, place)

    def finish(self) -> dict[str, Any] | list[dict[str, Any]] | Iterator[dict[str, Any]]:
        request, cards = self.request, self.cards
        if request.by is None:
            card = (cards.get(None) or Card(request, self.listing)).finish()
            if self.listing is not None:
                card["forecasts"] = self.listing.closed_after(card["forecasts"])
            return card
        # Named groups alphabetically, then the forecasts that have no name to group by.
        order = sorted(cards, key=lambda name: (name is None, (name or "").casefold(), name or ""))
        # Each card made as it is written, and let go: thousands of groups' cards are not held at once.
        finished = ({"group": name, **cards.pop(name).finish()} for name in order)
        return list(finished) if self.listing is None else self.listing.closed_after(finished)


class Card:
    """One scorecard in the making; with a listing, where its forecasts' entries are too."""

    def __init__(self, request: ScoreRequest, listing: "Listing | None" = None) -> None:
        self.tally = Tally(time_weighted=request.time_weighted, calibration=request.calibration)
        self.listing = listing
        self.places = array("I") if listing is not None else None

    def add(self, item: Resolved, place: int | None) -> None:
        self.tally.add(item.resolution)
        if self.places is not None:
            try:
                self.places.append(place)
            except OverflowError:  # a listing past 32 GB: places of 8 bytes from here on
                self.places = array("Q", self.places)
                self.places.append(place)

    def finish(self) -> dict[str, Any]:
        card = self.tally.card()
        if self.listing is not None:
            card["forecasts"] = self.listing.entries(self.places)
        return card


class EntryCodec(Protocol):
    def encode(self, entry: dict[str, Any]) -> bytes: ...
    def decode(self, data: bytes) -> Any: ...


class Listing:
    """The `forecasts` entries of scorecards, kept in a temporary file until their cards are
    written: a card's numbers, known once its last forecast is read, come before its entries, and
    cards come in the order of their names. Each entry is encoded and written once, as its
    forecast is read, and each card keeps where its own are (4 bytes each), not the entries.

    Forecasts are read by final status, then id: the entries' ids rise in runs, one a status, and
    a card's entries are read back oldest id first by merging its part of each run (each entry is
    written after its forecast's id, which the merge reads, and its length).

    Entries start at multiples of ALIGN bytes: an entry's place is its start / ALIGN, which fits
    4 bytes for a listing of up to 32 GB. A place is read a WINDOW at a time: the whole entry,
    unless it is longer (then the rest after)."""

    ALIGN = 8
    WINDOW = 512
    HEADER = struct.Struct("<QI")  # the forecast's id, the entry's length

    def __init__(self, codec: EntryCodec | None = None) -> None:
        self.file: BinaryIO = tempfile.TemporaryFile()
        # msgpack keeps floats and moments exactly.
        self.encode = codec.encode if codec else msgspec.msgpack.Encoder().encode
        self.decode = codec.decode if codec else msgspec.msgpack.Decoder().decode
        self.end = 0
        self.runs = [0]  # the places where the ids start rising anew
        self.last_id = 0

    def add(self, forecast_id: int, entry: dict[str, Any]) -> int:
        """Write `entry`, the forecast's; its place, for the cards that list it."""
        place = self.end // self.ALIGN
        if forecast_id < self.last_id:
            self.runs.append(place)
        self.last_id = forecast_id
        data = self.encode(entry)
        record = self.HEADER.pack(forecast_id, len(data)) + data
        self.end += self.file.write(record + bytes(-len(record) % self.ALIGN))
        return place

    def entries(self, places: array) -> Iterator[Any]:
        """The entries at `places` (ascending), read from the file oldest id first."""
        self.file.flush()
        bounds = [bisect_left(places, start) for start in self.runs] + [len(places)]
        runs = [self._read(places, low, high) for low, high in pairwise(bounds) if low < high]
        return map(itemgetter(1), heapq.merge(*runs, key=itemgetter(0)))

    def _read(self, places: array, low: int, high: int) -> Iterator[tuple[int, Any]]:
        fd, decode, align, window = self.file.fileno(), self.decode, self.ALIGN, self.WINDOW
        unpack, size = self.HEADER.unpack_from, self.HEADER.size
        for k in range(low, high):
            start = places[k] * align
            data = os.pread(fd, window, start)
            forecast_id, length = unpack(data)
            end = size + length
            if end > len(data):
                data += os.pread(fd, end - len(data), start + len(data))
            yield forecast_id, decode(data[size:end])

    def closed_after(self, items: Iterable[Any]) -> Iterator[Any]:
        """`items` one at a time; the file is closed once the last is taken (or they are left)."""
        with self.file:
            yield from items


def scored_forecast(item: Resolved, *, time_weighted: bool = False) -> dict[str, Any]:
    """A resolved forecast's own entry in a scorecard's `forecasts`."""
    return {
        "id": item.id,
        "key": item.key,
        "status": item.resolution.status,
        "probability": item.resolution.probability,
        "resolved_at": item.resolution.resolved_at,
        **forecast_scores(item.resolution, time_weighted=time_weighted),
    }


# The events that set what a forecast is scored on: status changes, probability edits, and the
# undoing of either (see scored_steps).
SCORED_EVENTS = or_(Event.kind == "status_changed",
                    and_(Event.kind.in_(("edited", "undone")), Event.field.in_(("probability", "status"))))
# Rows are streamed by status, then id: the order of the status index, so nothing is sorted.
STREAM_ORDER = (Forecast.status, Forecast.id)
BATCH = 2000


def resolved_forecasts(session: Session, *, tags: bool = True, creators: bool = True, times: bool = True,
                       ids: list[int] | None = None, revised: bool = False,
                       scope: ColumnElement[bool] | None = None) -> Iterator[Resolved]:
    """Every undeleted forecast whose timeline ends in a final status, read as a stream.

    They come by final status, then oldest id first. The resolution is the fold's
    (services/replay.py) over each forecast's events that set its status or probability.
    With `tags` and `creators`, each one's tags and the actor who created it come along (for
    `score --by` and the report's groups); without `times`, resolutions carry no moments
    (`resolved_at` and the history's times are None), for scorecards that need none. `ids`
    narrows them to those forecasts. With `revised`, only the forecasts whose rows do not
    tell what they were scored on come, by id alone (found by id, they need no sorting) and
    without tags. `scope`, a condition on forecasts, keeps only those it holds for.
    """
    query = resolved_query(or_(SCORED_EVENTS, Event.kind == "created") if creators else SCORED_EVENTS, times)
    if ids is not None:
        query = query.where(Forecast.id.in_(ids))
    if scope is not None:
        query = query.where(scope)
    if revised:
        query = query.where(Forecast.id.in_(revised_ids())).order_by(Forecast.id, Event.id)
    else:
        query = query.order_by(*STREAM_ORDER, Event.id)
    tags_alongside = TagsAlongside(session, scope) if tags and not revised else None
    for forecast_id, rows in groupby(streamed(session, query), key=itemgetter(0)):
        item = resolved_of(list(rows), tags_alongside.of(forecast_id) if tags_alongside else [])
        if item is not None:
            yield item


# How many columns of a row of `resolved_query` are the forecast's, and how many in all (the
# rest are one of its events, as `scored_steps` reads them).
FORECAST_COLUMNS = 8
RESOLVED_COLUMNS = 16


def resolved_query(kinds: ColumnElement[bool], times: bool) -> Select:
    """A row for each event of `kinds` of each scored forecast (one with no event if it has none);
    without `times`, the moments are left out (read as None)."""
    return (select(Forecast.id, Forecast.key, Forecast.made_on, Forecast.created_at if times else null(),
                   Forecast.probability, Forecast.status, Source.title, Source.author, Event.kind,
                   Event.at if times else null(), Event.actor, Event.field, Event.from_status, Event.to_status,
                   Event.old_value, Event.new_value)
            .outerjoin(Source, Forecast.source_id == Source.id)
            .outerjoin(Event, and_(Event.forecast_id == Forecast.id, kinds))
            .where(scored()))


def resolved_of(rows: list[tuple], tags: list[str]) -> Resolved | None:
    """One forecast from its rows of `resolved_query`, resolved by the fold; None if its timeline
    does not end in a final status."""
    (forecast_id, key, made_on, created_at, probability, status, title, author) = rows[0][:FORECAST_COLUMNS]
    events = [row[FORECAST_COLUMNS:RESOLVED_COLUMNS] for row in rows if row[FORECAST_COLUMNS] is not None]
    start = {"key": key, "made_on": made_on, "probability": probability, "status": status}
    state = fold(start, scored_steps(created_at, probability, status, events), {})
    if state is None or state.resolution is None:
        return None
    created_by = next((actor for kind, _, actor, *_ in events if kind == "created"), None)
    return Resolved(forecast_id, key, title, author, tags, created_by, state.resolution)


class TagsAlongside:
    """The tags of resolved forecasts, read in the same order as `resolved_forecasts` reads them."""

    def __init__(self, session: Session, scope: ColumnElement[bool] | None = None) -> None:
        rows = streamed(session, select(Forecast.id, ForecastTag.tag).join(ForecastTag)
                        .where(scored(), *([] if scope is None else [scope])).order_by(*STREAM_ORDER, ForecastTag.tag))
        self.groups = groupby(rows, key=itemgetter(0))
        self.head = next(self.groups, None)

    def of(self, forecast_id: int) -> list[str]:
        """The tags of the next forecast, which must be asked for in stream order; [] if it has none."""
        if self.head is None or self.head[0] != forecast_id:
            return []
        tags = [tag for _, tag in self.head[1]]
        self.head = next(self.groups, None)
        return tags


def scored_steps(created_at, probability, status, events) -> list[Step]:
    """The events that set a forecast's status and probability, as the fold reads them, led by
    a `created` event made from the row.

    A forecast's row is its fold, so the probability and status it was created with are the
    row's own unless an event changed them; then the first such event's `old` or `from`
    holds them. Its large `created` event need not be read.
    """
    steps = []
    for kind, at, actor, name, from_status, to_status, old, new in events:
        if kind == "edited" or kind == "undone":
            steps.append(Step(kind, at, actor, 0, name, scored_value(name, old), scored_value(name, new)))
        elif kind == "status_changed":
            steps.append(Step(kind, at, actor, 0, from_status=from_status, to_status=to_status))
    probability = next((step.old for step in steps if step.field == "probability"), probability)
    status = next((step.old if step.kind == "undone" else step.from_status for step in steps
                   if step.kind == "status_changed" or step.field == "status"), status)
    created = Step("created", created_at, "", 0, new={"probability": probability, "status": status})
    return [created, *steps]


def scored_value(name: str, text: str | None):
    """An event's old or new probability or status, from its JSON text (records.encode_value).
    A probability, JSON text of a number or null, is read without a JSON parser: a replay of
    many timelines reads many of them."""
    if name != "probability":
        return decode(text)
    return None if text is None or text == "null" else float(text)


def group_names(item: Resolved, by: str) -> Iterable[str | None]:
    """The groups a forecast belongs to; None when it has nothing to group by.

    The author is the source's author when the source names one, otherwise whoever
    entered the forecast: a forecast with no named author is the word of its recorder.
    """
    if by == "source":
        return [item.source_title]
    if by == "author":
        return [item.source_author or item.created_by]
    return item.tags or [None]
