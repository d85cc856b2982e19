"""Time tracker's commands side by side and print how they compare with their targets.

    python bench/run.py                  # a ledger of 1,000,000 forecasts (built once: minutes)
    python bench/run.py --size 20000     # a quick check
    python bench/run.py --only list      # only the measurements whose command contains "list"
    python bench/run.py --pg postgresql+psycopg://USER@HOST/NAME   # PostgreSQL too, in the same run

Every measurement is a pair of commands, each run in a fresh process: a reference (the seed
ledger, or the bare libraries, or plain sqlite3) and the command measured against it. The
pair is run `--rounds` times, alternating which goes first, after one untimed run of each to
warm the file cache (export and report, which read the whole ledger, run once, unwarmed). The table gives each side's median wall time and median peak memory
(resident set size, from the kernel's accounting of the finished process), their ratios, the
target each ratio must meet, and whether it does. The exit status is 1 when a target is
missed.

A whole-ledger command (the whole review queue, stats, score by group, doctor, the history
and show of the longest timeline, db backup and db copy) is timed against a stated rate
(RATES): its time on the seed ledger plus what it reads or shows at that rate; its memory
against the seed ledger's. With `--pg`, the large ledger is copied by `tracker db copy` into
a new database of that server (its rate measured), the seed ledger beside it, and the hot
reads and whole-ledger commands are measured there the same way; each hot read's statements
are then planned by the server (EXPLAIN, sequential scans priced out of reach as in
tests/test_query_plans.py), and a sequential scan of a ledger table is a failure.

Ledgers live in bench/ledgers/ (ignored by git; `--ledgers DIR` puts them elsewhere). The
large one is made by generate.py and kept for later runs, named by its size, the generator's
version, the length of its one long timeline (LONG_TIMELINE reviews of its newest active
forecast, added by generate.lengthen) and the schema revision, so a new schema or generator
makes a new one. The seed ledger is made anew each run. The write
measurements change both ledgers a little, as a user would: a probability set, a piece of
evidence added, a review recorded.
"""

import argparse
import fnmatch
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402 - found through the path just set

LEDGERS = HERE / "ledgers"
PYTHON = sys.executable
Argv = Callable[[int], list[str]]


@dataclass
class Side:
    """One command of a pair, as a function of the run's number (writes change a value each run)."""
    label: str
    argv: Argv
    seconds: list[float] = field(default_factory=list)
    peak_kb: list[int] = field(default_factory=list)
    after: Callable[[int], None] | None = None  # what to clear away after each run (a file written)


@dataclass
class Measurement:
    section: str
    name: str
    reference: Side
    measured: Side
    time_target: float | None = None
    memory_target: float | None = None
    rounds: int | None = None  # fewer than --rounds, and no warm-up, for a long command
    rate: "Rate | None" = None  # a whole-ledger command: its time against a stated rate, not the reference's
    plans_ok: bool = True  # on PostgreSQL, whether every plan of the command used indexes

    def verdicts(self) -> list[bool]:
        return [ratio <= target for ratio, target in ((self.time_ratio(), self.time_target),
                                                       (self.memory_ratio(), self.memory_target)) if target] + [
            self.plans_ok]

    def seconds_measured(self) -> bool:
        return bool(self.reference.seconds and self.measured.seconds)

    def reference_seconds(self) -> float:
        seed = statistics.median(self.reference.seconds)
        return seed if self.rate is None else self.rate.seconds(seed)

    def time_ratio(self) -> float:
        return statistics.median(self.measured.seconds) / self.reference_seconds()

    def memory_ratio(self) -> float:
        return statistics.median(self.measured.peak_kb) / statistics.median(self.reference.peak_kb)


@dataclass
class Rate:
    """The time a whole-ledger command may take: `count` things (what it reads or shows) at
    `per_second`, on top of the time the command takes on the seed ledger (`start`)."""
    per_second: float
    count: int
    unit: str

    def seconds(self, start: float) -> float:
        return start + self.count / self.per_second

    def label(self) -> str:
        return f"{self.per_second:,.0f} {self.unit}/s"


def tracker_command() -> list[str]:
    """The `tracker` script beside this Python, as a user runs it; else the module."""
    script = Path(PYTHON).parent / "tracker"
    return [str(script)] if script.exists() else [PYTHON, "-m", "tracker"]


def run_once(argv: list[str]) -> tuple[float, int]:
    """Wall time and peak resident memory (kB) of one run; any failure ends the benchmark."""
    with tempfile.TemporaryFile() as errors:
        began = time.perf_counter()
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            sys.exit(f"{' '.join(argv)} failed ({process.returncode}): {errors.read().decode(errors='replace')}")
    return elapsed, usage.ru_maxrss


