"""The statuses a forecast moves through (SPEC section 2)."""

ACTIVE = ("open", "developing", "stalled")
FINAL = ("confirmed", "partial", "refuted", "void")
STATUSES = ACTIVE + FINAL
DEFAULT = "open"


def is_final(status: str) -> bool:
    return status in FINAL
