"""Ledgers beyond the test's own, for tests that move data from one ledger to another."""

import itertools
import shutil
from pathlib import Path

import pytest

_numbers = itertools.count()


class LedgerFactory:
    """Makes fresh, empty ledgers on the test's backend and drops them afterwards."""

    def __init__(self, request, backend: str, folder: Path) -> None:
        self.request, self.backend, self.folder = request, backend, folder
        self.made: list[str] = []

    def new(self) -> str:
        number = next(_numbers)
        if self.backend == "sqlite":
            path = self.folder / f"ledger-{number}.db"
            shutil.copyfile(self.request.getfixturevalue("sqlite_template"), path)
            return str(path)
        server = self.request.getfixturevalue("postgres")
        name = f"{server.prefix}_extra_{number}"
        self.made.append(name)
        return server.create(name, template=server.template)

    def drop_all(self) -> None:
        if self.made:
            server = self.request.getfixturevalue("postgres")
            for name in self.made:
                server.drop(name)
            self.made.clear()


@pytest.fixture
def ledgers(request, ledger, tmp_path):
    factory = LedgerFactory(request, ledger.backend, tmp_path)
    yield factory
    factory.drop_all()
