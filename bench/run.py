"""Time tracker's commands side by side and print how they compare with their targets.

    python bench/run.py                  # a ledger of 1,000,000 forecasts (built once: minutes)
    python bench/run.py --size 20000     # a quick check
    python bench/run.py --only list      # only the measurements whose command contains "list"

Every measurement is a pair of commands, each run in a fresh process: a reference (the seed
ledger, or the bare libraries, or plain sqlite3) and the command measured against it. The
pair is run `--rounds` times, alternating which goes first, after one untimed run of each to
warm the file cache (export and report, which read the whole ledger, run once, unwarmed). The table gives each side's median wall time and median peak memory
(resident set size, from the kernel's accounting of the finished process), their ratios, the
target each ratio must meet, and whether it does. The exit status is 1 when a target is
missed.

Ledgers live in bench/ledgers/ (ignored by git; `--ledgers DIR` puts them elsewhere). The
large one is made by generate.py and kept for later runs, named by its size, the generator's
version and the schema revision, so a new schema or generator makes a new one. The seed ledger is made anew each run. The write
measurements change both ledgers a little, as a user would: a probability set, a piece of
evidence added, a review recorded.
"""

import argparse
import os
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


@dataclass
class Measurement:
    section: str
    name: str
    reference: Side
    measured: Side
    time_target: float | None = None
    memory_target: float | None = None
    rounds: int | None = None  # fewer than --rounds, and no warm-up, for a long command

    def verdicts(self) -> list[bool]:
        return [ratio <= target for ratio, target in ((self.time_ratio(), self.time_target),
                                                       (self.memory_ratio(), self.memory_target)) if target]

    def time_ratio(self) -> float:
        return statistics.median(self.measured.seconds) / statistics.median(self.reference.seconds)

    def memory_ratio(self) -> float:
        return statistics.median(self.measured.peak_kb) / statistics.median(self.reference.peak_kb)


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
    sides = (item.reference, item.measured)
    if item.rounds is None:
        for side in sides:
            run_once(side.argv(0))
    for number in range(1, (item.rounds or rounds) + 1):
        for side in sides if number % 2 else reversed(sides):
            seconds, peak_kb = run_once(side.argv(number))
            side.seconds.append(seconds)
            side.peak_kb.append(peak_kb)


@dataclass
class Picks:
    """What the commands on each ledger are about: a typical forecast, a common tag, words."""
    forecast: int
    tag: str
    common_word: str
    rare_word: str


def seed_picks() -> Picks:
    return Picks(forecast=1, tag="us-russia", common_word="deterrence", rare_word="deconfliction")


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
    return Picks(forecast=forecast, tag=tag, common_word=generate.WORDS[0], rare_word=generate.RARE_WORDS[-1])


def large_ledger(folder: Path, size: int) -> Path:
    from tracker.storage.schema import REVISIONS

    path = folder / f"large-{size}-g{generate.GENERATOR_VERSION}-{REVISIONS[-1]}.db"
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
        building.rename(path)
    return path


def seed_ledger(folder: Path) -> Path:
    path = folder / "seed.db"
    for old in folder.glob("seed.db*"):
        old.unlink()
    subprocess.run([*tracker_command(), "--db", str(path), "seed"], check=True, capture_output=True)
    return path


