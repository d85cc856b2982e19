"""Whole-ledger commands show a progress bar on stderr when it is a terminal and the work is
long, never on a pipe or file, and what they write on stdout is the same either way.

The commands run for real in a pseudo-terminal, on one ledger large enough for every bar
(20,001 resolved forecasts, for `score`, and 2,001 due for review), built once by `tracker
import` of full-fidelity records.
"""

import datetime as dt
import json
import subprocess
from pathlib import Path

import pexpect
import pytest

from conftest import dump, ok, run_json
from test_terminal import terminal_env

RESOLVED = 20_001
DUE = 2_001


def forecast_record(n: int, resolved: bool) -> dict:
    """A forecast as `tracker export --format jsonl` writes it: created, and settled if `resolved`."""
    made_on = dt.date(2025, 1, 1) + dt.timedelta(days=n % 300)
    created = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=n)
    settled = created + dt.timedelta(days=1)
    values = {"key": f"big/{n}", "claim": f"Forecast number {n}: the indicator passes {n % 1000} this year",
              "criteria": "Confirmed if the published figure is above the threshold on the day it is published.",
              "made_on": made_on.isoformat(), "resolve_by": None, "probability": (n % 99 + 1) / 100,
              "status": "open", "tags": sorted({f"topic-{n % 97}", f"region-{n % 13}"}), "review_every": 30,
              "next_review_on": (made_on + dt.timedelta(days=30)).isoformat()}
    events = [{"id": 2 * n - 1, "forecast_id": n, "version": 1, "change": 2 * n - 1, "at": created.isoformat(),
               "actor": "ana", "kind": "created", "new": values}]
    changes = [{"id": 2 * n - 1, "actor": "ana", "at": created.isoformat(), "command": "add", "note": None,
                "undoes": None}]
    status = "open"
    if resolved:
        status = "confirmed" if n % 3 else "refuted"
        events.append({"id": 2 * n, "forecast_id": n, "version": 2, "change": 2 * n, "at": settled.isoformat(),
                       "actor": "ana", "kind": "status_changed", "from": "open", "to": status,
                       "evidence_ids": [], "note": "settled"})
        changes.append({"id": 2 * n, "actor": "ana", "at": settled.isoformat(), "command": "update",
                        "note": None, "undoes": None})
    return {"id": n, **{k: values[k] for k in ("key", "claim", "criteria")},
            "source": {"title": f"Outlet {n % 50}", "author": f"Author {n % 7}", "outlet": None, "url": None,
                       "published_on": None, "notes": None},
            **{k: values[k] for k in ("made_on", "resolve_by", "probability")}, "status": status,
            "tags": values["tags"], "review_every": 30, "next_review_on": values["next_review_on"],
            "created_at": created.isoformat(), "updated_at": (settled if resolved else created).isoformat(),
            "version": len(events), "deleted_at": None, "evidence": [], "events": events, "changes": changes}


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("large")
    source = folder / "forecasts.jsonl"
    with source.open("w", encoding="utf-8") as out:
        for n in range(1, RESOLVED + DUE + 1):
            out.write(json.dumps(forecast_record(n, resolved=n <= RESOLVED)) + "\n")
    path = folder / "ledger.db"
    ok("--db", path, "import", source)
    return path


COMMANDS = [
    # (command, its bar's label); OUT is a file of the test's
    ("tracker doctor", "Checking"),
    ("tracker score --by tag", "Scoring"),
    ("tracker report -o OUT.md --limit 3500", "Writing"),
    ("tracker export --format jsonl -o OUT.jsonl", "Exporting"),
    ("tracker review", "Reading the queue"),
    ("tracker db copy OUT.db", "Copying"),
    ("tracker db backup OUT.db", "Backing up"),
]


@pytest.mark.sqlite_only
@pytest.mark.parametrize("command,label", COMMANDS, ids=[c[0].split(" -o")[0] for c in COMMANDS])
def test_a_bar_on_a_terminal_and_none_on_a_pipe(large, tmp_path, command, label):
    env = terminal_env(tmp_path, TRACKER_DB=str(large), TRACKER_PAGER="")
    piped = tmp_path / "piped"
    piped.mkdir()
    on_a_pipe = subprocess.run(["bash", "-c", command.replace("OUT", str(piped / "out"))], env=env,
                               capture_output=True, text=True, timeout=300)
    assert on_a_pipe.returncode == 0, on_a_pipe.stderr
    assert label not in on_a_pipe.stderr and "%" not in on_a_pipe.stderr

    # On a terminal, stdout sent to a file (as the bar goes to stderr alone): all the terminal
    # shows is stderr, and stdout holds exactly what the pipe got.
    shown_folder = tmp_path / "shown"
    shown_folder.mkdir()
    stdout = shown_folder / "stdout"
    shown = in_terminal(f"{command.replace('OUT', str(shown_folder / 'out'))} > {stdout}; echo EXIT $?", env)
    assert "EXIT 0" in shown, shown
    assert label in shown and "100%" in shown, shown
    assert stdout.read_text(encoding="utf-8") == on_a_pipe.stdout


def in_terminal(command: str, env: dict[str, str]) -> str:
    child = pexpect.spawn("bash", ["-c", command], env=env, encoding="utf-8", timeout=300, dimensions=(50, 100))
    child.expect(pexpect.EOF)
    child.close()
    return child.before


@pytest.mark.sqlite_only
def test_review_on_a_terminal_shows_the_queue_not_a_bar(large, tmp_path):
    env = terminal_env(tmp_path, TRACKER_DB=str(large), TRACKER_PAGER="")
    shown = in_terminal("tracker review --format json", env)
    assert "Reading the queue" not in shown and '"key": "big/' in shown


@pytest.mark.sqlite_only
def test_small_work_shows_no_bar_on_a_terminal(tmp_path):
    path = tmp_path / "small.db"
    ok("--db", path, "seed")
    env = terminal_env(tmp_path, TRACKER_DB=str(path), TRACKER_PAGER="")
    shown = in_terminal(f"tracker doctor > /dev/null; tracker score --by tag > /dev/null; "
                        f"tracker db backup {tmp_path / 'b.db'}; tracker db copy {tmp_path / 'c.db'}", env)
    assert "%" not in shown and "Backed up 3 forecasts" in shown and "Copied 3 forecasts" in shown


@pytest.mark.sqlite_only
def test_a_backup_in_steps_copies_one_moment_while_others_write(seeded, tmp_path, monkeypatch):
    """With a bar, the backup goes a few pages a step; a write between two steps (here by
    another connection, as another process would) neither restarts it nor gets into it."""
    from tracker.storage import backup
    from tracker.storage.database import open_database

    monkeypatch.setattr(backup, "BACKUP_STEP", 4096)  # a page a step, so that the seed ledger takes many
    before = dump(seeded)
    reported = []

    def progress(done: int) -> None:
        if not reported:
            ok("add", "written while the backup runs")
        reported.append(done)

    engine = open_database(seeded.target, write=False, notify=print)
    try:
        held = backup.backup_ledger(engine, tmp_path / "copy.db", progress=progress)
    finally:
        engine.dispose()
    assert held["forecasts"] == 3 and dump(tmp_path / "copy.db") == before
    assert len(run_json("list")) == 4
    pages = seeded.path.stat().st_size // 4096
    assert len(reported) <= pages + 1 and reported == sorted(reported)
