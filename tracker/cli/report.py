"""`tracker report`: the ledger as one page to read, in HTML or Markdown."""

from pathlib import Path

import click

from tracker.cli.context import Ledger, pass_ledger
from tracker.cli.output import is_stdout, message, output_stream

REPORT_FORMATS = ("html", "markdown")
EXTENSIONS = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown"}


@click.command()
@click.option("-o", "--output", required=True, metavar="FILE",
              help="Where to write the report: FILE.html or FILE.md; - for standard output.")
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS),
              help="html or markdown [default: from the file's extension].")
@pass_ledger
def report(ledger: Ledger, output, fmt):
    """Write the whole ledger as one readable page.

    Status overview, calibration chart, scorecards, and every forecast with its criteria,
    status, evidence and timeline.

    The HTML page carries its own styles and chart (no scripts, nothing fetched), reads on
    a phone and prints cleanly; the Markdown has the same content for a wiki or an issue.

    \b
    Examples:
      tracker report -o ledger.html
      tracker report -o notes.txt --format markdown
    """
    if output == "-" and fmt is None:
        raise click.UsageError("-o - writes to standard output; say which format with --format html or markdown.")
    fmt = fmt or EXTENSIONS.get(Path(output).suffix.lower())
    if fmt is None:
        raise click.UsageError(f"cannot tell the format from {output!r}; name a .html or .md file, "
                               "or give --format html or --format markdown.")
    from tracker.services.report import report_content

    with ledger.session(write=False) as session:
        content = report_content(session)
    if fmt == "html":
        from tracker.cli.report_html import report_html as render
    else:
        from tracker.cli.report_markdown import report_markdown as render
    with output_stream(output, ledger=ledger.sqlite_file()) as stream:
        stream.write(render(content))
    if is_stdout(output):
        return
    count = len(content["forecasts"])
    message(f"Wrote the {fmt} report of {count} forecast{'s' * (count != 1)} to {output}.")
