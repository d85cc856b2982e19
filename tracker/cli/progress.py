"""A progress bar for long imports and exports: on a terminal only, never on a pipe or file."""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

# Work smaller than this finishes in a moment; a bar would only flicker.
WORTH_SHOWING = 20_000  # forecasts
WORTH_SHOWING_BYTES = 20 * 2**20  # of a file to import: some 20,000 forecasts


@contextmanager
def progress_bar(total: int, label: str, *, worth_showing: int = WORTH_SHOWING
                 ) -> Iterator[Callable[[int], None] | None]:
    """Yields `advance_to(done)` for a bar on stderr, or None when no bar is shown."""
    if total < worth_showing or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        def advance_to(done: int) -> None:
            bar.update(max(0, min(done, total) - bar.pos))

        yield advance_to
        advance_to(total)
