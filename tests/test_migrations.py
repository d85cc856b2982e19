"""The schema belongs to the Alembic migrations: one head, a round trip, models that match,
and older files upgraded automatically after a backup."""

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import dump, ok, run, run_json
from tracker.storage import migrate, schema
from tracker.storage.database import create_ledger_engine, database_url

pytestmark = pytest.mark.sqlite_only


def engine_for(path: Path):
    return create_ledger_engine(database_url(str(path)), write=False)


def test_one_linear_history_whose_head_is_the_constant_checked_at_start_up():
    scripts = migrate.script_directory()
    assert scripts.get_heads() == [schema.HEAD]
    walked = [rev.revision for rev in scripts.walk_revisions("base", "heads")]
    assert tuple(reversed(walked)) == schema.REVISIONS


def test_a_new_ledger_is_created_at_head_and_matches_the_models(tmp_path):
    target = tmp_path / "new.db"
    ok("--db", target, "add", "The first forecast")
    engine = engine_for(target)
    assert migrate.current_revision(engine) == schema.HEAD
    assert migrate.schema_differences(engine) == []
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_models_partial_indexes_are_those_the_migrations_make(tmp_path):
    """The two partial indexes join the models where the schema is compared (migrate), not at
    import; Alembic's comparison does not read their WHERE, so it is compared here."""
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex

    from tracker.storage.models import Base

    target = tmp_path / "new.db"
    ok("--db", target, "add", "The first forecast")
    with sqlite3.connect(target) as conn:
        made = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE name IN "
                                 "('ix_forecasts_scored', 'ix_events_revisions')"))
    declared = {index.name: str(CreateIndex(index).compile(dialect=sqlite.dialect()))
                for table in Base.metadata.tables.values() for index in table.indexes if index.name in made}

    def words(sql: str) -> str:
        return " ".join(sql.replace("(", " ( ").replace(")", " ) ").split()).replace('"', "")

    assert len(made) == 2 and {name: words(sql) for name, sql in declared.items()} == {
        name: words(sql) for name, sql in made.items()}


def test_upgrade_downgrade_round_trip(tmp_path):
    target = tmp_path / "trip.db"
    ok("--db", target, "db", "upgrade")
    assert ok("--db", target, "db", "current").stdout.strip() == f"{schema.HEAD} (head)"
    result = ok("--db", target, "db", "downgrade", "base")
    assert ".bak" in result.stderr
    with sqlite3.connect(target) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"alembic_version"}
    assert ok("--db", target, "db", "current").stdout.startswith("base")
    assert run("--db", target, "db", "check").exit_code == 1
    ok("--db", target, "db", "upgrade")
    ok("--db", target, "db", "check")
    assert migrate.schema_differences(engine_for(target)) == []


@pytest.mark.parametrize("command", [["list"], ["show", "1"], ["stats"], ["score"], ["export"], ["history", "1"],
                                     ["review"], ["evidence", "list", "1"], ["seed", "--list"], ["undo", "--list"]])
def test_a_read_command_on_a_missing_file_says_so_and_creates_nothing(tmp_path, command):
    folder = tmp_path / "empty"
    folder.mkdir()
    target = folder / "mistyped.db"
    result = run("--db", target, *command)
    assert result.exit_code == 1, result.stderr
    assert result.stderr == (f"Error: no ledger at {target}; run tracker seed or tracker add to start one, "
                             "or check --db.\n")
    assert list(folder.iterdir()) == []


def test_a_write_command_creates_a_missing_file(tmp_path):
    target = tmp_path / "new.db"
    ok("--db", target, "seed")
    assert len(run_json("--db", target, "list")) > 0


def test_db_current_and_check_do_not_create_a_missing_file(tmp_path):
    target = tmp_path / "absent.db"
    for command in ("current", "check"):
        result = run("--db", target, "db", command)
        assert result.exit_code == 1 and "no ledger at" in result.stderr
    assert not target.exists()


