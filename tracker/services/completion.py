"""What shell completion offers from the ledger: forecast ids and keys, and tags."""

from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session

from tracker.storage.models import Forecast, ForecastTag

# Enough to choose from in a shell; a prefix narrows the rest.
MOST_CANDIDATES = 200


def forecast_names(session: Session, prefix: str) -> list[tuple[str, str]]:
    """Ids and keys of forecasts not deleted that start with `prefix`, each with its claim as help."""
    query = (select(Forecast.id, Forecast.key, Forecast.claim).where(Forecast.deleted_at.is_(None))
             .order_by(Forecast.id).limit(MOST_CANDIDATES))
    if prefix:
        query = query.where(or_(cast(Forecast.id, String).startswith(prefix, autoescape=True),
                                Forecast.key.startswith(prefix, autoescape=True)))
    names = []
    for forecast_id, key, claim in session.execute(query):
        names += [(str(forecast_id), claim), (key, claim)]
    return [(name, claim) for name, claim in names if name.startswith(prefix)]


def tag_names(session: Session, prefix: str) -> list[str]:
    """The tags in use that start with `prefix`."""
    query = select(ForecastTag.tag).distinct().order_by(ForecastTag.tag).limit(MOST_CANDIDATES)
    if prefix:
        query = query.where(ForecastTag.tag.startswith(prefix, autoescape=True))
    return list(session.scalars(query))
