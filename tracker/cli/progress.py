"""A progress bar for long whole-ledger work: on a terminal only, never on a pipe or file.

A bar is shown for work that takes more than a second or two, each kind counted in its own
unit at the pace it goes; smaller work finishes in a moment, and a bar would only flicker.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from tracker.progress import Progress

WORTH_SHOWING = 20_000  # forecasts exported or scored (10,000 to 20,000 a second)
WORTH_SHOWING_BYTES = 20 * 2**20  # of a file to import (some 20,000 forecasts) or a ledger to back up
WORTH_SHOWING_REPLAYED = 5_000  # forecasts `doctor` replays (some 3,000 a second)
WORTH_SHOWING_CARDS = 3_000  # forecasts the report gives a card (some 1,500 a second)
WORTH_SHOWING_DUE = 2_000  # forecasts of the review queue (some 1,000 a second)
WORTH_SHOWING_ROWS = 50_000  # rows `db copy` writes (some 25,000 a second)


def on_terminal(*, writes_stdout: bool = False) -> bool:
    """Whether a bar could be shown, so that work is worth counting for one: stderr is a
    terminal, and what the command writes on stdout as it works (`writes_stdout`) does not go
    to a terminal, where the bar would tangle with it and it shows how far the work has got."""
    return sys.stderr.isatty() and not (writes_stdout and sys.stdout.isatty())


@contextmanager
def progress_bar(total: int, label: str, *, worth_showing: int = WORTH_SHOWING) -> Iterator[Progress | None]:
    """Yields `advance_to(done)` for a bar on stderr, or None when no bar is shown."""
    if total < worth_showing or not on_terminal():
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        def advance_to(done: int) -> None:
            bar.update(max(0, min(done, total) - bar.pos))

        yield advance_to
        advance_to(total)
