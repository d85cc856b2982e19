"""What a database's own error codes mean to the person who ran the command.

SQLite names each failure (`sqlite_errorname` on Python 3.11's sqlite3 errors) and PostgreSQL
gives a SQLSTATE (`sqlstate` on psycopg 3 errors). Both are the drivers' contracts; their
message texts are not, so nothing here reads a message to decide anything. A message is only
quoted, as the driver's own detail, after the code has chosen what to say.
"""

import sys
from dataclasses import dataclass

from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from tracker.errors import Conflict, RuleViolation, StorageError, TrackerError


@dataclass(frozen=True)
class Meaning:
    """The error a code becomes, and its message.

    The message may name `{where}` (the database, never with its password), `{detail}` (the
    driver's one-line account), `{rule}` (the constraint broken, where the driver names it) and
    `{timeout}` (TRACKER_BUSY_TIMEOUT in seconds) and `{connect_timeout}` (PostgreSQL's, whole seconds).
    """

    error: type[TrackerError]
    message: str


_NOTHING_WRITTEN = "nothing was written; tracker should have refused this itself, so please report it as a bug."
_LOCKED = "{where} stayed locked by another process for over {timeout:g} s; try again when it has finished."
_DAMAGED = "{where} is not a tracker ledger or is damaged ({detail}); point --db at a ledger file."
_TOO_LONG = "the ledger refused the change: a value is longer than its column allows ({detail}); nothing was written."
_LOST = "{where}: the connection was lost before the command finished ({detail}); nothing was changed; try again."
_UNREACHABLE = ("{where}: {detail}. Is the server running and does the database exist? Check the host, port and "
                "database name in --db / TRACKER_DB, and check the user name and password.")

