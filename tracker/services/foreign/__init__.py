"""Other trackers' files, read whole: every question, every forecast by every person, every
comment and resolution, each at its own moment by its own person.

- `fatebook` — Fatebook's CSV export (fatebook.py);
- `predictionbook` — PredictionBook's API JSON (predictionbook.py);
- `iqisa` — the iqisa collection's CSV layout, PredictionBook's public data among it, with an
  optional questions file (iqisa.py);
- `gjp` — the Good Judgment Project's survey forecasts with their questions file (gjp.py).

Each reader gives `Question`s; questions.py writes each as a full-fidelity interchange object
(fields, evidence, events), which the import restores in bulk when its key is new and merges
into the forecast when it is not (services/imports.py). Keys are stable (`fatebook/…`,
`predictionbook/<id>`, `gjp/<ifp_id>`, `iqisa/<id>`), so a later export updates what an
earlier one brought.
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from tracker.services.foreign import fatebook, gjp, iqisa, predictionbook
from tracker.services.foreign.questions import Notes, forecast_object

if TYPE_CHECKING:
    from tracker.services.readers import ImportFile


def foreign_records(file: "ImportFile", importer: str, notes: Notes, progress=None) -> Iterator[tuple[str, Any]]:
    """Every question of another tracker's file(s) as a forecast object, in file order."""
    if file.origin == "fatebook":
        rows = file.csv_rows(progress, required=fatebook.REQUIRED, kind="a Fatebook export")
        found = fatebook.questions(rows, file.name, notes)
    elif file.origin == "predictionbook":
        found = predictionbook.questions(file.json_document(), notes)
    else:
        reader = iqisa if file.origin == "iqisa" else gjp
        labelled = file.questions is not None
        rows = file.csv_rows(progress, required=reader.REQUIRED, kind=f"an {file.origin} forecasts file"
                             if file.origin == "iqisa" else "a GJP forecasts file", labelled=labelled)
        question_rows = None if file.questions is None else file.questions.csv_rows(
            None, required=reader.QUESTION_REQUIRED, kind=f"an {file.origin} questions file"
            if file.origin == "iqisa" else "a GJP questions file", labelled=True)
        found = reader.questions(rows, question_rows, notes)
    for question in found:
        yield question.where, forecast_object(question, importer, file.started, notes)
