"""Another tracker's question as a full-fidelity forecast object: its whole history, as events.

Each reader (fatebook.py, predictionbook.py, iqisa.py, gjp.py) turns its files into `Question`s:
the question as its source states it, every forecast every person made on it, its comments and
its resolution, each at its own moment and by its own person. `forecast_object` writes one as
the interchange object `tracker export` would write for it: the fields, `evidence`, and
`events` numbered 1..n in the order they happened:

- `created` at the question's creation, by its creator (a placeholder actor when the source
  does not say who), holding its title, notes, dates and options; its `probability` is the
  creator's first forecast, the chance the question's owner stated;
- one `estimate` for every forecast, by its forecaster at its moment (several by one person in
  one second are all kept, in file order);
- one `evidence_added` for every comment, by its author at its moment;
- a `status_changed` at the resolution's moment, by whoever the source says resolved it, else
  the importing user.

So a new question goes through the bulk restore, and is checked against the fold (services/
replay.py) like any export. The same object is what a re-import merges into a question the
ledger has (services/imports.py).

Real data is untidy, and an import keeps what is odd but real rather than refusing the file:
deadlines before creation, questions with no title, forecasts before the question's own
start, probabilities of exactly 0 and 1. `Notes` counts each kind, the import's summary says
so, and the forecasts concerned carry a `flag:` tag (`tracker list --tag flag:no-title`).
"""

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tracker.errors import InvalidInput
from tracker.services.forecasts import DEFAULT_REVIEW_EVERY
from tracker.services.replay import median

FLAG_PREFIX = "flag:"
# A forecast made within this long of a question's creation, by its creator, is the chance
# the creator stated when asking (PredictionBook asks for it with the question).
AT_CREATION = dt.timedelta(minutes=1)
# How far apart the probabilities of one multiple-choice forecast may sum from 1 and be kept as given.
SUM_TOLERANCE = 1e-6

# What each note says, for one and for several; those with a tag mark the forecasts concerned.
NOTES: dict[str, tuple[str, str]] = {
    "no-title": ("question with no title given a placeholder title",
                 "questions with no title given a placeholder title"),
    "deadline-before-creation": ("deadline before creation kept", "deadlines before creation kept"),
    "forecasts-before-creation": ("question with forecasts before its start created at its first forecast",
                                  "questions with forecasts before their start created at their first forecast"),
    "resolved-before-creation": ("resolution dated before its question's creation moved to the creation",
                                 "resolutions dated before their question's creation moved to the creation"),
    "creator-unknown": ("question whose creator the file does not name credited to a placeholder",
                        "questions whose creator the file does not name credited to a placeholder"),
    "odd-resolution": ("multiple-choice question resolved to no single option imported as void",
                       "multiple-choice questions resolved to no single option imported as void"),
    "estimates-normalised": ("question with a multiple-choice forecast that did not sum to 1, normalised",
                             "questions with multiple-choice forecasts that did not sum to 1, normalised"),
    "hidden": ("hidden forecast (empty cell) skipped", "hidden forecasts (empty cells) skipped"),
    "certain": ("probability of exactly 0 or 1 kept", "probabilities of exactly 0 or 1 kept"),
    "same-second": ("forecast made in the same second as another by the same person kept",
                    "forecasts made in the same second as another by the same person kept"),
    "after-resolution": ("forecast made after its question's resolution kept (scores leave it out)",
                         "forecasts made after their question's resolution kept (scores leave them out)"),
    "ambiguous": ("question judged ambiguous or voided imported as void",
                  "questions judged ambiguous or voided imported as void"),
    "undated-comments": ("question whose comments have no time of their own, dated at its last known moment",
                         "questions whose comments have no time of their own, dated at their last known moment"),
    "unknown-question": ("forecast on a question the questions file does not have skipped",
                         "forecasts on questions the questions file does not have skipped"),
}
FLAGGED = ("no-title", "deadline-before-creation", "forecasts-before-creation", "resolved-before-creation",
           "creator-unknown", "odd-resolution", "estimates-normalised")


