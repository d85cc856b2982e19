"""`tracker undo`: take back the acting user's latest change that nothing later overwrote."""

import sys

import click

from tracker.cli.context import Ledger, pass_ledger
from tracker.cli.output import emit, format_option, local_time, message, render_table
from tracker.cli.events import describe_event
from tracker.cli.params import ROW_ID


@click.command()
@click.option("--list", "listing", is_flag=True, help="List your latest changes and whether each can be undone.")
@click.option("--limit", type=ROW_ID, default=10, show_default=True,
              help="How many changes --list shows.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask before undoing, even on a terminal.")
@format_option
@pass_ledger
def undo(ledger: Ledger, listing: bool, limit: int, yes: bool, fmt: str):
    """Take back your latest change by recording its reverse; again for the one before.

    A change is what one command did (an import is one change). Changes that someone has
    since built on are passed over. History is never rewritten: the reverse is added to the
    timeline as `undone` events. On a terminal it shows what it will reverse and asks first.

    \b
    Examples:
      tracker undo --list
      tracker undo
      tracker undo --yes
    """
    from tracker.services.undo import list_changes, plan_undo, undo_change

    if listing:
        with ledger.session(write=False) as session:
            changes = list_changes(session, ledger.actor, limit)
        emit(changes, fmt, change_rows)
        return
    with ledger.session(write=False) as session:
        plan = plan_undo(session, ledger.actor)
    if not yes and sys.stdin.isatty():
        message(f"This will take back change {plan['id']} ({describe_change(plan)}):")
        for event in plan["events"]:
            message(f"  forecast {event['forecast_id']}: {describe_event(event)}")
        if not click.confirm("Undo it?", default=False, err=True):
            message("Nothing was undone.")
            return
    with ledger.session(write=True) as session:
        undone = undo_change(session, ledger.actor, plan["id"])
    what = "; ".join(f"forecast {event['forecast_id']}: {describe_event(event)}" for event in undone["events"])
    message(f"Undid change {undone['id']} ({describe_change(undone)}): {what}.")
    if fmt != "table":
        emit(undone, fmt, lambda _: "")


def describe_change(change: dict) -> str:
    return f"`{change['command']}` of {local_time(change['at'])}"


def change_rows(changes: list[dict]) -> str:
    rows = [(change["id"], local_time(change["at"]), change["command"],
             ", ".join(str(n) for n in change["forecast_ids"][:5]) + ("…" if len(change["forecast_ids"]) > 5 else ""),
             "yes" if change["undoable"] else f"no: {change['reason']}") for change in changes]
    return render_table(("CHANGE", "WHEN", "COMMAND", "FORECASTS", "CAN UNDO"), rows)
