"""Reading import files: JSON, JSONL and CSV in the interchange format, and other trackers' files.

A reader yields `(where, object)` pairs, `where` being what an error message names (`line 12`,
`record 3`), and can be read again from the start: the import makes two passes.
"""

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from tracker import dates
from tracker.errors import InvalidInput
from tracker.formulas import restore
from tracker.probability import parse_probability
from tracker.progress import Progress
from tracker.services.encodings import Encoding, bytes_opener, detect
from tracker.services.long_lines import LongLine
from tracker.statuses import STATUSES

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


def choose_format(path: Path | None, fmt: str | None, origin: str | None) -> str:
    """The format asked for, else the one `--from` implies, else the one the file name says.
    Standard input (`path` None) has no name to tell it by: it needs --format or --from."""
    if fmt and origin and fmt != ORIGIN_FORMATS[origin]:
        raise InvalidInput(f"{origin} data comes as {ORIGIN_FORMATS[origin]}, not {fmt}; leave out --format.")
    if fmt:
        return fmt
    if origin:
        return ORIGIN_FORMATS[origin]
    if path is None:
        raise InvalidInput(f"standard input has no file name to tell its format by; give --format {'|'.join(FORMATS)}.")
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
class CsvLayout:
    """How a CSV's own column names and status words map to the interchange format's:
    `columns` from `--map 'COLUMN=field'` (field `-` drops the column), `statuses` from
    `--map-status 'TEXT=status'`, both keyed by their `header_key`/`status_key`."""

    columns: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    named: dict[str, str] = field(default_factory=dict)  # each mapped column as --map wrote it

    @classmethod
    def parse(cls, maps: tuple[str, ...] = (), status_maps: tuple[str, ...] = ()) -> "CsvLayout":
        layout = cls()
        for text in maps:
            column, target = _pair(text, "--map", "'COLUMN=field'")
            target = header_key(target)
            if target != DROP and target not in CSV_FIELDS and target not in FIELD_ALIASES:
                raise InvalidInput(f"--map {text!r}: {target!r} is not a field; map a column to one of "
                                   f"{', '.join(CSV_FIELDS)}, or to - to leave it out.")
            target = FIELD_ALIASES.get(target, target)
            layout.columns[header_key(column)] = target
            layout.named[header_key(column)] = column
        for text in status_maps:
            word, status = _pair(text, "--map-status", "'TEXT=status'")
            if status.lower() not in STATUSES:
                raise InvalidInput(f"--map-status {text!r}: {status!r} is not a status; use one of "
                                   f"{', '.join(STATUSES)}.")
            layout.statuses[status_key(word)] = status.lower()
        return layout


def _pair(text: str, option: str, form: str) -> tuple[str, str]:
    left, equals, right = text.rpartition("=")
    if not equals or not left.strip() or not right.strip():
        raise InvalidInput(f"{option} {text!r} is not {form}; put = between the two.")
    return left.strip(), right.strip()


