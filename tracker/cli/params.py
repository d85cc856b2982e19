"""Click parameter types for the values users type: dates and probabilities."""

import click

from tracker.dates import HELP as DATE_HELP
from tracker.dates import parse_date
from tracker.errors import InvalidInput
from tracker.probability import parse_probability

CLEAR_WORDS = ("none", "clear")


class DateType(click.ParamType):
    """An ISO or relative date; with `clearable`, `none` means no date."""

    name = "date"

    def __init__(self, *, clearable: bool = False) -> None:
        self.clearable = clearable

    def convert(self, value, param, ctx):
        if self.clearable and str(value).strip().lower() in CLEAR_WORDS:
            return None
        try:
            return parse_date(str(value))
        except InvalidInput as exc:
            self.fail(str(exc), param, ctx)


class ProbabilityType(click.ParamType):
    """0.7, 70%, 7:3 or 1 in 4; with `clearable`, `none` removes the probability."""

    name = "probability"

    def __init__(self, *, clearable: bool = False) -> None:
        self.clearable = clearable

    def convert(self, value, param, ctx):
        if self.clearable and str(value).strip().lower() in CLEAR_WORDS:
            return None
        try:
            return parse_probability(str(value))
        except InvalidInput as exc:
            self.fail(str(exc), param, ctx)


DATE = DateType()
DATE_OR_NONE = DateType(clearable=True)
PROBABILITY = ProbabilityType()
PROBABILITY_OR_NONE = ProbabilityType(clearable=True)
REVIEW_DAYS = click.IntRange(1, 3650)
