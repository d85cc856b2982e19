"""Backups and restores of SQLite ledgers, through SQLite's online backup API."""

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from tracker.errors import Conflict, InvalidInput, NotFound, SchemaError, StorageError
from tracker.storage import schema
from tracker.storage.database import create_private_file, display_url


def backup_path(path: Path, label: str) -> Path:
    """A new file beside `path`, named after what it was kept before and when."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    candidate, n = path.with_name(f"{path.name}.{label or 'base'}-{stamp}.bak"), 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.{label or 'base'}-{stamp}-{n}.bak")
    return candidate


def backup_sqlite(source: Path, destination: Path) -> None:
    """Copy a SQLite ledger with the online backup API: consistent even while others write."""
    try:
        create_private_file(destination)
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(destination)) as dst:
            src.backup(dst)
    except sqlite3.Error as exc:
        raise StorageError(f"could not copy {source} to {destination}: {exc}") from exc


def pg_dump_command(url: URL, destination: str) -> str:
    where = url.set(drivername="postgresql").render_as_string(hide_password=True)
    return f"pg_dump --format=custom --file '{destination}' '{where}'"


def require_sqlite(engine: Engine, what: str, tool: str) -> Path:
    if engine.url.get_backend_name() != "sqlite":
        raise StorageError(f"{what} of a PostgreSQL ledger is the server's job: use {tool}.")
    return Path(engine.url.database)


def backup_ledger(engine: Engine, destination: Path) -> dict[str, int]:
    """Write a checked copy of the ledger to a new file; returns what the copy holds."""
    if engine.url.get_backend_name() != "sqlite":
        raise StorageError("PostgreSQL ledgers are backed up with pg_dump: "
                           + pg_dump_command(engine.url, str(destination)))
    source = Path(engine.url.database)
    if not source.is_file():
        raise NotFound(f"no ledger at {source} to back up.")
    if destination.exists():
        raise Conflict(f"{destination} already exists; choose a new file name for the backup.")
    if not destination.parent.is_dir():
        raise StorageError(f"the folder {destination.parent} does not exist.")
    backup_sqlite(source, destination)
    try:
        return inspect_backup(destination)
    except StorageError:
        destination.unlink(missing_ok=True)
        raise


def inspect_backup(path: Path) -> dict[str, int | str]:
    """Check that a file is a sound tracker ledger this version can use; say what it holds."""
    if not path.is_file():
        raise InvalidInput(f"{path} is not a file.")
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
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
    held = inspect_backup(backup)
    replaced = None
    if target.exists() and target.stat().st_size > 0:
        if not replace:
            raise Conflict(f"restoring would replace the ledger at {display_url(engine.url)}; "
                           "add --yes to replace it (a copy of it is kept beside it).")
        replaced = backup_path(target, "before-restore")
        backup_sqlite(target, replaced)
    backup_sqlite(backup, target)
    return {**held, "replaced_copy": str(replaced) if replaced else None}
