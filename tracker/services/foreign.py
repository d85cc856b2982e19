"""Other trackers' files, turned into interchange-format forecast objects.

- **Fatebook**'s CSV export has one row per forecast on a question, with the question's title,
  notes, creator, dates and resolution repeated on each. Rows are grouped into questions (each
  option of a multiple-choice question is a forecast of its own); the probability is the latest
  forecast by the question's creator (else the latest by anyone); YES → confirmed, NO → refuted,
  AMBIGUOUS → void, no resolution → open; the comments become one piece of evidence.
- **PredictionBook**'s question data (`/api/my_predictions`: `{"user": …, "predictions": […]}`,
  or an array of predictions) gives each prediction its judgement as `outcome` true / false /
  null and `withdrawn`: right → confirmed, wrong → refuted, withdrawn → void, unknown → open.
  The probability is the creator's latest confidence (percent) on it, else anyone's latest;
  each response's comment becomes a piece of evidence.

Keys are stable (`fatebook/…`, `predictionbook/<id>`), so importing a newer export of the same
account updates the forecasts instead of adding them again.
"""

import hashlib
import re
from collections.abc import Iterator
from typing import Any

from tracker.errors import InvalidInput

FATEBOOK_RESOLUTIONS = {"YES": "confirmed", "NO": "refuted", "AMBIGUOUS": "void", "": "open"}
FATEBOOK_COLUMNS = ("Question title", "Forecast (scale = 0-1)", "Forecast created at", "Question created at",
                    "Resolution")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMBERS = re.compile(r"\d+")


def _day(text: str | None, where: str, what: str) -> str | None:
    """The ISO date at the start of a timestamp such as `2024-03-05 14:02:7` or `2024-03-05T…Z`."""
    if not text:
        return None
    match = _DATE.match(text.strip())
    if not match:
        raise InvalidInput(f"{where}, field {what!r}: {text!r} does not start with a date (YYYY-MM-DD).")
    year, month, day = (int(part) for part in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def _moment(text: str | None) -> tuple[int, ...]:
    """A sortable form of a timestamp whose parts may not be zero-padded."""
    return tuple(int(n) for n in _NUMBERS.findall(text or ""))


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower())[:6])[:40].strip("-")


def _stable_key(prefix: str, *parts: str) -> str:
    digest = hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:10]
    slug = _slug(parts[0])
    return f"{prefix}/{slug}-{digest}" if slug else f"{prefix}/{digest}"


