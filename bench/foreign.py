"""Import a PredictionBook-sized file in iqisa's layout, and score its forecasters; print the times.

    python bench/foreign.py                      # 18,670 questions, 63,592 forecasts, 2,226 people
    python bench/foreign.py --scale 0.01         # a quick check

Steps, each `tracker` command in a fresh process on an empty SQLite ledger:

1. write a predictions file and a questions file shaped like PredictionBook's public data as
   iqisa publishes it (see ../shared/data/forecasting/README.md): a few forecasts a question,
   most by the question's creator, a few people making most of them; most questions resolved,
   yes less often than no, a few ambiguous; probabilities on a coarse grid with some 0s and
   1s; some deadlines before the creation, some forecasts after the resolution, some titles
   missing, now and then two forecasts by one person in one second;
2. `tracker import --from iqisa PREDICTIONS --questions QUESTIONS` (target: under 10 s);
3. `tracker score --by forecaster --format json` (target: under 2 s).

The exit status is 1 when a target is missed. tests/test_bench.py runs it at a tiny scale so it
keeps working; the times mean something only at full scale.
"""

import argparse
import csv
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUESTIONS, PREDICTIONS, PEOPLE = 18_670, 63_592, 2_226
TARGETS = {"import": 10.0, "score": 2.0}
OPTIONS = "(0) No, (1) Yes, (-1) Ambiguous, (None) Still open"
FORECAST_COLUMNS = ("question_id", "user_id", "team_id", "probability", "answer_option", "timestamp", "outcome",
                    "open_time", "close_time", "resolve_time", "time_open", "n_opts", "options", "q_status", "q_type")
QUESTION_COLUMNS = ("question_id", "q_title", "q_status", "open_time", "close_time", "resolve_time", "outcome",
                    "time_open", "n_opts", "options")
WORDS = ("the", "will", "before", "price", "election", "launch", "rain", "team", "wins", "my", "finish", "paper",
         "bitcoin", "release", "moon", "vote", "book", "city", "year", "market", "above", "below", "new")
START = dt.datetime(2008, 6, 20, tzinfo=dt.timezone.utc)
SPAN = dt.timedelta(days=12 * 365)


