"""`list --search TEXT`: forecasts whose claim, criteria or key contains TEXT, ignoring case.

The same answers on SQLite (FTS5 trigram index) and PostgreSQL (ILIKE, served by a trigram
index), for whatever is typed: parts of words, phrases, accents, quotes, operators of the
index's own query language and LIKE's wildcards are all just text. The index changes with
the forecasts, in the same transaction.
"""

import pytest

from conftest import dump, ok, run, run_json
from test_bad_input import FAILURE, assert_clean_failure


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
