"""Export: the forecasts a filter matches, with their evidence and timelines, read in batches.

Forecasts come in id order, a batch at a time (keyset pagination), each as the plain record of
`services.records` with `evidence` and `events` arrays, so memory stays flat however large
the ledger is and two exports of the same ledger are the same.
"""

from collections import defaultdict, namedtuple
from collections.abc import Iterator
from functools import cache
from typing import Any

from sqlalchemy import Select, Table, func, select
from sqlalchemy.orm import Session

from tracker.services.forecasts import ForecastFilter, filtered_query
from tracker.services.records import CITING_KINDS, change_record, event_row_record, evidence_record, forecast_row_record
from tracker.services.report import scores_by_forecast
from tracker.storage.database import read_one_snapshot
from tracker.storage.models import Change, Event, EventCitation, Evidence, Forecast, ForecastTag, Source

BATCH = 500


def start_snapshot(session: Session) -> None:
    """Make every later query of this transaction see the ledger as it is now, however many
    batches the export takes. Must come before the transaction's first query."""
    read_one_snapshot(session)


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
    """The records of one batch of forecasts, the rows they refer to read in one query a table.

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
        events = _by_forecast(session, Event.__table__, "id", ids)
        cited = _citations(session, ids)
        changes = _changes(session, ids)
    if scores:
        scored = scores_by_forecast(session, ids)
    for forecast in forecasts:
        record = forecast_row_record(forecast, sources.get(forecast.source_id),
                                     [row.tag for row in tags.pop(forecast.id, ())])
        if timelines:
            record["evidence"] = [evidence_record(row) for row in evidence.pop(forecast.id, ())]
            rows = events.pop(forecast.id, ())
            record["events"] = [event_row_record(row, cited.pop(row.id, [])) for row in rows]
            record["changes"] = [change_record(changes[change_id])
                                 for change_id in sorted({row.change_id for row in rows})]
        if scores:
            record["score"] = scored.get(forecast.id)
        yield record


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


def _changes(session: Session, ids: list[int]) -> dict[int, tuple]:
    """The changes the events of the forecasts `ids` belong to, by id."""
    table = Change.__table__
    query = select(table).where(table.c.id.in_(select(Event.change_id).where(Event.forecast_id.in_(ids))))
    return {row.id: row for row in _rows(session, table, query)}


def _citations(session: Session, ids: list[int]) -> dict[int, list[int]]:
    """The evidence each status change of the forecasts `ids` cites: event id to evidence ids, in order."""
    cited: dict[int, list[int]] = defaultdict(list)
    for event_id, evidence_id in session.connection().execute(
            select(EventCitation.event_id, EventCitation.evidence_id).join(Event, Event.id == EventCitation.event_id)
            .where(Event.forecast_id.in_(ids), Event.kind.in_(CITING_KINDS))
            .order_by(EventCitation.event_id, EventCitation.evidence_id)):
        cited[event_id].append(evidence_id)
    return cited
