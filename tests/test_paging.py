"""`list --after ID`: the next page, continuing from where forecast ID stands in the order asked
for (keyset paging). Paging through a list, page after page, gives the whole list once."""

import pytest

from conftest import dump, ok, run, run_json
from test_bad_input import FAILURE, USAGE, assert_clean_failure
from tracker.fields import SORT_FIELDS


def ids(*args: str) -> list[int]:
    return [f["id"] for f in run_json("list", *args)]


@pytest.fixture
def varied(seeded):
    """Eight forecasts with ties and gaps in every field a list can be sorted by."""
    for claim, more in [
        ("Fourth", ["--probability", "0.4", "--resolve-by", "2031-01-01", "--made-on", "2025-01-01"]),
        ("Fifth", ["--probability", "0.4", "--made-on", "2025-01-01", "--review-every", "7"]),
        ("Sixth", ["--resolve-by", "2029-06-30", "--made-on", "2024-05-05"]),
        ("Seventh", ["--probability", "0.9", "--resolve-by", "2029-06-30"]),
        ("Eighth", ["--probability", "0.05", "--review-every", "7"]),
    ]:
        ok("add", claim, *more)
    ok("update", "2", "--status", "stalled", "--probability", "0.4")
    ok("update", "6", "--status", "refuted", "--note", "it did not happen")
    return seeded


def pages(size: int, *args: str) -> list[list[int]]:
    """Every page of `list ARGS`, each asked for with --after the last id of the one before."""
    result, after = [], []
    while page := ids(*args, "--limit", str(size), *after):
        result.append(page)
        after = ["--after", str(page[-1])]
    return result


def test_paging_gives_the_whole_list_once_in_any_order(varied):
    for order in (name for field in SORT_FIELDS for name in (field, f"-{field}")):
        whole = ids("--sort", order)
        assert sorted(whole) == list(range(1, 9)), order
        assert [i for page in pages(3, "--sort", order) for i in page] == whole, order


def test_empty_values_come_last_whichever_the_direction(varied):
    assert ids("--sort", "probability") == [8, 2, 4, 5, 7, 1, 3, 6]
    assert ids("--sort", "-probability") == [7, 2, 4, 5, 8, 1, 3, 6]
    assert ids("--sort", "-probability", "--after", "8") == [1, 3, 6]
    assert ids("--sort", "-probability", "--after", "3") == [6]


def test_paging_keeps_to_the_filters(varied):
    assert pages(2, "--active") == [[1, 2], [3, 4], [5, 7], [8]]
    assert pages(2, "--status", "open", "--sort", "-made_on") == [[7, 8], [1, 3], [4, 5]]
    # A forecast the filter leaves out still marks a place to continue from.
    assert ids("--active", "--after", "6") == [7, 8]
    assert ids("--tag", "us-russia", "--after", "anchorage-2025/channels") == [2, 3]


def test_after_takes_an_id_or_a_key_and_refuses_anything_else(varied):
    assert ids("--after", "anchorage-2025/technical-agreements", "--limit", "2") == [3, 4]
    before = dump(varied)
    assert_clean_failure(run("list", "--after", "99"), FAILURE, "no forecast with id or key '99'")
    assert_clean_failure(run("list", "--after", "nothing-like-it"), FAILURE, "no forecast")
    assert_clean_failure(run("list", "--after", "1", "--as-of", "today"), FAILURE,
                         "--after cannot be combined with --as-of")
    assert_clean_failure(run("list", "--after"), USAGE, "requires an argument")
    assert dump(varied) == before
