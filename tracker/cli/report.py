"""`tracker report`: the ledger as one page to read, in HTML or Markdown."""

from pathlib import Path

import click

from tracker.cli.context import Ledger, pass_ledger
from tracker.cli.output import is_stdout, message, output_stream
from tracker.cli.params import ROW_ID, TEXT, forecast_filter_options
from tracker.cli.progress import WORTH_SHOWING_CARDS, on_terminal, progress_bar
from tracker.cli.report_text import TITLE as DEFAULT_TITLE
from tracker.cli.report_text import scope_words

REPORT_FORMATS = ("html", "markdown")
LIMIT = 100
EXTENSIONS = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown"}


@click.command()
@click.option("-o", "--output", required=True, metavar="FILE",
              help="Where to write the report: FILE.html or FILE.md; - for standard output.")
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS),
              help="html or markdown [default: from the file's extension].")
@forecast_filter_options
@click.option("--title", type=TEXT, help=f"The page's title [default: {DEFAULT_TITLE}].")
@click.option("--limit", type=ROW_ID, default=LIMIT, show_default=True,
              help="At most this many forecasts in the index and the cards (and at most 10 in each "
                   "list of what needs attention).")
@click.option("--all", "show_all", is_flag=True,
              help="Every forecast in scope in the index, the cards and the attention lists, however many.")
@pass_ledger
def report(ledger: Ledger, output, fmt, title, limit, show_all, **filters):
    """Write the ledger, or the forecasts the filters choose, as one readable page.

    What needs attention (overdue, reviews due, quiet forecasts, latest changes), the
    counts and charts (calibration, scores and resolutions over time, scorecards), an index
    of the forecasts, and each forecast with its criteria, evidence, probability chart and
    timeline. Every number is computed over the forecasts in scope (the filters are those
    of `tracker list`).

    The HTML page carries its own styles, charts and a small script to sort and filter the
    index (nothing fetched), reads on a phone and prints compactly; the Markdown has the same
    content for a wiki or an issue.

    
    Examples:
      tracker report -o ledger.html
      tracker report -o us-russia.html --tag us-russia --title "US–Russia forecasts"
      tracker report -o notes.txt --format markdown --all
    """
    if output == "-" and fmt is None:
        raise click.UsageError("-o - writes to standard output; say which format with --format html or markdown.")
    fmt = fmt or EXTENSIONS.get(Path(output).suffix.lower())
    if fmt is None:
        raise click.UsageError(f"cannot tell the format from {output!r}; name a .html or .md file, "
                               "or give --format html or --format markdown.")
    from tracker.progress import counted
    from tracker.services.forecasts import ForecastFilter
    from tracker.services.report import ATTENTION, ReportRequest, report_content

    if fmt == "html":
        from tracker.cli.report_html import write_report_html as write
    else:
        from tracker.cli.report_markdown import write_report as write
    scope = ForecastFilter(**filters)
    request = ReportRequest(scope, limit=None if show_all else limit,
                            attention_limit=None if show_all else min(limit, ATTENTION))
    with ledger.session(write=False) as session, output_stream(output, ledger=ledger.sqlite_file()) as stream:
        content = report_content(session, request)
        content.update(title=title or DEFAULT_TITLE, scope=scope_words(scope))
        # The cards are what takes long (--all); the counts and scores before them are read by
        # the database and one pass over the resolved forecasts, a few seconds at 100,000.
        cards = content["shown"] if on_terminal(writes_stdout=is_stdout(output)) else 0
        with progress_bar(cards, "Writing", worth_showing=WORTH_SHOWING_CARDS) as advance_to:
            content["forecasts"] = counted(content["forecasts"], advance_to)
            write(content, stream)
    if is_stdout(output):
        return
    count, shown = content["total"], content["shown"]
    left_out = f" ({count - shown} left out of the cards and index; --all shows every one)" if shown < count else ""
    message(f"Wrote the {fmt} report of {count} forecast{'s' * (count != 1)} to {output}{left_out}.")
