"""A tracker process killed with SIGKILL at a random point leaves a sound ledger holding all
or none of the interrupted command's changes."""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import pytest

from conftest import ok, run_json
from tracker.storage import schema

RUNS = 30


def start(*args: str, db: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tracker", "--db", db, *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())


def kill_at_random(process: subprocess.Popen, rng: random.Random, longest: float) -> bool:
    """SIGKILL the process after a random delay; True if it was still running."""
    time.sleep(rng.uniform(0, longest))
    alive = process.poll() is None
    if alive:
        process.send_signal(signal.SIGKILL)
    process.wait()
    return alive


def duration(*args: str, db: str) -> float:
    """How long one such command takes here, uninterrupted, so kills land across its life."""
    started = time.monotonic()
    assert start(*args, db=db).wait() == 0
    return time.monotonic() - started


def test_updates_killed_midway_land_whole_or_not_at_all(seeded):
    rng = random.Random(20251115)
    longest = duration("update", "2", "--claim", "timing", "--status", "developing", db=seeded.target)
    killed = 0
    for n in range(RUNS):
        before = run_json("show", "1")
        process = start("update", "1", "--claim", f"claim {n}", "--criteria", f"criteria {n}",
                        "--probability", f"{n % 10 / 10}", "--tag", f"t{n}", "--status",
                        ("developing", "stalled")[n % 2], "--note", f"run {n}", db=seeded.target)
        killed += kill_at_random(process, rng, longest)
        after = run_json("show", "1")
        if after["version"] == before["version"]:
            assert after == before, f"run {n}: a partial change"
        else:
            assert after["claim"] == f"claim {n}" and after["criteria"] == f"criteria {n}"
            assert f"t{n}" in after["tags"] and after["events"][-1]["note"] == f"run {n}"
            assert after["version"] == len(after["events"])
        assert [e["version"] for e in after["events"]] == list(range(1, after["version"] + 1))
        ok("doctor")
    assert killed >= RUNS // 3, "too few runs were interrupted to test anything"


@pytest.mark.sqlite_only
def test_an_automatic_upgrade_killed_midway_leaves_the_old_or_the_new_schema(ledger, tmp_path):
    ok("db", "downgrade", "base")
    base_copy = tmp_path / "base.db"
    with closing(sqlite3.connect(ledger.path)) as src, closing(sqlite3.connect(base_copy)) as dst:
        src.backup(dst)
    rng = random.Random(815)
    longest = duration("db", "current", db=str(base_copy)) * 2.5  # start-up, then the upgrade itself
    outcomes = set()
    for n in range(RUNS):
        with closing(sqlite3.connect(base_copy)) as src, closing(sqlite3.connect(ledger.path)) as dst:
            src.backup(dst)
        kill_at_random(start("list", db=ledger.target), rng, longest)
        with closing(sqlite3.connect(ledger.path)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if revision is None:
            assert tables == {"alembic_version"}, f"run {n}: half a schema"
            outcomes.add("old")
        else:
            assert revision[0] == schema.HEAD and "events" in tables
            outcomes.add("new")
        ok("seed")  # whatever the state, the next command works
        ok("doctor")
    assert outcomes == {"old", "new"}, f"the kills never landed on both sides: {outcomes}"
