"""Text from the ledger is shown, never obeyed: by terminals, calendars, spreadsheets and Markdown.

Claims, notes, evidence, URLs, tags and actor names can hold anything a user pasted or an
import brought in, including what a terminal acts on (escape sequences, carriage returns,
bidirectional overrides). The table output, messages and errors show those as escapes.
"""

import csv
import io
import re

import pytest

from conftest import ok, run, run_json
from interchange_helpers import ledgers  # noqa: F401 (a fixture)

# A terminal title change (OSC), a screen clear (CSI), a carriage return that would let the
# line's end overwrite its start, an 8-bit CSI, a right-to-left override, an isolate, NUL,
# backspace and DEL.
HOSTILE = "Real claim\rFAKE \x1b]0;owned\x07 \x1b[2J \x9b31m \u202eevil\u202c \u2066x\u2069 \x08\x7f end"
# An actor's name may hold no control character at all (tracker/actors.py): that one is refused.
HOSTILE_ACTOR = "\x1b]0;owned\x07mallory"
ACTOR = "mallory"
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
    assert "mallory" in ok("history", "hostile").stdout


def test_json_keeps_the_text_exactly(hostile):
    shown = run_json("show", "hostile")
    assert shown["claim"] == HOSTILE and shown["criteria"] == HOSTILE
    assert {event["actor"] for event in shown["events"]} == {ACTOR}


@pytest.mark.parametrize("args", [["show", "hostile", "--format", "json"], ["list", "--format", "jsonl"],
                                  ["history", "hostile", "--format", "json"], ["export", "--format", "json"],
                                  ["export", "--format", "jsonl"]])
def test_json_printed_on_a_terminal_holds_nothing_it_acts_on(hostile, args):
    out = ok(*args).stdout
    assert UNSHOWABLE.findall(out.replace("\n", "")) == [], out
    assert "\\u001b]0;owned\\u0007" in out and "\\u202eevil\\u202c" in out and "\\u009b31m" in out


def test_undo_and_messages_show_escapes(hostile):
    result = ok("--as", ACTOR, "undo", "--yes")
    assert UNSHOWABLE.findall(result.stderr) == [] and "\\x1b]0;owned\\x07" in result.stderr
    refused = run("--as", HOSTILE_ACTOR, "list")
    assert refused.exit_code == 1 and "control character U+001B" in refused.stderr
    assert UNSHOWABLE.findall(refused.stderr) == []


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
    assert result.exit_code == 1 and "mallory changed it" in result.stderr, result.stderr
    assert UNSHOWABLE.findall(result.stderr) == []


# Calendars: RFC 5545 TEXT, read back by a full iCalendar parser.

def test_a_hostile_claim_reaches_the_calendar_as_text(ledger, tmp_path):
    import icalendar

    claim = ("Real claim\rFAKE\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:injected; a, b \\ c "
             "\x1b]0;owned\x07 \u202eevil\x7f " + "and a long tail " * 12)
    ok("add", claim, "--key", "cal", "--resolve-by", "+30d", "--criteria", "first\rsecond")
    ok("review", "--format", "ics", "-o", tmp_path / "reviews.ics")
    raw = (tmp_path / "reviews.ics").read_bytes()
    text = raw.decode("utf-8")
    lines = raw.split(b"\r\n")
    assert lines[-1] == b"" and all(len(line) <= 75 for line in lines)
    assert not any(b"\r" in line or b"\n" in line for line in lines)
    assert UNSHOWABLE.findall(text.replace("\r\n", "")) == []
    events = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert len(events) == 2  # a review and a deadline: nothing injected
    shown = ("Real claim\nFAKE\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:injected; a, b \\ c "
             "\\x1b]0;owned\\x07 \\u202eevil\\x7f " + "and a long tail " * 12).rstrip()
    for event in events:
        assert sorted(event.keys()) == ["DESCRIPTION", "DTSTAMP", "DTSTART", "DURATION", "SUMMARY", "TRANSP", "UID"]
        assert str(event["DESCRIPTION"]).startswith(shown + "\n\nCriteria: first\nsecond\n")
        assert str(event["SUMMARY"]).endswith(": Real claim\nFAKE\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:injected…")


# Spreadsheets: CSV cells quoted whole, and no line that starts a formula.

def test_csv_quotes_every_line_break_and_guards_each_line(ledger, ledgers, tmp_path):
    claims = ["Real claim\r=cmd|' /C calc'!A0", "a\n+1", "b\r\n-2", "c\r@SUM(A1)", "d\n'=quoted", "e\r\r\tx"]
    for n, claim in enumerate(claims):
        ok("add", "--key", f"f{n}", "--", claim)
    path = tmp_path / "out.csv"
    ok("export", "--format", "csv", "-o", path)
    raw = path.read_bytes().decode("utf-8")
    for line in re.split("\r\n|\r|\n", raw):
        assert not line.startswith(("=", "+", "-", "@", "\t")), line
    rows = list(csv.DictReader(io.StringIO(raw, newline="")))
    assert len(rows) == len(claims)
    assert rows[0]["claim"] == "Real claim\r'=cmd|' /C calc'!A0"
    listed = list(csv.DictReader(io.StringIO(ok("list", "--format", "csv").stdout, newline="")))
    assert len(listed) == len(claims) and listed[0]["claim"] == rows[0]["claim"]  # the runner folds "\r\n"
    other = ledgers.new()
    ok("--db", other, "import", path)
    assert [f["claim"] for f in ok("--db", other, "export", "--format", "json").json()["forecasts"]] == claims


def test_formula_guard_round_trips_and_guards_every_line():
    from hypothesis import given, strategies as st

    from tracker.formulas import neutralise, restore

    @given(st.text(alphabet=st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\n", "'", "a", " "]), max_size=12)
           | st.text())
    def check(text):
        guarded = neutralise(text)
        assert restore(guarded) == text
        for line in re.split("\r\n|\r|\n", guarded):
            assert not line.lstrip("'").startswith(("=", "+", "-", "@", "\t")) or line.startswith("'")

    check()


# Markdown: GitHub makes no link of anything a user wrote.

def test_markdown_never_turns_user_text_into_a_link(ledger):
    import cmarkgfm

    text = ("see https://evil.example/x, HTTP://shout.example, www.evil.example, ftp://files.example, "
            "write to a.b@c.example, mailto:d@e.example or @alice")
    ok("add", text, "--criteria", text, "--source", text)
    ok("evidence", "add", "1", text)
    ok("update", "1", "--status", "developing", "--note", text)
    for args in (["export", "--format", "markdown"], ["report", "-o", "-", "--format", "markdown"]):
        html = cmarkgfm.github_flavored_markdown_to_html(ok(*args).stdout)
        assert "<a " not in html and "@alice" not in html
        for shown in ("https://evil.example/x", "HTTP://shout.example", "www.evil.example", "ftp://files.example",
                      "a.b@\u200dc.example", "mailto:d@\u200de.example", "@\u200dalice"):
            assert shown in html


def test_markdown_keeps_its_own_links(ledger):
    import cmarkgfm

    ok("add", "linked", "--key", "linked")
    ok("evidence", "add", "linked", "a report", "--url", "https://example.org/report")
    html = cmarkgfm.github_flavored_markdown_to_html(ok("export", "--format", "markdown").stdout)
    assert html.count("<a ") == 1 and 'href="https://example.org/report"' in html
