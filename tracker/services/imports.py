"""Import: forecast objects from a file into the ledger, all or nothing, upserting by key.

Two kinds of object arrive:

- a full-fidelity object (one with `events`, as `tracker export` writes it) whose key is new is
  restored as it was: its fields, evidence and timeline are copied, events and all, through the
  bulk path. Its ids are kept where they are free in this ledger; where any is taken, the
  forecast, its evidence or its events get the next free ids, and the events that name
  evidence are rewritten to the new evidence ids.
- any other object whose key is new (a bare object, a CSV row) is created by the importing
  user now, and resolved, given evidence or deleted as it says, each change an event noting
  the file it came from.

An object whose key is already in the ledger updates that forecast: each field it carries
that differs becomes an `edited` or `status_changed` event by the importing user, noting the
file; evidence it has that the forecast lacks is added, retractions and deletion are applied.
An object equal to the forecast changes nothing. An object without a key is matched the same
way to a forecast with the same claim, source and made-on date (see `find_twin`), so that a
file without keys imported twice adds nothing the second time. Another tracker's question (services/foreign/,
always a full-fidelity object) merges instead: what its later export adds is appended
(foreign/merge.py), and a forecast deleted here is left alone.

The first pass reads and checks the whole file and restores new full-fidelity objects in
bulk; the second re-reads the file and applies the rest in the file's order: new objects that
can have no twin (their key is new, or nothing else has their claim) are written in bulk as
the timelines the services would make of them (services/new_forecasts.py), the others (updates,
objects matched to a twin) go through the ordinary services one at a time.
"""

import datetime as dt
import gc
from array import array
from collections.abc import Callable, Container, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import Any

import msgspec
from msgspec import UNSET
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import dates
from tracker.errors import Conflict, TrackerError
from tracker.services.evidence import add_evidence, retract_evidence
from tracker.services.file_keys import FileKeys
from tracker.services.forecasts import (
    DEADLINE_FLAG,
    EDITABLE_FIELDS,
    apply_edit,
    change_tags,
    create_forecast,
    delete_forecast,
    new_source_fields,
    record_status_change,
    source_wanted,
)
from tracker.services.new_forecasts import ClaimCounts, NewForecasts
from tracker.services.objects import SOURCE_FIELDS, ForecastObject, forecast_object
from tracker.services.readers import ImportFile, Progress
from tracker.services.timeline import current_change, note_change
from tracker.storage.bulk import (
    BulkInsert,
    highest_id,
    indexes_set_aside,
    prepare_bulk_writes,
    sync_id_sequences,
)
from tracker.storage.folding import search_text
from tracker.storage.models import Change, Event, EventCitation, Evidence, Forecast, ForecastTag, Source

# Objects read, checked and looked up together: a hundred hold a few megabytes decoded.
BATCH = 100


@dataclass
class ImportCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    # Objects without a key that were found in the ledger by claim, source and made-on.
    matched: int = 0
    # What an import of another tracker's files read, and what it found odd but kept.
    notes: list[str] = field(default_factory=list)
    left_deleted: int = 0
    # Forecasts without a timeline of their own (CSV rows) whose deadline is before the day they
    # were made: kept, tagged flag:deadline-before-creation.
    deadlines_kept: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> list[str]:
        """The lines the import's summary adds to its counts."""
        deleted = [f"{self.left_deleted} deleted in this ledger left as "
                   f"{'it is' if self.left_deleted == 1 else 'they are'}."] if self.left_deleted else []
        kept = self.deadlines_kept
        deadlines = [f"{kept} {'deadline' if kept == 1 else 'deadlines'} before creation kept "
                     f"(tagged {DEADLINE_FLAG})."] if kept else []
        return self.notes + deadlines + deleted


