"""Output that fits the terminal it is in: width in display columns, colour, a pager, and global
options anywhere on the line.

The width tests give the width through COLUMNS, as a terminal of that size would; the tests at
the end run the real command in a real 80-column pseudo-terminal.
"""

import datetime as dt
import os
import re
import shutil
import sys
from pathlib import Path

import pexpect
import pytest
import time_machine
import wcwidth
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ok, run, run_json
from test_bad_input import USAGE, assert_clean_failure

README = Path(__file__).parent.parent / "README.md"
LONG_URL = "https://example.org/reports/2026/" + "a-very-long-path-segment-" * 5 + "end"
CJK_CLAIM = "日本と韓国が2030年までに共同の宇宙ステーション計画を発表する"
EMOJI_CLAIM = "🚀 A crewed 🌕 landing before 2030, with a long tail of words that will need to wrap somewhere"
SGR = re.compile(r"\x1b\[[0-9;]*m")
ESCAPE = "\x1b"


def display_width(line: str) -> int:
    return wcwidth.width(SGR.sub("", line))


def too_wide(text: str, columns: int) -> list[str]:
    """The lines wider than `columns`, but for a URL given a line of its own."""
    return [line for line in text.splitlines()
            if display_width(line) > columns and not re.fullmatch(r"\s*<?https?://\S+>?", line)]


@pytest.fixture
def busy(ledger):
    """The seed set forty days old (so its reviews are due), a CJK and an emoji claim, evidence
    with a URL longer than any terminal here, a note and a few changes."""
    with time_machine.travel(dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=40)):
        ok("seed")
        ok("add", CJK_CLAIM, "--tag", "space", "--tag", "japan-korea-cooperation", "--probability", "25%",
           "--made-on", "-1d", "--resolve-by", "+5d")
        ok("--as", "山田太郎", "add", EMOJI_CLAIM, "--tag", "space", "--probability", "0.4")
    ok("evidence", "add", "1", "Military officials confirm the deconfliction line was used twice in October",
       "--stance", "supports", "--url", LONG_URL)
    ok("evidence", "add", "4", "宇宙機関の長官が共同声明を否定した", "--stance", "contradicts")
    ok("update", "1", "--status", "developing", "--note", "the military line works again; no expert track yet",
       "--evidence", "1", "--probability", "60%")
    ok("--as", "山田太郎", "update", "5", "--status", "stalled", "--note", "no budget line this year")
    return ledger


COMMANDS = [["list"], ["list", "--overdue"], ["show", "1"], ["show", "4"], ["show", "5"], ["history", "1"],
            ["history", "5"], ["review"], ["evidence", "list", "1"], ["evidence", "list", "4"], ["stats"],
            ["score"], ["score", "--by", "tag"], ["undo", "--list"], ["seed", "--list"], ["doctor"]]


