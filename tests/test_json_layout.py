"""Indented JSON (`--format json`, `export`) is laid out exactly as json.dumps(…, indent=2) lays
it out, whatever the values: scripts and diffs rely on the bytes."""

import datetime as dt
import json

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
    expected = json.dumps(document, default=json_value, ensure_ascii=False, indent=2)
    assert to_json(document, indent=2) == expected
