"""Backups and restores of SQLite ledgers, through SQLite's online backup API.

A backup is one self-contained file (rollback journal mode, so nothing of it lives in a -wal
beside it), readable by its owner only, and appears under its name only once complete and
checked: a full disk or a failure leaves nothing behind.
"""

import datetime as dt
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from tracker.errors import Conflict, InvalidInput, NotFound, SchemaError, StorageError
from tracker.progress import Progress
from tracker.storage import schema
from tracker.storage.database import busy_timeout_seconds, create_private_file, display_url
from tracker.storage import files
from tracker.storage.files import ledger_part, refuse_ledger_file, scratch_file, written_whole

Checked = TypeVar("Checked")
BACKUP_STEP = 4 * 2**20  # bytes copied between two reports of progress


def backup_path(path: Path, label: str) -> Path:
    """A new file beside `path`, named after what it was kept before and when."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    candidate, n = path.with_name(f"{path.name}.{label or 'base'}-{stamp}.bak"), 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.{label or 'base'}-{stamp}-{n}.bak")
    return candidate


def backup_sqlite(source: Path, destination: Path, check: Callable[[Path], Checked] | None = None, *,
                  progress: Progress | None = None) -> Checked | None:
    """Copy the SQLite ledger at `source` to the new file `destination` with the online backup
    API, consistent even while others write; `check`, if given, inspects the copy before it takes
    its name, and what it returns is returned. Nothing is left at `destination` on failure.
    `progress` is told how many bytes of the ledger have been copied."""
    try:
        with written_whole(destination, replace=False) as temporary:
            with closing(connect_to_read(source)) as src, closing(sqlite3.connect(temporary)) as dst:
                if progress is None:
                    src.backup(dst)
                else:
                    backup_in_steps(src, dst, progress)
                dst.execute("PRAGMA journal_mode = DELETE")
            return check(temporary) if check else None
    except sqlite3.Error as exc:
        if getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL":
            raise StorageError(f"the disk holding {destination} is full; nothing was written there. "
                               "Free some space and try again.") from exc
        raise StorageError(f"could not copy {source} to {destination}: {exc}") from exc
    except OSError as exc:
        raise write_failed(destination, exc) from exc


def backup_in_steps(src: sqlite3.Connection, dst: sqlite3.Connection, progress: Progress) -> None:
    """The backup a few megabytes at a time, telling `progress` the bytes done after each.

    The steps are taken in one read transaction of the source, so they copy one snapshot of
    it: between steps outside one, another process's write would start the backup over.
    """
    page_size = src.execute("PRAGMA page_size").fetchone()[0]
    src.execute("BEGIN")
    try:
        src.execute("SELECT count(*) FROM sqlite_master")  # the transaction's snapshot is taken here
        src.backup(dst, pages=BACKUP_STEP // page_size, sleep=0,
                   progress=lambda status, remaining, total: progress((total - remaining) * page_size))
    finally:
        src.rollback()


def connect_to_read(path: Path) -> sqlite3.Connection:
    """A connection to read the database at `path` that leaves nothing beside it that could stop
    a later writer (see `read_only_uri`)."""
    if files.cannot_write(path):
        return sqlite3.connect(files.read_only_uri(path), uri=True)
    return sqlite3.connect(path, timeout=busy_timeout_seconds())


def write_failed(path: Path, exc: OSError) -> StorageError:
    return StorageError(f"cannot write {path}: {exc.strerror or exc}; nothing was written. "
                        "Choose another file or folder.")


def pg_dump_command(url: URL, destination: str) -> str:
    where = url.set(drivername="postgresql").render_as_string(hide_password=True)
    return f"pg_dump --format=custom --file '{destination}' '{where}'"


def require_sqlite(engine: Engine, what: str, tool: str) -> Path:
    if engine.url.get_backend_name() != "sqlite":
        raise StorageError(f"{what} of a PostgreSQL ledger is the server's job: use {tool}.")
    return Path(engine.url.database)


def backup_ledger(engine: Engine, destination: Path, *, progress: Progress | None = None) -> dict[str, int]:
    """Write a checked copy of the ledger to a new file; returns what the copy holds. `progress`
    is told how many bytes of the ledger have been copied."""
    if engine.url.get_backend_name() != "sqlite":
        raise StorageError("PostgreSQL ledgers are backed up with pg_dump: "
                           + pg_dump_command(engine.url, str(destination)))
    source = Path(engine.url.database)
    if not source.is_file():
        raise NotFound(f"no ledger at {source} to back up.")
    refuse_ledger_file(destination, source)
    try:
        if destination.exists():
            raise Conflict(f"{destination} already exists; choose a new file name for the backup.")
        folder = destination.resolve().parent
        if not folder.is_dir():
            raise StorageError(f"the folder {folder} does not exist.")
    except OSError as exc:
        raise write_failed(destination, exc) from exc
    return backup_sqlite(source, destination, check=inspect_backup, progress=progress)


def inspect_backup(path: Path) -> dict[str, int | str]:
    """Check that a file is a sound tracker ledger this version can use; say what it holds."""
    try:
        if not path.is_file():
            raise InvalidInput(f"{path} is not a file.")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}.") from None
    try:
        with closing(connect_to_read(path)) as conn:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                raise StorageError(f"{path} is damaged ({verdict}).")
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            forecasts = conn.execute("SELECT count(*) FROM forecasts").fetchone()[0]
            events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    except sqlite3.Error as exc:
        raise StorageError(f"{path} is not a tracker ledger or is damaged ({exc}).") from None
    if revision is None or revision[0] not in schema.REVISIONS:
        raise SchemaError(f"{path} has schema {revision[0] if revision else 'none'}, which this tracker "
                          "does not know; restore it with the tracker that made it.")
    return {"forecasts": forecasts, "events": events, "revision": revision[0]}


def restore_ledger(engine: Engine, backup: Path, *, replace: bool) -> dict:
    """Replace the ledger's content with a checked backup, keeping the replaced one beside it."""
    target = require_sqlite(engine, "Restoring", "pg_restore")
    itself = ledger_part(backup, target, backups=False)
    if itself is not None:
        raise InvalidInput(f"{backup} is {itself}, not a backup of it; name a backup file to restore.")
    held = inspect_backup(backup)
    replaced = None
    try:
        if target.exists() and target.stat().st_size > 0:
            if not replace:
                raise Conflict(f"restoring would replace the ledger at {display_url(engine.url)}; "
                               "add --yes to replace it (a copy of it is kept beside it).")
            replaced = backup_path(target, "before-restore")
            backup_sqlite(target, replaced)
    except OSError as exc:
        raise write_failed(target, exc) from exc
    try:
        copy_into(backup, target)
    except BaseException:
        # The ledger is as it was: the copy kept of it would only be clutter.
        if replaced is not None:
            replaced.unlink(missing_ok=True)
        raise
    return {**held, "replaced_copy": str(replaced) if replaced else None}


def copy_into(source: Path, target: Path) -> None:
    """Make the SQLite database at `target` hold what `source` holds, in one transaction of the
    target's: other processes see the old ledger or the new one, never a mix."""
    try:
        create_private_file(target)
        with closing(connect_to_read(source)) as src, \
                closing(sqlite3.connect(target, timeout=busy_timeout_seconds())) as dst:
            page_size = dst.execute("PRAGMA page_size").fetchone()[0]
            in_wal = dst.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            if in_wal and src.execute("PRAGMA page_size").fetchone()[0] != page_size:
                # The backup API cannot change the page size of a database in WAL mode; a copy
                # of the backup rebuilt with the ledger's page size can be restored.
                with scratch_file(target.resolve().parent) as scratch, closing(sqlite3.connect(scratch)) as same:
                    src.backup(same)
                    same.execute("PRAGMA journal_mode = DELETE")
                    same.execute(f"PRAGMA page_size = {int(page_size)}")
                    same.execute("VACUUM")
                    same.backup(dst)
            else:
                src.backup(dst)
    except sqlite3.Error as exc:
        raise StorageError(f"could not copy {source} to {target}: {exc}") from exc
    except OSError as exc:
        raise write_failed(target, exc) from exc
