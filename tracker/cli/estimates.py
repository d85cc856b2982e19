"""`tracker forecast`: record your own estimate of a forecast."""

import click

from tracker.cli.completion import complete_forecast
from tracker.cli.context import Ledger, pass_ledger
from tracker.cli.events import describe_estimate
from tracker.cli.output import message
from tracker.cli.params import ROW_ID, TEXT


@click.command()
@click.argument("ref", type=TEXT, metavar="ID", shell_complete=complete_forecast)
@click.argument("values", type=TEXT, metavar="PROB | OPTION=PROB...", nargs=-1, required=True)
@click.option("--note", type=TEXT, help="Why you hold this view (kept with the estimate).")
@click.option("--evidence", "evidence_ids", type=ROW_ID, multiple=True,
              help="Evidence id the estimate rests on; repeat for more.")
@pass_ledger
def forecast(ledger: Ledger, ref, values, note, evidence_ids):
    """Record your estimate of an active forecast: a probability, or one per option.

    Anyone may estimate any forecast, as often as their view moves; the forecast's own
    probability stays what its source stated. Probabilities take every form the other
    commands take (0.7, 70%, 7:3, 1 in 4); per option they must sum to 1.

    \b
    Examples:
      tracker forecast 1 65% --note "the hotline works again"
      tracker forecast 4 Putin=70% Medvedev=20% Neither=10%
    """
    from tracker.probability import parse_probability
    from tracker.services.estimates import parse_estimate, record_estimate

    value = parse_estimate(values, parse_probability)
    with ledger.session(write=True) as session:
        recorded, team = record_estimate(session, ref, ledger.actor, value, note=note, evidence_ids=evidence_ids)
        forecast_id = recorded.id
    message(f"Recorded {ledger.actor}'s estimate of forecast {forecast_id}: {describe_estimate(value)}; "
            f"team median {describe_estimate(team['median'])} from {team['forecasters']} "
            f"forecaster{'s' * (team['forecasters'] != 1)}.")