# One entry per code. SQLite's extended names (SQLITE_CONSTRAINT_CHECK) fall back to their
# primary name (SQLITE_CONSTRAINT), and a SQLSTATE to its two-character class ("08").
MEANINGS: dict[str, Meaning] = {
    # SQLite
    "SQLITE_BUSY": Meaning(StorageError, _LOCKED),
    # In WAL mode a reader that tries to write after another process committed cannot wait
    # its way out: its snapshot is stale, so only starting again helps.
    "SQLITE_BUSY_SNAPSHOT": Meaning(Conflict, "another process changed {where} while this command read it; "
                                              "nothing was changed; try again."),
    "SQLITE_READONLY": Meaning(StorageError, "{where} is read-only: make the file and its folder writable, "
                                             "or use another --db."),
    "SQLITE_PERM": Meaning(StorageError, "{where} is read-only: make the file and its folder writable, "
                                         "or use another --db."),
    "SQLITE_CANTOPEN": Meaning(StorageError, "cannot open {where} ({detail}); check that the path and its "
                                             "folder are accessible."),
    "SQLITE_NOTADB": Meaning(StorageError, _DAMAGED),
    "SQLITE_CORRUPT": Meaning(StorageError, _DAMAGED),
    "SQLITE_FULL": Meaning(StorageError, "the disk holding {where} is full; free some space and try again."),
    "SQLITE_IOERR": Meaning(StorageError, "reading or writing {where} failed ({detail}); check the disk it is "
                                          "on and try again."),
    "SQLITE_NOMEM": Meaning(StorageError, "SQLite ran out of memory working on {where}; nothing was changed."),
    "SQLITE_INTERRUPT": Meaning(StorageError, "the command on {where} was interrupted; nothing was changed."),
    "SQLITE_TOOBIG": Meaning(RuleViolation, "the ledger refused the change: a value is larger than SQLite "
                                            "stores ({detail}); nothing was written."),
    # Writers take SQLite's lock at BEGIN (BEGIN IMMEDIATE), so no two commands ever write at
    # once: a broken rule here is never a race, whatever kind of rule it is.
    "SQLITE_CONSTRAINT_CHECK": Meaning(RuleViolation, "the ledger refused the change: it breaks a check rule "
                                                      "({detail}); " + _NOTHING_WRITTEN),
    "SQLITE_CONSTRAINT_UNIQUE": Meaning(RuleViolation, "the ledger refused the change: it breaks a rule that "
                                                       "no two rows be alike ({detail}); " + _NOTHING_WRITTEN),
    "SQLITE_CONSTRAINT_PRIMARYKEY": Meaning(RuleViolation, "the ledger refused the change: it breaks a rule "
                                                           "that no two rows share an id ({detail}); "
                                                           + _NOTHING_WRITTEN),
    "SQLITE_CONSTRAINT_FOREIGNKEY": Meaning(RuleViolation, "the ledger refused the change: it breaks a rule "
                                                           "that a row refer only to rows that exist ({detail}); "
                                                           + _NOTHING_WRITTEN),
    "SQLITE_CONSTRAINT_NOTNULL": Meaning(RuleViolation, "the ledger refused the change: it breaks a rule that "
                                                        "a value be given ({detail}); " + _NOTHING_WRITTEN),
    "SQLITE_CONSTRAINT": Meaning(RuleViolation, "the ledger refused the change: it breaks a rule ({detail}); "
                                                + _NOTHING_WRITTEN),
    "SQLITE_MISMATCH": Meaning(RuleViolation, "the ledger refused the change: a value has the wrong type for "
                                              "its column ({detail}); " + _NOTHING_WRITTEN),
    # PostgreSQL
    # Two sessions may check that a key is free and both insert it; the second one loses.
    "23505": Meaning(Conflict, "another change landed at the same moment and this one no longer fits the rule "
                               "{rule}; nothing was written; try again."),
    "23514": Meaning(RuleViolation, "the ledger refused the change: it breaks the check rule {rule}; "
                                    + _NOTHING_WRITTEN),
    "23503": Meaning(RuleViolation, "the ledger refused the change: it breaks the rule {rule}, that a row refer "
                                    "only to rows that exist; " + _NOTHING_WRITTEN),
    "23502": Meaning(RuleViolation, "the ledger refused the change: it breaks the rule that {rule} be given; "
                                    + _NOTHING_WRITTEN),
    "23": Meaning(RuleViolation, "the ledger refused the change: it breaks the rule {rule} ({detail}); "
                                 + _NOTHING_WRITTEN),
    "22001": Meaning(RuleViolation, _TOO_LONG),
    "22003": Meaning(RuleViolation, "the ledger refused the change: a number is out of the range its column "
                                    "holds ({detail}); nothing was written."),
    "40001": Meaning(Conflict, "{where}: another change to the same rows landed at the same moment; nothing was "
                               "written; try again."),
    "40P01": Meaning(Conflict, "{where}: this command and another were each waiting for the other (a deadlock); "
                               "nothing was written; try again."),
    # lock_timeout, which tracker sets from TRACKER_BUSY_TIMEOUT (storage/database.py).
    "55P03": Meaning(StorageError, "{where}: what this command needs stayed locked by another session for over "
                                   "{timeout:g} s; nothing was changed; try again when it has finished "
                                   "(TRACKER_BUSY_TIMEOUT sets how long to wait)."),
    "57014": Meaning(StorageError, "{where}: the server cancelled the command ({detail}); nothing was changed. "
                                   "One statement may run for ten times TRACKER_BUSY_TIMEOUT ({timeout:g} s), "
                                   "at least 10 s: raise it if the server is merely slow."),
    "57P01": Meaning(StorageError, _LOST),
    "57P02": Meaning(StorageError, _LOST),
    "57P03": Meaning(StorageError, "{where}: the server is not accepting connections yet ({detail}); try again "
                                   "shortly."),
    "08": Meaning(StorageError, _LOST),
    "08001": Meaning(StorageError, _UNREACHABLE),
    "08004": Meaning(StorageError, _UNREACHABLE),
    "3D000": Meaning(StorageError, "{where} does not exist; create it or correct --db / TRACKER_DB."),
    "28P01": Meaning(StorageError, "{where}: {detail}; check the user name and password."),
    "28000": Meaning(StorageError, "{where}: {detail}; check the user name and password."),
    "53100": Meaning(StorageError, "{where}: the server's disk is full; nothing was written; ask its "
                                   "administrator to free some space."),
    "53200": Meaning(StorageError, "{where}: the server ran out of memory; nothing was changed; try again."),
    "53300": Meaning(StorageError, "{where}: the server has too many connections; try again shortly."),
    "25006": Meaning(StorageError, "{where} takes no writes (a read-only server or transaction); point --db "
                                   "at a server that does."),
    "42501": Meaning(StorageError, "{where}: the database user may not do this ({detail}); ask the database's "
                                   "administrator for the privileges tracker needs."),
}

