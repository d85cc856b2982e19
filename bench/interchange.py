"""Import and export a generated ledger of a million forecasts; print rows per second and peak memory.

    python bench/interchange.py                 # 1,000,000 forecasts (several minutes)
    python bench/interchange.py --size 20000    # a quick check

Steps, each `tracker` step in its own process so its peak memory (max RSS) is its own:

1. write a JSONL file of N full-fidelity forecasts, as `tracker export --format jsonl` writes them
   (each with two tags, a source, and a `created` event; one in ten also resolved; each event
   with its change);
2. baseline: a plain `sqlite3` `executemany` of the same forecast rows into an empty ledger;
3. `tracker import` of the file into another empty ledger;
4. the share of the import spent checking each record against the fold of its events;
5. `tracker export` of that ledger as JSONL and as JSON.

Targets: import at least a quarter of the baseline's rows per second; export under 200 MB.
Not run by the test suite.
"""

import argparse
import datetime as dt
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STATUSES = ("open", "developing", "stalled", "confirmed", "partial", "refuted", "void")
FORECAST_COLUMNS = ("id", "key", "claim", "criteria", "source_id", "made_on", "resolve_by", "probability",
                    "status", "review_every", "next_review_on", "created_at", "updated_at", "version", "deleted_at")


def timestamp(moment: dt.datetime) -> str:
    return moment.isoformat()


def change(number: int, at: dt.datetime, command: str) -> dict:
    return {"id": number, "actor": "bench", "at": timestamp(at), "command": command, "note": None, "undoes": None}


def generate(path: Path, size: int) -> list[tuple]:
    """Write the JSONL file; return the forecast rows as the ledger stores them, for the baseline."""
    rng = random.Random(4)
    sources = [{"title": f"Outlet {n} weekly", "author": f"Author {n}", "outlet": None, "url": None,
                "published_on": None, "notes": None} for n in range(50)]
    base = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    rows, changes = [], 0
    with open(path, "w", encoding="utf-8") as out:
        for n in range(1, size + 1):
            made_on = dt.date(2025, 1, 1) + dt.timedelta(days=n % 300)
            created = base + dt.timedelta(seconds=n)
            status = "open" if n % 10 else rng.choice(STATUSES[3:])
            probability = round(rng.random(), 3)
            tags = sorted({f"topic-{n % 97}", f"region-{n % 13}"})
            values = {"key": f"bench/{n}", "claim": f"Forecast number {n}: the indicator passes {n % 1000}",
                      "criteria": "Confirmed if the published figure is above the threshold.",
                      "made_on": made_on.isoformat(), "resolve_by": (made_on + dt.timedelta(days=365)).isoformat(),
                      "probability": probability, "status": "open", "tags": tags, "review_every": 30,
                      "next_review_on": (made_on + dt.timedelta(days=30)).isoformat()}
            # Each event is what one command did, so each has a change of its own (`add`, then `update`).
            changes += 1
            events = [{"id": 2 * n - 1, "forecast_id": n, "version": 1, "change": changes, "at": timestamp(created),
                       "actor": "bench", "kind": "created", "new": dict(sorted(values.items()))}]
            made = [change(changes, created, "add")]
            updated = created
            if status != "open":
                updated = created + dt.timedelta(days=1)
                changes += 1
                events.append({"id": 2 * n, "forecast_id": n, "version": 2, "change": changes, "at": timestamp(updated),
                               "actor": "bench", "kind": "status_changed", "from": "open", "to": status,
                               "evidence_ids": [], "note": "settled"})
                made.append(change(changes, updated, "update"))
            record = {"id": n, **{k: values[k] for k in ("key", "claim", "criteria")},
                      "source": sources[n % 50], **{k: values[k] for k in ("made_on", "resolve_by", "probability")},
                      "status": status, "tags": tags, "review_every": 30, "next_review_on": values["next_review_on"],
                      "created_at": timestamp(created), "updated_at": timestamp(updated), "version": len(events),
                      "deleted_at": None, "evidence": [], "events": events, "changes": made}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            rows.append((n, values["key"], values["claim"], values["criteria"], n % 50 + 1, values["made_on"],
                         values["resolve_by"], probability, status, 30, values["next_review_on"],
                         created.strftime("%Y-%m-%d %H:%M:%S.%f"), updated.strftime("%Y-%m-%d %H:%M:%S.%f"),
                         len(events), None))
    return rows


