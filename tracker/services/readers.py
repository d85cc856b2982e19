"""Reading import files: JSON, JSONL and CSV in the interchange format, and other trackers' files.

A reader yields `(where, object)` pairs, `where` being what an error message names (`line 12`,
`record 3`), and can be read again from the start: the import makes two passes.
"""

import codecs
import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from tracker import dates
from tracker.errors import InvalidInput
from tracker.formulas import restore
from tracker.probability import parse_probability

FORMATS = ("json", "jsonl", "csv")
SUFFIXES = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
# The format each other tracker's file comes in, and those that come with a questions file.
ORIGIN_FORMATS = {"fatebook": "csv", "predictionbook": "json", "iqisa": "csv", "gjp": "csv"}
ORIGINS = tuple(ORIGIN_FORMATS)
WITH_QUESTIONS = ("iqisa", "gjp")
INTERCHANGE_VERSION = 1
# Python's csv module refuses a cell over 131,072 characters, but a claim, criteria or note
# has no such limit and `export` writes whatever the ledger holds: raise it to what a C long
# holds everywhere, so every exported file reads back. A cell is still bounded by its file.
csv.field_size_limit(2**31 - 1)

Progress = Callable[[int], None]


def choose_format(path: Path, fmt: str | None, origin: str | None) -> str:
    """The format asked for, else the one `--from` implies, else the one the file name says."""
    if fmt and origin and fmt != ORIGIN_FORMATS[origin]:
        raise InvalidInput(f"{origin} data comes as {ORIGIN_FORMATS[origin]}, not {fmt}; leave out --format.")
    if fmt:
        return fmt
    if origin:
        return ORIGIN_FORMATS[origin]
    try:
        return SUFFIXES[path.suffix.lower()]
    except KeyError:
        raise InvalidInput(f"cannot tell the format of {path.name} from its name; "
                           f"give --format {'|'.join(FORMATS)}.") from None


def check_questions_file(origin: str | None, questions: Path | None) -> None:
    """Only the layouts whose forecasts name their questions by id take a questions file."""
    if questions is not None and origin not in WITH_QUESTIONS:
        raise InvalidInput(f"--questions goes with --from {' or '.join(WITH_QUESTIONS)}, whose forecasts name "
                           "their questions by id.")


