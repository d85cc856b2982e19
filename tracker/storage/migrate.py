"""Schema changes through Alembic. Imported only when the schema must change or be inspected."""

import re
import shlex
from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, event, text

from tracker.errors import InvalidInput, SchemaError
from tracker.storage import schema, search
from tracker.storage.backup import backup_path, backup_sqlite
from tracker.storage.database import (UPGRADE_COMMAND, create_ledger_engine, display_url, pg_dump_command,
                                      refuse_missing_file, refuse_newer_schema)
from tracker.storage.models import Base, add_partial_indexes

add_partial_indexes()

# Any constant will do: it only has to be the same for every tracker process.
UPGRADE_LOCK_ID = 7_294_311


def migrations_location() -> str:
    """The migrations folder inside the installed package, wherever it was installed."""
    return str(files("tracker.migrations"))


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration built in code, pointing at the migrations inside the package."""
    config = Config()
    config.set_main_option("script_location", migrations_location())
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def _run(engine: Engine, action) -> None:
    # A writing engine: on SQLite its BEGIN IMMEDIATE makes concurrent upgrades take turns.
    writer = create_ledger_engine(engine.url, write=True)
    if writer.dialect.name == "sqlite":
        event.listen(writer, "connect", _foreign_keys_checked_at_the_end)
    try:
        with writer.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": UPGRADE_LOCK_ID})
            refuse_newer_schema(engine.url, MigrationContext.configure(connection).get_current_revision())
            action(alembic_config(connection))
            if connection.dialect.name == "sqlite":
                check_foreign_keys(connection)
    except CommandError as exc:
        raise InvalidInput(f"{exc}; known revisions: base, {', '.join(schema.REVISIONS)}.") from None
    finally:
        writer.dispose()


def _foreign_keys_checked_at_the_end(dbapi_connection, _record) -> None:
    """SQLite rebuilds a table to change it (batch mode): dropping the old one would break the
    rows that refer to it, so foreign keys are off while migrations run (SQLite's own recipe
    for altering tables) and checked whole before the transaction commits."""
    dbapi_connection.execute("PRAGMA foreign_keys = OFF")


def check_foreign_keys(connection: Connection) -> None:
    broken = connection.execute(text("PRAGMA foreign_key_check")).all()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise SchemaError(f"the schema change would leave {len(broken)} rows pointing at missing rows "
                          f"({table} row {rowid} points at a missing {parent} row); nothing was changed. "
                          "Run `tracker doctor` to see what is damaged.")


def upgrade(engine: Engine, revision: str = "head") -> None:
    revision = known_revision(revision)
    current = current_revision(engine)
    if revision.startswith("-") or _order(revision) < _order(current):
        raise InvalidInput(f"the schema is at {current or 'base'}, after {revision}; `db upgrade` only goes "
                           f"forward. To go back, run `tracker db downgrade {revision}`.")
    _run(engine, lambda config: command.upgrade(config, revision))


def known_downgrade(engine: Engine, revision: str) -> str:
    """A revision `db downgrade` takes: not one after the schema, nor a step forward."""
    revision = known_revision(revision)
    current = current_revision(engine)
    if not revision.startswith("-") and (revision.startswith("+") or _order(revision) > _order(current)):
        raise InvalidInput(f"the schema is at {current or 'base'}, before {revision}; `db downgrade` only goes "
                           f"back. To go forward, run `tracker db upgrade {revision}`.")
    return revision


def _order(revision: str | None) -> int:
    """Where a revision stands in the chain: base (or none) first; head, and a step forward, last."""
    if revision in (None, "base"):
        return -1
    return schema.REVISIONS.index(revision) if revision in schema.REVISIONS else len(schema.REVISIONS)


def known_revision(revision: str) -> str:
    """A revision as `db upgrade` and `db downgrade` take it: head, base, a revision of
    schema.REVISIONS or the start of exactly one, or a relative step such as +1. Anything else
    is refused here, as Alembic would stop on some of it with an assertion, not an error."""
    if revision in ("head", "heads", "base") or re.fullmatch(r"[+-][0-9]{1,4}", revision):
        return revision
    matching = [known for known in schema.REVISIONS if revision and known.startswith(revision)]
    if len(matching) == 1:
        return matching[0]
    raise InvalidInput(f"no revision {revision!r}; give head, base, one of {', '.join(schema.REVISIONS)}, "
                       "or a step such as +1.")


def upgrade_keeping_a_copy(engine: Engine) -> Path | None:
    """Upgrade a SQLite ledger to head after writing a copy of it beside it; return the copy, or
    None when another process upgraded it meanwhile and there was nothing to do.

    Many processes can find the same old ledger at once; each waits for the write lock, and
    only the first to hold it sees the old revision, copies and upgrades. If the upgrade fails
    the ledger is left as it was, and so the copy is removed.
    """
    path = Path(engine.url.database)
    kept: list[Path] = []

    def copy_then_upgrade(config: Config) -> None:
        revision = MigrationContext.configure(config.attributes["connection"]).get_current_revision()
        if revision == schema.HEAD:
            return
        copy = backup_path(path, revision or "")
        backup_sqlite(path, copy)
        kept.append(copy)  # only once it is ours: a name someone else took is never removed
        command.upgrade(config, "head")

    try:
        _run(engine, copy_then_upgrade)
    except BaseException:
        for copy in kept:
            copy.unlink(missing_ok=True)
        raise
    return kept[0] if kept else None


def downgrade(engine: Engine, revision: str) -> None:
    revision = known_downgrade(engine, revision)
    _run(engine, lambda config: command.downgrade(config, revision))


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_differences(engine: Engine) -> list:
    """What Alembic's comparison finds between the database and the models; empty when equal."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                              "include_name": search.include_name})
        return compare_metadata(context, Base.metadata)


