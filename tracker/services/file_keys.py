"""The keys a file gives, remembered in eight bytes each: an import of millions of objects must
tell a key met twice and make keys that none of the file's take, in memory that stays small."""

from collections.abc import Iterable

from tracker.sorted_ids import NumberRuns


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

    def __init__(self) -> None:
        self.hashes = NumberRuns()
        self.made: set[str] = set()

    def given(self, key: str) -> None:
        """A key the file gives."""
        self.hashes.add(hash(key))

    def __contains__(self, key: object) -> bool:
        if key in self.made:
            return True
        return hash(key) in self.hashes

    def add(self, key: str) -> None:
        """A key made for an object of the file, taken until it is written (`difference_update`)."""
        self.made.add(key)

    def difference_update(self, keys: Iterable[str]) -> None:
        self.made.difference_update(keys)
