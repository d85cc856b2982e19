"""Shell completion: the `completion` command that prints the script, and the completers of
forecast ids, keys and tags that read the ledger.

Click's own machinery does the rest (commands, options, statuses and other choices): the
script calls `tracker` back with `_TRACKER_COMPLETE` set, and Click answers from the command
tree. A completer must be quick and quiet: one small query, no upgrade, no file created, and
no message, since whatever it printed would land in the user's command line.
"""

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem
    from sqlalchemy.orm import Session

SHELLS = ("bash", "zsh", "fish")


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the shell completion script for SHELL (bash, zsh or fish).

    It completes commands, options, statuses, and the forecast ids, keys and tags of the
    ledger in use (--db or TRACKER_DB).

    \b
    Examples:
      tracker completion bash > ~/.local/share/bash-completion/completions/tracker
      tracker completion zsh > "${fpath[1]}/_tracker"
      tracker completion fish > ~/.config/fish/completions/tracker.fish
    """
    from click.shell_completion import get_completion_class

    root = ctx.find_root()
    script = get_completion_class(shell)(root.command, {}, root.info_name, "_TRACKER_COMPLETE")
    click.echo(script.source())


def ledger_target(ctx: click.Context) -> str:
    """The ledger the command line being completed names (--db, else TRACKER_DB, else the default)."""
    from tracker.cli.context import default_database

    return ctx.find_root().params.get("database") or os.environ.get("TRACKER_DB") or default_database()


def complete_forecast(ctx: click.Context, param: click.Parameter, incomplete: str) -> list["CompletionItem"]:
    """Forecast ids and keys starting with what is typed, each with its claim as help."""
    from click.shell_completion import CompletionItem

    from tracker.services.completion import forecast_names

    return from_ledger(ctx, lambda session: [CompletionItem(name, help=claim)
                                             for name, claim in forecast_names(session, incomplete)])


def complete_tag(ctx: click.Context, param: click.Parameter, incomplete: str) -> list["CompletionItem"]:
    """Tags in use starting with what is typed."""
    from click.shell_completion import CompletionItem

    from tracker.services.completion import tag_names

    return from_ledger(ctx, lambda session: [CompletionItem(tag) for tag in tag_names(session, incomplete)])


def from_ledger(ctx: click.Context, read: Callable[["Session"], list["CompletionItem"]]) -> list["CompletionItem"]:
    """What `read` finds in the ledger, or nothing when the ledger cannot be read as it is."""
    from sqlalchemy.exc import SQLAlchemyError

    from tracker.errors import TrackerError
    from tracker.storage.database import glance

    try:
        with glance(ledger_target(ctx)) as session:
            return read(session)
    except (TrackerError, SQLAlchemyError, OSError):
        return []  # an error would land in the user's command line: completion offers nothing instead