# libpq's connect_timeout ran out: the server took the connection, or never did, and did not answer.
_NO_ANSWER = Meaning(StorageError, "{where} did not answer within {connect_timeout} s; is the server up and "
                                   "reachable? (TRACKER_BUSY_TIMEOUT sets how long to wait.)")

_UNKNOWN = {"sqlite": Meaning(StorageError, "database error in {where}: {detail}"),
            "postgresql": Meaning(StorageError, "{where}: {detail}")}
_UNKNOWN_ELSEWHERE = Meaning(StorageError, "database error in {where}: {detail}")


def database_failure(exc: DBAPIError, url: URL, *, where: str, busy_timeout: float,
                     connect_timeout: int | str = 0) -> TrackerError:
    """The TrackerError a driver error stands for, its message naming `where`."""
    backend = url.get_backend_name()
    meaning = _NO_ANSWER if _connect_timed_out(exc.orig) else meaning_of(driver_code(exc, backend), backend)
    detail = _first_line(exc.orig) or _first_line(exc)
    return meaning.error(meaning.message.format(where=where, detail=detail, rule=_rule(exc.orig, detail),
                                                timeout=busy_timeout, connect_timeout=connect_timeout))


def _connect_timed_out(orig: BaseException | None) -> bool:
    """libpq gives no SQLSTATE when its connect_timeout runs out; psycopg tells it by the
    error's class, its documented contract, rather than by the message."""
    errors = sys.modules.get("psycopg.errors")
    timeout = getattr(errors, "ConnectionTimeout", None)
    return timeout is not None and isinstance(orig, timeout)


def driver_code(exc: DBAPIError, backend: str) -> str | None:
    """SQLite's error name or PostgreSQL's SQLSTATE, when the driver gave one."""
    if backend == "sqlite":
        return getattr(exc.orig, "sqlite_errorname", None)
    if backend != "postgresql":
        return None
    code = getattr(exc.orig, "sqlstate", None)
    if code:
        return code
    import psycopg

    # libpq reports a failed connection, and one lost mid-command, without a SQLSTATE. With no
    # statement, none was running: the connection could not be made (08001); with one, the
    # connection went while it ran (08006).
    if isinstance(exc.orig, psycopg.OperationalError):
        return "08001" if exc.statement is None else "08006"
    return None


def meaning_of(code: str | None, backend: str) -> Meaning:
    if code:
        if code in MEANINGS:
            return MEANINGS[code]
        if backend == "sqlite":
            primary = "_".join(code.split("_", 2)[:2])
            if primary in MEANINGS:
                return MEANINGS[primary]
        elif code[:2] in MEANINGS:
            return MEANINGS[code[:2]]
    return _UNKNOWN.get(backend, _UNKNOWN_ELSEWHERE)


def _rule(orig: BaseException | None, detail: str) -> str:
    """The constraint broken, as PostgreSQL names it; SQLite names it only in its message."""
    diag = getattr(orig, "diag", None)
    if diag is None:
        return detail
    if diag.constraint_name:
        return diag.constraint_name
    if diag.table_name and diag.column_name:
        return f"{diag.table_name}.{diag.column_name}"
    return detail


def _first_line(error: BaseException | None) -> str:
    text = str(error or "").strip()
    return text.splitlines()[0] if text else ""
