"""The iqisa layout (github.com/niplav/iqisa): forecasting datasets in one common CSV form.

A predictions file has one row per forecast: `question_id, user_id, team_id, probability,
answer_option, timestamp, outcome, open_time, close_time, resolve_time, time_open, n_opts,
options, q_status, q_type`. The question's own columns repeat on each row; a questions file
(`--questions`) gives each question once with its title (`q_title`), and questions that no
one forecast. Without it a question has no title: it gets a placeholder and a flag.

PredictionBook's copy is told by its `options`, `(0) No, (1) Yes, (-1) Ambiguous, (None) Still
open`: a yes/no question whose `probability` is that of Yes, whose `outcome` is 1.0 (right,
confirmed), 0.0 (wrong, refuted), -1.0 (ambiguous, void) or empty (open), and whose `user_id`
is the forecaster's name. Its key is `predictionbook/<question_id>`, as the API's is, and
people are `predictionbook:<user_id>`. PredictionBook asks for the creator's own chance with
the question, so the question's first forecast, made within a minute of `open_time`, names
its creator; when there is none, a placeholder is credited.

Other datasets in the layout (`options` such as `(a) Yes, (b) No`, one row per option a
forecast gave, `outcome` the letter of the option that happened) are read as the Good
Judgment Project's (gjp.py): yes/no questions as yes/no forecasts, others as multiple choice;
keys `iqisa/<question_id>`, people `iqisa:<user_id>`, the questions' creator the dataset.

`open_time` is the question's creation, `close_time` its deadline (which real data has before
the creation) and `resolve_time` its resolution, credited to the importing user since the
layout does not say who judged.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tracker.errors import InvalidInput
from tracker.services.foreign.cells import day, missing, moment, probability
from tracker.services.foreign.questions import AT_CREATION, Notes, Prediction, Question, Resolution, options_value

REQUIRED = ("question_id", "user_id", "probability", "timestamp")
QUESTION_REQUIRED = ("question_id",)
PREDICTIONBOOK_OPTIONS = "(0) No, (1) Yes, (-1) Ambiguous, (None) Still open"
PREDICTIONBOOK_OUTCOMES = {1.0: "confirmed", 0.0: "refuted", -1.0: "void"}
# The question's columns, in a questions file and repeated on each forecast.
QUESTION_COLUMNS = ("q_title", "q_status", "open_time", "close_time", "resolve_time", "outcome", "options", "q_desc")
SOURCE_TITLES = {"iqisa": "iqisa", "gjp": "Good Judgment Project"}
_OPTION = re.compile(r"(?:^|,\s*)\(([A-Za-z0-9]+)\)\s*")


@dataclass
class Gathered:
    """What the files say about one question, before it is read as a whole."""

    where: str
    facts: dict[str, str]
    rows: list[tuple[str, dict[str, str]]] = field(default_factory=list)


def question_id(row: dict[str, str], where: str) -> str:
    """A question's id as the file writes it, less the `.0` pandas gives whole numbers."""
    text = (row.get("question_id") or row.get("ifp_id") or "").strip()
    if missing(text):
        raise InvalidInput(f"{where}, field 'question_id': is empty.")
    return text[:-2] if text.endswith(".0") and text[:-2].lstrip("-").isdigit() else text


def parse_options(text: str) -> list[tuple[str, str]]:
    """`(a) Yes, (b) No` as [("a", "Yes"), ("b", "No")]; an option's name may hold commas."""
    marks = list(_OPTION.finditer(text or ""))
    return [(mark.group(1), text[mark.end(): marks[n + 1].start() if n + 1 < len(marks) else len(text)].strip())
            for n, mark in enumerate(marks)]


def option_names(pairs: list[tuple[str, str]]) -> list[str]:
    """Option names as tracker holds them: the source's text, or `(a) text` where two share one."""
    names = [name for _, name in pairs]
    if len(set(names)) == len(names) and all(names):
        return names
    return [f"({letter}) {name}".strip() for letter, name in pairs]


def yes_no(names: list[str]) -> bool:
    return sorted(name.casefold() for name in names) == ["no", "yes"]


def gather(rows: Iterator[tuple[str, dict[str, str]]], question_rows: Iterator[tuple[str, dict[str, str]]] | None,
           ) -> dict[str, Gathered]:
    """The questions of both files, the questions file's first and in its order."""
    gathered: dict[str, Gathered] = {}
    for where, row in question_rows or ():
        number = question_id(row, where)
        gathered.setdefault(number, Gathered(where, row))
    for where, row in rows:
        number = question_id(row, where)
        if number not in gathered:
            gathered[number] = Gathered(where, {name: row[name] for name in QUESTION_COLUMNS if name in row})
        gathered[number].rows.append((where, row))
    return gathered


def questions(rows: Iterator[tuple[str, dict[str, str]]], question_rows, notes: Notes) -> Iterator[Question]:
    for number, found in gather(rows, question_rows).items():
        if (found.facts.get("options") or "").strip() == PREDICTIONBOOK_OPTIONS:
            yield predictionbook_question(number, found, notes)
        else:
            yield lettered_question(number, found, notes, dataset="iqisa")