def import_file(session: Session, actor: str, file: ImportFile, *,
                progress: Progress | None = None) -> ImportCounts:
    """Bring every forecast of the file into the ledger, or raise and change nothing."""
    counts = ImportCounts()
    note_change(session, f"imported from {file.name}")
    prepare_bulk_writes(session, TABLES)
    restorer = Restorer(session, actor)
    file_keys = FileKeys()
    claims = ClaimCounts()
    later = bytearray()  # a bit for each object the second pass applies, by its number
    number = 0
    with indexes_set_aside(session, BULK_TABLES):
        for objects in _batches(forecast_object(where, data) for where, data in file.records(progress, actor=actor)):
            keys = [item.key for item in objects if item.key is not None]
            found = dict(session.execute(select(Forecast.key, Forecast.id).where(Forecast.key.in_(keys))).all()) \
                if keys else {}
            _refuse_keys_met_twice(file, actor, objects, found, file_keys, restorer.forecast_ids.floor)
            for item in objects:
                if item.full and item.key not in found:
                    _report(item.where, restorer.add, item)
                    counts.added += 1
                else:
                    _mark(later, number)
                    claims.count(item.claim)
                    claims.keyless |= item.key is None and not item.full
                    if item.key is not None:
                        file_keys.given(item.key)
                number += 1
            restorer.flush()
        sync_id_sequences(session.connection(), TABLES)
        notes = file.notes  # the first reading's: the second reads only to apply what is left
        if later:
            if claims.keyless:
                claims.count_ledger(session)
            _apply_later(session, actor, file, later, counts, restorer, NewForecasts(
                session, restorer, actor, f"imported from {file.name}", file_keys), claims)
    if notes is not None:
        counts.notes = notes.lines()
    counts.notes = file.encoding_notes() + counts.notes
    return counts


TABLES = (Source.__table__, Forecast.__table__, Evidence.__table__, Change.__table__, Event.__table__)
BULK_TABLES = (Forecast.__table__, ForecastTag.__table__, Evidence.__table__, Change.__table__, Event.__table__,
               EventCitation.__table__)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for a batch of new forecasts made in bulk: they hold no
    cycles, and the collector would only scan them (about a seventh of the time). Not for longer:
    the queries between batches leave cycles that only the collector frees."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _refuse_keys_met_twice(file: ImportFile, actor: str, objects: list[ForecastObject], found: dict[str, int],
                           file_keys: FileKeys, floor: int) -> None:
    """Refuse a key the file gave before: to an object of this batch, to one restored by this import
    (in the ledger already, above the ids it held before), or to one left for the second pass
    (FileKeys, made sure of by reading the file again). Each is read and checked once, whatever
    the size of the file, and no set of every key is kept."""
    in_batch = set()
    for item in objects:
        key = item.key
        if key is None:
            continue
        if key in in_batch or found.get(key, 0) > floor or (key in file_keys and _key_before(file, actor, key,
                                                                                            item.where)):
            raise Conflict(f"{item.where}, field 'key': {key!r} appears twice in {file.name}; "
                           "each forecast may appear once.")
        in_batch.add(key)


def _key_before(file: ImportFile, actor: str, key: str, where: str) -> bool:
    """Whether a record of the file before `where` has this key: the file read again, for a key
    whose hash was given before (FileKeys)."""
    notes = file.notes  # what the reading under way has found so far, which another reading starts anew
    try:
        for earlier, data in file.records(actor=actor):
            if earlier == where:
                return False
            if forecast_object(earlier, data).key == key:
                return True
        return False
    finally:
        file.notes = notes


def _batches(items: Iterator[ForecastObject]) -> Iterator[list[ForecastObject]]:
    """BATCH objects at a time; a batch ends early at an object read from a long line, so that
    a file of long timelines holds one line at a time."""
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == BATCH or item.long:
            yield batch
            batch = []
    if batch:
        yield batch


def _report(where: str, action: Callable, *args):
    """Run one object's change, naming the object in any complaint."""
    try:
        return action(*args)
    except TrackerError as exc:
        if str(exc).startswith(where):
            raise
        raise type(exc)(f"{where}: {exc}") from None


