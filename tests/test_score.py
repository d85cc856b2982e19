"""`tracker score` and `tracker stats`, through --format json, on a clock the tests set."""

import csv
import datetime as dt
import io
import math
import os
import time

import pytest

from conftest import dump, ok, run, run_json
from test_bad_input import FAILURE, USAGE, assert_clean_failure
from tracker import dates
from tracker.cli.context import Ledger
from tracker.services.forecasts import ForecastDraft, create_forecast
from tracker.services.scorecards import ScoreRequest, score_ledger

UTC = dt.timezone.utc
BIN_KEYS = {"low", "high", "count", "mean_forecast", "observed", "ci_low", "ci_high"}


@pytest.fixture
def clock(monkeypatch):
    """Sets the time every command sees (the event timestamps and `today`)."""

    def set_time(when: str) -> None:
        now = dt.datetime.fromisoformat(when).replace(tzinfo=UTC)
        monkeypatch.setattr(dates, "utc_now", lambda: now)
        monkeypatch.setattr(dates, "today", lambda: now.date())

    return set_time


def add(*args: str) -> int:
    return int(ok("add", *args).stdout)


def resolve(forecast_id: int, status: str, *more: str) -> None:
    ok("update", forecast_id, "--status", status, *more)


def test_score_gives_every_number_worked_by_hand(ledger):
    a = add("A", "--probability", "80%")
    b = add("B", "--probability", "3:7")
    c = add("C", "--probability", "0.6")
    ok("update", c, "--probability", "0.9")  # changed before it was resolved: 0.9 is scored
    d, e, f = add("D"), add("E"), add("F")
    g = add("G", "--probability", "0.5")
    add("H, still open", "--probability", "0.4")
    for forecast_id, status in [(a, "confirmed"), (b, "refuted"), (c, "refuted"), (d, "confirmed"),
                                (e, "refuted"), (f, "partial"), (g, "void")]:
        resolve(forecast_id, status)
    card = run_json("score")
    assert {"scored", "brier", "log_score", "hit_rate", "confirmed", "partial", "refuted", "void",
            "calibration"} <= set(card)
    assert (card["resolved"], card["confirmed"], card["refuted"], card["partial"], card["void"]) == (7, 2, 3, 1, 1)
    assert card["scored"] == 3
    assert card["brier"] == pytest.approx((0.2**2 + 0.3**2 + 0.9**2) / 3)
    assert card["log_score"] == pytest.approx((math.log(0.8) + math.log(0.7) + math.log(0.1)) / 3)
    assert card["log_clip"] == [1e-6, 0.999999] and card["clipped"] == 0
    assert card["hit_rate"] == 0.5 and card["hit_rate_of"] == 2
    assert card["time_weighted"] is False
    bins = card["calibration"]
    assert len(bins) == 10 and all(set(b) == BIN_KEYS for b in bins)
    assert [b["count"] for b in bins] == [0, 0, 0, 1, 0, 0, 0, 0, 1, 1]
    assert bins[3]["observed"] == 0 and bins[8]["observed"] == 1 and bins[9]["mean_forecast"] == 0.9
    assert bins[3]["ci_low"] == 0 and bins[3]["ci_high"] == pytest.approx(0.7935, abs=1e-4)
    assert [(f["id"], f["status"], f["probability"]) for f in card["forecasts"]] == [
        (a, "confirmed", 0.8), (b, "refuted", 0.3), (c, "refuted", 0.9), (d, "confirmed", None),
        (e, "refuted", None), (f, "partial", None), (g, "void", 0.5)]
    assert card["forecasts"][2]["brier"] == pytest.approx(0.81)