def measure(item: Measurement, rounds: int) -> None:
    rounds = item.rounds or rounds
    # A side shared with a measurement before (a large import, timed and weighed) runs once.
    sides = [side for side in (item.reference, item.measured) if len(side.seconds) < rounds]
    if item.rounds is None:
        for side in sides:
            run_once(side.argv(0))
            if side.after is not None:
                side.after(0)
    for number in range(1, rounds + 1):
        for side in sides if number % 2 else reversed(sides):
            seconds, peak_kb = run_once(side.argv(number))
            side.seconds.append(seconds)
            side.peak_kb.append(peak_kb)
            if side.after is not None:
                side.after(number)


@dataclass
class Picks:
    """What the commands on each ledger are about: a typical forecast, a common tag, words, the
    forecast with the longest timeline, and who made the most changes; with the ledger's counts
    that whole-ledger commands are timed by."""
    forecast: int
    tag: str
    common_word: str
    rare_word: str
    long: int = 1
    actor: str = "seed"
    forecasts: int = 0
    long_events: int = 0
    due: int = 0


def counted(path: Path, picks: Picks) -> Picks:
    """`picks` with the ledger's forecasts, the long timeline's events and the review queue's length."""
    import datetime as dt

    today = dt.date.today().isoformat()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        picks.long, picks.long_events = conn.execute(
            "SELECT forecast_id, count(*) FROM events GROUP BY forecast_id ORDER BY 2 DESC, 1 LIMIT 1").fetchone()
        picks.actor = conn.execute("SELECT actor FROM changes GROUP BY actor ORDER BY count(*) DESC, actor "
                                   "LIMIT 1").fetchone()[0]
        picks.forecasts = conn.execute("SELECT count(*) FROM forecasts").fetchone()[0]
        picks.due = conn.execute("SELECT count(*) FROM forecasts WHERE deleted_at IS NULL AND status IN "
                                 "('open', 'developing', 'stalled') AND next_review_on <= ?", (today,)).fetchone()[0]
    return picks


def seed_picks(path: Path) -> Picks:
    return counted(path, Picks(forecast=1, tag="us-russia", common_word="deterrence", rare_word="deconfliction"))


def large_picks(path: Path) -> Picks:
    """An active forecast of the ledger's usual shape (as many pieces of evidence as the mean)
    from its second half, its most used tag, and a word of the generator's common and of its rare vocabulary."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        forecasts = conn.execute("SELECT max(id) FROM forecasts").fetchone()[0]
        usual = round(conn.execute("SELECT count(*) FROM evidence").fetchone()[0] / forecasts)
        forecast = conn.execute(
            "SELECT f.id FROM forecasts f WHERE f.id >= ? AND f.deleted_at IS NULL "
            "AND f.status IN ('open', 'developing', 'stalled') "
            "AND (SELECT count(*) FROM evidence e WHERE e.forecast_id = f.id) = ? ORDER BY f.id LIMIT 1",
            (forecasts // 2, usual)).fetchone()[0]
        tag = conn.execute("SELECT tag FROM forecast_tags WHERE forecast_id <= 10000 "
                           "GROUP BY tag ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    return counted(path, Picks(forecast=forecast, tag=tag, common_word=generate.WORDS[0],
                               rare_word=generate.RARE_WORDS[-1]))


# One forecast of the large ledger has a timeline as long as a heavy user's: this many reviews.
LONG_TIMELINE = 30_000


def large_ledger(folder: Path, size: int) -> Path:
    from tracker.storage.schema import REVISIONS

    path = folder / f"large-{size}-g{generate.GENERATOR_VERSION}-long{LONG_TIMELINE}-{REVISIONS[-1]}.db"
    if not path.exists():
        print(f"Building {path.name} (once; later runs reuse it)", flush=True)
        building = path.with_suffix(".building")
        for leftover in folder.glob(building.name + "*"):
            leftover.unlink()
        # In a process of its own: a child's peak memory counts what its parent held when it
        # was started, so a ledger built here would inflate every measurement of this run.
        done = subprocess.run([PYTHON, str(HERE / "generate.py"), str(building), "--size", str(size)])
        if done.returncode != 0:
            sys.exit(f"generating {building.name} failed ({done.returncode})")
        done = subprocess.run([PYTHON, "-c", LENGTHEN.format(path=str(building), reviews=LONG_TIMELINE)], cwd=HERE)
        if done.returncode != 0:
            sys.exit(f"lengthening a timeline of {building.name} failed ({done.returncode})")
        building.rename(path)
    return path


# The newest active forecast (the last a user would have added) gets the long timeline.
LENGTHEN = """
import sqlite3, generate
from pathlib import Path
with sqlite3.connect({path!r}) as conn:
    forecast = conn.execute("SELECT max(id) FROM forecasts WHERE deleted_at IS NULL "
                            "AND status IN ('open', 'developing', 'stalled')").fetchone()[0]
