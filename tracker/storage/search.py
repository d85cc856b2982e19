"""Search: what `list --search` asks the database, and on what index.

A forecast matches when its claim, criteria or key contains the text typed, ignoring case by
Unicode full case folding, the same on every path and backend. Neither database folds case
that way, so each forecast stores its search text already folded (`Forecast.search_text`,
see storage/folding.py) and the needle is folded in Python too: what is left is a literal,
case-sensitive substring test, which both backends answer alike.

On SQLite the FTS5 table `forecasts_fts` (trigram tokenizer) over the search text finds
matches of three characters or more; on PostgreSQL, LIKE is served by the GIN trigram index
`ix_forecasts_search`. Both are made by migration 0005_search_fold and kept in step with
`forecasts` in the same transaction as every change (SQLite by triggers, PostgreSQL by its
index). They are not in the models, so `include_name` keeps them out of Alembic's comparison
of models and database.

A trigram index cannot look up text shorter than three characters; such a search reads the
forecasts instead, with the same meaning.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Column, ColumnElement, Connection, Integer, MetaData, Table, Text, func, text

from tracker.storage.folding import fold
from tracker.storage.models import Forecast

FTS_TABLE = "forecasts_fts"
GIN_INDEX = "ix_forecasts_search"
SHORTEST_INDEXED = 3

# Not part of the models: the table as queries name it.
forecasts_fts = Table(FTS_TABLE, MetaData(), Column("rowid", Integer, primary_key=True),
                      Column(FTS_TABLE, Text))


def include_name(name: str | None, type_: str, _parent_names) -> bool:
    """For Alembic's comparison: leave out the search objects (and FTS5's own tables)."""
    return not (name and (name == GIN_INDEX or name.startswith(FTS_TABLE)))


def uses_fts(dialect_name: str, text: str) -> bool:
    """Whether `text` is looked up in the FTS5 table rather than matched row by row.

    Its folded length counts: "ß" is one character typed but two searched ("ss").
    """
    return dialect_name == "sqlite" and len(fold(text)) >= SHORTEST_INDEXED


def fts_match(text: str) -> ColumnElement[bool]:
    """The FTS5 condition on `forecasts_fts`: the folded text as one phrase, i.e. a substring.

    The table's tokenizer is case-sensitive: the text it holds is folded already, and its own,
    simpler folding would make the field separator match a letter typed.
    """
    phrase = '"' + fold(text).replace('"', '""') + '"'
    return forecasts_fts.c[FTS_TABLE].op("MATCH")(phrase)


def contains_text(text: str, dialect_name: str) -> ColumnElement[bool]:
    """The search text contains the folded `text`, read forecast by forecast on SQLite.

    Not SQLite's LIKE, which folds ASCII letters (and only those) itself; `instr` compares
    exactly. PostgreSQL's LIKE compares exactly and is what its trigram index serves; the
    wildcards and the escape character are escaped to stand for themselves.
    """
    folded = fold(text)
    if dialect_name == "sqlite":
        return func.instr(Forecast.search_text, folded) > 0
    pattern = "%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return Forecast.search_text.like(pattern, escape="\\")


@contextmanager
def search_index_set_aside(connection: Connection) -> Iterator[None]:
    """While rows are written in bulk into an empty ledger (storage/bulk.py), leave the search
    index be and build it once at the end from every forecast: on SQLite the FTS5 table, filled
    row by row by a trigger some ten times slower; on PostgreSQL the trigram index. Like the
    rest of the transaction, a failure undoes it all."""
    if connection.dialect.name == "postgresql":
        made = connection.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"),
                                  {"name": GIN_INDEX}).scalar()
        dropped, rebuilt = ([f"DROP INDEX {GIN_INDEX}"], [made]) if made else ([], [])
    else:
        # Every trigger of the index, not only the insert's: a forecast updated meanwhile (an
        # import's twin found earlier in its own file) would have its update trigger delete
        # from the index a row the index never held, which FTS5 takes for a damaged index.
        triggers = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                           "AND tbl_name = 'forecasts' AND name GLOB :pattern ORDER BY name"),
                                      {"pattern": f"{FTS_TABLE}_*"}).all()
        dropped = [f"DROP TRIGGER {name}" for name, _ in triggers]
        rebuilt = [sql for _, sql in triggers] + [f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')"]
    if not dropped:
        yield
        return
    for statement in dropped:
        connection.execute(text(statement))
    yield
    for statement in rebuilt:
        connection.execute(text(statement))
