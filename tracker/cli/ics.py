"""iCalendar (RFC 5545) output: an all-day event for each upcoming review and each deadline.

Written with the standard library; the tests read it back with a full iCalendar parser.
"""

import datetime as dt
from typing import Any

from tracker.cli.output import visible

PRODUCT = "-//tracker//forecast reviews//EN"
MAX_OCTETS = 75  # a content line longer than this is folded (RFC 5545 section 3.1)


def escape(text: str) -> str:
    """A TEXT value (RFC 5545 section 3.3.11): backslash, semicolon, comma and line breaks escaped.

    TEXT may hold no control character but the tab (written as a space): a lone carriage
    return is a line break like any other (left raw it would end the content line, and what
    follows could pose as a property of its own), and the rest are shown as escapes, as on
    the terminal.
    """
    text = visible(text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> list[str]:
    """Split a content line into pieces of at most 75 octets, never inside a UTF-8 character."""
    pieces, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = MAX_OCTETS if not pieces else MAX_OCTETS - 1  # continuation lines start with a space
        if size + width > limit:
            pieces.append(current)
            current, size = "", 0
        current += char
        size += width
    pieces.append(current)
    return [pieces[0]] + [" " + piece for piece in pieces[1:]]


def short(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def all_day_event(uid: str, day: dt.date, summary: str, description: str, stamp: str) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"UID:{escape(uid)}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
        "DURATION:P1D",  # not DTEND: the day after 9999-12-31 does not exist
        f"SUMMARY:{escape(summary)}",
        f"DESCRIPTION:{escape(description)}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def calendar(forecasts: list[dict[str, Any]], *, today: dt.date, now: dt.datetime) -> str:
    """The calendar: a review on each forecast's next review date (today if it is already due)
    and, for those that have one, its resolve-by date. UIDs stay the same from one export to the
    next, so a calendar that imports the file again moves its events instead of adding copies."""
    stamp = now.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODUCT}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             "X-WR-CALNAME:tracker reviews"]
    for forecast in forecasts:
        about = (f"{forecast['claim']}\n\nCriteria: {forecast['criteria'] or '-'}\n"
                 f"Status: {forecast['status']}\nForecast {forecast['id']} ({forecast['key']})")
        lines += all_day_event(
            f"review-{forecast['key']}@tracker", max(forecast["next_review_on"], today),
            f"Review forecast {forecast['id']}: {short(forecast['claim'])}",
            f"{about}\n\nWhen reviewed: tracker review {forecast['id']}", stamp)
        if forecast["resolve_by"] is not None:
            lines += all_day_event(
                f"deadline-{forecast['key']}@tracker", forecast["resolve_by"],
                f"Deadline of forecast {forecast['id']}: {short(forecast['claim'])}",
                f"{about}\n\nSettle it: tracker update {forecast['id']} --status confirmed|partial|refuted|void",
                stamp)
    lines.append("END:VCALENDAR")
    return "".join(piece + "\r\n" for line in lines for piece in fold(line))
