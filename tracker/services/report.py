"""What `tracker report` shows: what needs attention, the counts and scores over time, an index,
and each forecast with its story, all over the forecasts in scope.

Nothing here holds the ledger in memory: counts and lists come from the database (the lists
capped, or read as they are written), scores from one streamed pass over the resolved forecasts (each folded by
services/replay.py), and the forecasts themselves are read a batch at a time as the page is
written (`forecasts` and `index` are iterators, to be read once, in that order or any).
"""

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from operator import itemgetter
from sys import intern
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from tracker import dates
from tracker.fields import FORECAST_GROUPINGS
from tracker.services.forecaster_scores import forecaster_scorecards
from tracker.services.estimates import medians_over_time
from tracker.services.forecasts import ForecastFilter, due_for_review, filtered_query, past_deadline
from tracker.services.records import event_row_record
from tracker.services.replay import Step, fold, origins
from tracker.services.scorecards import (Resolved, ScoreRequest, Scorecards, group_names, resolved_forecasts,
                                         scored_forecast, streamed)
from tracker.services.scoring import Z95, log_term
from tracker.services.stats import LIVE, ledger_stats, month_of
from tracker.statuses import ACTIVE, FINAL
from tracker.storage.models import Event, Evidence, Forecast

# Forecasts without a new piece of evidence for this many days are listed as stale.
STALE_DAYS = 90
# Months a rolling score looks back over (the month itself and those before it).
ROLLING_MONTHS = 3
INDEX_BATCH = 500
# The items of each list of what needs attention, at most, unless asked for more.
ATTENTION = 10
# The latest changes listed (at most; fewer with a smaller limit).
RECENT = 12


@dataclass
class ReportRequest:
    """Which forecasts the report covers, and how many of each list it shows (None: all)."""

    filters: ForecastFilter = field(default_factory=ForecastFilter)
    limit: int | None = 100  # cards and index rows
    attention_limit: int | None = ATTENTION  # each list of what needs attention
    stale_days: int = STALE_DAYS


def scope_condition(session: Session, filters: ForecastFilter) -> ColumnElement[bool] | None:
    """The forecasts the filters choose, as a condition on forecasts; None when they choose every
    undeleted forecast, which needs no condition."""
    if filters == ForecastFilter(sort=filters.sort):
        return None
    query = filtered_query(replace(filters, sort="id", limit=None, after=None), session.get_bind().dialect.name)[0]
    return Forecast.id.in_(query.with_only_columns(Forecast.id))


def report_summary(session: Session, filters: ForecastFilter | None = None, *,
                   attention_limit: int | None = ATTENTION, stale_days: int = STALE_DAYS) -> dict[str, Any]:
    """What needs attention, the counts, the overall scorecard, group scorecards and scores over
    time, over the forecasts the filters choose (all undeleted ones without filters).

    Each value is plain. The cards are filled in one pass over the resolved forecasts and keep
    no forecast's own scores (`scores_by_forecast` gives those); group cards, shown as a line
    each, have no calibration table, so thousands of sources or authors cost little.
    """
    scope = scope_condition(session, filters or ForecastFilter())
    overall = Scorecards(ScoreRequest(details=False))
    groups = {by: Scorecards(ScoreRequest(by=by, details=False, calibration=False)) for by in FORECAST_GROUPINGS}
    months, spread = MonthlyScores(), BrierSpread()
    for item in resolved_forecasts(session, scope=scope):
        for cards in (overall, *groups.values()):
            cards.add(item)
        brier = scored_forecast(item)["brier"]
        months.add(item, brier)
        spread.add(item, brier)
    return {
        "generated_at": dates.utc_now(),
        "attention": attention(session, scope, attention_limit, stale_days),
        "stats": ledger_stats(session, scope),
        "scorecard": overall.finish(),
        "scorecards": {by: [{**card, **spread.interval(by, card["group"])} for card in cards.finish()]
                       for by, cards in groups.items()},
        "forecasters": [{k: v for k, v in card.items() if k != "calibration"}
                        for card in forecaster_scorecards(session, scope)],
        "scores_by_month": months.finish(),
    }