def test_a_ledger_from_a_newer_tracker_is_refused(ledger):
    ok("seed")
    with sqlite3.connect(ledger.path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    before = dump(ledger)
    result = run("list")
    assert result.exit_code == 1
    assert "newer than this tracker knows" in result.stderr
    assert dump(ledger) == before


def test_a_downgraded_file_is_upgraded_on_first_use_after_a_backup(ledger):
    ok("db", "downgrade", "base")
    for old in ledger.path.parent.glob("*.bak"):
        old.unlink()
    result = ok("seed")
    assert f"to schema {schema.HEAD}" in result.stderr
    [backup] = ledger.path.parent.glob("ledger.db.base-*.bak")
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 0
    assert len(run_json("list")) == 3


TEST_ONLY_REVISION = '''
"""A test-only revision: a table and a column, so upgrades over real rows can be checked."""
import sqlalchemy as sa
from alembic import op

revision = "9000_test_only"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("test_notes", sa.Column("id", sa.Integer, primary_key=True), sa.Column("text", sa.Text))
    with op.batch_alter_table("forecasts") as batch:
        batch.add_column(sa.Column("test_flag", sa.Integer, nullable=True))


def downgrade():
    with op.batch_alter_table("forecasts") as batch:
        batch.drop_column("test_flag")
    op.drop_table("test_notes")
'''


def use_newer_schema(tmp_path, monkeypatch):
    """From here on, the shipped migrations plus one revision more, as a later tracker has them."""
    location = tmp_path / "migrations"
    shutil.copytree(migrate.migrations_location(), location)
    (location / "versions" / "9000_test_only.py").write_text(TEST_ONLY_REVISION.format(head=schema.HEAD))
    monkeypatch.setattr(migrate, "migrations_location", lambda: str(location))
    monkeypatch.setattr(schema, "REVISIONS", schema.REVISIONS + ("9000_test_only",))
    monkeypatch.setattr(schema, "HEAD", "9000_test_only")


def test_an_older_ledger_with_rows_is_backed_up_then_upgraded(seeded, tmp_path, monkeypatch):
    ok("evidence", "add", "1", "Hotline used", "--stance", "supports")
    before = dump(seeded)
    use_newer_schema(tmp_path, monkeypatch)
    result = ok("list", "--format", "json")
    assert "Upgraded" in result.stderr and "9000_test_only" in result.stderr
    assert len(result.json()) == 3
    [backup] = seeded.path.parent.glob(f"ledger.db.{schema.REVISIONS[-2]}-*.bak")
    assert dump(backup) == before
    with sqlite3.connect(seeded.path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "9000_test_only"
        assert conn.execute("SELECT count(*) FROM forecasts WHERE test_flag IS NULL").fetchone()[0] == 3
        assert conn.execute("SELECT count(*) FROM evidence").fetchone()[0] == 1
    assert ok("list").stderr == ""  # upgraded once, not again


def test_the_installed_wheel_upgrades_a_ledger_from_another_folder(tmp_path):
    """Build the wheel, install it apart from the source tree, and migrate from elsewhere."""
    root = Path(__file__).resolve().parents[1]
    wheels, target, elsewhere = tmp_path / "wheels", tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, root],
                   check=True, capture_output=True)
    [wheel] = wheels.glob("tracker-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", target, wheel],
                   check=True, capture_output=True)
    assert (target / "tracker" / "migrations" / "versions" / f"{schema.HEAD}.py").is_file()
    assert (target / "tracker" / "seeds" / "anchorage-2025.json").is_file()

    def installed(*args):
        return subprocess.run([sys.executable, "-m", "tracker", "--db", "ledger.db", *args], cwd=elsewhere,
                              env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "TRACKER_USER": "t"},
                              capture_output=True, text=True)

    where = installed("db", "upgrade")
    assert where.returncode == 0, where.stderr
    located = subprocess.run([sys.executable, "-c", "import tracker; print(tracker.__file__)"], cwd=elsewhere,
                             env={"PYTHONPATH": str(target)}, capture_output=True, text=True).stdout
    assert located.startswith(str(target))
    assert installed("db", "current").stdout.strip() == f"{schema.HEAD} (head)"
    assert installed("seed").returncode == 0
    assert "anchorage-2025/channels" in installed("list", "--format", "json").stdout


def test_a_downgrade_to_an_unknown_revision_writes_no_backup(seeded):
    result = run("db", "downgrade", "bogus")
    assert result.exit_code == 1 and "no revision 'bogus'" in result.stderr
    assert list(seeded.path.parent.glob("*.bak")) == []


@pytest.mark.parametrize("revision", ["base", "0001", "0007_big_ids"])
def test_upgrade_to_an_older_revision_is_refused_and_points_to_downgrade(seeded, revision):
    before = dump(seeded)
    result = run("db", "upgrade", revision)
    assert result.exit_code == 1 and "only goes forward" in result.stderr
    assert f"tracker db downgrade {migrate.known_revision(revision)}" in result.stderr
    assert dump(seeded) == before and ok("db", "current").stdout.strip() == f"{schema.HEAD} (head)"


@pytest.mark.parametrize("revision", ["head", "+1", schema.HEAD])
def test_downgrade_to_a_later_revision_is_refused_before_any_backup(seeded, revision):
    ok("db", "downgrade", schema.REVISIONS[-2], "--yes")
    before = dump(seeded)
    backups = sorted(seeded.path.parent.glob("*.bak")) if seeded.backend == "sqlite" else []
    result = run("db", "downgrade", "--", revision)
    assert result.exit_code == 1 and "only goes back" in result.stderr and "tracker db upgrade" in result.stderr
    assert dump(seeded) == before
    if seeded.backend == "sqlite":
        assert sorted(seeded.path.parent.glob("*.bak")) == backups


@pytest.mark.sqlite_only
def test_downgrade_takes_the_start_of_a_revision_name_as_upgrade_does(seeded):
    ok("db", "downgrade", schema.REVISIONS[-2][:4])
    assert ok("db", "current").stdout.startswith(schema.REVISIONS[-2])
    ok("db", "upgrade", schema.HEAD[:4])
    assert ok("db", "current").stdout.strip() == f"{schema.HEAD} (head)"


def test_a_ledger_from_before_search_is_indexed_when_upgraded(seeded):
    """0002_search indexes the forecasts already there, and keeps indexing new changes."""
    ok("evidence", "add", "1", "Deconfliction line used")
    ok("db", "downgrade", "0001_initial")
    with sqlite3.connect(seeded.path) as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert not {name for name in names if "fts" in name}
    result = ok("list", "--search", "DETERRENCE", "--format", "json")
    assert "Upgraded" in result.stderr and [f["id"] for f in result.json()] == [3]
    ok("update", "3", "--claim", "Arms control talks resume")
    assert [f["id"] for f in run_json("list", "--search", "arms control")] == [3]
    assert run_json("list", "--search", "mutual deterrence return") == []
    assert migrate.schema_differences(engine_for(seeded.path)) == []


def test_every_revision_says_what_its_downgrade_drops():
    """A PostgreSQL downgrade asks for --yes where it would drop what people entered; each
    revision must say whether its downgrade does (None: only what the upgrade rebuilds)."""
    for script in migrate.script_directory().walk_revisions("base", "heads"):
        assert hasattr(script.module, "drops_on_downgrade"), script.revision
        assert script.module.drops_on_downgrade is None or script.module.drops_on_downgrade.strip()
