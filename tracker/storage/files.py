"""The files a SQLite ledger is made of, and how tracker writes any file of its own.

Every file tracker makes (a backup, the copy kept before an upgrade, whatever `-o` names) is
written here: never over a file of the ledger, private when new, and whole or not at all. Only
the standard library is used, so the CLI can write `-o` files without loading SQLAlchemy.
"""

import glob
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from tracker.errors import Conflict, InvalidInput

# What SQLite keeps beside a database in use, named after it: the write-ahead log, its shared
# index, and the rollback journal.
COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")


def companions(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in COMPANION_SUFFIXES]


def ledger_files(path: Path, *, backups: bool = True) -> list[Path]:
    """Every file that holds part of the ledger at `path`: the database, what SQLite keeps beside
    it and, with `backups`, the copies tracker keeps beside it. Each under the name given and the
    name its links resolve to, since SQLite names the files beside a database after the latter."""
    files: list[Path] = []
    for name in dict.fromkeys([path, Path(os.path.realpath(path))]):
        files += [name, *companions(name)]
        if backups:
            try:
                files += sorted(name.parent.glob(glob.escape(name.name) + ".*.bak"))
            except OSError:
                pass  # a folder that cannot be listed holds no backup this process could overwrite
    return files


def same_file(first: Path, second: Path) -> bool:
    """Whether two names reach one file: by symbolic links (even to a file not made yet), or by
    hard links and bind mounts, which only the device and inode numbers reveal."""
    if os.path.realpath(first) == os.path.realpath(second):
        return True
    try:
        one, other = os.stat(first), os.stat(second)
    except (OSError, ValueError):
        return False
    return (one.st_dev, one.st_ino) == (other.st_dev, other.st_ino)


def ledger_part(name: Path, ledger: Path, *, backups: bool = True) -> str | None:
    """What of the ledger at `ledger` the file `name` reaches, in words; None if nothing."""
    for part in ledger_files(ledger, backups=backups):
        if same_file(name, part):
            if part.name.endswith(".bak"):
                return f"a backup of the ledger ({part})"
            if part.name.endswith(COMPANION_SUFFIXES):
                return f"part of the ledger ({part})"
            return f"the ledger {part}"
    return None


def refuse_ledger_file(destination: Path, ledger: Path) -> None:
    """Raise InvalidInput, touching nothing, if writing `destination` would write a file of the
    ledger at `ledger` or one of the backups kept beside it."""
    what = ledger_part(destination, ledger)
    if what is not None:
        raise InvalidInput(f"{destination} is {what}; writing there would destroy it. Choose another file.")


def cannot_write(path: Path) -> bool:
    """Whether `path` is an existing file this process may not change, or sits in such a folder."""
    return path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def read_only_uri(path: Path) -> str:
    """A SQLite URI that reads the database at `path` and creates no file beside it.

    An ordinary reader of a WAL database creates its -wal and -shm files with the database's
    mode, and only a writer can remove them: left behind read-only, they stop every later
    writer. Where they exist (someone is writing) a read-only connection uses them; where they
    do not, no one has uncommitted pages outside the file, which is read as immutable: no
    locks, no files.
    """
    uri = f"file:{quote(str(path.absolute()))}?mode=ro"
    wal, shm, _ = companions(path)
    return uri if wal.exists() and shm.exists() else uri + "&immutable=1"


@contextmanager
def written_whole(path: Path, *, replace: bool) -> Iterator[Path]:
    """A new, empty, private temporary file to fill, in the folder of the file `path` names
    (through symbolic links, which stay as they are); once the block succeeds it is synced to
    disk and takes that name in one rename, else it is removed. So readers see the old file or
    the new one, never half of one, and a failure leaves nothing behind.

    A file made new is readable by its owner only; one replaced keeps its permissions. Without
    `replace`, an existing file (or one that appears meanwhile) is never replaced: Conflict.
    Raises OSError when the folder cannot be written or the name is too long for it.
    """
    target = Path(os.path.realpath(path))
    mode = None
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        pass
    if mode is not None and not replace:
        raise Conflict(f"{path} already exists; choose a new file name.")
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:40]}.", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        if mode is not None:
            os.chmod(temporary, mode)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())  # a late write error (a full disk) shows here, before the rename
        if replace:
            os.replace(temporary, target)
        else:
            move_without_replacing(temporary, target, path)
        sync_folder(target.parent)
    finally:
        for leftover in [temporary, *companions(temporary)]:
            leftover.unlink(missing_ok=True)


@contextmanager
def scratch_file(folder: Path) -> Iterator[Path]:
    """A private temporary file in `folder`, removed afterwards with whatever SQLite kept beside it."""
    handle, name = tempfile.mkstemp(dir=folder, prefix=".tracker-", suffix=".tmp")
    os.close(handle)
    try:
        yield Path(name)
    finally:
        for leftover in [Path(name), *companions(Path(name))]:
            leftover.unlink(missing_ok=True)


def move_without_replacing(temporary: Path, target: Path, named: Path) -> None:
    # A hard link fails if the name was taken meanwhile, where a rename would replace the file.
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise Conflict(f"{named} already exists; choose a new file name.") from None
    except OSError:
        # Some filesystems have no hard links: check, then rename.
        if os.path.lexists(target):
            raise Conflict(f"{named} already exists; choose a new file name.") from None
        os.replace(temporary, target)


def sync_folder(path: Path) -> None:
    """Flush a folder's list of names to disk, where the system allows it."""
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass  # some filesystems cannot sync a folder; the rename is still atomic
    finally:
        os.close(handle)
