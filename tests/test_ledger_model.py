"""The ledger against a model of it: random sequences of real commands, by several people over
several days, each step followed by a comparison with a plain Python account of what those
commands should have done.

The model below is written from SPEC.md, the README and the undo rule, not from tracker's
code: forecasts with their fields, status, tags, evidence and retractions, deleted flag,
version and next review date, and the changes that made them, which is what `undo` needs.
After every step:

- `show ID --format json` of every forecast equals the model (fields, evidence, and the
  timeline as changes of events; timestamps aside, which the model cannot predict);
- `show ID --as-of DAY` for an earlier day equals the model as it stood at the end of that day;
- `doctor` finds nothing wrong;
- `score` equals a recomputation from the exported timelines, done here;
- and every few steps, export → import into an empty ledger → export gives the same bytes.

Each example runs on an empty ledger, on SQLite and on PostgreSQL alike. A long run:
`python bench/soak_model.py`, or `TRACKER_MODEL_EXAMPLES=500 TRACKER_MODEL_STEPS=60 pytest
tests/test_ledger_model.py`.
"""

import dataclasses
import datetime as dt
import itertools
import math
import os
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import create_engine, text

from clock import Clock
from conftest import ok, run, run_json
from interchange_helpers import ledgers  # noqa: F401  (a fixture)

# Examples and most steps in each, per backend: each command's round trip to a PostgreSQL
# server costs more, so it gets fewer to stay within about two minutes.
EXAMPLES = {"sqlite": 20, "postgresql": 15}
STEPS = {"sqlite": 20, "postgresql": 15}
ROUND_TRIP_EVERY = int(os.environ.get("TRACKER_MODEL_ROUND_TRIP_EVERY", "5"))

# The contract's words (SPEC sections 1 and 2), written out here rather than imported.
ACTIVE = ("open", "developing", "stalled")
FINAL = ("confirmed", "partial", "refuted", "void")
STATUSES = ACTIVE + FINAL
STANCES = ("supports", "contradicts", "context")
OUTCOMES = {"confirmed": 1, "refuted": 0}
LOG_CLIP = 1e-6

ACTORS = ("ana", "bob", "cy")
MAX_FORECASTS = 3
# Each way of writing a chance, with the number it means.
PROBABILITIES = {"0.25": 0.25, "70%": 0.7, "3:1": 0.75, "1 in 5": 0.2, "0": 0.0, "100%": 1.0, "0.9": 0.9}
# Texts with padding to strip, other scripts, and the characters a spreadsheet would run
# (which CSV must quote and import must unquote).
CLAIMS = ("Rates fall by June", "  Turnout passes 60%  ", "Цены на нефть вырастут", "日本の金利が上がる",
          "-5% growth, \"at least\"")
CRITERIA = ("Official figures say so", "", "  Два источника подтверждают  ", "=SUM(A1) > 0\n@ the close")
TAGS = ("economy", "politics", "q1")
NOTES = ("the talks moved", "Вновь открыто", "second look")


# The kinds of event whose `new` value, and whose `note`, the model predicts.
VALUED_KINDS = ("edited", "reviewed", "snoozed", "undone", "evidence_edited")
NOTED_KINDS = ("status_changed", "deleted", "evidence_retracted", "reviewed", "snoozed")


class Refused(Exception):
    """The model's verdict that a command must fail, with the exit code it must fail with."""

    def __init__(self, code: int = 1) -> None:
        super().__init__(code)
        self.code = code


# --- the model -------------------------------------------------------------------------------


@dataclass
class Evidence:
    id: int
    forecast_id: int
    summary: str
    stance: str
    observed_on: dt.date
    url: str | None
    added_by: str
    retracted_by: str | None = None
    retraction_reason: str | None = None
    # Taken back by an undo, whose note the model does not spell out: only how it begins.
    retracted_by_undo: bool = False


@dataclass
class Event:
    """One entry of a forecast's timeline, as much of it as the model predicts.

    `before` and `after` are the values an edit, a status change or a review-date move found
    and left; `reverses` is, for an `undone` event, the event it takes back."""

    forecast_id: int
    kind: str
    actor: str
    field: str | None = None
    before: Any = None
    after: Any = None
    evidence_id: int | None = None
    note: str | None = None
    reverses: "Event | None" = None
    change: "Change | None" = dataclasses.field(default=None, repr=False, compare=False)

    def subject(self) -> tuple:
        """What the event changed: two events with the same subject on the same forecast
        overwrite one another."""
        if self.reverses is not None:
            return self.reverses.subject()
        if self.kind == "edited":
            return (self.forecast_id, self.field)
        if self.kind == "status_changed":
            return (self.forecast_id, "status")
        if self.kind in ("evidence_added", "evidence_retracted"):
            return (self.forecast_id, "evidence", self.evidence_id)
        if self.kind == "evidence_edited":
            return (self.forecast_id, "evidence fields", self.evidence_id)
        if self.kind in ("reviewed", "snoozed"):
            return (self.forecast_id, "review date")
        return (self.forecast_id, "deleted")  # created, deleted

    def taken_back(self) -> str:
        """What an `undone` event says it took back when it reverses this event: the field of
        an edit, the status, or else the kind of event."""
        if self.kind == "edited":
            return self.field
        return "status" if self.kind == "status_changed" else self.kind

    def described(self) -> tuple:
        """The event as `show` should give it: kind, actor and the fields of its kind."""
        status_move = (self.before, self.after) if self.kind == "status_changed" else (None, None)
        field_name = self.reverses.taken_back() if self.kind == "undone" else self.field
        new = json_value(self.after) if self.kind in VALUED_KINDS else None
        note = self.note if self.kind in NOTED_KINDS else None
        return (self.kind, self.actor, field_name, self.evidence_id, *status_move, new, note)


