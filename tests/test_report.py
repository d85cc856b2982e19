"""`tracker report`: one self-contained HTML page (checked in a real browser) or Markdown."""

import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from conftest import dump, ok, run
from test_bad_input import FAILURE, USAGE, assert_clean_failure

HOSTILE_CLAIM = ("<script>document.title='pwned';document.body.appendChild(document.createElement('injected-marker'))"
                 "</script><img src=x onerror=\"document.title='pwned-img'\"> & | *not bold* [link](javascript:x)")
BROWSER_PACKAGE = "chromium"


def ledger_with_stories() -> list[str]:
    """The seeds plus scored, hostile and evidenced forecasts; returns every claim."""
    ok("seed")
    ok("evidence", "add", "1", "Deconfliction line used over Syria", "--stance", "supports",
       "--url", "https://example.org/line?a=1&b=(2)")
    ok("update", "1", "--status", "developing", "--evidence", "1", "--note", "military line works")
    claims = ["Rates fall by June", "Turnout above 60%", HOSTILE_CLAIM]
    for claim, probability, status in zip(claims, ["70%", "1 in 4", "0.9"], ["confirmed", "refuted", "refuted"]):
        forecast_id = ok("add", claim, "--probability", probability, "--criteria", "<b>Bold</b> criteria & more",
                         "--tag", "economy").stdout.strip()
        ok("update", forecast_id, "--status", status)
    return [f["claim"] for f in ok("list", "--format", "json").json()]


def test_html_report_is_self_contained_and_escapes_user_text(ledger, tmp_path):
    claims = ledger_with_stories()
    target = tmp_path / "report.html"
    result = ok("report", "-o", target)
    assert result.stdout == "" and "Wrote the html report of 6 forecasts" in result.stderr
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<meta name="viewport"' in page and "@media print" in page
    assert page.count("<svg") >= 2 and "Calibration chart" in page
    # Nothing is fetched and nothing runs (the hostile claim's text aside, which is escaped).
    markup = page.replace(html_escape(HOSTILE_CLAIM), "")
    assert not re.search(r"<script|<link|<img|<iframe|src=|@import|url\(|javascript:", markup, re.IGNORECASE)
    assert "Content-Security-Policy" in page
    for number, claim in enumerate(claims, start=1):
        assert f'id="forecast-{number}"' in page
        assert html_escape(claim) in page
    assert "&lt;b&gt;Bold&lt;/b&gt; criteria &amp; more" in page
    assert '<a href="https://example.org/line?a=1&amp;b=(2)"' in page
    assert "Status open → developing, citing evidence #1" in page


def html_escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def test_markdown_report_has_the_same_content(ledger, tmp_path):
    claims = ledger_with_stories()
    ok("report", "-o", tmp_path / "report.md")
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    for heading in ("# Forecast ledger report", "## Status overview", "## Scores and calibration",
                    "## Scorecards", "### By tag", "## Forecasts"):
        assert f"\n{heading}\n" in f"\n{text}"
    assert "| 60%–70% | 0 | - | - | - |" in text and "| 70%–80% | 1 | 70% | 100% |" in text
    assert "### 6. \\<script\\>document.title='pwned'" in text
    assert not re.search(r"(?<!\\)<(script|img)", text)
    assert "\\*not bold\\*" in text and "\\& \\|" in text
    assert "[Deconfliction line used over Syria](https://example.org/line?a=1&b=%282%29)" in text
    for claim in claims[:5]:
        assert claim in text


def test_the_format_comes_from_the_extension_or_the_option(ledger, tmp_path):
    ok("add", "Anything")
    ok("report", "-o", tmp_path / "page.HTM")
    assert (tmp_path / "page.HTM").read_text().startswith("<!DOCTYPE html>")
    ok("report", "-o", tmp_path / "notes.txt", "--format", "markdown")
    assert (tmp_path / "notes.txt").read_text().startswith("# Forecast ledger report")
    ok("report", "-o", tmp_path / "page.md", "--format", "html")
    assert (tmp_path / "page.md").read_text().startswith("<!DOCTYPE html>")