@dataclass
class ImportFile:
    """One file to import: where it is, its format, which tracker wrote it, and for layouts
    whose forecasts name their questions by id, the file of those questions. `content` holds
    standard input, read whole (the import reads its file twice); `encoding` is `--encoding`."""

    path: Path | None
    fmt: str
    origin: str | None = None
    questions: "ImportFile | None" = None
    content: bytes | None = None
    encoding: str | None = None
    layout: CsvLayout = field(default_factory=CsvLayout)
    # The import's moment: a resolution another tracker gives no moment for is dated at it,
    # the same on both of the import's passes.
    started: dt.datetime = field(default_factory=dates.utc_now)
    # What the last reading of another tracker's files found odd but kept.
    notes: Any = None
    _decoding: Encoding | None = None

    @property
    def name(self) -> str:
        return "stdin" if self.path is None else self.path.name

    def size(self) -> int:
        return len(self.content) if self.content is not None else self.path.stat().st_size

    def decoding(self) -> Encoding:
        """The file's text encoding, found once (encodings.py says how)."""
        if self._decoding is None:
            self._decoding = detect(self._open, self.name, self.encoding)
        return self._decoding

    def encoding_notes(self) -> list[str]:
        return [self._decoding.note] if self._decoding is not None and self._decoding.note else []

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
        return self._csv_objects(progress)

    def _csv_objects(self, progress: Progress | None) -> Iterator[tuple[str, Any]]:
        """Forecast objects from a CSV in tracker's layout, its columns and status words mapped;
        status words nothing maps are all listed, once the whole file is read."""
        rows = self._csv_rows(progress, neutralised=True, required=("claim",), kind="a CSV of forecasts",
                              columns=self._csv_columns)
        unknown: dict[str, str] = {}
        for where, row in rows:
            status = row.get("status")
            if status is not None and not status.strip():
                # An empty cell says nothing: a new forecast is open, a known one keeps its status.
                row = {name: cell for name, cell in row.items() if name != "status"}
            elif status:
                mapped = self.layout.statuses.get(status_key(status)) or \
                    (status.strip().lower() if status.strip().lower() in STATUSES else None)
                if mapped is None:
                    unknown.setdefault(status.strip(), where)
                    row = {**row, "status": ""}
                else:
                    row = {**row, "status": mapped}
            if not unknown:
                yield where, csv_object(where, row)
        if unknown:
            listed = ", ".join(f"{word!r} ({where})" for word, where in unknown.items())
            example = next(iter(unknown))
            raise InvalidInput(f"{self.name}: status {'words' if len(unknown) > 1 else 'word'} that tracker does "
                               f"not know: {listed}. Map each to one of {', '.join(STATUSES)} with "
                               f"--map-status '{example}=STATUS'.")

    def _csv_columns(self, header: list[str]) -> list[str | None]:
        """The field each column gives (None: left out by `--map 'COLUMN=-'`), or refuse the
        header if any column would be ignored, naming them all."""
        keys = [header_key(name) for name in header]
        unused = [self.layout.named[column] for column in self.layout.columns if column not in keys]
        if unused:
            raise InvalidInput(f"{self.name} line 1: --map names {unused[0]!r}, which is not a column of "
                               f"{self.name}; its columns are {', '.join(repr(name) for name in header)}.")
        fields: list[str | None] = []
        ignored = []
        for name, key in zip(header, keys):
            target = self.layout.columns.get(key, key)
            target = FIELD_ALIASES.get(target, target)
            if target == DROP:
                fields.append(None)
            elif target in CSV_FIELDS:
                fields.append(target)
            else:
                ignored.append(name)
                fields.append(None)
        if ignored:
            listed = ", ".join(repr(name.strip()) for name in ignored)
            raise InvalidInput(
                f"{self.name} line 1: {'these columns are' if len(ignored) > 1 else 'this column is'} not "
                f"tracker's and would be ignored: {listed}. Map each to a field with --map 'COLUMN=field' "
                f"(fields: {', '.join(CSV_FIELDS)}), or leave it out with --map 'COLUMN=-'.")
        given = [target for target in fields if target is not None]
        if twice := next((target for target in given if given.count(target) > 1), None):
            named = [name for name, target in zip(header, fields) if target == twice]
            raise InvalidInput(f"{self.name} line 1: columns {' and '.join(repr(n) for n in named)} both give "
                               f"{twice!r}; leave one out with --map 'COLUMN=-'.")
        return fields

    def csv_rows(self, progress: Progress | None, *, required: tuple[str, ...], kind: str,
                 labelled: bool = False) -> Iterator[tuple[str, dict[str, str]]]:
        """Another tracker's CSV rows as dicts by header name, cells as written; `labelled`
        names the file in each row's `where`, for imports that read two."""
        return self._csv_rows(progress, neutralised=False, required=required, kind=kind,
                              label=f"{self.name} " if labelled else "")

    def json_document(self) -> Any:
        return self._json_document()

    def _open(self) -> io.BufferedIOBase:
        if self.content is not None:
            return bytes_opener(self.content)()
        try:
            return open(self.path, "rb")
        except OSError as exc:
            raise InvalidInput(f"cannot read {self.path}: {exc.strerror}.") from None

    def _json_document(self) -> Any:
        codec = self.decoding().codec
        with self._open() as file:
            content = file.read().decode("utf-8-sig" if codec == "utf-8" else codec)
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
        encoding = self.decoding()
        if not encoding.utf8:
            yield from self._transcoded_lines(encoding.codec, progress)
            return
        with self._open() as file:
            for number, raw in enumerate(_lines(file), start=1):
                where = f"line {number}"
                if number == 1:
                    raw = raw.removeprefix(codecs.BOM_UTF8)
                if not raw or raw.isspace():  # a BOM alone is no line either
                    continue
                yield where, raw  # decoded and checked in one step by objects.decode_forecast_line
                if progress and number % 1000 == 0:
                    progress(file.tell())

    def _transcoded_lines(self, codec: str, progress: Progress | None) -> Iterator[tuple[str, Any]]:
        """JSONL in another encoding: each line as UTF-8 bytes, as the fast path takes them."""
        with self._open() as raw:
            text = io.TextIOWrapper(raw, encoding=codec, newline="")
            for number, line in enumerate(text, start=1):
                if number == 1:
                    line = line.removeprefix("\ufeff")
                if not line.strip():
                    continue
                yield f"line {number}", line.encode("utf-8", errors="surrogatepass")
                if progress and number % 1000 == 0:
                    progress(raw.tell())

    def _csv_rows(self, progress: Progress | None, *, neutralised: bool, required: tuple[str, ...],
                  kind: str, label: str = "", columns: Callable[[list[str]], list[str | None]] | None = None
                  ) -> Iterator[tuple[str, dict[str, str]]]:
        """CSV rows as dicts by header name; `neutralised` undoes the export's formula quoting.
        `columns`, given the header, names the field of each column (None: leave it out).
        A header without every `required` column is refused, rows or none."""
        codec = self.decoding().codec
        with self._open() as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig" if codec == "utf-8" else codec, newline="")
            reader = csv.reader(text, strict=True)
            try:
                header = next(reader)
                line = reader.line_num + 1
                if len(set(header)) != len(header):
                    raise InvalidInput(f"{self.name} line 1: a column name appears twice in the header.")
                names = header if columns is None else columns(header)
                missing = [name for name in required if name not in names]
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
                                  for name, cell in zip(names, cells) if name is not None}
                    if progress and reader.line_num % 1000 == 0:
                        progress(raw.tell())
            except csv.Error as exc:
                raise InvalidInput(f"{self.name} line {reader.line_num}: not valid CSV ({exc}).") from None
            except StopIteration:
                raise InvalidInput(f"{self.name} has no header line.") from None


