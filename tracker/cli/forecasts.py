"""Commands on forecasts: add, list, show, update, history, delete."""

from functools import partial

import click

from tracker.cli import tables
from tracker.cli.context import Ledger, pass_ledger
from tracker.cli.output import emit, format_option, message
from tracker.cli.params import DATE, DATE_OR_NONE, LIMIT, PROBABILITY, PROBABILITY_OR_NONE, REVIEW_DAYS, ROW_ID, TEXT
from tracker.dates import today
from tracker.fields import SORT_FIELDS
from tracker.statuses import STATUSES

SORT_CHOICES = SORT_FIELDS + tuple(f"-{name}" for name in SORT_FIELDS)


@click.command()
@click.argument("claim", type=TEXT)
@click.option("--key", type=TEXT, help="Stable unique name (default: made from the claim).")
@click.option("--criteria", type=TEXT, help="What would count as the claim coming true.")
@click.option("--source", type=TEXT, help="Title of the source the forecast comes from.")
@click.option("--made-on", type=DATE, help="When the forecast was made [default: today].")
@click.option("--resolve-by", type=DATE, help="When it should be settled.")
@click.option("--probability", type=PROBABILITY, help="Stated chance: 0.7, 70%, 7:3 or 1 in 4.")
@click.option("--tag", "tags", type=TEXT, multiple=True, help="A tag; repeat for more.")
@click.option("--review-every", type=REVIEW_DAYS, default=30, show_default=True, help="Days between reviews.")
@click.option("--option", "options", type=TEXT, multiple=True, metavar="NAME",
              help="An answer of a multiple-choice forecast; repeat for each (two or more).")
@pass_ledger
def add(ledger: Ledger, claim, key, criteria, source, made_on, resolve_by, probability, tags, review_every, options):
    """Add a forecast and print its id.

    Example: tracker add "Who wins?" --option Putin --option Medvedev --option Neither
    """
    from tracker.services.forecasts import ForecastDraft, create_forecast

    draft = ForecastDraft(claim=claim, key=key, criteria=criteria, source={"title": source} if source else None,
                          made_on=made_on, resolve_by=resolve_by, probability=probability, tags=list(tags),
                          review_every=review_every, options=list(options) or None)
    with ledger.session(write=True) as session:
        forecast = create_forecast(session, ledger.actor, draft)
        forecast_id, key, next_review = forecast.id, forecast.key, forecast.next_review_on
    message(f"Added forecast {forecast_id} ({key}); first review on {next_review}.")
    click.echo(forecast_id)


@click.command("list")
@click.option("--status", "statuses", type=click.Choice(STATUSES), multiple=True, help="Only these statuses.")
@click.option("--tag", "tags", type=TEXT, multiple=True,
              help="Only forecasts with this tag; repeat to require several.")
@click.option("--source", type=TEXT, help="Only forecasts whose source title, author or outlet contains this.")
@click.option("--search", type=TEXT,
              help="Only forecasts whose claim, criteria or key contains this text, ignoring case "
              "(Unicode case folding: ß finds ss).")
@click.option("--final/--active", default=None, help="Only settled, or only unsettled, forecasts.")
@click.option("--deleted", is_flag=True, help="List deleted forecasts instead.")
@click.option("--by-actor", "actor", type=TEXT, metavar="NAME", help="Only forecasts NAME has changed or created.")
@click.option("--due", is_flag=True, help="Only forecasts due for review (as `tracker review` lists them).")
@click.option("--overdue", is_flag=True, help="Only unsettled forecasts whose resolve-by date has passed.")
@click.option("--as-of", type=DATE, help="The forecasts as they stood at the end of that day.")
@click.option("--sort", type=click.Choice(SORT_CHOICES), default="id", show_default=True,
              help="Field to sort by; prefix - for descending.")
@click.option("--limit", type=LIMIT, help="At most this many.")
@click.option("--after", type=TEXT, metavar="ID",
              help="Only those after forecast ID in this order: the next page after ID.")
@format_option
@pass_ledger
def list_forecasts(ledger: Ledger, statuses, tags, source, search, final, deleted, actor, due, overdue, as_of,
                   sort, limit, after, fmt):
    """List forecasts, one line each; unsettled ones past their resolve-by date are marked OVERDUE."""
    from tracker.services.forecasts import ForecastFilter, list_forecasts

    filters = ForecastFilter(statuses=statuses, tags=tags, source=source, search=search, final=final,
                             deleted=deleted, actor=actor, due=due, overdue=overdue, sort=sort, limit=limit,
                             after=after)
    with ledger.session(write=False) as session:
        if as_of:
            from tracker.services.past import list_as_of

            forecasts = list_as_of(session, filters, as_of)
        else:
            forecasts = list_forecasts(session, filters)
    if not forecasts and fmt == "table":
        message("No forecasts match.")
    emit(forecasts, fmt, partial(tables.forecast_rows, today=as_of or today()))


