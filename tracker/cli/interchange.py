"""`tracker export` and `tracker import`: the ledger to and from JSON, JSONL, CSV and Markdown."""

import sys
from contextlib import nullcontext
from functools import partial
from pathlib import Path

import click

from tracker.cli.context import Ledger, pass_ledger
from tracker.cli.output import is_stdout, message, output_stream
from tracker.cli.params import DATE, TEXT
from tracker.cli.progress import WORTH_SHOWING_BYTES, progress_bar
from tracker.statuses import STATUSES

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
@click.option("--status", "statuses", type=click.Choice(STATUSES), multiple=True, help="Only these statuses.")
@click.option("--tag", "tags", type=TEXT, multiple=True,
              help="Only forecasts with this tag; repeat to require several.")
@click.option("--source", type=TEXT, help="Only forecasts whose source title, author or outlet contains this.")
@click.option("--since", type=DATE, help="Only forecasts changed on or after this date.")
@pass_ledger
def export(ledger: Ledger, fmt, output, statuses, tags, source, since):
    """Write forecasts, with their evidence and timelines, as JSON, JSONL, CSV or Markdown."""
    from tracker.cli.writers import SUFFIXES, WRITERS
    from tracker.services.export import count_exported, exported_records, start_snapshot
    from tracker.services.forecasts import ForecastFilter

    if fmt is None and not is_stdout(output) and output.suffix.lower() not in SUFFIXES:
        raise click.UsageError(f"cannot tell the format of {output.name!r} from its name; give --format "
                               f"or end it in {', '.join(SUFFIXES)}.")
    fmt = fmt or (SUFFIXES[output.suffix.lower()] if not is_stdout(output) else "json")
    # Markdown is for reading, like the report it reproduces: deleted forecasts stay out.
    filters = ForecastFilter(statuses=statuses, tags=tags, source=source, since=since,
                             deleted=False if fmt == "markdown" else None)
    with ledger.session(write=False) as session, output_stream(output, ledger=ledger.sqlite_file()) as stream:
        start_snapshot(session)
        write = WRITERS.get(fmt) or markdown_writer(session)
        total = count_exported(session, filters) if sys.stderr.isatty() else 0
        with progress_bar(total, "Exporting") as advance_to:
            records = exported_records(session, filters, timelines=fmt != "csv", scores=fmt == "markdown")
            write(_counted(records, advance_to), stream)
    if not is_stdout(output):
        message(f"Exported to {output}.")


def markdown_writer(session):
    """The report's Markdown document, its forecasts the exported ones."""
    from tracker.cli.report_markdown import write_report_markdown
    from tracker.services.report import report_summary

    return partial(write_report_markdown, report_summary(session))


def _counted(records, advance_to):
    for done, record in enumerate(records, start=1):
        yield record
        if advance_to and done % 500 == 0:
            advance_to(done)


class _DryRun(Exception):
    """Raised inside the import's transaction to roll back everything a dry run did."""


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(IMPORT_FORMATS),
              help="File format [default: from the file name].")
@click.option("--from", "origin", type=click.Choice(ORIGINS),
              help="The file is another tracker's data: Fatebook's CSV export, PredictionBook's API JSON, "
                   "a forecasts file in iqisa's layout, or the Good Judgment Project's survey forecasts.")
@click.option("--questions", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="With --from iqisa or gjp: the questions file (titles, options, outcomes).")
@click.option("--dry-run", is_flag=True, help="Report what would be added and updated; write nothing.")
@pass_ledger
def import_(ledger: Ledger, file, fmt, origin, questions, dry_run):
    """Add or update forecasts from a file; all or nothing, matched by key."""
    from tracker.services.imports import TABLES, import_file
    from tracker.services.readers import ImportFile, check_questions_file, choose_format
    from tracker.storage.bulk import id_sequences_kept

    check_questions_file(origin, questions)
    source = ImportFile(file, choose_format(file, fmt, origin), origin,
                        questions=None if questions is None else ImportFile(questions, "csv", origin))
    try:
        with ledger.session(write=True) as session:
            with id_sequences_kept(session, TABLES) if dry_run else nullcontext(), \
                    progress_bar(source.size() if sys.stderr.isatty() else 0, "Importing",
                                 worth_showing=WORTH_SHOWING_BYTES) as advance_to:
                counts = import_file(session, ledger.actor, source, progress=advance_to)
            if dry_run:
                raise _DryRun
    except _DryRun:
        message(f"Dry run, nothing written: {file.name} would add {counts.added}, update {counts.updated} "
                f"and leave {counts.unchanged} unchanged.")
    else:
        message(f"Imported {file.name}: {counts.added} added, {counts.updated} updated, {counts.unchanged} unchanged.")
    for line in counts.summary():
        message(f"  {line}")
