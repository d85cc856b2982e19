"""`tracker db`: the schema and its migrations. Imports Alembic, so only loaded when run."""

from pathlib import Path

import click

from tracker.cli.context import Ledger, pass_ledger
from tracker.cli.output import message
from tracker.cli.params import TEXT
from tracker.cli.progress import WORTH_SHOWING_BYTES, WORTH_SHOWING_ROWS, on_terminal, progress_bar


@click.group()
def db():
    """Schema and safety: upgrade, downgrade, current, check, copy, backup, restore.

    \b
    Examples:
      tracker db current
      tracker db backup ~/tracker-2026-11-30.db
    """


@db.command()
@click.argument("revision", type=TEXT, default="head")
@pass_ledger
def upgrade(ledger: Ledger, revision):
    """Upgrade the schema to REVISION (default: head).

    \b
    Examples:
      tracker db upgrade
      tracker --db postgresql+psycopg://ana@db/team db upgrade
    """
    from tracker.storage import migrate

    with ledger.engine(write=True) as engine:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine, revision)
        after = migrate.current_revision(engine)
    message(f"Schema at {after}" + (f" (was {before or 'empty'})." if before != after else ", already there."))


@db.command()
@click.argument("revision", type=TEXT)
@click.option("--yes", is_flag=True,
              help="On PostgreSQL, downgrade even where that drops data (take a backup with pg_dump first).")
@pass_ledger
def downgrade(ledger: Ledger, revision, yes):
    """Downgrade the schema to REVISION (`base` removes every table); SQLite files are backed up first.

    \b
    Examples:
      tracker db downgrade base
    """
    from tracker.storage import migrate

    with ledger.engine(write=True) as engine:
        migrate.refuse_downgrade_that_drops_data(engine, revision, confirmed=yes)
        backup = migrate.backup_before_downgrade(engine, revision)
        migrate.downgrade(engine, revision)
        after = migrate.current_revision(engine)
    message(f"Schema at {after or 'base'}." + (f" The previous file is kept at {backup}." if backup else ""))


@db.command()
@pass_ledger
def current(ledger: Ledger):
    """Print the schema revision of the ledger.

    \b
    Examples:
      tracker db current
    """
    from tracker.storage import migrate
    from tracker.storage.schema import HEAD

    with ledger.engine(write=False) as engine:
        migrate.require_existing(engine)
        revision = migrate.current_revision(engine)
    click.echo(f"{revision} (head)" if revision == HEAD else f"{revision or 'base'} (head is {HEAD})")


@db.command()
@pass_ledger
def check(ledger: Ledger):
    """Exit 0 if the schema is at head and matches the models, else say what differs.

    \b
    Examples:
      tracker db check
    """
    from tracker.storage import migrate

    with ledger.engine(write=False) as engine:
        migrate.require_existing(engine)
        migrate.check(engine)
    message("Schema is at head and matches the models.")


@db.command()
@click.argument("destination", metavar="PATH|URL")
@pass_ledger
def copy(ledger: Ledger, destination):
    """Copy the whole ledger, history included, into an empty ledger at PATH|URL.

    A new SQLite file is created; a PostgreSQL database must first be made ready with
    `tracker --db URL db upgrade`.

    \b
    Examples:
      tracker db copy postgresql+psycopg://ana@db/team
    """
    from tracker.storage.copy import copy_ledger, rows_to_copy
    from tracker.storage.database import display_url, open_database, translate_errors

    source = open_database(ledger.database(), write=False, notify=message)
    target = open_database(destination, write=True, notify=message)
    try:
        with translate_errors(source.url):
            total = rows_to_copy(source) if on_terminal() else 0
        with translate_errors(target.url), \
                progress_bar(total, "Copying", worth_showing=WORTH_SHOWING_ROWS) as advance_to:
            counts = copy_ledger(source, target, progress=advance_to)
    finally:
        source.dispose()
        target.dispose()
    message(f"Copied {counts['forecasts']} forecasts, {counts['evidence']} evidence items and "
            f"{counts['events']} events to {display_url(target.url)}.")


@db.command()
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE")
@pass_ledger
def backup(ledger: Ledger, destination: Path):
    """Write a consistent, checked copy of the ledger to FILE, even while others write.

    \b
    Examples:
      tracker db backup ~/tracker-2026-11-30.db
    """
    from tracker.storage.backup import backup_ledger

    source = ledger.sqlite_file()
    size = source.stat().st_size if source is not None and on_terminal() and source.is_file() else 0
    with ledger.engine(write=False) as engine, \
            progress_bar(size, "Backing up", worth_showing=WORTH_SHOWING_BYTES) as advance_to:
        held = backup_ledger(engine, destination, progress=advance_to)
    message(f"Backed up {held['forecasts']} forecasts and {held['events']} events to {destination}.")


@db.command()
@click.argument("source", type=click.Path(path_type=Path), metavar="FILE")
@click.option("--yes", is_flag=True, help="Replace an existing ledger (a copy of it is kept beside it).")
@pass_ledger
def restore(ledger: Ledger, source: Path, yes: bool):
    """Replace the ledger with the backup in FILE, after checking the backup is sound.

    \b
    Examples:
      tracker db restore ~/tracker-2026-11-30.db --yes
    """
    from tracker.storage.backup import restore_ledger

    with ledger.engine(write=True) as engine:
        restored = restore_ledger(engine, source, replace=yes)
    kept = f" The replaced ledger is kept at {restored['replaced_copy']}." if restored["replaced_copy"] else ""
    message(f"Restored {restored['forecasts']} forecasts and {restored['events']} events from {source}.{kept}")