class MonthlyScores:
    """Resolutions per local month by final status, and each month's Brier and log score,
    alone and rolling over the last `ROLLING_MONTHS` months, with the counts they rest on."""

    def __init__(self) -> None:
        self.resolved: dict[str, Counter] = defaultdict(Counter)
        self.sums: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])  # scored, Brier, log

    def add(self, item: Resolved, brier: float | None) -> None:
        month = month_of(item.resolved_on)
        self.resolved[month][item.resolution.status] += 1
        if brier is not None:
            sums = self.sums[month]
            sums[0] += 1
            sums[1] += brier
            sums[2] += log_term(item.resolution.probability, item.resolution.outcome)

    def finish(self) -> list[dict[str, Any]]:
        from tracker.services.stats import months_between

        if not self.resolved:
            return []
        months = months_between(min(self.resolved), max(self.resolved))
        rows = []
        for n, month in enumerate(months):
            window = [self.sums[m] for m in months[max(0, n - ROLLING_MONTHS + 1):n + 1] if m in self.sums]
            scored = sum(s[0] for s in window)
            own = self.sums.get(month, [0, 0.0, 0.0])
            rows.append({
                "month": month,
                "resolved": sum(self.resolved[month].values()),
                "by_status": {status: self.resolved[month][status] for status in FINAL},
                "scored": own[0],
                "brier": own[1] / own[0] if own[0] else None,
                "log_score": own[2] / own[0] if own[0] else None,
                "rolling_scored": scored,
                "rolling_brier": sum(s[1] for s in window) / scored if scored else None,
                "rolling_log_score": sum(s[2] for s in window) / scored if scored else None,
            })
        return rows


class BrierSpread:
    """Per group of each grouping, the count, sum and sum of squares of the Brier scores, for a
    95% interval of the group's mean Brier score (normal approximation, clipped to [0, 1])."""

    def __init__(self) -> None:
        self.sums: dict[tuple[str, str | None], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])

    def add(self, item: Resolved, brier: float | None) -> None:
        if brier is None:
            return
        for by in FORECAST_GROUPINGS:
            for name in group_names(item, by):
                sums = self.sums[by, name]
                sums[0] += 1
                sums[1] += brier
                sums[2] += brier * brier

    def interval(self, by: str, name: str | None) -> dict[str, float | None]:
        count, total, squares = self.sums.get((by, name), (0, 0.0, 0.0))
        if count < 2:
            return {"brier_low": None, "brier_high": None}
        mean = total / count
        spread = Z95 * math.sqrt(max(squares / count - mean * mean, 0.0) * count / (count - 1) / count)
        return {"brier_low": max(0.0, mean - spread), "brier_high": min(1.0, mean + spread)}


def scores_by_forecast(session: Session, ids: list[int] | None = None) -> dict[int, dict[str, Any]]:
    """Each resolved forecast's entry in the overall scorecard, by id; `ids` narrows them to those."""
    return {item.id: scored_forecast(item)
            for item in resolved_forecasts(session, tags=False, creators=False, ids=ids)}


