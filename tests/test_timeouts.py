"""How long a command waits: TRACKER_BUSY_TIMEOUT, read once, checked, and used by both backends.

The waits themselves (a lock held by another session, a server that never answers) are in
test_safety.py for SQLite and test_postgres_faults.py for PostgreSQL.
"""

import pytest

from conftest import dump, run
from test_bad_input import assert_clean_failure


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "-1", "1e9", "1e999", "soon", ""])
def test_a_busy_timeout_that_is_not_a_usable_number_of_seconds_is_refused(seeded, monkeypatch, value):
    before = dump(seeded)
    monkeypatch.setenv("TRACKER_BUSY_TIMEOUT", value)
    for args in (["list"], ["update", "1", "--status", "stalled"]):
        result = run(*args)
        assert_clean_failure(result, 1, "TRACKER_BUSY_TIMEOUT")
        assert "a number of seconds" in result.stderr
    monkeypatch.delenv("TRACKER_BUSY_TIMEOUT")
    assert dump(seeded) == before


@pytest.mark.parametrize("value", ["0", "0.5", "30", "86400"])
def test_a_busy_timeout_in_range_is_accepted(seeded, monkeypatch, value):
    monkeypatch.setenv("TRACKER_BUSY_TIMEOUT", value)
    assert run("update", "1", "--status", "stalled").exit_code == 0


@pytest.mark.sqlite_only
@pytest.mark.parametrize("url", ["postgresql://someone:s3cret-pw@127.0.0.1:abc/ledger",
                                 "postgresql+psycopg://someone:s3cret-pw@127.0.0.1:99999999999999999999/ledger",
                                 "postgresql://someone:s3cret-pw@127.0.0.1:-5/ledger"])
def test_a_server_url_whose_port_is_not_a_number_is_refused(url):
    result = run("--db", url, "list")
    assert_clean_failure(result, 1, "port")
    assert "s3cret-pw" not in result.stderr
