"""New forecasts from bare objects and CSV rows are written in bulk (services/new_forecasts.py):
the ledger they leave must be the one the services leave, making the same objects one at a time."""

import datetime as dt
import itertools
import json
import re
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, inspect, select, text

from conftest import TABLES, dump, ok, run, run_json
from interchange_helpers import ledgers  # noqa: F401  (a fixture)
from tracker import dates
from tracker.cli.context import Ledger
from tracker.errors import TrackerError
from tracker.services.imports import create_from_object, find_twin, update_from_object
from tracker.services.objects import forecast_object
from tracker.services.timeline import note_change
from tracker.storage.models import Forecast

ACTOR = "importer"
_numbers = itertools.count()


def one_by_one(target: str, name: str, objects: list[dict]) -> str | None:
    """Make the objects through the services, one at a time, as an import of `name` names them:
    an object updates the forecast with its key, or without a key its twin, if there is one; a
    key made for one is none the file gives. The error, if any."""
    note = f"imported from {name}"
    keys = {item["key"] for item in objects if item.get("key")}
    try:
        with Ledger(target, ACTOR).session(write=True) as session:
            session.info["command"] = "import"
            note_change(session, note)
            for number, data in enumerate(objects, 1):
                where = f"line {number}"
                try:
                    item = forecast_object(where, data)
                    held = find_twin(session, item) if item.key is None else \
                        session.scalars(select(Forecast).where(Forecast.key == item.key)).first()
                    if held is None:
                        create_from_object(session, ACTOR, item, note, keys)
                    else:
                        update_from_object(session, ACTOR, held, item, dates.utc_now(), note)
                except TrackerError as exc:
                    raise type(exc)(str(exc) if str(exc).startswith(where) else f"{where}: {exc}") from None
    except TrackerError as exc:
        return f"Error: {exc}"
    return None


def in_bulk(target: str, path, objects: list[dict]) -> str | None:
    path.write_text("".join(json.dumps(item) + "\n" for item in objects), encoding="utf-8")
    result = run("--db", target, "--as", ACTOR, "import", path)
    return None if result.exit_code == 0 else result.stderr.strip()


_NOW = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")


def rows(target: str) -> dict[str, list]:
    """Every row of every table, moments of this run (the import's "now") left out."""
    engine = create_engine(target if "://" in target else f"sqlite:///{target}")
    started = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)

    def shown(value):
        if isinstance(value, dt.datetime) and value.astimezone(dt.timezone.utc) > started:
            return "NOW"
        if isinstance(value, str) and _NOW.match(value) and value[:10] >= f"{started:%Y-%m-%d}":
            return "NOW"
        return value

    try:
        with engine.connect() as conn:
            present = set(inspect(conn).get_table_names())
            return {table: sorted(({name: shown(value) for name, value in row._mapping.items()}
                                   for row in conn.execute(text(f"SELECT * FROM {table}"))), key=repr)
                    for table in TABLES if table in present and table != "alembic_version"}
    finally:
        engine.dispose()


VARIED = [
    {"claim": "Rain tomorrow", "probability": 0.6, "tags": ["weather", "Local"],
     "source": {"title": "Met Office", "author": "Kim"},
     "evidence": [{"summary": "Clouds", "stance": "supports", "observed_on": "2025-02-01", "url": "https://x.org/a"},
                  {"summary": "Wind", "retraction_reason": "misread"},
                  {"summary": "Radar", "retracted_at": "2025-02-03T00:00:00+00:00"}]},
    {"claim": "Talks resume", "key": "talks", "probability": 0.3, "status": "refuted", "made_on": "2025-01-02",
     "resolve_by": "2025-06-01", "criteria": "Both sides attend", "source": {"title": "Met Office"}},
    {"claim": "Who wins the cup", "options": ["Reds", "Blues", "Greens"], "status": "confirmed", "outcome": "Blues",
     "source": {"title": "Sports Desk", "outlet": "Daily"}, "evidence": [{"summary": "Final score"}]},
    {"claim": "Which city hosts", "options": ["Oslo", "Rome"], "status": "void"},
    {"claim": "Old mistake", "made_on": "2020-05-01", "resolve_by": "2019-01-01", "deleted_at": "2024-01-01T00:00:00Z"},
    {"claim": "Deadline first", "made_on": "2024-05-01", "resolve_by": "2024-04-01", "tags": ["late"]},
    {"claim": "Rain tomorrow", "probability": 0.7, "source": {"title": "Met Office", "author": "Kim"}},
    {"claim": "Rain tomorrow", "probability": 0.8},
    {"claim": "Snow by March", "status": "confirmed", "probability": 0.9, "review_every": 7,
     "source": {"title": "Met Office", "author": "Lee", "published_on": "2024-12-01"}},
    {"claim": "Snow by March", "key": "snow-by-march", "probability": 0.2},
    {"claim": "Inflation falls", "status": "developing", "probability": 0.55, "made_on": "2025-03-01"},
]