def tracker(*args: str) -> tuple[float, int]:
    """Run one tracker command in its own process; return its seconds and peak memory in MB."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "tracker", *args], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"tracker {' '.join(args)} failed")
    return elapsed, usage.ru_maxrss // 1024


def baseline(ledger: Path, rows: list[tuple]) -> float:
    """Rows per second of a plain executemany of the forecast rows into an empty ledger's table."""
    subprocess.run([sys.executable, "-m", "tracker", "--db", str(ledger), "db", "upgrade"], check=True,
                   capture_output=True)  # an empty ledger at the current schema
    with sqlite3.connect(ledger) as conn:
        conn.executemany("INSERT INTO sources (id, title, author) VALUES (?, ?, ?)",
                         [(n + 1, f"Outlet {n} weekly", f"Author {n}") for n in range(50)])
        started = time.perf_counter()
        conn.executemany(f"INSERT INTO forecasts ({', '.join(FORECAST_COLUMNS)}) "
                         f"VALUES ({', '.join('?' * len(FORECAST_COLUMNS))})", rows)
        conn.commit()
        return len(rows) / (time.perf_counter() - started)


def prepare(folder: Path, size: int) -> None:
    """Generate the file and measure the baseline (in a process of its own: see `main`)."""
    started = time.perf_counter()
    rows = generate(folder / "ledger.jsonl", size)
    print(f"generated {size:,} forecasts ({(folder / 'ledger.jsonl').stat().st_size / 2**20:.0f} MB of JSONL) "
          f"in {time.perf_counter() - started:.1f} s")
    print(f"sqlite3 executemany of the forecast rows: {baseline(folder / 'baseline.db', rows):,.0f} rows/s")


def validation_seconds(source: Path) -> tuple[float, float]:
    """Seconds to decode and check every line of the file as import does, with and without the
    check of each record against the fold of its events (services/objects.py), in one process."""
    from tracker.services import objects

    def read_all() -> float:
        started = time.perf_counter()
        with open(source, "rb") as lines:
            for number, line in enumerate(lines, start=1):
                objects.decode_forecast_line(f"line {number}", line)
        return time.perf_counter() - started

    checked = read_all()
    check, objects._check_fold = objects._check_fold, lambda forecast: None
    try:
        unchecked = read_all()
    finally:
        objects._check_fold = check
    return checked, unchecked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="forecasts in the generated ledger")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep its files")
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare, args.size)
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    # A child's peak memory counts what its parent held when it was started, so this process
    # stays small: the million generated rows live and die in a process of their own.
    output = subprocess.run([sys.executable, __file__, "--size", str(args.size), "--prepare", str(folder)],
                            check=True, capture_output=True, text=True).stdout
    print(output, end="")
    plain = float(output.rsplit(":", 1)[1].split()[0].replace(",", ""))
    source = folder / "ledger.jsonl"
    ledger = folder / "imported.db"
    seconds, memory = tracker("--db", str(ledger), "--as", "bench", "import", str(source))
    rate = args.size / seconds
    print(f"tracker import:        {rate:,.0f} forecasts/s ({seconds:.1f} s), peak memory {memory} MB; "
          f"{rate / plain:.2f} of executemany (target ≥ 0.25)")
    checked, unchecked = validation_seconds(source)
    print(f"of which checking each record against the fold of its events: about {checked - unchecked:.1f} s "
          f"({(checked - unchecked) / seconds:.1%} of the import; reading the file with the check "
          f"{checked:.1f} s, without {unchecked:.1f} s; target ≤ 10%)")
    for fmt in ("jsonl", "json"):
        seconds, memory = tracker("--db", str(ledger), "export", "--format", fmt, "-o", str(folder / f"out.{fmt}"))
        print(f"tracker export {fmt:5}:  {args.size / seconds:,.0f} forecasts/s ({seconds:.1f} s), "
              f"peak memory {memory} MB (target < 200 MB)")
    same = (folder / "out.jsonl").read_bytes() == source.read_bytes()
    print(f"export of the imported ledger is byte-identical to the generated file: {same}")
    if not args.keep:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
