"""The scoring arithmetic against an independent implementation (scikit-learn, SciPy) and by hand."""

import datetime as dt
import math
import statistics

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binomtest
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, log_loss

from tracker.services.replay import Step, fold
from tracker.services.scoring import (
    LOG_CLIP,
    Resolution,
    bin_index,
    brier_score,
    calibration_table,
    log_score,
    scorecard,
    time_weighted_brier,
    wilson_interval,
)

# Pure functions: one run is enough, not one per database backend.
pytestmark = pytest.mark.sqlite_only

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def day(n: float) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


def random_forecasts(seed: int, size: int, bias: float):
    """`size` forecasts whose outcomes come true with probability p + bias (clipped to 0..1)."""
    rng = np.random.default_rng(seed)
    p = rng.random(size)
    y = (rng.random(size) < np.clip(p + bias, 0, 1)).astype(int)
    return list(zip(p.tolist(), y.tolist())), p, y


@pytest.mark.parametrize("seed,bias", [(1, 0.0), (2, 0.2), (3, -0.3), (4, 0.05), (5, -0.1)])
def test_scores_agree_with_scikit_learn_on_thousands_of_forecasts(seed, bias):
    pairs, p, y = random_forecasts(seed, 3000, bias)
    assert brier_score(pairs) == pytest.approx(brier_score_loss(y, p), rel=1e-12)
    assert log_score(pairs) == pytest.approx(-log_loss(y, p, labels=[0, 1]), rel=1e-12)
    table = calibration_table(pairs)
    observed, predicted = calibration_curve(y, p, n_bins=10, strategy="uniform")
    filled = [row for row in table if row["count"]]
    assert [row["observed"] for row in filled] == pytest.approx(observed.tolist(), rel=1e-12)
    assert [row["mean_forecast"] for row in filled] == pytest.approx(predicted.tolist(), rel=1e-12)
    assert sum(row["count"] for row in table) == len(pairs)
    assert [row["count"] for row in table] == np.histogram(p, bins=np.linspace(0, 1, 11))[0].tolist()


@pytest.mark.parametrize("successes,trials", [(0, 1), (1, 1), (0, 10), (3, 10), (5, 10), (10, 10),
                                              (1, 3), (17, 40), (999, 1000), (250, 1000)])
def test_wilson_interval_agrees_with_scipy(successes, trials):
    expected = binomtest(successes, trials).proportion_ci(confidence_level=0.95, method="wilson")
    low, high = wilson_interval(successes, trials)
    assert low == pytest.approx(expected.low, abs=1e-9)
    assert high == pytest.approx(expected.high, abs=1e-9)


def test_wilson_interval_by_hand():
    assert wilson_interval(0, 0) is None
    low, high = wilson_interval(0, 10)
    assert low == 0 and high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson_interval(5, 10)
    assert (low, high) == (pytest.approx(0.2366, abs=1e-4), pytest.approx(0.7634, abs=1e-4))


def test_small_cases_worked_by_hand():
    pairs = [(0.8, 1), (0.6, 0), (0.5, 1)]
    # (0.2² + 0.6² + 0.5²) / 3 = (0.04 + 0.36 + 0.25) / 3
    assert brier_score(pairs) == pytest.approx(0.65 / 3)
    assert log_score(pairs) == pytest.approx((math.log(0.8) + math.log(0.4) + math.log(0.5)) / 3)
    assert brier_score([]) is None and log_score([]) is None


def test_certain_forecasts_p0_and_p1():
    assert brier_score([(1.0, 1), (0.0, 0)]) == 0
    assert brier_score([(1.0, 0), (0.0, 1)]) == 1
    assert log_score([(1.0, 1), (0.0, 0)]) == pytest.approx(math.log(1 - LOG_CLIP))
    # A certain miss costs ln(1e-6), not minus infinity.
    assert log_score([(0.0, 1)]) == pytest.approx(math.log(1e-6)) == pytest.approx(-13.815510557964274)
    assert log_score([(1.0, 0), (0.0, 1)]) == pytest.approx(math.log(1e-6))
    card = scorecard([resolved("refuted", 1.0), resolved("confirmed", 0.0), resolved("confirmed", 0.5)])
    assert card["clipped"] == 2 and card["log_clip"] == [1e-6, 1 - 1e-6]
    assert card["brier"] == pytest.approx((1 + 1 + 0.25) / 3)