def test_bare_objects_in_bulk_leave_the_ledger_the_services_leave(ledger, ledgers, tmp_path):
    reference = ledgers.new()
    for target in (ledger.target, reference):
        ok("--db", target, "add", "Rain tomorrow", "--probability", "0.5", "--key", "earlier")
    assert in_bulk(ledger.target, tmp_path / "mine.jsonl", VARIED) is None
    assert one_by_one(reference, "mine.jsonl", VARIED) is None
    made, expected = rows(ledger.target), rows(reference)
    assert made == expected
    # What the file was meant to exercise is there.
    assert len(made["forecasts"]) == 1 + len(VARIED) - 2  # two matched to a twin ("Rain tomorrow")
    assert len(made["sources"]) == 3 and len(made["changes"]) == 2
    assert {row["tag"] for row in made["forecast_tags"]} >= {"local", "flag:deadline-before-creation"}
    kinds = {row["kind"] for row in made["events"]}
    assert kinds == {"created", "evidence_added", "evidence_retracted", "status_changed", "deleted", "edited"}
    assert ok("doctor").stdout.count(" ok") == 5


def test_a_second_import_of_a_keyless_file_adds_nothing(ledger, tmp_path):
    path = tmp_path / "mine.jsonl"
    keyless = [item for n, item in enumerate(VARIED)
               if "key" not in item and item["claim"] not in [other["claim"] for other in VARIED[:n]]]
    assert in_bulk(ledger.target, path, keyless) is None
    before = dump(ledger)
    result = ok("import", path)
    assert "0 added" in result.stderr and dump(ledger)["forecasts"] == before["forecasts"]


def test_a_twin_earlier_in_the_file_of_an_empty_ledger_is_updated_and_searchable(ledger, tmp_path):
    """Into an empty ledger the search index is set aside while the file goes in; a twin the
    file then updates must neither be taken for a damaged index nor be missed by search."""
    path = tmp_path / "twins.jsonl"
    path.write_text("".join(json.dumps(item) + "\n" for item in [
        {"claim": "Rain will fall in Oslo", "criteria": "first words"},
        {"claim": "Rain will fall in Oslo", "criteria": "second words"},
        {"claim": "Snow will fall", "probability": 0.3}]), encoding="utf-8")
    result = ok("import", path)
    assert "2 added, 1 updated" in result.stderr
    assert [item["criteria"] for item in run_json("list", "--search", "second words")] == ["second words"]
    assert run_json("list", "--search", "first words") == []
    assert [item["claim"] for item in run_json("list", "--search", "snow")] == ["Snow will fall"]
    assert "search        ok" in ok("doctor").stdout


def test_a_made_key_is_none_the_file_gives(ledger, tmp_path):
    objects = [{"claim": "Snow by March"}, {"claim": "Snow by March!", "key": "snow-by-march", "probability": 0.4}]
    assert in_bulk(ledger.target, tmp_path / "mine.jsonl", objects) is None
    assert run_json("show", "snow-by-march")["probability"] == 0.4
    assert run_json("show", "snow-by-march-2")["claim"] == "Snow by March"


