"""Text from the ledger is shown, never obeyed: by terminals, calendars, spreadsheets and Markdown.

Claims, notes, evidence, URLs, tags and actor names can hold anything a user pasted or an
import brought in, including what a terminal acts on (escape sequences, carriage returns,
bidirectional overrides). The table output, messages and errors show those as escapes.
"""

import re

import pytest

from conftest import ok, run, run_json

# A terminal title change (OSC), a screen clear (CSI), a carriage return that would let the
# line's end overwrite its start, an 8-bit CSI, a right-to-left override, an isolate, NUL,
# backspace and DEL.
HOSTILE = "Real claim\rFAKE \x1b]0;owned\x07 \x1b[2J \x9b31m \u202eevil\u202c \u2066x\u2069 \x08\x7f end"
ACTOR = "\x1b]0;owned\x07mallory"
UNSHOWABLE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def assert_shown_safely(text: str) -> None:
    assert UNSHOWABLE.findall(text) == [], text
    assert "Real claim\\rFAKE" in text or "\\x1b]0;owned\\x07" in text, text


@pytest.fixture
def hostile(ledger):
    ok("--as", ACTOR, "add", HOSTILE, "--key", "hostile", "--criteria", HOSTILE, "--source", HOSTILE,
       "--review-every", "1", "--made-on", "-10d")
    ok("--as", ACTOR, "evidence", "add", "hostile", HOSTILE, "--url", "https://example.org/\x1b]0;owned\x07")
    ok("--as", ACTOR, "update", "hostile", "--status", "developing", "--note", HOSTILE)
    ok("--as", ACTOR, "snooze", "hostile", "--until", "today", "--note", HOSTILE)
    return ledger


def test_escapes_are_visible_and_everything_else_is_kept():
    from tracker.cli.output import visible

    assert visible("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert visible("Real claim\rFAKE") == "Real claim\\rFAKE"
    assert visible("x\u202ey\x9bz\t\x00") == "x\\u202ey\\x9bz\\t\\x00"
    assert visible("two\nlines, ünïcödé, 日本語, emoji 🙂, a \\ backslash") == \
        "two\nlines, ünïcödé, 日本語, emoji 🙂, a \\ backslash"


@pytest.mark.parametrize("args", [
    ["list"], ["list", "--tag", "a\x1b[31mred"], ["show", "hostile"], ["history", "hostile"], ["review"],
    ["evidence", "list", "hostile"], ["undo", "--list"],
])
def test_table_output_shows_control_characters_as_escapes(hostile, args):
    result = run("--as", ACTOR, *args)
    assert result.exit_code == 0, result.stderr
    assert UNSHOWABLE.findall(result.stdout + result.stderr) == [], result.stdout + result.stderr


def test_show_and_list_keep_their_layout(hostile):
    shown = ok("show", "hostile").stdout
    assert_shown_safely(shown)
    assert "Claim:     Real claim\\rFAKE \\x1b]0;owned\\x07" in shown
    listed = ok("list").stdout.splitlines()
    assert len(listed) == 2 and listed[1].index("Real claim") == listed[0].index("CLAIM")
    assert "\\x1b]0;owned\\x07mallory" in ok("history", "hostile").stdout


def test_json_keeps_the_text_exactly(hostile):
    shown = run_json("show", "hostile")
    assert shown["claim"] == HOSTILE and shown["criteria"] == HOSTILE
    assert {event["actor"] for event in shown["events"]} == {ACTOR}


def test_undo_and_messages_show_escapes(hostile):
    result = ok("--as", ACTOR, "undo", "--yes")
    assert UNSHOWABLE.findall(result.stderr) == [] and "\\x1b]0;owned\\x07" in result.stderr


@pytest.mark.parametrize("args", [
    ["show", "\x1b]0;owned\x07"],
    ["update", "no\rsuch", "--status", "open"],
    ["list", "--status", "\x1b[2J"],
    ["list", "--\x1b]0;owned\x07"],
    ["\x1b]0;owned\x07"],
    ["evidence", "add", "1", "x", "--stance", "\u202eevil"],
    ["--db", "\x1b]0;owned\x07://x", "list"],
    ["add", "x", "--tag", "a\x1b[31mred"],
])
def test_error_messages_show_escapes(ledger, args):
    result = run(*args)
    assert result.exit_code in (1, 2) and "Error:" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert UNSHOWABLE.findall(result.stderr) == [], result.stderr


def test_an_error_naming_who_changed_a_forecast_shows_escapes(hostile):
    result = run("update", "hostile", "--claim", "mine", "--expect-version", "1")
    assert result.exit_code == 1 and "\\x1b]0;owned\\x07mallory changed it" in result.stderr, result.stderr
    assert UNSHOWABLE.findall(result.stderr) == []
