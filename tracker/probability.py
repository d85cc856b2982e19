"""Probabilities as people write them: 0.7, 70%, 7:3 (odds for:against), 1 in 4.

They are worked out in decimal, so that `99.9%` is 0.999 and not the 0.9990000000000001 that
binary arithmetic makes of 99.9 / 100. Numbers shown or written out are rounded by `rounded`.
"""

import re

from tracker.errors import InvalidInput

_NUMBER = r"\d+(?:\.\d*)?|\.\d+"
_PERCENT = re.compile(rf"^({_NUMBER})\s*%$")
_ODDS = re.compile(rf"^({_NUMBER})\s*:\s*({_NUMBER})$")
_ONE_IN = re.compile(rf"^({_NUMBER})\s+in\s+({_NUMBER})$")
HELP = "a chance such as 0.7, 70%, 7:3 (odds for:against) or 1 in 4"


# Digits kept of a number written out (JSON, CSV) or shown: enough for any probability a person
# writes, few enough to drop the noise of binary arithmetic (0.30250000000000005 is 0.3025).
SIGNIFICANT_DIGITS = 12
# Digits of a percent in tables and messages: 99.999% stays 99.999%, a third is 33.3333%.
PERCENT_DIGITS = 6


def parse_probability(text: str) -> float:
    """Return a number in 0..1, or raise InvalidInput saying which forms are accepted."""
    from decimal import Decimal, DivisionByZero, InvalidOperation  # loaded by commands that parse one

    value = text.strip().lower()
    if match := _PERCENT.match(value):
        result = Decimal(match.group(1)) / 100
    elif match := _ODDS.match(value):
        for_, against = (Decimal(g) for g in match.groups())
        if for_ + against == 0:
            raise InvalidInput(f"odds {text!r} are 0:0; give at least one side above 0.")
        result = for_ / (for_ + against)
    elif match := _ONE_IN.match(value):
        count, total = (Decimal(g) for g in match.groups())
        if total == 0:
            raise InvalidInput(f"{text!r} has 0 chances in all; use {HELP}.")
        result = count / total
    else:
        try:
            result = Decimal(value)
        except (InvalidOperation, DivisionByZero):
            raise InvalidInput(f"{text!r} is not a probability; use {HELP}.") from None
        if result.is_finite() and 1 < result <= 100:
            raise InvalidInput(f"probability {text!r} is outside 0..1; for {value} percent write {value}%.")
    if not result.is_finite() or not 0 <= result <= 1:
        raise InvalidInput(f"probability {text!r} is outside 0..1 (0% to 100%).")
    return float(result)


def rounded(number: float) -> float:
    """A computed number as it is written out: SIGNIFICANT_DIGITS significant digits, so that
    every output (JSON, CSV, tables) gives the same value and none shows float noise."""
    return float(f"{number:.{SIGNIFICANT_DIGITS}g}")


def as_percent(probability: float | None) -> str:
    if probability is None:
        return "-"
    return f"{rounded(probability * 100):.{PERCENT_DIGITS}g}%"
