"""Hot commands stay fast on any size of ledger: every statement they run is answered from an
index, which the database's own query plans show. Nothing here is timed.

SQLite: EXPLAIN QUERY PLAN never shows a whole table of the ledger read (SCAN forecasts), nor,
where the statement asks for a page (LIMIT), every match gathered and sorted to find it (USE
TEMP B-TREE FOR ORDER BY); reading an index in the order asked for and stopping after the
page is what an index is for. SQLite plans without statistics, so a small ledger plans as a
large one does. PostgreSQL: with sequential scans priced out of reach, EXPLAIN chooses a
sequential scan of a ledger table only when no index can serve the statement.
"""

import itertools
import re

import pytest
from clock import clock  # noqa: F401  (fixture)
from conftest import ok, run_json
from sqlalchemy import Engine, create_engine, event

from tracker.fields import SORT_FIELDS

LEDGER_TABLES = ("forecasts", "forecast_tags", "evidence", "events", "event_citations", "changes")
# A partial index holds only the rows a statement wants, so reading all of it is no whole-table read.
PARTIAL_INDEXES = ("ix_forecasts_scored", "ix_events_revisions")
WHOLE_TABLE = re.compile(rf"\bSCAN ({'|'.join(LEDGER_TABLES)})\b"
                         rf"(?! VIRTUAL| USING (?:COVERING )?INDEX (?:{'|'.join(PARTIAL_INDEXES)})\b)")
SEQUENTIAL = re.compile(rf"Seq Scan on ({'|'.join(LEDGER_TABLES)})\b")
INDEX_SCAN = re.compile(rf"(?:Index (?:Only )?Scan using (\w+)|Bitmap Heap Scan) on ({'|'.join(LEDGER_TABLES)})\b")

STATUS_ID = "ix_forecasts_status_id"
EVENTS = "ix_events_forecast_id_id_kind_field"
# Each read command, and on SQLite the index its plan must name (None: any index will do; a
# tuple: one of them).
READS = [
    (["list", "--limit", "50"], None),
    (["list", "--status", "open", "--limit", "50"], STATUS_ID),
    (["list", "--status", "open", "--status", "stalled", "--limit", "50"], STATUS_ID),
    (["list", "--active", "--limit", "50"], STATUS_ID),
    (["list", "--final", "--limit", "50"], STATUS_ID),
    (["list", "--due", "--limit", "50"], STATUS_ID),
    (["list", "--overdue", "--limit", "50"], STATUS_ID),
    (["list", "--tag", "us-russia", "--limit", "50"], "ix_forecast_tags_tag_forecast_id"),
    (["list", "--tag", "us-russia", "--tag", "risk-reduction", "--limit", "50"], "ix_forecast_tags_tag_forecast_id"),
    (["list", "--search", "deterrence", "--limit", "50"], "forecasts_fts VIRTUAL TABLE"),
    (["list", "--search", "DETERRENCE", "--status", "open", "--limit", "50"], "forecasts_fts VIRTUAL TABLE"),
    # Too short for a trigram: the forecasts are read in id order, tested one by one, until a page is found.
    (["list", "--search", "ДЕ", "--limit", "50"], None),
    (["list", "--after", "1", "--limit", "50"], "INTEGER PRIMARY KEY (rowid>?)"),
    (["list", "--after", "2", "--sort", "-probability", "--limit", "50"], "ix_forecasts_probability"),
    (["list", "--after", "2", "--sort", "made_on", "--limit", "50"], "ix_forecasts_made_on"),
    *((["list", "--sort", order, "--limit", "50"],
       {"id": None, "key": "sqlite_autoindex_forecasts",
        # Either serves the status order; ties come by id, sorted status by status.
        "status": ("ix_forecasts_status", "ix_forecasts_scored")}.get(name, f"ix_forecasts_{name}"))
      for name in SORT_FIELDS for order in (name, f"-{name}")),
    (["show", "1"], EVENTS),
    (["show", "anchorage-2025/channels"], "ix_evidence_forecast_id_id_retracted_at"),
    (["history", "1"], EVENTS),
    (["evidence", "list", "1"], "ix_evidence_forecast_id_id_retracted_at"),
    (["review", "--limit", "50"], "ix_forecasts_status_next_review_on_resolve_by"),
    (["score"], "ix_forecasts_scored"),
    (["score"], "ix_events_revisions"),
]
WRITES = [
    ["update", "1", "--probability", "0.3", "--tag", "bench"],
    ["update", "1", "--status", "developing", "--note", "a sign", "--evidence", "1"],
    ["update", "2", "--claim", "A new wording", "--expect-version", "2"],
    ["evidence", "add", "1", "More news"],
    ["evidence", "retract", "1", "--reason", "misread"],
    ["review", "2", "--note", "still open"],
    ["snooze", "2", "--until", "+5d"],
    ["undo"],
]


