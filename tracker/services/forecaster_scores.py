"""Scores per forecaster: how each person's estimates did, and the team's aggregates beside them.

For every resolved, undeleted forecast with estimates, its events are folded (services/replay.py)
and each forecaster's standing estimates made before the resolution are scored against what
happened: a binary forecast confirmed (1) or refuted (0), a multiple-choice one confirmed with
its outcome option. Partial and void forecasts are not scored.

- At resolution: each forecaster's latest estimate before the resolution, by Brier score
  ((p − o)², and for multiple choice the sum over options of (pᵢ − oᵢ)², 0 to 2, as the Good
  Judgment Project scored) and log score (the natural log of the probability given to what
  happened, clipped as `score` clips).
- Time-averaged: the mean of the daily Brier score over the UTC days from the forecaster's first
  estimate to the day of the resolution, each day scored on the latest estimate made by its end
  (or by the resolution, on its day).
- Relative: on each such day, the forecaster's Brier score minus the median of the other
  forecasters' that day (those with an estimate standing), averaged over the days that had
  others; negative is better than the crowd.

The aggregates (median, mean and geometric mean of odds of the forecasters' latest estimates)
are scored the same way, each day from the estimates standing that day, as forecasters named
`(median)`, `(mean)` and `(geometric mean of odds)`.

`score_question` says all this plainly, for any forecast; a yes/no forecast is scored by
`score_binary`, which gives the same numbers in fewer steps (a test holds the two equal).
"""

import datetime as dt
import math
import statistics
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter, itemgetter
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from tracker.progress import Progress, counted
from tracker.services.estimates import pooled_odds, pooled_options
from tracker.services.replay import Estimate, Step, decode, estimate_value, fold
from tracker.services.scoring import ExactSum, calibration_table, clip
from tracker.storage.models import Event, Forecast, scored

AGGREGATES = ("(median)", "(mean)", "(geometric mean of odds)")
DAY = dt.timedelta(days=1)
BATCH = 2000


@dataclass
class Question:
    """A resolved forecast as the forecaster scores see it."""

    id: int
    options: list[str] | None
    outcome: dict[str, int] | int
    resolved_at: dt.datetime
    estimates: list[Estimate]  # in the order made


def brier(value: float | dict[str, float], outcome: dict[str, int] | int) -> float:
    if isinstance(outcome, dict):
        return sum((value[option] - hit) ** 2 for option, hit in outcome.items())
    return (value - outcome) ** 2


def log_score(value: float | dict[str, float], outcome: dict[str, int] | int) -> float:
    if isinstance(outcome, dict):
        happened = next(option for option, hit in outcome.items() if hit)
        return math.log(clip(value[happened]))
    return math.log(clip(value) if outcome else 1 - clip(value))


# The events that decide what a forecaster is scored on: estimates and their undoing, status
# changes and outcomes (and their undoing), and the creation, which names the options.
SCORED_EVENTS = or_(Event.kind.in_(("estimate", "status_changed", "created")),
                    and_(Event.kind == "undone", Event.field.in_(("estimate", "status", "outcome"))))


def questions(session: Session, scope: ColumnElement[bool] | None = None) -> Iterator[Question]:
    """Every resolved, undeleted forecast with estimates, scored or not yet, in id order; with
    `scope`, a condition on forecasts, only those it holds for."""
    with_estimates = select(Event.forecast_id).where(Event.kind == "estimate")
    query = (select(Forecast.id, Forecast.made_on, Forecast.options, Event.kind, Event.at, Event.actor,
                    Event.field, Event.from_status, Event.to_status, Event.old_value, Event.new_value, Event.note)
             .join(Event, and_(Event.forecast_id == Forecast.id, SCORED_EVENTS))
             .where(scored(), Forecast.id.in_(with_estimates), *([] if scope is None else [scope])).order_by(Forecast.id, Event.id))
    rows = session.connection().execution_options(yield_per=BATCH).execute(query)
    for forecast_id, group in groupby(rows, key=itemgetter(0)):
        group = list(group)
        made_on, options = group[0][1], group[0][2]
        if any(row[3] == "undone" and row[6] == "estimate" for row in group):
            state = fold({"made_on": made_on}, [step(row[3:]) for row in group], {})
            estimates = None if state is None else state.in_time_order()
        else:
            # No estimate taken back: the estimates standing are the estimate events themselves
            # (the fold would keep each), and the fold of the other events gives the resolution.
            state = fold({"made_on": made_on}, [step(row[3:]) for row in group if row[3] != "estimate"], {})
            estimates = sorted((Estimate(row[5], row[4], estimate_value(decode(row[10]), options), row[11])
                                for row in group if row[3] == "estimate"), key=attrgetter("at"))
        if state is None or state.resolution is None:
            continue
        resolution = state.resolution
        if options:
            if resolution.status != "confirmed" or resolution.outcome_option is None:
                continue
            outcome: dict[str, int] | int = {o: int(o == resolution.outcome_option) for o in options}
        elif resolution.status in ("confirmed", "refuted"):
            outcome = int(resolution.status == "confirmed")
        else:
            continue
        yield Question(forecast_id, options, outcome, resolution.resolved_at, estimates)