@pytest.mark.parametrize("columns", [80, 60, 40])
def test_no_line_is_wider_than_the_terminal(busy, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    for args in COMMANDS:
        result = ok(*args)
        assert too_wide(result.stdout, columns) == [], (args, result.stdout)


def test_at_80_columns_list_gives_the_claim_most_of_the_room_and_review_keeps_it(busy, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    lines = ok("list").stdout.splitlines()
    header = lines[0]
    assert 2 * (header.index("CLAIM") - header.index("TAGS")) < 80 - header.index("CLAIM")
    first = lines[1]
    assert first.startswith("1 ") and "US–Russia communication" in first and first.endswith("…")
    assert len(lines) == 6  # one line a forecast
    review = ok("review").stdout
    # The claim wraps whole under its heading, every word of it there.
    words = " ".join(line[review.splitlines()[0].index("CLAIM"):] for line in review.splitlines()).split()
    for word in run_json("show", "2")["claim"].split():
        assert word in words


def test_wide_characters_keep_the_columns_aligned(busy, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    history = ok("history", "5").stdout.splitlines()
    starts = {display_width(line[:line.index(what)]) for line, what in
              zip(history, ["WHAT", "created", "status"])}
    assert len(starts) == 1, history  # WHAT starts at one column, after 山田太郎 too
    listing = ok("list").stdout.splitlines()
    claim_at = display_width(listing[0][:listing[0].index("CLAIM")])
    for line, claim in zip(listing[4:], [CJK_CLAIM, EMOJI_CLAIM]):
        start = line.index(claim[:3])
        assert display_width(line[:start]) == claim_at, listing
        assert display_width(line) <= 80


def test_a_url_is_never_cut(busy, monkeypatch):
    for columns in ("80", "40"):
        monkeypatch.setenv("COLUMNS", columns)
        for args in (["show", "1"], ["evidence", "list", "1"]):
            assert f"<{LONG_URL}>" in ok(*args).stdout.splitlines()[-1 if args[0] == "evidence" else 0:] or \
                any(line.strip() == f"<{LONG_URL}>" for line in ok(*args).stdout.splitlines()), args


def test_text_is_wrapped_at_word_boundaries(busy, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    shown = ok("show", "2").stdout
    claim = run_json("show", "2")["claim"]
    claim_lines = shown.split("Criteria:")[0].split("Claim:", 1)[1].splitlines()
    assert " ".join(line.strip() for line in claim_lines) == claim
    assert all(display_width(line) <= 60 for line in shown.splitlines())


def test_on_a_pipe_without_columns_nothing_is_cut_and_formats_never_change(busy, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    listing = ok("list").stdout
    for forecast in run_json("list"):
        assert forecast["claim"] in listing
    assert LONG_URL in ok("evidence", "list", "1").stdout
    formats = {fmt: ok("list", "--format", fmt).stdout for fmt in ("json", "jsonl", "csv")}
    shown = ok("show", "1", "--format", "json").stdout
    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.setenv("TRACKER_COLOR", "always")
    assert {fmt: ok("list", "--format", fmt).stdout for fmt in formats} == formats
    assert ok("show", "1", "--format", "json").stdout == shown


def test_colour_follows_the_option_the_variables_and_the_terminal(busy, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    for name in ("CLICOLOR_FORCE", "FORCE_COLOR", "TRACKER_COLOR"):
        monkeypatch.delenv(name, raising=False)
    # Not a terminal: auto means no colour.
    assert ESCAPE not in ok("list").stdout
    coloured = ok("--color", "always", "list").stdout
    assert "\x1b[33mstalled" in coloured and "\x1b[36mdeveloping" in coloured and "OVERDUE\x1b[0m" in coloured
    assert ESCAPE not in ok("--color", "never", "list").stdout
    monkeypatch.setenv("TRACKER_COLOR", "always")
    assert ESCAPE in ok("evidence", "list", "4").stdout
    assert "\x1b[31mcontradicts" in ok("evidence", "list", "4").stdout
    assert ESCAPE not in ok("list", "--color", "never").stdout  # the option beats the variable
    monkeypatch.delenv("TRACKER_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert ESCAPE in ok("list").stdout
    monkeypatch.setenv("NO_COLOR", "1")
    assert ESCAPE not in ok("list").stdout
    assert ESCAPE in ok("list", "--color", "always").stdout
    # JSON is never coloured.
    assert ESCAPE not in ok("list", "--color", "always", "--format", "json").stdout


def test_colour_does_not_count_toward_the_width(busy, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    plain = ok("list", "--color", "never").stdout
    coloured = ok("list", "--color", "always").stdout
    assert SGR.sub("", coloured) == plain
    assert SGR.sub("", ok("show", "1", "--color", "always").stdout) == ok("show", "1").stdout
    assert SGR.sub("", ok("review", "--color", "always").stdout) == ok("review").stdout


def test_colour_lets_no_escape_from_the_ledger_through(ledger):
    hostile = "Real claim \x1b]0;owned\x07 \x1b[2J \x1b[31m red \u202eevil"
    ok("add", hostile, "--key", "hostile", "--tag", "x")
    ok("update", "hostile", "--status", "developing", "--note", hostile)
    for args in (["list"], ["show", "hostile"], ["history", "hostile"]):
        shown = ok("--color", "always", *args).stdout
        assert re.findall(r"\x1b(?!\[[0-9;]*m)", shown) == [], shown
        assert "\\x1b[31m red" in shown and "\\x1b[2J" in shown


def test_global_options_after_the_command(busy, tmp_path, monkeypatch):
    other = tmp_path / "other.db"
    ok("add", "Elsewhere", "--db", other)
    assert [f["claim"] for f in run_json("list", "--db", other)] == ["Elsewhere"]
    assert [f["claim"] for f in run_json("--db", other, "list")] == ["Elsewhere"]
    assert len(run_json("list")) == 5  # TRACKER_DB still names the ledger when none is given
    ok("update", "3", "--status", "developing", "--as", "bob")
    assert run_json("history", "3")[-1]["actor"] == "bob"
    ok("evidence", "add", "3", "A note from carol", "--as", "carol", "--db", busy.target)
    assert run_json("show", "3", "--as", "dave")["evidence"][-1]["summary"] == "A note from carol"
    assert ok("db", "current", "--db", other).stdout.strip().endswith("(head)")
    # After the command the option overrides the one before it and the environment.
    monkeypatch.setenv("TRACKER_USER", "erin")
    ok("--as", "frank", "snooze", "4", "--until", "+3d", "--as", "grace")
    assert run_json("history", "4")[-1]["actor"] == "grace"
    assert ESCAPE in ok("list", "--no-pager", "--color", "always").stdout
    assert_clean_failure(run("list", "--db", ""), USAGE, "'--db' / TRACKER_DB")
    assert_clean_failure(run("show", "1", "--as", "a\x1bb"), 1, "--as")
    failed = run("show", "99", "--debug")
    assert failed.exit_code == 1 and failed.exception is not None and "Error:" not in failed.stderr


def test_tracker_alone_prints_the_help_and_succeeds(ledger):
    result = run()
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Usage: tracker") and "Commands:" in result.stdout


# --- In a real 80-column pseudo-terminal ----------------------------------------------------

def console_commands(section: str) -> list[str]:
    """The `$ tracker …` commands of the README's console blocks in `section` (and its
    subsections), continuation lines joined."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {section}\n")
    end = text.find("\n## ", start + 1)
    commands = []
    for block in re.findall(r"```console\n(.*?)```", text[start:end], re.S):
        lines = iter(block.splitlines())
        for line in lines:
            if not line.startswith("$ "):
                continue
            command = line[2:]
            while command.endswith("\\"):
                command = command[:-1] + next(lines).strip()
            commands.append(command.split("  #")[0])
    return commands


def terminal_env(tmp_path: Path, **more: str) -> dict[str, str]:
    env = dict(os.environ, HOME=str(tmp_path), TERM="xterm-256color",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    for name in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "TRACKER_COLOR", "PAGER",
                 "TRACKER_PAGER", "LESS"):
        env.pop(name, None)
    env.update(more)
    return env


def in_terminal(command: str, env: dict[str, str], rows: int = 50) -> str:
    """What `command` (run by bash) shows in an 80-column terminal."""
    child = pexpect.spawn("bash", ["-c", command], env=env, encoding="utf-8", timeout=60, dimensions=(rows, 80))
    child.expect(pexpect.EOF)
    child.close()
    return child.before.replace("\r\n", "\n")


def test_the_readme_tour_fits_an_80_column_terminal(ledger, tmp_path):
    commands = console_commands("A short tour")
    assert len(commands) > 10 and "tracker list" in commands and "tracker review" in commands
    # Seeded a month ago, as in the README, so that the reviews are due and `review` lists them.
    with time_machine.travel(dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=31)):
        ok("seed")
    env = terminal_env(tmp_path, TRACKER_PAGER="")
    shown = in_terminal("\n".join(f"echo '$ {c[:60]}'; {c}" for c in commands), env)
    assert "Seeded: 0 forecasts added" in shown and "Traceback" not in shown
    assert "never, " in shown and "US–Russia communication" in shown  # the review queue
    assert ESCAPE in shown  # a terminal: coloured
    assert too_wide(shown, 80) == [], shown
    assert [line for line in shown.splitlines() if display_width(line) > 80] == []


def test_wide_claims_and_a_long_url_in_an_80_column_terminal(busy, tmp_path):
    env = terminal_env(tmp_path, TRACKER_PAGER="")
    shown = in_terminal("tracker list; tracker show 1; tracker show 4; tracker evidence list 1; tracker review", env)
    assert too_wide(shown, 80) == [], shown
    assert f"<{LONG_URL}>" in shown
    plain = in_terminal("tracker --color never list", env)
    assert ESCAPE not in plain
    assert ESCAPE not in in_terminal("tracker list", dict(env, NO_COLOR="1"))
    assert ESCAPE in in_terminal("tracker list --color always", dict(env, NO_COLOR="1"))


@pytest.fixture
def fake_pager(tmp_path) -> tuple[Path, Path]:
    """A pager that records what it is given, and where it records it."""
    record = tmp_path / "paged.txt"
    script = tmp_path / "fake-pager"
    script.write_text(f"#!/bin/sh\ncat > {record}\necho FAKE PAGER DONE\n", encoding="utf-8")
    script.chmod(0o755)
    return script, record


def test_long_output_goes_through_the_pager_only_on_a_terminal(busy, tmp_path, fake_pager):
    script, record = fake_pager
    env = terminal_env(tmp_path, PAGER=str(script))
    shown = in_terminal("tracker list", env)
    assert "FAKE PAGER DONE" in shown
    assert CJK_CLAIM[:5] in record.read_text(encoding="utf-8")
    record.unlink()

    # TRACKER_PAGER wins over PAGER; empty or cat means none; --no-pager anywhere means none.
    for command, more in [("tracker list", {"TRACKER_PAGER": ""}), ("tracker list", {"TRACKER_PAGER": "cat"}),
                          ("tracker --no-pager list", {}), ("tracker show 1 --no-pager", {}),
                          ("tracker list | cat", {}), ("tracker list > /dev/null", {})]:
        shown = in_terminal(command, dict(env, **more))
        assert not record.exists(), (command, more)
        assert "FAKE PAGER DONE" not in shown
    in_terminal("tracker history 1", dict(env, TRACKER_PAGER=str(script), PAGER="false"))
    assert "status open → developing" in record.read_text(encoding="utf-8")
    record.unlink()
    # JSON is data for a program: a pipe never pages, and neither does the test runner.
    assert run("list", "--format", "json").exit_code == 0
    assert not record.exists()


@pytest.mark.skipif(shutil.which("less") is None, reason="the default pager, less, is not installed")
def test_the_default_pager_lets_short_output_through(busy, tmp_path):
    shown = in_terminal("tracker list", terminal_env(tmp_path))
    assert "US–Russia" in shown and CJK_CLAIM[:5] in shown


# --- The layout rules, for any text ------------------------------------------------------------

WORDS = st.lists(st.sampled_from(list("abé日本🚀-") + ["e\u0301", "👍🏽"]), min_size=1, max_size=12).map("".join)
TEXT = st.lists(st.one_of(WORDS, st.just("https://example.org/a/long/path/to/somewhere")), max_size=12) \
    .map(" ".join)


@pytest.mark.sqlite_only
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT, columns=st.integers(4, 60))
def test_wrapped_and_cut_text_fits_and_keeps_every_word_and_url(text, columns):
    from tracker.cli.layout import cut, is_url, wrap

    lines = wrap(text, columns, first="ab: ", rest="    ")
    for line in lines:
        assert display_width(line) <= columns or is_url(line.strip()), (lines, columns)
    wrapped_words = " ".join(lines).split()
    assert wrapped_words[0] == "ab:"  # the label, beside the text or (in a narrow room) above it
    wrapped_words = wrapped_words[1:]
    if all(display_width(word) <= columns - 4 for word in text.split()):
        assert wrapped_words == text.split()  # nothing lost, nothing broken
    for url in re.findall(r"https://\S+", text):
        assert url in wrapped_words
    shown = cut(text, columns)
    assert display_width(shown) <= columns
    assert shown == text or shown.endswith("…")
    assert "https://" not in shown or "https://example.org/a/long/path/to/somewhere" in shown


@pytest.mark.sqlite_only
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.integers(1, 10**6).map(str), TEXT, TEXT), min_size=1, max_size=5),
       columns=st.integers(30, 90), one_line=st.booleans())
def test_a_table_fits_the_width_and_keeps_urls_whole(rows, columns, one_line):
    from tracker.cli.layout import is_url, table

    text = table(("ID", "TAGS", "CLAIM"), rows, limit=columns, give=(1,), one_line=one_line)
    lines = text.splitlines()
    assert lines[0].startswith("ID") and "CLAIM" in lines[0]
    for line in lines:
        assert display_width(line) <= columns or is_url(line.strip()), text
    if one_line:
        assert len(lines) == len(rows) + 1
    else:
        for claim in (row[2] for row in rows):
            for url in re.findall(r"https://\S+", claim):
                assert url in text.split()
