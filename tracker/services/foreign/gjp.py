"""The Good Judgment Project's survey data (year 1 onwards, as released on Harvard Dataverse).

The forecasts file (`survey_fcasts`) has one row per option of a forecast: `ifp_id, ctt, cond,
training, team, user_id, forecast_id, fcast_type, answer_option (a letter), value (the
probability of that option), fcast_date, expertise, q_status, viewtime, year, timestamp`; the
rows of one forecast share its `forecast_id` and sum to 1. The questions file (`ifps`, given
with `--questions`) has `ifp_id, q_type, q_text, q_desc, q_status (closed / voided),
date_start, date_suspend, date_to_close, date_closed, outcome (the letter of the option that
happened), short_title, days_open, n_opts, options ("(a) Yes, (b) No" …)`. Dates are written
`9/1/11` or `12/30/11 0:00`, moments `2011-08-31 16:20:13`, all taken as UTC.

A forecast is one estimate by `gjp:<user_id>` at its `timestamp`. A question whose options are
Yes and No is a yes/no forecast, each estimate the probability of Yes and the outcome Yes
confirmed, No refuted; any other question (three or more options, or two that are not Yes and
No) is multiple choice resolved to the option that happened. Voided questions are void. A
question is created by `gjp` at `date_start` (or at its first forecast, if one came earlier),
its deadline is `date_to_close`, and it resolves at `date_closed` (else `date_suspend`, else
`date_to_close`), credited to the importing user since the data does not say who judged.
Keys are `gjp/<ifp_id>`. What is lost: the experimental condition, team, training and
expertise of each forecaster, the short title, and the question's type.
"""

from collections.abc import Iterator

from tracker.errors import InvalidInput
from tracker.services.foreign.iqisa import Gathered, lettered_question, question_id
from tracker.services.foreign.questions import Notes, Question

REQUIRED = ("ifp_id", "user_id", "answer_option", "value", "timestamp")
QUESTION_REQUIRED = ("ifp_id", "q_text", "q_status", "date_start", "outcome", "options")


def questions(rows: Iterator[tuple[str, dict[str, str]]], question_rows: Iterator[tuple[str, dict[str, str]]] | None,
              notes: Notes) -> Iterator[Question]:
    """One Question per question of the questions file, in its order, with its forecasts."""
    if question_rows is None:
        raise InvalidInput("GJP forecasts name their questions only by id: give the questions file too "
                           "(--questions IFPS.csv).")
    gathered: dict[str, Gathered] = {}
    for where, row in question_rows:
        gathered.setdefault(question_id(row, where), Gathered(where, row))
    unknown: set[tuple[str, str]] = set()
    for where, row in rows:
        number = question_id(row, where)
        found = gathered.get(number)
        if found is None:
            unknown.add((number, row.get("forecast_id") or where))
            continue
        found.rows.append((where, row))
    notes.note("unknown-question", len(unknown))
    for number, found in gathered.items():
        yield lettered_question(number, found, notes, dataset="gjp")