@click.command()
@click.argument("ref", type=TEXT, metavar="ID")
@click.option("--as-of", type=DATE, help="The forecast as it stood at the end of that day.")
@format_option
@pass_ledger
def show(ledger: Ledger, ref, as_of, fmt):
    """Show everything about one forecast: fields, evidence, timeline."""
    from tracker.services.forecasts import show_forecast

    with ledger.session(write=False) as session:
        if as_of:
            from tracker.services.past import show_as_of

            forecast = show_as_of(session, ref, as_of)
        else:
            forecast = show_forecast(session, ref)
    emit(forecast, fmt, partial(tables.forecast_detail, as_of=as_of))


@click.command()
@click.argument("ref", type=TEXT, metavar="ID")
@click.option("--status", type=click.Choice(STATUSES), help="New status.")
@click.option("--outcome", type=TEXT, metavar="OPTION",
              help="The option that happened (multiple choice, with --status confirmed).")
@click.option("--note", type=TEXT, help="Why the status changes (needed to leave a final status).")
@click.option("--evidence", "evidence_ids", type=ROW_ID, multiple=True,
              help="Evidence id the status change rests on; repeat for more.")
@click.option("--claim", type=TEXT, help="New wording of the claim.")
@click.option("--criteria", type=TEXT, help="New resolution criteria.")
@click.option("--probability", type=PROBABILITY_OR_NONE, help="New stated chance, or none.")
@click.option("--resolve-by", type=DATE_OR_NONE, help="New deadline, or none.")
@click.option("--tag", "add_tags", type=TEXT, multiple=True, help="Add a tag; repeat for more.")
@click.option("--untag", "remove_tags", type=TEXT, multiple=True, help="Remove a tag; repeat for more.")
@click.option("--review-every", type=REVIEW_DAYS, help="Days between reviews.")
@click.option("--expect-version", type=ROW_ID,
              help="Fail if the forecast is no longer at this version.")
@click.pass_context
def update(ctx: click.Context, ref, status, outcome, note, evidence_ids, add_tags, remove_tags, expect_version,
           **edits):
    """Change a forecast; each change is recorded in its timeline."""
    from tracker.services.forecasts import ForecastChanges, update_forecast

    given = {name: value for name, value in edits.items()
             if ctx.get_parameter_source(name) != click.core.ParameterSource.DEFAULT}
    if (note is not None or evidence_ids) and status is None:
        raise click.UsageError("--note and --evidence go with --status.")
    if not (given or add_tags or remove_tags or status):
        raise click.UsageError("nothing to change; give --status, --claim, --criteria, --probability, "
                               "--resolve-by, --tag, --untag or --review-every.")
    changes = ForecastChanges(edits=given, add_tags=add_tags, remove_tags=remove_tags, status=status,
                              outcome=outcome, note=note, evidence_ids=evidence_ids, expect_version=expect_version)
    ledger: Ledger = ctx.obj
    with ledger.session(write=True) as session:
        forecast, count = update_forecast(session, ref, ledger.actor, changes)
        forecast_id, version = forecast.id, forecast.version
    if count:
        message(f"Updated forecast {forecast_id}: {count} event{'s' * (count != 1)} in one change, now version {version}.")
    else:
        message(f"Forecast {forecast_id} already says that; nothing changed.")


@click.command()
@click.argument("ref", type=TEXT, metavar="ID")
@format_option
@pass_ledger
def history(ledger: Ledger, ref, fmt):
    """Show a forecast's timeline, oldest first."""
    from tracker.services.forecasts import history as timeline

    with ledger.session(write=False) as session:
        events = timeline(session, ref)
    emit(events, fmt, tables.event_rows)


@click.command()
@click.argument("ref", type=TEXT, metavar="ID")
@click.option("--reason", type=TEXT, required=True, help="Why it is deleted (kept in its history).")
@pass_ledger
def delete(ledger: Ledger, ref, reason):
    """Hide a forecast entered by mistake; its history stays."""
    from tracker.services.forecasts import delete_forecast

    with ledger.session(write=True) as session:
        forecast_id = delete_forecast(session, ref, ledger.actor, reason).id
    message(f"Deleted forecast {forecast_id}; `tracker list --deleted` still shows it.")
