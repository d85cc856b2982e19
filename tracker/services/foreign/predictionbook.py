"""PredictionBook's question data as its API gives it: `/api/my_predictions` returns
`{"user": …, "predictions": […]}` (an array of predictions is read too).

Each prediction (PredictionBook's word for a question) has its `id`, `description`,
`created_at`, `deadline`, its creator (`creator_id`, `creator_label`), its judgement (`outcome`
true, false or null; `withdrawn`) and its `responses`: each by a user (`user_id`,
`user_label`) at its `created_at`, with a `confidence` in percent, a `comment`, or both.

Every confidence is an estimate by its user at its moment, every comment a piece of evidence by
its user at its moment. Right is confirmed, wrong refuted, withdrawn void; a judgement of
"unknown" (ambiguous) is void too. The API gives no moment for the judgement: the resolution is
dated at the prediction's `updated_at`, the last change PredictionBook recorded, and credited
to the importing user since the API does not say who judged. People are `predictionbook:` and
their label (the name PredictionBook shows, as in iqisa's copy), else their id.
"""

from collections.abc import Iterator
from typing import Any

from tracker.errors import InvalidInput
from tracker.services.foreign.cells import day, moment, probability
from tracker.services.foreign.questions import Comment, Notes, Prediction, Question, Resolution

OUTCOMES = {True: "confirmed", False: "refuted", None: None,
            "right": "confirmed", "wrong": "refuted", "unknown": "void"}
UNKNOWN = "predictionbook:unknown"


def person(label: Any, number: Any) -> str | None:
    for name in (label, number):
        if isinstance(name, str) and name.strip():
            return f"predictionbook:{name.strip()}"
        if isinstance(name, int) and not isinstance(name, bool):
            return f"predictionbook:{name}"
    return None


def text_of(value: Any, where: str, name: str) -> str | None:
    """A field the API gives as text (or null); anything else is a damaged file."""
    if value is None or isinstance(value, str):
        return value
    raise InvalidInput(f"{where}, field {name!r}: must be text or null, not {type(value).__name__} {value!r:.40}.")


def flag_of(value: Any, where: str, name: str) -> bool:
    """A field the API gives as true, false or null (null read as false)."""
    if value is None or isinstance(value, bool):
        return bool(value)
    raise InvalidInput(f"{where}, field {name!r}: must be true, false or null, not {value!r:.40}.")


def predictions_of(document: Any) -> list[Any]:
    if isinstance(document, dict) and "predictions" in document:
        found = document["predictions"]
    elif isinstance(document, list):
        found = document
    else:
        found = [document]
    if not isinstance(found, list):
        raise InvalidInput("this is not PredictionBook data: expected {\"predictions\": [...]} or an array.")
    return found


def questions(document: Any, notes: Notes) -> Iterator[Question]:
    """One Question per PredictionBook prediction, in file order."""
    for number, prediction in enumerate(predictions_of(document), start=1):
        where = f"prediction {number}"
        if not isinstance(prediction, dict) or "description" not in prediction or "id" not in prediction:
            raise InvalidInput(f"{where}: not a PredictionBook prediction (it needs id and description).")
        yield question(where, prediction, notes)


def question(where: str, prediction: dict[str, Any], notes: Notes) -> Question:
    number = prediction["id"]
    if isinstance(number, bool) or not isinstance(number, (int, str)) or not str(number).strip():
        raise InvalidInput(f"{where}, field 'id': {number!r} is not a PredictionBook id.")
    outcome = prediction.get("outcome")
    if isinstance(outcome, str):
        outcome = outcome.lower()
    if not (outcome is None or isinstance(outcome, (bool, str))) or outcome not in OUTCOMES:
        raise InvalidInput(f"{where}, field 'outcome': {outcome!r} is not true, false, null, right, wrong or unknown.")
    created_at = moment(text_of(prediction.get("created_at"), where, "created_at"), where, "created_at")
    if created_at is None:
        raise InvalidInput(f"{where}, field 'created_at': is missing; a prediction has its moment of creation.")
    description = text_of(prediction["description"], where, "description")
    creator = person(prediction.get("creator_label"), prediction.get("creator_id"))
    found = Question(
        where=where, key=f"predictionbook/{number}", claim=description,
        placeholder=f"PredictionBook prediction {number} (no description)", created_at=created_at,
        creator=creator, unknown_creator=UNKNOWN,
        source={"title": "PredictionBook",
                "author": text_of(prediction.get("creator_label"), where, "creator_label") or None},
        criteria=f"Judged on PredictionBook: https://predictionbook.com/predictions/{number}",
        resolve_by=day(text_of(prediction.get("deadline"), where, "deadline"), where, "deadline"), tags=["predictionbook"])
    responses = prediction.get("responses") or []
    if not isinstance(responses, list) or not all(isinstance(r, dict) for r in responses):
        raise InvalidInput(f"{where}, field 'responses': must be an array of responses.")
    for n, response in enumerate(responses):
        field = f"responses[{n}]"
        actor = person(response.get("user_label"), response.get("user_id")) or UNKNOWN
        at = moment(text_of(response.get("created_at"), where, f"{field}.created_at"), where, f"{field}.created_at")
        if at is None:
            raise InvalidInput(f"{where}, field '{field}.created_at': is missing; a response has its moment.")
        confidence = response.get("confidence")
        if confidence is not None:
            if isinstance(confidence, bool) or not isinstance(confidence, (int, float, str)):
                raise InvalidInput(f"{where}, field '{field}.confidence': {confidence!r} is not a number.")
            found.predictions.append(Prediction(actor, at, probability(confidence, where, f"{field}.confidence",
                                                                       scale=100)))
        comment = text_of(response.get("comment"), where, f"{field}.comment")
        if comment and comment.strip():
            label = actor.removeprefix("predictionbook:") if actor != UNKNOWN else "someone"
            found.comments.append(Comment(actor, at, f"{label}: {comment.strip()}"))
    status = "void" if flag_of(prediction.get("withdrawn"), where, "withdrawn") else OUTCOMES[outcome]
    if status is not None:
        if outcome == "unknown":
            notes.note("ambiguous")
        judged = moment(text_of(prediction.get("updated_at"), where, "updated_at"), where, "updated_at")
        found.resolution = Resolution(status, judged)
    return found
