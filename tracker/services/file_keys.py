"""The keys a file gives, remembered in eight bytes each: an import of millions of objects must
tell a key met twice and make keys that none of the file's take, in memory that stays small."""

from collections.abc import Iterable

from tracker.sorted_ids import SortedIds


class FileKeys:
    """The keys of a file's objects that an import applies after reading the whole file (updates,
    new objects made as the services make them), kept as their 64-bit hashes in sorted runs: a set
    of the keys would take some 75 bytes a key. And the keys the import makes for objects without
    one, kept whole until they are written.

    A key whose hash was given before is the same key given twice or, about once in ten million
    imports of a million keys, another of the same hash: `in` says only "perhaps", and the import
    makes sure by reading the file again (imports.py). Taken for a key of the file, a made key is
    only passed over for the next one.
    """

    FRESH = 1 << 14  # hashes kept in a set before they are sorted into a run
    LONGEST_MERGE = 1 << 18  # runs are merged up to this length, so that a merge stays small

    def __init__(self) -> None:
        self.runs: list[SortedIds] = []
        self.fresh: set[int] = set()
        self.made: set[str] = set()

    def given(self, key: str) -> None:
        """A key the file gives."""
        self.fresh.add(hash(key))
        if len(self.fresh) >= self.FRESH:
            self._sort_fresh()

    def __contains__(self, key: object) -> bool:
        if key in self.made:
            return True
        hashed = hash(key)
        return hashed in self.fresh or any(hashed in run for run in self.runs)

    def add(self, key: str) -> None:
        """A key made for an object of the file, taken until it is written (`difference_update`)."""
        self.made.add(key)

    def difference_update(self, keys: Iterable[str]) -> None:
        self.made.difference_update(keys)

    def _sort_fresh(self) -> None:
        run = SortedIds(self.fresh)
        self.fresh = set()
        while self.runs and len(self.runs[-1]) <= len(run) and len(run) < self.LONGEST_MERGE:
            run = run.merged(self.runs.pop())
        self.runs.append(run)