def test_bad_bare_objects_are_refused_as_the_services_refuse_them_and_change_nothing(ledger, ledgers, tmp_path):
    reference = ledgers.new()
    good = {"claim": "Fine", "evidence": [{"summary": "ok"}]}
    for bad, said in [
        ({"claim": "Future", "made_on": "2999-01-01"}, "made-on 2999-01-01 is in the future"),
        ({"claim": "Who", "options": ["a", "b"], "status": "confirmed"}, "say which option happened"),
        ({"claim": "Who", "options": ["a", "b"], "status": "refuted"}, "not refuted"),
        ({"claim": "Yes or no", "status": "confirmed", "outcome": "a"}, "--outcome is for multiple choice"),
        ({"claim": "Both", "options": ["a", "b"], "probability": 0.5}, "no single probability"),
        ({"claim": "Link", "evidence": [{"summary": "s", "url": "ftp://x"}]}, "is not a web address"),
        ({"claim": "Seen", "evidence": [{"summary": "s", "observed_on": "2999-01-01"}]}, "is in the future"),
        ({"claim": "Same", "options": ["a", "a"]}, "an option is given twice"),
    ]:
        objects = [good, bad]
        before = dump(ledger)
        error = in_bulk(ledger.target, tmp_path / "bad.jsonl", objects)
        # PostgreSQL's sequences move on in a transaction rolled back: the id the services' error
        # names may be a later one.
        assert re.sub(r"forecast \d+", "forecast N", error) == \
            re.sub(r"forecast \d+", "forecast N", one_by_one(reference, "bad.jsonl", objects))
        assert error.startswith("Error: line 2: ") and said in error, error
        assert dump(ledger) == before


@st.composite
def bare_objects(draw) -> list[dict]:
    objects = []
    for number in range(draw(st.integers(1, 6))):
        item = {"claim": draw(st.sampled_from(["Rain", "Rain ", "Snow", "Sun", "Wind"]))}
        if draw(st.booleans()):  # a new key, or the key of the forecast already there (once)
            kept = draw(st.booleans()) and all(other.get("key") != "kept" for other in objects)
            item["key"] = "kept" if kept else f"k{number}"
        options = draw(st.sampled_from([None, ["a", "b"], ["x", "y", "z"]]))
        if options:
            item["options"] = options
        elif draw(st.booleans()):
            item["probability"] = draw(st.sampled_from([0.1, 0.5, 0.9]))
        item["status"] = draw(st.sampled_from(["open", "developing", "confirmed", "refuted", "void"]))
        if item["status"] == "confirmed" and options and draw(st.integers(0, 4)):
            item["outcome"] = draw(st.sampled_from(options))
        if draw(st.booleans()):
            item["made_on"] = draw(st.sampled_from(["2024-01-01", "2024-02-01"]))
        if draw(st.booleans()):
            item["resolve_by"] = draw(st.sampled_from(["2023-12-01", "2024-06-01"]))
        if draw(st.booleans()):
            item["source"] = {"title": draw(st.sampled_from(["Met", "Radio"])),
                              **({"author": "Kim"} if draw(st.booleans()) else {})}
        item["tags"] = draw(st.lists(st.sampled_from(["a", "B", "c"]), max_size=2))
        item["evidence"] = [
            {"summary": draw(st.sampled_from(["one", "two"])), "stance": draw(st.sampled_from(["supports", "context"])),
             **({"retraction_reason": "wrong"} if draw(st.booleans()) else {})}
            for _ in range(draw(st.integers(0, 2)))]
        if draw(st.integers(0, 4)) == 0:
            item["deleted_at"] = "2024-03-01T00:00:00+00:00"
        objects.append(item)
    return objects


@pytest.mark.sqlite_only
# Each example makes ledgers of its own under tmp_path, named by a counter.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(objects=bare_objects())
def test_any_bare_objects_in_bulk_as_through_the_services(objects, sqlite_template, tmp_path):
    number = next(_numbers)
    made, reference = tmp_path / f"bulk-{number}.db", tmp_path / f"services-{number}.db"
    for target in (made, reference):
        shutil.copyfile(sqlite_template, target)
        ok("--db", target, "add", "Rain", "--key", "kept", "--probability", "0.5")
    error = in_bulk(str(made), tmp_path / "mine.jsonl", objects)
    assert error == one_by_one(str(reference), "mine.jsonl", objects)
    assert rows(str(made)) == rows(str(reference))