def _apply_later(session: Session, actor: str, file: ImportFile, numbers: bytearray, counts: ImportCounts,
                 restorer: "Restorer", made: NewForecasts, claims: ClaimCounts) -> None:
    """Apply, in the file's order, the objects the first pass left: new forecasts that can have
    no twin are made in bulk, the rest (updates, twins) one at a time through the services."""
    note = f"imported from {file.name}"
    now = dates.utc_now()
    records = _numbered(file.records(actor=actor), numbers)
    for objects in _batches(forecast_object(where, data) for where, data in records):
        keys = [item.key for item in objects if item.key is not None]
        present = set(session.scalars(select(Forecast.key).where(Forecast.key.in_(keys)))) if keys else set()
        new = [not item.full and (item.key not in present if item.key is not None else claims.once(item.claim))
               for item in objects]
        made.look_up_keys([item for item, bulk in zip(objects, new) if bulk])
        # The services make objects with cycles the collector must gather; made in bulk, none.
        with _collector_paused() if all(new) else nullcontext():
            for item, bulk in zip(objects, new):
                if bulk:
                    created = _report(item.where, made.add, item)
                    counts.added += 1
                    counts.deadlines_kept += _deadline_before_creation(created)
                else:
                    restorer.hand_over()
                    _apply_one(session, actor, file.origin is not None, item, now, note, counts, made.reserved_keys)
        restorer.flush()
        made.written()
    sync_id_sequences(session.connection(), TABLES)


def _numbered(records: Iterator[tuple[str, Any]], numbers: bytearray) -> Iterator[tuple[str, Any]]:
    """The records whose numbers (counted from 0) are marked in `numbers` (see `_mark`)."""
    last = len(numbers) * 8
    for number, record in enumerate(records):
        if number >= last:
            return
        if _marked(numbers, number):
            yield record


def _deadline_before_creation(forecast) -> bool:
    return forecast.resolve_by is not None and forecast.resolve_by < forecast.made_on


def _apply_one(session: Session, actor: str, foreign: bool, item: ForecastObject, now: dt.datetime, note: str,
               counts: ImportCounts, reserved_keys: FileKeys) -> None:
    """Create, update or leave one forecast as the object says, through the services."""
    where = item.where
    forecast = None
    if item.key is not None:
        forecast = session.scalars(select(Forecast).where(Forecast.key == item.key)).first()
    elif not foreign and (forecast := find_twin(session, item)) is not None:
        counts.matched += 1
    deadline = None if forecast is None else forecast.resolve_by
    if forecast is None:
        created = _report(where, create_from_object, session, actor, item, note, reserved_keys)
        reserved_keys.add(created.key)
        counts.added += 1
        counts.deadlines_kept += _deadline_before_creation(created)
    elif foreign and forecast.deleted_at is not None:
        # Deleted here by choice: another tracker's later export does not bring it back,
        # nor stop the rest of the import.
        counts.left_deleted += 1
        counts.unchanged += 1
    elif _report(where, _update, session, actor, forecast, item, now, note, foreign):
        counts.updated += 1
        if forecast.resolve_by != deadline and _deadline_before_creation(forecast) and not foreign:
            counts.deadlines_kept += 1
    else:
        counts.unchanged += 1


def find_twin(session: Session, item: ForecastObject) -> Forecast | None:
    """The forecast an object without a key stands for: the same claim (ends stripped), the same
    source (title, and author and outlet where the object gives them, as `add` finds a source)
    or none on both sides, made on the object's made-on date (any date, if the object gives
    none). Among several, the lowest id of those not deleted, else the lowest id."""
    query = select(Forecast).where(Forecast.claim == item.claim.strip())
    if item.made_on is not None:
        query = query.where(Forecast.made_on == item.made_on)
    candidates = [forecast for forecast in session.scalars(query.order_by(Forecast.id))
                  if _same_source(forecast.source, item.source)]
    live = [forecast for forecast in candidates if forecast.deleted_at is None]
    return (live or candidates or [None])[0]


