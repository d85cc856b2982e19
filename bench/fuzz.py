"""Run tracker's fuzz tests long: many more examples than CI gives them.

    python bench/fuzz.py                   # 5,000 examples for each fuzz test (about an hour)
    python bench/fuzz.py --examples 500    # a shorter run
    python bench/fuzz.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/fuzz   # PostgreSQL tests too

The fuzz tests are tests/test_fuzz.py (every command of the Click tree, and the everyday
commands by a grammar) and tests/test_import_fuzz.py (every import format, tracker's and other
trackers', with hostile bytes). In CI they run under the bounded `ci` Hypothesis profile
(tests/conftest.py); here each runs until it has tried --examples inputs, and stops at the first
failure, printing the input that caused it (Hypothesis shrinks it first). Exit status is
pytest's: 0 when nothing was found.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUZZ_FILES = ["tests/test_fuzz.py", "tests/test_import_fuzz.py"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5000, help="inputs each fuzz test tries (default 5000)")
    parser.add_argument("--pg", metavar="URL", help="a PostgreSQL server for the tests that use one")
    parser.add_argument("-k", metavar="EXPRESSION", help="only the tests whose name matches (pytest's -k)")
    args = parser.parse_args()
    env = {name: value for name, value in os.environ.items() if name != "CI"}  # not the bounded profile
    env["TRACKER_FUZZ_EXAMPLES"] = env["TRACKER_IMPORT_FUZZ_EXAMPLES"] = str(args.examples)
    if args.pg:
        env["TRACKER_TEST_PG_URL"] = args.pg
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *FUZZ_FILES,
               "-k", args.k or "clean_answer or gets_a_clean"]
    return subprocess.run(command, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
