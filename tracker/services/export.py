"""Export: the forecasts a filter matches, with their evidence and timelines, read in batches.

Forecasts come in id order, a batch at a time (keyset pagination), each as the plain record of
`services.records` with `evidence` and `events` arrays, so memory stays flat however large
the ledger is and two exports of the same ledger are the same.
"""

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.services.forecasts import ForecastFilter, filtered_query
from tracker.services.records import event_record, evidence_record, forecast_record
from tracker.storage.models import Event, Evidence, Forecast

BATCH = 500


def start_snapshot(session: Session) -> None:
    """Make every later query of this transaction see the ledger as it is now, however many
    batches the export takes. SQLite's read transaction does that already; PostgreSQL's
    default isolation gives each query its own snapshot, so ask for REPEATABLE READ. Must
    come before the transaction's first query."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def count_exported(session: Session, filters: ForecastFilter) -> int:
    return session.scalar(select(func.count()).select_from(filtered_query(filters, session.get_bind().dialect.name)[0].subquery())) or 0


def exported_records(session: Session, filters: ForecastFilter, *,
                     timelines: bool = True) -> Iterator[dict[str, Any]]:
    """Every matching forecast in id order; with `timelines`, its evidence and events too."""
    last = 0
    while True:
        query = filtered_query(filters, session.get_bind().dialect.name)[0]
        forecasts = session.scalars(query.where(Forecast.id > last).order_by(Forecast.id).limit(BATCH)).all()
        if not forecasts:
            return
        ids = [forecast.id for forecast in forecasts]
        if timelines:
            evidence = _grouped(session, Evidence, ids, evidence_record)
            events = _grouped(session, Event, ids, event_record)
        for forecast in forecasts:
            record = forecast_record(forecast)
            if timelines:
                record["evidence"] = evidence.get(forecast.id, [])
                record["events"] = events.get(forecast.id, [])
            yield record
        last = ids[-1]
        session.expunge_all()


def _grouped(session: Session, model, forecast_ids: list[int], as_record) -> dict[int, list[dict[str, Any]]]:
    rows = session.scalars(select(model).where(model.forecast_id.in_(forecast_ids))
                           .order_by(model.forecast_id, model.id))
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.forecast_id].append(as_record(row))
    return grouped