def measurements(seed: Path, large: Path) -> list[Measurement]:
    tracker = tracker_command()
    small, big = seed_picks(), large_picks(large)

    def on(path: Path, *args) -> Argv:
        return lambda number: [*tracker, "--db", str(path), *[arg(number) if callable(arg) else str(arg)
                                                             for arg in args]]

    def python(code: str, label: str) -> Side:
        return Side(label, lambda number: [PYTHON, "-c", code])

    def pair(section, name, seed_args, large_args, time_target=None, memory_target=None, rounds=None):
        return Measurement(section, name, Side("seed", on(seed, *seed_args)), Side("large", on(large, *large_args)),
                           time_target, memory_target, rounds)

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
        pair(scale, "list --status open --limit 50", ["list", "--status", "open", "--limit", 50],
             ["list", "--status", "open", "--limit", 50], 1.5),
        pair(scale, "list --tag T --limit 50", ["list", "--tag", small.tag, "--limit", 50],
             ["list", "--tag", big.tag, "--limit", 50], 1.5),
        pair(scale, "list --search COMMON --limit 50", ["list", "--search", small.common_word, "--limit", 50],
             ["list", "--search", big.common_word, "--limit", 50], 1.5),
        pair(scale, "list --search RARE --limit 50", ["list", "--search", small.rare_word, "--limit", 50],
             ["list", "--search", big.rare_word, "--limit", 50], 1.5),
        pair(scale, "list --limit 50", ["list", "--limit", 50], ["list", "--limit", 50], 1.5, 1.5),
        pair(scale, "show ID", ["show", small.forecast], ["show", big.forecast], 1.5, 1.5),
        pair(scale, "history ID", ["history", small.forecast], ["history", big.forecast], 1.5),
        pair(scale, "review --limit 50", ["review", "--limit", 50], ["review", "--limit", 50], 1.5),
        pair(scale, "update ID --probability P", ["update", small.forecast, "--probability", probability],
             ["update", big.forecast, "--probability", probability], 1.2),
        pair(scale, "evidence add ID TEXT", ["evidence", "add", small.forecast, words],
             ["evidence", "add", big.forecast, words], 1.2),
        pair(scale, "review ID", ["review", small.forecast], ["review", big.forecast], 1.2),
        pair(scale, "stats", ["stats"], ["stats"], None, 1.5),
        pair(scale, "score", ["score"], ["score"], None, 1.5),
        pair(scale, "export --format jsonl", ["export", "--format", "jsonl"], ["export", "--format", "jsonl"],
             None, 1.5, rounds=1),
        pair(scale, "report --format html", report("html"), report("html"), None, 1.5, rounds=1),
        pair(scale, "report --format markdown", report("markdown"), report("markdown"), None, 1.5, rounds=1),
        pair(scale, "report --all --format html", report("html", "--all"), report("html", "--all"), None, 1.5,
             rounds=1),
        pair(scale, "export --format markdown", ["export", "--format", "markdown"], ["export", "--format", "markdown"],
             None, 1.5, rounds=1),
        against(aggregates, "stats", python(stats_baseline(large), "sqlite3"), "large", large, ["stats"], 3),
        against(aggregates, "score", python(score_baseline(large), "sqlite3"), "large", large, ["score"], 3),
    ]


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
        rows.append((f"{item.name}  ({item.reference.label} → {item.measured.label})",
                     milliseconds(item.reference), milliseconds(item.measured), f"{time_ratio:.2f}",
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="forecasts in the large ledger")
    parser.add_argument("--rounds", type=int, default=7, help="timed runs of each command (export: one)")
    parser.add_argument("--ledgers", type=Path, default=LEDGERS, help=f"where ledgers are kept [{LEDGERS}]")
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="only measurements whose command contains TEXT (repeatable)")
    args = parser.parse_args()
    if args.size < 1000:
        parser.error("--size must be at least 1000")
    args.ledgers.mkdir(parents=True, exist_ok=True)
    large, seed = large_ledger(args.ledgers, args.size), seed_ledger(args.ledgers)
    items = [item for item in measurements(seed, large)
             if not args.only or any(text in item.name for text in args.only)]
    began = time.perf_counter()
    for item in items:
        print(f"  {item.name}  ({item.reference.label} → {item.measured.label})", flush=True)
        measure(item, args.rounds)
    size_mb = sum(part.stat().st_size for part in args.ledgers.glob(large.name + "*")) / 2**20
    print(f"\n{args.size:,} forecasts in {large.name} ({size_mb:,.0f} MB); {args.rounds} rounds; "
          f"measured in {time.perf_counter() - began:.0f} s; Python {sys.version.split()[0]}, "
          f"SQLite {sqlite3.sqlite_version}, {os.cpu_count()} cores\n")
    print(table(items))
    missed = [item.name for item in items if not all(item.verdicts())]
    print(f"\n{len(items) - len(missed)} of {len(items)} measurements meet their targets"
          + (f"; missed: {', '.join(missed)}" if missed else "."))
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