def report_content(session: Session, request: ReportRequest | None = None) -> dict[str, Any]:
    """Plain values for any rendering of the report (HTML, Markdown): the summary, what needs
    attention, the number of forecasts in scope (`total`) and of those with a card (`shown`), the
    id of the last with a card (`last_card`, None when all have one), the `index` (a row per forecast)
    and the `forecasts` with their `evidence`, `events`, `score` once resolved and `series`
    (probabilities and estimates over time), both iterators of at most `limit` items.

    The iterators query the ledger as they are taken: `session` must read one snapshot (as every
    read command's does, see `read_one_snapshot`), so that they see the ledger the summary saw."""
    from tracker.services.export import exported_records

    request = request or ReportRequest()
    filters = replace(request.filters, deleted=False, sort="id", limit=None, after=None)
    summary = report_summary(session, filters, attention_limit=request.attention_limit, stale_days=request.stale_days)
    total = summary["stats"]["forecasts"]
    shown = total if request.limit is None else min(total, request.limit)
    records = exported_records(session, filters, timelines=True, scores=True)
    last_card = None
    if shown < total:
        matching = filtered_query(filters, session.get_bind().dialect.name)[0]
        last_card = session.scalar(matching.with_only_columns(Forecast.id).order_by(Forecast.id)
                                   .offset(shown - 1).limit(1)) if shown else 0
    return {
        **summary,
        "total": total,
        "shown": shown,
        "last_card": last_card,
        "index": index_rows(session, filters, request.limit),
        "forecasts": (with_series(record) for record in islice(records, request.limit)),
    }


def in_scope(scope: ColumnElement[bool] | None) -> list[ColumnElement[bool]]:
    return [] if scope is None else [scope]


# A card's chart is 420 pixels wide: a series of more points than this cannot be told apart
# there, nor read in the table under it. A longer one keeps its first and last points and others
# evenly spaced between; every status change and piece of evidence keeps its mark.
CHART_POINTS = 400


def with_series(record: dict[str, Any]) -> dict[str, Any]:
    """The record with its `series`: what the fold makes of its events over time, the
    probability in force from each moment on, every forecaster's standing estimates and the
    team's median after each (for multiple choice, a probability per option), and the outcome
    with the moment it came into force. The events are read as they come, twice (what their
    first edits found, then the fold), and the series keeps what the chart draws (see
    `CHART_POINTS`)."""
    def steps() -> Iterator[Step]:
        for e in record["events"]:  # read anew, a page at a time, each time it is iterated
            yield Step(intern(e["kind"]), e["at"], intern(e["actor"]), e["version"], e.get("field"), e.get("old"),
                       e.get("new"), e.get("from"), e.get("to"), e.get("evidence_id"), e.get("note"))

    evidence = {item["id"]: item for item in record["evidence"]}
    # Folded as the events come, what their first edits found read beforehand: the state keeps
    # no step of a long timeline.
    state = fold({key: value for key, value in record.items() if key not in ("evidence", "events", "changes")},
                 steps(), evidence, found=origins(steps()))
    marks: list[tuple] = []
    series: dict[str, Any] = {"probabilities": [], "estimates": [], "medians": [], "marks": [],
                              "options": record.get("options"), "outcome": record.get("outcome"), "resolved_at": None}
    if state is not None:
        series["probabilities"] = thinned([(at or record["created_at"], value) for at, value in state.probabilities])
        # Thinned alike, so that each estimate keeps the median after it.
        series["estimates"] = thinned([(e.actor, e.at, e.value) for e in state.in_time_order()])
        series["medians"] = thinned(medians_over_time(state))
        series.update(options=state.record.get("options"), outcome=state.record.get("outcome"),
                      resolved_at=state.resolution and state.resolution.resolved_at)
        # What the fold found, not the events read again: an undone change of status moves it back.
        marks = sorted([(at, "evidence_added", None) for at in state.evidence_added_at]
                       + [(at, "status_changed", status) for at, status in state.status_moves], key=itemgetter(0))
    series["marks"] = marks
    return {**record, "series": series}


def thinned(points: list[Any]) -> list[Any]:
    """At most `CHART_POINTS` of the points: the first, the last, and others evenly spaced."""
    if len(points) <= CHART_POINTS:
        return points
    step = (len(points) - 1) / (CHART_POINTS - 1)
    return [points[round(n * step)] for n in range(CHART_POINTS)]


