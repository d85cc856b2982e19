"""Estimates: each person's own probability for a forecast, and the team's combined view.

A forecast's `probability` is the chance its source or owner stated; anyone may also record
their own estimate of any active forecast, as often as their view moves. An estimate is an
event of the forecast's timeline (kind `estimate`, `new` the probability, or for multiple
choice a probability per option), so the fold (services/replay.py) is what says which
estimates stand, who holds which view, and what the aggregate is.
"""

import math
import statistics
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from tracker import dates, statuses
from tracker.errors import Conflict, InvalidInput
from tracker.services.forecasts import check_citations, clean_text, find_live_forecast
from tracker.services.replay import Estimate, ForecastState, TimelineError, estimate_value, load_states
from tracker.services.timeline import record_event
from tracker.storage.models import Forecast

# Geometric mean of odds cannot take a probability of exactly 0 or 1; they are held this far in.
ODDS_CLIP = 1e-4


def record_estimate(session: Session, ref: str, actor: str, value: float | dict[str, float], *,
                    note: str | None = None, evidence_ids: tuple[int, ...] = ()) -> tuple[Forecast, dict[str, Any]]:
    """Record `actor`'s estimate of an active forecast; return it and the aggregates after it."""
    forecast = find_live_forecast(session, ref)
    if statuses.is_final(forecast.status):
        raise Conflict(f"forecast {forecast.id} is {forecast.status}: estimates are made before a forecast "
                       "is settled. Reopen it with `tracker update --status` to estimate again.")
    if forecast.options is None and isinstance(value, dict):
        raise InvalidInput(f"forecast {forecast.id} is a yes/no forecast: give one probability, not OPTION=PROB.")
    try:
        value = estimate_value(value, forecast.options)
    except TimelineError as exc:
        raise InvalidInput(f"forecast {forecast.id}: {exc.problem}") from None
    cited = check_citations(session, forecast, evidence_ids)
    record_event(session, forecast, actor, "estimate", dates.utc_now(), new=value,
                 note=clean_text(note, "note"), cited=cited)
    state = refresh_aggregate(session, forecast)
    return forecast, aggregates(state)


def refresh_aggregate(session: Session, forecast: Forecast) -> ForecastState:
    """Fold the forecast and keep its row's aggregate the fold's."""
    session.flush()
    [state] = load_states(session, [forecast])
    forecast.aggregate = state.record["aggregate"]
    return state


def estimate_record(estimate: Estimate) -> dict[str, Any]:
    key = "probabilities" if isinstance(estimate.value, dict) else "probability"
    return {"actor": estimate.actor, "at": estimate.at, key: estimate.value, "note": estimate.note}


def estimate_view(state: ForecastState, extremize: float | None = None) -> dict[str, Any]:
    """What `show` adds to a forecast: every standing estimate, each forecaster's latest, and
    the team's aggregates (with `extremize`, the extremized one too)."""
    return {"estimates": [estimate_record(estimate) for estimate in state.in_time_order()],
            "forecasters": forecasters(state), "aggregates": aggregates(state, extremize)}


def forecasters(state: ForecastState) -> list[dict[str, Any]]:
    """Each forecaster's latest estimate, with their first and how many they made, by name."""
    made: dict[str, list[Estimate]] = {}
    for estimate in state.in_time_order():
        made.setdefault(estimate.actor, []).append(estimate)
    return [{**estimate_record(mine[-1]), "first": mine[0].value, "count": len(mine)}
            for _, mine in sorted(made.items())]


def aggregates(state: ForecastState, extremize: float | None = None) -> dict[str, Any]:
    """The team's current view from each forecaster's latest estimate: median, mean and geometric
    mean of odds (for multiple choice, of each option, normalised to sum to 1); with
    `extremize`, the geometric mean of odds raised to that power too."""
    latest = [estimate.value for estimate in state.latest_estimates().values()]
    result: dict[str, Any] = {"forecasters": len(latest), "median": None, "mean": None,
                              "geometric_mean_of_odds": None}
    if extremize is not None:
        result.update(extremize=extremize, extremized=None)
    if not latest:
        return result
    options = state.record.get("options")
    if options is None:
        result.update(median=statistics.median(latest), mean=statistics.fmean(latest),
                      geometric_mean_of_odds=pooled_odds(latest))
        if extremize is not None:
            result["extremized"] = pooled_odds(latest, extremize)
        return result
    result.update(median=team_median(latest, options),
                  mean={o: statistics.fmean(v[o] for v in latest) for o in options},
                  geometric_mean_of_odds=pooled_options(latest, options))
    if extremize is not None:
        result["extremized"] = pooled_options(latest, options, extremize)
    return result


def team_median(latest: list[Any], options: list[str] | None) -> Any:
    """The median of forecasters' latest estimates: of the probability, or for multiple choice
    of each option's, normalised to sum to 1."""
    if options is None:
        return statistics.median(latest)
    return normalised({o: statistics.median(v[o] for v in latest) for o in options})


def medians_over_time(state: ForecastState) -> list[tuple[Any, Any]]:
    """The team's median as it stood after each standing estimate, by the moment each was made
    (each forecaster's latest counted, as `aggregates` counts them now)."""
    options, latest, medians = state.record.get("options"), {}, []
    for estimate in state.in_time_order():
        latest[estimate.actor] = estimate.value
        medians.append((estimate.at, team_median(list(latest.values()), options)))
    return medians


def pooled_odds(values: list[float], power: float = 1.0) -> float:
    """The geometric mean of the odds p/(1−p), raised to `power`, as a probability."""
    logs = [clipped_log_odds(p) for p in values]
    log_odds = power * (math.fsum(logs) / len(logs))  # statistics.fmean's own arithmetic
    return 1 / (1 + math.exp(-log_odds))


@lru_cache(maxsize=1 << 14)
def clipped_log_odds(p: float) -> float:
    """log(p/(1−p)) of p held ODDS_CLIP in from 0 and 1; probabilities repeat, so each is worked once."""
    p = min(max(p, ODDS_CLIP), 1 - ODDS_CLIP)
    return math.log(p / (1 - p))


def pooled_options(values: list[dict[str, float]], options: list[str], power: float = 1.0) -> dict[str, float]:
    """Multiple choice: the geometric mean of each option's probability, raised to `power`,
    normalised (the many-option form of the geometric mean of odds)."""
    logs = {o: power * statistics.fmean(math.log(max(v[o], ODDS_CLIP)) for v in values) for o in options}
    top = max(logs.values())
    return normalised({o: math.exp(logs[o] - top) for o in options})


def normalised(values: dict[str, float]) -> dict[str, float]:
    total = sum(values.values())
    return {o: v / total for o, v in values.items()} if total else values


def parse_estimate(words: tuple[str, ...], parse_probability) -> float | dict[str, float]:
    """`0.7` for a binary forecast, or `OPTION=PROB ...` for multiple choice (every form of
    probability the CLI takes)."""
    if len(words) == 1 and "=" not in words[0]:
        return parse_probability(words[0])
    value: dict[str, float] = {}
    for word in words:
        option, sep, probability = word.rpartition("=")
        if not sep or not option.strip():
            raise InvalidInput(f"{word!r}: give one probability, or OPTION=PROBABILITY for each option.")
        if option.strip() in value:
            raise InvalidInput(f"option {option.strip()!r} is given twice.")
        value[option.strip()] = parse_probability(probability)
    return value
