"""Commands that judge the ledger: score and stats."""

import click

from tracker.cli.context import Ledger, pass_ledger
from tracker.cli.output import RowJSONCodec, emit, format_option, message
from tracker.cli.params import DATE
from tracker.cli.progress import on_terminal, progress_bar
from tracker.fields import GROUPINGS


@click.command()
@click.option("--by", type=click.Choice(GROUPINGS), help="One scorecard per source, author, tag, or forecaster (their own estimates).")
@click.option("--since", type=DATE, help="Only forecasts resolved on or after this date.")
@click.option("--until", type=DATE, help="Only forecasts resolved on or before this date.")
@click.option("--time-weighted", is_flag=True,
              help="Average each forecast's Brier score over the time each of its probabilities stood.")
@format_option
@pass_ledger
def score(ledger: Ledger, by, since, until, time_weighted, fmt):
    """Score the resolved forecasts.

    Brier score, log score, calibration table and hit rate. Confirmed counts as 1 and refuted as 0, each scored on the probability in force when it
    was resolved; partial and void are counted beside. Forecasts resolved without a
    probability get a hit rate instead.

    \b
    Examples:
      tracker score
      tracker score --by forecaster --since 2026-01-01
      tracker score --by tag --format json
    """
    from tracker.cli import score_tables
    from tracker.services.scorecards import ScoreRequest, resolved_count, score_ledger

    # Each forecast's own scores are a list in each card, which a table and CSV leave out; a
    # table or CSV of groups shows no calibration, which would be kept for each of thousands of groups.
    listed = fmt in ("json", "jsonl")
    request = ScoreRequest(by=by, since=since, until=until, time_weighted=time_weighted,
                           details=listed, calibration=listed or not by, entries_as=RowJSONCodec)
    with ledger.session(write=False) as session:
        total = resolved_count(session) if by and on_terminal() else 0
        with progress_bar(total, "Scoring") as advance_to:
            result = score_ledger(session, request, progress=advance_to)
    if fmt == "table" and (result == [] or (isinstance(result, dict) and not result["resolved"])):
        message("No resolved forecasts match; scores need forecasts confirmed or refuted.")
    emit(result, fmt, score_tables.score_text)


@click.command()
@format_option
@pass_ledger
def stats(ledger: Ledger, fmt):
    """Count forecasts, evidence and status moves.

    Forecasts by status, active and final, overdue (active past their resolve-by date) and
    due for review (active, next review today or earlier); evidence standing and retracted;
    status moves per month.

    \b
    Examples:
      tracker stats
      tracker stats --format json
    """
    from tracker.cli import score_tables
    from tracker.services.stats import ledger_stats

    with ledger.session(write=False) as session:
        result = ledger_stats(session)
    emit(result, fmt, score_tables.stats_text)