class Statements:
    """Every statement the commands run while capturing, with its parameters."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, object]] = []

    def __enter__(self):
        event.listen(Engine, "before_cursor_execute", self.record)
        return self

    def __exit__(self, *exc):
        event.remove(Engine, "before_cursor_execute", self.record)

    def record(self, _conn, _cursor, statement, parameters, _context, _executemany):
        if re.match(r"\s*(SELECT|UPDATE|DELETE|WITH)\b", statement):
            self.seen.append((statement, parameters))


def plans(ledger, statements, *, settings=("enable_seqscan",)) -> list[tuple[str, list[str]]]:
    """Each statement with its plan, one line per step; on PostgreSQL with `settings` off."""
    engine = create_engine(ledger.target if ledger.backend == "postgresql" else f"sqlite:///{ledger.path}")
    try:
        with engine.connect() as conn:
            if ledger.backend == "postgresql":
                for setting in settings:
                    conn.exec_driver_sql(f"SET {setting} = off")
                return [(sql, [row[0] for row in conn.exec_driver_sql(f"EXPLAIN {sql}", params)])
                        for sql, params in statements]
            return [(sql, [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)])
                    for sql, params in statements]
    finally:
        engine.dispose()


def problems(ledger, statements) -> list[str]:
    found = []
    for sql, plan in plans(ledger, statements):
        text = "\n".join(plan)
        paged = re.search(r"\bLIMIT\b", sql)
        if ledger.backend == "postgresql":
            bad = SEQUENTIAL.search(text) or (not paged and whole_index_walked(plan))
        else:
            bad = WHOLE_TABLE.search(text) if not paged else re.search(r"USE TEMP B-TREE FOR ORDER BY", text)
        if bad:
            found.append(f"{' '.join(sql.split())}\n    {plan}")
    return found


def whole_index_walked(plan: list[str]) -> bool:
    """Whether a PostgreSQL plan reads a ledger table's whole index, start to end (no condition
    bounds the scan): the whole table, through an index. A page may start so and stop early."""
    for number, step in enumerate(plan):
        found = INDEX_SCAN.search(step)
        if not found or found.group(1) in PARTIAL_INDEXES:
            continue
        depth = len(step) - len(step.lstrip(" ->"))
        details = itertools.takewhile(lambda line: len(line) - len(line.lstrip(" ")) > depth and "->" not in line,
                                      plan[number + 1:])
        if not any("Index Cond" in line or "Recheck Cond" in line for line in details):
            return True
    return False


@pytest.fixture
def busy(seeded):
    """The seed set with evidence, statuses, probabilities and a review behind it."""
    ok("evidence", "add", "1", "Deconfliction line used", "--stance", "supports")
    ok("update", "2", "--probability", "0.4", "--tag", "risk-reduction")
    ok("update", "3", "--status", "refuted", "--note", "talks called off")
    ok("review", "1")
    return seeded


def test_reads_are_answered_from_indexes(busy):
    failures = []
    for args, index in READS:
        with Statements() as captured:
            ok(*args)
        assert captured.seen, args
        failures += [f"{' '.join(args)}: {problem}" for problem in problems(busy, captured.seen)]
        names = (index,) if isinstance(index, str) else index
        if busy.backend == "sqlite" and names and not any(
                name in step for _, plan in plans(busy, captured.seen) for step in plan for name in names):
            failures.append(f"{' '.join(args)}: no {index} in its plans")
    assert failures == []


@pytest.mark.postgres_only
def test_search_can_use_the_trigram_index_on_postgresql(busy):
    """Walking the ids in order and testing each is allowed too (a page of a common word is
    found at once); without that way, the search's own index must serve."""
    with Statements() as captured:
        ok("list", "--search", "deterrence", "--limit", "50")
    found = plans(busy, captured.seen, settings=("enable_seqscan", "enable_indexscan"))
    assert any("ix_forecasts_search" in step for _, plan in found for step in plan)


def test_writes_find_what_they_change_by_index(busy):
    for args in WRITES:
        with Statements() as captured:
            ok(*args)
        assert problems(busy, captured.seen) == [], args


def test_the_check_catches_a_whole_table_read(busy):
    """The test above can fail: a filter no index serves is caught on both backends."""
    statement = [("SELECT id FROM forecasts WHERE review_every = 30", {} if busy.backend == "postgresql" else ())]
    assert problems(busy, statement)


@pytest.mark.postgres_only
def test_the_check_catches_a_whole_index_walked(busy):
    statement = [("SELECT id FROM changes ORDER BY id", {})]
    assert problems(busy, statement)