def test_what_happens_after_resolution_does_not_change_the_score(ledger):
    late_edit = add("Edited after the fact", "--probability", "0.3")
    resolve(late_edit, "confirmed")
    ok("update", late_edit, "--probability", "0.99")
    flipped = add("Re-resolved", "--probability", "0.2")
    resolve(flipped, "confirmed")
    resolve(flipped, "refuted", "--note", "the confirmation was wrong")
    reopened = add("Reopened", "--probability", "0.9")
    resolve(reopened, "refuted")
    resolve(reopened, "developing", "--note", "too early to tell")
    deleted = add("Deleted", "--probability", "0.9")
    resolve(deleted, "refuted")
    ok("delete", deleted, "--reason", "entered twice")
    card = run_json("score")
    assert [(f["id"], f["status"], f["probability"]) for f in card["forecasts"]] == [
        (late_edit, "confirmed", 0.3), (flipped, "refuted", 0.2)]
    assert card["brier"] == pytest.approx((0.7**2 + 0.2**2) / 2)


def test_an_empty_ledger_scores_nothing(ledger):
    card = run_json("score")
    assert (card["resolved"], card["scored"], card["brier"], card["log_score"], card["hit_rate"]) == (0, 0, None, None, None)
    assert [b["count"] for b in card["calibration"]] == [0] * 10
    assert run_json("score", "--by", "tag") == []
    result = ok("score")
    assert "No resolved forecasts match" in result.stderr and "Calibration" in result.stdout


def test_time_weighted_brier_on_a_set_clock(ledger, clock):
    clock("2026-01-01T00:00:00")
    moved = add("Moved late", "--probability", "0.2")
    clock("2026-01-07T00:00:00")
    ok("update", moved, "--probability", "0.8")
    clock("2026-01-09T00:00:00")
    resolve(moved, "confirmed")
    # Entered on 9 January but made on 1 January: 0.5 stood from 1 January.
    backdated = add("Backdated", "--probability", "0.5", "--made-on", "2026-01-01")
    ok("update", backdated, "--probability", "0.1")
    resolve(backdated, "refuted")
    at_resolution = run_json("score")
    assert at_resolution["brier"] == pytest.approx((0.2**2 + 0.1**2) / 2)
    weighted = run_json("score", "--time-weighted")
    assert weighted["time_weighted"] is True
    assert [f["brier"] for f in weighted["forecasts"]] == [pytest.approx((6 * 0.64 + 2 * 0.04) / 8),
                                                           pytest.approx(0.25)]
    assert weighted["brier"] == pytest.approx(((6 * 0.64 + 2 * 0.04) / 8 + 0.25) / 2)
    assert weighted["log_score"] == at_resolution["log_score"]
    assert "averaged over the time" in ok("score", "--time-weighted").stdout


def test_since_and_until_select_by_resolution_date(ledger, clock):
    clock("2026-01-05T12:00:00")
    january = add("January", "--probability", "0.9")
    february = add("February", "--probability", "0.6")
    resolve(january, "confirmed")
    clock("2026-02-15T12:00:00")
    resolve(february, "refuted")

    def ids(*args):
        return [f["id"] for f in run_json("score", *args)["forecasts"]]

    assert ids() == [january, february]
    assert ids("--since", "2026-02-01") == [february]
    assert ids("--until", "2026-01-31") == [january]
    assert ids("--since", "2026-01-05", "--until", "2026-01-05") == [january]
    assert ids("--since", "2026-02-16") == []
    assert ids("--since", "-4w") == [february]  # relative to the clock's today


