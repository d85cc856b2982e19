"""Probabilities as people write them, checked as properties of the parser."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.errors import InvalidInput
from tracker.probability import as_percent, parse_probability

# Pure functions: one run is enough, not one per database backend.
pytestmark = pytest.mark.sqlite_only

unit = st.floats(min_value=0, max_value=1, allow_nan=False)
counts = st.integers(min_value=0, max_value=10_000)


@given(unit)
def test_a_plain_number_reads_as_itself(p):
    assert parse_probability(repr(p)) == p


@given(st.integers(min_value=0, max_value=10_000))
def test_a_percent_is_a_hundredth(hundredths_of_percent):
    percent = hundredths_of_percent / 100
    assert parse_probability(f"{percent}%") == pytest.approx(percent / 100, abs=1e-12)
    assert parse_probability(f" {percent} % ") == parse_probability(f"{percent}%")


@given(counts, counts)
def test_odds_for_against(for_, against):
    if for_ + against == 0:
        with pytest.raises(InvalidInput, match="0:0"):
            parse_probability(f"{for_}:{against}")
    else:
        assert parse_probability(f"{for_}:{against}") == for_ / (for_ + against)
        assert parse_probability(f"{for_} : {against}") == for_ / (for_ + against)


@given(counts, counts)
def test_k_in_n(count, total):
    text = f"{count} in {total}"
    if total == 0 or count > total:
        with pytest.raises(InvalidInput):
            parse_probability(text)
    else:
        assert parse_probability(text) == count / total
        assert parse_probability(text.upper()) == count / total


@given(st.text(max_size=30))
def test_any_text_gives_a_probability_or_a_clear_refusal(text):
    try:
        value = parse_probability(text)
    except InvalidInput as refusal:
        assert repr(text.strip()) in str(refusal) or repr(text) in str(refusal)
    else:
        assert math.isfinite(value) and 0 <= value <= 1


@pytest.mark.parametrize("text", ["1.5", "abc", "3:0:1", "-0.1", "101%", "nan", "inf", "-inf", "0:0",
                                  "5 in 4", "1 in 0", "", "   ", "70 %%", "1 in", ":3", "7:", "0,7", "1e9"])
def test_bad_probabilities_are_refused(text):
    with pytest.raises(InvalidInput):
        parse_probability(text)


@pytest.mark.parametrize("text,value", [("0.7", 0.7), ("70%", 0.7), ("7:3", 0.7), ("1 in 4", 0.25),
                                        ("0", 0.0), ("1", 1.0), ("0%", 0.0), ("100%", 1.0), ("0:5", 0.0),
                                        ("5:0", 1.0), (".5", 0.5), ("12.5%", 0.125)])
def test_forms_people_write(text, value):
    assert parse_probability(text) == value


@pytest.mark.parametrize("value,shown", [(0.7, "70%"), (0.25, "25%"), (1 / 3, "33.3333%"), (0.999, "99.9%"), (0.99999, "99.999%"), (0.9990000000000001, "99.9%"), (0.0, "0%"),
                                         (1.0, "100%"), (None, "-")])
def test_shown_as_a_percent(value, shown):
    assert as_percent(value) == shown

