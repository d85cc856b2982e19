"""How long work says how far it has got: `advance_to(done)`, called now and then with the
amount done so far (forecasts, rows, bytes: whatever the caller counted its total in).

The command line makes the callback (a bar on a terminal, cli/progress.py); services and
storage only call it, so they need nothing of the terminal.
"""

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

Progress = Callable[[int], None]
Item = TypeVar("Item")

EVERY = 500  # items between two calls: often enough to move a bar, seldom enough to cost nothing


def counted(items: Iterable[Item], progress: Progress | None, *, start: int = 0) -> Iterator[Item]:
    """The items, telling `progress` how many have gone by (after `start` done before them)."""
    if progress is None:
        yield from items
        return
    done = start
    for done, item in enumerate(items, start=start + 1):
        yield item
        if done % EVERY == 0:
            progress(done)
    progress(done)