def step(row: tuple) -> Step:
    kind, at, actor, name, from_status, to_status, old, new, note = row
    if kind == "created":
        # Only what this fold needs of the created event: the options and the first status.
        initial = decode(new)
        new = {key: initial.get(key) for key in ("options", "status")}
        return Step(kind, at, actor, 0, new={k: v for k, v in new.items() if v is not None})
    return Step(kind, at, actor, 0, name, decode(old), decode(new), from_status, to_status, None, note)


class Tally:
    """An exact sum (ExactSum's) of values that repeat: each distinct value is counted as it comes
    and summed once. Scores take few distinct values (probabilities are given on a grid), so this
    does a fraction of the work; past `PENDING` distinct values they are summed, to bound memory."""

    PENDING = 4096
    __slots__ = ("pending", "exact")

    def __init__(self) -> None:
        self.pending: dict[float, int] = {}
        self.exact = ExactSum()

    def add(self, value: float, times: int = 1) -> None:
        pending = self.pending
        pending[value] = pending.get(value, 0) + times
        if len(pending) > self.PENDING:
            self._settle()

    def _settle(self) -> None:
        for value, times in self.pending.items():
            self.exact.add(value, times)
        self.pending.clear()

    def total(self) -> float:
        self._settle()
        return self.exact.total()


@dataclass
class Card:
    """One forecaster's scores in the making."""

    questions: int = 0
    # How often each (Brier, log score) pair at resolution of a multiple-choice forecast came.
    choices: Counter = field(default_factory=Counter)
    relative: ExactSum = field(default_factory=ExactSum)
    relative_days: int = 0
    # The questions' time-averaged scores, summed exactly and rounded once (as math.fsum would).
    time_averaged: ExactSum = field(default_factory=ExactSum)
    # How often each (final probability, outcome) pair of a yes/no forecast came: the calibration
    # table, and the Brier and log scores at resolution, summed at the end.
    calibration: Counter = field(default_factory=Counter)

    def finish(self, name: str) -> dict[str, Any]:
        n = self.questions
        # A yes/no forecast's Brier and log score at resolution depend only on the final
        # probability and the outcome: each pair counted is worked out once, here.
        brier, log = Tally(), Tally()
        for (final, outcome), times in self.calibration.items():
            brier.add((final - outcome) ** 2, times)
            log.add(log_score(final, outcome), times)
        for (score, logarithm), times in self.choices.items():
            brier.add(score, times)
            log.add(logarithm, times)
        return {
            "group": name,
            "aggregate": name in AGGREGATES,
            "scored": n,
            "brier": brier.total() / n if n else None,
            "log_score": log.total() / n if n else None,
            "brier_time_averaged": self.time_averaged.total() / n if n else None,
            "relative_brier": self.relative.total() / self.relative_days if self.relative_days else None,
            "relative_days": self.relative_days,
            "calibration": calibration_table(self.calibration),
        }


def forecaster_scorecards(session: Session, scope: ColumnElement[bool] | None = None, *,
                          progress: Progress | None = None) -> list[dict[str, Any]]:
    """One scorecard per forecaster, then one per aggregate, each with its `group` name; `scope`
    as in `questions`. `progress` is told how many questions have been scored."""
    cards: dict[str, Card] = {}
    for question in counted(questions(session, scope), progress):
        if question.options is None:
            score_binary(question, cards)
        else:
            score_question(question, cards)
    people = sorted((name for name in cards if name not in AGGREGATES), key=lambda name: (name.casefold(), name))
    return [cards[name].finish(name) for name in people + [name for name in AGGREGATES if name in cards]]


def timelines(question: Question) -> dict[str, list[tuple[dt.date, float | dict[str, float]]]]:
    """Each forecaster's estimates made before the resolution, as (UTC day, value) in order."""
    made: dict[str, list[tuple[dt.date, Any]]] = {}
    for estimate in question.estimates:
        if estimate.at < question.resolved_at:
            made.setdefault(estimate.actor, []).append((estimate.at.astimezone(dt.timezone.utc).date(), estimate.value))
    return made