def _same_source(held: Source | None, given: dict[str, Any] | None) -> bool:
    if held is None or given is None:
        return held is None and given is None
    if held.title != (given.get("title") or "").strip():
        return False
    return all(given.get(name) is None or getattr(held, name) == given[name] for name in ("author", "outlet"))


def _update(session: Session, actor: str, forecast: Forecast, item: ForecastObject, at: dt.datetime,
            note: str, foreign: bool) -> bool:
    """Bring the forecast up to date with the object: as a file of tracker's own says it is, or,
    for another tracker's question, by adding what its later export has that the ledger lacks."""
    if not foreign:
        return update_from_object(session, actor, forecast, item, at, note)
    from tracker.services.foreign.merge import merge_question

    new_evidence, _ = _evidence_changes(session, forecast, item)
    return merge_question(session, actor, forecast, item, at, note, new_evidence)


def create_from_object(session: Session, actor: str, item: ForecastObject, note: str,
                       reserved_keys: Container[str] = frozenset()) -> Forecast:
    """A new forecast made now by `actor` from an object, then resolved and evidenced as it says;
    a key made for it is none of `reserved_keys`."""
    forecast = create_forecast(session, actor, item.draft(), note=note, recorded_elsewhere=True,
                               reserved_keys=reserved_keys)
    at = forecast.updated_at
    for evidence in item.evidence:
        added = add_evidence(session, str(forecast.id), actor, evidence.summary, url=evidence.url,
                             observed_on=evidence.observed_on, stance=evidence.stance, at=at, note=note)
        if evidence.retracted:
            retract_evidence(session, added.id, actor, evidence.retraction_reason or note, at=at)
    if item.status != forecast.status:
        record_status_change(session, forecast, actor, at, item.status, note, (), outcome=item.outcome)
    if item.deleted_at is not None:
        delete_forecast(session, str(forecast.id), actor, note, at=at)
    return forecast


def update_from_object(session: Session, actor: str, forecast: Forecast, item: ForecastObject,
                       at: dt.datetime, note: str) -> bool:
    """Make the forecast say what the object says, field by field; True if anything changed."""
    version = forecast.version
    edits = {name: getattr(item, name) for name in EDITABLE_FIELDS
             if name in item.given and getattr(item, name) != getattr(forecast, name)}
    tags_differ = "tags" in item.given and item.tags != forecast.tags
    status_differs = "status" in item.given and (item.status, item.outcome) != (forecast.status, forecast.outcome)
    new_evidence, retractions = _evidence_changes(session, forecast, item)
    deleting = item.deleted_at is not None and forecast.deleted_at is None
    if not (edits or tags_differ or status_differs or new_evidence or retractions or deleting):
        return False
    if forecast.deleted_at is not None:
        raise Conflict(f"forecast {forecast.id} ({forecast.key}) is deleted in this ledger and cannot be changed.")
    for name, value in edits.items():
        # A deadline before the day the forecast was made is kept, as on creation, and flagged.
        apply_edit(session, forecast, actor, at, name, value, note=note, recorded_elsewhere=name == "resolve_by")
    if tags_differ:
        change_tags(session, forecast, actor, at, tuple(sorted(set(item.tags) - set(forecast.tags))),
                    tuple(sorted(set(forecast.tags) - set(item.tags))), note=note)
    if "resolve_by" in edits and forecast.resolve_by is not None and forecast.resolve_by < forecast.made_on:
        change_tags(session, forecast, actor, at, (DEADLINE_FLAG,), (), note=note)
    for evidence in new_evidence:
        added = add_evidence(session, str(forecast.id), actor, evidence.summary, url=evidence.url,
                             observed_on=evidence.observed_on, stance=evidence.stance, at=at, note=note)
        if evidence.retracted:
            retractions.append((added.id, evidence.retraction_reason))
    for evidence_id, reason in retractions:
        retract_evidence(session, evidence_id, actor, reason or note, at=at)
    if status_differs:
        record_status_change(session, forecast, actor, at, item.status, note, (), outcome=item.outcome)
    if deleting:
        delete_forecast(session, str(forecast.id), actor, note, at=at)
    return forecast.version != version


