"""Click parameter types for the values users type: dates and probabilities."""

from collections.abc import Callable
from typing import Any

import click

from tracker.dates import parse_date
from tracker.errors import InvalidInput
from tracker.probability import parse_probability

CLEAR_WORDS = ("none", "clear")


class ParsedType(click.ParamType):
    """A value read by one of tracker's parsers; with `clearable`, `none` means no value."""

    def __init__(self, name: str, parse: Callable[[str], Any], *, clearable: bool = False) -> None:
        self.name = name
        self.parse = parse
        self.clearable = clearable

    def convert(self, value, param, ctx):
        if self.clearable and str(value).strip().lower() in CLEAR_WORDS:
            return None
        try:
            return self.parse(str(value))
        except InvalidInput as exc:
            self.fail(str(exc), param, ctx)


DATE = ParsedType("date", parse_date)
DATE_OR_NONE = ParsedType("date", parse_date, clearable=True)
PROBABILITY = ParsedType("probability", parse_probability)
PROBABILITY_OR_NONE = ParsedType("probability", parse_probability, clearable=True)
REVIEW_DAYS = click.IntRange(1, 3650)
LIMIT = click.IntRange(0, 2**63 - 1)  # what a database integer holds
ROW_ID = click.IntRange(1, 2**63 - 1)  # an id, version or count: positive, and what a database integer holds


class UnicodeText(click.ParamType):
    """Text a user types. A byte that is not UTF-8 reaches Python as a lone surrogate (PEP 383),
    which no database stores and no UTF-8 file can hold: it is refused here, naming the byte.
    File paths are not of this type: a file name may be any bytes."""

    name = "text"

    def convert(self, value, param, ctx):
        if isinstance(value, str):
            for char in value:
                if "\udc80" <= char <= "\udcff":
                    self.fail(f"holds the byte 0x{ord(char) - 0xDC00:02X}, which is not UTF-8 text; "
                              "set the terminal to UTF-8, or retype the text.", param, ctx)
        return value


TEXT = UnicodeText()


def forecast_filter_options(command):
    """The filters of `tracker list` that choose forecasts, for every command that takes them
    (`list`, `report`, `export`). Their values come as the keyword arguments of
    `services.forecasts.ForecastFilter` of the same names."""
    from tracker.cli.completion import complete_tag
    from tracker.statuses import STATUSES

    options = [
        click.option("--status", "statuses", type=click.Choice(STATUSES), multiple=True, help="Only these statuses."),
        click.option("--tag", "tags", type=TEXT, multiple=True, shell_complete=complete_tag,
                     help="Only forecasts with this tag; repeat to require several."),
        click.option("--source", type=TEXT, help="Only forecasts whose source title, author or outlet contains this."),
        click.option("--search", type=TEXT, help="Only forecasts whose claim, criteria or key contains this text, ignoring "
                                      "case (Unicode case folding: ß finds ss)."),
        click.option("--final/--active", default=None, help="Only settled, or only unsettled, forecasts."),
        click.option("--by-actor", "actor", type=TEXT, metavar="NAME", help="Only forecasts NAME has changed or created."),
        click.option("--due", is_flag=True, help="Only forecasts due for review (as `tracker review` lists them)."),
        click.option("--overdue", is_flag=True, help="Only unsettled forecasts whose resolve-by date has passed."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


FILTER_NAMES = ("statuses", "tags", "source", "search", "final", "actor", "due", "overdue")