def test_one_scorecard_per_tag_source_and_author(ledger):
    both = add("Both tags", "--probability", "0.7", "--tag", "economy", "--tag", "politics", "--source", "Gazette")
    politics = add("Politics only", "--probability", "0.4", "--tag", "politics")
    untagged = int(ok("--as", "alice", "add", "No tags").stdout)
    with Ledger(target=ledger.target, actor="bob").session(write=True) as session:
        draft = ForecastDraft(claim="Named author", source={"title": "Op-ed", "author": "Jane Roe"},
                              probability=0.9, tags=["economy"])
        named = create_forecast(session, "bob", draft).id
    for forecast_id, status in [(both, "confirmed"), (politics, "confirmed"), (untagged, "refuted"),
                                (named, "refuted")]:
        resolve(forecast_id, status)

    def groups(by):
        return {c["group"]: [f["id"] for f in c["forecasts"]] for c in run_json("score", "--by", by)}

    assert list(groups("tag").items()) == [("economy", [both, named]), ("politics", [both, politics]),
                                          (None, [untagged])]
    assert groups("source") == {"Gazette": [both], "Op-ed": [named], None: [politics, untagged]}
    assert groups("author") == {"Jane Roe": [named], "alice": [untagged], "tester": [both, politics]}
    politics_card = next(c for c in run_json("score", "--by", "tag") if c["group"] == "politics")
    assert politics_card["brier"] == pytest.approx((0.3**2 + 0.6**2) / 2)
    assert len(politics_card["calibration"]) == 10
    table = ok("score", "--by", "tag").stdout
    assert table.splitlines()[0].split()[:3] == ["GROUP", "RESOLVED", "SCORED"] and "(none)" in table
    rows = list(csv.DictReader(io.StringIO(ok("score", "--by", "tag", "--format", "csv").stdout)))
    assert [r["group"] for r in rows] == ["economy", "politics", ""] and rows[1]["scored"] == "2"


def test_stats_counts_statuses_deadlines_reviews_evidence_and_moves(ledger, clock):
    clock("2026-01-10T12:00:00")
    ok("seed")
    late = add("Late", "--made-on", "2026-01-01", "--resolve-by", "2026-01-09")
    add("Due today", "--made-on", "2026-01-01", "--resolve-by", "2026-01-10", "--review-every", "5")
    gone = add("Gone", "--resolve-by", "2026-01-01", "--made-on", "2025-12-01")
    ok("delete", gone, "--reason", "duplicate")
    ok("evidence", "add", 1, "A hotline call", "--stance", "supports")
    retracted = ok("evidence", "add", 1, "Misreported").stdout.strip()
    ok("evidence", "retract", retracted, "--reason", "wrong")
    ok("evidence", "add", 2, "A memo")
    resolve(1, "developing")
    clock("2026-03-20T12:00:00")
    resolve(1, "confirmed")
    resolve(1, "confirmed", "--note", "restating is not a move")
    resolve(2, "refuted")
    resolve(late, "stalled")
    stats = run_json("stats")
    assert stats["forecasts"] == 5 and stats["deleted"] == 1
    assert {s: stats[s] for s in ("open", "developing", "stalled", "confirmed", "partial", "refuted", "void")} == {
        "open": 2, "developing": 0, "stalled": 1, "confirmed": 1, "partial": 0, "refuted": 1, "void": 0}
    assert (stats["active"], stats["final"]) == (3, 2)
    # On 20 March: "Late" and "Due today" passed their deadlines; the reviews of the open seed and
    # of "Late" (30 days from 10 January) and of "Due today" (5 days) are due; resolved ones are not.
    assert stats["overdue"] == 2
    assert stats["due_for_review"] == 3
    assert (stats["evidence"], stats["evidence_retracted"]) == (3, 1)
    assert stats["evidence_per_forecast"] == pytest.approx(2 / 5)
    assert stats["forecasts_without_evidence"] == 3
    assert stats["status_moves"] == [
        {"month": "2026-01", "moves": 1, "to": {**zero_moves(), "developing": 1}},
        {"month": "2026-02", "moves": 0, "to": zero_moves()},
        {"month": "2026-03", "moves": 3, "to": {**zero_moves(), "confirmed": 1, "refuted": 1, "stalled": 1}},
    ]
    table = ok("stats").stdout
    assert "Overdue         2" in table and "2026-02" in table and "1 deleted, not counted" in table