def _evidence_changes(session: Session, forecast: Forecast, item: ForecastObject):
    """The object's evidence the forecast lacks, and the retractions it has that the forecast lacks.

    Each piece of the object is matched to one piece of the forecast's, never two to the same:
    by id when it carries the forecast's own, else by what it says (an unknown observed date
    matches any), preferring a piece retracted or standing as it is.
    """
    if not item.evidence:
        return [], []
    held = {row.id: row for row in
            session.scalars(select(Evidence).where(Evidence.forecast_id == forecast.id).order_by(Evidence.id))}
    new, retractions = [], []
    for evidence in item.evidence:
        match = _matching_evidence(held, evidence)
        if match is None:
            new.append(evidence)
            continue
        del held[match.id]
        if evidence.retracted and match.retracted_at is None:
            retractions.append((match.id, evidence.retraction_reason))
    return new, retractions


def _matching_evidence(held: dict[int, Evidence], evidence) -> Evidence | None:
    summary, url, observed_on, stance = evidence.identity()

    def alike(row: Evidence) -> bool:
        return (row.summary, row.url, row.stance) == (summary, url, stance) and \
            (observed_on is None or row.observed_on == observed_on)

    if evidence.id in held and alike(held[evidence.id]):
        return held[evidence.id]
    candidates = [row for row in held.values() if alike(row)]
    same_state = [row for row in candidates if (row.retracted_at is not None) == evidence.retracted]
    return (same_state or candidates or [None])[0]


def _json_text(value: Any) -> str:
    """An event's old or new value as stored: JSON with sorted keys (as `records.encode_value`
    writes it, less the spaces), for values that came from JSON and so need no conversion."""
    return msgspec.json.encode(value, order="sorted").decode()


class IdPool:
    """Ids for restored rows: the file's own where they are free, the next unused ones otherwise.

    Free means above every id the ledger held when the import began and not yet given out by
    this import; a bitmap remembers which ones were, so memory stays small for millions.
    """

    WINDOW = 2**28  # file ids further than this above the ledger's are renumbered

    def __init__(self, highest: int) -> None:
        self.floor = self.top = highest
        self.taken = bytearray()

    def _is_free(self, n: int) -> bool:
        offset = n - self.floor
        if not 0 < offset < self.WINDOW:
            return False
        return not _marked(self.taken, offset)

    def _take(self, n: int) -> None:
        _mark(self.taken, n - self.floor)
        self.top = max(self.top, n)

    def skip_to(self, highest: int) -> None:
        """Give out no id up to `highest`: rows were added meanwhile by other means (a few)."""
        for n in range(self.top + 1, highest + 1):
            self._take(n)

    def _give_back(self, n: int) -> None:
        offset = n - self.floor
        self.taken[offset >> 3] &= ~(1 << (offset & 7))

    def claim(self, wanted: Sequence[int | None]) -> Sequence[int]:
        """Ids for a group of rows: all of the wanted ones (none: None or 0) if all are free and none
        is wanted twice, else all new, in order. The wanted ones are taken as they are checked for
        repeats, and given back at the first repeat, so that a long timeline's ids need no set of
        their own."""
        top = self.top
        if all(n and self._is_free(n) for n in wanted):
            for count, n in enumerate(wanted):
                if not self._is_free(n):  # wanted twice
                    for given in islice(wanted, count):
                        self._give_back(given)
                    self.top = top
                    break
                self._take(n)
            else:
                return wanted
        ids = range(top + 1, top + 1 + len(wanted))
        for n in ids:
            self._take(n)
        return ids


