"""Commands on forecasts: add, list, show, update, history, delete."""

from functools import partial

import click

from tracker.cli import tables
from tracker.cli.completion import complete_forecast, complete_tag
from tracker.cli.context import Ledger, pass_ledger
from tracker.cli.output import emit, format_option, message
from tracker.cli.params import (DATE, DATE_OR_NONE, LIMIT, PROBABILITY, PROBABILITY_OR_NONE, REVIEW_DAYS, ROW_ID,
                                TEXT, forecast_filter_options)
from tracker.dates import today
from tracker.fields import SORT_FIELDS
from tracker.statuses import STATUSES

SORT_CHOICES = SORT_FIELDS + tuple(f"-{name}" for name in SORT_FIELDS)


@click.command()
@click.argument("claim", type=TEXT)
@click.option("--key", type=TEXT, help="Stable unique name (default: made from the claim).")
@click.option("--criteria", type=TEXT, help="What would count as the claim coming true.")
@click.option("--source", type=TEXT, metavar="TITLE", help="Title of the source the forecast comes from.")
@click.option("--source-author", type=TEXT, metavar="NAME", help="The source's author (with --source).")
@click.option("--source-outlet", type=TEXT, metavar="NAME", help="Where the source was published (with --source).")
@click.option("--source-url", type=TEXT, metavar="URL", help="Where the source can be read (with --source).")
@click.option("--source-date", type=DATE, help="When the source was published (with --source).")
@click.option("--made-on", type=DATE, help="When the forecast was made [default: today].")
@click.option("--resolve-by", type=DATE, help="When it should be settled.")
@click.option("--probability", type=PROBABILITY, help="Stated chance: 0.7, 70%, 7:3 or 1 in 4.")
@click.option("--tag", "tags", type=TEXT, multiple=True, shell_complete=complete_tag,
              help="A tag; repeat for more.")
@click.option("--review-every", type=REVIEW_DAYS, default=30, show_default=True, help="Days between reviews.")
@click.option("--option", "options", type=TEXT, multiple=True, metavar="NAME",
              help="An answer of a multiple-choice forecast; repeat for each (two or more).")
@pass_ledger
def add(ledger: Ledger, claim, key, criteria, source, source_author, source_outlet, source_url, source_date,
        made_on, resolve_by, probability, tags, review_every, options):
    """Add a forecast and print its id.

    The source is the first one with that title and the other --source-* fields given, or a
    new one.

    \b
    Examples:
      tracker add "A ceasefire holds through June" --resolve-by 2026-06-30 --probability 30%
      tracker add "Who wins?" --option Putin --option Medvedev --option Neither
      tracker add "Talks by March" --source "Summit preview" --source-author "Jane Roe"
    """
    from tracker.services.forecasts import ForecastDraft, create_forecast

    described = {"author": source_author, "outlet": source_outlet, "url": source_url, "published_on": source_date}
    described = {name: value for name, value in described.items() if value is not None}
    if described and not source:
        raise click.UsageError("--source-author, --source-outlet, --source-url and --source-date go with "
                               "--source TITLE.")
    draft = ForecastDraft(claim=claim, key=key, criteria=criteria,
                          source={"title": source, **described} if source else None,
                          made_on=made_on, resolve_by=resolve_by, probability=probability, tags=list(tags),
                          review_every=review_every, options=list(options) or None)
    with ledger.session(write=True) as session:
        forecast = create_forecast(session, ledger.actor, draft, check_source=True)
        forecast_id, key, next_review = forecast.id, forecast.key, forecast.next_review_on
    message(f"Added forecast {forecast_id} ({key}); first review on {next_review}.")
    click.echo(forecast_id)


@click.command("list")
@forecast_filter_options
@click.option("--deleted", is_flag=True, help="List deleted forecasts instead.")
@click.option("--as-of", type=DATE, help="The forecasts as they stood at the end of that day.")
@click.option("--sort", type=click.Choice(SORT_CHOICES), default="id", show_default=True,
              help="Field to sort by; prefix - for descending.")
@click.option("--limit", type=LIMIT, help="At most this many.")
@click.option("--after", type=TEXT, metavar="ID", shell_complete=complete_forecast, help="Only those after forecast ID in this order: the next page after ID.")
@format_option
@pass_ledger
def list_forecasts(ledger: Ledger, statuses, tags, source, search, final, deleted, actor, due, overdue, as_of,
                   sort, limit, after, fmt):
    """List forecasts, one line each; unsettled ones past their resolve-by date are marked OVERDUE.

    \b
    Examples:
      tracker list --status open --tag us-russia
      tracker list --overdue --sort resolve_by
      tracker list --search summit --format json
    """
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
    emit(forecasts, fmt, partial(tables.forecast_rows, today=as_of or today()), empty="No forecasts match.")