@pytest.mark.postgres_only
def test_show_asks_for_the_changes_of_a_timeline_by_id(busy):
    """Asked for as the changes of a forecast's events, the changes of a long timeline were
    planned as a merge join that walked every change of the ledger (a cursor's plan, started
    fast). Asked for by id, no plan walks them all, even with the joins that serve a short
    timeline turned off, as a long timeline's plan had them."""
    with Statements() as captured:
        ok("show", "1", "--format", "json")
    reading = [(sql, params) for sql, params in captured.seen if "FROM changes" in sql]
    assert reading
    found = plans(busy, reading, settings=("enable_seqscan", "enable_nestloop", "enable_hashjoin"))
    assert [sql for sql, plan in found if whole_index_walked(plan)] == []


@pytest.mark.sqlite_only
def test_a_page_sorted_after_gathering_every_match_is_caught(busy):
    statement = [("SELECT id FROM forecasts ORDER BY review_every LIMIT 50", ())]
    assert problems(busy, statement)


def test_streamed_pages_are_read_from_indexes(busy, clock, monkeypatch):
    """`review` and `history` read their rows a page at a time; each page after the first
    continues from an index too (a page of one row makes every page a later one)."""
    from tracker.services import forecasts, reviews

    monkeypatch.setattr(reviews, "PAGE", 1)
    monkeypatch.setattr(forecasts, "PAGE", 1)
    clock.go(800)  # every active forecast due, some past their deadline
    for args in (["review"], ["history", "1"]):
        with Statements() as captured:
            shown = ok(*args, "--format", "jsonl").stdout.splitlines()
        assert len(shown) > 1, args
        assert problems(busy, captured.seen) == [], args


def statements_of(*args: str) -> list[str]:
    with Statements() as captured:
        ok(*args)
    return [" ".join(sql.split()) for sql, _ in captured.seen]


def test_a_page_of_the_review_queue_takes_the_same_statements_however_full(busy, clock):
    """The page's place in the queue is found in one statement for every status and part, then
    only its forecasts are read: no statement for each status, nor for each forecast."""
    for number in range(4):
        ok("add", f"Talks resume in round {number}", "--resolve-by", clock.date(400))
    clock.go(800)  # every active forecast due, some past their deadline
    counts = {limit: len(statements_of("review", "--limit", str(limit))) for limit in (1, 2, 50)}
    assert len(run_json("review", "--limit", "50")) > 2
    # The schema check; the queue's ids; the forecasts with their sources and tags; their events,
    # what those cite and their evidence; on PostgreSQL, each transaction's timeouts too.
    most = 8 + 2 * (busy.backend == "postgresql")
    assert all(count <= most for count in counts.values()), counts


def test_the_citations_of_the_events_folded_come_in_one_statement(busy, clock, monkeypatch):
    """However many events the forecasts folded have: SQLAlchemy's own eager loading of them
    takes a statement for every 500 events, here made 2 so that a small ledger shows it."""
    from sqlalchemy.orm import strategies

    monkeypatch.setattr(strategies._SelectInLoader, "_chunksize", 2)
    ok("update", "1", "--status", "developing", "--note", "a sign", "--evidence", "1")
    clock.go(800)
    for args in (["list", "--as-of", "today", "--limit", "50"], ["show", "1", "--as-of", "today"],
                 ["review", "--limit", "50"]):
        citing = [sql for sql in statements_of(*args) if "FROM event_citations" in sql]
        assert len(citing) == 1, (args, citing)


def test_a_page_of_the_past_reads_about_as_many_forecasts_as_it_shows(busy):
    """`list --as-of` in id order reads a first batch the size of the page, then doubles it."""
    from tracker.cli.context import Ledger
    from tracker.services.forecasts import count_forecasts
    from tracker.services.past import forecasts_in_batches

    for number in range(6):
        ok("add", f"Talks resume in round {number}")
    with Ledger(busy.target, "tester").session(write=False) as session:
        sizes = [len(batch) for batch in forecasts_in_batches(session, descending=False, first=2)]
        assert sizes[:2] == [2, 4] and sum(sizes) == count_forecasts(session) > 6
    assert len(run_json("list", "--as-of", "today", "--limit", "2")) == 2


def test_undo_passes_over_a_long_timeline_of_other_things_in_the_database(busy, clock, monkeypatch):
    """A change followed on its forecast by many events that touch other things: `undo --list`
    reads as many statements however many there are (it read every one, a page at a time)."""
    from tracker.services import undo

    monkeypatch.setattr(undo, "PAGE", 2)
    ok("--as", "ana", "evidence", "add", "2", "A hotline call")
    counts = []
    for reviews in (3, 12):
        while len([line for line in ok("history", "2", "--format", "jsonl").stdout.splitlines()
                   if '"reviewed"' in line]) < reviews:
            clock.go(1)
            ok("--as", "ben", "review", "2")
        counts.append(len(statements_of("--as", "ana", "undo", "--list")))
    assert counts[0] == counts[1], counts
    assert run_json("--as", "ana", "undo", "--list")[0]["undoable"] is True
