"""Whole numbers (ids, hashes) kept in a sorted array: eight bytes each, where a set of them takes
some hundred, for the long runs of them an import checks against."""

from array import array
from bisect import bisect_left
from collections.abc import Iterable
from heapq import merge
from itertools import islice


class SortedIds:
    def __init__(self, numbers: Iterable[int]) -> None:
        self.numbers = array("q", numbers)
        if any(a > b for a, b in zip(self.numbers, islice(self.numbers, 1, None))):
            self.numbers = array("q", sorted(self.numbers))  # an export lists ids in order: seldom

    def __len__(self) -> int:
        return len(self.numbers)

    def __contains__(self, n: object) -> bool:
        at = bisect_left(self.numbers, n)
        return at < len(self.numbers) and self.numbers[at] == n

    def repeated(self) -> bool:
        """Whether a number is held twice."""
        return any(a == b for a, b in zip(self.numbers, islice(self.numbers, 1, None)))

    def merged(self, other: "SortedIds") -> "SortedIds":
        return SortedIds(merge(self.numbers, other.numbers))


class NumberRuns:
    """Whole numbers (64-bit hashes) added one at a time and kept in sorted runs, eight bytes
    each: the newest in a small set until there are `FRESH` of them, then sorted into a run."""

    FRESH = 1 << 14
    LONGEST_MERGE = 1 << 18  # runs are merged up to this length, so that a merge stays small

    def __init__(self) -> None:
        self.runs: list[SortedIds] = []
        self.fresh: set[int] = set()

    def add(self, number: int) -> None:
        self.fresh.add(number)
        if len(self.fresh) >= self.FRESH:
            self._sort_fresh()

    def __contains__(self, number: object) -> bool:
        return number in self.fresh or any(number in run for run in self.runs)

    def _sort_fresh(self) -> None:
        run = SortedIds(self.fresh)
        self.fresh = set()
        while self.runs and len(self.runs[-1]) <= len(run) and len(run) < self.LONGEST_MERGE:
            run = run.merged(self.runs.pop())
        self.runs.append(run)
