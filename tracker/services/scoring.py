"""The arithmetic of scorecards, on plain values: no database here.

A forecast is scored on the probability in force when it was resolved, read from its
timeline; `confirmed` counts as 1 and `refuted` as 0 (SPEC section 2). Forecasts resolved
without a probability get a hit rate instead; `partial` and `void` are counted beside.
"""

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from tracker.statuses import FINAL

LOG_CLIP = 1e-6
BIN_COUNT = 10
# The two-sided 95% point of the standard normal distribution.
Z95 = 1.959963984540054
OUTCOME_VALUES = {"confirmed": 1, "refuted": 0}


@dataclass(frozen=True)
class Resolution:
    """One resolved forecast as its timeline tells it.

    `history` holds each probability with the moment it came into force, oldest first, and
    only the changes up to the resolution. The first starts when the forecast was entered,
    or, when it was entered after the day it was made (a back-dated `made_on`), at the
    start of that day (00:00 UTC).
    """

    status: str
    probability: float | None
    resolved_at: dt.datetime
    history: tuple[tuple[dt.datetime, float | None], ...]
    # The option a multiple-choice forecast resolved to.
    outcome_option: str | None = None

    @property
    def outcome(self) -> int | None:
        """1 for confirmed, 0 for refuted, None for partial and void."""
        return OUTCOME_VALUES.get(self.status)

    @property
    def scored(self) -> bool:
        return self.outcome is not None and self.probability is not None


def made_at(made_on: dt.date, entered_at: dt.datetime | None) -> dt.datetime | None:
    """When a forecast's first probability came into force (see Resolution.history).

    None for a timeline read without its moments (for scorecards that need none).
    """
    if entered_at is None:
        return None
    if made_on >= entered_at.astimezone(dt.timezone.utc).date():
        return entered_at
    return dt.datetime.combine(made_on, dt.time(), tzinfo=dt.timezone.utc)


class ExactSum:
    """A sum of floats added one at a time and rounded once, at the end: what `math.fsum` gives.

    Every float is an integer times a power of two, so the running total is kept exactly as
    an integer over 2**shift; memory stays the same however many values are added.
    """

    __slots__ = ("numerator", "shift")

    def __init__(self) -> None:
        self.numerator = 0
        self.shift = 0

    def add(self, value: float, times: int = 1) -> None:
        self.add_exact(exact(value), times)

    def add_exact(self, value: tuple[int, int], times: int = 1) -> None:
        """`add` a value given as `exact` gives it."""
        numerator, shift = value
        if shift > self.shift:
            self.numerator <<= shift - self.shift
            self.shift = shift
        self.numerator += (numerator * times) << (self.shift - shift)

    def add_terms(self, terms: Iterable[tuple[float, int]]) -> None:
        """`add` each (value, times) in turn: the same arithmetic, in one call for many terms."""
        numerator, shift = self.numerator, self.shift
        for value, times in terms:
            term, denominator = value.as_integer_ratio()
            bits = denominator.bit_length() - 1
            if bits > shift:
                numerator <<= bits - shift
                shift = bits
            numerator += (term * times) << (shift - bits)
        self.numerator, self.shift = numerator, shift

    def total(self) -> float:
        # Integer true division is correctly rounded, as fsum's result is.
        return self.numerator / (1 << self.shift)


def exact(value: float) -> tuple[int, int]:
    """`value` as (numerator, shift): numerator / 2**shift, as ExactSum keeps it."""
    numerator, denominator = value.as_integer_ratio()
    return numerator, denominator.bit_length() - 1


# How many times each (probability, outcome) pair occurs.
Pairs = Counter[tuple[float, int]]


def brier_score(pairs: Iterable[tuple[float, int]]) -> float | None:
    """Mean of (probability − outcome)²; 0 is perfect, 0.25 is always saying 50%."""
    return mean_over(Counter(pairs), brier_term)


def brier_term(p: float, o: int) -> float:
    return (p - o) ** 2


def clip(probability: float) -> float:
    return min(max(probability, LOG_CLIP), 1 - LOG_CLIP)