def stamp(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S+00:00")


def probability(rng: random.Random) -> float:
    """Mostly on a 5% grid, some on 1%, about one in ten exactly 0 or 1."""
    roll = rng.random()
    if roll < 0.1:
        return float(rng.random() < 0.3)
    if roll < 0.8:
        return rng.randrange(1, 20) / 20
    return rng.randrange(1, 100) / 100


def forecast_counts(rng: random.Random, questions: int, predictions: int) -> list[int]:
    """How many forecasts each question has: one at least (its creator's), the rest spread
    unevenly, a few questions drawing many."""
    counts = [1] * questions
    weights = [rng.paretovariate(1.5) for _ in range(questions)]
    for n in rng.choices(range(questions), weights=weights, k=max(0, predictions - questions)):
        counts[n] += 1
    return counts


def generate(folder: Path, scale: float = 1.0, seed: int = 7) -> tuple[Path, Path]:
    """Write the predictions and questions files; return their paths."""
    rng = random.Random(seed)
    questions = max(2, round(QUESTIONS * scale))
    predictions = max(questions, round(PREDICTIONS * scale))
    people = [f"user{n}" if n % 7 else f"User {n}" for n in range(max(2, round(PEOPLE * scale)))]
    activity = [1 / (n + 1) ** 1.1 for n in range(len(people))]
    counts = forecast_counts(rng, questions, predictions)
    question_rows, forecast_rows = [], []
    for number, count in enumerate(counts, start=1):
        opened = START + SPAN * rng.random()
        deadline = opened + dt.timedelta(days=rng.expovariate(1 / 200)) if rng.random() > 0.03 \
            else opened - dt.timedelta(days=rng.randrange(1, 30))
        roll = rng.random()
        status, outcome, resolved = "resolved", "1.0" if rng.random() < 0.38 else "0.0", None
        if roll < 0.12:
            status, outcome = "open", ""
        elif roll < 0.135:
            status, outcome = "ambiguous", "-1.0"
        if status != "open":
            resolved = max(deadline, opened) + dt.timedelta(days=rng.expovariate(1 / 20))
        title = " ".join(rng.choices(WORDS, k=rng.randrange(3, 15))).capitalize() if rng.random() > 0.002 else ""
        facts = {"question_id": str(number), "q_status": status, "open_time": stamp(opened),
                 "close_time": stamp(deadline), "resolve_time": stamp(resolved), "outcome": outcome,
                 "time_open": str(deadline - opened), "options": OPTIONS}
        question_rows.append({**facts, "q_title": title, "n_opts": "2"})
        creator = rng.choices(people, weights=activity)[0]
        moment = opened
        end = resolved or opened + dt.timedelta(days=400)
        for n in range(count):
            if n:
                person = creator if rng.random() < 0.25 else rng.choices(people, weights=activity)[0]
                if rng.random() > 0.003:  # now and then, again in the same second
                    moment = moment + (end - moment) * rng.random() * 0.5 + dt.timedelta(seconds=1)
            else:
                person = creator
            forecast_rows.append({**facts, "user_id": person, "team_id": "0.0", "probability": str(probability(rng)),
                                  "answer_option": "1", "timestamp": stamp(moment), "n_opts": "2.0",
                                  "q_type": "0.0"})
    predictions_path, questions_path = folder / "public.csv", folder / "questions.csv"
    for path, columns, found in ((predictions_path, FORECAST_COLUMNS, forecast_rows),
                                 (questions_path, QUESTION_COLUMNS, question_rows)):
        with open(path, "w", encoding="utf-8", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(found)
    return predictions_path, questions_path


def tracker_command() -> list[str]:
    """The `tracker` script beside this Python, as a user runs it; else the module."""
    script = Path(sys.executable).parent / "tracker"
    return [str(script)] if script.exists() else [sys.executable, "-m", "tracker"]


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user and system) of one run in a fresh process; any failure ends
    the benchmark. On a machine shared with other work the wall time grows with the load and the
    CPU time much less: both are shown, the wall time is what the target is for."""
    before = os.times()
    began = time.perf_counter()
    done = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    elapsed = time.perf_counter() - began
    after = os.times()
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr}")
    return elapsed, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of PredictionBook's size [1]")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep its files")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        predictions, questions = generate(folder, args.scale)
        with open(predictions, encoding="utf-8") as file:
            rows = sum(1 for _ in file) - 1
        print(f"Generated {predictions.name} ({rows:,} forecasts) and {questions.name}.")
        ledger = folder / "ledger.db"
        ledger.unlink(missing_ok=True)
        env = {**os.environ, "TRACKER_DB": str(ledger), "TRACKER_USER": "bench"}
        timed([*tracker_command(), "db", "upgrade"], env)  # the empty ledger made, outside the timing
        times = {"import": timed([*tracker_command(), "import", "--from", "iqisa", str(predictions),
                                  "--questions", str(questions)], env),
                 "score": timed([*tracker_command(), "score", "--by", "forecaster", "--format", "json"], env)}
    missed = 0
    for name, label in (("import", "tracker import --from iqisa"), ("score", "tracker score --by forecaster")):
        wall, cpu = times[name]
        met = wall < TARGETS[name]
        missed += not met
        print(f"{label:<30} {wall:7.2f} s (CPU {cpu:5.2f} s)   target < {TARGETS[name]:g} s   "
              f"{'pass' if met else 'MISS'}")
    print(f"Load average {', '.join(f'{load:.1f}' for load in os.getloadavg())}.")
    print(f"{2 - missed} of 2 measurements meet their targets.")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
