"""`list --search TEXT`: forecasts whose claim, criteria or key contains TEXT, ignoring case
by Unicode full case folding (Python's `str.casefold`).

The same answers on SQLite (FTS5 trigram index) and PostgreSQL (LIKE, served by a trigram
index), with `--as-of` and without, for whatever is typed and however long: parts of words,
phrases, accents, quotes, operators of the index's own query language and LIKE's wildcards
are all just text. The index changes with the forecasts, in the same transaction, whichever
way they are written: added, updated, undone or imported.
"""

import itertools
import json
import sys

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, inspect

from conftest import dump, ok, run, run_json
from interchange_helpers import ledgers  # noqa: F401  (a fixture)
from test_bad_input import FAILURE, assert_clean_failure
from tracker.storage import schema
from tracker.storage.folding import FIELD_SEPARATOR


def found(*args: str) -> list[int]:
    return [f["id"] for f in run_json("list", "--search", *args)]


@pytest.fixture
def worded(seeded):
    """The seed set (1-3) and forecasts whose words test what search takes literally."""
    for claim, more in [
        ("Élection présidentielle anticipée en France avant l'été", []),
        ('Voters say "no" to the referendum OR NOT at all', ["--criteria", "Counted NEAR(the end) * ^ -x"]),
        ("Inflation above 5% by 2027, per the under_score index", ["--key", "inflation-5pct"]),
    ]:
        ok("add", claim, *more)
    return seeded


SEARCHES = [
    ("deterrence", [3]),
    ("DETERRENCE", [3]),
    ("eterren", [3]),                            # inside a word
    ("communication channels", [1]),            # a phrase, spaces and all
    ("technical-agree", [2]),                    # in the key
    ("military deconfliction or crisis", [1]),  # in the criteria
    ("us–russia", [1, 2, 3]),                    # an en dash
    ("élection", [4]),
    ("ÉLECTION PRÉSIDENTIELLE", [4]),
    ('"no"', [5]),                               # quotes are text
    ("OR NOT", [5]),                             # so are the FTS5 operators
    ("NEAR(the", [5]),
    ("* ^ -x", [5]),
    ("5%", [6]),                                 # and LIKE's wildcards
    ("%", [6]),
    ("_", [6]),
    ("under_sc", [6]),
    ("5pct", [6]),
    ("no such words", []),
    ("e", [1, 2, 3, 4, 5, 6]),                   # too short for the index: the same meaning
    ("ÉL", [4]),
]


def test_search_finds_text_anywhere_in_claim_criteria_or_key(worded):
    assert [(text, found(text)) for text, _ in SEARCHES] == SEARCHES


def test_search_combines_with_filters_order_and_paging(worded):
    ok("update", "2", "--status", "stalled")
    assert found("us–russia", "--status", "open") == [1, 3]
    assert found("us–russia", "--sort", "-id") == [3, 2, 1]
    assert found("us–russia", "--limit", "2") == [1, 2]
    assert found("us–russia", "--after", "1", "--limit", "1") == [2]
    assert found("us–russia", "--sort", "-id", "--after", "3") == [2, 1]
    assert found("us–russia", "--tag", "risk-reduction") == [2]


def test_the_index_follows_every_change_in_the_same_transaction(worded):
    ok("update", "1", "--claim", "Hotlines between Washington and Moscow reopen")
    assert found("communication channels") == []
    assert found("hotlines between") == [1]
    ok("update", "2", "--criteria", "A signed memorandum on incidents at sea")
    assert found("memorandum on incidents") == [2]
    assert found("narrow technical") == [2]          # the claim is still there
    ok("update", "2", "--criteria", "none")           # cleared criteria
    assert found("memorandum on incidents") == []
    ok("delete", "3", "--reason", "entered twice")
    assert found("deterrence") == []
    assert [f["id"] for f in run_json("list", "--deleted", "--search", "deterrence")] == [3]