def test_a_report_of_an_empty_ledger(ledger, tmp_path):
    ok("report", "-o", tmp_path / "empty.html")
    assert "The ledger holds no forecasts yet" in (tmp_path / "empty.html").read_text()
    ok("report", "-o", tmp_path / "empty.md")
    assert "No resolved forecasts yet" in (tmp_path / "empty.md").read_text()


def test_a_report_replaces_an_existing_file_whole(ledger, tmp_path):
    target = tmp_path / "report.md"
    target.write_text("old content")
    ok("add", "Something")
    ok("report", "-o", target)
    assert "old content" not in target.read_text() and "Something" in target.read_text()
    assert not list(tmp_path.glob(".report.md.*"))  # no temporary file left behind


def test_standard_output_and_links_are_written_through(ledger, tmp_path):
    ok("add", "Printed")
    result = ok("report", "-o", "-", "--format", "markdown")
    assert result.stdout.startswith("# Forecast ledger report") and "### 1. Printed" in result.stdout
    target, link = tmp_path / "real.html", tmp_path / "link.html"
    target.write_text("old")
    link.symlink_to(target)
    ok("report", "-o", link)
    assert link.is_symlink() and target.read_text().startswith("<!DOCTYPE html>")


def bad_report_cases(tmp_path: Path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    return [
        (["report", "-o", tmp_path / "missing" / "report.html"], FAILURE, "cannot write "),
        (["report", "-o", tmp_path, "--format", "html"], FAILURE, "cannot write "),
        (["report", "-o", a_file / "report.html"], FAILURE, "cannot write "),
        (["report", "-o", tmp_path / "report.pdf"], USAGE, "cannot tell the format"),
        (["report", "-o", tmp_path / "report"], USAGE, "cannot tell the format"),
        (["report"], USAGE, "Missing option '-o'"),
        (["report", "-o", "-"], USAGE, "say which format"),
        (["report", "-o", tmp_path / "r.html", "--format", "pdf"], USAGE, "'pdf' is not one of"),
    ]


def test_bad_report_arguments_are_refused_and_write_nothing(seeded, tmp_path):
    for args, code, text in bad_report_cases(tmp_path):
        before = dump(seeded)
        files_before = sorted(tmp_path.rglob("*"))
        assert_clean_failure(run(*args), code, text)
        assert dump(seeded) == before
        assert sorted(tmp_path.rglob("*")) == files_before


# The report in a real browser.

def chromium() -> str:
    """The browser, or a loud skip naming the Debian package (a failure in CI, which must have it)."""
    found = shutil.which(BROWSER_PACKAGE)
    if found:
        return found
    reason = (f"the report's browser test needs headless Chromium: install the Debian package "
              f"`{BROWSER_PACKAGE}` (apt-get install -y {BROWSER_PACKAGE})")
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; .ci/run installs it before the tests.")
    pytest.skip(reason)


def browse(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    """Open the page in headless Chromium, offline and with a throw-away profile."""
    command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-extensions", "--hide-scrollbars", f"--user-data-dir={profile}", *args, page.as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.mark.sqlite_only
def test_the_report_in_headless_chromium(ledger, tmp_path):
    chromium()
    claims = ledger_with_stories()
    page = tmp_path / "report.html"
    ok("report", "-o", page)
    dom = browse(page, tmp_path / "profile-dom", "--dump-dom").stdout
    assert "<svg" in dom and 'aria-label="Calibration chart"' in dom and "<circle" in dom
    for number, claim in enumerate(claims, start=1):
        assert f'id="forecast-{number}"' in dom
    # The hostile claim is shown as text: its markup became no element and ran nothing.
    assert "<title>Forecast ledger report</title>" in dom and "pwned" not in dom.split("</title>")[0]
    assert "<injected-marker" not in dom
    assert "<script" not in dom
    assert "<img" not in dom
    assert "&lt;script&gt;document.title='pwned'" in dom
    for width, height in ((390, 2400), (1280, 1600)):
        shot = tmp_path / f"report-{width}.png"
        browse(page, tmp_path / f"profile-{width}", f"--screenshot={shot}", f"--window-size={width},{height}")
        assert png_size(shot) == (width, height)
        assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
