"""The cells of other trackers' files: moments, dates and probabilities as they write them.

Fatebook writes `2024-01-05 09:14:7` (seconds not padded), PredictionBook's API
`2015-03-02T10:11:12.000Z`, iqisa `2008-06-20 03:46:16+00:00`, the Good Judgment Project
`9/1/11`, `12/30/11 0:00` and `2011-08-31 16:20:13`. A moment without a zone is taken as UTC,
the zone of the servers that wrote them. Missing values come as an empty cell, `NA`, `NULL`,
`NaN` or `NaT`. A cell that is none of these is a damaged file, and the import stops naming it.
"""

import datetime as dt
import math
import re
from functools import lru_cache

from tracker import dates
from tracker.errors import InvalidInput
from tracker.services.foreign.questions import utc

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6})\d*)?)?)?"
                  r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?$", re.IGNORECASE)
_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
MISSING = frozenset({"", "na", "n/a", "nan", "nat", "null", "none"})


def missing(text: str | None) -> bool:
    return text is None or text.strip().lower() in MISSING


def moment(text: str | None, where: str, name: str) -> dt.datetime | None:
    """The UTC moment a cell gives, None when it gives none."""
    if missing(text):
        return None
    found = _parsed(text.strip())
    if found is None:
        raise InvalidInput(f"{where}, field {name!r}: {text!r} is not a date and time such as 2024-03-05 14:02:07.")
    if not dates.EARLIEST_MOMENT <= found <= dates.LATEST_MOMENT:
        raise InvalidInput(f"{where}, field {name!r}: {text!r} is too near the edge of the calendar; tracker keeps "
                           f"moments from {dates.EARLIEST_MOMENT:%Y-%m-%d} to {dates.LATEST_MOMENT:%Y-%m-%d} UTC.")
    return found


# A question's moments repeat on every one of its rows: each text is read once.
@lru_cache(maxsize=1 << 16)
def _parsed(value: str) -> dt.datetime | None:
    try:
        return utc(dt.datetime.fromisoformat(value))
    except OverflowError:  # in UTC, before the year 1 or after 9999
        return None
    except ValueError:
        pass  # Fatebook's unpadded seconds, a US date: read below
    try:
        if found := _ISO.match(value):
            year, month, day, hour, minute, second, fraction, zone = found.groups()
            moment = dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                                 int(second or 0), int((fraction or "0").ljust(6, "0")))
            if zone and zone.upper() != "Z":
                sign = -1 if zone[0] == "-" else 1
                digits = zone[1:].replace(":", "")
                offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
                moment = moment.replace(tzinfo=dt.timezone(sign * offset))
            return utc(moment)
        if found := _US.match(value):
            month, day, year, hour, minute, second = found.groups()
            year = int(year) + (2000 if len(year) == 2 else 0)
            return utc(dt.datetime(year, int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)))
    except (ValueError, OverflowError):
        pass
    return None


def day(text: str | None, where: str, name: str) -> dt.date | None:
    """The date a cell gives (of its moment, in UTC), None when it gives none."""
    found = moment(text, where, name)
    return None if found is None else found.date()


def probability(text: str | float | None, where: str, name: str, *, scale: float = 1) -> float | None:
    """A probability from 0 to 1 (`scale` 100 for percentages), None when the cell is empty."""
    if isinstance(text, str) and missing(text):
        return None
    if text is None:
        return None
    try:
        value = float(text) / scale if not isinstance(text, bool) else math.nan
    except ValueError:
        raise InvalidInput(f"{where}, field {name!r}: {text!r} is not a number.") from None
    if not 0 <= value <= 1:
        raise InvalidInput(f"{where}, field {name!r}: {text!r} is not a probability "
                           f"(0 to {'100' if scale == 100 else '1'}).")
    return value
