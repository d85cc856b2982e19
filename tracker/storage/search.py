"""Full-text search over forecasts: what `list --search` asks the database, and on what index.

A forecast matches when its claim, criteria or key contains the text, ignoring case. On
SQLite the FTS5 table `forecasts_fts` (trigram tokenizer) finds those forecasts; on
PostgreSQL, ILIKE does, served by the GIN trigram index `ix_forecasts_search`. Both are made
by migration 0002_search and kept in step with `forecasts` in the same transaction as every
change (SQLite by triggers, PostgreSQL by its index). They are not in the models, so
`include_name` keeps them out of Alembic's comparison of models and database.

A trigram index cannot look up text shorter than three characters; such a search reads
the forecasts instead, with the same meaning.
"""

from sqlalchemy import Column, ColumnElement, Integer, MetaData, Table, Text, or_

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
    """Whether `text` is looked up in the FTS5 table rather than matched row by row."""
    return dialect_name == "sqlite" and len(text) >= SHORTEST_INDEXED


def fts_match(text: str) -> ColumnElement[bool]:
    """The FTS5 condition on `forecasts_fts`: the text as one phrase, i.e. a substring."""
    phrase = '"' + text.replace('"', '""') + '"'
    return forecasts_fts.c[FTS_TABLE].op("MATCH")(phrase)


def contains_text(text: str) -> ColumnElement[bool]:
    """The claim, criteria or key contains `text`, ignoring case (LIKE wildcards taken literally)."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(*(column.ilike(pattern, escape="\\") for column in (Forecast.claim, Forecast.criteria, Forecast.key)))
