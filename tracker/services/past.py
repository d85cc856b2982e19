"""The ledger as it stood at the end of a past day, rebuilt from the timeline (`--as-of`).

A forecast added later does not appear, evidence added later is absent, and every field,
status and retraction is the one in force at the end of that day, local time.
"""

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import dates, statuses
from tracker.errors import InvalidInput, NotFound
from tracker.fields import SORT_FIELDS
from tracker.services.estimates import estimate_view
from tracker.services.forecasts import ForecastFilter, changes_of, find_forecast
from tracker.services.records import as_shown, event_record
from tracker.services.replay import ForecastState, end_of_day, load_states
from tracker.storage import folding
from tracker.storage.models import Forecast

BATCH = 500
# The filters `list --as-of` applies to the past state; any other filter is refused with it.
PAST_FILTERS = ("statuses", "tags", "source", "search", "final", "deleted", "actor", "due", "overdue", "sort",
                "limit")


def check_day(day: dt.date) -> None:
    if day > dates.today():
        raise InvalidInput(f"--as-of {day} is in the future; the ledger knows only today and the past.")


def show_as_of(session: Session, ref: str, day: dt.date, extremize: float | None = None) -> dict[str, Any]:
    """`show` as of the end of `day`: fields, evidence and the timeline up to then."""
    check_day(day)
    forecast = find_forecast(session, ref)
    states = load_states(session, [forecast], until=end_of_day(day))
    if not states:
        raise NotFound(f"forecast {forecast.id} was not yet in the ledger at the end of {day}; "
                       f"it was added on {forecast.created_at.astimezone().date()}.")
    record = as_shown(detail(states[0]))
    record["changes"] = changes_of(session, [event["change"] for event in record["events"]])
    record.update(estimate_view(states[0], extremize))
    return record


def detail(state: ForecastState) -> dict[str, Any]:
    record = dict(state.record)
    record["evidence"] = [state.evidence[key] for key in sorted(state.evidence)]
    record["events"] = [event_record(event) for event in state.events]
    return record


def list_as_of(session: Session, filters: ForecastFilter, day: dt.date) -> list[dict[str, Any]]:
    """`list` as of the end of `day`, its filters applied to the forecasts as they stood then."""
    check_day(day)
    defaults = ForecastFilter()
    for name in (f.name for f in dataclasses.fields(ForecastFilter)):
        if name not in PAST_FILTERS and getattr(filters, name) != getattr(defaults, name):
            raise InvalidInput(f"--{name.replace('_', '-')} cannot be combined with --as-of.")
    records: list[dict[str, Any]] = []
    by_id = filters.sort.lstrip("-") == "id"
    # In id order a page usually comes from about as many forecasts as it shows.
    first = min(filters.limit, BATCH) if by_id and filters.limit else BATCH
    for batch in forecasts_in_batches(session, descending=filters.sort.startswith("-") and by_id, first=first):
        records += [state.record for state in load_states(session, batch, until=end_of_day(day))
                    if (not filters.actor or any(event.actor == filters.actor for event in state.events))
                    and matches(state.record, filters, day)]
        # In id order the page is complete once it is full: the rest of the ledger is not read.
        if by_id and filters.limit is not None and len(records) >= filters.limit:
            break
    records = sort(records, filters.sort)
    return [as_shown(dict(record)) for record in (records if filters.limit is None else records[:filters.limit])]


def forecasts_in_batches(session: Session, *, descending: bool, first: int = BATCH) -> Iterator[list[Forecast]]:
    """Every forecast in id order, a batch at a time, so that memory holds one batch: `first`
    forecasts, then each batch twice the one before, up to BATCH."""
    last, size = None, first
    while True:
        query = select(Forecast).order_by(Forecast.id.desc() if descending else Forecast.id).limit(size)
        if last is not None:
            query = query.where(Forecast.id < last if descending else Forecast.id > last)
        batch = list(session.scalars(query))
        if not batch:
            return
        yield batch
        last, size = batch[-1].id, min(2 * size, BATCH)
        session.expunge_all()


def contains(values: list[str | None], text: str) -> bool:
    return any(text.lower() in (value or "").lower() for value in values)


def matches(record: dict[str, Any], filters: ForecastFilter, day: dt.date) -> bool:
    """The filters of `list` (see forecasts.filtered_query) applied to a forecast as it stood on `day`."""
    status, source, active = record["status"], record["source"] or {}, not statuses.is_final(record["status"])
    deleted = record["deleted_at"] is not None
    return all((
        deleted == filters.deleted,
        not filters.statuses or status in filters.statuses,
        filters.final is None or filters.final != active,
        all(tag in record["tags"] for tag in filters.tags),
        not filters.source or contains([source.get(k) for k in ("title", "author", "outlet")], filters.source),
        not filters.search or folding.contains(filters.search, record["claim"], record["criteria"], record["key"]),
        not filters.due or ((record["next_review_on"] <= day or (record["resolve_by"] is not None
                                                                 and record["resolve_by"] < day))
                            and active and not deleted),
        not filters.overdue or (record["resolve_by"] is not None and record["resolve_by"] < day and active),
    ))


def sort(records: list[dict[str, Any]], order: str) -> list[dict[str, Any]]:
    """Sorted like `list`: by the field, empty values last, ties by id."""
    name = order.lstrip("-")
    if name not in SORT_FIELDS:
        raise InvalidInput(f"cannot sort by {name!r}; use one of {', '.join(SORT_FIELDS)}.")
    by_id = sorted(records, key=lambda r: r["id"])
    present = sorted((r for r in by_id if r[name] is not None), key=lambda r: r[name], reverse=order.startswith("-"))
    return present + [r for r in by_id if r[name] is None]