def fatebook_objects(rows: Iterator[tuple[str, dict[str, str]]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """One forecast object per Fatebook question (or multiple-choice option)."""
    questions: dict[tuple[str, str, str], list[tuple[str, dict[str, str]]]] = {}
    for where, row in rows:
        identity = (row["Question title"], row["Question created at"], row.get("Multiple choice option") or "")
        questions.setdefault(identity, []).append((where, row))
    for (title, created, option), forecasts in questions.items():
        where, first = forecasts[0]
        yield where, _fatebook_question(where, title, created, option, first, forecasts)


def _fatebook_question(where: str, title: str, created: str, option: str, first: dict[str, str],
                       forecasts: list[tuple[str, dict[str, str]]]) -> dict[str, Any]:
    resolution = (first.get("Resolution") or "").strip().upper()
    if resolution not in FATEBOOK_RESOLUTIONS:
        raise InvalidInput(f"{where}, field 'Resolution': {resolution!r} is not YES, NO, AMBIGUOUS or empty.")
    creator = first.get("Question created by") or None
    stated = [(row, where) for where, row in forecasts if row.get("Forecast (scale = 0-1)", "").strip()]
    own = [item for item in stated if creator and item[0].get("Forecast created by") == creator]
    latest = max(own or stated, key=lambda item: _moment(item[0]["Forecast created at"]), default=None)
    probability = None
    if latest is not None:
        row, row_where = latest
        try:
            probability = float(row["Forecast (scale = 0-1)"])
        except ValueError:
            raise InvalidInput(f"{row_where}, field 'Forecast (scale = 0-1)': "
                               f"{row['Forecast (scale = 0-1)']!r} is not a number.") from None
    item: dict[str, Any] = {
        "key": _stable_key("fatebook", title, created, option),
        "claim": f"{title} — {option}" if option else title,
        "criteria": first.get("Question notes") or None,
        "source": {"title": "Fatebook", "author": creator},
        "made_on": _day(created, where, "Question created at"),
        "resolve_by": _day(first.get("Question resolve by"), where, "Question resolve by"),
        "probability": probability,
        "status": FATEBOOK_RESOLUTIONS[resolution],
        "tags": ["fatebook"],
    }
    comments = (first.get("Question comments") or "").strip()
    if comments:
        item["evidence"] = [{"summary": f"Comments on Fatebook: {comments}", "stance": "context",
                             "observed_on": _day(first.get("Resolved at"), where, "Resolved at")}]
    return item


PREDICTIONBOOK_OUTCOMES = {True: "confirmed", False: "refuted", None: "open",
                           "right": "confirmed", "wrong": "refuted", "unknown": "open"}


def predictionbook_objects(document: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """One forecast object per PredictionBook prediction."""
    predictions = document.get("predictions") if isinstance(document, dict) and "predictions" in document \
        else document if isinstance(document, list) else [document]
    if not isinstance(predictions, list):
        raise InvalidInput("this is not PredictionBook data: expected {\"predictions\": [...]} or an array.")
    for number, prediction in enumerate(predictions, start=1):
        where = f"prediction {number}"
        if not isinstance(prediction, dict) or "description" not in prediction or "id" not in prediction:
            raise InvalidInput(f"{where}: not a PredictionBook prediction (it needs id and description).")
        yield where, _predictionbook_prediction(where, prediction)


def _predictionbook_prediction(where: str, prediction: dict[str, Any]) -> dict[str, Any]:
    outcome = prediction.get("outcome")
    if isinstance(outcome, str):
        outcome = outcome.lower()
    if outcome not in PREDICTIONBOOK_OUTCOMES:
        raise InvalidInput(f"{where}, field 'outcome': {outcome!r} is not true, false, null, right, wrong or unknown.")
    status = "void" if prediction.get("withdrawn") is True else PREDICTIONBOOK_OUTCOMES[outcome]
    responses = prediction.get("responses") or []
    if not isinstance(responses, list) or not all(isinstance(r, dict) for r in responses):
        raise InvalidInput(f"{where}, field 'responses': must be an array of responses.")
    stated = [r for r in responses if isinstance(r.get("confidence"), (int, float))
              and not isinstance(r.get("confidence"), bool)]
    own = [r for r in stated if r.get("user_id") == prediction.get("creator_id")]
    latest = max(own or stated, key=lambda r: _moment(r.get("created_at")), default=None)
    probability = None
    if latest is not None:
        probability = latest["confidence"] / 100
        if not 0 <= probability <= 1:
            raise InvalidInput(f"{where}, field 'responses': confidence {latest['confidence']} is not 0 to 100.")
    prediction_id = prediction["id"]
    item: dict[str, Any] = {
        "key": f"predictionbook/{prediction_id}",
        "claim": prediction["description"],
        "criteria": f"Judged on PredictionBook: https://predictionbook.com/predictions/{prediction_id}",
        "source": {"title": "PredictionBook", "author": prediction.get("creator_label")},
        "made_on": _day(prediction.get("created_at"), where, "created_at"),
        "resolve_by": _day(prediction.get("deadline"), where, "deadline"),
        "probability": probability,
        "status": status,
        "tags": ["predictionbook"],
        "evidence": [
            {"summary": f"{r.get('user_label') or 'someone'}: {r['comment']}", "stance": "context",
             "observed_on": _day(r.get("created_at"), where, "responses.created_at")}
            for r in responses if isinstance(r.get("comment"), str) and r["comment"].strip()],
    }
    return item
