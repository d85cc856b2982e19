"""What `tracker report` shows: the counts, the scorecards, and every forecast with its story."""

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import dates
from tracker.services.records import event_record, evidence_record, forecast_record
from tracker.services.scorecards import ScoreRequest, Scorecards, resolved_forecasts, scored_forecast
from tracker.fields import FORECAST_GROUPINGS
from tracker.services.forecaster_scores import forecaster_scorecards
from tracker.services.stats import LIVE, ledger_stats
from tracker.storage.models import Event, Evidence, Forecast


def report_summary(session: Session) -> dict[str, Any]:
    """The ledger-wide part of the report: counts, the overall scorecard, and group scorecards.

    Each value is plain. The cards are filled in one pass over the resolved forecasts and keep
    no forecast's own scores (`scores_by_forecast` gives those); group cards, shown as a line
    each, have no calibration table, so thousands of sources or authors cost little.
    """
    overall = Scorecards(ScoreRequest(details=False))
    groups = {by: Scorecards(ScoreRequest(by=by, details=False, calibration=False)) for by in FORECAST_GROUPINGS}
    for item in resolved_forecasts(session):
        for cards in (overall, *groups.values()):
            cards.add(item)
    return {
        "generated_at": dates.utc_now(),
        "stats": ledger_stats(session),
        "scorecard": overall.finish(),
        "scorecards": {by: cards.finish() for by, cards in groups.items()},
        "forecasters": [{k: v for k, v in card.items() if k != "calibration"} for card in forecaster_scorecards(session)],
    }


def scores_by_forecast(session: Session, ids: list[int] | None = None) -> dict[int, dict[str, Any]]:
    """Each resolved forecast's entry in the overall scorecard, by id; `ids` narrows them to those."""
    return {item.id: scored_forecast(item)
            for item in resolved_forecasts(session, tags=False, creators=False, ids=ids)}


def report_content(session: Session) -> dict[str, Any]:
    """Plain values for any rendering of the report (HTML, Markdown): the summary, and every
    live forecast with its `evidence`, its `events` and, once resolved, its `score`."""
    summary = report_summary(session)
    scores = scores_by_forecast(session)
    forecasts = session.scalars(select(Forecast).where(LIVE).order_by(Forecast.id)).all()
    evidence: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in session.scalars(select(Evidence).join(Forecast, Evidence.forecast_id == Forecast.id)
                               .where(LIVE).order_by(Evidence.id)):
        evidence[row.forecast_id].append(evidence_record(row))
    events: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in session.scalars(select(Event).join(Forecast, Event.forecast_id == Forecast.id)
                               .where(LIVE).order_by(Event.id)):
        events[row.forecast_id].append(event_record(row))
    return {**summary, "forecasts": [{**forecast_record(f), "evidence": evidence[f.id], "events": events[f.id],
                                      "score": scores.get(f.id)} for f in forecasts]}
