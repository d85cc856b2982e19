"""Bundled seed sets: forecast objects in the interchange format, loaded idempotently by key."""

import datetime as dt
import json
from importlib.resources import files
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors import InvalidInput, NotFound
from tracker.services.forecasts import DEFAULT_REVIEW_EVERY, ForecastDraft, create_forecast, record_status_change
from tracker.storage.models import Forecast


def available_sets() -> dict[str, dict[str, Any]]:
    """Every seed set shipped with tracker, by name."""
    found = {}
    for entry in sorted(files("tracker.seeds").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            content = json.loads(entry.read_text(encoding="utf-8"))
            found[content["name"]] = content
    return found


def describe_sets(session: Session) -> list[dict[str, Any]]:
    """The seed sets with how many of their forecasts this ledger already holds."""
    result = []
    for name, content in available_sets().items():
        keys = [item["key"] for item in content["forecasts"]]
        present = session.scalars(select(Forecast.key).where(Forecast.key.in_(keys))).all()
        result.append({"name": name, "description": content["description"],
                       "forecasts": len(keys), "loaded": len(present)})
    return result


def load_sets(session: Session, actor: str, names: tuple[str, ...]) -> dict[str, int]:
    """Add the forecasts of the named sets (all when none are named) that the ledger lacks.

    Forecasts whose key is already present are left as they are, so seeding again changes
    nothing and never undoes a user's edits.
    """
    sets = available_sets()
    unknown = [name for name in names if name not in sets]
    if unknown:
        raise NotFound(f"no seed set {', '.join(map(repr, unknown))}; available: {', '.join(sets)}.")
    added = skipped = 0
    for name in names or tuple(sets):
        for item in sets[name]["forecasts"]:
            if session.scalar(select(Forecast.id).where(Forecast.key == item["key"])) is not None:
                skipped += 1
                continue
            forecast = create_forecast(session, actor, draft_from_object(item), note=f"seed set {name}")
            if item.get("status", "open") != forecast.status:
                record_status_change(session, forecast, actor, forecast.updated_at, item["status"],
                                     f"seed set {name}", ())
            added += 1
    return {"added": added, "unchanged": skipped}


def draft_from_object(item: dict[str, Any]) -> ForecastDraft:
    """A ForecastDraft from an interchange-format forecast object."""
    source = item.get("source")
    if source and source.get("published_on"):
        source = {**source, "published_on": _date(source["published_on"], "source.published_on")}
    return ForecastDraft(
        claim=item.get("claim") or "",
        key=item.get("key"),
        criteria=item.get("criteria"),
        source=source,
        made_on=_date(item.get("made_on"), "made_on"),
        resolve_by=_date(item.get("resolve_by"), "resolve_by"),
        probability=item.get("probability"),
        tags=list(item.get("tags") or []),
        review_every=item.get("review_every") or DEFAULT_REVIEW_EVERY,
    )


def _date(value: str | None, field: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{field} {value!r} is not an ISO date (YYYY-MM-DD).") from None
