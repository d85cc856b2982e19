"""Tags across the ledger: which there are, and renaming one."""

import click

from tracker.cli import tables
from tracker.cli.context import Ledger
from tracker.cli.output import emit, format_option, message
from tracker.cli.params import TEXT


@click.group(invoke_without_command=True)
@click.option("--rename", type=TEXT, nargs=2, metavar="OLD NEW", help="Rename tag OLD to NEW (the same as `tags rename`).")
@format_option
@click.pass_context
def tags(ctx: click.Context, rename, fmt):
    """List the tags with how many forecasts have each; or rename one.

    Tags ignore case and are kept in lower case.

    \b
    Examples:
      tracker tags --format json
      tracker tags rename economy econ
    """
    if ctx.invoked_subcommand is not None:
        if rename:
            raise click.UsageError("give --rename or the rename command, not both.")
        return
    if rename:
        ctx.invoke(rename_tag, old=rename[0], new=rename[1])
        return
    from tracker.services.tags import list_tags

    ledger: Ledger = ctx.obj
    with ledger.session(write=False) as session:
        found = list_tags(session)
    emit(found, fmt, tables.tag_rows, empty="No tags yet.")


@tags.command("rename")
@click.argument("old", type=TEXT)
@click.argument("new", type=TEXT)
@click.pass_context
def rename_tag(ctx: click.Context, old, new):
    """Rename a tag on every forecast that has it, merging it into NEW where NEW is there already.

    \b
    Examples:
      tracker tags rename economics economy
    """
    from tracker.services.tags import rename_tag as rename

    ledger: Ledger = ctx.obj
    with ledger.session(write=True) as session:
        count = rename(session, ledger.actor, old, new)
    message(f"Renamed tag {old.strip().lower()!r} to {new.strip().lower()!r} on {count} "
            f"forecast{'s' * (count != 1)}, in one change (`tracker undo` takes it back).")