generate.lengthen(Path({path!r}), forecast, {reviews})
"""


def compile_tracker() -> None:
    """Bytecode for every module of tracker, as an installed package has. A source checkout run
    with PYTHONDONTWRITEBYTECODE set keeps none, and every command would compile the modules it
    loads anew, which the references (libraries installed with their bytecode) never do."""
    import compileall

    import tracker

    compileall.compile_dir(Path(tracker.__file__).parent, quiet=1)


def seed_ledger(folder: Path) -> Path:
    path = folder / "seed.db"
    for old in folder.glob("seed.db*"):
        old.unlink()
    subprocess.run([*tracker_command(), "--db", str(path), "seed"], check=True, capture_output=True)
    return path


# The rates whole-ledger commands must keep up on any size of ledger (see README, "How fast,
# how large"): forecasts of the ledger, entries of the queue or events of a timeline a second.
# A command takes the first rate whose pattern its name matches (fnmatch, a prefix).
RATES = {
    "review": (1_000, "due"),
    "stats": (20_000, "forecasts"),
    # The JSON of a grouped scorecard writes, beside the cards, every resolved forecast's entry
    # under each of its groups (by tag at a million forecasts, 1.3 million entries, 0.4 GB):
    # about twice the work of the table.
    "score --by * --format json": (10_000, "forecasts"),
    "score --by": (20_000, "forecasts"),
    "doctor": (500, "forecasts"),
    "history LONG": (10_000, "events"),
    "show LONG": (4_000, "events"),
    "db backup": (1_000, "forecasts"),
    "db copy": (500, "forecasts"),
}


def rate(name: str, picks: Picks) -> Rate:
    per_second, unit = RATES[next(key for key in RATES if fnmatch.fnmatchcase(name, key + "*"))]
    return Rate(per_second, {"due": picks.due, "forecasts": picks.forecasts, "events": picks.long_events}[unit],
                unit)


def on(target: Path | str, *args) -> Argv:
    """`tracker --db TARGET ARGS`, an argument that is a function given the run's number."""
    tracker = tracker_command()
    return lambda number: [*tracker, "--db", str(target), *[arg(number) if callable(arg) else str(arg)
                                                           for arg in args]]


def pairs(seed: Path | str, large: Path | str, prefix: str = ""):
    """Measurements of a command on the seed ledger (the reference) and on the large one."""
    def pair(section, name, seed_args, large_args, time_target=None, memory_target=None, rounds=None):
        return Measurement(section, prefix + name, Side("seed", on(seed, *seed_args)),
                           Side("large", on(large, *large_args)), time_target, memory_target, rounds)
    return pair


