"""`--as-of DATE`: the ledger as it stood at the end of a day, rebuilt from the timeline."""

import datetime as dt
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clock import Clock, clock  # noqa: F401  (fixture)
from conftest import dump, ok, run, run_json
from test_bad_input import FAILURE, USAGE, assert_clean_failure
from tracker.fields import STANCES
from tracker.statuses import STATUSES


def test_the_past_shows_what_was_known_then(ledger, clock):
    ok("seed")
    day0 = clock.date(0)
    clock.go(10)
    ok("evidence", "add", "1", "Deconfliction line used", "--stance", "supports")
    ok("update", "1", "--status", "developing", "--probability", "60%", "--claim", "Channels restored")
    clock.go(20)
    ok("add", "A later forecast")
    ok("evidence", "retract", "1", "--reason", "misreported")
    ok("update", "1", "--status", "stalled", "--tag", "stalled-talks")
    ok("review", "2")
    ok("delete", "3", "--reason", "duplicate")

    then = run_json("show", "1", "--as-of", day0)
    assert then["status"] == "open" and then["probability"] is None and then["version"] == 1
    assert then["claim"].startswith("US–Russia communication channels")
    assert then["evidence"] == [] and [e["kind"] for e in then["events"]] == ["created"]

    middle = run_json("show", "1", "--as-of", clock.date(15))
    assert (middle["status"], middle["probability"], middle["claim"]) == ("developing", 0.6, "Channels restored")
    assert [(e["id"], e["retracted_at"]) for e in middle["evidence"]] == [(1, None)]
    assert middle["version"] == 5 and middle["tags"] == ["communication-channels", "us-russia"]

    now = run_json("show", "1", "--as-of", "today")
    assert now == run_json("show", "1")
    assert now["evidence"][0]["retraction_reason"] == "misreported" and now["status"] == "stalled"

    assert [f["id"] for f in run_json("list", "--as-of", clock.date(19))] == [1, 2, 3]
    assert [f["id"] for f in run_json("list", "--as-of", clock.date(20))] == [1, 2, 4]
    assert [f["id"] for f in run_json("list", "--as-of", clock.date(20), "--deleted")] == [3]
    assert [f["id"] for f in run_json("list", "--as-of", clock.date(15), "--status", "developing")] == [1]
    assert [f["id"] for f in run_json("list", "--as-of", clock.date(15), "--tag", "stalled-talks")] == []
    assert [f["id"] for f in run_json("list", "--as-of", clock.date(20), "--tag", "stalled-talks")] == [1]
    assert [f["id"] for f in run_json("list", "--as-of", clock.date(15), "--search", "CHANNELS restored")] == [1]
    assert [f["id"] for f in run_json("list", "--as-of", clock.date(15), "--sort", "-probability",
                                      "--limit", "2")] == [1, 2]
    assert [f["id"] for f in run_json("list", "--as-of", day0, "--source", "anchorage")] == [1, 2, 3]
    assert "(as of the end of " + day0 + ")" in ok("show", "1", "--as-of", day0).stdout

    clock.go(31)
    assert [f["id"] for f in run_json("list", "--as-of", clock.date(29), "--due")] == []
    assert [f["id"] for f in run_json("list", "--as-of", clock.date(30), "--due")] == [1]


def test_bad_as_of_input_changes_nothing(seeded):
    cases = [
        (["list", "--as-of", "+1d"], FAILURE, "is in the future"),
        (["show", "1", "--as-of", "tomorrow"], FAILURE, "is in the future"),
        (["show", "1", "--as-of", "2025-01-01"], FAILURE, "forecast 1 was not yet in the ledger"),
        (["show", "999", "--as-of", "today"], FAILURE, "no forecast"),
        (["list", "--as-of", "last week"], USAGE, "'last week' is not a date"),
        (["list", "--as-of", "2026-02-29"], USAGE, "not a real date"),
        (["show", "1", "--as-of"], USAGE, "requires an argument"),
        (["list", "--as-of", "today", "--sort", "nope"], USAGE, "'nope' is not one of"),
    ]
    before = dump(seeded)
    for args, code, text in cases:
        assert_clean_failure(run(*args), code, text)
    assert dump(seeded) == before