def daily_values(made: list[tuple[dt.date, Any]], days: list[dt.date]) -> list[Any]:
    """The value standing at the end of each day (None before the first), for days in order."""
    values, n, current = [], 0, None
    for day in days:
        while n < len(made) and made[n][0] <= day:
            current = made[n][1]
            n += 1
        values.append(current)
    return values


def score_question(question: Question, cards: dict[str, Card]) -> None:
    made = timelines(question)
    if not made:
        return
    last_day = question.resolved_at.astimezone(dt.timezone.utc).date()
    # The days on which any standing estimate changes, and the day of the resolution; between
    # two of them every forecaster's standing estimate is the same, so each stretch is scored once.
    starts = sorted({day for estimates in made.values() for day, _ in estimates} | {last_day})
    lengths = [((starts[n + 1] - day).days if n + 1 < len(starts) else 1) for n, day in enumerate(starts)]
    standing = {name: daily_values(estimates, starts) for name, estimates in made.items()}
    aggregate_values = aggregate_series(question, standing, len(starts))
    outcome = question.outcome
    binary = question.options is None
    daily = {name: [None if v is None else (v - outcome) ** 2 if binary else brier(v, outcome) for v in values]
             for name, values in {**standing, **aggregate_values}.items()}
    # On each stretch, the forecasters' scores in order: the median of the others' is read from
    # them with one's own left out (the same numbers statistics.median gives for the others).
    crowds = [sorted(score for scores in (daily[name] for name in standing) if (score := scores[n]) is not None)
              for n in range(len(starts))]
    crowd_medians = [median_of(crowd) for crowd in crowds]  # what an aggregate is compared with
    # Names whose days score alike are worked out once: with one forecaster the median and the
    # mean are that forecaster's estimates, with two the median is the mean.
    worked: dict[tuple, Worked] = {}
    for name, scores in daily.items():
        person = name in standing
        final = (standing.get(name) or aggregate_values[name])[-1]
        key = (tuple(scores), person, final) if binary else None
        result = worked.get(key) if binary else None
        if result is None:
            result = work(scores, lengths, crowds if person else None, crowd_medians)
            if not binary:
                result.log = log_score(final, outcome)
            if binary:
                worked[key] = result
        card = cards.get(name)
        if card is None:
            card = cards[name] = Card()
        card.questions += 1
        if binary:
            card.calibration[final, outcome] += 1
        else:
            card.choices[scores[-1], result.log] += 1
        card.time_averaged.add(result.time_averaged)
        card.relative.add_terms(result.relative)
        card.relative_days += result.relative_days


def score_binary(question: Question, cards: dict[str, Card]) -> None:
    """What score_question adds to the cards for a yes/no forecast (every PredictionBook
    question is one), in fewer steps: the same numbers exactly (tests/test_scoring.py holds the
    two equal on random timelines).

    The forecasters' probabilities are laid out on the stretches between the days anything
    changes, each stretch's crowd read once; with one forecaster, the median and the mean are
    that forecaster's own values, and so is the crowd an aggregate is compared with."""
    made = timelines(question)
    if not made:
        return
    outcome = question.outcome
    last_day = question.resolved_at.astimezone(dt.timezone.utc).date()
    starts = sorted({day for estimates in made.values() for day, _ in estimates} | {last_day})
    count = len(starts)
    lengths = [(starts[n + 1] - starts[n]).days for n in range(count - 1)]
    lengths.append(1)
    position = {day: n for n, day in enumerate(starts)}
    rows: list[list[Any]] = []
    for estimates in made.values():
        row: list[Any] = [None] * count
        for day, value in estimates:  # in the order made: a day's last stands
            row[position[day]] = value
        current = None
        for n, value in enumerate(row):
            if value is None:
                row[n] = current
            else:
                current = value
        rows.append(row)
    scores = [[None if value is None else (value - outcome) ** 2 for value in row] for row in rows]
    if len(rows) == 1:
        own = scores[0]
        crowds = None
        medians = own
        series = [(rows[0], own), (rows[0], own)]
        pooled = [None if value is None else pooled_odds([value]) for value in rows[0]]
    else:
        crowds = [sorted(score for column in scores if (score := column[n]) is not None) for n in range(count)]
        medians = [median_of(crowd) for crowd in crowds]
        median: list[Any] = []
        mean: list[Any] = []
        pooled = []
        for n in range(count):
            values = [value for row in rows if (value := row[n]) is not None]
            if values:
                median.append(median_of(sorted(values)))
                mean.append(math.fsum(values) / len(values))  # statistics.fmean's own arithmetic
                pooled.append(pooled_odds(values))
            else:
                median.append(None)
                mean.append(None)
                pooled.append(None)
        series = [(values, [None if value is None else (value - outcome) ** 2 for value in values])
                  for values in (median, mean)]
    series.append((pooled, [None if value is None else (value - outcome) ** 2 for value in pooled]))
    worked: dict[tuple, Worked] = {}
    # The forecasters, each compared with the others (no one, when alone); then the aggregates,
    # each compared with the forecasters' median.
    for names, found, person in ((made, zip(rows, scores), True), (AGGREGATES, series, False)):
        for name, (values, own) in zip(names, found):
            key = (person, *own)
            result = worked.get(key)
            if result is None:
                result = worked[key] = work(own, lengths, crowds if person else None,
                                            [None] * count if person else medians)
            card = cards.get(name)
            if card is None:
                card = cards[name] = Card()
            card.questions += 1
            card.calibration[values[-1], outcome] += 1
            card.time_averaged.add(result.time_averaged)
            if result.relative_days:
                card.relative.add_terms(result.relative)
                card.relative_days += result.relative_days


