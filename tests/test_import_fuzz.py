"""Import-file fuzzing and crashes: any file gets a clean answer, a failed import changes
nothing, and an import killed midway leaves all of it or none."""

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import dump, ok, run, run_json

EXAMPLES = int(os.environ.get("TRACKER_IMPORT_FUZZ_EXAMPLES", "1000"))

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**12), st.floats(allow_nan=True),
                    st.text(max_size=20), st.sampled_from(["open", "confirmed", "void", "2025-08-15", "0.7",
                                                           "2026-02-30", "+30d", "", "x" * 300]))
fields = st.sampled_from(["key", "claim", "criteria", "status", "probability", "made_on", "resolve_by", "tags",
                          "review_every", "source", "evidence", "events", "id", "version", "deleted_at", "bogus"])
forecast_objects = st.dictionaries(fields, st.one_of(scalars, st.lists(scalars, max_size=3),
                                                     st.dictionaries(st.text(max_size=8), scalars, max_size=3)),
                                   max_size=8)
documents = st.one_of(
    st.lists(forecast_objects, max_size=4).map(lambda items: json.dumps({"version": 1, "forecasts": items})),
    st.lists(forecast_objects, max_size=4).map(lambda items: "\n".join(json.dumps(i) for i in items)),
    st.lists(forecast_objects, max_size=4).map(json.dumps),
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
)


@pytest.mark.sqlite_only
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(content=documents, suffix=st.sampled_from([".json", ".jsonl", ".csv"]), cut=st.integers(0, 50))
def test_any_import_file_gets_a_clean_answer(seeded, tmp_path, content, suffix, cut):
    if cut:  # sometimes a file cut short, as a failed download leaves it
        content = content[: max(0, len(content) - cut)]
    path = tmp_path / f"fuzz{suffix}"
    path.write_text(content, encoding="utf-8", errors="surrogateescape")
    before = dump(seeded)
    result = run("import", path)
    assert result.exit_code in (0, 1, 2), (content, result.exit_code, repr(result.exception))
    assert result.exception is None or isinstance(result.exception, SystemExit), (content, repr(result.exception))
    assert "Traceback" not in result.stderr
    if result.exit_code != 0:
        assert result.stderr.startswith("Error:"), result.stderr
        assert dump(seeded) == before


RECORDS = 400


def copy_sqlite(source, destination) -> None:
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(destination)) as dst:
        src.backup(dst)


@pytest.mark.sqlite_only
def test_an_import_killed_midway_lands_whole_or_not_at_all(seeded, tmp_path):
    big = tmp_path / "big.jsonl"
    big.write_text("".join(json.dumps({"key": f"bulk-{n}", "claim": f"claim number {n}", "tags": ["bulk"],
                                       "probability": n % 100 / 100}) + "\n" for n in range(RECORDS)))
    pristine = tmp_path / "pristine.db"
    copy_sqlite(seeded.path, pristine)
    started = time.monotonic()
    ok("--db", tmp_path / "timing.db", "import", big)
    longest = time.monotonic() - started + 0.5  # measured in-process: add a child's start-up
    rng = random.Random(4242)
    outcomes = []
    for n in range(30):
        copy_sqlite(pristine, seeded.path)
        process = subprocess.Popen([sys.executable, "-m", "tracker", "import", str(big)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, longest))
        killed = process.poll() is None
        if killed:
            process.send_signal(signal.SIGKILL)
        process.wait()
        count = len(run_json("list", "--tag", "bulk"))
        assert count in (0, RECORDS), f"run {n}: {count} of {RECORDS} forecasts landed"
        ok("doctor")
        outcomes.append((killed, count))
    assert any(killed for killed, _ in outcomes), "every import finished before the kill"
