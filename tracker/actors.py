"""The name of whoever acts, recorded on every change: `--as`, TRACKER_USER or the login name,
and the actors of imported records.

An actor's name is at most ACTOR_LENGTH characters, and holds no control characters and no
line or paragraph separators: a name is shown in one cell of `history` and `show`, where a tab,
a newline or a terminal escape would break the table or the terminal. Every other character is
allowed, so names in any script, with emoji and the joiners they need, are kept as given.
"""

import re

from tracker.errors import InvalidInput
from tracker.limits import ACTOR_LENGTH

# Unicode categories Cc (C0, DEL, C1), Zl and Zp; also lone surrogates, which no database stores.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def actor_problem(name: str) -> str | None:
    """What makes `name` unusable as an actor's name, or None if it is usable."""
    if not name.strip():
        return "is empty."
    if len(name) > ACTOR_LENGTH:
        return f"is {len(name)} characters long; an actor's name may have at most {ACTOR_LENGTH}."
    if found := _UNPRINTABLE.search(name):
        return f"holds the control character U+{ord(found.group()):04X}, which an actor's name may not."
    return None


def clean_actor(value: str | None, given_as: str) -> str | None:
    """`value` stripped, or None when nothing is left (the caller then falls back to another name).

    `given_as` says where the name came from (`--as / TRACKER_USER`), for the error.
    """
    name = (value or "").strip()
    if not name:
        return None
    if problem := actor_problem(name):
        raise InvalidInput(f"{given_as} {problem}")
    return name
