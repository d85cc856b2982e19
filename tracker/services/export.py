"""Export: the forecasts a filter matches, with their evidence and timelines, read in batches.

Forecasts come in id order, a batch at a time (keyset pagination), each as the plain record of
`services.records` with an `evidence` array and its `events` and `changes` as `Timeline`s,
read a page at a time as they are written. Memory stays flat however large the ledger is and
however long a timeline, and two exports of the same ledger are the same.
"""

from bisect import bisect_left
from collections import defaultdict, namedtuple
from collections.abc import Callable, Iterator
from functools import cache, partial
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, func, select, tuple_
from sqlalchemy.orm import Session

from tracker.services.forecasts import PAGE, ForecastFilter, filtered_query
from tracker.services.records import CITING_KINDS, change_record, event_row_record, evidence_record, forecast_row_record
from tracker.services.report import scores_by_forecast
from tracker.storage.models import Change, Event, EventCitation, Evidence, Forecast, ForecastTag, Source

BATCH = 500
# Below every id: a forecast's rows all come after (its id, LOWEST) in the order they are paged in.
LOWEST = -2**63


def count_exported(session: Session, filters: ForecastFilter) -> int:
    return session.scalar(select(func.count()).select_from(filtered_query(filters, session.get_bind().dialect.name)[0].subquery())) or 0


def exported_records(session: Session, filters: ForecastFilter, *, timelines: bool = True,
                     scores: bool = False) -> Iterator[dict[str, Any]]:
    """Every matching forecast in id order; with `timelines`, its evidence and events too; with
    `scores`, its `score`: its entry in the overall scorecard once resolved, else None.
    """
    matching = filtered_query(filters, session.get_bind().dialect.name)[0].with_only_columns(*Forecast.__table__.c)
    last = 0
    while forecasts := _rows(session, Forecast.__table__,
                             matching.where(Forecast.id > last).order_by(Forecast.id).limit(BATCH)):
        yield from _batch_records(session, forecasts, timelines, scores)
        last = forecasts[-1].id


def _batch_records(session: Session, forecasts: list[tuple], timelines: bool, scores: bool) -> Iterator[dict[str, Any]]:
    """The records of one batch of forecasts, the rows they refer to read in one query a table,
    their events and changes a page of the batch's at a time (see `Pages`).

    Every query names the batch's forecast ids, never ids gathered from other rows, so its SQL is
    the same for every full batch: the driver's cache of prepared statements then holds a few,
    not one for each length of an `IN` list met (which on a large ledger held megabytes).
    """
    ids = [forecast.id for forecast in forecasts]
    sources = {row.id: row for row in _rows(session, Source.__table__, select(Source.__table__).where(
        Source.id.in_(select(Forecast.source_id).where(Forecast.id.in_(ids)))))}
    tags = _by_forecast(session, ForecastTag.__table__, "tag", ids)
    if timelines:
        evidence = _by_forecast(session, Evidence.__table__, "id", ids)
        events = Pages(partial(_event_page, session, ids))
        changes = Pages(partial(_change_page, session, ids))
    if scores:
        scored = scores_by_forecast(session, ids)
    for forecast in forecasts:
        record = forecast_row_record(forecast, sources.get(forecast.source_id),
                                     [row.tag for row in tags.pop(forecast.id, ())])
        if timelines:
            record["evidence"] = [evidence_record(row) for row in evidence.pop(forecast.id, ())]
            record["events"] = Timeline(events, forecast.id)
            record["changes"] = Timeline(changes, forecast.id)
        if scores:
            record["score"] = scored.get(forecast.id)
        yield record


def timeline_records(session: Session, forecast_id: int) -> Iterator[dict[str, Any]]:
    """One forecast's events as records, oldest first, read a page at a time as they are taken,
    as an export reads a batch's."""
    return Pages(partial(_event_page, session, [forecast_id])).rows_of(forecast_id)


Page = tuple[list[tuple[int, int]], list[Any]]