def log_score(pairs: Iterable[tuple[float, int]]) -> float | None:
    """Mean natural log of the probability given to what happened (≤ 0, 0 is perfect).

    Probabilities are clipped to [LOG_CLIP, 1 − LOG_CLIP] first, so a confident miss costs
    ln(1e-6) ≈ −13.8 rather than minus infinity.
    """
    return mean_over(Counter(pairs), log_term)


def log_term(p: float, o: int) -> float:
    return math.log(clip(p) if o else 1 - clip(p))


def mean_over(counts: Pairs, term: Callable[[float, int], float]) -> float | None:
    """The mean of `term` over every pair counted, summed exactly: each distinct pair is worked out once."""
    total, n = ExactSum(), 0
    for (p, o), times in counts.items():
        total.add(term(p, o), times)
        n += times
    return total.total() / n if n else None


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for a proportion (95% by default); None for no trials."""
    if trials == 0:
        return None
    share = successes / trials
    scale = 1 + z * z / trials
    centre = (share + z * z / (2 * trials)) / scale
    half = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials)) / scale
    # At 0 or all successes a bound is exactly 0 or 1; rounding must not move it off.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


def bin_index(probability: float) -> int:
    """Bin k holds k/10 ≤ p < (k+1)/10, the last bin also 1.

    p × 10 is rounded to 9 decimals first, so that 0.3 (stored as 0.29999…) falls in
    30–40% as the person who wrote 30% means it to.
    """
    return min(int(round(probability * BIN_COUNT, 9)), BIN_COUNT - 1)


def calibration_table(pairs: Iterable[tuple[float, int]] | Pairs) -> list[dict[str, Any]]:
    """Ten bins of width 0.1: how often forecasts in each range came true, with 95% Wilson intervals."""
    counts = pairs if isinstance(pairs, Counter) else Counter(pairs)
    calibration = Calibration()
    for (p, o), times in counts.items():
        calibration.add(p, o, times)
    return calibration.table()


class Calibration:
    """The bins of a calibration table, filled one (probability, outcome) at a time."""

    __slots__ = ("sums", "sizes", "hits")

    def __init__(self) -> None:
        self.sums = [ExactSum() for _ in range(BIN_COUNT)]
        self.sizes = [0] * BIN_COUNT
        self.hits = [0] * BIN_COUNT

    def add(self, probability: float, outcome: int, times: int = 1) -> None:
        self.add_scored(terms_of(probability, outcome), times)

    def add_scored(self, terms: "Terms", times: int = 1) -> None:
        k = terms.bin
        self.sums[k].add_exact(terms.probability, times)
        self.sizes[k] += times
        self.hits[k] += terms.outcome * times

    def table(self) -> list[dict[str, Any]]:
        table = []
        for k in range(BIN_COUNT):
            count = self.sizes[k]
            interval = wilson_interval(self.hits[k], count)
            table.append({
                "low": round(k / BIN_COUNT, 1),
                "high": round((k + 1) / BIN_COUNT, 1),
                "count": count,
                "mean_forecast": self.sums[k].total() / count if count else None,
                "observed": self.hits[k] / count if count else None,
                "ci_low": interval[0] if interval else None,
                "ci_high": interval[1] if interval else None,
            })
        return table


def time_weighted_brier(resolution: Resolution) -> float | None:
    """The Brier score of one forecast averaged over the time each probability was in force.

    Each probability weighs as long as it stood, from the moment it came into force to the
    next change or to the resolution; stretches with no probability weigh nothing. If no
    time passed at all, the probability at resolution counts alone.
    """
    outcome = resolution.outcome
    if outcome is None or resolution.probability is None:
        return None
    ends = [start for start, _ in resolution.history[1:]] + [resolution.resolved_at]
    weighted = total = 0.0
    for (start, p), end in zip(resolution.history, ends):
        seconds = (end - start).total_seconds()
        if p is None or seconds <= 0:
            continue
        weighted += seconds * (p - outcome) ** 2
        total += seconds
    if total == 0:
        return (resolution.probability - outcome) ** 2
    return weighted / total


def forecast_scores(resolution: Resolution, *, time_weighted: bool = False) -> dict[str, float | None]:
    """The Brier and log score of one forecast (None for those not scored)."""
    if not resolution.scored:
        return {"brier": None, "log_score": None}
    # The mean over one forecast is its own term, exactly: no sum is needed.
    probability, outcome = resolution.probability, resolution.outcome
    brier = time_weighted_brier(resolution) if time_weighted else brier_term(probability, outcome)
    return {"brier": brier, "log_score": log_term(probability, outcome)}


class Tally:
    """A scorecard built one resolution at a time, in memory that does not grow with their number.

    Every sum grows exactly (see ExactSum), so the card is the one the whole list gives, in
    any order and however many different probabilities there are. Without `calibration` the
    card has no calibration table: enough for a table of groups, and small enough to keep
    for each of thousands of them.
    """

    __slots__ = ("time_weighted", "resolved", "finals", "scored", "brier", "weighted", "log", "clipped",
                 "calibration", "unprobabilised")

    def __init__(self, *, time_weighted: bool = False, calibration: bool = True) -> None:
        self.time_weighted = time_weighted
        self.resolved = 0
        self.finals: Counter[str] = Counter()
        self.scored = 0
        self.brier = ExactSum()
        self.weighted = ExactSum()
        self.log = ExactSum()
        self.clipped = 0
        self.calibration = Calibration() if calibration else None
        self.unprobabilised: Counter[int] = Counter()

    def add(self, resolution: Resolution) -> None:
        self.add_many(resolution.status, resolution.probability)
        if self.time_weighted and resolution.scored:
            self.weighted.add(time_weighted_brier(resolution))

    def add_many(self, status: str, probability: float | None, times: int = 1) -> None:
        """Count `times` resolutions into `status` with `probability`; enough for every number
        but the time-weighted Brier score, which needs each one's history (see `add`)."""
        outcome = OUTCOME_VALUES.get(status)
        self.resolved += times
        self.finals[status] += times
        if outcome is None:
            return
        if probability is None:
            self.unprobabilised[outcome] += times
            return
        terms = terms_of(probability, outcome)
        self.scored += times
        self.brier.add_exact(terms.brier, times)
        self.log.add_exact(terms.log, times)
        if terms.clipped:
            self.clipped += times
        if self.calibration is not None:
            self.calibration.add_scored(terms, times)

    def card(self) -> dict[str, Any]:
        """Every number of one scorecard: scores, counts per final status, hit rate, calibration."""
        scored = self.scored
        brier = self.weighted if self.time_weighted else self.brier
        judged = sum(self.unprobabilised.values())
        card = {
            "resolved": self.resolved,
            **{status: self.finals[status] for status in FINAL},
            "scored": scored,
            "brier": brier.total() / scored if scored else None,
            "time_weighted": self.time_weighted,
            "log_score": self.log.total() / scored if scored else None,
            "log_clip": [LOG_CLIP, 1 - LOG_CLIP],
            "clipped": self.clipped,
            "hit_rate": self.unprobabilised[1] / judged if judged else None,
            "hit_rate_of": judged,
        }
        if self.calibration is not None:
            card["calibration"] = self.calibration.table()
        return card