def test_calibration_bins_by_hand_with_empty_bins():
    table = calibration_table([(0.0, 0), (0.05, 1), (0.3, 1), (0.35, 0), (0.35, 1), (0.9, 1), (1.0, 1)])
    assert [(row["low"], row["high"]) for row in table] == [(k / 10, (k + 1) / 10) for k in range(10)]
    assert [row["count"] for row in table] == [2, 0, 0, 3, 0, 0, 0, 0, 0, 2]
    first, empty, third, last = table[0], table[1], table[3], table[9]
    assert first["mean_forecast"] == pytest.approx(0.025) and first["observed"] == 0.5
    assert empty == {"low": 0.1, "high": 0.2, "count": 0, "mean_forecast": None, "observed": None,
                     "ci_low": None, "ci_high": None}
    assert third["mean_forecast"] == pytest.approx(1 / 3) and third["observed"] == pytest.approx(2 / 3)
    assert (third["ci_low"], third["ci_high"]) == wilson_interval(2, 3)
    assert last["mean_forecast"] == 0.95 and last["observed"] == 1 and last["ci_high"] == 1
    assert all(row["count"] == 0 for row in calibration_table([]))


@pytest.mark.parametrize("p,k", [(0.0, 0), (0.1, 1), (0.3, 3), (0.7, 7), (0.29999999999, 3),
                                 (0.2999, 2), (0.99, 9), (1.0, 9), (7 / 10, 7), (3 / 10, 3), (0.6, 6)])
def test_a_probability_on_an_edge_opens_the_bin_above(p, k):
    assert bin_index(p) == k


def resolved(status, probability, history=None, at=None):
    at = at or day(10)
    return Resolution(status, probability, at, tuple(history or [(T0, probability)]))


def test_hit_rate_for_forecasts_without_probability():
    card = scorecard([resolved("confirmed", None), resolved("confirmed", None), resolved("refuted", None),
                      resolved("partial", None), resolved("void", None), resolved("refuted", 0.2)])
    assert card["hit_rate"] == pytest.approx(2 / 3) and card["hit_rate_of"] == 3
    assert (card["confirmed"], card["refuted"], card["partial"], card["void"]) == (2, 2, 1, 1)
    assert card["resolved"] == 6 and card["scored"] == 1 and card["brier"] == pytest.approx(0.04)
    empty = scorecard([])
    assert empty["scored"] == 0 and empty["brier"] is None and empty["log_score"] is None
    assert empty["hit_rate"] is None and len(empty["calibration"]) == 10


def test_time_weighted_brier_weighs_each_probability_by_how_long_it_stood():
    # 0.2 for 6 days, then 0.8 for 2 days, then resolved confirmed.
    r = resolved("confirmed", 0.8, [(day(0), 0.2), (day(6), 0.8)], at=day(8))
    assert time_weighted_brier(r) == pytest.approx((6 * 0.64 + 2 * 0.04) / 8)
    # Stretches with no probability weigh nothing.
    r = resolved("refuted", 0.5, [(day(0), None), (day(4), 0.5)], at=day(5))
    assert time_weighted_brier(r) == pytest.approx(0.25)
    # No time at all: the probability at resolution alone.
    r = resolved("refuted", 0.9, [(day(0), 0.9)], at=day(0))
    assert time_weighted_brier(r) == pytest.approx(0.81)
    card = scorecard([resolved("confirmed", 0.8, [(day(0), 0.2), (day(6), 0.8)], at=day(8)),
                      resolved("refuted", 0.1, [(day(0), 0.1)], at=day(3))], time_weighted=True)
    assert card["brier"] == pytest.approx(((6 * 0.64 + 2 * 0.04) / 8 + 0.01) / 2)
    assert card["time_weighted"] is True


def event(kind, at, **fields):
    """One event as the fold reads it (`from`/`to` given as in JSON)."""
    fields["from_status"], fields["to_status"] = fields.pop("from", None), fields.pop("to", None)
    return Step(kind, at, "someone", 0, **fields)


def resolution_from_timeline(events, made_on):
    """The resolution the one fold (services/replay.py) gives for these events."""
    state = fold({"made_on": made_on}, events, {})
    return None if state is None else state.resolution


