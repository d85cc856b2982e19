"""Long JSONL lines kept in a temporary file rather than in memory.

A forecast with a long timeline is one line of megabytes, nearly all of it its `events` and
`changes` arrays. The reader writes such a line to a temporary file as it reads it (a part at a
time), and `split` finds where each entry of those arrays is in it, so that the entries can be
decoded a page at a time (objects.RawEntries) and the rest of the object on its own. What the
line is made of is left to msgspec: `split` only finds the commas between entries, and gives
up (None) on anything it does not expect, for the caller to decode the line whole.
"""

import json
import os
import re
import tempfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

PART = 1 << 20  # bytes read or written at a time


class LongLine:
    """One line of the file, kept in a temporary file of its own from `start` to its end."""

    def __init__(self, file: BinaryIO, start: int = 0) -> None:
        self.file, self.start = file, start
        self.end = file.seek(0, os.SEEK_END)

    @classmethod
    def written(cls, parts: Iterator[bytes]) -> "LongLine":
        file = tempfile.TemporaryFile()
        for part in parts:
            file.write(part)
        file.flush()
        return cls(file)

    def __len__(self) -> int:
        return self.end - self.start

    def read(self, start: int, stop: int) -> bytes:
        """The bytes from `start` to `stop`, counted from the line's start."""
        return os.pread(self.file.fileno(), stop - start, self.start + start)

    def whole(self) -> bytes:
        return self.read(0, len(self))

    def startswith(self, prefix: bytes) -> bool:
        return self.read(0, len(prefix)) == prefix

    def removeprefix(self, prefix: bytes) -> "LongLine":
        return LongLine(self.file, self.start + len(prefix)) if self.startswith(prefix) else self

    def isspace(self) -> bool:
        return all(part.isspace() for part in parts(self))

    def __contains__(self, text: bytes) -> bool:
        """Whether `text` is in the line (a short text: parts overlap by its length)."""
        overlap = len(text) - 1
        return any(text in self.read(max(at - overlap, 0), min(at + PART, len(self)))
                   for at in range(0, len(self), PART))


class LineInMemory:
    """A long line already read whole (from a file in another encoding), as `split` reads lines."""

    def __init__(self, data: bytes | bytearray) -> None:
        self.data, self.view = data, memoryview(data)

    def __len__(self) -> int:
        return len(self.data)

    def read(self, start: int, stop: int) -> memoryview:
        return self.view[start:stop]

    def whole(self) -> bytes | bytearray:
        return self.data

    def __contains__(self, text: bytes) -> bool:
        return text in self.data


Line = LongLine | LineInMemory


def parts(line: Line) -> Iterator[bytes]:
    for at in range(0, len(line), PART):
        yield bytes(line.read(at, min(at + PART, len(line))))


@dataclass
class Split:
    """A long line's object without the entries of its split arrays (`rest`, those arrays
    left empty), and for each of them where its entries are: entry k runs from just after
    bounds[k] (the array's `[` or the comma before it) to bounds[k + 1]."""

    rest: bytes
    bounds: dict[str, array]


# What the scan stops at: a whole string (escapes skipped), the marks of arrays, objects and
# members, or the opening quote of a string not closed in the text read so far.
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},:"]', re.DOTALL)
_QUOTE, _OPEN = ord('"'), ord("{")
_SPACE = b" \t\r\n"


def split(line: Line, names: tuple[str, ...]) -> Split | None:
    """`line` as a JSON object with its arrays `names` split into entries (see Split); None if
    it is not an object, or anything the scan does not expect is found (the caller then
    decodes the whole line, which says what is wrong with it)."""
    bounds: dict[str, array] = {}
    named: set[str] = set()  # the names met as members
    rest: list[bytes] = []
    kept_from = 0  # where the part of the line `rest` takes next begins
    depth = 0
    key: bytes | None = None  # the last string at depth 1, perhaps a member's name
    splitting: array | None = None  # the bounds of the array being split, if one is
    filled = False  # whether a mark was met in it since its `[` (else it may hold only spaces)
    buffer, offset = b"", 0  # text not yet scanned, and where it begins in the line
    pieces = parts(line)
    at = 0
    while True:
        found = _TOKEN.search(buffer, at)
        if found is None or (buffer[found.start()] == _QUOTE and found.end() - found.start() == 1):
            more = next(pieces, None)
            if more is None:
                break
            # Text without marks is passed over; a string not yet closed is kept, up to a part
            # (a longer one, seldom met, is left to the decoding of the whole line).
            start = len(buffer) if found is None else found.start()
            if (depth == 0 and buffer[at:start].strip(_SPACE)) or len(buffer) - start > PART:
                return None
            buffer, offset, at = buffer[start:] + more, offset + start, 0
            continue
        place, at = offset + found.start(), found.end()
        if depth == 0 and (buffer[found.start()] != _OPEN or buffer[:found.start()].strip(_SPACE)):
            return None
        if buffer[found.start()] == _QUOTE:
            if depth == 1:
                key = found.group()
            filled = filled or splitting is not None
            continue
        mark = found.group()
        if mark in b"{[":
            filled = filled or splitting is not None
            depth += 1
            if mark == b"[" and depth == 2 and key is not None and (name := _name(key)) in names:
                splitting, filled = array("q", [place]), False
                bounds[name] = splitting
                rest.append(line.read(kept_from, place + 1))
        elif mark in b"}]":
            depth -= 1
            if depth == 1 and splitting is not None:
                if mark != b"]":
                    return None
                if filled or bytes(line.read(splitting[0] + 1, place)).strip(_SPACE):
                    splitting.append(place)
                kept_from, splitting = place, None
            if depth == 0:
                if buffer[at:].strip(_SPACE) or any(piece.strip(_SPACE) for piece in pieces):
                    return None
                rest.append(line.read(kept_from, place + 1))
                return Split(b"".join(rest), bounds)
        elif mark == b"," and depth == 2 and splitting is not None:
            splitting.append(place)
            filled = True
        elif depth == 1 and mark == b":" and key is not None:
            name = _name(key)
            if name in names:  # given twice, the last wins: the whole line's decoding says which
                if name in named:
                    return None
                named.add(name)
        elif depth == 1:
            key = None
    return None


def _name(key: bytes) -> str:
    """A member's name, as a JSON parser reads the string (quotes included) it is written as."""
    if b"\\" not in key:
        return key[1:-1].decode("utf-8", errors="replace")
    try:
        return json.loads(key)
    except ValueError:  # not a string JSON can read: the whole line's decoding says why
        return ""
