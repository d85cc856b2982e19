"""`tracker doctor`: is the ledger sound, and does its history explain it?"""

import click

from tracker.cli.context import Ledger, pass_ledger
from tracker.cli.output import emit, format_option, render_table
from tracker.cli.progress import WORTH_SHOWING_REPLAYED, on_terminal, progress_bar
from tracker.errors import TrackerError


class LedgerUnhealthy(TrackerError):
    """Doctor found problems; the report has already been printed."""


def report_table(results) -> str:
    rows = []
    for result in results:
        rows.append((result["check"], "ok" if result["ok"] else f"{result['problem_count']} problem(s)"))
        rows += [("", f"- {problem}") for problem in result["problems"]]
    return render_table(("CHECK", "RESULT"), rows)


@click.command()
@format_option
@pass_ledger
def doctor(ledger: Ledger, fmt):
    """Check the ledger: integrity, foreign keys, schema, and that every timeline explains its forecast.

    \b
    Examples:
      tracker doctor
      tracker --db postgresql+psycopg://ana@db/team doctor
    """
    from tracker.services.doctor import examine, forecasts_to_replay

    # Forecasts, their events and their evidence are read in separate queries: all see the same
    # moment (every read session does), or a change committed in between would look like damage.
    with ledger.session(write=False) as session:
        total = forecasts_to_replay(session) if on_terminal() else 0
        with progress_bar(total, "Checking", worth_showing=WORTH_SHOWING_REPLAYED) as advance_to:
            results = examine(session, progress=advance_to)
    emit(results, fmt, report_table)
    failed = [result["check"] for result in results if not result["ok"]]
    if failed:
        raise LedgerUnhealthy(f"the ledger has problems ({', '.join(failed)}); see above. "
                              "`tracker db restore` brings back a sound backup.")
