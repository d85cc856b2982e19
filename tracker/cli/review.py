"""Periodic review: the queue, reviewing one forecast, snoozing one, and the calendar of reviews."""

from pathlib import Path

import click

from tracker import dates
from tracker.cli import tables
from tracker.cli.completion import complete_forecast
from tracker.cli.context import Ledger, pass_ledger
from tracker.cli.output import emit, format_option, is_stdout, message, output_stream
from tracker.cli.params import DATE, LIMIT, TEXT
from tracker.cli.progress import WORTH_SHOWING_DUE, on_terminal, progress_bar

ParameterSource = click.core.ParameterSource


def given(ctx: click.Context, *names: str) -> list[str]:
    """The options among `names` (parameter names) that the user typed, as they typed them."""
    return [max(param.opts, key=len) for param in ctx.command.params
            if param.name in names and ctx.get_parameter_source(param.name) not in (ParameterSource.DEFAULT, None)]


@click.command()
@click.argument("ref", type=TEXT, metavar="[ID]", required=False, shell_complete=complete_forecast)
@click.option("--note", type=TEXT, help="With ID: what the review found.")
@click.option("-i", "--interactive", is_flag=True,
              help="Walk the queue one forecast at a time: r reviewed, s status, p probability (with why), e evidence, "
                   "z snooze, n skip, q quit.")
@click.option("--limit", type=LIMIT, help="Show at most this many.")
@format_option(extra=("ics",))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="With --format ics: write the calendar to FILE instead of standard output.")
@click.pass_context
def review(ctx: click.Context, ref, note, interactive, limit, fmt, output):
    """Show the forecasts due for review, or mark forecast ID reviewed.

    The queue lists unsettled forecasts whose review date has come: those past their
    resolve-by date first, then the longest waiting, each with the days since its last
    review and what changed since. `tracker review ID` records a review and schedules the
    next one `review_every` days ahead; changing a status or adding evidence is not a review.
    `--interactive` walks the queue in a terminal, committing each action as it is taken;
    `--format ics` writes an iCalendar file of every upcoming review and deadline.

    \b
    Examples:
      tracker review
      tracker review 1 --note "nothing new"
      tracker review --interactive
      tracker review --format ics -o ~/reviews.ics
    """
    ledger: Ledger = ctx.obj
    if interactive:
        if ref is not None or (wrong := given(ctx, "note", "limit", "fmt", "output")):
            taken = "ID" if ref is not None else ", ".join(wrong)
            raise click.UsageError(f"--interactive walks the whole queue; it takes no {taken}.")
        from tracker.cli.interactive import review_sitting

        review_sitting(ledger)
        return
    if ref is not None:
        if wrong := given(ctx, "limit", "fmt", "output"):
            raise click.UsageError(f"{', '.join(wrong)} go with the queue, not with ID.")
        mark_reviewed(ledger, ref, note)
        return
    if note is not None:
        raise click.UsageError("--note goes with ID: `tracker review ID --note TEXT`.")
    if fmt == "ics":
        if limit is not None:
            raise click.UsageError("--limit goes with the queue; --format ics writes every upcoming review.")
        write_calendar(ledger, output)
        return
    if output is not None:
        raise click.UsageError("-o/--output goes with --format ics; other formats go to standard output.")
    from tracker.progress import counted
    from tracker.services.reviews import due_count, review_queue

    with ledger.session(write=False) as session:
        # A bar only for the whole queue written to a file or pipe: on a terminal the queue
        # itself, shown as it is read, says how far it has got (and a bar would tangle with it).
        whole = limit is None and on_terminal(writes_stdout=True)
        with progress_bar(due_count(session, dates.today()) if whole else 0, "Reading the queue",
                          worth_showing=WORTH_SHOWING_DUE) as advance_to:
            queue = counted(review_queue(session, limit=limit), advance_to)
            emit(queue, fmt, tables.queue_rows, empty="Nothing is due for review.")


def write_calendar(ledger: Ledger, output: Path | None) -> None:
    """The iCalendar file of upcoming reviews and deadlines, to `output` or standard output."""
    from tracker.cli.ics import calendar
    from tracker.services.reviews import calendar_entries

    with ledger.session(write=False) as session:
        forecasts = calendar_entries(session)
    text = calendar(forecasts, today=dates.today(), now=dates.utc_now())
    with output_stream(output, ledger=ledger.sqlite_file()) as stream:
        stream.write(text)
    if is_stdout(output):
        return
    deadlines = sum(1 for forecast in forecasts if forecast["resolve_by"])
    message(f"Wrote {output}: {plural(len(forecasts), 'review')} and {plural(deadlines, 'deadline')}.")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def mark_reviewed(ledger: Ledger, ref: str, note: str | None) -> None:
    from tracker.services.reviews import review_forecast

    with ledger.session(write=True) as session:
        forecast = review_forecast(session, ref, ledger.actor, note)
        forecast_id, next_review = forecast.id, forecast.next_review_on
    message(f"Reviewed forecast {forecast_id}; next review on {next_review}.")


@click.command()
@click.argument("ref", type=TEXT, metavar="ID", shell_complete=complete_forecast)
@click.option("--until", type=DATE, required=True, help="The day the review comes back.")
@click.option("--note", type=TEXT, help="Why it waits.")
@pass_ledger
def snooze(ledger: Ledger, ref, until, note):
    """Move forecast ID's next review to another day.

    A day earlier than the review already has is taken, and said so loudly. A forecast past
    its resolve-by date stays in the review queue whatever its review date, until it is
    settled or its resolve-by date is moved.

    \b
    Examples:
      tracker snooze 2 --until +2w --note "wait for the December talks"
    """
    from tracker.services.reviews import snooze_forecast

    with ledger.session(write=True) as session:
        forecast, before = snooze_forecast(session, ref, ledger.actor, until, note)
        forecast_id, resolve_by = forecast.id, forecast.resolve_by
    if before is None:
        message(f"Forecast {forecast_id} is already due for review on {until}; nothing changed.")
        return
    message(snoozed_message(forecast_id, until, before))
    if resolve_by is not None and resolve_by < dates.today():
        message(f"It stays in the review queue while it is past its resolve-by date ({resolve_by}): settle it, "
                f"or move that date with `tracker update {forecast_id} --resolve-by DATE`.")


def snoozed_message(forecast_id: int, until, before) -> str:
    """What a snooze did; a review brought forward is said to be, as that is seldom what a snooze is for."""
    if until < before:
        return (f"Snoozed forecast {forecast_id}: its next review moved EARLIER, to {until}, from {before}; "
                f"`tracker undo` takes that back.")
    return f"Snoozed forecast {forecast_id}; next review on {until}."
