"""Export formats: each writes forecast records to a text stream as they come, never all at once.

JSON and JSONL keep the key order of `services.records`, so two exports of the same ledger are
byte for byte the same and diff well line by line. A record's timeline is written event by
event as it is read: the text is that of the whole record encoded at once.
"""

from collections.abc import Iterable
from typing import Any, TextIO

from tracker.cli.output import json_parts, write_csv_rows

# The scalar fields of a forecast: one CSV column each (tags joined with `;`, source by title).
CSV_COLUMNS = ("id", "key", "claim", "criteria", "source", "made_on", "resolve_by", "probability", "status",
               "tags", "review_every", "next_review_on", "created_at", "updated_at", "version", "deleted_at")


def write_json(records: Iterable[dict[str, Any]], stream: TextIO) -> None:
    """`{"version": 1, "forecasts": [...]}`, laid out exactly as `json.dumps(…, indent=2)` would."""
    stream.write('{\n  "version": 1,\n  "forecasts": [')
    separator = "\n    "
    for record in records:
        stream.write(separator)
        stream.writelines(json_parts(record, 2, level=2))
        separator = ",\n    "
    stream.write("\n  ]\n}\n" if separator != "\n    " else "]\n}\n")


def write_jsonl(records: Iterable[dict[str, Any]], stream: TextIO) -> None:
    for record in records:
        stream.writelines(json_parts(record, None))
        stream.write("\n")


def write_csv(records: Iterable[dict[str, Any]], stream: TextIO) -> None:
    write_csv_rows(CSV_COLUMNS, records, stream)


# Markdown is the report's document (tracker/cli/report_markdown.py); `export` writes it itself
# since it needs the ledger-wide summary as well as the records.
WRITERS = {"json": write_json, "jsonl": write_jsonl, "csv": write_csv}
SUFFIXES = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".md": "markdown",
            ".markdown": "markdown"}
