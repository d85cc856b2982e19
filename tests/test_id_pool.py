"""The ids an import gives restored rows (services/imports.py IdPool): a file's own where all of a
group's are free and none is repeated, else the next unused ones, and nothing kept of the ids
it looked at and did not give."""

from array import array

import pytest

from tracker.services.imports import IdPool

pytestmark = pytest.mark.sqlite_only


def test_a_group_keeps_its_ids_when_all_are_free():
    pool = IdPool(10)
    assert list(pool.claim(array("q", [12, 15, 13]))) == [12, 15, 13]
    assert list(pool.claim([None])) == [16]


def test_a_group_with_one_id_taken_or_repeated_gets_new_ones():
    pool = IdPool(10)
    pool.claim([12])
    assert list(pool.claim([11, 12])) == [13, 14]
    assert list(pool.claim(array("q", [20, 21, 20]))) == [15, 16, 17]
    assert list(pool.claim([20, 21])) == [20, 21]  # given back when the group above was refused


def test_an_id_far_above_the_ledgers_makes_no_room_for_itself():
    pool = IdPool(10)
    pool.claim([11])
    assert list(pool.claim(array("q", [IdPool.WINDOW - 1, 11]))) == [12, 13]
    assert len(pool.taken) < 10


def test_the_bitmap_of_a_restore_grows_with_the_ids_given_not_twice_as_fast():
    pool = IdPool(0)
    for first in range(1, 800_001, 1000):
        pool.claim(range(first, first + 1000))
    assert 100_000 <= len(pool.taken) <= 100_000 * 9 // 8 + 16
