"""Fatebook's CSV export: one row per forecast, the question's fields repeated on each.

Two layouts are read. Since late 2024 the columns are `Question title, Multiple choice option,
Forecast created by, Forecast (scale = 0-1), Forecast created at, Question created by, Question
created at, Question resolve by, Resolution, Resolved at, …, Question notes, …, Question
comments`; from mid 2023 to then there was no option column, and the resolution columns were
`Question resolution` and `Question resolved at`. A tournament's export has a `Tournament
name` column and no comments. Moments carry no zone; Fatebook's servers write UTC.

Rows are grouped into questions by their creation moment, creator and title. The export has
no question id, so the key is a hash of the creation moment and the creator (a later export
with an edited title then updates the claim); two questions that share both get the title in
their hash too. A multiple-choice question is one forecast with options: its rows (one per
option a forecaster gave) made by one person at one moment are one estimate, the options left
out sharing what is left as Fatebook shows them. It resolves to the option whose resolution
is YES; all AMBIGUOUS makes it void. Each row's forecast is an estimate by its forecaster; an
empty forecast cell is one Fatebook hid from the exporting user, skipped and counted.

The comments come in one cell, `name: comment; name: comment`, with no moments of their own:
each becomes a piece of evidence by its author (split where `; ` is followed by the name of
someone the file knows), dated at the question's last known moment.
"""

import hashlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

from tracker.errors import InvalidInput
from tracker.services.foreign.cells import day, missing, moment, probability
from tracker.services.foreign.questions import (
    Comment,
    Notes,
    Prediction,
    Question,
    Resolution,
    options_value,
    tag_name,
)

TITLE, OPTION, BY, FORECAST, AT = ("Question title", "Multiple choice option", "Forecast created by",
                                   "Forecast (scale = 0-1)", "Forecast created at")
CREATOR, CREATED, RESOLVE_BY, NOTES_COLUMN, COMMENTS, TOURNAMENT = (
    "Question created by", "Question created at", "Question resolve by", "Question notes", "Question comments",
    "Tournament name")
# The columns every layout has; and the resolution's, named differently in each layout.
REQUIRED = (TITLE, FORECAST, AT, CREATED)
RESOLUTION_COLUMNS = (("Resolution", "Resolved at"), ("Question resolution", "Question resolved at"))
RESOLUTIONS = {"YES": "confirmed", "NO": "refuted", "AMBIGUOUS": "void", "": None}
UNNAMED = "fatebook:unnamed"
# How Fatebook's export writes a comment whose author has no name.
NO_NAME = ("undefined", "null")


def resolution_columns(header: list[str], name: str) -> tuple[str, str]:
    """Which layout the export is: the names of its resolution and resolved-at columns."""
    for columns in RESOLUTION_COLUMNS:
        if columns[0] in header:
            return columns
    raise InvalidInput(f"{name} line 1: this is not a Fatebook export: it has no 'Resolution' column.")


def person(name: str | None) -> str | None:
    """A Fatebook user as an actor: their name as Fatebook shows it, None when they have none."""
    return None if missing(name) or name.strip() in NO_NAME else name.strip()


def questions(rows: Iterator[tuple[str, dict[str, str]]], name: str, notes: Notes) -> Iterator[Question]:
    """One Question per Fatebook question, in the order the file first names them."""
    grouped: dict[tuple[str, str, str], list[tuple[str, dict[str, str]]]] = {}
    columns = None
    for where, row in rows:
        if columns is None:  # every row has the header's columns
            columns = resolution_columns(list(row), name)
        identity = (row[CREATED].strip(), (row.get(CREATOR) or "").strip(), row[TITLE])
        grouped.setdefault(identity, []).append((where, row))
    known = {name for _, rows_of in grouped.items() for _, row in rows_of
             for name in (person(row.get(BY)), person(row.get(CREATOR))) if name}
    shared = Counter(identity[:2] for identity in grouped)
    for identity, rows_of in grouped.items():
        hashed = identity if shared[identity[:2]] > 1 else identity[:2]
        key = "fatebook/" + hashlib.sha1("\x1f".join(hashed).encode()).hexdigest()[:16]
        yield question(key, rows_of, known, *columns, notes)


