"""Spreadsheet formula injection: CSV cells that a spreadsheet would run are neutralised.

A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets. OWASP's advice is to prefix such a cell with
a single quote, which every spreadsheet shows as text. To make the quote reversible, a cell
that already starts with quotes followed by one of those characters gets one more quote; so
`restore` removes exactly the quote `neutralise` added and nothing else.
"""

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _runs(text: str) -> bool:
    return text.lstrip("'").startswith(TRIGGERS)


def neutralise(text: str) -> str:
    """The text as a CSV cell that no spreadsheet runs as a formula."""
    return "'" + text if _runs(text) else text


def restore(text: str) -> str:
    """The inverse of `neutralise`: the text as it was before it was written to CSV."""
    return text[1:] if text.startswith("'") and _runs(text) else text