def measurements(seed: Path, large: Path, scratch: Path, small: Picks, big: Picks) -> list[Measurement]:
    tracker = tracker_command()

    def python(code: str, label: str) -> Side:
        return Side(label, lambda number: [PYTHON, "-c", code])

    pair = pairs(seed, large)
    files = ImportFiles(scratch)

    def against(section, name, reference: Side, label: str, path: Path, args, time_target):
        return Measurement(section, name, reference, Side(label, on(path, *args)), time_target)

    libraries = python("import click, sqlalchemy.orm", "import click, sqlalchemy.orm")
    def probability(number: int) -> str:  # a change every run
        return "0.6" if number % 2 else "0.4"

    def words(number: int) -> str:
        return f"bench note {number}"

    def report(fmt: str, *more: str) -> list[str]:  # to standard output, which the benchmark discards
        return ["report", "-o", "-", "--format", fmt, *more]

    startup = "start-up (against the bare libraries)"
    scale = "large ledger against the seed ledger"
    aggregates = "large ledger against a plain sqlite3 aggregate over it"
    return [
        Measurement(startup, "tracker --help", python("import click", "import click"),
                    Side("tracker", lambda number: [*tracker, "--help"]), 1.5),
        against(startup, "list", libraries, "seed", seed, ["list"], 1.2),
        against(startup, "show ID", libraries, "seed", seed, ["show", small.forecast], 1.2),
        *hot_reads(pair, scale, small, big),
        pair(scale, "update ID --probability P", ["update", small.forecast, "--probability", probability],
             ["update", big.forecast, "--probability", probability], 1.2),
        pair(scale, "evidence add ID TEXT", ["evidence", "add", small.forecast, words],
             ["evidence", "add", big.forecast, words], 1.2),
        pair(scale, "review ID", ["review", small.forecast], ["review", big.forecast], 1.2),
        pair(scale, "stats", ["stats"], ["stats"], None, 1.5),
        pair(scale, "score", ["score"], ["score"], None, 1.5),
        Measurement(scale, "export --format jsonl", *(files.exporting(path, label) for label, path in
                                                      (("seed", seed), ("large", large))), None, 1.5, rounds=1),
        pair(scale, "report --format html", report("html"), report("html"), None, 1.5, rounds=1),
        pair(scale, "report --format markdown", report("markdown"), report("markdown"), None, 1.5, rounds=1),
        pair(scale, "report --all --format html", report("html", "--all"), report("html", "--all"), None, 1.5,
             rounds=1),
        pair(scale, "export --format markdown", ["export", "--format", "markdown"], ["export", "--format", "markdown"],
             None, 1.5, rounds=1),
        *whole_ledger(pair, small, big),
        *file_copies(seed, large, scratch, small, big),
        *imports(files, seed, large, scratch, small, big),
        against(aggregates, "stats", python(stats_baseline(large), "sqlite3"), "large", large, ["stats"], 3),
        against(aggregates, "score", python(score_baseline(large), "sqlite3"), "large", large, ["score"], 3),
    ]


def hot_reads(pair, section: str, small: Picks, big: Picks) -> list[Measurement]:
    """Reads of a page or of one forecast: as fast on a large ledger as on the seed ledger."""
    return [
        pair(section, "list --status open --limit 50", ["list", "--status", "open", "--limit", 50],
             ["list", "--status", "open", "--limit", 50], 1.5),
        pair(section, "list --tag T --limit 50", ["list", "--tag", small.tag, "--limit", 50],
             ["list", "--tag", big.tag, "--limit", 50], 1.5),
        pair(section, "list --search COMMON --limit 50", ["list", "--search", small.common_word, "--limit", 50],
             ["list", "--search", big.common_word, "--limit", 50], 1.5),
        pair(section, "list --search RARE --limit 50", ["list", "--search", small.rare_word, "--limit", 50],
             ["list", "--search", big.rare_word, "--limit", 50], 1.5),
        pair(section, "list --limit 50", ["list", "--limit", 50], ["list", "--limit", 50], 1.5, 1.5),
        pair(section, "list --as-of DAY --limit 50", ["list", "--as-of", "today", "--limit", 50],
             ["list", "--as-of", "today", "--limit", 50], 1.5, 1.5),
        pair(section, "show ID", ["show", small.forecast], ["show", big.forecast], 1.5, 1.5),
        pair(section, "history ID", ["history", small.forecast], ["history", big.forecast], 1.5, 1.5),
        pair(section, "review --limit 50", ["review", "--limit", 50], ["review", "--limit", 50], 1.5, 1.5),
        pair(section, "undo --list", ["--as", small.actor, "undo", "--list"],
             ["--as", big.actor, "undo", "--list"], 1.5, 1.5),
    ]


WHOLE = "whole-ledger commands: time against a stated rate, memory against the seed ledger"


def whole_ledger(pair, small: Picks, big: Picks) -> list[Measurement]:
    """Commands that read the whole ledger, a whole queue or a whole timeline: time linear in
    what they read or show, memory as on the seed ledger. Each runs once, unwarmed (as export).
    JSON where the rows shown are what grows, so every one is written."""
    items = []
    for name, args, seed_args in [
        ("review", ["review", "--format", "json"], None),
        ("stats", ["stats", "--format", "json"], None),
        # The table; and the JSON, which lists every scored forecast under each of its groups.
        *((f"score --by {by}", ["score", "--by", by], None) for by in ("source", "author", "tag", "forecaster")),
        *((f"score --by {by} --format json", ["score", "--by", by, "--format", "json"], None)
          for by in ("tag", "source")),
        ("doctor", ["doctor", "--format", "json"], None),
        ("history LONG", ["history", big.long, "--format", "json"], ["history", small.long, "--format", "json"]),
        ("show LONG", ["show", big.long, "--format", "json"], ["show", small.long, "--format", "json"]),
    ]:
        item = pair(WHOLE, name, seed_args or args, args, 1.0, 1.5, rounds=1)
        item.rate = rate(name, big)
        items.append(item)
    return items


