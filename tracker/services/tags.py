"""Tags as a whole: which there are, and renaming one across the ledger.

Tags are case-insensitive and kept in lower case (forecasts.clean_tag). A rename is an
`edited` tags event on each forecast that had the old tag, all in one change, so `undo`
takes it back whole; deleted forecasts cannot change and keep their tags.
"""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker import dates
from tracker.errors import InvalidInput, NotFound
from tracker.services.forecasts import change_tags, clean_tag
from tracker.storage.models import Forecast, ForecastTag


def list_tags(session: Session) -> list[dict[str, Any]]:
    """Every tag of a forecast that is not deleted, with how many such forecasts have it."""
    query = (select(ForecastTag.tag, func.count()).join(Forecast, Forecast.id == ForecastTag.forecast_id)
             .where(Forecast.deleted_at.is_(None)).group_by(ForecastTag.tag).order_by(ForecastTag.tag))
    return [{"tag": tag, "forecasts": count} for tag, count in session.execute(query)]


def rename_tag(session: Session, actor: str, old: str, new: str) -> int:
    """Rename tag `old` to `new` on every forecast (merging where it has both); return how many changed."""
    old, new = clean_tag(old), clean_tag(new)
    if old == new:
        raise InvalidInput(f"{old!r} and {new!r} are the same tag (tags ignore case); nothing to rename.")
    forecasts = list(session.scalars(
        select(Forecast).where(Forecast.deleted_at.is_(None),
                               Forecast.id.in_(select(ForecastTag.forecast_id).where(ForecastTag.tag == old)))
        .order_by(Forecast.id).with_for_update()))
    if not forecasts:
        raise NotFound(f"no forecast has tag {old!r}; `tracker tags` lists the tags in use.")
    now = dates.utc_now()
    for forecast in forecasts:
        change_tags(session, forecast, actor, now, (new,), (old,))
    return len(forecasts)
