"""Sources as records of their own: add, list, show, edit."""

import click

from tracker.cli import tables
from tracker.cli.context import Ledger, pass_ledger
from tracker.cli.output import emit, format_option, message
from tracker.cli.params import DATE, DATE_OR_NONE, TEXT


@click.group()
def source():
    """Where forecasts come from: title, author, outlet, url, date.

    \b
    Examples:
      tracker source edit 2 --author "Jane Roe"
      tracker score --by author
    """


@source.command("add")
@click.argument("title", type=TEXT)
@click.option("--author", type=TEXT, help="Who made the forecasts it holds.")
@click.option("--outlet", type=TEXT, help="Where it was published.")
@click.option("--url", type=TEXT, help="Where it can be read (https://…).")
@click.option("--date", "published_on", type=DATE, help="When it was published.")
@click.option("--notes", type=TEXT, help="Anything else worth knowing about it.")
@pass_ledger
def add_source(ledger: Ledger, title, **fields):
    """Add a source and print its id.

    \b
    Examples:
      tracker source add "Summit preview" --author "Jane Roe" --outlet "The Daily" --date 2025-08-14
    """
    from tracker.services.sources import add_source as create

    given = {"title": title, **{name: value for name, value in fields.items() if value is not None}}
    with ledger.session(write=True) as session:
        source_id = create(session, given).id
    message(f"Added source {source_id}.")
    click.echo(source_id)


@source.command("list")
@format_option
@pass_ledger
def list_sources(ledger: Ledger, fmt):
    """List the sources, each with how many forecasts cite it.

    \b
    Examples:
      tracker source list --format csv
    """
    from tracker.services.sources import list_sources as find

    with ledger.session(write=False) as session:
        found = find(session)
    emit(found, fmt, tables.source_rows, empty="No sources yet.")


@source.command("show")
@click.argument("ref", type=TEXT, metavar="SOURCE")
@format_option
@pass_ledger
def show_source(ledger: Ledger, ref, fmt):
    """Show a source (by id, or by its title) and the forecasts citing it.

    \b
    Examples:
      tracker source show "Summit preview"
    """
    from tracker.services.sources import show_source as find

    with ledger.session(write=False) as session:
        found = find(session, ref)
    emit(found, fmt, tables.source_detail)


@source.command("edit")
@click.argument("ref", type=TEXT, metavar="SOURCE")
@click.option("--title", type=TEXT, help="New title.")
@click.option("--author", type=TEXT, help="New author; empty for none.")
@click.option("--outlet", type=TEXT, help="New outlet; empty for none.")
@click.option("--url", type=TEXT, help="New address; empty for none.")
@click.option("--date", "published_on", type=DATE_OR_NONE, help="New publication date, or none.")
@click.option("--notes", type=TEXT, help="New notes; empty for none.")
@click.option("--note", type=TEXT, help="Why it changes (kept in the history of each forecast citing it).")
@click.pass_context
def edit_source(ctx: click.Context, ref, note, **fields):
    """Change a source (by id or title); each forecast citing it records the change.

    \b
    Examples:
      tracker source edit 1 --author "Jane Roe" --note "byline was missing"
    """
    from tracker.services.sources import edit_source as change

    given = {name: value for name, value in fields.items()
             if ctx.get_parameter_source(name) != click.core.ParameterSource.DEFAULT}
    if not given:
        raise click.UsageError("nothing to change; give --title, --author, --outlet, --url, --date or --notes.")
    ledger: Ledger = ctx.obj
    with ledger.session(write=True) as session:
        edited, changed, count = change(session, ref, ledger.actor, given, note=note)
        source_id = edited.id
    if not changed:
        message(f"Source {source_id} already says that; nothing changed.")
    elif count:
        message(f"Edited source {source_id}; recorded in the history of {count} forecast{'s' * (count != 1)}.")
    else:
        message(f"Edited source {source_id}; no forecast cites it, so no history records it.")
