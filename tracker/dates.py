"""Dates as users type them: ISO 8601, `today`, offsets such as `+30d` or `-2w`, and the
written forms spreadsheets and articles use.

The one parser for every date the CLI and an import read. Accepted, besides ISO `2026-02-03`:

- year first with one- or two-digit month and day, `-`, `/` or `.` between: `2026-2-3`,
  `2026/12/31`, `2026.12.31`;
- day, month name, year: `31 Dec 2026`, `31 December 2026`, `31-Dec-2026`;
- month name, day, year: `Dec 31, 2026`, `December 31 2026`.

Month names are English, full or the first three letters, any case. All-number dates with the
year last (`03/04/2026`) are refused: whether they are day-first or month-first cannot be told
from the text, and a guess would be silently wrong for half the world.
"""

import datetime as dt
import re

from tracker.errors import InvalidInput

_OFFSET = re.compile(r"^([+-])(\d{1,5})([dwmy])$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR_FIRST = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$")
_YEAR_LAST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s-]+([a-z]+)\.?,?[\s-]+(\d{4})$")
_MONTH_DAY_YEAR = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_MONTHS = {name: n for n, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), start=1)}
_NAMED = {"today": 0, "yesterday": -1, "tomorrow": 1}
WRITTEN = "YYYY-MM-DD (or 2026-2-3, 2026/12/31), 31 Dec 2026 or Dec 31, 2026"
HELP = f"{WRITTEN}, today, yesterday, tomorrow, or an offset like +30d, -2w, +3m, +1y"
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


def parse_date(text: str, *, relative_to: dt.date | None = None, relative: bool = True) -> dt.date:
    """Read a date the way the CLI documents it; raise InvalidInput naming the accepted forms.
    With `relative=False` (a file's dates, read again on a later day) only calendar dates are read."""
    value = " ".join(text.strip().lower().split())
    base = relative_to or today()
    accepted = HELP if relative else WRITTEN
    try:
        if relative and value in _NAMED:
            return base + dt.timedelta(days=_NAMED[value])
        if relative and (match := _OFFSET.match(value)):
            sign, amount, unit = match.groups()
            n = int(amount) * (-1 if sign == "-" else 1)
            if unit == "d":
                return base + dt.timedelta(days=n)
            if unit == "w":
                return base + dt.timedelta(weeks=n)
            return add_months(base, n if unit == "m" else 12 * n)
        if _ISO.match(value):
            return dt.date.fromisoformat(value)
        if match := _YEAR_FIRST.match(value):
            year, _, month, day = match.groups()
            return dt.date(int(year), int(month), int(day))
        if match := _DAY_MONTH_YEAR.match(value):
            day, month, year = match.groups()
            return dt.date(int(year), _month(text, month, accepted), int(day))
        if match := _MONTH_DAY_YEAR.match(value):
            month, day, year = match.groups()
            return dt.date(int(year), _month(text, month, accepted), int(day))
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(f"{text!r} is not a real date ({exc}).") from None
    if match := _YEAR_LAST.match(value):
        first, second, year = match.groups()
        raise InvalidInput(f"{text!r} is not a date tracker reads: {first}/{second} could be day/month or "
                           f"month/day, and it does not guess; write the year first ({_year_first(year)}-MM-DD) "
                           "or the month by name (31 Dec 2026).")
    raise InvalidInput(f"{text!r} is not a date; use {accepted}.")


def _month(text: str, name: str, accepted: str) -> int:
    for full, number in _MONTHS.items():
        if name == full or (len(name) == 3 and full.startswith(name)) or (name == "sept" and number == 9):
            return number
    raise InvalidInput(f"{text!r} is not a date: {name!r} is not a month; use {accepted}.")


def _year_first(year: str) -> str:
    return year if len(year) == 4 else "YYYY"
