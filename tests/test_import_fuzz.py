"""Import-file fuzzing and crashes: any file gets a clean answer, a failed import changes
nothing, and an import killed midway leaves all of it or none."""

import csv
import io
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
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import dump, ok, run, run_json
from test_fuzz import FUZZ_SETTINGS, assert_clean_answer, examples

EXAMPLES = examples("TRACKER_IMPORT_FUZZ_EXAMPLES")

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
@settings(**EXAMPLES, **FUZZ_SETTINGS)
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


# Every import format, tracker's and other trackers', with hostile bytes: text that is not
# UTF-8, control characters, huge and odd numbers, values of the wrong JSON type, deep nesting
# and moments at the calendar's edges, in files shaped enough like each format to get past
# its first checks.
EDGES = ["9999-12-31T23:59:59.999999Z", "0001-01-01T00:30+01:00", "9999-12-31", "0001-01-01", "2026-02-30",
         "12/31/99 25:61", "1e999", "-1e309", "NaN", "Infinity", str(2**64 + 1), "-0", "1_000", "０.５",
         "\x1b]0;owned\x07", "a\rb", "\u202e", "=cmd|' /C calc'!A0", "", "NA", "YES", "NO", "AMBIGUOUS",
         "true", "null", "[]", "{}", "x" * 300]
hostile_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.sampled_from(EDGES))
json_values = st.recursive(hostile_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=6) | st.sampled_from(sorted(set(
                               ["claim", "key", "id", "description", "created_at", "deadline", "outcome",
                                "responses", "confidence", "user_id", "user_label", "comment", "withdrawn",
                                "predictions", "forecasts", "version", "events", "at", "kind"]))), inner, max_size=5),
                           max_leaves=25)
COLUMNS = {
    "fatebook": ["Question title", "Multiple choice option", "Forecast created by", "Forecast (scale = 0-1)",
                 "Forecast created at", "Question created by", "Question created at", "Question resolve by",
                 "Resolution", "Resolved at", "Question notes", "Question comments"],
    "iqisa": ["question_id", "user_id", "probability", "timestamp", "answer_option", "team_id"],
    "gjp": ["ifp_id", "user_id", "answer_option", "value", "timestamp", "fcast_date"],
    "questions": ["question_id", "ifp_id", "q_title", "q_text", "q_status", "date_start", "open_time", "close_time",
                  "resolve_time", "outcome", "options", "q_desc"],
    "tracker": ["key", "claim", "criteria", "status", "probability", "made_on", "resolve_by", "tags",
                "review_every", "id", "version"],
}


def csv_file(kind: str) -> st.SearchStrategy[bytes]:
    def write(columns: list[str], rows: list[list[str]]) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows([(row + [""] * len(columns))[: len(columns) + (len(row) > len(columns))] for row in rows])
        return out.getvalue().encode("utf-8", "surrogateescape")

    cells = st.one_of(st.sampled_from(EDGES), st.text(max_size=12), st.integers(-(2**70), 2**70).map(str),
                      st.floats().map(str), st.sampled_from(["1", "2", "0.7", "a", "b", "2024-01-05 09:14:7"]))
    return st.builds(write, st.lists(st.sampled_from(COLUMNS[kind]), min_size=1, max_size=len(COLUMNS[kind]),
                                     unique=True).map(lambda found: found),
                     st.lists(st.lists(cells, max_size=14), max_size=5))


def spoiled(content: bytes, data) -> bytes:
    """Sometimes bytes that are not UTF-8, a control character, or a cut, at a chosen place."""
    how = data.draw(st.sampled_from(["as is", "as is", "bad byte", "control", "cut", "deep"]))
    place = data.draw(st.integers(0, len(content)))
    if how == "bad byte":
        return content[:place] + data.draw(st.sampled_from([b"\xe9", b"\xff\xfe", b"\xc3", b"\xed\xa0\x80"])) \
            + content[place:]
    if how == "control":
        return content[:place] + data.draw(st.sampled_from([b"\x00", b"\x1b", b"\r", b"\x7f"])) + content[place:]
    if how == "cut":
        return content[:place]
    if how == "deep":
        depth = data.draw(st.sampled_from([900, 2000, 5000]))
        return b"[" * depth + content + b"]" * depth
    return content


FORMATS = {  # arguments: what the file is made of
    ("--format", "json"): "json", ("--format", "jsonl"): "jsonl", ("--format", "csv"): "tracker",
    ("--from", "fatebook"): "fatebook", ("--from", "predictionbook"): "json", ("--from", "iqisa"): "iqisa",
    ("--from", "gjp"): "gjp",
}


@pytest.mark.sqlite_only
@settings(**EXAMPLES, **FUZZ_SETTINGS)
@given(arguments=st.sampled_from(sorted(FORMATS)), data=st.data())
def test_every_import_format_gets_a_clean_answer_to_hostile_bytes(seeded, tmp_path, arguments, data):
    kind = FORMATS[arguments]
    if kind == "json":
        content = json.dumps(data.draw(json_values), ensure_ascii=data.draw(st.booleans())).encode("utf-8", "replace")
    elif kind == "jsonl":
        content = b"\n".join(json.dumps(value).encode() for value in data.draw(st.lists(json_values, max_size=4)))
    else:
        content = data.draw(csv_file(kind))
    path = tmp_path / "hostile.data"
    path.write_bytes(spoiled(content, data))
    argv = ["import", path, *arguments]
    if arguments[1] in ("iqisa", "gjp"):
        questions = tmp_path / "questions.csv"
        questions.write_bytes(spoiled(data.draw(csv_file("questions")), data))
        argv += ["--questions", questions]
    if data.draw(st.booleans()):
        argv.append("--dry-run")
    assert_clean_answer(seeded, argv)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("arguments, content", [
    # A question with no moment of creation and no dated forecast once raised TypeError.
    (("--from", "fatebook"), b"Forecast created at,Question title,Multiple choice option,Question created at,"
                             b"Resolution,Forecast (scale = 0-1)\r\n9999-12-31T23:59:59.999999Z,,,,,\r\n"),
    # A moment before the year 1 in UTC once raised OverflowError.
    (("--from", "fatebook"), b"Question created at,Question title,Forecast (scale = 0-1),Forecast created at\r\n"
                             b"0001-01-01T00:30+01:00,a question,0.5,2024-01-05 09:14:07\r\n"),
])
def test_import_files_the_fuzzing_found(seeded, tmp_path, arguments, content):
    path = tmp_path / "found.data"
    path.write_bytes(content)
    assert assert_clean_answer(seeded, ["import", path, *arguments]) == 1


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
