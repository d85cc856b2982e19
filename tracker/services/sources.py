"""Sources: where forecasts come from, as records of their own.

A source is shared by the forecasts that cite it, so what it says is part of each of them:
an edit of a source is recorded as an `edited` event of field `source` on every forecast
citing it (deleted ones too), all in one change, and a forecast moved to another source
(`update --source`) the same way on that forecast alone. The events hold the source's fields
before and after (services/replay.py folds them), never its id, so an export carries them to
another ledger. A source no forecast cites is in no timeline: adding or editing it records no
event, as there is no history it could change.
"""

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker import dates
from tracker.errors import Conflict, InvalidInput, NotFound
from tracker.services.evidence import clean_url
from tracker.services.forecasts import MAX_ID, clean_text, find_or_create_source
from tracker.services.records import source_record
from tracker.services.replay import SOURCE_FIELDS
from tracker.services.timeline import record_event
from tracker.storage.locks import SOURCE_TITLE_SPACE, lock_key
from tracker.storage.models import Forecast, Source

# The fields `source edit` takes; the title cannot be emptied.
EDITABLE = SOURCE_FIELDS


def clean_source_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields given, as stored: text trimmed (empty text for none), the url a web address."""
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in EDITABLE:
            raise InvalidInput(f"{name} is not a field of a source; fields: {', '.join(EDITABLE)}.")
        if name == "title":
            cleaned[name] = clean_text(value, "source title", required=True)
        elif name == "url":
            cleaned[name] = clean_url(value)
        elif name == "published_on":
            if value is not None and value > dates.today():
                raise InvalidInput(f"the source's date {value} is in the future; a source is published "
                                   "on or before today.")
            cleaned[name] = value
        else:
            cleaned[name] = clean_text(value, f"source {name}")
    return cleaned


def source_view(source: Source, forecasts: int) -> dict[str, Any]:
    return {"id": source.id, **source_record(source), "forecasts": forecasts}


def find_source(session: Session, ref: str, *, for_update: bool = False) -> Source:
    """The source a SOURCE argument names: its id, or its exact title when only one has it."""
    ref = ref.strip()
    if ref.isdecimal() and int(ref) <= MAX_ID:
        source = session.get(Source, int(ref), with_for_update=for_update)
        if source is None:
            raise NotFound(f"no source with id {ref}; `tracker source list` shows what there is.")
        return source
    found = list(session.scalars(select(Source).where(Source.title == ref).order_by(Source.id).limit(10)))
    if not found:
        raise NotFound(f"no source titled {ref!r}; `tracker source list` shows what there is.")
    if len(found) > 1:
        raise Conflict(f"{len(found)} sources are titled {ref!r} (ids {', '.join(str(s.id) for s in found)}); "
                       "name one by its id.")
    if for_update:
        session.refresh(found[0], with_for_update=True)
    return found[0]


def add_source(session: Session, fields: dict[str, Any]) -> Source:
    """A new source; refused when one has exactly these fields already."""
    fields = clean_source_fields(fields)
    lock_key(session, fields["title"], SOURCE_TITLE_SPACE)
    query = select(Source.id)
    for name in EDITABLE:
        column = getattr(Source, name)
        query = query.where(column.is_(None) if fields.get(name) is None else column == fields[name])
    same = session.scalars(query.order_by(Source.id).limit(1)).first()
    if same is not None:
        raise Conflict(f"source {same} has exactly these fields; use it (`tracker source show {same}`).")
    source = Source(**{name: fields.get(name) for name in EDITABLE})
    session.add(source)
    session.flush()
    return source


def citing_counts(session: Session, source_ids: list[int] | None = None) -> dict[int, int]:
    """How many forecasts, not deleted, cite each source."""
    query = (select(Forecast.source_id, func.count()).where(Forecast.deleted_at.is_(None),
                                                             Forecast.source_id.is_not(None))
             .group_by(Forecast.source_id))
    if source_ids is not None:
        query = query.where(Forecast.source_id.in_(source_ids))
    return {source_id: count for source_id, count in session.execute(query)}


def list_sources(session: Session) -> list[dict[str, Any]]:
    counts = citing_counts(session)
    return [source_view(source, counts.get(source.id, 0))
            for source in session.scalars(select(Source).order_by(Source.id))]


def show_source(session: Session, ref: str) -> dict[str, Any]:
    """A source and the forecasts that cite it (deleted ones left out)."""
    source = find_source(session, ref)
    cited_by = list(session.scalars(select(Forecast).where(Forecast.source_id == source.id,
                                                            Forecast.deleted_at.is_(None)).order_by(Forecast.id)))
    record = source_view(source, len(cited_by))
    record["cited_by"] = [{"id": f.id, "key": f.key, "claim": f.claim, "status": f.status} for f in cited_by]
    return record


def edit_source(session: Session, ref: str, actor: str, fields: dict[str, Any], *,
                note: str | None = None) -> tuple[Source, bool, int]:
    """Change a source's fields; return it, whether anything changed, and how many forecasts'
    timelines recorded the change."""
    if not fields:
        raise InvalidInput("nothing to change; give --title, --author, --outlet, --url, --date or --notes.")
    fields = clean_source_fields(fields)
    source = find_source(session, ref)
    # The one lock order of every write: the forecasts (in id order), then what they hold.
    citing = list(session.scalars(select(Forecast).where(Forecast.source_id == source.id)
                                  .order_by(Forecast.id).with_for_update()))
    session.refresh(source, with_for_update=True)
    old = source_record(source)
    for name, value in fields.items():
        setattr(source, name, value)
    new = source_record(source)
    if new == old:
        return source, False, 0
    note = clean_text(note, "note")
    now = dates.utc_now()
    for forecast in citing:
        record_event(session, forecast, actor, "edited", now, field="source", old=old, new=new, note=note)
    return source, True, len(citing)


def cite_source(session: Session, forecast: Forecast, actor: str, at: dt.datetime, ref: str, *,
                note: str | None = None, cited: list[int] = ()) -> None:
    """Move a (locked) forecast to the source `ref` names (an id, or a title: a new source when
    none has it), or to none when `ref` is empty, as an `edited` event."""
    if not ref.strip():
        source = None
    else:
        try:
            source = find_source(session, ref)
        except NotFound:
            if ref.strip().isdecimal():
                raise
            source = find_or_create_source(session, {"title": ref})
    if (source and source.id) == forecast.source_id:
        return
    old = source_record(forecast.source)
    forecast.source = source
    record_event(session, forecast, actor, "edited", at, field="source", old=old, new=source_record(source),
                 note=note, cited=cited)


def restore_source(session: Session, forecast: Forecast, fields: dict[str, Any] | None, *, in_place: bool) -> None:
    """Give a forecast back the source `fields` describe (undo): `in_place`, by setting its
    source's own fields (the undo of `source edit`); otherwise by citing the first source with
    exactly those fields, added if there is none."""
    if fields is None:
        forecast.source = None
        return
    if in_place and forecast.source is not None:
        for name in EDITABLE:
            setattr(forecast.source, name, fields[name])
        return
    lock_key(session, fields["title"], SOURCE_TITLE_SPACE)
    query = select(Source)
    for name in EDITABLE:
        column = getattr(Source, name)
        query = query.where(column.is_(None) if fields[name] is None else column == fields[name])
    source = session.scalars(query.order_by(Source.id).limit(1)).first()
    if source is None:
        source = Source(**fields)
        session.add(source)
    forecast.source = source
