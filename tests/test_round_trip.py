"""The round trip, over random ledgers: export, import into an empty ledger, export again, and
the bytes are the same, for JSON and JSONL alike."""

import datetime as dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ok
from interchange_helpers import ledgers  # noqa: F401  (a fixture)
from tracker.fields import STANCES
from tracker.statuses import STATUSES

TODAY = dt.date.today()
texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                min_size=1, max_size=40).filter(str.strip)
tags = st.from_regex(r"[a-zß-öø-ÿ0-9][\w.+-]{0,12}", fullmatch=True)
days = st.dates(min_value=dt.date(2000, 1, 1), max_value=TODAY)
evidence = st.fixed_dictionaries(
    {"summary": texts, "stance": st.sampled_from(STANCES)},
    optional={"observed_on": days.map(str), "url": st.sampled_from(["https://example.org/ä?q=1", "http://x.test"]),
              "retraction_reason": texts})
sources = st.fixed_dictionaries({"title": st.sampled_from(["Weekly Review", "Новая газета", "日報"])},
                                optional={"author": st.sampled_from(["Ann", None]), "notes": texts})


@st.composite
def forecasts(draw, number: int) -> dict:
    made_on = draw(days)
    item = {"key": f"k{number}", "claim": draw(texts), "made_on": str(made_on)}
    optional = {
        "criteria": texts, "probability": st.one_of(st.none(), st.floats(0, 1)),
        "status": st.sampled_from(STATUSES), "tags": st.lists(tags, max_size=3),
        "evidence": st.lists(evidence, max_size=3), "source": sources,
        "resolve_by": st.integers(0, 4000).map(lambda n: str(made_on + dt.timedelta(days=n))),
        "review_every": st.integers(1, 3650), "deleted_at": st.just("2026-01-01T00:00:00+00:00"),
    }
    for name, values in optional.items():
        if draw(st.booleans()):
            item[name] = draw(values)
    return item


@st.composite
def ledger_files(draw) -> tuple[list[dict], list[dict]]:
    """Bare objects to build a ledger from, and a later file that changes some of them.

    At least one forecast: an empty ledger exports an empty JSONL file, which import refuses.
    """
    items = [draw(forecasts(n)) for n in range(draw(st.integers(1, 4)))]
    changes = []
    for item in items:
        if "deleted_at" not in item and draw(st.booleans()):
            changes.append({"key": item["key"], "claim": draw(texts), "probability": draw(st.floats(0, 1)),
                            "status": draw(st.sampled_from(STATUSES)), "tags": draw(st.lists(tags, max_size=2)),
                            "evidence": draw(st.lists(evidence, max_size=2))})
    return items, changes


def write_lines(path, objects) -> None:
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects), encoding="utf-8")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ledger_files())
def test_export_import_export_is_byte_identical(ledgers, tmp_path, files):  # noqa: F811
    items, changes = files
    try:
        original = ledgers.new()
        write_lines(tmp_path / "start.jsonl", items)
        ok("--db", original, "import", tmp_path / "start.jsonl")
        if changes:
            write_lines(tmp_path / "changes.jsonl", changes)
            ok("--db", original, "import", tmp_path / "changes.jsonl")
        for fmt in ("json", "jsonl"):
            exported = ok("--db", original, "export", "--format", fmt).stdout
            (tmp_path / f"ledger.{fmt}").write_text(exported, encoding="utf-8")
            empty = ledgers.new()
            ok("--db", empty, "import", tmp_path / f"ledger.{fmt}")
            assert ok("--db", empty, "export", "--format", fmt).stdout == exported
            again = ok("--db", empty, "import", tmp_path / f"ledger.{fmt}")
            assert f"0 added, 0 updated, {len(items)} unchanged" in again.stderr
    finally:
        ledgers.drop_all()