@click.command()
@click.argument("ref", type=TEXT, metavar="ID", shell_complete=complete_forecast)
@click.option("--as-of", type=DATE, help="The forecast as it stood at the end of that day.")
@click.option("--extremize", type=click.FloatRange(min=0, min_open=True, max=10), metavar="A",
              help="Also show the team's geometric mean of odds raised to the power A (above 1 extremizes).")
@format_option
@pass_ledger
def show(ledger: Ledger, ref, as_of, extremize, fmt):
    """Show everything about one forecast: fields, evidence, timeline.

    \b
    Examples:
      tracker show 1
      tracker show anchorage-2025/channels --as-of 2025-12-31
      tracker show 2 --extremize 2.5 --format json
    """
    from tracker.services.forecasts import show_forecast

    with ledger.session(write=False) as session:
        if as_of:
            from tracker.services.past import show_as_of

            forecast = show_as_of(session, ref, as_of, extremize)
        else:
            forecast = show_forecast(session, ref, extremize)
        emit(forecast, fmt, partial(tables.forecast_detail, as_of=as_of))


@click.command()
@click.argument("ref", type=TEXT, metavar="ID", shell_complete=complete_forecast)
@click.option("--status", type=click.Choice(STATUSES), help="New status.")
@click.option("--outcome", type=TEXT, metavar="OPTION", help="The option that happened (multiple choice, with --status confirmed).")
@click.option("--note", type=TEXT, help="Why this change is made, kept on each of its events (needed to leave a final status).")
@click.option("--evidence", "evidence_ids", type=ROW_ID, multiple=True,
              help="Evidence id the change rests on, cited by each of its events; repeat for more.")
@click.option("--claim", type=TEXT, help="New wording of the claim.")
@click.option("--criteria", type=TEXT, help="New resolution criteria.")
@click.option("--probability", type=PROBABILITY_OR_NONE, help="New stated chance, or none.")
@click.option("--resolve-by", type=DATE_OR_NONE, help="New deadline, or none.")
@click.option("--tag", "add_tags", type=TEXT, multiple=True, shell_complete=complete_tag,
              help="Add a tag; repeat for more.")
@click.option("--untag", "remove_tags", type=TEXT, multiple=True, shell_complete=complete_tag, help="Remove a tag; repeat for more.")
@click.option("--review-every", type=REVIEW_DAYS, help="Days between reviews.")
@click.option("--source", type=TEXT, metavar="SOURCE",
              help="Cite another source: its id, or its title (a new source if none has it); empty for none.")
@click.option("--expect-version", type=ROW_ID,
              help="Fail if the forecast is no longer at this version.")
@click.pass_context
def update(ctx: click.Context, ref, status, outcome, note, evidence_ids, add_tags, remove_tags, source,
           expect_version, **edits):
    """Change a forecast; each change is recorded in its timeline.

    \b
    Examples:
      tracker update 1 --status developing --note "the hotline works" --evidence 1
      tracker update 4 --probability 0.8 --evidence 2 --note "the memo was signed"
      tracker update 2 --resolve-by none --tag watch --untag old
      tracker update 3 --source "Summit preview"
    """
    from tracker.services.forecasts import ForecastChanges, update_forecast

    given = {name: value for name, value in edits.items()
             if ctx.get_parameter_source(name) != click.core.ParameterSource.DEFAULT}
    if not (given or add_tags or remove_tags or status or source is not None):
        raise click.UsageError("nothing to change; give --status, --claim, --criteria, --probability, --resolve-by, "
                               "--tag, --untag, --review-every or --source" + (", with --note and --evidence saying why."
                                                                               if note is not None or evidence_ids else "."))
    changes = ForecastChanges(edits=given, add_tags=add_tags, remove_tags=remove_tags, status=status, source=source,
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
@click.argument("ref", type=TEXT, metavar="ID", shell_complete=complete_forecast)
@format_option
@pass_ledger
def history(ledger: Ledger, ref, fmt):
    """Show a forecast's timeline, oldest first.

    \b
    Examples:
      tracker history 1
      tracker history anchorage-2025/channels --format json
    """
    from tracker.services.forecasts import history as timeline

    with ledger.session(write=False) as session:
        emit(timeline(session, ref), fmt, tables.event_rows)


@click.command()
@click.argument("ref", type=TEXT, metavar="ID", shell_complete=complete_forecast)
@click.option("--reason", type=TEXT, required=True, help="Why it is deleted (kept in its history).")
@pass_ledger
def delete(ledger: Ledger, ref, reason):
    """Hide a forecast entered by mistake; its history stays.

    \b
    Examples:
      tracker delete 7 --reason "entered twice; see 6"
    """
    from tracker.services.forecasts import delete_forecast

    with ledger.session(write=True) as session:
        forecast_id = delete_forecast(session, ref, ledger.actor, reason).id
    message(f"Deleted forecast {forecast_id}; `tracker list --deleted` still shows it.")
