"""Every test gets its own ledger through TRACKER_DB, and a fixed actor.

CLI tests run twice: on a SQLite file, and on a fresh PostgreSQL database when
TRACKER_TEST_PG_URL names a server (they are skipped, with the reason shown, when it is
not). Tests about SQLite files themselves are marked `sqlite_only`.
"""

import itertools
import json
import os
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tracker.cli.main import cli

TABLES = ("sources", "forecasts", "forecast_tags", "evidence", "changes", "events", "event_citations",
          "alembic_version")
PG_URL = os.environ.get("TRACKER_TEST_PG_URL")
PG_SKIP = "PostgreSQL tests need TRACKER_TEST_PG_URL, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test"
_numbers = itertools.count()

# Property tests: where CI is set, a bounded number of examples each and no deadline (a shared
# runner's pauses are not slowness); elsewhere Hypothesis's defaults. Tests that set their own
# counts keep them.
settings.register_profile("ci", max_examples=50, deadline=None, print_blob=True)
settings.register_profile("dev")
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def pytest_report_header(config):
    return f"PostgreSQL: {make_url(PG_URL).render_as_string(hide_password=True)}" if PG_URL else \
        f"PostgreSQL: NOT TESTED. {PG_SKIP}"


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: the test is about SQLite files and runs on SQLite alone")
    config.addinivalue_line("markers", "postgres_only: the test needs a PostgreSQL server")


def pytest_generate_tests(metafunc):
    if "backend" not in metafunc.fixturenames:
        return
    if metafunc.definition.get_closest_marker("sqlite_only"):
        backends = ["sqlite"]
    elif metafunc.definition.get_closest_marker("postgres_only"):
        backends = ["postgresql"]
    else:
        backends = ["sqlite", "postgresql"]
    metafunc.parametrize("backend", backends, indirect=True)


@dataclass
class TestLedger:
    """Where one test's ledger lives: a SQLite file, or a PostgreSQL database URL."""

    backend: str
    target: str
    path: Path | None = None

    __test__ = False


class PostgresServer:
    """Creates a database per test from a template migrated once by `tracker db upgrade`."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        self.prefix = f"tracker_test_{os.getpid()}"
        self.template = f"{self.prefix}_template"

    def url_of(self, database: str) -> str:
        return self.url.set(database=database).render_as_string(hide_password=False)

    def create(self, name: str, template: str | None = None) -> str:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        return self.url_of(name)

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres():
    if not PG_URL:
        pytest.skip(PG_SKIP)
    server = PostgresServer(PG_URL)
    result = CliRunner().invoke(cli, ["--db", server.create(server.template), "db", "upgrade"])
    assert result.exit_code == 0, result.output
    yield server
    server.drop(server.template)
    server.admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One ledger created at head by `tracker db upgrade`, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "ledger.db"
    result = CliRunner().invoke(cli, ["--db", str(path), "db", "upgrade"])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def backend(request):
    return request.param


@pytest.fixture(autouse=True)
def ledger(request, backend, tmp_path, monkeypatch) -> TestLedger:
    monkeypatch.setenv("TRACKER_USER", "tester")
    if backend == "sqlite":
        path = tmp_path / "ledger.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        made = TestLedger("sqlite", str(path), path)
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        name = f"{server.prefix}_{next(_numbers)}"
        made = TestLedger("postgresql", server.create(name, template=server.template))
        request.addfinalizer(lambda: server.drop(name))
    monkeypatch.setenv("TRACKER_DB", made.target)
    return made


class Result:
    def __init__(self, click_result):
        self.exit_code = click_result.exit_code
        self.stdout = click_result.stdout
        self.stderr = click_result.stderr
        self.exception = click_result.exception

    def json(self):
        return json.loads(self.stdout)


def run(*args: str, input: str | None = None) -> Result:
    """Run the real command line in-process, stdout and stderr kept apart."""
    return Result(CliRunner().invoke(cli, [str(a) for a in args], input=input, prog_name="tracker"))


def ok(*args: str) -> Result:
    result = run(*args)
    assert result.exit_code == 0, f"{args} exited {result.exit_code}: {result.stderr}{result.exception!r}"
    return result


def run_json(*args: str):
    return ok(*args, "--format", "json").json()


def dump(where: TestLedger | Path) -> dict[str, list]:
    """A logical dump of a ledger: every row of every table, in a stable order."""
    if isinstance(where, TestLedger) and where.backend == "postgresql":
        engine = create_engine(where.target)
        try:
            with engine.connect() as conn:
                present = set(inspect(conn).get_table_names())
                return {table: sorted(map(repr, conn.execute(text(f"SELECT * FROM {table}"))))
                        for table in TABLES if table in present}
        finally:
            engine.dispose()
    path = where.path if isinstance(where, TestLedger) else where
    if not path.exists():
        return {}
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        present = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {table: sorted(map(repr, conn.execute(f"SELECT * FROM {table}")))
                for table in TABLES if table in present}


@pytest.fixture
def seeded(ledger) -> TestLedger:
    ok("seed")
    return ledger
