"""Command-line fuzzing: whatever is typed, tracker answers with exit 0, 1 or 2, never a
traceback, and a command that fails leaves the ledger as it was.

Two generators: a hand-written grammar of the everyday commands, and a walk of the whole Click
command tree, so that every option of every command, new ones included, gets hostile values of
its type. How many examples each runs follows the Hypothesis profile (tests/conftest.py: bounded
where CI is set), or TRACKER_FUZZ_EXAMPLES; bench/fuzz.py runs them long.
"""

import os

import click
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import dump, run
from tracker.cli.main import cli
from tracker.cli.params import ParsedType


def examples(variable: str) -> dict[str, int]:
    """The example count an environment variable asks for, else ten times the profile's: each
    example is one command, and a fuzz test covers a whole tree of them (under the `ci`
    profile, each fuzz test then takes some 10 to 40 seconds)."""
    given = os.environ.get(variable)
    return {"max_examples": int(given) if given else 10 * settings.default.max_examples}


EXAMPLES = examples("TRACKER_FUZZ_EXAMPLES")
FUZZ_SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

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
@settings(**EXAMPLES, **FUZZ_SETTINGS)
@given(argv=command_lines())
def test_any_command_line_gets_a_clean_answer(seeded, argv):
    event(f"exit {assert_clean_answer(seeded, argv)}")


def assert_clean_answer(ledger, argv) -> int:
    """Exit 0, 1 or 2, no traceback; a failure says `Error:` (first, unless it is Click's usage
    text, exit 2) and leaves every row of the ledger as it was. Returns the exit code."""
    before = dump(ledger)
    result = run(*argv)
    assert result.exit_code in (0, 1, 2), (argv, result.exit_code, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), (argv, repr(result.exception))
    assert "Traceback" not in result.stderr + result.stdout
    if result.exit_code == 1:
        assert result.stderr.startswith("Error:"), (argv, result.stderr)
    if result.exit_code == 2:
        assert result.stderr.startswith(("Error:", "Usage:")) and "Error:" in result.stderr, (argv, result.stderr)
    if result.exit_code != 0:
        assert dump(ledger) == before, argv
    return result.exit_code


def leaf_commands() -> list[tuple[tuple[str, ...], click.Command]]:
    """Every command that runs, by its words (`("evidence", "add")`), found by walking the tree."""
    found = []

    def walk(group: click.Group, words: tuple[str, ...]) -> None:
        context = click.Context(group)
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            if isinstance(command, click.Group):
                walk(command, words + (name,))
            else:
                found.append((words + (name,), command))

    walk(cli, ())
    return found


COMMANDS = leaf_commands()
hostile = st.one_of(
    text,
    st.text(alphabet=st.characters(min_codepoint=0xDC80, max_codepoint=0xDCFF), min_size=1, max_size=3)
    .map(lambda bad: "caf" + bad),  # bytes that are not UTF-8, as Python hands them over from argv
    st.sampled_from(["\x1b]0;owned\x07", "Real\rFAKE", "\u202eevil", "\x7f\x9b", "=cmd|' /C calc'!A0",
                     "9999-12-31", "0001-01-01", "9999-12-31T23:59:59.999999Z", "0001-01-01T00:30+01:00",
                     str(2**63), str(2**64 + 1), "-0", "1e999", "inf", "0x10", "١٢", "https://x.example/a b"]),
)
numbers = st.one_of(st.integers(-5, 50).map(str), st.integers(-(2**70), 2**70).map(str),
                    st.sampled_from(["0", "1", "2", "3", str(2**63 - 1), str(2**63), "1.5", "nan", "inf"]), hostile)
# File names, relative to the test's folder, where the ledger is ledger.db.
paths = st.sampled_from(["out.json", "out.jsonl", "out.csv", "out.md", "out.html", "out.ics", "copy.db", "-",
                         "ledger.db", "ledger.db-wal", "ledger.db-shm", ".", "missing/out.json", "x" * 300,
                         "caf\udce9.json", "input.json", "input.csv", "link-to-ledger"])


def values_of(param: click.Parameter) -> st.SearchStrategy[str]:
    kind = param.type
    if isinstance(kind, click.Choice):
        return st.one_of(st.sampled_from(list(kind.choices)), hostile)
    if isinstance(kind, (click.types.IntParamType, click.types.FloatParamType)):
        return numbers
    if isinstance(kind, ParsedType):
        return st.one_of(dates, probabilities, hostile)
    if isinstance(kind, (click.Path, click.File)) or param.name in ("output", "destination", "source"):
        return st.one_of(paths, hostile)
    return st.one_of(ids, hostile)


@st.composite
def any_command_line(draw):
    words, command = draw(st.sampled_from(COMMANDS))
    argv: list[str] = []
    if draw(st.integers(0, 9)) == 0:
        argv += ["--as", draw(hostile)]
    argv += list(words)
    for param in command.params:
        if isinstance(param, click.Argument):
            count = 1 if param.nargs == 1 else draw(st.integers(0, 3))
            if param.required or draw(st.booleans()):
                argv += [draw(values_of(param)) for _ in range(count)]
    # Every option but --debug, whose purpose is to show the traceback a short error would hide.
    options = [p for p in command.params if isinstance(p, click.Option) and p.name != "debug"]
    for param in draw(st.lists(st.sampled_from(options), max_size=5)) if options else []:
        if param.is_flag or param.count:
            flags = param.opts + param.secondary_opts
            argv.append(draw(st.sampled_from(flags)))
        else:
            argv += [param.opts[0], draw(values_of(param))]
    if draw(st.integers(0, 19)) == 0:
        argv.insert(draw(st.integers(0, len(argv))), draw(hostile))  # a stray word anywhere
    return [word.replace("\x00", "") for word in argv]  # argv is C strings: no NUL ever reaches it


@pytest.mark.parametrize("argv", [
    ["review", "", "--note", "1", "-i"],  # an empty ID with --interactive once raised UnboundLocalError
    ["db", "upgrade", ""],  # Alembic stops on an empty revision, or "@", with an AssertionError
    ["db", "upgrade", "head+1"],
    ["db", "downgrade", "@"],
    ["db", "downgrade", "@", "--yes"],
    ["db", "copy", "x" * 300],  # a file name too long once raised OSError
    ["--db", "x" * 300, "list"],
])
def test_command_lines_the_fuzzing_found(seeded, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    assert_clean_answer(seeded, argv)


def test_the_walk_finds_every_command():
    found = {" ".join(words) for words, _ in COMMANDS}
    assert {"add", "update", "evidence add", "evidence retract", "db backup", "db restore", "import", "export",
            "report", "stats", "review", "undo", "forecast"} <= found


@pytest.mark.sqlite_only
@settings(**EXAMPLES, **FUZZ_SETTINGS)
@given(argv=any_command_line())
def test_every_command_of_the_tree_gets_a_clean_answer(seeded, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)  # whatever a command writes lands in the test's own folder
    monkeypatch.setenv("TRACKER_BUSY_TIMEOUT", "2")  # a URL typed as a destination fails fast
    if not (tmp_path / "input.json").exists():
        (tmp_path / "input.json").write_text('{"version": 1, "forecasts": [{"claim": "from a file", "key": "f"}]}')
        (tmp_path / "input.csv").write_bytes(b"key,claim\nc,caf\xe9\n")
        (tmp_path / "link-to-ledger").symlink_to(seeded.path)
    event(f"{ascii(argv[0])}: exit {assert_clean_answer(seeded, argv)}")
