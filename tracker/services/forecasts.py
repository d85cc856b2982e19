"""Forecasts: creating, finding, listing, changing and deleting them, each change an event."""

import datetime as dt
import re
from array import array
from collections.abc import Container, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from tracker import dates, statuses
from tracker.errors import Conflict, InvalidInput, NotFound
from tracker.fields import SORT_FIELDS
from tracker.limits import KEY_LENGTH, OPTION_LENGTH, TAG_LENGTH
from tracker.services.records import as_shown, change_record, evidence_record, forecast_record
from tracker.services.timeline import record_event
from tracker.storage import search
from tracker.storage.locks import SOURCE_TITLE_SPACE, lock_key
from tracker.storage.models import Change, Event, Evidence, Forecast, ForecastTag, Source

DEFAULT_REVIEW_EVERY = 30
PAGE = 1000  # rows read at a time by a command that shows rows without end
MAX_ID = 2**63 - 1
_NAME = re.compile(r"^\w[\w.:/+-]*$")
# The tag a forecast brought by a file gets when its deadline is before the day it was made.
DEADLINE_FLAG = "flag:deadline-before-creation"
EDITABLE_FIELDS = ("claim", "criteria", "probability", "resolve_by", "review_every")


@dataclass
class ForecastDraft:
    """What a new forecast is made of, before it has an id."""

    claim: str
    key: str | None = None
    criteria: str | None = None
    source: dict[str, Any] | None = None
    made_on: dt.date | None = None
    resolve_by: dt.date | None = None
    probability: float | None = None
    tags: list[str] = field(default_factory=list)
    review_every: int = DEFAULT_REVIEW_EVERY
    options: list[str] | None = None


@dataclass
class ForecastFilter:
    """The filters of `tracker list`; they compose (tags must all be present)."""

    statuses: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    source: str | None = None
    search: str | None = None
    final: bool | None = None
    deleted: bool | None = False  # True: only deleted ones; None: deleted or not
    actor: str | None = None
    due: bool = False
    overdue: bool = False
    since: dt.date | None = None  # changed on or after this (local) date
    sort: str = "id"
    limit: int | None = None
    after: str | None = None

    def __post_init__(self) -> None:
        # Tags are kept in lower case: `--tag Economy` finds `economy`.
        self.tags = tuple(tag.strip().lower() for tag in self.tags)


def clean_text(value: str | None, what: str, *, required: bool = False) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidInput(f"the {what} is empty; give some text.")
        return None
    return text


def clean_name(value: str, what: str, *, max_length: int) -> str:
    name = value.strip()
    if len(name) > max_length:
        # The name itself would fill the message; its start is enough to find it.
        raise InvalidInput(f"{what} {name[:40] + '…'!r} is {len(name)} characters long; "
                           f"a {what} may have at most {max_length}.")
    if not _NAME.match(name):
        raise InvalidInput(
            f"{what} {value!r} is not usable: use letters, digits, _ . : / + and -, starting with a letter, "
            f"digit or _ (no spaces, at most {max_length} characters)."
        )
    return name


def clean_key(value: str) -> str:
    key = clean_name(value, "key", max_length=KEY_LENGTH)
    if key.isdigit():
        raise InvalidInput(f"key {value!r} is all digits and would read as an id; add a letter.")
    return key


def clean_tag(value: str) -> str:
    """A tag in its one stored form: tags are case-insensitive, kept in lower case."""
    return clean_name(value, "tag", max_length=TAG_LENGTH).lower()


def clean_tags(values) -> list[str]:
    return sorted({clean_tag(value) for value in values})


def generate_key(session: Session, claim: str, reserved: Container[str] = frozenset(),
                 free: set[str] | frozenset[str] = frozenset()) -> str:
    """A readable key from the claim's first words, made unique with a counter: taken by no
    forecast and not among `reserved` (keys an import holds for forecasts it has yet to write).
    `free`: keys known to be taken by no forecast (an import looks many up at once)."""
    stem = key_stem(claim)
    candidate, n = stem, 1
    while candidate in reserved or (candidate not in free and _key_taken(session, candidate)):
        n += 1
        candidate = f"{stem}-{n}"
    return candidate


