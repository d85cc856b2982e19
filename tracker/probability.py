"""Probabilities as people write them: 0.7, 70%, 7:3 (odds for:against), 1 in 4."""

import math
import re

from tracker.errors import InvalidInput

_NUMBER = r"\d+(?:\.\d*)?|\.\d+"
_PERCENT = re.compile(rf"^({_NUMBER})\s*%$")
_ODDS = re.compile(rf"^({_NUMBER})\s*:\s*({_NUMBER})$")
_ONE_IN = re.compile(rf"^({_NUMBER})\s+in\s+({_NUMBER})$")
HELP = "a chance such as 0.7, 70%, 7:3 (odds for:against) or 1 in 4"


def parse_probability(text: str) -> float:
    """Return a number in 0..1, or raise InvalidInput saying which forms are accepted."""
    value = text.strip().lower()
    if match := _PERCENT.match(value):
        result = float(match.group(1)) / 100
    elif match := _ODDS.match(value):
        for_, against = (float(g) for g in match.groups())
        if for_ + against == 0:
            raise InvalidInput(f"odds {text!r} are 0:0; give at least one side above 0.")
        result = for_ / (for_ + against)
    elif match := _ONE_IN.match(value):
        count, total = (float(g) for g in match.groups())
        if total == 0:
            raise InvalidInput(f"{text!r} has 0 chances in all; use {HELP}.")
        result = count / total
    else:
        try:
            result = float(value)
        except ValueError:
            raise InvalidInput(f"{text!r} is not a probability; use {HELP}.") from None
    if not math.isfinite(result) or not 0 <= result <= 1:
        raise InvalidInput(f"probability {text!r} is outside 0..1 (0% to 100%).")
    return result


def as_percent(probability: float | None) -> str:
    if probability is None:
        return "-"
    return f"{probability * 100:.4g}%"
