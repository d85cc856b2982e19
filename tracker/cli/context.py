"""The object every command receives: where the ledger is and who is acting."""

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracker.cli.output import message

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session


def default_database(*, write: bool = False) -> str:
    """`tracker.db` in the user data directory, whose folder the first write creates (a read
    of a ledger not yet made leaves no trace)."""
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("tracker", appauthor=False))
    if write:
        folder.mkdir(parents=True, exist_ok=True)
    return str(folder / "tracker.db")


def login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER") or "unknown"


class Ledger:
    """Opens one transaction per command on the chosen database, as the chosen actor."""

    def __init__(self, target: str | None, actor: str) -> None:
        self.target = target
        self.actor = actor

    def database(self, *, write: bool = False) -> str:
        return self.target or default_database(write=write)

    def sqlite_file(self) -> Path | None:
        """The ledger's SQLite file, whose files no output may overwrite; None for a server."""
        from tracker.storage.database import database_url

        url = database_url(self.database())
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return Path(url.database)

    @contextmanager
    def session(self, *, write: bool, filling: bool = False) -> Iterator["Session"]:
        """The command's single transaction; it commits only if the block succeeds. `filling`:
        the command may write a whole ledger (an import), which an empty SQLite one takes best
        outside its write-ahead log."""
        from tracker.storage.database import filled_outside_the_log, open_database, read_one_snapshot, transaction

        engine = open_database(self.database(write=write), write=write, notify=message)
        if not gc.isenabled():
            # Start-up is over (see main): what it made stays; collect what the command makes.
            gc.freeze()
            gc.enable()
        try:
            with filled_outside_the_log(engine) if filling else nullcontext(), transaction(engine) as session:
                session.info["command"] = command_name()
                if not write:
                    # A command that reads in several queries (a stream beside a stream, the fold
                    # beside the events it shows) must see one ledger, not one a query.
                    read_one_snapshot(session)
                yield session
        finally:
            engine.dispose()

    @contextmanager
    def engine(self, *, write: bool) -> Iterator["Engine"]:
        """The raw engine, schema unchecked: for the `db` commands that manage the schema."""
        from tracker.storage.database import create_ledger_engine, database_url, translate_errors

        url = database_url(self.database(write=write))
        engine = create_ledger_engine(url, write=write)
        try:
            with translate_errors(url):
                yield engine
        finally:
            engine.dispose()


def command_name() -> str:
    """The running command as typed after `tracker` (`evidence add`), recorded with each change."""
    context = click.get_current_context(silent=True)
    if context is None:
        return "tracker"
    return context.command_path.partition(" ")[2] or context.command_path


pass_ledger = click.make_pass_decorator(Ledger)
