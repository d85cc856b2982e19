"""Bundled seed sets: forecast objects in the interchange format, loaded idempotently by key."""

import json
from importlib.resources import files
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors import NotFound
from tracker.services.imports import create_from_object
from tracker.services.objects import read_forecast_object
from tracker.storage.locks import lock_key
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
    for name in dict.fromkeys(names or sets):
        for number, data in enumerate(sets[name]["forecasts"], start=1):
            item = read_forecast_object(f"seed set {name}, forecast {number}", data)
            # Another seed running at once waits here until this one commits, then skips.
            lock_key(session, item.key)
            if session.scalar(select(Forecast.id).where(Forecast.key == item.key)) is not None:
                skipped += 1
                continue
            create_from_object(session, actor, item, f"seed set {name}")
            added += 1
    return {"added": added, "unchanged": skipped}
