"""Indented JSON (`--format json`, `export`) is laid out exactly as json.dumps(…, indent=2) lays
it out, whatever the values: scripts and diffs rely on the bytes. The one difference: what a
terminal acts on and JSON does not escape itself (DEL, C1 controls, bidirectional overrides) is
written as a \\uXXXX escape, which reads back as the same text."""

import datetime as dt
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.cli.output import json_value, to_json

# A pure function: one run is enough, not one per database backend.
pytestmark = pytest.mark.sqlite_only

texts = st.text(st.characters(blacklist_categories=("Cs",)))
moments = st.datetimes(timezones=st.just(dt.timezone.utc))
scalars = st.none() | st.booleans() | st.integers() | st.floats() | texts | st.dates() | moments
documents = st.recursive(scalars, lambda inner: st.lists(inner) | st.dictionaries(texts, inner), max_leaves=20)


@settings(max_examples=500, deadline=None)
@given(documents)
def test_indented_json_is_what_json_dumps_gives(document):
    expected = TERMINAL_ACTIVE.sub(lambda m: f"\\u{ord(m.group()):04x}",
                                   json.dumps(document, default=json_value, ensure_ascii=False, indent=2))
    assert to_json(document, indent=2) == expected


TERMINAL_ACTIVE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@settings(max_examples=300, deadline=None)
@given(documents)
def test_json_holds_nothing_a_terminal_acts_on_and_reads_back_the_same(document):
    for indent in (None, 2):
        written = to_json(document, indent=indent)
        assert not TERMINAL_ACTIVE.search(written) and not re.search("[\x00-\x1f]", written.replace("\n", ""))
        plain = json.dumps(document, default=json_value, ensure_ascii=False)
        assert json.dumps(json.loads(written)) == json.dumps(json.loads(plain))  # the same data


floats_near_the_edges = st.sampled_from([1e-4, 9.99999e-5, 1e16, 9.9999e15, 1e-300, 5e-324, -0.0, 0.0]) | st.floats()
flat_values = (st.none() | st.booleans() | st.integers() | floats_near_the_edges | texts | moments
               | st.text(st.characters(categories=("Cs", "Cc", "Zl", "Zp"))))


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(texts | st.integers() | st.booleans(), flat_values, max_size=8))
def test_a_rows_json_written_once_is_the_json_written_each_time(row):
    """A scorecard listing keeps each forecast's row as its JSON text, written by msgspec where
    it writes what json writes: the text is the one the row, rounded, gives through json."""
    from tracker.cli.output import RowJSON, compact_json, numbers_rounded

    assert RowJSON.of(row) == compact_json(numbers_rounded(row))
