"""`long_lines.split` finds each entry of a long line's arrays where a JSON parser finds it, in
any JSON object, read in parts of any size, in memory or from a file; and gives up on what is not
one object, for the line to be decoded whole."""

import json
import re
import tempfile

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.services import long_lines, objects
from tracker.services.long_lines import LineInMemory, LongLine, split

pytestmark = pytest.mark.sqlite_only  # no ledger: the same on every backend

NAMES = ("events", "changes")
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=8)
OTHERS = st.dictionaries(st.text(max_size=8).filter(lambda name: name not in NAMES), VALUES, max_size=4)
# The ways a JSON writer lays an object out: compact, spaced, indented, non-ASCII escaped or not.
STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
LAYOUTS = st.sampled_from([{"separators": (",", ":")}, {}, {"indent": 1}, {"ensure_ascii": False},
                           {"separators": (" , ", " : "), "ensure_ascii": False}])


def lines_of(text: bytes):
    """The same text as a line read whole and as a line kept in a file."""
    file = tempfile.TemporaryFile()
    file.write(text)
    return [LineInMemory(text), LongLine(file)]


def entries(line, bounds) -> list:
    return [json.loads(bytes(line.read(bounds[k] + 1, bounds[k + 1]))) for k in range(len(bounds) - 1)]


@given(others=OTHERS, arrays=st.dictionaries(st.sampled_from(NAMES), st.lists(VALUES, max_size=5)),
       layout=LAYOUTS, part=st.integers(1, 40), first=st.booleans())
def test_each_entry_is_found_where_a_json_parser_finds_it(others, arrays, layout, part, first):
    document = {**arrays, **others} if first else {**others, **arrays}
    text = json.dumps(document, **layout).encode()
    longest_string = max(map(len, STRING.findall(text)), default=0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(long_lines, "PART", part)
        for line in lines_of(text):
            found = split(line, NAMES)
            if found is None:  # a string longer than a part is left to the whole line's decoding
                assert longest_string > part
                continue
            assert set(found.bounds) == set(arrays)
            for name, items in arrays.items():
                assert entries(line, found.bounds[name]) == items
            assert json.loads(found.rest) == {**document, **{name: [] for name in arrays}}


@pytest.mark.parametrize("text", [
    b'[{"events": [1]}]',  # not an object
    b'  "events"',
    b'{"events": [1, 2]',  # not closed
    b'{"events": [1, 2], "note": "open}',
    b'{"events": [1]} {"events": [2]}',  # more after the object
    b'{"events": [1], "events": [2]}',  # the array twice: the last wins, as the whole line's decoding sees
    b'{"events": [1], "events": null}',
    b'{"events": [1], "ev\\u0065nts": []}',
    b'{"events": ["a string longer than a part of the line"]}',
    b'{"events": {"a": [1]}]}',  # closed by the wrong mark
])
def test_what_is_not_one_object_is_left_whole(text, monkeypatch):
    monkeypatch.setattr(long_lines, "PART", 16)
    for line in lines_of(text):
        assert split(line, NAMES) is None


def test_entries_that_are_not_json_are_found_before_anything_is_made_of_them():
    for text, well_formed in [(b'{"events": [{"a": 1}, {"b": 2}]}', True), (b'{"events": [{"a": 1} {"b": 2}]}', False),
                              (b'{"events": [1,]}', False), (b'{"events": [,1]}', False), (b'{"events": [  ]}', True),
                              (b'{"events": [{"a": tru}]}', False)]:
        for line in lines_of(text):
            found = split(line, NAMES)
            raw = objects.RawEntries("line 1", "events", line, found.bounds["events"], objects._RAW_ENTRIES, False)
            assert raw.well_formed() == well_formed, text


def test_a_name_written_with_an_escape_is_read_as_a_json_parser_reads_it():
    for line in lines_of(b'{"ev\\u0065nts": [1, 2], "changes": []}'):
        found = split(line, NAMES)
        assert entries(line, found.bounds["events"]) == [1, 2] and entries(line, found.bounds["changes"]) == []
