"""`tracker seed`: load the bundled seed sets."""

import click

from tracker.cli.context import Ledger, pass_ledger
from tracker.cli.output import emit, format_option, message, render_table
from tracker.cli.params import TEXT


@click.command()
@click.argument("names", type=TEXT, nargs=-1, metavar="[NAME]...")
@click.option("--list", "show_list", is_flag=True, help="List the seed sets instead of loading them.")
@format_option
@pass_ledger
def seed(ledger: Ledger, names, show_list, fmt):
    """Load bundled seed sets (all, or the named ones); loading again changes nothing.

    \b
    Examples:
      tracker seed
      tracker seed --list
    """
    from tracker.services.seeds import describe_sets, load_sets

    if show_list:
        with ledger.session(write=False) as session:
            sets = describe_sets(session)
        emit(sets, fmt, lambda rows: render_table(
            ("NAME", "FORECASTS", "LOADED", "DESCRIPTION"),
            [(s["name"], s["forecasts"], s["loaded"], s["description"]) for s in rows]))
        return
    with ledger.session(write=True) as session:
        counts = load_sets(session, ledger.actor, names)
    message(f"Seeded: {counts['added']} forecasts added, {counts['unchanged']} already present.")