@dataclass
class Notes:
    """What an import of another tracker's files found odd but kept, and how much it read."""

    counts: Counter = field(default_factory=Counter)
    estimates: int = 0
    people: set[str] = field(default_factory=set)

    def note(self, name: str, n: int = 1) -> None:
        self.counts[name] += n

    def lines(self) -> list[str]:
        """The summary: what was read, then each kind of oddity with its count."""
        said = [f"{self.estimates} estimate{'s' * (self.estimates != 1)} by {len(self.people)} "
                f"{'person' if len(self.people) == 1 else 'people'}."]
        for name, (one, several) in NOTES.items():
            if n := self.counts[name]:
                tagged = f" (tagged {FLAG_PREFIX}{name})" if name in FLAGGED else ""
                said.append(f"{n} {one if n == 1 else several}{tagged}.")
        return said


@dataclass
class Prediction:
    """One person's forecast: a probability, or for multiple choice one per option."""

    actor: str
    at: dt.datetime
    value: float | dict[str, float]


@dataclass
class Comment:
    """A comment on the question; `dated` False when the source gives no moment of its own."""

    actor: str
    at: dt.datetime | None
    text: str
    dated: bool = True


@dataclass
class Resolution:
    """How a question ended: `status` confirmed, refuted or void; for multiple choice the
    `outcome` option; when (None: not known) and by whom (None: the importing user)."""

    status: str
    at: dt.datetime | None = None
    actor: str | None = None
    outcome: str | None = None


@dataclass
class Question:
    """One question as its source gives it."""

    where: str
    key: str
    claim: str | None
    placeholder: str  # the claim when the source gives no title
    created_at: dt.datetime
    creator: str | None  # None: the source does not say who asked
    source: dict[str, Any]
    unknown_creator: str  # the placeholder actor for an unnamed creator
    criteria: str | None = None
    resolve_by: dt.date | None = None
    options: list[str] | None = None
    tags: list[str] = field(default_factory=list)
    predictions: list[Prediction] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    resolution: Resolution | None = None
    flags: set[str] = field(default_factory=set)


