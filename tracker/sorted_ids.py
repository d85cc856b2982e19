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