def zero_moves():
    return dict.fromkeys(("open", "developing", "stalled", "confirmed", "partial", "refuted", "void"), 0)


def test_stats_of_an_empty_ledger(ledger):
    stats = run_json("stats")
    assert stats["forecasts"] == 0 and stats["evidence_per_forecast"] is None and stats["status_moves"] == []
    assert "none yet" in ok("stats").stdout


BAD_SCORE_INPUT = [
    (["score", "--by", "nothing"], USAGE, "'nothing' is not one of"),
    (["score", "--by"], USAGE, "--by"),
    (["score", "--since", "2026-02-30"], USAGE, "not a real date"),
    (["score", "--since", "last week"], USAGE, "is not a date"),
    (["score", "--until", "31/12/2026"], USAGE, "is not a date"),
    (["score", "--since", "2026-03-01", "--until", "2026-02-01"], FAILURE, "is after --until"),
    (["score", "--format", "xml"], USAGE, "'xml' is not one of"),
    (["score", "--time-weighted=yes"], USAGE, "does not take a value"),
    (["stats", "--format", "html"], USAGE, "'html' is not one of"),
    (["stats", "extra"], USAGE, "unexpected extra argument"),
    (["update", "1", "--probability", "1.5"], USAGE, "outside 0..1"),
    (["update", "1", "--probability", "abc"], USAGE, "'abc' is not a probability"),
    (["update", "1", "--probability", "3:0:1"], USAGE, "'3:0:1' is not a probability"),
    (["update", "1", "--probability", "5 in 4"], USAGE, "outside 0..1"),
]


@pytest.mark.parametrize("args,code,text", BAD_SCORE_INPUT, ids=[" ".join(c[0]) for c in BAD_SCORE_INPUT])
def test_bad_score_stats_and_probability_input_is_refused(seeded, args, code, text):
    before = dump(seeded)
    assert_clean_failure(run(*args), code, text)
    assert dump(seeded) == before


def test_counting_plain_timelines_agrees_with_replaying_every_one(ledger):
    """The plain scorecard counts forecasts never edited in probability or status from their
    rows, and replays the rest; it must equal the card made by replaying every timeline."""
    def forecast(*args: str) -> int:
        return add(f"Claim {next(numbers)}", *args)

    numbers = iter(range(100))
    resolve(forecast("--probability", "0.3"), "confirmed")
    edited = forecast("--probability", "0.3")
    ok("update", edited, "--probability", "0.7")
    resolve(edited, "refuted")
    resolve(forecast(), "confirmed")
    resolve(forecast("--probability", "0.35"), "partial")
    resolve(forecast(), "void")
    reopened = forecast("--probability", "0.6")
    resolve(reopened, "confirmed")
    resolve(reopened, "open", "--note", "too early")
    changed = forecast("--probability", "0.2")
    resolve(changed, "confirmed")
    resolve(changed, "refuted", "--note", "misread")
    restated = forecast("--probability", "0.5")
    resolve(restated, "confirmed")
    resolve(restated, "confirmed", "--note", "still holds")
    ok("update", restated, "--probability", "0.9")
    undone = forecast("--probability", "0.4")
    resolve(undone, "confirmed")
    ok("undo")
    revised = forecast("--probability", "0.4")
    ok("update", revised, "--probability", "0.8")
    ok("undo")
    resolve(revised, "confirmed")
    flipped = forecast("--probability", "0.45")
    resolve(flipped, "refuted")
    resolve(flipped, "confirmed", "--note", "on appeal")
    ok("undo")
    gone = forecast("--probability", "0.1")
    resolve(gone, "refuted")
    ok("delete", gone, "--reason", "duplicate")
    with Ledger(target=ledger.target, actor="tester").session(write=False) as session:
        counted = score_ledger(session, ScoreRequest(details=False))
        replayed = score_ledger(session, ScoreRequest(details=True))
    assert replayed.pop("forecasts") and counted == replayed
    assert counted["resolved"] == 9 and counted["scored"] == 6 and counted["hit_rate_of"] == 1