def test_the_probability_scored_is_the_one_in_force_at_resolution():
    events = [
        event("created", day(1), new={"probability": 0.3, "status": "open"}),
        event("edited", day(2), field="claim", old="a", new="b"),
        event("edited", day(3), field="probability", old=0.3, new=0.6),
        event("status_changed", day(4), **{"from": "open", "to": "confirmed"}),
        event("status_changed", day(5), **{"from": "confirmed", "to": "confirmed"}),  # restated
        event("edited", day(6), field="probability", old=0.6, new=0.99),  # after the fact
    ]
    r = resolution_from_timeline(events, dt.date(2025, 12, 20))
    assert (r.status, r.probability, r.resolved_at) == ("confirmed", 0.6, day(4))
    assert r.history == ((dt.datetime(2025, 12, 20, tzinfo=dt.timezone.utc), 0.3), (day(3), 0.6))


def test_the_latest_resolution_counts_and_reopening_unresolves():
    created = event("created", day(1), new={"probability": 0.7, "status": "open"})
    confirm = event("status_changed", day(2), **{"from": "open", "to": "confirmed"})
    refute = event("status_changed", day(3), **{"from": "confirmed", "to": "refuted"})
    reopen = event("status_changed", day(4), **{"from": "refuted", "to": "developing"})
    made = dt.date(2026, 1, 2)
    assert resolution_from_timeline([created, confirm, refute], made).status == "refuted"
    assert resolution_from_timeline([created, confirm, refute], made).resolved_at == day(3)
    assert resolution_from_timeline([created, confirm, refute, reopen], made) is None
    assert resolution_from_timeline([created], made) is None
    # A forecast entered on the day it was made starts when it was entered.
    assert resolution_from_timeline([created, confirm], made).history == ((day(1), 0.7),)
    afternoon = created._replace(at=day(1.6))
    assert resolution_from_timeline([afternoon, confirm], made).history == ((day(1.6), 0.7),)


def test_an_undone_probability_edit_is_not_scored():
    events = [
        event("created", day(1), new={"probability": 0.4, "status": "open"}),
        event("edited", day(2), field="probability", old=0.4, new=0.8),
        event("undone", day(3), field="probability", old=0.8, new=0.4),
        event("status_changed", day(4), **{"from": "open", "to": "confirmed"}),
    ]
    r = resolution_from_timeline(events, dt.date(2026, 1, 2))
    assert (r.probability, r.resolved_at) == (0.4, day(4))
    assert r.history == ((day(1), 0.4), (day(2), 0.8), (day(3), 0.4))


def test_an_undone_resolution_is_replaced_by_the_next_one():
    events = [
        event("created", day(1), new={"probability": 0.4, "status": "open"}),
        event("status_changed", day(2), **{"from": "open", "to": "confirmed"}),
        event("undone", day(3), field="status", old="confirmed", new="open"),
        event("edited", day(4), field="probability", old=0.4, new=0.9),
        event("status_changed", day(5), **{"from": "open", "to": "confirmed"}),
    ]
    r = resolution_from_timeline(events, dt.date(2026, 1, 2))
    assert (r.status, r.probability, r.resolved_at) == ("confirmed", 0.9, day(5))
    assert resolution_from_timeline(events[:3], dt.date(2026, 1, 2)) is None


def test_a_forecast_created_in_a_final_status_is_resolved_at_creation():
    events = [event("created", day(1), new={"probability": None, "status": "void"})]
    r = resolution_from_timeline(events, dt.date(2026, 1, 1))
    assert (r.status, r.probability, r.resolved_at, r.scored) == ("void", None, day(1), False)


pairs_strategy = st.lists(st.tuples(st.floats(0, 1), st.integers(0, 1)), min_size=1, max_size=60)


@given(pairs_strategy)
def test_scores_stay_in_range_and_bins_hold_every_forecast(pairs):
    assert 0 <= brier_score(pairs) <= 1
    assert math.log(LOG_CLIP) - 1e-9 <= log_score(pairs) <= 0
    table = calibration_table(pairs)
    assert sum(row["count"] for row in table) == len(pairs)
    for row in table:
        if row["count"]:
            assert row["low"] - 1e-9 <= row["mean_forecast"] <= row["high"] + 1e-9
            assert row["ci_low"] <= row["observed"] <= row["ci_high"]
            assert 0 <= row["ci_low"] <= row["ci_high"] <= 1


@given(pairs_strategy.filter(lambda pairs: all(LOG_CLIP <= p <= 1 - LOG_CLIP for p, _ in pairs)))
def test_scores_agree_with_scikit_learn_on_any_forecasts(pairs):
    p = np.array([p for p, _ in pairs])
    y = np.array([o for _, o in pairs])
    assert brier_score(pairs) == pytest.approx(brier_score_loss(y, p, labels=[0, 1]), rel=1e-9, abs=1e-12)
    assert log_score(pairs) == pytest.approx(-log_loss(y, p, labels=[0, 1]), rel=1e-9, abs=1e-12)