def key_stem(claim: str) -> str:
    """The key `generate_key` tries first: the claim's first words."""
    words = re.findall(r"\w+", claim.lower())[:6]
    stem = "-".join(words)[:60].strip("-") or "forecast"
    return f"f-{stem}" if stem.isdigit() else stem


def _key_taken(session: Session, key: str) -> bool:
    """Whether a forecast has `key`. Locked first, and held until the command ends, so that
    two commands adding the same key take turns: the second then finds it taken."""
    lock_key(session, key)
    return session.scalar(select(Forecast.id).where(Forecast.key == key)) is not None


def find_forecast(session: Session, ref: str, *, for_update: bool = False) -> Forecast:
    """The forecast an ID argument names: an integer id or a key."""
    ref = ref.strip()
    query = select(Forecast)
    if ref.isdecimal() and int(ref) <= MAX_ID:
        query = query.where(Forecast.id == int(ref))
    else:
        query = query.where(Forecast.key == ref)
    if for_update:
        query = query.with_for_update()
    forecast = session.scalar(query)
    if forecast is None:
        raise NotFound(f"no forecast with id or key {ref!r}; `tracker list` shows what there is.")
    return forecast


def find_live_forecast(session: Session, ref: str) -> Forecast:
    """A forecast that may be changed: locked for this transaction and not deleted."""
    forecast = find_forecast(session, ref, for_update=True)
    if forecast.deleted_at is not None:
        raise Conflict(f"forecast {forecast.id} is deleted; it can be shown but not changed.")
    return forecast


def find_or_create_source(session: Session, fields: dict[str, Any]) -> Source:
    """The first source with this title and the other fields given, added if there is none."""
    title, wanted = source_wanted(fields)
    lock_key(session, title, SOURCE_TITLE_SPACE)
    query = select(Source).where(Source.title == title)
    for name, value in wanted.items():
        query = query.where(getattr(Source, name) == value)
    source = session.scalars(query.order_by(Source.id).limit(1)).first()
    if source is None:
        source = Source(**new_source_fields(title, fields))
        session.add(source)
        session.flush()
    return source


# The fields besides the title that pick out a source, where they are given.
SOURCE_MATCHED = ("author", "outlet", "url", "published_on")


