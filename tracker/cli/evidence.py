"""The evidence ledger: add, list, retract."""

import click

from tracker.cli import tables
from tracker.cli.context import Ledger, pass_ledger
from tracker.cli.output import emit, format_option, message
from tracker.cli.params import DATE, ROW_ID, TEXT
from tracker.fields import STANCES


@click.group()
def evidence():
    """Dated evidence for or against a forecast."""


@evidence.command("add")
@click.argument("ref", type=TEXT, metavar="ID")
@click.argument("summary", type=TEXT)
@click.option("--url", type=TEXT, help="Where the evidence can be read.")
@click.option("--observed-on", type=DATE, help="When the thing happened [default: today].")
@click.option("--stance", type=click.Choice(STANCES), default="context", show_default=True,
              help="Whether it supports or contradicts the claim.")
@pass_ledger
def add_evidence(ledger: Ledger, ref, summary, url, observed_on, stance):
    """Attach evidence to a forecast and print its id."""
    from tracker.services.evidence import add_evidence as attach

    with ledger.session(write=True) as session:
        added = attach(session, ref, ledger.actor, summary, url=url, observed_on=observed_on, stance=stance)
        evidence_id, forecast_id = added.id, added.forecast_id
    message(f"Added evidence {evidence_id} to forecast {forecast_id}.")
    click.echo(evidence_id)


@evidence.command("list")
@click.argument("ref", type=TEXT, metavar="ID")
@format_option
@pass_ledger
def list_evidence(ledger: Ledger, ref, fmt):
    """List a forecast's evidence, retracted items included."""
    from tracker.services.evidence import list_evidence as find

    with ledger.session(write=False) as session:
        items = find(session, ref)
    if not items and fmt == "table":
        message("No evidence yet.")
    emit(items, fmt, tables.evidence_rows)


@evidence.command("retract")
@click.argument("evidence_id", metavar="EID", type=ROW_ID)
@click.option("--reason", type=TEXT, required=True, help="Why it no longer stands.")
@pass_ledger
def retract(ledger: Ledger, evidence_id, reason):
    """Retract evidence; it stays visible, marked retracted."""
    from tracker.services.evidence import retract_evidence

    with ledger.session(write=True) as session:
        forecast_id = retract_evidence(session, evidence_id, ledger.actor, reason).forecast_id
    message(f"Retracted evidence {evidence_id} of forecast {forecast_id}.")