# The forecaster scores read medians and sums in fewer steps; each must give statistics' and
# math.fsum's numbers exactly, whatever the values.
scores = st.floats(min_value=0, max_value=2, allow_nan=False)


@given(st.lists(scores, min_size=1, max_size=12), st.data())
def test_the_others_median_is_statistics_median_of_the_others(values, data):
    from tracker.services.forecaster_scores import median_of, median_without

    ordered = sorted(values)
    mine = data.draw(st.sampled_from(values))
    others = list(values)
    others.remove(mine)
    assert median_without(ordered, mine) == (statistics.median(others) if others else None)
    assert median_of(ordered) == statistics.median(values)


@given(st.lists(st.tuples(st.floats(min_value=-2, max_value=2, allow_nan=False), st.integers(1, 400)), max_size=40))
def test_a_tally_sums_exactly_as_exact_sum_does(terms):
    from tracker.services.forecaster_scores import Tally
    from tracker.services.scoring import ExactSum

    class SettlingOften(Tally):
        PENDING = 3

    tally, exact = SettlingOften(), ExactSum()
    for value, times in terms:
        tally.add(value, times)
        exact.add(value, times)
    assert tally.total() == exact.total()


@given(st.lists(scores, max_size=40))
def test_math_fsum_sums_as_exact_sum_does(values):
    """The time-averaged scores are summed by math.fsum: the same number as ExactSum's."""
    from tracker.services.scoring import ExactSum

    exact = ExactSum()
    for value in values:
        exact.add(value)
    assert math.fsum(values) == exact.total()


@given(scores, st.integers(1, 5000))
def test_one_score_over_many_days_sums_to_its_rounded_product(value, days):
    from tracker.services.scoring import ExactSum

    total = ExactSum()
    total.add(value, days)
    assert total.total() == value * days


# A yes/no question for the forecaster scores: estimates by a few people over a few days (some
# on one day, some in one second, some after the resolution), on a grid and off it.
probabilities = st.one_of(st.sampled_from([0.0, 0.05, 0.1, 0.25, 0.5, 0.7, 0.9, 0.95, 1.0]),
                          st.floats(min_value=0, max_value=1, allow_nan=False))
estimates = st.lists(st.tuples(st.sampled_from(["ana", "bo", "cy", "di"]), st.integers(0, 30 * 24),
                               probabilities), min_size=1, max_size=14)


@given(st.lists(st.tuples(estimates, st.integers(1, 40 * 24), st.integers(0, 1)), min_size=1, max_size=5))
def test_the_yes_no_shortcut_scores_as_the_general_way_does(found):
    """score_binary (what every yes/no forecast is scored by) gives every card score_question's numbers."""
    from tracker.services.forecaster_scores import Question, score_binary, score_question
    from tracker.services.replay import Estimate

    start = dt.datetime(2024, 3, 1, 22, tzinfo=dt.timezone.utc)
    general: dict = {}
    shortcut: dict = {}
    for number, (made, resolved_after, outcome) in enumerate(found):
        question = Question(number, None, outcome, start + dt.timedelta(hours=resolved_after),
                            sorted((Estimate(who, start + dt.timedelta(hours=hours), value)
                                    for who, hours, value in made), key=lambda estimate: estimate.at))
        score_question(question, general)
        score_binary(question, shortcut)
    assert set(shortcut) == set(general)
    for name, card in general.items():
        assert shortcut[name].finish(name) == card.finish(name), name


@given(pairs_strategy, st.integers(1, 4))
def test_a_card_is_the_same_however_few_terms_are_kept(pairs, kept):
    """Each (probability, outcome)'s terms are worked out once while kept; a full store is
    emptied and filled again. The sums are math.fsum's whatever is kept."""
    from tracker.services import scoring

    statuses = [("confirmed" if outcome else "refuted", p) for p, outcome in pairs * 2]
    original = scoring.TERMS_KEPT
    try:
        scoring.TERMS_KEPT = kept
        scoring._TERMS.clear()
        card = scorecard(Resolution(status, p, T0, ((T0, p),)) for status, p in statuses)
        assert len(scoring._TERMS) <= kept
    finally:
        scoring.TERMS_KEPT = original
    assert card["brier"] == math.fsum((p - o) ** 2 for p, o in pairs * 2) / (2 * len(pairs))
    assert card["log_score"] == log_score(pairs)
    assert card["calibration"] == calibration_table(pairs * 2)
