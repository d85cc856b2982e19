"""Which text encoding an import file is in: found from its bytes, or given with `--encoding`.

The rule, in order:

1. `--encoding NAME` is used as given (any codec Python knows), and the whole file is checked
   against it before anything is read.
2. A byte-order mark decides: UTF-8's (`EF BB BF`), or UTF-16's (`FF FE`, `FE FF`).
3. Otherwise the file is read as UTF-8 if every byte of it is valid UTF-8.
4. Otherwise, if every byte is defined in Windows-1252 (cp1252, what Excel on Windows saves as
   "CSV") and the text has no control characters other than tab, newline and carriage return,
   it is read as cp1252, and the import says so.
5. Otherwise the file is refused, naming the line and byte of the first byte that is not UTF-8.

Nothing guesses beyond that: a file in another 8-bit encoding (Latin-2, KOI8-R) that happens to
decode as cp1252 needs `--encoding`.
"""

import codecs
import io
import re
from dataclasses import dataclass

from tracker.errors import InvalidInput

CHUNK = 1 << 20
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Text that has these is not text: a binary file that cp1252 happens to decode.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
UTF8 = ("utf-8", "utf-8-sig")


@dataclass(frozen=True)
class Encoding:
    """The codec to read a file with, and what to tell the user about how it was chosen."""

    codec: str
    note: str | None = None

    @property
    def utf8(self) -> bool:
        return self.codec in UTF8


@dataclass(frozen=True)
class BadByte:
    offset: int  # from the start of the file, 0-based
    value: int


def detect(opened, name: str, forced: str | None) -> Encoding:
    """The encoding of the file `opened()` gives (a fresh binary stream each call)."""
    if forced is not None:
        try:
            codec = codecs.lookup(forced).name
        except LookupError:
            raise InvalidInput(f"--encoding {forced!r} is not an encoding this Python knows; "
                               "try utf-8, utf-16, cp1252 or latin-1.") from None
        if codec == "utf-8":
            codec = "utf-8-sig"  # a BOM is not text, whatever the encoding is called
        if bad := _first_bad_byte(opened, codec):
            raise InvalidInput(_refusal(opened, name, codec, bad, f"is not {forced} text"))
        return Encoding(codec)
    with opened() as stream:
        head = stream.read(4)
    for bom, codec in _BOMS:
        if head.startswith(bom):
            if codec != "utf-8-sig" and (bad := _first_bad_byte(opened, codec)):
                raise InvalidInput(_refusal(opened, name, codec, bad, "starts as UTF-16 but is not UTF-16 text"))
            if codec == "utf-8-sig" and (bad := _first_bad_byte(opened, codec)):
                raise InvalidInput(_refusal(opened, name, codec, bad, "is not UTF-8 text"))
            return Encoding(codec)
    bad = _first_bad_byte(opened, "utf-8")
    if bad is None:
        return Encoding("utf-8")
    not_cp1252 = _first_bad_byte(opened, "cp1252", reject_controls=True)
    if not_cp1252 is None:
        line, _ = _position(opened, "cp1252", bad.offset)
        return Encoding("cp1252", f"{name} is not UTF-8 (line {line} has byte 0x{bad.value:02X}); read it as "
                                  "Windows-1252 (cp1252), as Excel saves it. If that is wrong, give --encoding.")
    raise InvalidInput(_refusal(opened, name, "utf-8", bad, "is not UTF-8 text",
                                f"; nor is it Windows-1252 (cp1252): {_where(opened, 'cp1252', not_cp1252)}"))


def _first_bad_byte(opened, codec: str, *, reject_controls: bool = False) -> BadByte | None:
    """Where decoding the whole file with `codec` first fails, in chunks so that memory stays small."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    offset = 0
    with opened() as stream:
        while True:
            chunk = stream.read(CHUNK)
            pending = len(decoder.getstate()[0])
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                start = offset - pending + exc.start
                return BadByte(start, exc.object[exc.start])
            if reject_controls and (found := _CONTROL.search(text)):
                # A control character is one byte in cp1252, the only codec this is asked of.
                return BadByte(offset - pending + found.start(), ord(found.group()))
            if not chunk:
                return None
            offset += len(chunk)


def _position(opened, codec: str, offset: int) -> tuple[int, int]:
    """The 1-based line of the byte at `offset`, and the byte's 1-based place in that line."""
    with opened() as stream:
        before = stream.read(offset)
    if codec in ("utf-16", "utf-16-le", "utf-16-be"):
        text = before[: len(before) & ~1].decode(codec, errors="replace")
        return text.count("\n") + 1, 0
    line_start = before.rfind(b"\n") + 1
    return before.count(b"\n") + 1, offset - line_start + 1


def _where(opened, codec: str, bad: BadByte) -> str:
    line, column = _position(opened, codec, bad.offset)
    within = f"byte {column} of the line, " if column else ""
    return f"line {line} ({within}offset {bad.offset} in the file) has byte 0x{bad.value:02X}"


def _refusal(opened, name: str, codec: str, bad: BadByte, what: str, more: str = "") -> str:
    return (f"{name} {what}: {_where(opened, codec, bad)}{more}. If it is in another encoding, give --encoding "
            "(such as cp1252 or utf-16); is this the right file?")


def bytes_opener(content: bytes):
    return lambda: io.BytesIO(content)