def predictionbook_question(number: str, found: Gathered, notes: Notes) -> Question:
    facts, where = found.facts, found.where
    created_at = moment(facts.get("open_time"), where, "open_time")
    predictions = []
    for row_where, row in found.rows:
        at = moment(row["timestamp"], row_where, "timestamp")
        value = probability(row["probability"], row_where, "probability")
        if at is None or value is None:
            raise InvalidInput(f"{row_where}, field {'timestamp' if at is None else 'probability'!r}: is empty.")
        predictions.append(Prediction(f"predictionbook:{row['user_id'].strip()}", at, value))
    if created_at is None:
        created_at = min((p.at for p in predictions), default=None)
        if created_at is None:
            raise InvalidInput(f"{where}, field 'open_time': is empty, and no forecast says when the question began.")
    first = min(predictions, key=lambda p: p.at, default=None)
    creator = first.actor if first is not None and abs(first.at - created_at) <= AT_CREATION else None
    question = Question(
        where=where, key=f"predictionbook/{number}", claim=facts.get("q_title"),
        placeholder=f"PredictionBook prediction {number} (no title)", created_at=created_at, creator=creator,
        unknown_creator="predictionbook:unknown", source={"title": "PredictionBook", "author": None},
        criteria=f"Judged on PredictionBook: https://predictionbook.com/predictions/{number}",
        resolve_by=day(facts.get("close_time"), where, "close_time"), tags=["predictionbook"],
        predictions=predictions)
    if creator is not None:
        question.source["author"] = creator.removeprefix("predictionbook:")
    question.resolution = binary_resolution(facts, where, notes)
    return question


def binary_resolution(facts: dict[str, str], where: str, notes: Notes) -> Resolution | None:
    status = (facts.get("q_status") or "").strip().lower()
    outcome = facts.get("outcome")
    at = moment(facts.get("resolve_time"), where, "resolve_time")
    if status == "ambiguous":
        notes.note("ambiguous")
        return Resolution("void", at)
    if missing(outcome):
        return None
    try:
        settled = PREDICTIONBOOK_OUTCOMES[float(outcome)]
    except (ValueError, KeyError):
        raise InvalidInput(f"{where}, field 'outcome': {outcome!r} is not 1.0, 0.0, -1.0 or empty.") from None
    if settled == "void":
        notes.note("ambiguous")
    return Resolution(settled, at)


def lettered_question(number: str, found: Gathered, notes: Notes, *, dataset: str) -> Question:
    """A question whose options are lettered, `(a) Yes, (b) No`, as iqisa and the GJP write them."""
    facts, where = found.facts, found.where
    pairs = parse_options(facts.get("options") or "")
    letters = [letter for letter, _ in pairs]
    if len(pairs) < 2:
        seen = sorted({(row.get("answer_option") or "").strip() for _, row in found.rows} - {""})
        pairs = [(letter, letter) for letter in seen]
        letters = seen
    names = option_names(pairs)
    binary = yes_no(names) and len(names) == 2
    by_letter = dict(zip(letters, names))
    # The GJP's own files name the columns iqisa renames.
    opened, deadline = ("open_time", "close_time") if "open_time" in facts else ("date_start", "date_to_close")
    created_at = moment(facts.get(opened), where, opened)
    grouped: dict[Any, tuple[str, Any, dict[str, float]]] = {}
    for row_where, row in found.rows:
        given = "probability" if "probability" in row else "value"
        at = moment(row.get("timestamp"), row_where, "timestamp")
        value = probability(row.get(given), row_where, given)
        if at is None or value is None:
            raise InvalidInput(f"{row_where}, field {'timestamp' if at is None else given!r}: is empty.")
        letter = (row.get("answer_option") or "").strip()
        if letter not in by_letter:
            raise InvalidInput(f"{row_where}, field 'answer_option': {letter!r} is not one of the question's "
                               f"options ({', '.join(letters)}).")
        user = row["user_id"].strip()
        group = (row.get("forecast_id") or "").strip() or (user, at)
        grouped.setdefault(group, (user, at, {}))[2][by_letter[letter]] = value
    question = Question(
        where=where, key=f"{dataset}/{number}", claim=facts.get("q_title") or facts.get("q_text"),
        placeholder=f"{dataset} question {number} (no title)", created_at=created_at or first_forecast(grouped, where),
        creator=dataset, unknown_creator=dataset, source={"title": SOURCE_TITLES[dataset], "author": None},
        criteria=(facts.get("q_desc") or "").strip() or None,
        resolve_by=day(facts.get(deadline), where, deadline),
        options=None if binary else names, tags=[dataset])
    yes = next((name for name in names if name.casefold() == "yes"), None)
    for user, at, values in grouped.values():
        if binary:
            value = values[yes] if yes in values else 1 - next(iter(values.values()))
        else:
            value = options_value(values, names, question)
        question.predictions.append(Prediction(f"{dataset}:{user}", at, value))
    question.resolution = lettered_resolution(facts, where, by_letter, binary, question, notes)
    return question


def first_forecast(grouped: dict, where: str):
    """When a question with no opening time began: at its first forecast."""
    moments = [at for _, at, _ in grouped.values()]
    if not moments:
        raise InvalidInput(f"{where}, field 'open_time': is empty, and no forecast says when the question began.")
    return min(moments)


def lettered_resolution(facts: dict[str, str], where: str, by_letter: dict[str, str], binary: bool,
                        question: Question, notes: Notes) -> Resolution | None:
    """Voided questions are void; otherwise the outcome's letter names the option that happened."""
    status = (facts.get("q_status") or "").strip().lower()
    at = None
    for name in ("resolve_time", "date_closed", "date_suspend", "date_to_close", "close_time"):
        if name in facts and (at := moment(facts.get(name), where, name)) is not None:
            break
    if status in ("voided", "void", "ambiguous"):
        notes.note("ambiguous")
        return Resolution("void", at)
    letter = (facts.get("outcome") or "").strip()
    if missing(letter):
        return None
    happened = by_letter.get(letter)
    if happened is None:
        question.flags.add("odd-resolution")
        return Resolution("void", at)
    if binary:
        return Resolution("confirmed" if happened.casefold() == "yes" else "refuted", at)
    return Resolution("confirmed", at, outcome=happened)