def test_a_failed_change_leaves_the_index_as_it_was(worded):
    before = dump(worded)
    result = run("update", "1", "--claim", "Xylophone talks", "--status", "developing", "--evidence", "999")
    assert_clean_failure(result, FAILURE, "no evidence 999")
    assert dump(worded) == before
    assert found("xylophone") == []
    assert found("communication channels") == [1]


def test_search_text_is_shown_back_the_same_in_every_format(worded):
    rows = run_json("list", "--search", "5%")
    assert [r["key"] for r in rows] == ["inflation-5pct"]
    assert "inflation-5pct" in ok("list", "--search", "5%", "--format", "csv").stdout


# --- Unicode case folding --------------------------------------------------------------

SEARCHED = ("claim", "criteria", "key")


def oracle(records: list[dict], needle: str) -> list[int]:
    """What search means, said plainly: any searched field contains the needle, both casefolded."""
    return [r["id"] for r in records
            if any(needle.casefold() in (r[name] or "").casefold() for name in SEARCHED)]


def searched(needle: str, *more: str) -> list[int]:
    # `--search=…`, so a needle that starts with a dash is not read as an option.
    return [f["id"] for f in run_json(*more, "list", f"--search={needle}")]


def searched_as_of_today(needle: str, *more: str) -> list[int]:
    return [f["id"] for f in run_json(*more, "list", "--as-of", "today", f"--search={needle}")]


@pytest.fixture
def scripts(ledger):
    """Forecasts in several scripts, with the letters whose case folding is not `lower()`."""
    for claim, criteria, key in [
        ("Путин и Трамп встретятся на Аляске", "Встреча до конца ГОДА", "putin-trump"),
        ("Ο ΝΟΜΟΣ ΨΗΦΙΖΕΤΑΙ", "Δημοσίευση του νόμου", "greek-law"),
        ("Die Straße wird gebaut", "GROẞE Maßnahmen", "road"),
        ("İstanbul seçimi", "IRMAK kıyısında", "tr-election"),
        ("中国与日本签署贸易协定", None, "china-japan"),
        ("Rocket 🚀 reaches the Moon 🌕", None, "rocket"),
        ("Odds of 100% on snake_case", r"Filed under C:\data\new", "wildcards"),
        ("Talks", "Deal", "plain"),
    ]:
        ok("add", claim, "--key", key, *(["--criteria", criteria] if criteria else []))
    return ledger


FOLDED_SEARCHES = [
    ("ПУТИН", [1]), ("пу", [1]), ("ПУ", [1]), ("Г", [1]), ("года", [1]),
    ("νομος", [2]), ("ΝΟΜΟΣ", [2]), ("ς", [2]), ("Σ", [2]), ("νόμου", [2]),
    ("νομου", []),                               # accents are letters of their own
    ("STRASSE", [3]), ("straße", [3]), ("ß", [3]), ("ẞ", [3]), ("SS", [3]), ("GROSSE", [3]), ("maß", [3]),
    ("İstanbul", [4]), ("İ", [4]), ("IRMAK", [4]), ("kıyı", [4]),
    ("istanbul", []),                            # İ folds to i and a combining dot above
    ("ırmak", []), ("KIYI", []),                  # ı is no i, and I folds to i
    ("中", [5]), ("日本", [5]), ("贸易协定", [5]),
    ("🚀", [6]), ("MOON 🌕", [6]),
    ("%", [7]), ("_", [7]), ("\\", [7]), ("0%", [7]), ("e_c", [7]), ("ke_", [7]), ("C:\\", [7]),
    ("a\\n", [7]), ("%%", []), ("_%", []), ("a_e", []), ("1%0", []),
    ("TALKS", [8]), ("deal", [8]),
    ("sd", []), ("lp", []), ("ksde", []),        # never across the end of one field and the start of the next
    ("x", []), ("X", []), ("sxd", []), ("KSXDE", []),  # nor the mark that separates them where stored
]