@dataclass
class ImportFile:
    """One file to import: where it is, its format, which tracker wrote it, and for layouts
    whose forecasts name their questions by id, the file of those questions."""

    path: Path
    fmt: str
    origin: str | None = None
    questions: "ImportFile | None" = None
    # The import's moment: a resolution another tracker gives no moment for is dated at it,
    # the same on both of the import's passes.
    started: dt.datetime = field(default_factory=dates.utc_now)
    # What the last reading of another tracker's files found odd but kept.
    notes: Any = None

    @property
    def name(self) -> str:
        return self.path.name

    def size(self) -> int:
        return self.path.stat().st_size

    def records(self, progress: Progress | None = None, *, actor: str = "tracker") -> Iterator[tuple[str, Any]]:
        """Every forecast object in the file, in file order; `actor` is the importing user, to
        whom another tracker's resolutions are credited when it does not say who resolved."""
        if self.size() == 0:
            raise InvalidInput(f"{self.name} is empty; there is nothing to import.")
        if self.origin is not None:
            from tracker.services.foreign import foreign_records
            from tracker.services.foreign.questions import Notes

            self.notes = Notes()
            return foreign_records(self, actor, self.notes, progress)
        if self.fmt == "json":
            return self._json_records(progress)
        if self.fmt == "jsonl":
            return self._jsonl_records(progress)
        rows = self._csv_rows(progress, neutralised=True, required=("claim",), kind="a tracker CSV export")
        return ((where, csv_object(where, row)) for where, row in rows)

    def csv_rows(self, progress: Progress | None, *, required: tuple[str, ...], kind: str,
                 labelled: bool = False) -> Iterator[tuple[str, dict[str, str]]]:
        """Another tracker's CSV rows as dicts by header name, cells as written; `labelled`
        names the file in each row's `where`, for imports that read two."""
        return self._csv_rows(progress, neutralised=False, required=required, kind=kind,
                              label=f"{self.name} " if labelled else "")

    def json_document(self) -> Any:
        return self._json_document()

    def _open(self) -> io.BufferedReader:
        try:
            return open(self.path, "rb")
        except OSError as exc:
            raise InvalidInput(f"cannot read {self.path}: {exc.strerror}.") from None

    def _text(self, raw: bytes, where: str) -> str:
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"{where} is not UTF-8 text (byte {exc.start + 1}); "
                               "is this the right file?") from None

    def _json_document(self) -> Any:
        with self._open() as file:
            content = self._text(file.read(), self.name)
        try:
            return msgspec.json.decode(content)
        except msgspec.DecodeError as exc:
            raise InvalidInput(f"{self.name} is not valid JSON: {_lowered(exc)}.") from None
        except RecursionError:
            raise InvalidInput(f"{self.name} nests arrays or objects too deeply to be a forecasts file.") from None

    def _json_records(self, progress: Progress | None) -> Iterator[tuple[str, Any]]:
        document = self._json_document()
        if isinstance(document, dict) and "forecasts" in document:
            version = document.get("version", INTERCHANGE_VERSION)
            if version != INTERCHANGE_VERSION:
                raise InvalidInput(f"{self.name} is interchange version {version!r}; "
                                   f"this tracker reads version {INTERCHANGE_VERSION}.")
            items = document["forecasts"]
        elif isinstance(document, dict):
            items = [document]
        else:
            items = document
        if not isinstance(items, list):
            raise InvalidInput(f"{self.name} holds no forecasts: expected {{\"version\": 1, \"forecasts\": [...]}}, "
                               "an array of forecast objects, or one forecast object.")
        size = self.size()
        for n, item in enumerate(items, start=1):
            yield f"record {n}", item
            if progress and n % 1000 == 0:
                progress(size * n // len(items))

    def _jsonl_records(self, progress: Progress | None) -> Iterator[tuple[str, Any]]:
        with self._open() as file:
            for number, raw in enumerate(file, start=1):
                where = f"line {number}"
                if number == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8):]
                if not raw.strip():
                    continue
                yield where, raw  # decoded and checked in one step by objects.decode_forecast_line
                if progress and number % 1000 == 0:
                    progress(file.tell())

    def _csv_rows(self, progress: Progress | None, *, neutralised: bool, required: tuple[str, ...],
                  kind: str, label: str = "") -> Iterator[tuple[str, dict[str, str]]]:
        """CSV rows as dicts by header name; `neutralised` undoes the export's formula quoting.
        A header without every `required` column is refused, rows or none."""
        with self._open() as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            reader = csv.reader(text, strict=True)
            try:
                header = next(reader)
                line = reader.line_num + 1
                if len(set(header)) != len(header):
                    raise InvalidInput(f"{self.name} line 1: a column name appears twice in the header.")
                missing = [name for name in required if name not in header]
                if missing:
                    raise InvalidInput(f"{self.name} line 1: this is not {kind}: it has no {missing[0]!r} column.")
                for cells in reader:
                    where, line = f"{label}line {line}", reader.line_num + 1
                    if not any(cells):
                        continue
                    if len(cells) != len(header):
                        raise InvalidInput(f"{where}: {len(cells)} cells, but the header has {len(header)} "
                                           "columns; is a comma or quote missing?")
                    yield where, {name: restore(cell) if neutralised else cell
                                  for name, cell in zip(header, cells)}
                    if progress and reader.line_num % 1000 == 0:
                        progress(raw.tell())
            except UnicodeDecodeError as exc:
                raise InvalidInput(f"{self.name} is not UTF-8 text (near line {reader.line_num + 1}, "
                                   f"{exc.reason}); is this the right file?") from None
            except csv.Error as exc:
                raise InvalidInput(f"{self.name} line {reader.line_num}: not valid CSV ({exc}).") from None
            except StopIteration:
                raise InvalidInput(f"{self.name} has no header line.") from None


def _lowered(exc: Exception) -> str:
    text = str(exc)
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]  # "JSON is …" stays as it is


# CSV cells are text; these columns are read as the types the interchange objects use.
_CSV_INTEGERS = ("id", "review_every", "version")


def csv_object(where: str, row: dict[str, str]) -> dict[str, Any]:
    """A forecast object from one CSV row of `tracker export --format csv`."""
    item: dict[str, Any] = {}
    for name, cell in row.items():
        if cell == "":
            item[name] = [] if name == "tags" else None
        elif name == "tags":
            item[name] = [tag for tag in cell.split(";") if tag]
        elif name == "source":
            item[name] = {"title": cell}
        elif name == "probability":
            try:
                item[name] = parse_probability(cell)
            except InvalidInput as exc:
                raise InvalidInput(f"{where}, field 'probability': {exc}") from None
        elif name in _CSV_INTEGERS:
            try:
                item[name] = int(cell)
            except ValueError:
                raise InvalidInput(f"{where}, field {name!r}: {cell!r} is not a whole number.") from None
        else:
            item[name] = cell
    return item