@pytest.fixture
def local_zone():
    """Sets the time zone the process reads local time in; puts the old one back after."""
    before = os.environ.get("TZ")

    def use(zone: str) -> None:
        os.environ["TZ"] = zone
        time.tzset()

    yield use
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.mark.sqlite_only
@pytest.mark.parametrize("zone", ["Asia/Kolkata", "America/Sao_Paulo", "Pacific/Chatham", "UTC"])
def test_status_moves_fall_in_the_local_month_of_each_move(ledger, clock, local_zone, zone):
    """Moves are counted per UTC day by the database; days that a local month boundary or a
    change of UTC offset cuts are counted move by move."""
    local_zone(zone)
    moments = ["2026-01-31T18:10:00", "2026-01-31T18:50:00", "2026-02-28T23:59:00", "2026-03-01T00:01:00",
               "2026-04-04T13:30:00", "2026-04-05T14:30:00", "2026-10-03T23:30:00", "2026-12-31T23:00:00"]
    for number, moment in enumerate(moments):
        clock("2026-01-01T12:00:00")
        forecast = add(f"Move {number}")
        clock(moment)
        resolve(forecast, "developing" if number % 2 else "stalled")
    expected: dict[str, int] = {}
    for moment in moments:
        month = dt.datetime.fromisoformat(moment).replace(tzinfo=UTC).astimezone().strftime("%Y-%m")
        expected[month] = expected.get(month, 0) + 1
    moves = {row["month"]: row["moves"] for row in run_json("stats")["status_moves"] if row["moves"]}
    assert moves == expected


def test_score_reads_undone_probability_edits_as_show_does():
    ok("add", "Undone edits are not scored", "--probability", "0.4")
    ok("update", "1", "--probability", "0.8")
    ok("undo")
    ok("update", "1", "--status", "confirmed")
    assert run_json("show", "1")["probability"] == 0.4
    card = run_json("score")
    assert card["brier"] == pytest.approx(0.36)
    [scored] = card["forecasts"]
    assert scored["probability"] == 0.4


def test_an_undone_resolution_is_scored_on_the_next_one():
    ok("add", "Resolved, undone, edited, resolved", "--probability", "0.4")
    ok("update", "1", "--status", "confirmed")
    ok("undo")
    ok("update", "1", "--probability", "0.9")
    ok("update", "1", "--status", "confirmed")
    [scored] = run_json("score")["forecasts"]
    assert scored["probability"] == 0.9
    assert scored["resolved_at"] == run_json("history", "1")[-1]["at"]


def test_stats_leaves_out_status_moves_that_were_undone(seeded):
    ok("update", "1", "--status", "developing")
    ok("update", "2", "--status", "stalled")
    ok("undo")
    [month] = run_json("stats")["status_moves"]
    assert month["moves"] == 1 and month["to"]["developing"] == 1 and month["to"]["stalled"] == 0


@pytest.mark.sqlite_only
def test_a_table_of_groups_keeps_no_calibration_for_each_group(seeded, monkeypatch):
    """The table and CSV of `score --by` show one line a group and no calibration: thousands of
    sources each kept one, a third of the command's memory. The JSON shows each group's."""
    from tracker.services import scoring

    made = []
    real = scoring.Calibration.__init__
    monkeypatch.setattr(scoring.Calibration, "__init__", lambda self: made.append(real(self)))
    ok("update", "1", "--status", "confirmed", "--probability", "0.8")
    ok("update", "2", "--status", "refuted", "--probability", "0.3")
    for by in ("source", "tag", "author"):
        ok("score", "--by", by)
        assert "calibration" not in ok("score", "--by", by, "--format", "csv").stdout.splitlines()[0]
    assert made == []
    assert run_json("score", "--by", "tag")[0]["calibration"]
    assert made
