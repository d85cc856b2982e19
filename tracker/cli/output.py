"""The one renderer: every read command's table, JSON, JSONL and CSV come from here.

JSON keys are the contract of SPEC section 3 and never depend on the terminal or settings;
timestamps are UTC in JSON and local time in tables. Every command loads this module, `--help`
too, so what only rendering needs (json, csv, the layout of tables and its
width tables) is imported when rendering; the width, colour and pager of the terminal are
decided in `terminal.py`.
"""

import datetime as dt
import itertools
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import click

from tracker.errors import InvalidInput
from tracker.formulas import neutralise
from tracker.probability import rounded

FORMATS = ("table", "json", "jsonl", "csv")

# What a terminal acts on instead of showing: the C0 controls but the line break (ESC starts the
# sequences that move the cursor or retitle the window, CR returns over what was written), DEL,
# the C1 controls, and the bidirectional overrides and isolates that reorder the text after them.
_UNSHOWABLE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ESCAPES = {"\t": "\\t", "\r": "\\r"}


def visible(text: str) -> str:
    """Text that is safe to print on a terminal: each control character but the line break is
    shown as an escape, `\\r`, `\\t`, `\\x1b`, `\\u202e`, so that nothing held in the ledger can
    move the cursor, restyle or retitle the terminal, overwrite a line or reorder it."""
    return _UNSHOWABLE.sub(_escape, text)


def _escape(match: re.Match) -> str:
    char = match.group()
    code = ord(char)
    return _ESCAPES.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def format_option(command=None, *, extra: tuple[str, ...] = ()):
    """Give a read command the same --format option as every other (plus any `extra` formats)."""
    decorator = click.option(
        "--format", "fmt", type=click.Choice(FORMATS + extra), default="table", show_default=True,
        help="Output format; scripts should ask for json.",
    )
    return decorator if command is None else decorator(command)


def json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(data: Any, *, indent: int | None = None) -> str:
    """JSON text of `data`, the same wherever it goes. JSON escapes the C0 controls itself; what
    else a terminal acts on (DEL, the C1 controls, the bidirectional overrides and isolates) is
    written as a \\uXXXX escape too, which every JSON reader turns back into the same character:
    the data is kept exactly, and `--format json` printed on a terminal cannot act on it."""
    return laid_out(compact_json(data), indent)


def compact_json(data: Any) -> str:
    import json

    return json.dumps(data, default=json_value, ensure_ascii=False)


def laid_out(text: str, indent: int | None) -> str:
    """`to_json`'s text from the compact JSON text of the same data."""
    if indent is not None:
        # json indents with its pure-Python encoder, several times slower than its C one; msgspec
        # lays the compact text out exactly as json.dumps(…, indent=…) would, but refuses NaN and
        # Infinity, which json reads back as the same floats.
        import msgspec

        try:
            text = msgspec.json.format(text, indent=indent)
        except msgspec.DecodeError:
            import json

            text = json.dumps(json.loads(text), ensure_ascii=False, indent=indent)
    # Outside its strings JSON holds only ASCII punctuation, digits, letters and spaces, so these
    # characters can only be inside strings, where an escape means the same.
    return _JSON_UNSHOWABLE.sub(_json_escape, text)


_WRITTEN_ALIKE = frozenset((str, int, bool, type(None)))
_WITHOUT_EXPONENT = (1e-4, 1e16)


class RowJSON(str):
    """A row's compact JSON text, its numbers rounded as `emit` rounds them: a row written in many
    places (a forecast listed in each of its groups' scorecards) is encoded once, then kept as text."""

    __slots__ = ()

    @classmethod
    def of(cls, row: dict[str, Any]) -> "RowJSON":
        """The text `compact_json(numbers_rounded(row))` gives, written by msgspec (several times
        faster) when every name is text and every value one msgspec writes the same: text, a whole
        number, a truth value, null, a moment, or a float that neither writes with an exponent
        (Python from 1e16 and below 1e-4, msgspec elsewhere)."""
        import msgspec

        plain = {}
        for name, value in row.items():
            kind = type(value)
            if type(name) is not str:
                return cls(compact_json(numbers_rounded(row)))
            if kind is float:
                value = rounded(value)
                if value != 0 and not _WITHOUT_EXPONENT[0] <= abs(value) < _WITHOUT_EXPONENT[1]:
                    return cls(compact_json(numbers_rounded(row)))
            elif kind is dt.datetime:
                value = json_value(value)
            elif kind not in _WRITTEN_ALIKE or (kind is int and abs(value) >= 2**63):
                return cls(compact_json(numbers_rounded(row)))
            plain[name] = value
        try:
            # indent 0: one line, with json's spaces after its commas and colons.
            return cls(msgspec.json.format(msgspec.json.encode(plain), indent=0).decode())
        except UnicodeEncodeError:  # a lone surrogate, which json writes as it is
            return cls(compact_json(numbers_rounded(row)))


