"""What `tracker report` shows: the counts, the scorecards, and every forecast with its story."""

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import dates
from tracker.services.records import event_record, evidence_record, forecast_record
from tracker.services.scorecards import ScoreRequest, resolved_forecasts, scorecards
from tracker.fields import GROUPINGS
from tracker.services.stats import LIVE, ledger_stats
from tracker.storage.models import Event, Evidence, Forecast


def report_summary(session: Session) -> dict[str, Any]:
    """The ledger-wide part of the report: counts, the overall scorecard, and group scorecards.

    Each value is plain; `scores` maps a resolved forecast's id to its entry in the overall
    scorecard, so a forecast's section can show how it scored.
    """
    resolved = list(resolved_forecasts(session))
    overall = scorecards(resolved, ScoreRequest())
    return {
        "generated_at": dates.utc_now(),
        "stats": ledger_stats(session),
        "scorecard": overall,
        "scorecards": {by: scorecards(resolved, ScoreRequest(by=by)) for by in GROUPINGS},
        "scores": {entry["id"]: entry for entry in overall["forecasts"]},
    }


def report_content(session: Session) -> dict[str, Any]:
    """Plain values for any rendering of the report (HTML, Markdown): the summary, and every
    live forecast with its `evidence`, its `events` and, once resolved, its `score`."""
    summary = report_summary(session)
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
                                      "score": summary["scores"].get(f.id)} for f in forecasts]}
