"""What `list --search` compares: text case-folded one way, shared by every path and backend.

A forecast's search text is its claim, criteria and key, each case-folded (Unicode full case
folding, as `str.casefold` does: "Straße" and "STRASSE" both become "strasse", "Σ", "σ" and
"ς" all become "σ"), joined by `FIELD_SEPARATOR`. It is stored beside the fields, so either
database finds a folded needle in it by plain, case-sensitive substring search; neither
database folds case this way itself.
"""

# Full case folding never yields an upper-case letter, so neither a folded field nor a
# folded needle holds this one: no match can include it, so none can run from the end of
# one field into the next. ASCII, so a server in any encoding stores it.
FIELD_SEPARATOR = "X"


def fold(text: str) -> str:
    return text.casefold()


def search_text(claim: str, criteria: str | None, key: str) -> str:
    """The stored text a forecast is searched by."""
    return FIELD_SEPARATOR.join(fold(field or "") for field in (claim, criteria, key))


def contains(text: str, claim: str, criteria: str | None, key: str) -> bool:
    """Whether the claim, criteria or key contains `text`, ignoring case: what a search
    of the stored text answers, for forecasts that are not rows (as they stood on a past day)."""
    return fold(text) in search_text(claim, criteria, key)