class RowJSONCodec:
    """How a listing keeps rows that will be written as JSON (see `RowJSON`), in bytes."""

    @staticmethod
    def encode(row: Any) -> bytes:
        return RowJSON.of(row).encode()

    @staticmethod
    def decode(data: bytes) -> RowJSON:
        return RowJSON(data.decode())


_JSON_UNSHOWABLE = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _json_escape(match: re.Match) -> str:
    return f"\\u{ord(match.group()):04x}"


def csv_cell(value: Any) -> str:
    """A value as CSV text, neutralised so that no spreadsheet runs it as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(rounded(value))  # numbers stay numbers: a spreadsheet runs no formula from them
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, list):
        text = ";".join(str(item) for item in value)
    elif isinstance(value, dict):
        text = str(value["title"]) if "title" in value else to_json(value)
    elif isinstance(value, (dt.date, dt.datetime)):
        text = json_value(value)
    else:
        text = str(value)
    return neutralise(text)


def write_csv(rows: Sequence[dict[str, Any]]) -> None:
    columns: list[str] = []
    for row in rows:
        columns += [name for name, value in row.items() if name not in columns and not is_nested(value)]
    write_csv_rows(columns, rows, sys.stdout)


def write_csv_rows(columns: Sequence[str], rows: Iterable[dict[str, Any]], stream: TextIO) -> None:
    """The one CSV writer: a header, then one line a row, written as the rows come."""
    import csv

    # The csv module quotes a cell holding any character of the line terminator, and no other
    # line break: with "\n" alone, a lone "\r" in a cell would go unquoted and split the row for
    # every reader. So rows are made with "\r\n" and written with "\n".
    writer = csv.writer(_EndingInNewline(stream), lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(name)) for name in columns])


class _EndingInNewline:
    """A stream that writes each row the csv module hands it with "\n" in place of its "\r\n"."""

    def __init__(self, stream: TextIO) -> None:
        self.write_to = stream.write

    def write(self, row: str) -> int:
        return self.write_to(row[:-2] + "\n")


def is_nested(value: Any) -> bool:
    return isinstance(value, list) and any(isinstance(item, dict) for item in value)


def numbers_rounded(data: Any) -> Any:
    """`data` with every float in it rounded as every output rounds it (`probability.rounded`);
    the rows of an iterator in it as they come."""
    # By exact type, most common first: a scorecard listing holds a few hundred thousand values.
    kind = type(data)
    if kind is dict:
        return {name: value if type(value) in _LEFT_AS_THEY_ARE else numbers_rounded(value)
                for name, value in data.items()}
    if kind is list or kind is tuple:
        return [value if type(value) in _LEFT_AS_THEY_ARE else numbers_rounded(value) for value in data]
    if kind is float:
        return rounded(data)
    if isinstance(data, Iterator):
        return map(numbers_rounded, data)
    return data


_LEFT_AS_THEY_ARE = frozenset((str, int, bool, type(None), RowJSON))


def emit(data: dict[str, Any] | list[dict[str, Any]] | Iterator[dict[str, Any]], fmt: str,
         table: Callable[[Any], str], *, empty: str | None = None) -> None:
    """Write a command's result to stdout in the format asked for; `empty` is what a table
    says on stderr when there are no rows (machine formats give an empty array instead).

    Rows given as an iterator (the result, or a list in it) are written as they come, the same
    text a list of them gives: a command showing rows without end holds a page of them, not
    all. A table keeps their cells, to line its columns up; CSV reads them all first, as its
    header names every column any row has."""
    if isinstance(data, Iterator):
        first = next(data, None)
        data = [] if first is None else itertools.chain([first], data)
    if fmt in ("json", "jsonl"):
        data = numbers_rounded(data)
    rows = data if isinstance(data, (list, Iterator)) else [data]
    if fmt == "json":
        for part in json_parts(data, 2):
            sys.stdout.write(part)
        sys.stdout.write("\n")
    elif fmt == "jsonl":
        for row in rows:
            for part in json_parts(row, None):
                sys.stdout.write(part)
            sys.stdout.write("\n")
    elif fmt == "csv":
        write_csv([gathered(row) for row in rows])
    else:
        if empty and not data:
            message(empty)
        text = table(data)
        if text:
            show(text)


def show(text: str) -> None:
    """Write table text to stdout: through the pager on a terminal, in colour where asked for."""
    from tracker.cli import terminal

    colour = terminal.color_on()
    text = visible_keeping_colour(text) if colour else visible(text)
    if not terminal.page(text, color=colour):
        click.echo(text, color=colour)


_SGR = re.compile(r"(\x1b\[[0-9;]*m)")


def visible_keeping_colour(text: str) -> str:
    """`visible(text)` but for the colour sequences the renderer put in (user text in it was
    made visible cell by cell before it was coloured)."""
    return "".join(part if number % 2 else visible(part) for number, part in enumerate(_SGR.split(text)))


# What is never rows, by exact type (most values are one of these): checked first, as it is fast.
_PLAIN = frozenset((str, int, float, bool, type(None), list, tuple, dict, dt.date, dt.datetime, RowJSON))
# Plain items of rows (or of an object holding rows) encoded together, at most: one call each run.
_RUN = 256


def is_rows(value: Any) -> bool:
    """Rows written as they come: an iterator, or what is read anew each time it is iterated
    (an exported forecast's timeline): anything iterable but text and JSON's own arrays and objects."""
    return type(value) not in _PLAIN and isinstance(value, Iterable) and not isinstance(value, (str, list, tuple, dict))


def holds_rows(value: Any) -> bool:
    if type(value) is dict:
        values = value.values()
        return not _PLAIN.issuperset(map(type, values)) and any(map(is_rows, values))
    return is_rows(value)


def gathered(row: dict[str, Any]) -> dict[str, Any]:
    return {name: list(value) if isinstance(value, Iterator) else value for name, value in row.items()}


def json_parts(value: Any, indent: int | None, level: int = 0) -> Iterator[str]:
    """`to_json(value, indent=indent)` in parts, as the rows of its iterators come (at `level`
    of nesting). Items that hold no rows are encoded a run at a time, an array or object of
    them whose text between its brackets is theirs."""
    margin = "" if indent is None else "\n" + " " * (indent * level)
    if not holds_rows(value):
        yield to_json(value, indent=indent).replace("\n", margin) if indent else to_json(value, indent=indent)
        return
    rows = is_rows(value)
    opening, closing = "[]" if rows else "{}"
    count = 0
    for run in _runs(iter(value) if rows else iter(value.items()), rows):
        separator = opening if not count else ", " if indent is None else ","
        if type(run) is list:
            text = laid_out("[" + ", ".join(run) + "]", indent) if rows and type(run[0]) is RowJSON \
                else to_json(run if rows else dict(run), indent=indent)
            yield separator + (text[1:-1] if indent is None else text[1:-2].replace("\n", margin))
        else:
            key, item = run
            yield separator + ("" if indent is None else margin + " " * indent)
            if not rows:
                yield to_json(key) + ": "
            yield from json_parts(item, indent, level + 1)
        count += 1
    yield opening + closing if not count else margin + closing


def _runs(items: Iterator[Any], rows: bool) -> Iterator[list[Any] | tuple[Any, Any]]:
    """The items of rows (or an object's (key, value) items) in runs of up to `_RUN` that hold no
    rows, as lists, and each one that does alone, as (key, item) (key None for rows)."""
    run: list[Any] = []
    for item in items:
        if holds_rows(item if rows else item[1]):
            if run:
                yield run
                run = []
            yield (None, item) if rows else item
        else:
            run.append(item)
            if len(run) == _RUN:
                yield run
                run = []
    if run:
        yield run


def local_time(value: dt.datetime | None) -> str:
    if value is None:
        return "-"
    try:
        local = value.astimezone()
    except OverflowError:  # a moment at the calendar's edge, in a zone beyond it
        local = value.astimezone(dt.timezone.utc)
    return f"{local:%Y}".zfill(4) + f"{local:-%m-%d %H:%M}"


def plain(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dt.datetime):
        return local_time(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "-"
    return str(value)


def render_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, give: Sequence[int] = (),
                 one_line: bool = False, colours: dict[int, Callable[[str], str | None]] | None = None,
                 margin: int = 0) -> str:
    """Aligned columns, measured in display width. Where output has a width (a terminal, or
    COLUMNS) and `margin` columns are kept free, the table fits it: the last column keeps most of
    the room, the columns in `give` shrink for it, and a cell too long is wrapped (`one_line`:
    cut) at word boundaries. Elsewhere nothing is cut. `colours` colours a column's cells by
    their text, on a terminal that takes colour. `rows` may be an iterator: only their cells
    are kept, to measure the columns."""
    from tracker.cli import layout, terminal

    # Escaped before measuring, so that the columns line up with what is shown.
    cells = [[visible(plain(value).replace("\n", " ")) for value in row] for row in rows]
    limit = terminal.width()
    return layout.table(headers, cells, limit=None if limit is None else max(limit - margin, 1), give=give,
                        one_line=one_line, colours=colours, paint=click.style if terminal.color_on() else None)


def paint(text: str, colour: str | None) -> str:
    """`text` in `colour` where output is coloured; as it is otherwise."""
    from tracker.cli import terminal

    return click.style(text, fg=colour) if colour and terminal.color_on() else text


def wrapped(text: str, *, first: str = "", rest: str = "", stream: TextIO | None = None) -> str:
    """Running text wrapped at word boundaries to the terminal's width (or a readable default),
    each line after the first starting with `rest`; URLs are never broken."""
    from tracker.cli import layout, terminal

    return "\n".join(layout.wrap(visible(text), terminal.text_width(stream), first=first, rest=rest))


def error_text(text: str) -> str:
    """An error's text, safe for a terminal, and wrapped to its width when stderr is one (Click
    puts `Error: ` before it)."""
    if not sys.stderr.isatty():
        return visible(text)
    return wrapped(text, first="Error: ", rest="  ", stream=sys.stderr).removeprefix("Error: ")


def message(text: str) -> None:
    """Tell the user what happened, on stderr, so that stdout stays data; wrapped to the
    terminal's width when stderr is one."""
    if sys.stderr.isatty():
        text = "\n".join(map(wrapped_message_line, text.split("\n")))
    click.echo(visible(text), err=True)


def wrapped_message_line(line: str) -> str:
    """A line of a message wrapped to stderr's terminal: its own indent kept, then two more."""
    words = line.lstrip()
    indent = line[:len(line) - len(words)]
    return wrapped(words, first=indent, rest=indent + "  ", stream=sys.stderr)


def is_stdout(path: Path | str | None) -> bool:
    return path is None or str(path) == "-"


@contextmanager
def output_stream(path: Path | str | None, *, ledger: Path | None) -> Iterator[TextIO]:
    """Where `-o` sends a command's output: standard output for none or `-`; otherwise the file,
    written whole or not at all, and never one of the files of `ledger` (the SQLite file the
    command reads, None for a server): that is refused before anything is written.

    The output fills a temporary file beside the file and is renamed into place once complete,
    so a failure leaves the old file as it was. Through a symbolic link the file it points to
    is replaced and the link stays; a new file is readable by its owner only. A device or a
    pipe (/dev/stdout, a named pipe) is written through.
    """
    if is_stdout(path):
        yield sys.stdout
        return
    import stat

    from tracker.storage.files import refuse_ledger_file, written_whole

    path = Path(path)
    if ledger is not None:
        refuse_ledger_file(path, ledger)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise InvalidInput(cannot_write(path, exc)) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise InvalidInput(f"cannot write {path}: it is a folder; choose another -o path.")
    folder = Path(os.path.realpath(path)).parent
    if mode is None and not folder.is_dir():
        raise InvalidInput(f"cannot write {path}: {folder} is not an existing folder; choose another -o path.")
    try:
        if mode is not None and not stat.S_ISREG(mode):
            with open(path, "w", encoding="utf-8", newline="") as stream:
                yield stream
            return
        with written_whole(path, replace=True) as temporary, \
                open(temporary, "w", encoding="utf-8", newline="") as stream:
            yield stream
    except OSError as exc:
        raise InvalidInput(cannot_write(path, exc)) from None


def cannot_write(path: Path, exc: OSError) -> str:
    return f"cannot write {path}: {exc.strerror or exc}; choose another -o path."