class Terms(NamedTuple):
    """What one scored (probability, outcome) adds to a tally's sums, each as `exact` gives it."""

    outcome: int
    probability: tuple[int, int]
    brier: tuple[int, int]
    log: tuple[int, int]
    clipped: bool
    bin: int


def terms_of(probability: float, outcome: int) -> Terms:
    """The terms of (probability, outcome), worked out once while they are kept: a ledger
    states few distinct probabilities, and the forecasts of many groups are counted in each."""
    key = (probability, outcome)
    terms = _TERMS.get(key)
    if terms is None:
        if len(_TERMS) >= TERMS_KEPT:
            _TERMS.clear()
        terms = _TERMS[key] = Terms(outcome, exact(probability), exact(brier_term(probability, outcome)),
                                    exact(log_term(probability, outcome)), clip(probability) != probability,
                                    bin_index(probability))
    return terms


TERMS_KEPT = 4096
_TERMS: dict[tuple[float, int], Terms] = {}


def scorecard(resolutions: Iterable[Resolution], *, time_weighted: bool = False) -> dict[str, Any]:
    """Every number of one scorecard: scores, counts per final status, hit rate, calibration."""
    tally = Tally(time_weighted=time_weighted)
    for resolution in resolutions:
        tally.add(resolution)
    return tally.card()
