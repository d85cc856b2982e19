"""The keys of an import file are remembered by their hashes in sorted runs (services/file_keys.py):
a key met twice is still refused wherever the two are, two keys of one hash are both imported,
and a key made for an object without one still takes none of the file's."""

import json
import shutil

import pytest

from conftest import dump, ok, run
from tracker.services import file_keys, imports
from tracker.services.file_keys import FileKeys
from tracker.services.new_forecasts import ClaimCounts
from tracker.sorted_ids import NumberRuns


def write(path, objects) -> None:
    path.write_text("".join(json.dumps(item) + "\n" for item in objects))


@pytest.fixture
def short_runs(monkeypatch):
    """Hashes sorted into runs of two, merged up to eight: every case below meets several runs."""
    monkeypatch.setattr(NumberRuns, "FRESH", 2)
    monkeypatch.setattr(NumberRuns, "LONGEST_MERGE", 8)


@pytest.mark.sqlite_only
def test_runs_remember_every_key_given(short_runs):
    keys = FileKeys()
    assert not any(f"key-{n}" in keys for n in range(100))
    for n in range(100):
        keys.given(f"key-{n}")
    runs = keys.hashes.runs
    assert len(runs) > 3 and all(list(run.numbers) == sorted(run.numbers) for run in runs)
    assert all(f"key-{n}" in keys for n in range(100)) and "key-100" not in keys


@pytest.mark.sqlite_only
def test_claims_had_once_are_told_from_claims_had_twice_across_runs(short_runs):
    claims = ClaimCounts()
    for n in range(60):
        claims.count(f"Claim {n}")
    for n in (0, 1, 30, 59):
        claims.count(f"  Claim {n} ")  # the same claim, as it is stripped
    assert len(claims.seen.runs) > 3
    twice = {0, 1, 30, 59}
    assert [n for n in range(60) if not claims.once(f"Claim {n}")] == sorted(twice)
    assert not claims.once("Claim 60")  # never counted


@pytest.mark.parametrize("first,second", [(0, 1), (0, 40), (39, 40)])
def test_a_key_met_twice_is_refused_wherever_the_two_are(seeded, tmp_path, short_runs, first, second):
    objects = [{"claim": f"Question {n}", "key": f"question-{n}"} for n in range(41)]
    objects[second]["key"] = objects[first]["key"]
    write(tmp_path / "twice.jsonl", objects)
    before = dump(seeded)
    failed = run("import", tmp_path / "twice.jsonl")
    assert failed.exit_code == 1
    assert failed.stderr == (f"Error: line {second + 1}, field 'key': 'question-{first}' appears twice in "
                             "twice.jsonl; each forecast may appear once.\n")
    assert dump(seeded) == before


def test_keys_of_one_hash_are_both_imported(seeded, tmp_path, monkeypatch):
    """Every key given the same hash: each one met is checked against the file itself."""
    monkeypatch.setattr(file_keys, "hash", lambda key: 7, raising=False)
    write(tmp_path / "same.jsonl", [{"claim": f"Question {n}", "key": f"question-{n}"} for n in range(5)])
    assert "5 added" in ok("import", tmp_path / "same.jsonl").stderr
    write(tmp_path / "again.jsonl", [{"claim": "Question", "key": "question-9"}] * 2)
    assert "'question-9' appears twice" in run("import", tmp_path / "again.jsonl").stderr


def test_a_made_key_takes_none_of_the_files_keys(ledger, tmp_path, short_runs):
    """The objects without a key come first; the keys their claims would make are given later."""
    objects = [{"claim": f"Will it rain{mark}"} for mark in ("", "?", "!")]
    objects += [{"claim": f"Question {n}", "key": f"question-{n}"} for n in range(20)]
    objects += [{"claim": "Other", "key": key} for key in ("will-it-rain", "will-it-rain-2", "will-it-rain-4")]
    write(tmp_path / "made.jsonl", objects)
    ok("import", tmp_path / "made.jsonl")
    made = {forecast["claim"]: forecast["key"] for forecast in json.loads(ok("list", "--format", "json").stdout)}
    assert [made[f"Will it rain{mark}"] for mark in ("", "?", "!")] == ["will-it-rain-3", "will-it-rain-5",
                                                                        "will-it-rain-6"]


@pytest.mark.parametrize("batch", [2, 100])
@pytest.mark.parametrize("first_full,second_full", [(True, True), (False, True), (True, False)])
def test_a_key_restored_and_given_again_is_refused(ledger, sqlite_template, tmp_path, monkeypatch, batch,
                                                   first_full, second_full):
    """A key met first or second in an object with a timeline (restored in the first pass) and again
    in another, in the same batch of objects read or a later one."""
    monkeypatch.setattr(imports, "BATCH", batch)
    source = tmp_path / "source.db"
    shutil.copyfile(sqlite_template, source)
    ok("--db", source, "seed")
    full = [json.loads(line) for line in ok("--db", source, "export", "--format", "jsonl").stdout.splitlines()]
    bare = {"claim": "Bare", "key": full[0]["key"]}
    objects = [full[0] if first_full else bare, full[1], full[2], full[0] if second_full else bare]
    write(tmp_path / "twice.jsonl", objects)
    before = dump(ledger)
    failed = run("import", tmp_path / "twice.jsonl")
    assert (failed.exit_code, failed.stderr) == (1, f"Error: line 4, field 'key': {full[0]['key']!r} appears twice "
                                                    "in twice.jsonl; each forecast may appear once.\n")
    assert dump(ledger) == before