def question(key: str, rows: list[tuple[str, dict[str, str]]], known: set[str], resolution_column: str,
             resolved_column: str, notes: Notes) -> Question:
    where, first = rows[0]
    options = list(dict.fromkeys(row[OPTION].strip() for _, row in rows if not missing(row.get(OPTION))))
    multiple = len(options) >= 2
    creator = person(first.get(CREATOR))
    title = first[TITLE]
    if len(options) == 1:  # one option seen: a yes/no question on it
        title = f"{title} — {options[0]}"
    tournament = tag_name("tournament:", first.get(TOURNAMENT) or "")
    found = Question(
        where=where, key=key, claim=title, placeholder=f"Fatebook question created {first[CREATED].strip()} (no title)",
        created_at=moment(first[CREATED], where, CREATED), creator=creator, unknown_creator=UNNAMED,
        source={"title": "Fatebook", "author": creator}, criteria=(first.get(NOTES_COLUMN) or "").strip() or None,
        resolve_by=day(first.get(RESOLVE_BY), where, RESOLVE_BY), options=options if multiple else None,
        tags=["fatebook"] + ([tournament] if tournament else []))
    found.predictions = predictions(rows, found, multiple, notes)
    found.resolution = resolution(rows, found, resolution_column, resolved_column, notes)
    found.comments = comments(first.get(COMMENTS) or "", known)
    return found


def predictions(rows: list[tuple[str, dict[str, str]]], found: Question, multiple: bool,
                notes: Notes) -> list[Prediction]:
    made: dict[tuple[str, Any], dict[str, float]] = {}
    singles: list[Prediction] = []
    for where, row in rows:
        value = probability(row[FORECAST], where, FORECAST)
        if value is None:
            notes.note("hidden")
            continue
        actor = person(row.get(BY)) or UNNAMED
        at = moment(row[AT], where, AT)
        if at is None:
            raise InvalidInput(f"{where}, field {AT!r}: is empty; every forecast has its moment.")
        if multiple:
            made.setdefault((actor, at), {})[row[OPTION].strip()] = value
        else:
            singles.append(Prediction(actor, at, value))
    if not multiple:
        return singles
    return [Prediction(actor, at, options_value(values, found.options, found)) for (actor, at), values in made.items()]


def resolution(rows: list[tuple[str, dict[str, str]]], found: Question, resolution_column: str,
               resolved_column: str, notes: Notes) -> Resolution | None:
    """How the question ended, from the resolution of each option (or of the question)."""
    by_option: dict[str, tuple[str | None, Any]] = {}
    for where, row in rows:
        option = (row.get(OPTION) or "").strip() if found.options else ""
        if option in by_option:
            continue
        word = (row.get(resolution_column) or "").strip().upper()
        if word not in RESOLUTIONS:
            raise InvalidInput(f"{where}, field {resolution_column!r}: {word!r} is not YES, NO, AMBIGUOUS or empty.")
        by_option[option] = (RESOLUTIONS[word], moment(row.get(resolved_column), where, resolved_column))
    moments = [at for _, at in by_option.values() if at is not None]
    at = max(moments) if moments else None
    if found.options is None:
        status, _ = by_option[""]
        if status == "void":
            notes.note("ambiguous")
        return None if status is None else Resolution(status, at)
    statuses = {option: status for option, (status, _) in by_option.items()}
    if all(status is None for status in statuses.values()):
        return None
    happened = [option for option, status in statuses.items() if status == "confirmed"]
    if len(happened) == 1:
        return Resolution("confirmed", at, outcome=happened[0])
    if all(status == "void" for status in statuses.values()):
        notes.note("ambiguous")
    else:
        found.flags.add("odd-resolution")
    return Resolution("void", at)


def comments(cell: str, known: set[str]) -> list[Comment]:
    """The comments of one cell, each by its author: a new comment starts where `; ` is
    followed by a name the file knows and a colon (a comment may itself hold `; `)."""
    text = cell.strip()
    if not text:
        return []
    names = known | set(NO_NAME)
    pieces, start = [], 0
    search = 0
    while (cut := text.find("; ", search)) != -1:
        rest = text[cut + 2:]
        if any(rest.startswith(name + ": ") for name in names):
            pieces.append(text[start:cut])
            start = cut + 2
        search = cut + 2
    pieces.append(text[start:])
    found = []
    for piece in pieces:
        author, colon, _ = piece.partition(": ")
        actor = person(author) if colon else None
        found.append(Comment(actor or UNNAMED, None, piece.strip(), dated=False))
    return [comment for comment in found if comment.text]
