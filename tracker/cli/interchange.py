"""`tracker export` and `tracker import`: the ledger to and from JSON, JSONL, CSV and Markdown."""

import sys
from contextlib import nullcontext
from functools import partial
from pathlib import Path

import click

from tracker.cli.completion import complete_tag
from tracker.cli.context import Ledger, pass_ledger
from tracker.cli.output import is_stdout, message, output_stream
from tracker.cli.params import DATE, TEXT, forecast_filter_options
from tracker.cli.progress import WORTH_SHOWING_BYTES, on_terminal, progress_bar
from tracker.progress import counted

EXPORT_FORMATS = ("json", "jsonl", "csv", "markdown")
IMPORT_FORMATS = ("json", "jsonl", "csv")
# Kept here as well as in services/readers.py so that `--help` needs no service module;
# a test keeps the two the same.
ORIGINS = ("fatebook", "predictionbook", "iqisa", "gjp")


@click.command()
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS),
              help="Output format [default: from the -o file name, else json].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of stdout (replaced only once the export is complete).")
@forecast_filter_options
@click.option("--since", type=DATE, help="Only forecasts changed on or after this date.")
@click.option("--title", type=TEXT, help="The Markdown document's title [default: Forecast ledger report].")
@pass_ledger
def export(ledger: Ledger, fmt, output, since, title, **chosen):
    """Write forecasts, with their evidence and timelines, as JSON, JSONL, CSV or Markdown.

    The filters are those of `tracker list`. Markdown is the report's document (`tracker
    report -o FILE.md`) of the forecasts exported: every count and score in it is over them.

    \b
    Examples:
      tracker export -o ledger.json
      tracker export --format csv --status confirmed > settled.csv
      tracker export --format markdown --tag us-russia --title "US–Russia forecasts"
    """
    from tracker.cli.writers import SUFFIXES, WRITERS
    from tracker.services.export import count_exported, exported_records
    from tracker.services.forecasts import ForecastFilter

    if fmt is None and not is_stdout(output) and output.suffix.lower() not in SUFFIXES:
        raise click.UsageError(f"cannot tell the format of {output.name!r} from its name; give --format "
                               f"or end it in {', '.join(SUFFIXES)}.")
    fmt = fmt or (SUFFIXES[output.suffix.lower()] if not is_stdout(output) else "json")
    # Markdown is for reading, like the report it reproduces: deleted forecasts stay out.
    if title is not None and fmt != "markdown":
        raise click.UsageError("--title names the Markdown document; it goes with --format markdown.")
    filters = ForecastFilter(**chosen, since=since, deleted=False if fmt == "markdown" else None)
    with ledger.session(write=False) as session, output_stream(output, ledger=ledger.sqlite_file()) as stream:
        write = WRITERS.get(fmt) or markdown_writer(session, filters, title)
        total = count_exported(session, filters) if on_terminal(writes_stdout=is_stdout(output)) else 0
        with progress_bar(total, "Exporting") as advance_to:
            records = exported_records(session, filters, timelines=fmt != "csv", scores=fmt == "markdown")
            write(counted(records, advance_to), stream)
    if not is_stdout(output):
        message(f"Exported to {output}.")


def markdown_writer(session, filters, title: str | None):
    """The report's Markdown document, its forecasts the exported ones and every number over them."""
    from tracker.cli.report_markdown import write_report_markdown
    from tracker.cli.report_text import TITLE, scope_words
    from tracker.services.report import report_summary

    summary = report_summary(session, filters)
    summary.update(title=title or TITLE, scope=scope_words(filters))
    return partial(write_report_markdown, summary)


class _DryRun(Exception):
    """Raised inside the import's transaction to roll back everything a dry run did."""


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(IMPORT_FORMATS),
              help="File format [default: from the file name; required when FILE is - (standard input)].")
@click.option("--from", "origin", type=click.Choice(ORIGINS),
              help="The file is another tracker's data: Fatebook's CSV export, PredictionBook's API JSON, "
                   "a forecasts file in iqisa's layout, or the Good Judgment Project's survey forecasts.")
@click.option("--questions", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="With --from iqisa or gjp: the questions file (titles, options, outcomes).")
@click.option("--map", "maps", type=TEXT, multiple=True, metavar="'COLUMN=field'",
              help="CSV: read COLUMN as this field (such as source.author or made_on), or leave it out "
                   "with COLUMN=-; repeat for more columns.")
@click.option("--map-status", "status_maps", type=TEXT, multiple=True, metavar="'TEXT=status'",
              help="CSV: read the status word TEXT as this status; repeat for more words.")
@click.option("--encoding", type=TEXT, help="The file's text encoding, such as cp1252 or utf-16 "
                                 "[default: UTF-8 or UTF-16 by byte-order mark, else UTF-8, else cp1252].")
@click.option("--dry-run", is_flag=True, help="Report what would be added and updated; write nothing.")
@pass_ledger
def import_(ledger: Ledger, file, fmt, origin, questions, maps, status_maps, encoding, dry_run):
    """Add or update forecasts from a file (- for stdin); all or nothing, matched by key.

    
    Examples:
      tracker import ledger.json --dry-run
      tracker import sheet.csv
      tracker import sheet.csv --map 'Who said it=source.author' --map-status 'Promise Broken=refuted'
      tracker import - --format jsonl < forecasts.jsonl
      tracker import questions.csv --from fatebook
    """
    from tracker.services.imports import TABLES, import_file
    from tracker.services.readers import CsvLayout, ImportFile, check_questions_file, choose_format
    from tracker.storage.bulk import id_sequences_kept

    stdin = str(file) == "-"
    if stdin and sys.stdin.isatty():
        raise click.UsageError("FILE is - but standard input is a terminal; pipe the file in "
                               "(tracker import - --format csv < sheet.csv).")
    check_questions_file(origin, questions)
    fmt = choose_format(None if stdin else file, fmt, origin)
    if (maps or status_maps) and (fmt != "csv" or origin is not None):
        raise click.UsageError("--map and --map-status are for a CSV in tracker's layout, not with --from "
                               "or JSON.")
    source = ImportFile(None if stdin else file, fmt, origin, encoding=encoding,
                        content=sys.stdin.buffer.read() if stdin else None,
                        layout=CsvLayout.parse(maps, status_maps),
                        questions=None if questions is None else ImportFile(questions, "csv", origin,
                                                                            encoding=encoding))
    try:
        with ledger.session(write=True, filling=True) as session:
            with id_sequences_kept(session, TABLES) if dry_run else nullcontext(), \
                    progress_bar(source.size() if on_terminal() else 0, "Importing",
                                 worth_showing=WORTH_SHOWING_BYTES) as advance_to:
                counts = import_file(session, ledger.actor, source, progress=advance_to)
            if dry_run:
                raise _DryRun
    except _DryRun:
        message(f"Dry run, nothing written: {source.name} would add {counts.added}, update {counts.updated} "
                f"and leave {counts.unchanged} unchanged{_matched(counts)}.")
    else:
        message(f"Imported {source.name}: {counts.added} added, {counts.updated} updated, "
                f"{counts.unchanged} unchanged{_matched(counts)}.")
    for line in counts.summary():
        message(f"  {line}")


def _matched(counts) -> str:
    if not counts.matched:
        return ""
    return f"; {counts.matched} matched without a key, by claim, source and made-on"