@dataclass(slots=True)
class Worked:
    """What one forecaster's days on one question add to their card."""

    time_averaged: float
    relative: list[tuple[float, int]]  # (score − the others' median, days), equal ones in a row together
    relative_days: int
    log: float = 0.0


def work(scores: list[float | None], lengths: list[int], crowds: list[list[float]] | None,
         crowd_medians: list[float | None]) -> Worked:
    """The time-averaged and relative Brier terms of one forecaster's daily scores, compared on
    each day with the others' median (from `crowds`, less their own score), or of an aggregate's,
    compared with the forecasters' median (`crowds` None). The sums are exact, so equal terms in
    a row are added at once: the result is the same."""
    runs: list[tuple[float, int]] = []
    relative: list[tuple[float, int]] = []
    current, run, days = None, 0, 0
    difference, difference_run, relative_days = None, 0, 0
    for n, (score, length) in enumerate(zip(scores, lengths)):
        if score is None:
            continue
        days += length
        if score == current:
            run += length
        else:
            if current is not None:
                runs.append((current, run))
            current, run = score, length
        others = crowd_medians[n] if crowds is None else median_without(crowds[n], score)
        if others is not None:
            relative_days += length
            if score - others == difference:
                difference_run += length
            else:
                if difference is not None:
                    relative.append((difference, difference_run))
                difference, difference_run = score - others, length
    if difference is not None:
        relative.append((difference, difference_run))
    if not runs:
        # One score throughout: its exact sum over the days, rounded once, is the product.
        return Worked(current * run / days, relative, relative_days)
    total = ExactSum()
    runs.append((current, run))
    total.add_terms(runs)
    return Worked(total.total() / days, relative, relative_days)


def median_of(ordered: list[float]) -> float | None:
    """statistics.median of a sorted list, None when it is empty."""
    n = len(ordered)
    if not n:
        return None
    middle = n // 2
    return ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def median_without(ordered: list[float], value: float) -> float | None:
    """The median of a sorted list with one occurrence of `value` left out, None when nothing is left."""
    n = len(ordered) - 1
    if n < 2:
        return None if not n else ordered[1] if ordered[0] == value else ordered[0]
    skip = bisect_left(ordered, value)  # positions from here on read one further along
    middle = n // 2
    if n % 2:
        return ordered[middle if middle < skip else middle + 1]
    low = middle - 1
    return (ordered[low if low < skip else low + 1] + ordered[middle if middle < skip else middle + 1]) / 2


def aggregate_series(question: Question, standing: dict[str, list[Any]], count: int) -> dict[str, list[Any]]:
    """Each aggregate's value on each stretch, from the estimates standing then."""
    series: dict[str, list[Any]] = {name: [] for name in AGGREGATES}
    median, mean, pooled = (series[name] for name in AGGREGATES)
    for n in range(count):
        values = [values[n] for values in standing.values() if values[n] is not None]
        if not values:
            for name in AGGREGATES:
                series[name].append(None)
        elif question.options is None:  # the common case, without a call per aggregate
            median.append(median_of(sorted(values)))
            mean.append(math.fsum(values) / len(values))  # statistics.fmean's own arithmetic
            pooled.append(pooled_odds(values))
        else:
            for name in AGGREGATES:
                series[name].append(aggregate(name, values, question.options))
    return series


def aggregate(name: str, values: list[Any], options: list[str] | None) -> Any:
    if options is None:
        if name == "(median)":
            return statistics.median(values)
        if name == "(mean)":
            return statistics.fmean(values)
        return pooled_odds(values)
    if name == "(geometric mean of odds)":
        return pooled_options(values, options)
    pick = statistics.median if name == "(median)" else statistics.fmean
    combined = {o: pick(v[o] for v in values) for o in options}
    total = sum(combined.values())
    return {o: p / total for o, p in combined.items()}