# Lines are read in parts of this many bytes at most; a longer one is kept in a file of its own.
LINE_PART = 1 << 20


def _lines(file: io.BufferedIOBase) -> Iterator[bytes | LongLine]:
    """The file's lines. A long one (a forecast with a long timeline) is written to a temporary
    file part by part (long_lines.py): in memory, it took its own size and more."""
    while line := file.readline(LINE_PART):
        if len(line) < LINE_PART or line.endswith(b"\n"):
            yield line
            continue
        long_line = LongLine.written(_rest_of_line(file, line))
        del line  # its first part, not kept while the line is used
        yield long_line


def _rest_of_line(file: io.BufferedIOBase, first: bytes) -> Iterator[bytes]:
    part = first
    while part:
        yield part
        if part.endswith(b"\n"):
            return
        part = file.readline(LINE_PART)


def _lowered(exc: Exception) -> str:
    text = str(exc)
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]  # "JSON is …" stays as it is


# CSV cells are text; these columns are read as the types the interchange objects use.
_CSV_INTEGERS = ("id", "review_every", "version")
# The fields a CSV column may give: those `export --format csv` writes, and the source's parts.
CSV_FIELDS = ("id", "key", "claim", "criteria", "source", "source.author", "source.outlet", "source.url",
              "source.published_on", "source.notes", "made_on", "resolve_by", "probability", "status", "tags",
              "review_every", "next_review_on", "created_at", "updated_at", "version", "deleted_at")
# Other names of those fields: the source's title, and its parts with `_` for the dot, so that
# a column `Source Author` gives `source.author`.
FIELD_ALIASES = {"source.title": "source", "source_title": "source",
                **{name.replace(".", "_"): name for name in CSV_FIELDS if name.startswith("source.")}}
DROP = "-"
_SEPARATORS = re.compile(r"[\s_-]+")


def header_key(name: str) -> str:
    """A column name as it is matched: case folded, ends stripped, and each run of spaces,
    underscores and hyphens one underscore (`Resolve By`, ` resolve_by `, `RESOLVE-BY` are one)."""
    stripped = name.strip().casefold()
    return stripped if stripped == DROP else _SEPARATORS.sub("_", stripped)


def status_key(word: str) -> str:
    """A status word as `--map-status` matches it: case folded, spaces collapsed."""
    return " ".join(word.casefold().split())


def csv_object(where: str, row: dict[str, str]) -> dict[str, Any]:
    """A forecast object from one CSV row of `tracker export --format csv`, or of a CSV whose
    columns were mapped to its fields. A source given without a title takes its author's name,
    else its outlet, else its URL, as its title."""
    item: dict[str, Any] = {}
    source: dict[str, str] = {}
    for name, cell in row.items():
        if name.startswith("source"):
            if cell:
                source["title" if name == "source" else name.split(".", 1)[1]] = cell
            continue
        if cell == "":
            item[name] = [] if name == "tags" else None
        elif name == "tags":
            item[name] = [tag for tag in cell.split(";") if tag]
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
    if source:
        source.setdefault("title", source.get("author") or source.get("outlet") or source.get("url") or "")
        item["source"] = source
    elif any(name.startswith("source") for name in row):
        item["source"] = None
    return item
