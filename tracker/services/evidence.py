"""The evidence ledger: dated observations attached to a forecast, retracted but never deleted."""

import datetime as dt
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from tracker import dates
from tracker.errors import Conflict, InvalidInput, NotFound
from tracker.services.forecasts import MAX_ID, clean_text, evidence_of, find_forecast, find_live_forecast
from tracker.services.timeline import record_event
from tracker.fields import STANCES
from tracker.storage.models import Evidence, Forecast


def clean_url(url: str | None) -> str | None:
    url = clean_text(url, "url")
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(f"{url!r} is not a web address; give one starting with https:// or http://.")
    return url


def check_observed_on(day: dt.date) -> dt.date:
    """The day evidence was observed, which cannot be in the future."""
    if day > dates.today():
        raise InvalidInput(f"observed-on {day} is in the future; evidence is something that has happened.")
    return day


def add_evidence(session: Session, ref: str, actor: str, summary: str, *, url: str | None = None,
                 observed_on: dt.date | None = None, stance: str = "context",
                 at: dt.datetime | None = None, note: str | None = None,
                 recorded_elsewhere: bool = False) -> Evidence:
    """Add a piece of evidence. `recorded_elsewhere`: a comment another tracker dated, whose UTC
    date may be tomorrow in this time zone (it is kept, not refused as in the future)."""
    fields = evidence_fields(summary, url=url, observed_on=observed_on, stance=stance,
                             recorded_elsewhere=recorded_elsewhere)
    forecast = find_live_forecast(session, ref)
    now = at or dates.utc_now()
    evidence = Evidence(forecast_id=forecast.id, added_at=now, added_by=actor, **fields)
    session.add(evidence)
    session.flush()
    record_event(session, forecast, actor, "evidence_added", now, evidence_id=evidence.id, note=note)
    return evidence


def evidence_fields(summary: str, *, url: str | None = None, observed_on: dt.date | None = None,
                    stance: str = "context", recorded_elsewhere: bool = False) -> dict:
    """The checked fields of a new piece of evidence (see `add_evidence`)."""
    summary = clean_text(summary, "evidence summary", required=True)
    if stance not in STANCES:
        raise InvalidInput(f"{stance!r} is not a stance; use one of {', '.join(STANCES)}.")
    observed_on = observed_on or dates.today()
    if not recorded_elsewhere:
        check_observed_on(observed_on)
    return {"summary": summary, "url": clean_url(url), "observed_on": observed_on, "stance": stance}


def locked_evidence(session: Session, evidence_id: int) -> tuple[Evidence, Forecast]:
    """A piece of evidence to change and its forecast, locked in the one lock order of every
    write: the forecast, then its evidence (as undo takes them)."""
    evidence = session.get(Evidence, evidence_id) if 0 < evidence_id <= MAX_ID else None
    if evidence is None:
        raise NotFound(f"no evidence with id {evidence_id}; `tracker evidence list ID` shows a forecast's evidence.")
    forecast = session.get(Forecast, evidence.forecast_id, with_for_update=True)
    session.refresh(evidence, with_for_update=True)
    return evidence, forecast


def check_live(evidence: Evidence, forecast: Forecast) -> None:
    if forecast.deleted_at is not None:
        raise Conflict(f"evidence {evidence.id} belongs to deleted forecast {forecast.id}; it cannot be changed.")


def edit_evidence(session: Session, evidence_id: int, actor: str, fields: dict, *,
                  note: str | None = None) -> tuple[Evidence, bool]:
    """Change a piece of evidence's summary, url, stance or observed date, as one
    `evidence_edited` event holding the fields changed, before and after; say whether
    anything changed. Retracted evidence may be corrected too: it stays visible."""
    if not fields:
        raise InvalidInput("nothing to change; give --summary, --url, --stance or --observed-on.")
    cleaned = {}
    for name, value in fields.items():
        if name == "summary":
            cleaned[name] = clean_text(value, "evidence summary", required=True)
        elif name == "url":
            cleaned[name] = clean_url(value)
        elif name == "stance":
            if value not in STANCES:
                raise InvalidInput(f"{value!r} is not a stance; use one of {', '.join(STANCES)}.")
            cleaned[name] = value
        elif name == "observed_on":
            if value is None or value > dates.today():
                raise InvalidInput(f"observed-on {value} is in the future; evidence is something that has happened."
                                   if value else "observed-on needs a date.")
            cleaned[name] = value
        else:
            raise InvalidInput(f"{name} is not a field of evidence an edit can change.")
    evidence, forecast = locked_evidence(session, evidence_id)
    check_live(evidence, forecast)
    old = {name: getattr(evidence, name) for name in cleaned if getattr(evidence, name) != cleaned[name]}
    if not old:
        return evidence, False
    new = {name: cleaned[name] for name in old}
    for name, value in new.items():
        setattr(evidence, name, value)
    record_event(session, forecast, actor, "evidence_edited", dates.utc_now(), evidence_id=evidence.id,
                 old=old, new=new, note=clean_text(note, "note"))
    return evidence, True


def retract_evidence(session: Session, evidence_id: int, actor: str, reason: str, *,
                     at: dt.datetime | None = None) -> Evidence:
    reason = clean_text(reason, "reason", required=True)
    evidence, forecast = locked_evidence(session, evidence_id)
    if evidence.retracted_at is not None:
        raise Conflict(f"evidence {evidence_id} was already retracted by {evidence.retracted_by} "
                       f"on {evidence.retracted_at:%Y-%m-%d}: {evidence.retraction_reason}")
    check_live(evidence, forecast)
    now = at or dates.utc_now()
    evidence.retracted_at = now
    evidence.retracted_by = actor
    evidence.retraction_reason = reason
    record_event(session, forecast, actor, "evidence_retracted", now, evidence_id=evidence.id, note=reason)
    return evidence


def list_evidence(session: Session, ref: str) -> list[dict]:
    return evidence_of(session, find_forecast(session, ref).id)
