"""The evidence ledger: add, list, retract."""

import click

from tracker.cli import tables
from tracker.cli.completion import complete_forecast
from tracker.cli.context import Ledger, pass_ledger
from tracker.cli.output import emit, format_option, message
from tracker.cli.params import DATE, ROW_ID, TEXT
from tracker.fields import STANCES


@click.group()
def evidence():
    """Dated evidence for or against a forecast.

    \b
    Examples:
      tracker evidence add 1 "Hotline used" --stance supports
      tracker evidence list 1
    """


@evidence.command("add")
@click.argument("ref", type=TEXT, metavar="ID", shell_complete=complete_forecast)
@click.argument("summary", type=TEXT)
@click.option("--url", type=TEXT, help="Where the evidence can be read.")
@click.option("--observed-on", type=DATE, help="When the thing happened [default: today].")
@click.option("--stance", type=click.Choice(STANCES), default="context", show_default=True,
              help="Whether it supports or contradicts the claim.")
@pass_ledger
def add_evidence(ledger: Ledger, ref, summary, url, observed_on, stance):
    """Attach evidence to a forecast and print its id.

    \b
    Examples:
      tracker evidence add 1 "Military line used over the Baltic" --stance supports \\
          --observed-on 2025-10-02 --url https://example.org/line
    """
    from tracker.services.evidence import add_evidence as attach

    with ledger.session(write=True) as session:
        added = attach(session, ref, ledger.actor, summary, url=url, observed_on=observed_on, stance=stance)
        evidence_id, forecast_id = added.id, added.forecast_id
    message(f"Added evidence {evidence_id} to forecast {forecast_id}.")
    click.echo(evidence_id)


@evidence.command("list")
@click.argument("ref", type=TEXT, metavar="ID", shell_complete=complete_forecast)
@format_option
@pass_ledger
def list_evidence(ledger: Ledger, ref, fmt):
    """List a forecast's evidence, retracted items included.

    \b
    Examples:
      tracker evidence list 1
      tracker evidence list anchorage-2025/channels --format json
    """
    from tracker.services.evidence import list_evidence as find

    with ledger.session(write=False) as session:
        items = find(session, ref)
    emit(items, fmt, tables.evidence_rows, empty="No evidence yet.")


@evidence.command("retract")
@click.argument("evidence_id", metavar="EID", type=ROW_ID)
@click.option("--reason", type=TEXT, required=True, help="Why it no longer stands.")
@pass_ledger
def retract(ledger: Ledger, evidence_id, reason):
    """Retract evidence; it stays visible, marked retracted.

    \b
    Examples:
      tracker evidence retract 3 --reason "the report was withdrawn"
    """
    from tracker.services.evidence import retract_evidence

    with ledger.session(write=True) as session:
        forecast_id = retract_evidence(session, evidence_id, ledger.actor, reason).forecast_id
    message(f"Retracted evidence {evidence_id} of forecast {forecast_id}.")


@evidence.command("edit")
@click.argument("evidence_id", metavar="EID", type=ROW_ID)
@click.option("--summary", type=TEXT, help="New summary.")
@click.option("--url", type=TEXT, help="New address; empty for none.")
@click.option("--stance", type=click.Choice(STANCES), help="New stance.")
@click.option("--observed-on", type=DATE, help="New date the thing happened.")
@click.option("--note", type=TEXT, help="Why it changes (kept in the forecast's history).")
@click.pass_context
def edit(ctx: click.Context, evidence_id, note, **fields):
    """Correct a piece of evidence; the change is recorded in its forecast's history.

    \b
    Examples:
      tracker evidence edit 3 --stance contradicts --note "misread the report"
    """
    from tracker.services.evidence import edit_evidence

    given = {name: value for name, value in fields.items() if value is not None}
    if not given:
        raise click.UsageError("nothing to change; give --summary, --url, --stance or --observed-on.")
    ledger: Ledger = ctx.obj
    with ledger.session(write=True) as session:
        edited, changed = edit_evidence(session, evidence_id, ledger.actor, given, note=note)
        forecast_id = edited.forecast_id
    if changed:
        message(f"Edited evidence {evidence_id} of forecast {forecast_id}.")
    else:
        message(f"Evidence {evidence_id} already says that; nothing changed.")
