"""Locks that make concurrent commands take turns over a name, held until the transaction ends.

SQLite writers already take turns from BEGIN (BEGIN IMMEDIATE), so these do nothing there.
PostgreSQL lets two transactions both find a key free and then both insert it, the second
failing on the unique rule; a transaction-scoped advisory lock on the key makes the second
wait until the first has committed, and then see what it wrote. Source titles are locked the
same way: no rule keeps two sources from sharing every field, so without the lock two
commands that both find no such source would each add one.
"""

import zlib

from sqlalchemy import text
from sqlalchemy.orm import Session

from tracker.storage.bulk import WRITERS_EXCLUDED

# The first half of a two-part advisory lock: the space of forecast keys, or of source titles.
# Two-part locks never meet the one-part lock that upgrades take (storage/migrate.py).
KEY_SPACE = 1_801_812_339
SOURCE_TITLE_SPACE = 1_801_812_340


def lock_key(session: Session, key: str, space: int = KEY_SPACE) -> None:
    """Wait for any other transaction that locked `key` (in `space`) to end, and hold it until
    this one ends.

    Keys are hashed to 32 bits; two keys that share a hash only take turns needlessly.
    """
    if session.get_bind().dialect.name != "postgresql" or session.info.get(WRITERS_EXCLUDED):
        # An import has locked the tables against other writers already; a lock a forecast on
        # top would fill the server's shared lock table (sized by max_locks_per_transaction).
        return
    number = zlib.crc32(key.encode("utf-8"))
    session.execute(text("SELECT pg_advisory_xact_lock(CAST(:space AS integer), CAST(:key AS integer))"),
                    {"space": space, "key": number - 2**32 if number >= 2**31 else number})
