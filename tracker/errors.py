"""The failures a command can meet, one type per kind.

Services raise these; the CLI boundary turns every one into `Error: …` and exit 1.
"""


class TrackerError(Exception):
    """A request that could not be done; the message says what was wrong and what to do."""


class NotFound(TrackerError):
    """No forecast, evidence or seed set answers to the name given."""


class InvalidInput(TrackerError):
    """A value was well-formed for the command line but not acceptable to the ledger."""


class Conflict(TrackerError):
    """The ledger moved on since the caller looked (a stale --expect-version, a taken key)."""


class RuleViolation(TrackerError):
    """The database refused a change that breaks one of its rules (a check, a reference, a
    required value, a column's size): something tracker should have refused first."""


class StorageError(TrackerError):
    """The database could not be opened, read or written."""


class NoLedger(StorageError):
    """A command that only reads was pointed at a ledger file that does not exist."""


class SchemaError(StorageError):
    """The database schema is not the one this version of tracker works with."""
