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


def report_content(session: Session) -> dict[str, Any]:
    """Plain values for any rendering of the report (HTML, Markdown).

    `scorecard` covers every resolved forecast; `scorecards` holds one list of group cards
    per grouping of `score --by`; each forecast carries its `evidence`, its `events` and,
    once resolved, its `score` (the per-forecast entry of the overall scorecard).
    """
    resolved = list(resolved_forecasts(session))
    overall = scorecards(resolved, ScoreRequest())
    scores = {entry["id"]: entry for entry in overall["forecasts"]}
    forecasts = session.scalars(select(Forecast).where(LIVE).order_by(Forecast.id)).all()
    evidence: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in session.scalars(select(Evidence).join(Forecast, Evidence.forecast_id == Forecast.id)
                               .where(LIVE).order_by(Evidence.id)):
        evidence[row.forecast_id].append(evidence_record(row))
    events: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in session.scalars(select(Event).join(Forecast, Event.forecast_id == Forecast.id)
                               .where(LIVE).order_by(Event.id)):
        events[row.forecast_id].append(event_record(row))
    return {
        "generated_at": dates.utc_now(),
        "stats": ledger_stats(session),
        "scorecard": overall,
        "scorecards": {by: scorecards(resolved, ScoreRequest(by=by)) for by in GROUPINGS},
        "forecasts": [{**forecast_record(f), "evidence": evidence[f.id], "events": events[f.id],
                       "score": scores.get(f.id)} for f in forecasts],
    }
