"""Spreadsheet formula injection: CSV cells that a spreadsheet would run are neutralised.

A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets. OWASP's advice is to prefix such a cell with
a single quote, which every spreadsheet shows as text. To make the quote reversible, a cell
that already starts with quotes followed by one of those characters gets one more quote; so
`restore` removes exactly the quote `neutralise` added and nothing else. Each line after a
line break inside a cell is guarded the same way: readers that go by lines (a naive importer,
a log viewer, grep) see it on its own.
"""

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_LINE_BREAK = re.compile("(\r\n|\r|\n)")


def _runs(text: str) -> bool:
    return text.lstrip("'").startswith(TRIGGERS)


def _guarded(text: str) -> str:
    return "'" + text if _runs(text) else text


def _unguarded(text: str) -> str:
    return text[1:] if text.startswith("'") and _runs(text) else text


def neutralise(text: str) -> str:
    """The text as a CSV cell that no spreadsheet runs as a formula."""
    if "\r" not in text and "\n" not in text:
        return _guarded(text)
    parts = _LINE_BREAK.split(text)  # lines at even places, the breaks between them at odd ones
    for n in range(2, len(parts), 2):
        parts[n] = _guarded(parts[n])
    return _guarded("".join(parts))


def restore(text: str) -> str:
    """The inverse of `neutralise`: the text as it was before it was written to CSV."""
    text = _unguarded(text)
    if "\r" not in text and "\n" not in text:
        return text
    parts = _LINE_BREAK.split(text)
    for n in range(2, len(parts), 2):
        parts[n] = _unguarded(parts[n])
    return "".join(parts)