def test_search_folds_case_as_unicode_does_for_any_length_of_text(scripts):
    everything = run_json("list")
    assert [(text, searched(text)) for text, _ in FOLDED_SEARCHES] == FOLDED_SEARCHES
    assert [(text, oracle(everything, text)) for text, _ in FOLDED_SEARCHES] == FOLDED_SEARCHES


def test_search_as_of_today_folds_case_the_same_way(scripts):
    assert [(text, searched_as_of_today(text)) for text, _ in FOLDED_SEARCHES] == FOLDED_SEARCHES


def test_an_edited_claim_is_found_by_its_new_text_and_not_its_old(scripts):
    ok("update", "1", "--claim", "ΣΥΝΟΔΟΣ ΚΟΡΥΦΗΣ στην Αλάσκα")
    for find in (searched, searched_as_of_today):
        assert find("ПУТИН") == find("пу") == []
        assert find("συνοδος") == [1]
        assert find("Σ") == [1, 2]
        assert find("года") == [1]                 # the criteria did not change
    ok("update", "3", "--criteria", "none")
    assert searched("ß") == searched_as_of_today("ß") == [3]  # still in the claim
    assert searched("GROẞE") == searched_as_of_today("GROẞE") == []
    ok("undo")
    assert searched("GROẞE") == [3]
    ok("undo")
    assert searched("ПУТИН") == searched_as_of_today("ПУ") == [1]
    assert searched("συνοδος") == []


def write_lines(path, objects) -> None:
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects), encoding="utf-8")


IMPORTED = [
    {"claim": "ΟΔΥΣΣΕΑΣ returns to Ithaca", "key": "odysseus"},
    {"claim": "Die Maßnahme greift", "criteria": "Über 50% Zustimmung", "status": "developing"},
    {"claim": "İzmir'de seçim", "key": "izmir"},
]
IMPORTED_SEARCHES = [("οδυσσ", [1]), ("ΟΔΥΣΣΕΑΣ", [1]), ("ς", [1]), ("MASSNAHME", [2]), ("ß", [1, 2]),
                     ("0%", [2]), ("üBER", [2]), ("İZ", [3]), ("i̇zmir", [3]), ("izmir", [3]), ("odysseus", [1])]


def test_imported_forecasts_are_searchable_and_stay_so_through_a_round_trip(ledger, ledgers, tmp_path):  # noqa: F811
    write_lines(tmp_path / "bare.jsonl", IMPORTED)
    ok("import", tmp_path / "bare.jsonl")
    assert [(text, searched(text)) for text, _ in IMPORTED_SEARCHES] == IMPORTED_SEARCHES
    assert [(text, searched_as_of_today(text)) for text, _ in IMPORTED_SEARCHES] == IMPORTED_SEARCHES
    # A full export is restored in bulk, below the ORM, and must be found the same.
    (tmp_path / "ledger.json").write_text(ok("export", "--format", "json").stdout, encoding="utf-8")
    copy = ledgers.new()
    ok("--db", copy, "import", tmp_path / "ledger.json")
    assert [(text, searched(text, "--db", copy)) for text, _ in IMPORTED_SEARCHES] == IMPORTED_SEARCHES
    assert ok("--db", copy, "doctor").exit_code == 0


@pytest.mark.sqlite_only
def test_the_field_separator_is_never_in_folded_text():
    assert FIELD_SEPARATOR.casefold() != FIELD_SEPARATOR
    assert not any(FIELD_SEPARATOR in chr(n).casefold() for n in range(sys.maxunicode + 1))


# Letters whose folding is not `lower()` or changes length, other scripts, and LIKE's wildcards.
ALPHABET = "aAsSßẞσςΣİiIıkKKﬁŉΐǅᏸꭰµΩЁё中🚀%_\\ -\n"
KEY_LETTERS = "aAsSßẞσςΣİiIıkKЁё中_"
texts = st.text(ALPHABET, min_size=1, max_size=12).filter(str.strip)
CASINGS = (str.upper, str.lower, str.casefold, str.swapcase, str.title, str)


