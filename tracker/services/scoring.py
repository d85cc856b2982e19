"""The arithmetic of scorecards, on plain values: no database here.

A forecast is scored on the probability in force when it was resolved, read from its
timeline; `confirmed` counts as 1 and `refuted` as 0 (SPEC section 2). Forecasts resolved
without a probability get a hit rate instead; `partial` and `void` are counted beside.
"""

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tracker.statuses import FINAL

LOG_CLIP = 1e-6
BIN_COUNT = 10
# The two-sided 95% point of the standard normal distribution.
Z95 = 1.959963984540054
OUTCOME_VALUES = {"confirmed": 1, "refuted": 0}
# What `score --by` can group scorecards by.
GROUPINGS = ("source", "author", "tag")


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

    @property
    def outcome(self) -> int | None:
        """1 for confirmed, 0 for refuted, None for partial and void."""
        return OUTCOME_VALUES.get(self.status)

    @property
    def scored(self) -> bool:
        return self.outcome is not None and self.probability is not None


def resolution_from_timeline(events: Sequence[dict[str, Any]], made_on: dt.date) -> Resolution | None:
    """The latest resolution in a forecast's events (oldest first), or None if it stands unresolved.

    The probability comes from the `created` event's initial values and every later
    `edited` event of the field `probability`. A status change into a final status
    resolves the forecast; restating that status keeps the first moment; moving to another
    final status resolves it anew; moving to an active status reopens it.
    """
    probability: float | None = None
    history: list[tuple[dt.datetime, float | None]] = []
    resolution: Resolution | None = None

    def resolve(status: str, at: dt.datetime) -> Resolution:
        return Resolution(status, probability, at, tuple(history))

    for event in events:
        kind, at = event["kind"], event["at"]
        if kind == "created":
            initial = event.get("new") or {}
            probability = initial.get("probability")
            history = [(made_at(made_on, at), probability)]
            if initial.get("status") in FINAL:
                resolution = resolve(initial["status"], at)
        elif kind == "edited" and event.get("field") == "probability":
            probability = event.get("new")
            history.append((at, probability))
        elif kind == "status_changed":
            status = event["to"]
            if status not in FINAL:
                resolution = None
            elif resolution is None or resolution.status != status:
                resolution = resolve(status, at)
    return resolution


def made_at(made_on: dt.date, entered_at: dt.datetime) -> dt.datetime:
    """When a forecast's first probability came into force (see Resolution.history)."""
    if made_on >= entered_at.astimezone(dt.timezone.utc).date():
        return entered_at
    return dt.datetime.combine(made_on, dt.time(), tzinfo=dt.timezone.utc)


def brier_score(pairs: Sequence[tuple[float, int]]) -> float | None:
    """Mean of (probability − outcome)²; 0 is perfect, 0.25 is always saying 50%."""
    if not pairs:
        return None
    return math.fsum((p - o) ** 2 for p, o in pairs) / len(pairs)


def clip(probability: float) -> float:
    return min(max(probability, LOG_CLIP), 1 - LOG_CLIP)


def log_score(pairs: Sequence[tuple[float, int]]) -> float | None:
    """Mean natural log of the probability given to what happened (≤ 0, 0 is perfect).

    Probabilities are clipped to [LOG_CLIP, 1 − LOG_CLIP] first, so a confident miss costs
    ln(1e-6) ≈ −13.8 rather than minus infinity.
    """
    if not pairs:
        return None
    return math.fsum(math.log(clip(p) if o else 1 - clip(p)) for p, o in pairs) / len(pairs)


def clipped_count(probabilities: Iterable[float]) -> int:
    return sum(1 for p in probabilities if clip(p) != p)


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


def calibration_table(pairs: Sequence[tuple[float, int]]) -> list[dict[str, Any]]:
    """Ten bins of width 0.1: how often forecasts in each range came true, with 95% Wilson intervals."""
    members: list[list[tuple[float, int]]] = [[] for _ in range(BIN_COUNT)]
    for p, o in pairs:
        members[bin_index(p)].append((p, o))
    table = []
    for k, inside in enumerate(members):
        count = len(inside)
        hits = sum(o for _, o in inside)
        interval = wilson_interval(hits, count)
        table.append({
            "low": round(k / BIN_COUNT, 1),
            "high": round((k + 1) / BIN_COUNT, 1),
            "count": count,
            "mean_forecast": math.fsum(p for p, _ in inside) / count if count else None,
            "observed": hits / count if count else None,
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
    pair = [(resolution.probability, resolution.outcome)]
    brier = time_weighted_brier(resolution) if time_weighted else brier_score(pair)
    return {"brier": brier, "log_score": log_score(pair)}


def scorecard(resolutions: Sequence[Resolution], *, time_weighted: bool = False) -> dict[str, Any]:
    """Every number of one scorecard: scores, counts per final status, hit rate, calibration."""
    scored = [r for r in resolutions if r.scored]
    pairs = [(r.probability, r.outcome) for r in scored]
    if time_weighted:
        per_forecast = [time_weighted_brier(r) for r in scored]
        brier = math.fsum(per_forecast) / len(per_forecast) if per_forecast else None
    else:
        brier = brier_score(pairs)
    counts = {status: sum(1 for r in resolutions if r.status == status) for status in FINAL}
    unprobabilised = [r.outcome for r in resolutions if r.probability is None and r.outcome is not None]
    return {
        "resolved": len(resolutions),
        **counts,
        "scored": len(scored),
        "brier": brier,
        "time_weighted": time_weighted,
        "log_score": log_score(pairs),
        "log_clip": [LOG_CLIP, 1 - LOG_CLIP],
        "clipped": clipped_count(p for p, _ in pairs),
        "hit_rate": sum(unprobabilised) / len(unprobabilised) if unprobabilised else None,
        "hit_rate_of": len(unprobabilised),
        "calibration": calibration_table(pairs),
    }
