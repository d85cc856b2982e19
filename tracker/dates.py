"""Dates as users type them: ISO 8601, `today`, and offsets such as `+30d` or `-2w`."""

import datetime as dt
import re

from tracker.errors import InvalidInput

_OFFSET = re.compile(r"^([+-])(\d{1,5})([dwmy])$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NAMED = {"today": 0, "yesterday": -1, "tomorrow": 1}
HELP = "YYYY-MM-DD, today, yesterday, tomorrow, or an offset like +30d, -2w, +3m, +1y"
# The moments a ledger keeps: a day inside the calendar's first and last, so that every one of
# them is a date and time of the years 1 to 9999 in every time zone (offsets stay under a day).
EARLIEST_MOMENT = dt.datetime(1, 1, 2, tzinfo=dt.timezone.utc)
LATEST_MOMENT = dt.datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=dt.timezone.utc)


def today() -> dt.date:
    return dt.date.today()


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def start_of_day(day: dt.date) -> dt.datetime:
    """Local midnight at the start of `day`, as an aware timestamp (UTC where the zone's
    offset would leave the calendar, on 0001-01-01)."""
    midnight = dt.datetime.combine(day, dt.time.min)
    try:
        return midnight.astimezone()
    except (OverflowError, ValueError):
        return midnight.replace(tzinfo=dt.timezone.utc)


def add_months(day: dt.date, months: int) -> dt.date:
    """Move by calendar months, keeping the day of month where it exists (Jan 31 + 1m = Feb 28)."""
    import calendar

    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return day.replace(year=year, month=month + 1, day=min(day.day, last_day))


def parse_date(text: str, *, relative_to: dt.date | None = None) -> dt.date:
    """Read a date the way the CLI documents it; raise InvalidInput naming the accepted forms."""
    value = text.strip().lower()
    base = relative_to or today()
    try:
        if value in _NAMED:
            return base + dt.timedelta(days=_NAMED[value])
        if match := _OFFSET.match(value):
            sign, amount, unit = match.groups()
            n = int(amount) * (-1 if sign == "-" else 1)
            if unit == "d":
                return base + dt.timedelta(days=n)
            if unit == "w":
                return base + dt.timedelta(weeks=n)
            return add_months(base, n if unit == "m" else 12 * n)
        if _ISO.match(value):
            return dt.date.fromisoformat(value)
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(f"{text!r} is not a real date ({exc}).") from None
    raise InvalidInput(f"{text!r} is not a date; use {HELP}.")
