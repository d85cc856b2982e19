"""`tracker doctor`: checks that the ledger is sound and that its history explains it.

Each check returns the problems it found (empty when all is well). The replay check rebuilds
every forecast from its timeline and compares the result with the stored row, so a change
that bypassed the timeline, or a timeline that lost an event, shows up.
"""

from collections.abc import Iterator
from functools import partial
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tracker.progress import Progress
from tracker.services.records import evidence_record, forecast_record
from tracker.services.replay import ForecastState, TimelineError, load_state, load_states
from tracker.storage import folding, schema
from tracker.storage.models import Evidence, Forecast

# Batches small enough that the largest a ledger has, which sets the memory doctor needs, is
# not much larger than the seed ledger's.
BATCH = 50
EVENTS_PER_BATCH = 1_000
MOST_REPORTED = 20


def sqlite_integrity(session: Session) -> list[str]:
    if session.get_bind().dialect.name != "sqlite":
        return []
    verdicts = session.execute(text("PRAGMA integrity_check")).scalars().all()
    return [] if verdicts == ["ok"] else [f"integrity: {verdict}" for verdict in verdicts]


def foreign_keys(session: Session) -> list[str]:
    """Rows pointing at rows that do not exist (PostgreSQL enforces this itself)."""
    if session.get_bind().dialect.name != "sqlite":
        return []
    return [f"{table} row {rowid} points at a missing {parent} row"
            for table, rowid, parent, _ in session.execute(text("PRAGMA foreign_key_check"))]


def schema_at_head(session: Session) -> list[str]:
    from tracker.storage import migrate

    engine = session.get_bind()
    revision = migrate.current_revision(engine)
    if revision != schema.HEAD:
        return [f"schema is at {revision or 'base'}, not {schema.HEAD}"]
    return [f"schema differs from the models: {difference}" for difference in migrate.schema_differences(engine)]


def forecasts_in_batches(session: Session) -> Iterator[list[Forecast]]:
    """The forecasts in id order, in batches of about as many events as a batch of usual ones
    holds (a forecast's version counts its events); a forecast with more has a batch to itself."""
    last = 0
    while batch := list(session.scalars(select(Forecast).where(Forecast.id > last).order_by(Forecast.id).limit(BATCH))):
        part: list[Forecast] = []
        events = 0
        for forecast in batch:
            if part and events + forecast.version > EVENTS_PER_BATCH:
                yield part
                part, events = [], 0
            part.append(forecast)
            events += forecast.version
        yield part
        last = batch[-1].id
        session.expunge_all()


def replayed(session: Session, batch: list[Forecast]) -> list[ForecastState | TimelineError]:
    """The batch's forecasts replayed strictly; a timeline longer than a batch is read a page at a time."""
    if len(batch) > 1 or batch[0].version <= EVENTS_PER_BATCH:
        return load_states(session, batch, strict=True)
    try:
        state = load_state(session, batch[0], strict=True)
    except TimelineError as exc:
        exc.forecast_id = batch[0].id
        return [exc]
    return [] if state is None else [state]


def forecasts_to_replay(session: Session) -> int:
    """How many forecasts the timelines check replays: every one, deleted or not."""
    return session.scalar(select(func.count()).select_from(Forecast)) or 0


def timelines_explain_the_ledger(session: Session, progress: Progress | None = None) -> list[str]:
    """Replay each forecast's events and compare with its stored fields and evidence; `progress`
    is told how many forecasts have been replayed."""
    problems, done = [], 0
    for batch in forecasts_in_batches(session):
        states = {}
        for state in replayed(session, batch):
            if isinstance(state, TimelineError):
                problems.append(f"forecast {state.forecast_id}: its timeline does not fold: "
                                f"{state.field_path()} {state.problem}")
                states[state.forecast_id] = state
            else:
                states[state.record["id"]] = state
        evidence = {}
        for row in session.scalars(select(Evidence).where(Evidence.forecast_id.in_([f.id for f in batch]))):
            evidence.setdefault(row.forecast_id, {})[row.id] = evidence_record(row)
        for forecast in batch:
            if not isinstance(states.get(forecast.id), TimelineError):
                problems += compare(forecast, states.get(forecast.id), evidence.get(forecast.id, {}))
        done += len(batch)
        if progress:
            progress(done)
    return problems


def compare(forecast: Forecast, state, evidence: dict[int, dict[str, Any]]) -> list[str]:
    name = f"forecast {forecast.id}"
    if state is None:
        return [f"{name} has no `created` event"]
    problems = []
    stored, replayed = forecast_record(forecast), state.record
    for field, value in stored.items():
        if replayed.get(field) != value:
            problems.append(f"{name}: {field} is {value!r} but its timeline says {replayed.get(field)!r}")
    if evidence != state.evidence:
        problems.append(f"{name}: its evidence does not match the evidence events in its timeline")
    return problems


def search_text_is_current(session: Session) -> list[str]:
    """Each forecast's stored search text is its claim, criteria and key folded: a write below
    the ORM that left it stale would hide the forecast from `list --search`."""
    problems, last = [], 0
    columns = (Forecast.id, Forecast.claim, Forecast.criteria, Forecast.key, Forecast.search_text)
    while rows := session.execute(select(*columns).where(Forecast.id > last).order_by(Forecast.id)
                                  .limit(BATCH)).all():
        problems += [f"forecast {row.id}: its search text is not its claim, criteria and key folded"
                     for row in rows if row.search_text != folding.search_text(row.claim, row.criteria, row.key)]
        last = rows[-1].id
    return problems


def examine(session: Session, progress: Progress | None = None) -> list[dict[str, Any]]:
    """Run every check; each result has `check`, `ok` and up to 20 `problems`. `progress` is told
    how many forecasts the longest check, the replay of every timeline, has done."""
    checks = (
        ("integrity", sqlite_integrity),
        ("foreign keys", foreign_keys),
        ("schema", schema_at_head),
        ("timelines", partial(timelines_explain_the_ledger, progress=progress)),
        ("search", search_text_is_current),
    )
    results = []
    for name, check in checks:
        problems = check(session)
        results.append({"check": name, "ok": not problems, "problems": problems[:MOST_REPORTED],
                        "problem_count": len(problems)})
    return results