def _mark(bitmap: bytearray, offset: int) -> None:
    """Set the bit `offset` of `bitmap`, which grows by an eighth at a time: doubled, a restore's
    bitmaps of a million forecasts' ids kept up to half of their megabytes unused."""
    if offset >> 3 >= len(bitmap):
        bitmap.extend(bytes(max(offset >> 3, len(bitmap) + len(bitmap) // 8) + 1 - len(bitmap)))
    bitmap[offset >> 3] |= 1 << (offset & 7)


def _marked(bitmap: bytearray, offset: int) -> bool:
    """Whether `_mark` set the bit `offset` of `bitmap` (a bit past its end is not set)."""
    return offset >> 3 < len(bitmap) and bool(bitmap[offset >> 3] & (1 << (offset & 7)))


class ChangeIds:
    """The ledger's id for each change a file names: a change spans forecasts (an import, a
    seed), so the same file id must get the same ledger id every time it is met.

    Kept ids are remembered in a bitmap, the few renumbered ones in a dict, so memory stays
    small when a whole ledger is restored into an empty one. The bitmap counts from the pool's
    floor, as kept ids all lie in the window above it: counted from 0, a ledger whose ids had
    grown into the billions would need a bitmap of hundreds of megabytes for one change.
    """

    def __init__(self, pool: IdPool) -> None:
        self.pool = pool
        self.kept = bytearray()
        self.renumbered: dict[int, int] = {}

    def _was_kept(self, n: int) -> bool:
        offset = n - self.pool.floor
        return 0 < offset and _marked(self.kept, offset)

    def of(self, file_id: int) -> tuple[int, bool]:
        """The ledger id for a file's change id, and whether this is the first time it is met."""
        if file_id in self.renumbered:
            return self.renumbered[file_id], False
        if self._was_kept(file_id):
            return file_id, False
        (new_id,) = self.pool.claim([file_id])
        if new_id == file_id:
            _mark(self.kept, file_id - self.pool.floor)
        else:
            self.renumbered[file_id] = new_id
        return new_id, True


class Restorer:
    """Copies new full-fidelity forecasts into the ledger in bulk, timelines included."""

    # The columns each row tuple fills, parents before children.
    COLUMNS = {
        "sources": ("id",) + SOURCE_FIELDS,
        "forecasts": ("id", "key", "claim", "criteria", "source_id", "made_on", "resolve_by", "probability",
                      "status", "review_every", "next_review_on", "created_at", "updated_at", "version",
                      "deleted_at", "search_text", "options", "outcome", "aggregate"),
        "forecast_tags": ("forecast_id", "tag"),
        "evidence": ("id", "forecast_id", "summary", "url", "observed_on", "stance", "added_at", "added_by",
                     "retracted_at", "retracted_by", "retraction_reason"),
        "changes": ("id", "actor", "at", "command", "note", "undoes"),
        "events": ("id", "forecast_id", "change_id", "version", "previous_version", "at", "actor", "kind", "field",
                   "old_value", "new_value", "from_status", "to_status", "note", "evidence_id"),
        "event_citations": ("event_id", "evidence_id"),
    }

    # Rows of one table gathered before they are written, at most (a batch of short timelines
    # makes fewer).
    PENDING_ROWS = 1_000

    def __init__(self, session: Session, actor: str) -> None:
        self.session = session
        self.actor = actor
        self.import_change_id: int | None = None
        self.forecast_ids = IdPool(highest_id(session, Forecast.__table__))
        self.evidence_ids = IdPool(highest_id(session, Evidence.__table__))
        self.event_ids = IdPool(highest_id(session, Event.__table__))
        self.change_ids = ChangeIds(IdPool(highest_id(session, Change.__table__)))
        self.sources: dict[tuple, int] | None = None  # read on first need
        self.titled: dict[str, list[dict[str, Any]]] | None = None  # read on first need
        self.services_wrote = False
        self.unsynced = False  # rows written with ids PostgreSQL's sequences have not caught up with
        self.source_ids = IdPool(highest_id(session, Source.__table__))
        self.writers = {name: BulkInsert(session, Forecast.metadata.tables[name], columns)
                        for name, columns in self.COLUMNS.items()}
        self.rows: dict[str, list[tuple]] = {name: [] for name in self.COLUMNS}

    def add(self, item: ForecastObject) -> None:
        (forecast_id,) = self.forecast_ids.claim([item.id])
        evidence_ids = self.evidence_ids.claim([e.id for e in item.evidence])
        renumbered = {e.id: n for e, n in zip(item.evidence, evidence_ids)}
        self._write(item, forecast_id, self._source_id(item.source), renumbered, self._change_ids(item), _json_text)

    def new_ids(self, evidence: int) -> tuple[int, Sequence[int]]:
        """Ids for a forecast this import makes and for its pieces of evidence."""
        self._after_services()
        (forecast_id,) = self.forecast_ids.claim([None])
        return forecast_id, self.evidence_ids.claim([None] * evidence)

    def add_new(self, item: ForecastObject, source_id: int | None, encode: Callable[[Any], str]) -> None:
        """A forecast this import makes (services/new_forecasts.py), its ids given by `new_ids` and
        `found_source`, its events part of this import's change and their values written by `encode`."""
        self._write(item, item.id, source_id, {e.id: e.id for e in item.evidence},
                    [self._import_change_id()] * len(item.events), encode)

    def _write(self, item: ForecastObject, forecast_id: int, source_id: int | None, renumbered: dict[int, int],
               change_ids: Sequence[int], encode: Callable[[Any], str]) -> None:
        event_ids = self.event_ids.claim(array("q", (e.id or 0 for e in item.events)))
        self.rows["forecasts"].append((
            forecast_id, item.key, item.claim, item.criteria, source_id, item.made_on,
            item.resolve_by, item.probability, item.status, item.review_every, item.next_review_on,
            item.created_at, item.updated_at, item.version, item.deleted_at,
            search_text(item.claim, item.criteria, item.key), item.options, item.outcome, item.aggregate))
        self.rows["forecast_tags"] += [(forecast_id, tag) for tag in item.tags]
        self.rows["evidence"] += [
            (renumbered[e.id], forecast_id, e.summary, e.url, e.observed_on, e.stance, e.added_at, e.added_by,
             e.retracted_at, e.retracted_by, e.retraction_reason) for e in item.evidence]
        for event_id, change_id, event in zip(event_ids, change_ids, item.events):
            self.rows["events"].append((
                event_id, forecast_id, change_id, event.version, event.version - 1 or None, event.at, event.actor,
                event.kind, event.field,
                None if event.old is UNSET else encode(event.old),
                None if event.new is UNSET else encode(event.new),
                event.from_status, event.to_status, event.note,
                None if event.evidence_id is None else renumbered[event.evidence_id]))
            self.rows["event_citations"] += [(event_id, renumbered[n]) for n in event.cited]
            self._flush_if_full(self.rows["events"])

    def _change_ids(self, item: ForecastObject) -> Sequence[int]:
        """The ledger's id of each event's change, writing the changes this import has not yet.

        Events that name no change (another tracker's history, an export from before changes
        were recorded) belong to this import's own change: the import brought them, and
        undoing it takes them back. Their actors stay who the file says acted.
        """
        if not item.changes:
            return [self._import_change_id()] * len(item.events)
        for change in item.changes:
            new_id, first_time = self.change_ids.of(change.id)
            if first_time:
                undoes = None if change.undoes is None else self.change_ids.of(change.undoes)[0]
                self.rows["changes"].append((new_id, change.actor, change.at, change.command, change.note, undoes))
                self._flush_if_full(self.rows["changes"])
        return array("q", (self.change_ids.of(event.change)[0] for event in item.events))

    def _import_change_id(self) -> int:
        """This import's change, numbered by the pool so that it meets no restored change's id;
        the changes the import then makes through the services join it (timeline.current_change)."""
        if self.import_change_id is None and (made := self.session.info.get("change")) is not None:
            self.import_change_id = made.id  # made by the services, for an object they applied
        if self.import_change_id is None:
            (self.import_change_id,) = self.change_ids.pool.claim([None])
            self.session.info["change_id"] = self.import_change_id
            current_change(self.session, self.actor, dates.utc_now())
        return self.import_change_id

    def found_source(self, fields: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The id and fields of the source a forecast made by this import cites, found or added
        as `find_or_create_source` finds or adds it."""
        title, wanted = source_wanted(fields)
        for row in self._titled().get(title, ()):
            if all(row[name] == value for name, value in wanted.items()):
                return row["id"], {name: row[name] for name in SOURCE_FIELDS}
        row = new_source_fields(title, fields)
        (source_id,) = self.source_ids.claim([None])
        self._remember_source({"id": source_id, **row})
        return source_id, row

    def _titled(self) -> dict[str, list[dict[str, Any]]]:
        """The ledger's sources by title, each title's in id order; read on first need."""
        if self.titled is None:
            self.titled = {}
            for row in self.session.execute(select(Source.id, *(getattr(Source, name) for name in SOURCE_FIELDS))
                                            .order_by(Source.id)):
                self.titled.setdefault(row.title, []).append(dict(row._mapping))
        return self.titled

    def _remember_source(self, row: dict[str, Any]) -> None:
        identity = tuple(row[name] for name in SOURCE_FIELDS)
        self.rows["sources"].append((row["id"], *identity))
        if self.sources is not None:
            self.sources.setdefault(identity, row["id"])
        if self.titled is not None:
            self.titled.setdefault(row["title"], []).append(row)

    def hand_over(self) -> None:
        """Write what has gathered, so that the services, which apply the objects that come next,
        see it; the ids they give are then taken into account before the next forecast is made."""
        self.flush()
        if self.unsynced:
            sync_id_sequences(self.session.connection(), TABLES)
            self.unsynced = False
        self.services_wrote = True

    def _after_services(self) -> None:
        """Make the next ids follow those the services gave, and forget the sources read (they may
        have added some)."""
        if not self.services_wrote:
            return
        self.services_wrote = False
        self.session.flush()
        for pool, table in ((self.forecast_ids, Forecast.__table__), (self.evidence_ids, Evidence.__table__),
                            (self.event_ids, Event.__table__), (self.source_ids, Source.__table__)):
            pool.skip_to(highest_id(self.session, table))
        self.sources = self.titled = None

    def _source_id(self, source: dict[str, Any] | None) -> int | None:
        """The ledger's source with exactly these fields, added if it has none."""
        if source is None:
            return None
        identity = tuple(source[name] for name in SOURCE_FIELDS)
        if self.sources is None:
            # Every source the ledger has, read once (the first of equal ones, as a lookup would
            # find): another tracker's questions name a source for each of thousands of creators.
            self.sources = {}
            for row in self.session.execute(select(Source.id, *(getattr(Source, name) for name in SOURCE_FIELDS))
                                            .order_by(Source.id.desc())):
                self.sources[tuple(row[1:])] = row[0]
        found = self.sources.get(identity)
        if found is None:
            (found,) = self.source_ids.claim([None])
            self._remember_source({"id": found, **source})
        return found

    def _flush_if_full(self, rows: list[tuple]) -> None:
        """Write what has gathered once a long timeline has made many rows, so that its rows, and
        their values as the driver takes them, are held a part at a time; every row's parents were
        gathered before it, so they are written first."""
        if len(rows) >= self.PENDING_ROWS:
            self.flush()

    def flush(self) -> None:
        """Write what has gathered, parents before children."""
        for name, rows in self.rows.items():
            self.unsynced |= bool(rows)
            self.writers[name].insert(rows)
            rows.clear()