def source_wanted(fields: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The title a source must have, and the other fields it must equal (those given)."""
    title = clean_text(fields.get("title"), "source title", required=True)
    return title, {name: fields[name] for name in SOURCE_MATCHED if fields.get(name) is not None}


def new_source_fields(title: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The row of a source added because none matched."""
    return {"title": title, **{name: fields.get(name) for name in (*SOURCE_MATCHED, "notes")}}


def create_forecast(session: Session, actor: str, draft: ForecastDraft, *,
                    note: str | None = None, check_source: bool = False,
                    recorded_elsewhere: bool = False, reserved_keys: Container[str] = frozenset()) -> Forecast:
    """Add a forecast and its `created` event, which holds the values it started with.
    `check_source`: the source's fields are as typed, to be checked as `source add` checks them
    (an import's are kept as its file has them). `recorded_elsewhere`: a forecast a file brings,
    made on its own day, whose deadline may be before that day (it is kept, flagged by the
    file's reader, not refused). A key made for it is none of `reserved_keys`."""
    if check_source and draft.source:
        from tracker.services.sources import clean_source_fields

        draft.source = clean_source_fields(draft.source)
    claim = clean_text(draft.claim, "claim", required=True)
    if draft.key:
        key = clean_key(draft.key)
        if _key_taken(session, key):
            raise Conflict(f"key {key!r} is taken; choose another --key or update that forecast.")
    else:
        key = generate_key(session, claim, reserved_keys)
    values = new_forecast_values(draft, dates.today(), recorded_elsewhere=recorded_elsewhere)
    now = dates.utc_now()
    forecast = Forecast(
        key=key,
        source=find_or_create_source(session, draft.source) if draft.source else None,
        created_at=now,
        updated_at=now,
        version=0,
        **{name: value for name, value in values.items() if name != "tags"},
    )
    forecast.tag_rows = [ForecastTag(tag=tag) for tag in values["tags"]]
    session.add(forecast)
    session.flush()
    record_event(session, forecast, actor, "created", now, new=creation_values(forecast), note=note)
    return forecast


def new_forecast_values(draft: ForecastDraft, today: dt.date, *, recorded_elsewhere: bool = False) -> dict[str, Any]:
    """The checked fields a new forecast starts with, all but its key and source (see
    `create_forecast`, which an import's bulk path shares this with)."""
    claim = clean_text(draft.claim, "claim", required=True)
    made_on = draft.made_on or today
    if made_on > today:
        raise InvalidInput(f"made-on {made_on} is in the future; a forecast is made on or before today.")
    if draft.resolve_by is not None and draft.resolve_by < made_on and not (recorded_elsewhere and draft.made_on):
        raise InvalidInput(f"resolve-by {draft.resolve_by} is before made-on {made_on}.")
    check_probability(draft.probability)
    check_review_every(draft.review_every)
    options = clean_options(draft.options)
    if options is not None and draft.probability is not None:
        raise InvalidInput("a multiple-choice forecast has no single probability; leave out --probability "
                           "(record estimates per option with `tracker forecast`).")
    return {"claim": claim, "criteria": clean_text(draft.criteria, "criteria"), "made_on": made_on,
            "resolve_by": draft.resolve_by, "probability": draft.probability, "status": statuses.DEFAULT,
            "review_every": draft.review_every, "next_review_on": today + dt.timedelta(days=draft.review_every),
            "options": options, "tags": clean_tags(draft.tags)}


def creation_values(forecast: Forecast) -> dict[str, Any]:
    return created_values(forecast_record(forecast))


def created_values(record: dict[str, Any]) -> dict[str, Any]:
    """What a `created` event holds of a new forecast's record."""
    keep = ("key", "claim", "criteria", "made_on", "resolve_by", "probability", "status",
            "tags", "review_every", "next_review_on")
    values = {name: record[name] for name in keep}
    if record["options"] is not None:
        values["options"] = record["options"]
    return values


def clean_options(values: list[str] | None) -> list[str] | None:
    """A multiple-choice forecast's options: two or more distinct names, in the order given."""
    if not values:
        return None
    options = [value.strip() for value in values]
    if len(options) < 2:
        raise InvalidInput("a multiple-choice forecast needs two or more --option; a yes/no forecast needs none.")
    for option in options:
        if not option or len(option) > OPTION_LENGTH or "=" in option:
            raise InvalidInput(f"option {option!r} is not usable: give a name of 1 to {OPTION_LENGTH} characters "
                               "without '='.")
    if len(set(options)) != len(options):
        raise InvalidInput("an option is given twice; each option needs its own name.")
    return options


def check_probability(value: float | None) -> None:
    if value is not None and not 0 <= value <= 1:
        raise InvalidInput(f"probability {value} is outside 0..1.")


def check_review_every(days: int) -> None:
    if not 1 <= days <= 3650:
        raise InvalidInput(f"review every {days} days is out of range; use 1 to 3650 days.")


def check_expected_version(session: Session, forecast: Forecast, expected: int | None) -> None:
    """Refuse a change made against a version of the forecast that is no longer current."""
    if expected is None or forecast.version == expected:
        return
    last = session.scalars(
        select(Event).where(Event.forecast_id == forecast.id).order_by(Event.id.desc()).limit(1)
    ).first()
    by = f"{last.actor} changed it ({last.kind.replace('_', ' ')}) at {last.at:%Y-%m-%d %H:%M} UTC" if last else "it changed"
    raise Conflict(
        f"forecast {forecast.id} is at version {forecast.version}, not {expected}: {by}. "
        f"Check `tracker show {forecast.id}` and retry with --expect-version {forecast.version}."
    )


@dataclass
class ForecastChanges:
    """What `tracker update` asks for; only the fields present in `edits` are changed."""

    edits: dict[str, Any] = field(default_factory=dict)
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    status: str | None = None
    outcome: str | None = None
    note: str | None = None
    evidence_ids: tuple[int, ...] = ()
    expect_version: int | None = None
    source: str | None = None  # a source id or title; "" for none


def update_forecast(session: Session, ref: str, actor: str, changes: ForecastChanges) -> tuple[Forecast, int]:
    """Apply the changes, one event each, and return the forecast and how many events it took."""
    forecast = find_live_forecast(session, ref)
    check_expected_version(session, forecast, changes.expect_version)
    now = dates.utc_now()
    version_before = forecast.version
    # The note and the evidence say why: each event of the change carries them.
    note = clean_text(changes.note, "note")
    cited = check_citations(session, forecast, changes.evidence_ids)
    for name, value in changes.edits.items():
        apply_edit(session, forecast, actor, now, name, value, note=note, cited=cited)
    if changes.add_tags or changes.remove_tags:
        change_tags(session, forecast, actor, now, changes.add_tags, changes.remove_tags, note=note, cited=cited)
    if changes.source is not None:
        from tracker.services.sources import cite_source

        cite_source(session, forecast, actor, now, changes.source, note=note, cited=cited)
    if changes.outcome is not None and changes.status is None:
        raise InvalidInput("--outcome goes with --status confirmed: say which option happened.")
    if changes.status is not None:
        record_status_change(session, forecast, actor, now, changes.status, changes.note,
                             changes.evidence_ids, outcome=changes.outcome)
    return forecast, forecast.version - version_before


def apply_edit(session: Session, forecast: Forecast, actor: str, at: dt.datetime,
               name: str, value: Any, *, note: str | None = None, cited: list[int] = (),
               recorded_elsewhere: bool = False) -> None:
    """Edit one field, as an `edited` event citing the evidence ids `cited` (checked by the
    caller). `recorded_elsewhere`: the edit another tracker made, whose deadline may be before
    the question's creation (it is kept, not refused)."""
    if name not in EDITABLE_FIELDS:
        raise InvalidInput(f"{name} cannot be edited; editable fields: {', '.join(EDITABLE_FIELDS)}.")
    if name == "claim":
        value = clean_text(value, "claim", required=True)
    elif name == "criteria":
        value = clean_text(value, "criteria")
    elif name == "probability":
        check_probability(value)
    elif name == "resolve_by" and value is not None and value < forecast.made_on and not recorded_elsewhere:
        raise InvalidInput(f"resolve-by {value} is before made-on {forecast.made_on}.")
    elif name == "review_every":
        check_review_every(value)
    old = getattr(forecast, name)
    if old == value:
        return
    setattr(forecast, name, value)
    record_event(session, forecast, actor, "edited", at, field=name, old=old, new=value, note=note, cited=cited)


def change_tags(session: Session, forecast: Forecast, actor: str, at: dt.datetime,
                add: tuple[str, ...], remove: tuple[str, ...], *, note: str | None = None,
                cited: list[int] = ()) -> None:
    old = forecast.tags
    new = sorted((set(old) | set(clean_tags(add))) - set(clean_tags(remove)))
    if new == old:
        return
    replace_tags(forecast, new)
    record_event(session, forecast, actor, "edited", at, field="tags", old=old, new=new, note=note, cited=cited)


def replace_tags(forecast: Forecast, tags: list[str]) -> None:
    old = forecast.tags
    kept = [row for row in forecast.tag_rows if row.tag in tags]
    forecast.tag_rows = kept + [ForecastTag(tag=tag) for tag in tags if tag not in old]


def record_status_change(session: Session, forecast: Forecast, actor: str, at: dt.datetime,
                         status: str, note: str | None, evidence_ids: tuple[int, ...], *,
                         outcome: str | None = None) -> None:
    """Move to a status, citing evidence; leaving a final status needs a note. A multiple-choice
    forecast is confirmed with the option that happened, or void."""
    fields = status_change_fields(forecast, status, outcome, note, citing=bool(evidence_ids))
    if fields is None:
        return
    cited = check_citations(session, forecast, evidence_ids)
    forecast.status, forecast.outcome = status, outcome
    record_event(session, forecast, actor, "status_changed", at, cited=cited, **fields)


def status_change_fields(forecast: Forecast, status: str, outcome: str | None, note: str | None, *,
                         citing: bool = False) -> dict[str, Any] | None:
    """The checked fields of the `status_changed` event that moves `forecast` (anything with its
    id, status, outcome and options) to a status, or None when there is nothing to record."""
    if status not in statuses.STATUSES:
        raise InvalidInput(f"{status!r} is not a status; use one of {', '.join(statuses.STATUSES)}.")
    check_outcome(forecast, status, outcome)
    note = clean_text(note, "note")
    if status == forecast.status and outcome == forecast.outcome and not (note or citing):
        return None
    # The same status with a note or evidence is recorded too: it says why it still holds.
    if statuses.is_final(forecast.status) and (status, outcome) != (forecast.status, forecast.outcome) and not note:
        raise InvalidInput(
            f"forecast {forecast.id} is {forecast.status}, a final status; "
            "say why it is reopened or re-resolved with --note."
        )
    outcomes = {} if forecast.options is None else {"old": forecast.outcome, "new": outcome}
    return {"from_status": forecast.status, "to_status": status, "note": note, **outcomes}


def check_outcome(forecast: Forecast, status: str, outcome: str | None) -> None:
    if forecast.options is None:
        if outcome is not None:
            raise InvalidInput(f"forecast {forecast.id} is a yes/no forecast; --outcome is for multiple choice.")
        return
    if status == "confirmed":
        if outcome not in forecast.options:
            raise InvalidInput(f"say which option happened: --outcome with one of {', '.join(forecast.options)}."
                               if outcome is None else
                               f"{outcome!r} is not an option of forecast {forecast.id}: {', '.join(forecast.options)}.")
    elif outcome is not None:
        raise InvalidInput("--outcome goes with --status confirmed.")
    elif status in ("partial", "refuted"):
        raise InvalidInput(f"a multiple-choice forecast is confirmed with the option that happened "
                           f"(--status confirmed --outcome OPTION), or void; not {status}.")


def check_citations(session: Session, forecast: Forecast, evidence_ids: tuple[int, ...]) -> list[int]:
    """The evidence ids a change cites, each the forecast's own and standing."""
    for evidence_id in evidence_ids:
        cited = session.get(Evidence, evidence_id)
        if cited is None or cited.forecast_id != forecast.id:
            raise NotFound(f"forecast {forecast.id} has no evidence {evidence_id}; "
                           f"`tracker evidence list {forecast.id}` shows its evidence.")
        if cited.retracted_at is not None:
            raise InvalidInput(f"evidence {evidence_id} is retracted and cannot be cited.")
    return sorted(set(evidence_ids))


def delete_forecast(session: Session, ref: str, actor: str, reason: str, *,
                    at: dt.datetime | None = None) -> Forecast:
    """Hide a forecast entered by mistake; its rows and history stay."""
    reason = clean_text(reason, "reason", required=True)
    forecast = find_forecast(session, ref, for_update=True)
    if forecast.deleted_at is not None:
        raise Conflict(f"forecast {forecast.id} was already deleted on {forecast.deleted_at:%Y-%m-%d}.")
    now = at or dates.utc_now()
    forecast.deleted_at = now
    record_event(session, forecast, actor, "deleted", now, note=reason)
    return forecast


def list_forecasts(session: Session, filters: ForecastFilter) -> list[dict[str, Any]]:
    return [as_shown(forecast_record(f)) for f in listed_forecasts(session, filters)]


def listed_forecasts(session: Session, filters: ForecastFilter) -> list[Forecast]:
    """The forecasts `list` shows, in its order, a page at most `limit` long after `after`.

    Sorted by a field, forecasts without a value come last, whichever the direction; ties
    go by id. Each part (with values, then without) is read in index order, and `after`
    continues from where a forecast stands in that order (keyset paging: no offset to skip).
    """
    name = filters.sort.lstrip("-")
    if name not in SORT_FIELDS:
        raise InvalidInput(f"cannot sort by {name!r}; use one of {', '.join(SORT_FIELDS)}.")
    descending = filters.sort.startswith("-")
    query, row_id = filtered_query(filters, session.get_bind().dialect.name)
    after = find_forecast(session, filters.after) if filters.after is not None else None
    column = getattr(Forecast, name)
    if name == "id":
        if after is not None:
            query = query.where(row_id < after.id if descending else row_id > after.id)
        ordering = [row_id.desc() if descending else row_id.asc()]
        if row_id is Forecast.id and not filters.tags and (chosen := chosen_statuses(filters)) is not None:
            return by_status_in_id_order(session, query, chosen, ordering, filters.limit, descending)
        parts = [(query, ordering)]
    else:
        nullable = Forecast.__table__.c[name].nullable
        valued = query.where(column.is_not(None)) if nullable else query
        empty = query.where(column.is_(None)) if nullable else None
        if after is not None:
            value = getattr(after, name)
            if value is None:
                valued, empty = None, empty.where(row_id > after.id)
            else:
                beyond = column < value if descending else column > value
                valued = valued.where(column <= value if descending else column >= value,
                                      or_(beyond, row_id > after.id))
        parts = [(valued, [column.desc() if descending else column.asc(), row_id.asc()]), (empty, [row_id.asc()])]
    found: list[Forecast] = []
    for part, ordering in parts:
        left = None if filters.limit is None else filters.limit - len(found)
        if part is None or left == 0:
            continue
        part = part.order_by(*ordering)
        found += session.scalars(part if left is None else part.limit(left))
    return found


def chosen_statuses(filters: ForecastFilter) -> tuple[str, ...] | None:
    """The statuses the filters leave, or None when they allow every status."""
    chosen = set(statuses.STATUSES)
    if filters.statuses:
        chosen &= set(filters.statuses)
    if filters.final is not None:
        chosen &= set(statuses.FINAL if filters.final else statuses.ACTIVE)
    if filters.due or filters.overdue:
        chosen &= set(statuses.ACTIVE)
    return None if chosen == set(statuses.STATUSES) else tuple(s for s in statuses.STATUSES if s in chosen)


def by_status_in_id_order(session: Session, query: Select, chosen: tuple[str, ...], ordering: list,
                          limit: int | None, descending: bool) -> list[Forecast]:
    """A page in id order of forecasts in some statuses: each status read from its (status, id)
    index in id order, then merged. Asked for several statuses at once, or for due dates
    too, SQLite would rather gather every match and sort them all."""
    found: list[Forecast] = []
    for status in chosen:
        part = (query.where(Forecast.status == status).order_by(*ordering)
                .with_hint(Forecast, "INDEXED BY ix_forecasts_status_id", "sqlite"))
        found += session.scalars(part if limit is None else part.limit(limit))
    found.sort(key=lambda forecast: forecast.id, reverse=descending)
    return found if limit is None else found[:limit]


def filtered_query(filters: ForecastFilter, dialect_name: str) -> tuple[Select, ColumnElement[int]]:
    """The forecasts `list` matches, unordered, and the column that orders them by id.

    A search the FTS5 index can answer joins it; ordered by its rowid, the index yields
    matches in id order and the first page needs no sort.
    """
    query, row_id = select(Forecast), Forecast.id
    if filters.deleted is not None:
        query = query.where(Forecast.deleted_at.is_not(None) if filters.deleted else Forecast.deleted_at.is_(None))
    if filters.since is not None:
        query = query.where(Forecast.updated_at >= dates.start_of_day(filters.since))
    if filters.statuses:
        query = query.where(Forecast.status.in_(filters.statuses))
    if filters.final is not None:
        wanted = statuses.FINAL if filters.final else statuses.ACTIVE
        query = query.where(Forecast.status.in_(wanted))
    for tag in filters.tags:
        query = query.where(Forecast.id.in_(select(ForecastTag.forecast_id).where(ForecastTag.tag == tag)))
    if filters.source:
        query = query.where(Forecast.source_id.in_(select(Source.id).where(
            or_(*(column.icontains(filters.source, autoescape=True)
                  for column in (Source.title, Source.author, Source.outlet))))))
    if filters.actor:
        query = query.where(Forecast.id.in_(select(Event.forecast_id).where(Event.actor == filters.actor)))
    if filters.search:
        if search.uses_fts(dialect_name, filters.search):
            query = query.join(search.forecasts_fts, search.forecasts_fts.c.rowid == Forecast.id)
            query, row_id = query.where(search.fts_match(filters.search)), search.forecasts_fts.c.rowid
        else:
            query = query.where(search.contains_text(filters.search, dialect_name))
    # The dates are tested on each forecast read rather than looked up: read in id order from
    # the (status, id) index, a page of due forecasts is found at once, while SQLite, offered
    # a range on the due dates, would gather every due forecast and sort them by id.
    if filters.due:
        query = query.where(due_for_review(dates.today(), row_by_row=True))
    if filters.overdue:
        query = query.where(past_deadline(dates.today(), row_by_row=True))
    return query, row_id


def due_for_review(today: dt.date, *, row_by_row: bool = False) -> ColumnElement[bool]:
    """In the review queue: unsettled, not deleted, and its review date has come or its resolve-by
    date has passed.

    With `row_by_row`, the dates are compared in a form no index can serve (see `tested`).
    """
    next_review_on = tested(Forecast.next_review_on) if row_by_row else Forecast.next_review_on
    resolve_by = tested(Forecast.resolve_by) if row_by_row else Forecast.resolve_by
    return and_(or_(next_review_on <= today, resolve_by < today), Forecast.status.in_(statuses.ACTIVE),
                Forecast.deleted_at.is_(None))


def past_deadline(today: dt.date, *, row_by_row: bool = False) -> ColumnElement[bool]:
    """Overdue: its resolve-by date has passed and it is still unsettled."""
    resolve_by = tested(Forecast.resolve_by) if row_by_row else Forecast.resolve_by
    return and_(resolve_by < today, Forecast.status.in_(statuses.ACTIVE))


def tested(column: ColumnElement) -> ColumnElement:
    """The column's value, unchanged, in a form the planner will not look rows up by (a
    function of it) but compares on each row it reads by some other index."""
    return func.coalesce(column, column)


def show_forecast(session: Session, ref: str, extremize: float | None = None) -> dict[str, Any]:
    """Everything about one forecast: its fields, evidence and timeline, and its estimates with
    the team's aggregates (`extremize`: the geometric mean of odds to that power too)."""
    forecast = find_forecast(session, ref)
    record = as_shown(forecast_record(forecast))
    record["evidence"] = evidence_of(session, forecast.id)
    # A timeline of any length: its events and changes are read as they are shown.
    record["events"] = timeline_of(session, forecast.id)
    record["changes"] = changes_of_forecast(session, forecast.id)
    from tracker.services.estimates import estimate_view
    from tracker.services.replay import load_state

    record.update(estimate_view(load_state(session, forecast), extremize))
    return record


def changes_of_forecast(session: Session, forecast_id: int) -> Iterator[dict[str, Any]]:
    """The changes the forecast's events belong to, oldest first: their ids read first (8 bytes
    each), the changes a page of ids at a time as they are taken. Asked for as the changes of the
    forecast's events, a long timeline's were planned by PostgreSQL as a walk of every change."""
    ids = array("q", session.scalars(select(Event.change_id).where(Event.forecast_id == forecast_id)
                                     .distinct().order_by(Event.change_id)))
    for first in range(0, len(ids), PAGE):
        yield from changes_of(session, ids[first:first + PAGE].tolist())


def changes_of(session: Session, change_ids: list[int]) -> list[dict[str, Any]]:
    """The changes named, oldest first."""
    rows = session.scalars(select(Change).where(Change.id.in_(sorted(set(change_ids)))).order_by(Change.id))
    return [change_record(change) for change in rows]


def evidence_of(session: Session, forecast_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(select(Evidence).where(Evidence.forecast_id == forecast_id).order_by(Evidence.id))
    return [evidence_record(e) for e in rows]


def history(session: Session, ref: str) -> Iterator[dict[str, Any]]:
    return timeline_of(session, find_forecast(session, ref).id)


def timeline_of(session: Session, forecast_id: int) -> Iterator[dict[str, Any]]:
    """The forecast's events, oldest first, read a page at a time as they are taken."""
    from tracker.services.export import timeline_records

    return timeline_records(session, forecast_id)


def count_forecasts(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Forecast)) or 0
