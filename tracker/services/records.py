"""Plain-value views of ledger rows: the dicts every command returns and every format renders.

Keys are the field names of SPEC section 1; dates and timestamps stay Python values so each
renderer can show them its own way. Each record is read from attributes named as the columns,
so an ORM object and a named tuple of its table's columns (what export reads) give the same
record.
"""

import json
from typing import Any

from tracker.statuses import is_final
from tracker.storage.models import Change, Event, Evidence, Forecast, Source


def source_record(source: Source | tuple | None) -> dict[str, Any] | None:
    if source is None:
        return None
    return {
        "title": source.title,
        "author": source.author,
        "outlet": source.outlet,
        "url": source.url,
        "published_on": source.published_on,
        "notes": source.notes,
    }


def forecast_record(forecast: Forecast) -> dict[str, Any]:
    return forecast_row_record(forecast, forecast.source, forecast.tags)


def as_shown(record: dict[str, Any]) -> dict[str, Any]:
    """A forecast's record as `show`, `list` and `review` give it: a settled forecast has no next
    review. (The ledger keeps the date, which the fold and the interchange format carry, and a
    reopened forecast is due again from it.)"""
    if record["next_review_on"] is not None and is_final(record["status"]):
        record["next_review_on"] = None
    return record


def forecast_row_record(forecast: Forecast | tuple, source: Source | tuple | None, tags: list[str]) -> dict[str, Any]:
    """The record of a forecast's columns, given its source and its tags in order."""
    return {
        "id": forecast.id,
        "key": forecast.key,
        "claim": forecast.claim,
        "criteria": forecast.criteria,
        "source": source_record(source),
        "made_on": forecast.made_on,
        "resolve_by": forecast.resolve_by,
        "probability": forecast.probability,
        "status": forecast.status,
        "tags": tags,
        "review_every": forecast.review_every,
        "next_review_on": forecast.next_review_on,
        "created_at": forecast.created_at,
        "updated_at": forecast.updated_at,
        "version": forecast.version,
        "deleted_at": forecast.deleted_at,
        "options": forecast.options,
        "outcome": forecast.outcome,
        "aggregate": forecast.aggregate,
    }


def evidence_record(evidence: Evidence | tuple) -> dict[str, Any]:
    return {
        "id": evidence.id,
        "forecast_id": evidence.forecast_id,
        "summary": evidence.summary,
        "url": evidence.url,
        "observed_on": evidence.observed_on,
        "stance": evidence.stance,
        "added_at": evidence.added_at,
        "added_by": evidence.added_by,
        "retracted_at": evidence.retracted_at,
        "retracted_by": evidence.retracted_by,
        "retraction_reason": evidence.retraction_reason,
    }


# The kinds of event that cite evidence: why a status changed, or an estimate moved.
# Events that may cite evidence (the reason for a move, an estimate or an edit), and those whose
# records always carry `evidence_ids`; an edit's record has them only when it cites some.
CITING_KINDS = ("status_changed", "estimate", "edited")
ALWAYS_CITING_KINDS = ("status_changed", "estimate")


def event_record(event: Event) -> dict[str, Any]:
    """An event with `at`, `actor`, `kind` and only the fields its kind uses."""
    cited = [c.evidence_id for c in event.cited] if event.kind in CITING_KINDS else []
    return event_row_record(event, cited)


def event_row_record(event: Event | tuple, cited: list[int]) -> dict[str, Any]:
    """The record of an event's columns, given the ids of the evidence it cites in order."""
    record: dict[str, Any] = {
        "id": event.id,
        "forecast_id": event.forecast_id,
        "version": event.version,
        "change": event.change_id,
        "at": event.at,
        "actor": event.actor,
        "kind": event.kind,
    }
    if event.kind == "status_changed":
        record.update({"from": event.from_status, "to": event.to_status})
    if event.kind in ALWAYS_CITING_KINDS or cited:
        record["evidence_ids"] = cited
    if event.field is not None:
        record["field"] = event.field
    if event.old_value is not None or event.kind == "edited":
        record["old"] = decode_value(event.old_value)
    if event.new_value is not None or event.kind == "edited":
        record["new"] = decode_value(event.new_value)
    if event.evidence_id is not None:
        record["evidence_id"] = event.evidence_id
    if event.note is not None or event.kind in ("status_changed", "deleted", "reviewed", "snoozed", "estimate", "undone"):
        record["note"] = event.note
    return record


def change_record(change: Change | tuple) -> dict[str, Any]:
    """What one command did: who, when, which command, why, and the change it took back if any."""
    return {"id": change.id, "actor": change.actor, "at": change.at, "command": change.command,
            "note": change.note, "undoes": change.undoes}


def encode_value(value: Any) -> str:
    """JSON text for an event's old/new value; dates become ISO strings."""
    return json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)


def decode_value(text: str | None) -> Any:
    return None if text is None else json.loads(text)