def file_copies(seed: Path, large: Path, scratch: Path, small: Picks, big: Picks) -> list[Measurement]:
    """`db backup` and `db copy` to a new SQLite file, each removed after its run."""
    tracker = tracker_command()
    items = []
    for name in ("db backup", "db copy"):
        sides = []
        for label, path in (("seed", seed), ("large", large)):
            target = scratch / f"{label}-{name.split()[1]}.db"

            def argv(number: int, path=path, target=target, name=name) -> list[str]:
                return [*tracker, "--db", str(path), *name.split(), str(target)]

            def after(number: int, target=target) -> None:
                for part in scratch.glob(target.name + "*"):
                    part.unlink()

            sides.append(Side(label, argv, after=after))
        item = Measurement(WHOLE, f"{name} FILE", *sides, 1.0, 1.5, rounds=1)
        item.rate = rate(name, big)
        items.append(item)
    return items


IMPORTS = "imports into an empty ledger: rows written a second against plain sqlite3 executemany of forecast rows"
# The tables an import writes; its rate counts the rows of them all.
WRITTEN = ("sources", "forecasts", "forecast_tags", "evidence", "changes", "events", "event_citations")


class ImportFiles:
    """What the import measurements read, made when first needed (so that `--only` skips it):
    an empty ledger to import into, files of bare objects, exports of the ledgers."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.made: dict[str, tuple[Path, int]] = {}

    def empty_ledger(self) -> Path:
        path = self.scratch / "empty.db"
        if not path.exists():
            subprocess.run([*tracker_command(), "--db", str(path), "db", "upgrade"], check=True, capture_output=True)
        return path

    def bare(self, count: int) -> tuple[Path, int]:
        """A JSONL file of `count` objects without a timeline (as a CSV file's rows become), with
        three pieces of evidence each, every fourth resolved; and the rows its import writes."""
        if f"bare {count}" not in self.made:
            path = self.scratch / f"bare-{count}.jsonl"
            rows = {"sources": min(count, 50), "changes": 1}
            with path.open("w", encoding="utf-8") as out:
                for n in range(count):
                    item = {"claim": f"Bench question {n}: will {generate.WORDS[n % len(generate.WORDS)]} happen",
                            "probability": round((n % 97 + 1) / 99, 2), "tags": [f"topic-{n % 20}"],
                            "made_on": "2025-01-15", "resolve_by": "2026-06-30",
                            "source": {"title": f"Bench source {n % 50}"},
                            "evidence": [{"summary": f"Observation {k} on question {n}", "stance": "supports",
                                          "observed_on": "2025-02-01"} for k in range(3)]}
                    if n % 4 == 0:
                        item["status"] = "confirmed"
                    out.write(json.dumps(item) + "\n")
            rows.update(forecasts=count, forecast_tags=count, evidence=3 * count,
                        events=4 * count + len(range(0, count, 4)))
            self.made[f"bare {count}"] = (path, sum(rows.values()))
        return self.made[f"bare {count}"]

    def export(self, ledger: Path) -> tuple[Path, int]:
        """The ledger's full export (JSONL), and the rows restoring it writes: the ledger's own.
        The file the export measurement wrote, when it ran in this run."""
        if ledger.name not in self.made:
            subprocess.run(self.exporting(ledger, "").argv(0), check=True, capture_output=True)
            self._exported(ledger)
        return self.made[ledger.name]

    def exporting(self, ledger: Path, label: str) -> Side:
        """`tracker export --format jsonl` of the ledger into a file that the imports then read."""
        path = self.scratch / f"export-{ledger.stem}.jsonl"
        return Side(label, on(ledger, "export", "--format", "jsonl", "-o", path),
                    after=lambda number: self._exported(ledger))

    def _exported(self, ledger: Path) -> None:
        with sqlite3.connect(f"file:{ledger}?mode=ro", uri=True) as conn:
            rows = sum(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in WRITTEN)
        self.made[ledger.name] = (self.scratch / f"export-{ledger.stem}.jsonl", rows)


# Plain sqlite3: as many forecast rows as the import writes rows, into the forecasts table of an
# empty ledger alone (its own columns, none of its indexes or triggers), in one executemany.
EXECUTEMANY = """
import sqlite3, sys
empty, target, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
with sqlite3.connect(f"file:{empty}?mode=ro", uri=True) as source:
    table = source.execute("SELECT sql FROM sqlite_master WHERE name = 'forecasts'").fetchone()[0]
with sqlite3.connect(target) as conn:
    conn.execute(table)
    row = lambda n: (n, f"key-{n}", f"Bench question {n}", None, None, "2025-01-15", "2026-06-30", 0.5, "open",
                     30, "2025-02-14", "2025-01-15 12:00:00.000000", "2025-01-15 12:00:00.000000", 1, None,
                     f"bench question {n}", None, None, None)
    conn.executemany(f"INSERT INTO forecasts VALUES ({', '.join('?' * 19)})", (row(n) for n in range(1, count + 1)))
"""


def imports(files: "ImportFiles", seed: Path, large: Path, scratch: Path, small: Picks,
            big: Picks) -> list[Measurement]:
    """Imports into an empty ledger, of bare objects (as many as the large ledger has forecasts)
    and of the large ledger's full export: the rows written a second at least a quarter of
    plain sqlite3's rate of forecast rows (time ratio at most 4), memory as for the seed-sized file."""
    tracker = tracker_command()

    def importing(made: Callable[[], tuple[Path, int]], label: str) -> Side:
        target = scratch / f"import-{label}.db"

        def argv(number: int) -> list[str]:
            shutil.copyfile(files.empty_ledger(), target)
            return [*tracker, "--db", str(target), "import", str(made()[0])]

        return Side(label, argv, after=lambda number: _remove(target))

    def executemany(made: Callable[[], tuple[Path, int]]) -> Side:
        target = scratch / "executemany.db"

        def argv(number: int) -> list[str]:
            _remove(target)
            return [PYTHON, "-c", EXECUTEMANY, str(files.empty_ledger()), str(target), str(made()[1])]

        return Side("sqlite3 executemany", argv, after=lambda number: _remove(target))

    items = []
    for name, seed_file, large_file in [
        (f"import {big.forecasts:,} bare objects", lambda: files.bare(small.forecasts), lambda: files.bare(big.forecasts)),
        ("import the export of the large ledger", lambda: files.export(seed), lambda: files.export(large)),
    ]:
        large_import = importing(large_file, "large")  # one run, timed against one reference, weighed against another
        items.append(Measurement(IMPORTS, f"{name}: rows a second", executemany(large_file), large_import, 4.0,
                                 rounds=1))
        items.append(Measurement(IMPORTS, f"{name}: memory", importing(seed_file, "seed"), large_import, None, 1.5,
                                 rounds=1))
    return items


def _remove(path: Path) -> None:
    for part in path.parent.glob(path.name + "*"):
        part.unlink()


PG_TABLES = r"(forecasts|forecast_tags|evidence|events|event_citations)"


def postgres_measurements(server: str, seed: Path, large: Path, small: Picks, big: Picks,
                          size: int) -> tuple[Measurement, list[Measurement], dict[str, str]]:
    """The generated ledger copied into PostgreSQL by `tracker db copy` (seed ledger beside it,
    each in a new database on the same server), then the hot reads and whole-ledger commands
    timed there against the seed ledger, as on SQLite; and the query plans of the hot reads on
    the large ledger."""
    base, _, name = server.rpartition("/")
    urls = {"seed": f"{base}/{name}_bench_seed", "large": f"{base}/{name}_bench_large"}
    driver = server.replace("+psycopg", "")
    done = subprocess.run([PYTHON, "-c", MAKE_DATABASES, driver, *(url.rpartition("/")[2] for url in urls.values())])
    if done.returncode != 0:
        sys.exit(f"making the benchmark's databases on {base} failed")
    for url in urls.values():
        subprocess.run([*tracker_command(), "--db", url, "db", "upgrade"], check=True, capture_output=True)
    copy = Measurement("PostgreSQL: `db copy` of the SQLite ledger into an empty database", "db copy URL",
                       Side("seed", on(seed, "db", "copy", urls["seed"])),
                       Side("large", on(large, "db", "copy", urls["large"])), 1.0, 1.5, rounds=1)
    copy.rate = rate("db copy", big)
    pair = pairs(urls["seed"], urls["large"], prefix="pg ")
    section = "PostgreSQL: large ledger against the seed ledger, on the same server"
    items = [*hot_reads(pair, section, small, big), *whole_ledger(pair, small, big)]
    for item in items:
        if item.section == WHOLE:
            item.section = f"PostgreSQL: {WHOLE}"
    return copy, items, urls


MAKE_DATABASES = """
import sys, psycopg
server, *names = sys.argv[1:]
with psycopg.connect(server, autocommit=True) as conn:
    for name in names:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
"""

ANALYZE = """
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    conn.execute("VACUUM ANALYZE")
"""

# Runs a command in-process on a PostgreSQL ledger, noting every statement it makes, then
# asks the server for each one's plan: a sequential scan of a ledger table fails.
EXPLAIN = """
import re, sys
from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, event
from tracker.cli.main import cli

url, *args = sys.argv[1:]
seen = []
def note(conn, cursor, statement, parameters, context, executemany):
    if re.match(r"\\s*(SELECT|WITH)\\b", statement):
        seen.append((statement, parameters))
event.listen(Engine, "before_cursor_execute", note)
result = CliRunner().invoke(cli, ["--db", url, *args])
if result.exit_code != 0:
    sys.exit(f"{args} failed: {result.output}")
event.remove(Engine, "before_cursor_execute", note)
engine = create_engine(url)
with engine.connect() as conn:
    # As tests/test_query_plans.py: with sequential scans priced out of reach, the server
    # chooses one only where no index can serve the statement.
    conn.exec_driver_sql("SET enable_seqscan = off")
    for statement, parameters in seen:
        plan = "\\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
        if re.search(r"Seq Scan on TABLES\\b", plan):
            print(" ".join(statement.split())[:300] + "…\\n" + plan)
            sys.exit(1)
print(len(seen))
""".replace("TABLES", PG_TABLES)


def explain_hot_reads(url: str, items: list[Measurement]) -> list[str]:
    """Each hot read's statements on the large PostgreSQL ledger, planned by the server: the
    lines of the table (and the plans that read a whole ledger table)."""
    lines = []
    for item in items:
        if item.section.startswith("PostgreSQL: large"):
            args = item.measured.argv(1)[3:]  # after `tracker --db URL`
            done = subprocess.run([PYTHON, "-c", EXPLAIN, url, *args], capture_output=True, text=True)
            verdict = "indexes only" if done.returncode == 0 else "READS A WHOLE TABLE"
            item.plans_ok = done.returncode == 0
            lines.append(f"EXPLAIN {item.name}: {done.stdout.strip() if done.returncode == 0 else ''} "
                         f"statements, {verdict}" + ("" if done.returncode == 0 else f"\n{done.stdout}{done.stderr}"))
    return lines


def stats_baseline(path: Path) -> str:
    """The counts of `tracker stats`, as plain sqlite3 aggregate queries over the same tables."""
    return f"""
import datetime, sqlite3
conn = sqlite3.connect({str(path)!r})
today = datetime.date.today().isoformat()
conn.execute("SELECT status, count(*), count(deleted_at), count(CASE WHEN resolve_by < ? THEN 1 END), "
             "count(CASE WHEN next_review_on <= ? THEN 1 END) FROM forecasts GROUP BY status", (today, today)).fetchall()
conn.execute("SELECT count(e.id), count(e.retracted_at) FROM evidence e JOIN forecasts f ON f.id = e.forecast_id "
             "WHERE f.deleted_at IS NULL").fetchall()
conn.execute("SELECT count(*) FROM forecasts f WHERE f.deleted_at IS NULL AND NOT EXISTS "
             "(SELECT 1 FROM evidence e WHERE e.forecast_id = f.id AND e.retracted_at IS NULL)").fetchall()
conn.execute("SELECT substr(v.at, 1, 10), v.to_status, count(*) FROM events v JOIN forecasts f ON f.id = v.forecast_id "
             "WHERE v.kind = 'status_changed' AND v.from_status != v.to_status AND f.deleted_at IS NULL "
             "GROUP BY 1, 2").fetchall()
"""


def score_baseline(path: Path) -> str:
    """The plain scorecard's sums (Brier, log score, calibration bins) as one sqlite3 aggregate."""
    return f"""
import sqlite3
conn = sqlite3.connect({str(path)!r})
conn.execute("SELECT min(9, CAST(probability * 10 AS INTEGER)), count(*), "
             "sum((probability - (status = 'confirmed')) * (probability - (status = 'confirmed'))), "
             "sum(ln(CASE WHEN status = 'confirmed' THEN max(probability, 0.01) ELSE max(1 - probability, 0.01) END)) "
             "FROM forecasts WHERE deleted_at IS NULL AND status IN ('confirmed', 'refuted') "
             "AND probability IS NOT NULL GROUP BY 1").fetchall()
"""


def milliseconds(side: Side) -> str:
    return f"{statistics.median(side.seconds) * 1000:,.0f}"


def megabytes(side: Side) -> str:
    return f"{statistics.median(side.peak_kb) / 1024:,.0f}"


def verdict(ratio: float, target: float | None) -> tuple[str, str]:
    if target is None:
        return "", ""
    return f"≤ {target:g}", "pass" if ratio <= target else "FAIL"


def table(items: list[Measurement]) -> str:
    header = ("command", "ref ms", "ms", "ratio", "target", "", "ref MB", "MB", "ratio", "target", "")
    rows, sections = [], []
    for item in items:
        if item.section not in sections:
            sections.append(item.section)
            rows.append((f"[{item.section}]",))
        time_ratio, memory_ratio = item.time_ratio(), item.memory_ratio()
        against = f"; time: {item.rate.label()}" if item.rate else ""
        rows.append((f"{item.name}  ({item.reference.label} → {item.measured.label}{against})",
                     f"{item.reference_seconds() * 1000:,.0f}", milliseconds(item.measured), f"{time_ratio:.2f}",
                     *verdict(time_ratio, item.time_target),
                     megabytes(item.reference), megabytes(item.measured), f"{memory_ratio:.2f}",
                     *verdict(memory_ratio, item.memory_target)))
    widths = [max(len(row[column]) for row in [header, *rows] if len(row) > column and len(row) > 1)
              for column in range(len(header))]
    lines = []
    for row in [header, *rows]:
        if len(row) == 1:
            lines.append(row[0])
            continue
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def measured_row(item: Measurement) -> str:
    """The table's row of one measurement, printed as soon as it is measured: a long run cut short
    still says what it found."""
    return table([item]).splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="forecasts in the large ledger")
    parser.add_argument("--rounds", type=int, default=7, help="timed runs of each command (export: one)")
    parser.add_argument("--ledgers", type=Path, default=LEDGERS, help=f"where ledgers are kept [{LEDGERS}]")
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="only measurements whose command contains TEXT (repeatable)")
    parser.add_argument("--pg", metavar="URL",
                        help="also measure on the PostgreSQL server of this database URL (the benchmark makes, "
                             "and replaces, databases named after its database: NAME_bench_seed, NAME_bench_large)")
    args = parser.parse_args()
    if args.size < 1000:
        parser.error("--size must be at least 1000")
    args.ledgers.mkdir(parents=True, exist_ok=True)
    compile_tracker()
    large, seed = large_ledger(args.ledgers, args.size), seed_ledger(args.ledgers)
    scratch = args.ledgers / "scratch"
    scratch.mkdir(exist_ok=True)
    small, big = seed_picks(seed), large_picks(large)
    items = [item for item in measurements(seed, large, scratch, small, big)
             if not args.only or any(text in item.name for text in args.only)]
    began = time.perf_counter()
    plans = []
    if args.pg:
        copy, on_postgres, urls = postgres_measurements(args.pg, seed, large, small, big, args.size)
        print(f"  {copy.name}  (seed → large)", flush=True)
        measure(copy, args.rounds)  # always: the measurements on PostgreSQL read what it copies
        print(f"    {measured_row(copy)}", flush=True)
        for url in urls.values():
            subprocess.run([PYTHON, "-c", ANALYZE, url.replace("+psycopg", "")], check=True)
        on_postgres = [item for item in on_postgres if not args.only or any(text in item.name for text in args.only)]
        plans = explain_hot_reads(urls["large"], on_postgres)
        items += [copy, *on_postgres]
    for item in items:
        if item.seconds_measured():
            continue
        print(f"  {item.name}  ({item.reference.label} → {item.measured.label})", flush=True)
        measure(item, args.rounds)
        print(f"    {measured_row(item)}", flush=True)
    size_mb = sum(part.stat().st_size for part in args.ledgers.glob(large.name + "*")) / 2**20
    print(f"\n{args.size:,} forecasts in {large.name} ({size_mb:,.0f} MB); {args.rounds} rounds; "
          f"measured in {time.perf_counter() - began:.0f} s; Python {sys.version.split()[0]}, "
          f"SQLite {sqlite3.sqlite_version}, {os.cpu_count()} cores\n")
    print(table(items))
    if plans:
        print("\nQuery plans of the hot reads on the large PostgreSQL ledger:\n" + "\n".join(plans))
    missed = [item.name for item in items if not all(item.verdicts())]
    print(f"\n{len(items) - len(missed)} of {len(items)} measurements meet their targets"
          + (f"; missed: {', '.join(missed)}" if missed else "."))
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
