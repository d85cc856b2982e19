"""A long run of tests/test_ledger_model.py: many more and longer stories than the test suite's.

    python bench/soak_model.py                                  # 300 examples of up to 40 steps, both backends
    python bench/soak_model.py --examples 1000 --steps 60 --backend sqlite
    python bench/soak_model.py --seed 12345                     # the same stories again

The suite runs 20 examples of up to 20 steps on SQLite and 15 of 15 on PostgreSQL; this sets
TRACKER_MODEL_EXAMPLES and TRACKER_MODEL_STEPS higher and runs the one test for each backend
in turn, printing how long each took. PostgreSQL runs when TRACKER_TEST_PG_URL names a server, as for the
tests. A failing story is shrunk and printed step by step, and kept in Hypothesis's example
database (.hypothesis/), so the next ordinary test run tries it first. Exit status 1 when any
backend fails.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST = "tests/test_ledger_model.py::test_the_ledger_follows_its_model"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=300, help="stories a backend [default: 300]")
    parser.add_argument("--steps", type=int, default=40, help="most steps a story [default: 40]")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append",
                        help="run on this backend only; repeat for both [default: both]")
    parser.add_argument("--seed", type=int, help="Hypothesis's seed, to run the same stories again")
    args = parser.parse_args()
    backends = args.backend or ["sqlite", "postgresql"]
    if "postgresql" in backends and not os.environ.get("TRACKER_TEST_PG_URL"):
        print("TRACKER_TEST_PG_URL is not set: PostgreSQL is skipped.", file=sys.stderr)
        backends.remove("postgresql")
    env = {**os.environ, "TRACKER_MODEL_EXAMPLES": str(args.examples), "TRACKER_MODEL_STEPS": str(args.steps)}
    failed = []
    for backend in backends:
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"{TEST}[{backend}]"]
        if args.seed is not None:
            command.append(f"--hypothesis-seed={args.seed}")
        started = time.monotonic()
        done = subprocess.run(command, cwd=ROOT, env=env)
        verdict = "passed" if done.returncode == 0 else "FAILED"
        print(f"{backend}: {verdict}, {args.examples} example{'s' * (args.examples != 1)} of up to "
              f"{args.steps} steps in {time.monotonic() - started:.0f} s", flush=True)
        if done.returncode:
            failed.append(backend)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
