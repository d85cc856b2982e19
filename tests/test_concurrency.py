"""Several tracker processes writing to one ledger at once: all succeed, nothing is lost."""

import subprocess
import sys
from collections import Counter

from conftest import dump, run_json

WRITERS = 8
ROUNDS = 5
STATUSES = ("developing", "stalled", "open")


def writer_script(n: int) -> list[list[str]]:
    commands = []
    for round_ in range(ROUNDS):
        forecast = str(1 + (n + round_) % 3)
        commands.append(["evidence", "add", forecast, f"writer {n} round {round_}", "--stance", "context"])
        commands.append(["update", forecast, "--status", STATUSES[(n + round_) % 3], "--note", f"w{n}r{round_}"])
    return commands


def test_concurrent_writers_all_succeed_and_every_change_is_in_the_timeline(seeded):
    # Each writer is one shell loop of real `tracker` processes, all loops started at once.
    loops = []
    for n in range(WRITERS):
        lines = [" ".join([f"{sys.executable} -m tracker --as w{n}"] + [f"'{a}'" for a in cmd]) + " || exit 1"
                 for cmd in writer_script(n)]
        loops.append(subprocess.Popen(["bash", "-c", "\n".join(lines)], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True))
    failures = [(p.wait(), p.stderr.read()) for p in loops]
    assert all(code == 0 for code, _ in failures), failures

    events = [e for f in (1, 2, 3) for e in run_json("history", str(f))]
    evidence = [e for f in (1, 2, 3) for e in run_json("evidence", "list", str(f))]
    assert len(evidence) == WRITERS * ROUNDS
    assert Counter(e["added_by"] for e in evidence) == {f"w{n}": ROUNDS for n in range(WRITERS)}
    added = [e for e in events if e["kind"] == "evidence_added"]
    assert sorted(e["evidence_id"] for e in added) == sorted(e["id"] for e in evidence)
    # Every update either changed the status (one event) or found it already so (none);
    # the notes of the recorded changes are all distinct and each names its writer.
    notes = [e["note"] for e in events if e["kind"] == "status_changed"]
    assert len(notes) == len(set(notes))
    for forecast_id in (1, 2, 3):
        forecast = run_json("show", str(forecast_id))
        versions = [e["version"] for e in forecast["events"]]
        assert versions == list(range(1, forecast["version"] + 1)), "a lost or duplicated change"
        changes = [e for e in forecast["events"] if e["kind"] == "status_changed"]
        for before, after in zip(changes, changes[1:]):
            assert before["to"] == after["from"], "a status change based on a stale status"
        if changes:
            assert changes[-1]["to"] == forecast["status"]


def at_once(*commands: list[str]) -> list[tuple[int, str]]:
    """Start every command as its own tracker process at the same moment; their exit codes and stderr."""
    processes = [subprocess.Popen([sys.executable, "-m", "tracker", *command], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True) for command in commands]
    return [(p.wait(timeout=300), p.stderr.read()) for p in processes]


def test_concurrent_adds_of_one_claim_all_succeed_with_distinct_keys(ledger):
    results = at_once(*[["--as", f"w{n}", "add", "The same claim, said eight times"] for n in range(WRITERS)])
    assert all(code == 0 for code, _ in results), results
    keys = sorted(forecast["key"] for forecast in run_json("list"))
    stem = "the-same-claim-said-eight-times"
    assert keys == sorted([stem] + [f"{stem}-{n}" for n in range(2, WRITERS + 1)])


def test_concurrent_seeds_all_succeed_and_leave_one_copy(ledger):
    results = at_once(*[["--as", f"w{n}", "seed"] for n in range(WRITERS)])
    assert all(code == 0 for code, _ in results), results
    forecasts = run_json("list")
    assert sorted(f["key"] for f in forecasts) == sorted(
        ["anchorage-2025/channels", "anchorage-2025/technical-agreements", "anchorage-2025/deterrence-talks"])
    assert len(dump(ledger)["sources"]) == 1
    assert len({event["change"] for f in forecasts for event in run_json("show", str(f["id"]))["events"]}) == 1


def test_concurrent_adds_citing_one_new_source_share_it(ledger):
    results = at_once(*[["--as", f"w{n}", "add", f"Claim {n} of the preview", "--source", "Summit preview"]
                        for n in range(WRITERS)])
    assert all(code == 0 for code, _ in results), results
    assert [source["title"] for source in run_json("source", "list")] == ["Summit preview"]
    assert len(dump(ledger)["sources"]) == 1


def test_concurrent_source_adds_of_the_same_fields_add_one(ledger):
    results = at_once(*[["source", "add", "Summit preview", "--author", "Jane Roe"] for _ in range(WRITERS)])
    assert sorted(code for code, _ in results) == [0] + [1] * (WRITERS - 1), results
    assert all("has exactly these fields" in stderr for code, stderr in results if code), results
    assert len(dump(ledger)["sources"]) == 1