def utc(moment: dt.datetime) -> dt.datetime:
    """A source's moment in UTC; one without a zone is taken as UTC (the sources' servers' zone)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)


def options_value(values: dict[str, float], options: list[str], question: Question) -> dict[str, float]:
    """One multiple-choice forecast as a probability for every option summing to 1: options it
    leaves out share what is left (as Fatebook shows them), and a sum off 1 is scaled to 1."""
    given = {option: values[option] for option in options if option in values}
    missing = [option for option in options if option not in given]
    if missing:
        left = max(0.0, 1 - sum(given.values()))
        given.update({option: left / len(missing) for option in missing})
    total = sum(given.values())
    if abs(total - 1) <= SUM_TOLERANCE:
        return {option: given[option] for option in options}
    question.flags.add("estimates-normalised")
    if total == 0:
        return {option: 1 / len(options) for option in options}
    return {option: given[option] / total for option in options}


def forecast_object(question: Question, importer: str, now: dt.datetime, notes: Notes) -> dict[str, Any]:
    """The full-fidelity interchange object of one question, events and all."""
    flags = question.flags
    claim = (question.claim or "").strip()
    if not claim:
        claim = question.placeholder
        flags.add("no-title")
    creator = question.creator
    if creator is None:
        creator = question.unknown_creator
        flags.add("creator-unknown")
    created_at = question.created_at
    dated_comments = [comment.at for comment in question.comments if comment.at is not None]
    first = min([p.at for p in question.predictions] + dated_comments, default=created_at)
    if first is None:
        raise InvalidInput(f"{question.where}: the question has no moment of creation and no dated forecast or "
                           "comment; tracker cannot place it in time.")
    if created_at is None or first < created_at:
        created_at = first
        flags.add("forecasts-before-creation")
    made_on = created_at.date()
    if question.resolve_by is not None and question.resolve_by < made_on:
        flags.add("deadline-before-creation")

    # Each happening once, in the order it happened; at one moment, forecasts and comments in
    # file order, then the resolution.
    happenings: list[tuple[dt.datetime, int, int, str, Any]] = []
    for n, prediction in enumerate(question.predictions):
        happenings.append((prediction.at, 0, n, "estimate", prediction))
    last_known = max([created_at] + [p.at for p in question.predictions] + dated_comments)
    resolution = question.resolution
    if resolution is not None:
        resolved_at = resolution.at
        if resolved_at is None:
            resolved_at = now
        elif resolved_at < created_at:
            resolved_at = created_at
            flags.add("resolved-before-creation")
        happenings.append((resolved_at, 1, 0, "resolution", resolution))
        last_known = max(last_known, resolved_at) if resolution.at is not None else last_known
    if any(not comment.dated for comment in question.comments):
        notes.note("undated-comments")
    for n, comment in enumerate(question.comments):
        happenings.append((comment.at or last_known, 0, len(question.predictions) + n, "comment", comment))
    happenings.sort(key=lambda happening: happening[:3])

    probability = None
    if question.options is None:
        own = [p for p in question.predictions if p.actor == creator and abs(p.at - question.created_at) <= AT_CREATION]
        probability = min(own, key=lambda p: p.at).value if own else None
    status, outcome = "open", None
    tags = sorted(set(question.tags) | {FLAG_PREFIX + flag for flag in flags})
    next_review_on = made_on + dt.timedelta(days=DEFAULT_REVIEW_EVERY)
    initial = {"key": question.key, "claim": claim, "criteria": question.criteria, "made_on": made_on.isoformat(),
               "resolve_by": None if question.resolve_by is None else question.resolve_by.isoformat(),
               "probability": probability, "status": "open", "tags": tags, "review_every": DEFAULT_REVIEW_EVERY,
               "next_review_on": next_review_on.isoformat()}
    if question.options is not None:
        initial["options"] = question.options
    events: list[dict[str, Any]] = [{"kind": "created", "at": created_at, "actor": creator, "version": 1,
                                     "new": initial}]
    evidence: list[dict[str, Any]] = []
    latest: dict[str, tuple[dt.datetime, Any]] = {}
    made_at: Counter = Counter()
    for at, _, _, kind, what in happenings:
        version = len(events) + 1
        if kind == "estimate":
            events.append({"kind": "estimate", "at": at, "actor": what.actor, "version": version, "new": what.value,
                           "note": None, "evidence_ids": []})
            latest[what.actor] = (at, what.value)
            made_at[what.actor, at] += 1
            if question.options is None and what.value in (0, 1):
                notes.note("certain")
            if status != "open":
                notes.note("after-resolution")
        elif kind == "comment":
            number = len(evidence) + 1
            evidence.append({"id": number, "summary": what.text, "url": None,
                             "observed_on": at.date() if what.dated else None, "stance": "context",
                             "added_at": at, "added_by": what.actor, "retracted_at": None, "retracted_by": None,
                             "retraction_reason": None})
            events.append({"kind": "evidence_added", "at": at, "actor": what.actor, "version": version,
                           "evidence_id": number, "note": None})
        else:
            status, outcome = what.status, what.outcome
            event = {"kind": "status_changed", "at": at, "actor": what.actor or importer, "version": version,
                     "from": "open", "to": status, "note": None, "evidence_ids": []}
            if question.options is not None:
                event.update(old=None, new=outcome)
            events.append(event)
    notes.estimates += len(question.predictions)
    notes.people.update(p.actor for p in question.predictions)
    notes.note("same-second", sum(n - 1 for n in made_at.values()))
    for flag in flags:
        notes.note(flag)
    binary = [value for _, value in latest.values()] if question.options is None else []
    return {
        "key": question.key, "claim": claim, "criteria": question.criteria, "source": question.source,
        "made_on": made_on, "resolve_by": question.resolve_by, "probability": probability, "status": status,
        "tags": tags, "review_every": DEFAULT_REVIEW_EVERY, "next_review_on": next_review_on,
        "created_at": created_at, "updated_at": events[-1]["at"], "version": len(events), "deleted_at": None,
        "options": question.options, "outcome": outcome, "aggregate": median(binary),
        "evidence": evidence, "events": events,
    }


_NAME_PARTS = re.compile(r"[^\w.:/+-]+")


def tag_name(prefix: str, text: str) -> str | None:
    """A tag from free text (a tournament's name): its words joined by hyphens, after `prefix`."""
    words = "-".join(part for part in _NAME_PARTS.split(text.strip().lower()) if part)[:80].strip("-")
    return f"{prefix}{words}" if words else None