# The property: after any sequence of changes, spread over days, the view `--as-of` each of
# those days equals what `show` and `list` said at the end of that day; so `--as-of today`
# equals the current state.

ACTIONS = ("claim", "probability", "resolve_by", "tag", "untag", "review_every", "status", "evidence",
           "retract", "review", "snooze", "delete", "undo", "other")
examples = itertools.count()


def command(action: str, n: int, forecast: str, evidence_ids: list[int]) -> list[str]:
    """The command line for one random change to `forecast`."""
    if action == "claim":
        return ["update", forecast, "--claim", f"Claim {n}"]
    if action == "probability":
        return ["update", forecast, "--probability", "none" if n % 5 == 0 else f"{n * 2}%"]
    if action == "resolve_by":
        return ["update", forecast, "--resolve-by", "none" if n % 4 == 0 else f"+{n}d"]
    if action in ("tag", "untag"):
        return ["update", forecast, f"--{action}", f"t{n % 3}"]
    if action == "review_every":
        return ["update", forecast, "--review-every", str(n + 1)]
    if action == "status":
        return ["update", forecast, "--status", STATUSES[n % len(STATUSES)]] + (["--note", "why"] if n % 2 else [])
    if action == "evidence":
        return ["evidence", "add", forecast, f"News {n}", "--stance", STANCES[n % len(STANCES)]]
    if action == "retract":
        return ["evidence", "retract", str(evidence_ids[n % len(evidence_ids)] if evidence_ids else 999),
                "--reason", f"wrong {n}"]
    if action == "review":
        return ["review", forecast] + (["--note", f"looked {n}"] if n % 2 else [])
    if action == "snooze":
        return ["snooze", forecast, "--until", f"+{n}d"]
    if action == "delete":
        return ["delete", forecast, "--reason", "mistake"]
    if action == "undo":
        return ["undo"]
    return ["--as", "someone-else", "update", forecast, "--claim", f"Their claim {n}", "--status", "developing"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, 40), st.booleans()), max_size=10))
def test_as_of_any_day_equals_what_the_ledger_said_that_day(ledger, steps):
    example = next(examples)
    moving = Clock()
    day = example * 20  # each example lives on later days than the one before
    try:
        moving.go(day)
        actor = f"user-{example}"
        forecast = ok("--as", actor, "add", f"Claim of example {example}").stdout.strip()
        seen: dict[str, tuple] = {}

        def remember():
            seen[moving.date(day)] = (run_json("show", forecast), run_json("list"))

        for action, n, next_day in steps:
            if next_day:
                remember()
                day += 1
                moving.go(day)
            evidence_ids = [e["id"] for e in run_json("show", forecast)["evidence"]] if action == "retract" else []
            result = run("--as", actor, *command(action, n, forecast, evidence_ids))
            assert result.exit_code in (0, 1), (action, result.stderr)
            assert "Traceback" not in result.stderr
        remember()

        for date, (shown, listed) in seen.items():
            assert run_json("show", forecast, "--as-of", date) == shown, date
            assert run_json("list", "--as-of", date) == listed, date
        assert run("show", forecast, "--as-of", moving.date(example * 20 - 1)).exit_code == 1
    finally:
        moving.stop()


def test_list_by_actor_as_of_counts_only_changes_made_by_then(seeded):
    ok("--as", "zoe", "update", "2", "--status", "developing")
    assert [f["id"] for f in run_json("list", "--by-actor", "zoe", "--as-of", "today")] == [2]
    assert run_json("list", "--by-actor", "nobody", "--as-of", "today") == []


def test_a_page_of_the_past_is_the_first_matches_in_id_order(ledger):
    for n in range(7):
        ok("add", f"Forecast {n}", "--tag", "odd" if n % 2 else "even")
    today = dt.date.today().isoformat()
    assert [f["id"] for f in run_json("list", "--as-of", today, "--tag", "odd", "--limit", "2")] == [2, 4]
    assert [f["id"] for f in run_json("list", "--as-of", today, "--sort", "-id", "--limit", "2")] == [7, 6]
    assert [f["id"] for f in run_json("list", "--as-of", today, "--limit", "0")] == []
