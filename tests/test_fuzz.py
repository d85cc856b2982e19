"""Command-line fuzzing: whatever is typed, tracker answers with exit 0, 1 or 2, never a
traceback, and a command that fails leaves the ledger as it was."""

import os

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import dump, run

EXAMPLES = int(os.environ.get("TRACKER_FUZZ_EXAMPLES", "3000"))

text = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=10),
    st.sampled_from(["", " ", "-", "--", "none", "0", "-1", "1e400", "nan", "\x00", "‮", "anchorage-2025/channels"]),
)
ids = st.one_of(st.sampled_from(["1", "2", "3", "4", "999", "0", "-1", "anchorage-2025/channels",
                                 "99999999999999999999"]), text)
dates = st.one_of(st.sampled_from(["today", "+30d", "-2w", "+1y", "2025-08-15", "2026-02-30", "9999-12-31",
                                   "0001-01-01", "+99999d", "tomorrow"]), text)
probabilities = st.one_of(st.sampled_from(["0", "1", "0.5", "70%", "7:3", "1 in 4", "150%", "3:0:1", "0:0",
                                           "1 in 0", "none"]), text)
statuses = st.one_of(st.sampled_from(["open", "developing", "stalled", "confirmed", "partial", "refuted",
                                      "void"]), text)
values = {"id": ids, "text": text, "date": dates, "probability": probabilities, "status": statuses,
          "int": st.one_of(st.integers(-5, 100_000).map(str), text), "format": st.sampled_from(
              ["table", "json", "jsonl", "csv", "xml"])}

GRAMMAR = {
    ("add",): (["text"], {"--key": "text", "--criteria": "text", "--source": "text", "--made-on": "date",
                          "--resolve-by": "date", "--probability": "probability", "--tag": "text",
                          "--review-every": "int"}),
    ("list",): ([], {"--status": "status", "--tag": "text", "--source": "text", "--search": "text",
                     "--sort": "text", "--limit": "int", "--format": "format", "--by-actor": "text",
                     "--after": "id"}),
    ("show",): (["id"], {"--format": "format"}),
    ("history",): (["id"], {"--format": "format"}),
    ("update",): (["id"], {"--status": "status", "--note": "text", "--evidence": "int", "--claim": "text",
                           "--criteria": "text", "--probability": "probability", "--resolve-by": "date",
                           "--tag": "text", "--untag": "text", "--review-every": "int",
                           "--expect-version": "int"}),
    ("delete",): (["id"], {"--reason": "text"}),
    ("evidence", "add"): (["id", "text"], {"--url": "text", "--observed-on": "date", "--stance": "text"}),
    ("evidence", "list"): (["id"], {"--format": "format"}),
    ("evidence", "retract"): (["int"], {"--reason": "text"}),
    ("seed",): ([], {}),
}
FLAGS = {("list",): ["--final", "--active", "--deleted"], ("seed",): ["--list"]}


@st.composite
def command_lines(draw):
    command = draw(st.sampled_from(sorted(GRAMMAR)))
    positional, options = GRAMMAR[command]
    argv = list(command) + [draw(values[kind]) for kind in positional if draw(st.integers(0, 9))]
    for name in draw(st.lists(st.sampled_from(sorted(options)), max_size=4)) if options else []:
        argv += [name, draw(values[options[name]])]
    argv += draw(st.lists(st.sampled_from(FLAGS.get(command, ["--help"])), max_size=1))
    if draw(st.integers(0, 19)) == 0:
        argv.insert(draw(st.integers(0, len(argv))), draw(text))  # a stray word anywhere
    return argv


@pytest.mark.sqlite_only
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])
@given(argv=command_lines())
def test_any_command_line_gets_a_clean_answer(seeded, argv):
    before = dump(seeded)
    result = run(*argv)
    event(f"exit {result.exit_code}")
    assert result.exit_code in (0, 1, 2), (argv, result.exit_code, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), (argv, repr(result.exception))
    assert "Traceback" not in result.stderr + result.stdout
    if result.exit_code != 0:
        assert result.stderr.count("Error:") >= 1, (argv, result.stderr)
        assert dump(seeded) == before, argv