def attention(session: Session, scope: ColumnElement[bool] | None, limit: int | None,
              stale_days: int) -> dict[str, Any]:
    """What needs someone now, each list with its full `count`, the number `shown`, and those
    `items`, read from the database as they are iterated (once, in any order of the lists):
    overdue forecasts (longest overdue first), reviews due (longest waiting first), active
    forecasts without new evidence for `stale_days` days (longest quiet first), and the latest
    changes (newest first, at most `RECENT`)."""
    today = dates.today()
    scoped = [LIVE, *in_scope(scope)]
    quiet_since = dates.start_of_day(today - dt.timedelta(days=stale_days))
    last_evidence = (select(Evidence.forecast_id, func.max(Evidence.added_at).label("last"))
                     .group_by(Evidence.forecast_id).subquery())
    stale = and_(Forecast.status.in_(ACTIVE), Forecast.created_at < quiet_since,
                 or_(last_evidence.c.last.is_(None), last_evidence.c.last < quiet_since))

    def listed(condition, order, query=None) -> dict[str, Any]:
        query = query if query is not None else select(Forecast.id, Forecast.claim, Forecast.status,
                                                       Forecast.resolve_by, Forecast.next_review_on)
        count = session.scalar(select(func.count()).select_from(query.where(*scoped, condition).subquery())) or 0
        ordered = query.where(*scoped, condition).order_by(*order).limit(limit)
        return {"count": count, "shown": count if limit is None else min(count, limit),
                "items": (row._asdict() for row in lazily(session, ordered))}

    stale_query = (select(Forecast.id, Forecast.claim, Forecast.status, Forecast.resolve_by,
                          Forecast.next_review_on, last_evidence.c.last.label("last_evidence"))
                   .outerjoin(last_evidence, last_evidence.c.forecast_id == Forecast.id))
    recent_query = (select(Event, Forecast.claim).join(Forecast, Event.forecast_id == Forecast.id)
                    .where(*scoped).order_by(Event.id.desc()).limit(min(RECENT, limit or RECENT)))
    return {
        "today": today,
        "stale_days": stale_days,
        "overdue": listed(past_deadline(today), [Forecast.resolve_by, Forecast.id]),
        "due": listed(due_for_review(today), [Forecast.next_review_on, Forecast.id]),
        "stale": listed(stale, [last_evidence.c.last.asc().nulls_first(), Forecast.id], stale_query),
        "recent": [{**event_row_record(event, [c.evidence_id for c in event.cited]
                                       if event.kind in ("status_changed", "estimate") else []), "claim": claim}
                   for event, claim in session.execute(recent_query)],
    }


def lazily(session: Session, query) -> Iterator[Any]:
    """The rows of a query, which runs when they are first asked for, fetched a batch at a time."""
    yield from streamed(session, query)


def index_rows(session: Session, filters: ForecastFilter, limit: int | None) -> Iterator[dict[str, Any]]:
    """One row per forecast in scope, in id order, read a batch at a time: status, probability,
    team aggregate, resolve-by, last change and standing evidence."""
    matching = filtered_query(filters, session.get_bind().dialect.name)[0]
    standing = (select(func.count(Evidence.id)).where(Evidence.forecast_id == Forecast.id,
                                                      Evidence.retracted_at.is_(None))
                .correlate(Forecast).scalar_subquery())
    query = matching.with_only_columns(Forecast.id, Forecast.claim, Forecast.status, Forecast.probability,
                                       Forecast.aggregate, Forecast.resolve_by, Forecast.updated_at,
                                       standing.label("evidence"))
    last, given = 0, 0
    while limit is None or given < limit:
        size = INDEX_BATCH if limit is None else min(INDEX_BATCH, limit - given)
        rows = session.execute(query.where(Forecast.id > last).order_by(Forecast.id).limit(size)).all()
        if not rows:
            return
        for row in rows:
            yield row._asdict()
        given += len(rows)
        last = rows[-1].id