@st.composite
def rows_and_needles(draw) -> tuple[list[dict], list[str]]:
    example = next(examples)
    rows = []
    for n in range(draw(st.integers(1, 4))):
        row = {"claim": draw(texts)}
        if draw(st.booleans()):
            row["criteria"] = draw(texts)
        if draw(st.booleans()):  # else one is made from the claim
            row["key"] = draw(st.text(KEY_LETTERS, min_size=1, max_size=6)) + f"-{example}-{n}"
        rows.append(row)
    fields = [value for row in rows for value in row.values()]

    def part_of_a_field(_) -> str:
        field = draw(st.sampled_from(fields))
        start = draw(st.integers(0, len(field) - 1))
        end = draw(st.integers(start + 1, min(len(field), start + 6)))
        return draw(st.sampled_from(CASINGS))(field[start:end])

    needles = draw(st.lists(st.one_of(st.sampled_from(ALPHABET), st.text(ALPHABET, min_size=2, max_size=4),
                                      st.none().map(part_of_a_field)), min_size=1, max_size=4))
    return rows, needles


examples = itertools.count()


@pytest.fixture
def restored(ledgers):  # noqa: F811
    """A second ledger, holding what the test's own one exports, restored in bulk."""
    return ledgers.new()


# No shrinking: the rows pile up across examples, so a smaller example replayed later is not
# what failed; the failure names its needle, and the ledger holds the rows it was asked of.
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(example=rows_and_needles())
def test_search_agrees_with_casefold_on_every_path(ledger, restored, tmp_path, example):
    """Each example adds forecasts (one import of bare objects, so through the ORM), copies
    the whole ledger into a second one by a full export (so in bulk), and asks both for each
    needle, with `--as-of today` too; the rows pile up across examples, and the oracle reads
    them all."""
    rows, needles = example
    write_lines(tmp_path / "rows.jsonl", rows)
    ok("import", tmp_path / "rows.jsonl")
    (tmp_path / "ledger.json").write_text(ok("export", "--format", "json").stdout, encoding="utf-8")
    ok("--db", restored, "import", tmp_path / "ledger.json")
    records = run_json("list")
    assert [(r["id"], r["key"]) for r in run_json("--db", restored, "list")] == [(r["id"], r["key"]) for r in records]
    for needle in needles:
        expected = oracle(records, needle)
        assert searched(needle) == expected, needle
        assert searched_as_of_today(needle) == expected, needle
        assert searched(needle, "--db", restored) == expected, needle


def search_schema(ledger) -> tuple[bool, str]:
    """Whether `forecasts` has its search text, and the SQL of the search index over it."""
    engine = create_engine(ledger.target if ledger.backend == "postgresql" else f"sqlite:///{ledger.path}")
    try:
        with engine.connect() as conn:
            columns = {column["name"] for column in inspect(conn).get_columns("forecasts")}
            index = conn.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_forecasts_search'"
                if ledger.backend == "postgresql" else "SELECT sql FROM sqlite_master WHERE name = 'forecasts_fts'"
            ).scalar()
        return "search_text" in columns, " ".join(index.split())
    finally:
        engine.dispose()


def test_a_ledger_searched_before_folding_is_folded_when_upgraded(scripts):
    """0005_search_fold folds the forecasts already there; its downgrade gives back 0002's search."""
    ok("db", "downgrade", schema.REVISIONS[schema.REVISIONS.index("0005_search_fold") - 1], "--yes")
    stored, index = search_schema(scripts)
    assert not stored and ("(claim, criteria, key" in index or "(claim gin_trgm_ops, criteria" in index)
    ok("db", "upgrade")
    stored, index = search_schema(scripts)
    assert stored and ("fts5(search_text" in index or "(search_text gin_trgm_ops)" in index)
    assert [(text, searched(text)) for text, _ in FOLDED_SEARCHES] == FOLDED_SEARCHES
    assert [check["ok"] for check in run_json("doctor")] == [True] * 5