@dataclass
class Change:
    """What one command did."""

    number: int
    actor: str
    command: str
    events: list[Event]
    undoes: "Change | None" = None
    taken_back: bool = False

    def described(self) -> tuple:
        """The change as `show` should list it: who, which command, whether it is an undo."""
        return (self.actor, self.command, self.undoes is not None)


@dataclass
class Forecast:
    id: int
    key: str
    claim: str
    criteria: str | None
    made_on: dt.date
    resolve_by: dt.date | None
    probability: float | None
    tags: tuple[str, ...]
    review_every: int
    next_review_on: dt.date
    status: str = "open"
    deleted: bool = False
    evidence: dict[int, Evidence] = dataclasses.field(default_factory=dict)
    events: list[Event] = dataclasses.field(default_factory=list)

    @property
    def version(self) -> int:
        return len(self.events)


def json_value(value: Any) -> Any:
    """A value as JSON gives it back: dates as text, tuples as lists."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


class LedgerModel:
    """Forecasts and the changes that made them; each method checks a command as the SPEC
    and README describe it, raises Refused if it must fail, else records its change."""

    def __init__(self) -> None:
        self.forecasts: dict[int, Forecast] = {}
        self.changes: list[Change] = []

    # Every method validates first and changes the model only once nothing can fail.

    def live(self, forecast_id: int) -> Forecast:
        forecast = self.forecasts.get(forecast_id)
        if forecast is None or forecast.deleted:
            raise Refused()
        return forecast

    def record(self, actor: str, command: str, events: list[Event], undoes: Change | None = None) -> Change | None:
        if not events:
            return None  # a command that changed nothing is no change
        change = Change(len(self.changes) + 1, actor, command, events, undoes)
        for event in events:
            event.change = change
            self.forecasts[event.forecast_id].events.append(event)
        self.changes.append(change)
        return change

    def check_add(self, key: str, resolve_by: dt.date | None, today: dt.date) -> None:
        if any(forecast.key == key for forecast in self.forecasts.values()):
            raise Refused()
        if resolve_by is not None and resolve_by < today:
            raise Refused()

    def add(self, forecast: Forecast, actor: str) -> None:
        self.forecasts[forecast.id] = forecast
        self.record(actor, "add", [Event(forecast.id, "created", actor)])

    def plan_update(self, forecast_id: int, actor: str, edits: dict[str, Any], add_tags: tuple[str, ...],
                    remove_tags: tuple[str, ...], status: str | None, note: str | None,
                    expected_version: int | None) -> list[Event]:
        forecast = self.live(forecast_id)
        if expected_version is not None and expected_version != forecast.version:
            raise Refused()  # written against a version that is no longer current
        events = []
        for name, value in edits.items():
            if name in ("claim", "criteria"):
                value = value.strip() or None
                if name == "claim" and value is None:
                    raise Refused()
            if name == "resolve_by" and value is not None and value < forecast.made_on:
                raise Refused()
            if getattr(forecast, name) != value:
                events.append(Event(forecast_id, "edited", actor, name, getattr(forecast, name), value))
        tags = tuple(sorted((set(forecast.tags) | set(add_tags)) - set(remove_tags)))
        if tags != forecast.tags:
            events.append(Event(forecast_id, "edited", actor, "tags", forecast.tags, tags))
        if status is not None and (status != forecast.status or note):
            # Restating the status with a note records why it still holds; leaving a final
            # status needs a note.
            if forecast.status in FINAL and status != forecast.status and not note:
                raise Refused()
            events.append(Event(forecast_id, "status_changed", actor, before=forecast.status, after=status, note=note))
        return events

    def update(self, forecast_id: int, actor: str, events: list[Event]) -> None:
        forecast = self.forecasts[forecast_id]
        for event in events:
            if event.kind == "edited":
                setattr(forecast, event.field, event.after)
            else:
                forecast.status = event.after
        self.record(actor, "update", events)

    def check_evidence(self, forecast_id: int, observed_on: dt.date, today: dt.date) -> None:
        self.live(forecast_id)
        if observed_on > today:
            raise Refused()

    def add_evidence(self, evidence: Evidence) -> None:
        self.forecasts[evidence.forecast_id].evidence[evidence.id] = evidence
        self.record(evidence.added_by, "evidence add",
                    [Event(evidence.forecast_id, "evidence_added", evidence.added_by, evidence_id=evidence.id)])

    def evidence(self, evidence_id: int) -> Evidence | None:
        for forecast in self.forecasts.values():
            if evidence_id in forecast.evidence:
                return forecast.evidence[evidence_id]
        return None

    def retract(self, evidence_id: int, actor: str, reason: str) -> None:
        item = self.evidence(evidence_id)
        if item is None or item.retracted_by is not None or self.forecasts[item.forecast_id].deleted:
            raise Refused()
        item.retracted_by, item.retraction_reason = actor, reason
        self.record(actor, "evidence retract",
                    [Event(item.forecast_id, "evidence_retracted", actor, evidence_id=evidence_id, note=reason)])

    def edit_evidence(self, evidence_id: int, actor: str, values: dict[str, str]) -> None:
        """`evidence edit`: one event naming the fields that change, before and after."""
        item = self.evidence(evidence_id)
        if item is None or self.forecasts[item.forecast_id].deleted:
            raise Refused()
        before = {name: getattr(item, name) for name, value in values.items() if getattr(item, name) != value}
        if not before:
            return
        after = {name: values[name] for name in before}
        for name, value in after.items():
            setattr(item, name, value)
        self.record(actor, "evidence edit", [Event(item.forecast_id, "evidence_edited", actor, before=before,
                                                   after=after, evidence_id=evidence_id)])

    def rename_tag(self, actor: str, old: str, new: str) -> None:
        """`tags rename`: a tags edit on every forecast not deleted that has the old tag."""
        having = [forecast for _, forecast in sorted(self.forecasts.items())
                  if not forecast.deleted and old in forecast.tags]
        if old == new or not having:
            raise Refused()
        events = []
        for forecast in having:
            before, forecast.tags = forecast.tags, tuple(sorted((set(forecast.tags) - {old}) | {new}))
            events.append(Event(forecast.id, "edited", actor, "tags", before, forecast.tags))
        self.record(actor, "tags rename", events)

    def reviewable(self, forecast_id: int) -> Forecast:
        forecast = self.live(forecast_id)
        if forecast.status in FINAL:
            raise Refused()  # settled forecasts are not reviewed
        return forecast

    def review(self, forecast_id: int, actor: str, note: str | None, today: dt.date) -> None:
        forecast = self.reviewable(forecast_id)
        before, forecast.next_review_on = forecast.next_review_on, today + dt.timedelta(days=forecast.review_every)
        self.record(actor, "review", [Event(forecast_id, "reviewed", actor, "next_review_on", before,
                                             forecast.next_review_on, note=note)])

    def snooze(self, forecast_id: int, actor: str, until: dt.date, today: dt.date) -> None:
        forecast = self.reviewable(forecast_id)
        if until < today:
            raise Refused()
        if until != forecast.next_review_on:
            before, forecast.next_review_on = forecast.next_review_on, until
            self.record(actor, "snooze", [Event(forecast_id, "snoozed", actor, "next_review_on", before, until)])

    def delete(self, forecast_id: int, actor: str, reason: str) -> None:
        forecast = self.live(forecast_id)
        forecast.deleted = True
        self.record(actor, "delete", [Event(forecast_id, "deleted", actor, note=reason)])

    # --- undo ---

    def undoable(self, change: Change) -> bool:
        """Whether undo may take this change back: not an undo itself, not taken back
        already, not overwritten, and not on a forecast deleted since (unless it deleted it)."""
        if change.undoes is not None or change.taken_back:
            return False
        subjects = {event.subject() for event in change.events}
        created = {event.forecast_id for event in change.events if event.kind == "created"}
        for later in self.changes[change.number:]:
            # A change taken back and the undo of a change newer than this one cancel out.
            if later.taken_back or (later.undoes is not None and later.undoes.number > change.number):
                continue
            for event in later.events:
                if event.forecast_id in created or event.subject() in subjects:
                    return False
        for forecast_id in {event.forecast_id for event in change.events}:
            deleted_by_it = any(e.kind == "deleted" and e.forecast_id == forecast_id for e in change.events)
            if self.forecasts[forecast_id].deleted and not deleted_by_it:
                return False
        return True

    def change_to_undo(self, actor: str) -> Change:
        for change in reversed(self.changes):
            if change.actor == actor and self.undoable(change):
                return change
        raise Refused()

    def undo(self, actor: str) -> Change:
        change = self.change_to_undo(actor)
        reverses = []
        for event in reversed(change.events):
            forecast = self.forecasts[event.forecast_id]
            undone = Event(event.forecast_id, "undone", actor, reverses=event, evidence_id=event.evidence_id)
            if event.kind == "edited":
                setattr(forecast, event.field, event.before)
                undone.after = event.before
            elif event.kind == "status_changed":
                forecast.status = undone.after = event.before
            elif event.kind in ("reviewed", "snoozed"):
                forecast.next_review_on = undone.after = event.before
            elif event.kind == "evidence_added":
                item = forecast.evidence[event.evidence_id]
                item.retracted_by, item.retraction_reason, item.retracted_by_undo = actor, None, True
            elif event.kind == "evidence_retracted":
                item = forecast.evidence[event.evidence_id]
                item.retracted_by = item.retraction_reason = None
            elif event.kind == "evidence_edited":
                item = forecast.evidence[event.evidence_id]
                for name, value in event.before.items():
                    setattr(item, name, value)
                undone.after = event.before
            elif event.kind == "deleted":
                forecast.deleted = False
            elif event.kind == "created":
                forecast.deleted = True
            reverses.append(undone)
        change.taken_back = True
        self.record(actor, "undo", reverses, undoes=change)
        return change


# --- comparing the ledger with the model ------------------------------------------------------


def expected_view(forecast: Forecast) -> dict[str, Any]:
    """What `show --format json` should say of the forecast, in the terms `shown_view` reads."""
    return {
        "id": forecast.id, "key": forecast.key, "claim": forecast.claim, "criteria": forecast.criteria,
        "source": None, "made_on": json_value(forecast.made_on), "resolve_by": json_value(forecast.resolve_by),
        "probability": forecast.probability, "status": forecast.status, "tags": list(forecast.tags),
        "review_every": forecast.review_every,
        "next_review_on": None if forecast.status in FINAL else json_value(forecast.next_review_on),
        "version": forecast.version, "deleted": forecast.deleted,
        "evidence": [expected_evidence(item) for _, item in sorted(forecast.evidence.items())],
        "changes": grouped([(event.change.number, event.change.described(), event.described())
                            for event in forecast.events]),
        "event_versions": list(range(1, forecast.version + 1)),
    }


def expected_evidence(item: Evidence) -> dict[str, Any]:
    reason = "takes back …" if item.retracted_by_undo else item.retraction_reason
    return {"id": item.id, "forecast_id": item.forecast_id, "summary": item.summary, "url": item.url,
            "observed_on": json_value(item.observed_on), "stance": item.stance, "added_by": item.added_by,
            "retracted": item.retracted_by is not None, "retracted_by": item.retracted_by,
            "retraction_reason": reason}


def shown_view(shown: dict[str, Any]) -> dict[str, Any]:
    """The parts of a `show` record the model predicts."""
    view = {name: shown[name] for name in ("id", "key", "claim", "criteria", "source", "made_on", "resolve_by",
                                           "probability", "status", "tags", "review_every", "next_review_on",
                                           "version")}
    view["deleted"] = shown["deleted_at"] is not None
    view["evidence"] = []
    for item in shown["evidence"]:
        reason = item["retraction_reason"]
        if reason is not None and reason.startswith("takes back "):
            reason = "takes back …"
        view["evidence"].append({
            **{name: item[name] for name in ("id", "forecast_id", "summary", "url", "observed_on", "stance",
                                             "added_by", "retracted_by")},
            "retracted": item["retracted_at"] is not None, "retraction_reason": reason})
    changes = {change["id"]: (change["actor"], change["command"], change["undoes"] is not None)
               for change in shown["changes"]}
    view["changes"] = grouped([(event["change"], changes[event["change"]], described(event))
                               for event in shown["events"]])
    view["event_versions"] = [event["version"] for event in shown["events"]]
    return view


def described(event: dict[str, Any]) -> tuple:
    """An event of `show` in the terms of Event.described."""
    kind = event["kind"]
    new = event.get("new") if kind in VALUED_KINDS else None
    note = event.get("note") if kind in NOTED_KINDS else None
    return (kind, event["actor"], event.get("field"), event.get("evidence_id"), event.get("from"), event.get("to"),
            new, note)


def grouped(events: list[tuple[Any, tuple, tuple]]) -> list[tuple[tuple, list[str]]]:
    """Events, each given with its change (which one, and as Change.described says it),
    gathered by change. The order of changes is the timeline's; the order of events within
    one change is left open (an update's edits may be recorded in any order)."""
    changes = []
    for (_, change), group in itertools.groupby(events, key=lambda entry: entry[:2]):
        changes.append((change, sorted(repr(description) for *_, description in group)))
    return changes


def rescored(exported: dict[str, Any]) -> dict[str, Any]:
    """`score` recomputed from an export's timelines: each undeleted forecast whose status is
    confirmed or refuted is scored on the probability in force when it last moved into that
    status; partial and void are counted beside."""
    counts = Counter()
    scored, unscored, resolutions = [], [], {}
    for forecast in exported["forecasts"]:
        status = probability = resolved_with = resolved_at = None
        for event in forecast["events"]:
            moved_to = None
            if event["kind"] == "created":
                status, probability = event["new"]["status"], event["new"]["probability"]
                if status in FINAL:
                    resolved_with, resolved_at = probability, event["at"]
            elif event["kind"] in ("edited", "undone") and event.get("field") == "probability":
                probability = event["new"]
            elif event["kind"] == "status_changed":
                moved_to = event["to"]
            elif event["kind"] == "undone" and event.get("field") == "status":
                moved_to = event["new"]
            if moved_to is not None and moved_to != status:
                status = moved_to
                resolved_with, resolved_at = probability, event["at"]
        assert (status, probability) == (forecast["status"], forecast["probability"]), forecast["id"]
        if forecast["deleted_at"] is not None or status not in FINAL:
            continue
        counts[status] += 1
        resolutions[forecast["id"]] = (status, resolved_with, resolved_at)
        if status in OUTCOMES:
            (scored if resolved_with is not None else unscored).append((resolved_with, OUTCOMES[status]))
    brier = math.fsum((p - o) ** 2 for p, o in scored) / len(scored) if scored else None
    log_score = math.fsum(math.log(min(max(p if o else 1 - p, LOG_CLIP), 1 - LOG_CLIP))
                          for p, o in scored) / len(scored) if scored else None
    hits = sum(o for _, o in unscored)
    return {"resolved": sum(counts.values()), **{status: counts[status] for status in FINAL},
            "scored": len(scored), "brier": brier, "log_score": log_score,
            "hit_rate": hits / len(unscored) if unscored else None, "hit_rate_of": len(unscored),
            "forecasts": resolutions}


def score_view(card: dict[str, Any]) -> dict[str, Any]:
    view = {name: card[name] for name in ("resolved", *FINAL, "scored", "brier", "log_score", "hit_rate",
                                          "hit_rate_of")}
    view["forecasts"] = {entry["id"]: (entry["status"], entry["probability"], entry["resolved_at"])
                         for entry in card["forecasts"]}
    return view


# --- the machine ------------------------------------------------------------------------------


# A pick is a position among the forecasts (or evidence) the model knows; MISSING, now and
# then, names one that does not exist.
MISSING = 15
picks = st.integers(0, MISSING)
actors = st.sampled_from(ACTORS)
day_offsets = st.integers(-3, 60)


class LedgerMachine(RuleBasedStateMachine):
    """Real commands on a fresh ledger, checked against LedgerModel after every step.

    Forecasts and evidence are picked by position among those the model knows, so that a
    failing example shrinks to a short story."""

    ledgers = None  # the test's EmptyLedgers, set by the test

    def __init__(self) -> None:
        super().__init__()
        self.target = self.ledgers.empty("story")
        self.folder = self.ledgers.folder
        self.model = LedgerModel()
        self.clock = Clock()
        self.day = 0
        self.clock.go(self.day)
        self.snapshots: dict[dt.date, dict[int, dict[str, Any]]] = {}
        self.keys = itertools.count(1)
        self.summaries = itertools.count(1)
        self.checked = 0  # steps checked so far

    def teardown(self) -> None:
        # The ledgers are dropped together when the test ends: PostgreSQL writes a checkpoint
        # for each DROP DATABASE, quick only when they come one after another.
        self.clock.stop()

    # --- running commands ---

    def run(self, actor: str, *args: Any):
        return run("--db", self.target, "--as", actor, *args)

    def check_outcome(self, result, verdict: Refused | None, args) -> None:
        """The command succeeded if the model says so, else failed cleanly with its code."""
        expected = 0 if verdict is None else verdict.code
        assert result.exit_code == expected, (args, result.exit_code, result.stderr, result.exception)
        assert "Traceback" not in result.stderr
        if expected:
            assert "Error:" in result.stderr, result.stderr

    def attempt(self, actor: str, args: list[Any], plan) -> Any:
        """Ask the model (`plan`, which raises Refused for a command that must fail), then run."""
        try:
            planned, verdict = plan(), None
        except Refused as refused:
            planned, verdict = None, refused
        result = self.run(actor, *args)
        self.check_outcome(result, verdict, args)
        return result, planned, verdict

    @staticmethod
    def today() -> dt.date:
        return dt.date.today()

    @staticmethod
    def picked(pick: int, ids: list[int]) -> int:
        return ids[pick % len(ids)] if pick != MISSING and ids else 10_000

    def forecast_id(self, pick: int) -> int:
        return self.picked(pick, sorted(self.model.forecasts))

    # --- rules ---

    adding = dict(actor=actors, claim=st.sampled_from(CLAIMS),
                  probability=st.none() | st.sampled_from(list(PROBABILITIES)),
                  tags=st.lists(st.sampled_from(TAGS), max_size=2), resolve_in=st.none() | day_offsets,
                  review_every=st.none() | st.integers(1, 40), criteria=st.none() | st.sampled_from(CRITERIA),
                  reuse_key=st.integers(0, 5).map(lambda n: n == 0))

    @initialize(**adding)
    def first_forecast(self, **drawn):
        """Every story starts with a forecast, so that its first steps have one to act on."""
        self.add(**drawn)

    @precondition(lambda self: len(self.model.forecasts) < MAX_FORECASTS)
    @rule(**adding)
    def add(self, actor, claim, probability, tags, resolve_in, review_every, criteria, reuse_key):
        taken = [forecast.key for forecast in self.model.forecasts.values()]
        key = taken[0] if reuse_key and taken else f"forecast-{next(self.keys)}"
        today = self.today()
        resolve_by = None if resolve_in is None else today + dt.timedelta(days=resolve_in)
        args = ["add", "--key", key]
        for name, value in (("--probability", probability), ("--resolve-by", resolve_by),
                            ("--review-every", review_every), ("--criteria", criteria)):
            if value is not None:
                args += [name, value]
        for tag in tags:
            args += ["--tag", tag]
        args += ["--", claim]  # a claim may begin with "-"
        result, _, verdict = self.attempt(actor, args, lambda: self.model.check_add(key, resolve_by, today))
        if verdict is None:
            forecast_id = int(result.stdout.strip())
            assert forecast_id not in self.model.forecasts
            self.model.add(Forecast(
                forecast_id, key, claim.strip(), (criteria or "").strip() or None, today, resolve_by,
                PROBABILITIES.get(probability), tuple(sorted(set(tags))), review_every or 30,
                today + dt.timedelta(days=review_every or 30)), actor)

    @rule(actor=actors, pick=picks,
          edits=st.fixed_dictionaries({}, optional={
              "claim": st.sampled_from(CLAIMS + ("   ",)),
              "criteria": st.sampled_from(CRITERIA),
              "probability": st.sampled_from([*PROBABILITIES, "none"]),
              "resolve_by": st.none() | day_offsets,
              "review_every": st.integers(1, 40)}),
          add_tags=st.lists(st.sampled_from(TAGS), max_size=2, unique=True),
          remove_tags=st.lists(st.sampled_from(TAGS), max_size=2, unique=True),
          status=st.none() | st.sampled_from(STATUSES),
          note_when=st.sampled_from(["needed", "always", "never"]),
          expect=st.sampled_from([None, None, None, "current", "stale"]))
    def update(self, actor, pick, edits, add_tags, remove_tags, status, note_when, expect):
        forecast_id = self.forecast_id(pick)
        forecast = self.model.forecasts.get(forecast_id)
        remove_tags = [tag for tag in remove_tags if tag not in add_tags]  # both at once: left open
        today = self.today()
        args, values = ["update", forecast_id], {}
        for name, given in edits.items():
            value = given
            if name == "probability":
                value = PROBABILITIES.get(given)
            elif name == "resolve_by":
                value = None if given is None else today + dt.timedelta(days=given)
                given = "none" if value is None else value
            values[name] = value
            args += [f"--{name.replace('_', '-')}", given]
        args += [part for tag in add_tags for part in ("--tag", tag)]
        args += [part for tag in remove_tags for part in ("--untag", tag)]
        note = None
        if status is not None:
            leaving_final = forecast is not None and forecast.status in FINAL and status != forecast.status
            if note_when == "always" or (note_when == "needed" and leaving_final):
                note = NOTES[len(args) % len(NOTES)]
            args += ["--status", status] + (["--note", note] if note else [])
        changing = len(args) > 2
        expected_version = None
        if expect is not None:
            # The version the model holds, or one it no longer is (or is not yet).
            version = forecast.version if forecast else 1
            expected_version = version if expect == "current" else version - 1 if version > 1 else version + 1
            args += ["--expect-version", expected_version]

        def plan():
            if not changing:
                raise Refused(2)  # nothing to change: a usage error
            return self.model.plan_update(forecast_id, actor, values, tuple(add_tags), tuple(remove_tags),
                                          status, note, expected_version)

        _, events, verdict = self.attempt(actor, args, plan)
        if verdict is None:
            self.model.update(forecast_id, actor, events)

    @rule(actor=actors, pick=picks, summary=st.sampled_from(["Talks resumed", "Отчёт вышел"]),
          stance=st.sampled_from(STANCES), observed=st.none() | st.integers(-20, 1),
          url=st.none() | st.just("https://example.org/a?b=1"))
    def add_evidence(self, actor, pick, summary, stance, observed, url):
        forecast_id = self.forecast_id(pick)
        # Each piece of evidence reads differently: import tells alike pieces apart wrongly
        # (test_importing_its_own_export_with_two_alike_pieces_of_evidence_changes_nothing).
        summary = f"{summary} ({next(self.summaries)})"
        today = self.today()
        observed_on = today + dt.timedelta(days=observed or 0)
        args = ["evidence", "add", forecast_id, summary, "--stance", stance]
        if observed is not None:
            args += ["--observed-on", f"{observed:+d}d"]
        if url:
            args += ["--url", url]
        result, _, verdict = self.attempt(actor, args,
                                          lambda: self.model.check_evidence(forecast_id, observed_on, today))
        if verdict is None:
            evidence_id = int(result.stdout.strip())
            assert self.model.evidence(evidence_id) is None
            self.model.add_evidence(Evidence(evidence_id, forecast_id, summary, stance, observed_on, url, actor))

    @rule(actor=actors, pick=picks, reason=st.sampled_from(["misreported", "Опровергнуто"]))
    def retract_evidence(self, actor, pick, reason):
        known = sorted(item.id for forecast in self.model.forecasts.values() for item in forecast.evidence.values())
        evidence_id = self.picked(pick, known)
        self.attempt(actor, ["evidence", "retract", evidence_id, "--reason", reason],
                     lambda: self.model.retract(evidence_id, actor, reason))

    @rule(actor=actors, pick=picks, stance=st.none() | st.sampled_from(STANCES), reword=st.booleans())
    def edit_evidence(self, actor, pick, stance, reword):
        known = sorted(item.id for forecast in self.model.forecasts.values() for item in forecast.evidence.values())
        evidence_id = self.picked(pick, known)
        values = {"stance": stance} if stance else {}
        if reword:
            # Still a summary of its own (see add_evidence).
            values["summary"] = f"Reworded ({next(self.summaries)})"
        args = ["evidence", "edit", evidence_id] + [part for name, value in values.items()
                                                    for part in (f"--{name}", value)]

        def plan():
            if not values:
                raise Refused(2)  # nothing to change: a usage error
            self.model.edit_evidence(evidence_id, actor, values)

        self.attempt(actor, args, plan)

    @rule(actor=actors, old=st.sampled_from(TAGS), new=st.sampled_from(TAGS))
    def rename_tag(self, actor, old, new):
        self.attempt(actor, ["tags", "rename", old, new], lambda: self.model.rename_tag(actor, old, new))

    @rule(actor=actors, pick=picks, note=st.none() | st.sampled_from(NOTES))
    def review(self, actor, pick, note):
        forecast_id = self.forecast_id(pick)
        args = ["review", forecast_id] + (["--note", note] if note else [])
        self.attempt(actor, args, lambda: self.model.review(forecast_id, actor, note, self.today()))

    @rule(actor=actors, pick=picks, days=st.integers(-2, 45))
    def snooze(self, actor, pick, days):
        forecast_id = self.forecast_id(pick)
        today = self.today()
        until = today + dt.timedelta(days=days)
        self.attempt(actor, ["snooze", forecast_id, "--until", f"{days:+d}d"],
                     lambda: self.model.snooze(forecast_id, actor, until, today))

    # Deleting the last forecast standing would leave most rules nothing to act on.
    @precondition(lambda self: sum(not forecast.deleted for forecast in self.model.forecasts.values()) > 1)
    @rule(actor=actors, pick=picks)
    def delete(self, actor, pick):
        forecast_id = self.forecast_id(pick)
        self.attempt(actor, ["delete", forecast_id, "--reason", "entered twice"],
                     lambda: self.model.delete(forecast_id, actor, "entered twice"))

    @rule(actor=actors)
    def undo(self, actor):
        result, change, verdict = self.attempt(actor, ["undo", "--yes", "--format", "json"],
                                               lambda: self.model.undo(actor))
        if verdict is None:
            # The change tracker took back is the one the model chose.
            taken_back = result.json()
            assert taken_back["actor"] == actor
            assert sorted(repr((event["forecast_id"], described(event))) for event in taken_back["events"]) == \
                sorted(repr((event.forecast_id, event.described())) for event in change.events)

    # An export of no forecast is an empty file, which import refuses as holding nothing.
    @precondition(lambda self: self.model.forecasts)
    @rule(actor=actors, fmt=st.sampled_from(["json", "jsonl", "csv"]))
    def import_own_export(self, actor, fmt):
        """Importing what the ledger exported finds every forecast as it is: nothing changes."""
        path = self.folder / f"own-{self.checked}.{fmt}"
        exported = self.run(actor, "export", "-o", path)
        self.check_outcome(exported, None, "export")
        imported = self.run(actor, "import", path)
        self.check_outcome(imported, None, "import")
        assert f"0 added, 0 updated, {len(self.model.forecasts)} unchanged" in imported.stderr

    @rule(days=st.integers(1, 10))
    def next_day(self, days):
        self.day += days
        self.clock.go(self.day)

    # --- after every step ---

    @invariant()
    def the_ledger_agrees_with_the_model(self):
        self.checked += 1
        self.snapshots[self.today()] = {forecast_id: expected_view(forecast)
                                        for forecast_id, forecast in self.model.forecasts.items()}
        self.each_forecast_shows_as_the_model_says()
        self.an_earlier_day_shows_as_the_model_stood_then()
        self.doctor_finds_nothing_wrong()
        exported = self.run(ACTORS[0], "export", "--format", "json")
        self.check_outcome(exported, None, "export")
        self.score_is_the_recomputation_from_the_export(exported.json())
        if self.checked % ROUND_TRIP_EVERY == 0:
            self.export_import_export_gives_the_same_bytes(exported.stdout)

    def each_forecast_shows_as_the_model_says(self):
        for forecast_id, forecast in self.model.forecasts.items():
            shown = self.run(ACTORS[0], "show", forecast_id, "--format", "json")
            self.check_outcome(shown, None, ("show", forecast_id))
            assert shown_view(shown.json()) == expected_view(forecast)

    def an_earlier_day_shows_as_the_model_stood_then(self):
        earlier = sorted(day for day in self.snapshots if day < self.today())
        ids = sorted(self.model.forecasts)
        if not (earlier and ids):
            return
        # One forecast a step, in turn, keeps the steps quick; the day is one with steps of its
        # own, now and then the day before it.
        forecast_id = ids[self.checked % len(ids)]
        day = earlier[self.checked % len(earlier)] - dt.timedelta(days=self.checked % 4 == 0)
        standing = [seen for seen in earlier if seen <= day]
        then = self.snapshots[standing[-1]] if standing else {}
        shown = self.run(ACTORS[0], "show", forecast_id, "--as-of", day.isoformat(), "--format", "json")
        # A forecast added later was not yet in the ledger then: `show` says so and fails.
        self.check_outcome(shown, None if forecast_id in then else Refused(), ("show --as-of", day, forecast_id))
        if forecast_id in then:
            assert shown_view(shown.json()) == then[forecast_id], day

    def doctor_finds_nothing_wrong(self):
        result = self.run(ACTORS[0], "doctor", "--format", "json")
        assert result.exit_code == 0, result.stdout + result.stderr
        assert all(check["ok"] for check in result.json())

    def score_is_the_recomputation_from_the_export(self, exported: dict[str, Any]):
        card = self.run(ACTORS[0], "score", "--format", "json")
        self.check_outcome(card, None, "score")
        shown, expected = score_view(card.json()), rescored(exported)
        for name in ("brier", "log_score", "hit_rate"):
            value, recomputed = shown.pop(name), expected.pop(name)
            # Sums of the same terms, rounded differently: ln(1 - (1 - 1e-6)) is not ln(1e-6).
            assert value == (None if recomputed is None else pytest.approx(recomputed, rel=1e-9)), name
        assert shown == expected

    def export_import_export_gives_the_same_bytes(self, exported: str):
        path = self.folder / f"round-trip-{self.checked}.json"
        path.write_text(exported, encoding="utf-8")
        empty = self.ledgers.empty("copy")
        imported = run("--db", empty, "--as", ACTORS[1], "import", path)
        self.check_outcome(imported, None, "import")
        again = run("--db", empty, "export", "--format", "json")
        self.check_outcome(again, None, "export")
        assert again.stdout == exported


class EmptyLedgers:
    """Empty ledgers, each as the test's ledgers are made: a copy of the template file on
    SQLite; on PostgreSQL one database for each use, made the first time and emptied (rows
    gone, ids from 1) each time after, because every DROP DATABASE costs a checkpoint."""

    def __init__(self, factory) -> None:
        self.factory = factory
        self.folder = factory.folder
        self.databases: dict[str, str] = {}

    def empty(self, use: str) -> str:
        if self.factory.backend == "sqlite":
            return self.factory.new()
        if use not in self.databases:
            self.databases[use] = self.factory.new()
            return self.databases[use]
        engine = create_engine(self.databases[use])
        with engine.begin() as conn:
            tables = conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                                       "AND tablename <> 'alembic_version'")).all()
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return self.databases[use]


def test_the_ledger_follows_its_model(ledgers, backend):  # noqa: F811
    class Run(LedgerMachine):
        pass

    Run.ledgers = EmptyLedgers(ledgers)
    run_state_machine_as_test(Run, settings=settings(
        max_examples=int(os.environ.get("TRACKER_MODEL_EXAMPLES", EXAMPLES[backend])),
        stateful_step_count=int(os.environ.get("TRACKER_MODEL_STEPS", STEPS[backend])),
        deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