def require_existing(engine: Engine) -> None:
    """Inspecting a SQLite file that is not there must not create it."""
    refuse_missing_file(engine.url)


def check(engine: Engine) -> None:
    revision = current_revision(engine)
    refuse_newer_schema(engine.url, revision)
    if revision != schema.HEAD:
        raise SchemaError(f"schema is at {revision or 'base'}, not head {schema.HEAD}; "
                          f"run `{UPGRADE_COMMAND}`.")
    differences = schema_differences(engine)
    if differences:
        listed = "; ".join(str(d) for d in differences[:5])
        raise SchemaError(f"schema differs from the models in {len(differences)} ways: {listed}")


def dropped_by_downgrade(engine: Engine, revision: str) -> list[str]:
    """What a downgrade to `revision` would drop of what people entered, one entry for each
    revision undone that drops some (its `drops_on_downgrade`); empty when it drops only what
    the upgrade builds again (indexes, folded search text)."""
    current = current_revision(engine)
    try:
        undone = list(script_directory().iterate_revisions(current, revision, select_for_downgrade=True))
    except RevisionError as exc:
        raise InvalidInput(f"{exc}; known revisions: base, {', '.join(schema.REVISIONS)}.") from None
    if undone and undone[-1].down_revision is None:
        return [undone[-1].module.drops_on_downgrade]  # every table: that says all there is to say
    return [script.module.drops_on_downgrade for script in undone if script.module.drops_on_downgrade]


def refuse_downgrade_that_drops_data(engine: Engine, revision: str, *, confirmed: bool) -> None:
    """A PostgreSQL ledger is the team's, and has no copy written beside it as a SQLite file has:
    a downgrade that would drop what people entered needs `confirmed`, and the refusal names
    the pg_dump command that takes a backup first."""
    if engine.url.get_backend_name() == "sqlite" or confirmed:
        return
    refuse_newer_schema(engine.url, current_revision(engine))
    revision = known_downgrade(engine, revision)
    dropped = dropped_by_downgrade(engine, revision)
    if not dropped:
        return
    raise InvalidInput(f"downgrading {display_url(engine.url)} to {revision} would drop the team's data "
                       f"({'; '.join(dropped)}). "
                       f"Take a backup first, `{pg_dump_command(engine.url)}`, then run "
                       f"`tracker db downgrade {shlex.quote(revision)} --yes`.")


def backup_before_downgrade(engine: Engine, revision: str) -> Path | None:
    """A copy of a SQLite ledger before a downgrade drops anything; None for servers."""
    if engine.url.get_backend_name() != "sqlite":
        return None
    require_existing(engine)
    path = Path(engine.url.database)
    current = current_revision(engine)
    refuse_newer_schema(engine.url, current)
    known_downgrade(engine, revision)
    destination = backup_path(path, current or "")
    backup_sqlite(path, destination)
    return destination