class Pages:
    """The rows of a batch of forecasts a query reads, ordered by forecast and then by an id,
    `PAGE` at a time (keyset paging, as `history` reads a timeline): `read(after)` gives the
    page after the key (forecast id, id) `after`, as the keys and the items of its rows.

    `rows_of` gives one forecast's items as they are taken, from the page that holds its first
    or from a page read from there, so that a timeline of any length costs a page of memory
    and the short timelines of a batch are read a page of many forecasts at a time."""

    def __init__(self, read: Callable[[tuple[int, int]], Page]) -> None:
        self.read = read
        self.after: tuple[int, int] | None = None
        self.page: Page = ([], [])

    def rows_of(self, forecast_id: int) -> Iterator[Any]:
        start, beyond = (forecast_id, LOWEST), (forecast_id + 1, LOWEST)
        keys, items = self.page
        # The page held covers the keys after `after` up to its last (to the end if not full).
        if self.after is None or self.after > start or (len(keys) == PAGE and keys[-1] < start):
            keys, items = self._read(start)
        while True:
            end = bisect_left(keys, beyond)
            yield from items[bisect_left(keys, start):end]
            if end < len(keys) or len(keys) < PAGE:
                return
            keys, items = self._read(keys[-1])

    def _read(self, after: tuple[int, int]) -> Page:
        self.after, self.page = after, self.read(after)
        return self.page


class Timeline:
    """One forecast's events (or changes) in an export: read anew, a page at a time, each time
    they are iterated, never held whole. A writer iterates them once; the report three
    times (what its chart's fold needs first, the fold, then its story)."""

    def __init__(self, pages: Pages, forecast_id: int) -> None:
        self.pages, self.forecast_id = pages, forecast_id

    def __iter__(self) -> Iterator[Any]:
        return self.pages.rows_of(self.forecast_id)


def _after(forecast_id: ColumnElement[int], row_id: ColumnElement[int], key: tuple[int, int]) -> ColumnElement[bool]:
    return tuple_(forecast_id, row_id) > tuple_(*key)


def _event_page(session: Session, ids: list[int], after: tuple[int, int]) -> Page:
    """The next page of the events of the forecasts `ids`, as records with the evidence they cite."""
    table = Event.__table__
    rows = _rows(session, table, select(table).where(table.c.forecast_id.in_(ids),
                                                     _after(table.c.forecast_id, table.c.id, after))
                 .order_by(table.c.forecast_id, table.c.id).limit(PAGE))
    keys = [(row.forecast_id, row.id) for row in rows]
    cited = _citations(session, ids, after, keys[-1]) if rows else {}
    return keys, [event_row_record(row, cited.pop(row.id, [])) for row in rows]


def _change_page(session: Session, ids: list[int], after: tuple[int, int]) -> Page:
    """The next page of the changes the events of the forecasts `ids` belong to, each forecast's
    once, as records."""
    query = (select(Event.forecast_id, *Change.__table__.c).join(Change, Change.id == Event.change_id)
             .where(Event.forecast_id.in_(ids), _after(Event.forecast_id, Change.id, after)).distinct()
             .order_by(Event.forecast_id, Change.id).limit(PAGE))
    rows = session.connection().execute(query).all()
    return [(row.forecast_id, row.id) for row in rows], [change_record(row) for row in rows]


def _by_forecast(session: Session, table: Table, order: str, ids: list[int]) -> dict[int, list[tuple]]:
    """The rows of `table` that belong to the forecasts `ids`, each forecast's in `order`."""
    rows: dict[int, list[tuple]] = defaultdict(list)
    for row in _rows(session, table, select(table).where(table.c.forecast_id.in_(ids))
                     .order_by(table.c.forecast_id, table.c[order])):
        rows[row.forecast_id].append(row)
    return rows


def _rows(session: Session, table: Table, query: Select) -> list[tuple]:
    """The rows of a query of `table`'s columns, as named tuples of them.

    Rows are read with Core, not as ORM objects, which cost many times their memory and time;
    and as named tuples, since a record reads each field of a Core Row several times slower.
    """
    return list(map(_named_tuple(table)._make, session.connection().execute(query).all()))


@cache
def _named_tuple(table: Table) -> type:
    return namedtuple(table.name, table.c.keys())


def _citations(session: Session, ids: list[int], after: tuple[int, int], last: tuple[int, int]) -> dict[int, list[int]]:
    """The evidence each event of the forecasts `ids` from after `after` to `last` (keys as
    `Pages` orders them) cites: event id to evidence ids, in order."""
    cited: dict[int, list[int]] = defaultdict(list)
    for event_id, evidence_id in session.connection().execute(
            select(EventCitation.event_id, EventCitation.evidence_id).join(Event, Event.id == EventCitation.event_id)
            .where(Event.forecast_id.in_(ids), Event.kind.in_(CITING_KINDS),
                   _after(Event.forecast_id, Event.id, after), tuple_(Event.forecast_id, Event.id) <= tuple_(*last))
            .order_by(EventCitation.event_id, EventCitation.evidence_id)):
        cited[event_id].append(evidence_id)
    return cited
