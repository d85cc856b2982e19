"""`tracker undo`: take back the acting user's last change."""

import click

from tracker.cli.context import Ledger, pass_ledger
from tracker.cli.output import local_time, message
from tracker.cli.tables import describe_event


@click.command()
@pass_ledger
def undo(ledger: Ledger):
    """Take back your last change by recording its reverse; again for the change before.

    A change is what one command did to one forecast. History is never rewritten: the
    reverse is added to the forecast's timeline as `undone` events.
    """
    from tracker.services.undo import undo_last_change

    with ledger.session(write=True) as session:
        undone = undo_last_change(session, ledger.actor)
    what = "; ".join(describe_event(event) for event in undone["events"])
    message(f"Undid {ledger.actor}'s change to forecast {undone['forecast_id']} "
            f"of {local_time(undone['at'])}: {what}.")
