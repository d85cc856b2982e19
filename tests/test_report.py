"""`tracker report`: one self-contained HTML page (checked in a real browser) or Markdown."""

import base64
import hashlib
import html
import importlib.util
import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import cmarkgfm
import pytest

from clock import clock  # noqa: F401  (fixture)
from conftest import dump, ok, run, run_json
from test_bad_input import FAILURE, USAGE, assert_clean_failure

HOSTILE_CLAIM = ("<script>document.title='pwned';document.body.appendChild(document.createElement('injected-marker'))"
                 "</script><img src=x onerror=\"document.title='pwned-img'\"> & | *not bold* [link](javascript:x)")
HOSTILE_URL = "https://example.org/\"><script>document.title='pwned-url'</script>"
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
    ok("evidence", "add", forecast_id, "<i>Hostile</i> evidence", "--url", HOSTILE_URL)
    return [f["claim"] for f in ok("list", "--format", "json").json()]


def test_html_report_is_self_contained_and_escapes_user_text(ledger, tmp_path):
    claims = ledger_with_stories()
    target = tmp_path / "report.html"
    result = ok("report", "-o", target)
    assert result.stdout == "" and "Wrote the html report of 6 forecasts" in result.stderr
    text = target.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and '<meta name="viewport"' in text and "@media print" in text
    page = parse(text)
    # One inline script, the one the policy names by its hash; nothing else runs or is fetched.
    [script] = page.scripts
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in page.csp and "default-src 'none'" in page.csp
    assert not page.tags & {"img", "iframe", "link", "object", "embed"}
    assert not any(name in ("src", "srcdoc") or name.startswith("on") for name, _ in page.attributes)
    assert not re.search(r"@import|url\(|javascript:", "".join(page.styles) + script, re.IGNORECASE)
    assert all(href.startswith(("#", "https://")) for href in page.hrefs)
    # Attention first, then the overview and scores, the index, and the cards.
    assert page.section_ids == ["attention", "overview", "scores", "scorecards", "index", "forecasts"]
    for number, claim in enumerate(claims, start=1):
        assert f"forecast-{number}" in page.ids and claim in page.text
        assert f"#forecast-{number}" in page.hrefs
    assert "<b>Bold</b> criteria & more" in page.text  # shown as text, never as markup
    assert "https://example.org/line?a=1&b=(2)" in page.hrefs
    assert "<i>Hostile</i> evidence" in page.text and HOSTILE_URL in page.hrefs  # an address, kept whole
    assert "Status open → developing citing #1" in page.text
    assert {"Calibration chart", "Brier score, rolling over 3 months", "Log score, rolling over 3 months",
            "Forecasts by status: open 2, developing 1, stalled 0, confirmed 1, partial 0, refuted 2, void 0",
            "Resolutions per month", "By tag: Brier score per group with 95% intervals"} <= set(page.labels)
    assert len(page.svg_titles) == text.count("<svg")  # every chart says what it shows


class Page(HTMLParser):
    """What a test needs of a report page: its elements, attributes, text, links and charts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.ids, self.hrefs, self.labels = set(), [], [], [], []
        self.section_ids, self.scripts, self.styles, self.svg_titles, self.details = [], [], [], [], []
        self.csp, self.index_rows, self.chunks, self.open = "", 0, [], []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes += attrs
        values = dict(attrs)
        self.ids += [values["id"]] if "id" in values else []
        self.hrefs += [values["href"]] if "href" in values else []
        self.labels += [values["aria-label"]] if "aria-label" in values else []
        if tag == "section":
            self.section_ids.append(values["id"])
        if tag == "meta" and values.get("http-equiv") == "Content-Security-Policy":
            self.csp = values["content"]
        if tag == "details" and "forecast" in (values.get("class") or ""):
            self.details.append((values["id"], "open" in values))
        if tag == "tr" and "data-status" in values:
            self.index_rows += 1
        self.open.append(tag)

    def handle_endtag(self, tag):
        while self.open and self.open.pop() != tag:
            pass

    def handle_data(self, data):
        where = self.open[-1] if self.open else ""
        if where == "script":
            self.scripts.append(data)
        elif where == "style":
            self.styles.append(data)
        else:
            if where == "title" and self.open[-2:] == ["svg", "title"]:
                self.svg_titles.append(data)
            self.chunks.append(data)

    @property
    def text(self) -> str:
        return "".join(self.chunks)


def cards_linked(page: Page) -> set[str]:
    """The cards the page links to (every link within the page must find its card)."""
    return {href[1:] for href in page.hrefs if href.startswith("#forecast-")}


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def test_markdown_report_has_the_same_content(ledger, tmp_path):
    claims = ledger_with_stories()
    ok("report", "-o", tmp_path / "report.md")
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    for heading in ("# Forecast ledger report", "## Needs attention", "## Status overview",
                    "### Resolutions and scores per month", "## Scores and calibration", "## Scorecards",
                    "### By tag", "## Forecasts"):
        assert f"\n{heading}\n" in f"\n{text}"
    assert "**Scope:** Every forecast in the ledger" in text
    assert "| 60%–70% | 0 | - | - | - |" in text and "| 70%–80% | 1 | 70% | 100% |" in text
    assert "### 6. \\<script\\>document.title='pwned'" in text
    assert not re.search(r"(?<!\\)<(script|img)", text)
    assert "\\*not bold\\*" in text and "\\& \\|" in text
    assert "[Deconfliction line used over Syria](https://example.org/line?a=1&b=%282%29)" in text
    for claim in claims[:5]:
        assert claim in text
    # Rendered as GitHub would, the only links are the evidence's own, the hostile one kept whole.
    rendered = cmarkgfm.github_flavored_markdown_to_html(text)
    assert rendered.count("<a ") == 2 and "<script" not in rendered
    assert 'href="https://example.org/%22%3E%3Cscript%3Edocument.title=&#x27;pwned-url&#x27;%3C/script%3E"' in rendered


def scoped_ledger() -> None:
    """Two tags with different stories: economy (3 forecasts, 2 resolved), politics (2, 1 resolved)."""
    for claim, tag, probability, status in [("Rates fall", "economy", "70%", "confirmed"),
                                            ("Inflation below 3%", "economy", "40%", "refuted"),
                                            ("GDP grows", "economy", "60%", None),
                                            ("Turnout above 60%", "politics", "20%", "confirmed"),
                                            ("New party wins a seat", "politics", "50%", None)]:
        number = ok("add", claim, "--probability", probability, "--tag", tag, "--made-on", "2019-06-01",
                    "--resolve-by", "2020-01-01").stdout.strip()
        if status:
            ok("update", number, "--status", status)
        ok("evidence", "add", number, f"Evidence on {claim}")
    ok("evidence", "retract", "1", "--reason", "wrong source")


def overview(page_text: str) -> dict[str, str]:
    """The overview's cards of a Markdown report, label to value."""
    line = next(line for line in page_text.splitlines() if line.startswith("**Forecasts:**"))
    return dict(re.findall(r"\*\*([^*]+):\*\* ([^·]+?)(?: ·|$)", line))


def test_the_filters_of_list_scope_every_number(ledger, tmp_path):
    scoped_ledger()
    whole = ok("report", "-o", "-", "--format", "markdown").stdout
    economy = ok("report", "-o", "-", "--format", "markdown", "--tag", "economy", "--title", "Economy").stdout
    assert overview(whole) == {"Forecasts": "5", "Active": "2", "Final": "3", "Overdue": "2", "Due for review": "2",
                               "Evidence": "5 (1 retracted)"}
    assert overview(economy) == {"Forecasts": "3", "Active": "1", "Final": "2", "Overdue": "1", "Due for review": "1",
                                 "Evidence": "3 (1 retracted)"}
    assert economy.startswith("# Economy\n") and "**Scope:** Forecasts with tag economy" in economy
    assert "- **Resolved:** 2 (1 confirmed, 0 partial, 1 refuted, 0 void)" in economy
    assert "- **Resolved:** 3 (2 confirmed" in whole
    assert "| politics |" in whole and "| politics |" not in economy
    assert "Turnout above 60%" in whole and "Turnout above 60%" not in economy
    # The Markdown export takes the same filters and gives the same document.
    exported = ok("export", "--format", "markdown", "--tag", "economy", "--title", "Economy").stdout
    assert overview(exported) == overview(economy) and "**Scope:** Forecasts with tag economy" in exported
    assert "| politics |" not in exported
    active = ok("report", "-o", "-", "--format", "markdown", "--active", "--search", "GDP").stdout
    assert overview(active)["Forecasts"] == "1" and "text containing “GDP”" in active
    # The HTML page says the same.
    page = parse(ok("report", "-o", "-", "--format", "html", "--tag", "politics", "--status", "confirmed").stdout)
    assert "Scope: Forecasts with status confirmed; tag politics." in page.text
    assert [d[0] for d in page.details] == ["forecast-4"] and page.index_rows == 1
    # The evidence count reads as `stats` counts it.
    stats = run_json("stats")
    assert (stats["evidence"], stats["evidence_retracted"]) == (5, 1)


def test_lists_and_cards_are_capped_and_the_page_says_so(ledger, tmp_path):
    scoped_ledger()
    result = ok("report", "-o", tmp_path / "page.html", "--limit", "2")
    assert "(3 left out of the cards and index; --all shows every one)" in result.stderr
    page = parse((tmp_path / "page.html").read_text())
    assert [d[0] for d in page.details] == ["forecast-1", "forecast-2"] and page.index_rows == 2
    assert "The first 2 of 5 forecasts are shown; 3 cards left out." in page.text
    assert "Overdue (2)" in page.text and "#5 New party wins a seat" in page.text  # named, but it has no card
    assert cards_linked(page) == {"forecast-1", "forecast-2"}
    ok("report", "-o", tmp_path / "all.html", "--limit", "2", "--all")
    page = parse((tmp_path / "all.html").read_text())
    assert len(page.details) == 5 and page.index_rows == 5 and "left out" not in page.text
    markdown = ok("report", "-o", "-", "--format", "markdown", "--limit", "2").stdout
    assert "### 3." not in markdown and "3 cards left out" in markdown


def test_cards_beyond_the_first_few_are_collapsed(ledger, tmp_path):
    for n in range(7):
        ok("add", f"Claim {n}")
    page = parse(ok("report", "-o", "-", "--format", "html").stdout)
    assert [opened for _, opened in page.details] == [True] * 5 + [False] * 2


def test_attention_names_what_is_overdue_due_and_quiet(ledger, clock, tmp_path):
    ok("add", "Quiet one", "--review-every", "400")
    ok("add", "Late one", "--resolve-by", clock.date(10), "--review-every", "400")
    ok("add", "Reviewed often", "--review-every", "7")
    ok("evidence", "add", "3", "Fresh news")
    clock.go(100)
    ok("evidence", "add", "3", "Fresher news")
    markdown = ok("report", "-o", "-", "--format", "markdown").stdout
    attention = markdown.split("## Needs attention")[1].split("## Status overview")[0]
    overdue, due, quiet, recent = attention.split("\n### ")[1:]
    assert "2. Late one — open, resolve by 2026-03-12: 90 days overdue" in overdue
    assert "3. Reviewed often — open, review due" in due and "Quiet one" not in due
    assert "1. Quiet one — open, no evidence yet" in quiet and "Reviewed often" not in quiet
    assert "Evidence \\#2 added" in recent.splitlines()[2]


def test_history_and_the_report_tell_an_undo_the_same_way(seeded, tmp_path):
    ok("update", "1", "--status", "developing", "--note", "talks resumed")
    ok("undo")
    history = ok("history", "1").stdout
    assert "undo: status: developing → open" in history
    page = parse(ok("report", "-o", "-", "--format", "html").stdout)
    assert "Undo: status: developing → open" in page.text


def test_the_probability_chart_marks_evidence_status_and_estimates(seeded, tmp_path):
    ok("update", "1", "--probability", "30%")
    ok("--as", "ana", "forecast", "1", "40%")
    ok("evidence", "add", "1", "A hotline call")
    ok("--as", "bo", "forecast", "1", "70%")
    ok("update", "1", "--probability", "55%", "--status", "developing")
    text = ok("report", "-o", "-", "--format", "html").stdout
    page = parse(text)
    assert "Probability of forecast 1 over time" in page.labels
    card = text.split('id="forecast-1"')[1].split("</details>")[0]
    assert "ana: 40%" in card and "bo: 70%" in card and "median of the forecasters" in card
    assert "status developing on" in card and "evidence added on" in card
    assert "Probability of forecast 2 over time" not in page.labels  # nothing to draw


def test_the_chart_marks_an_undone_status_change_as_a_move_back(seeded, tmp_path):
    ok("update", "1", "--probability", "30%")
    ok("update", "1", "--status", "refuted")
    ok("undo")
    card = ok("report", "-o", "-", "--format", "html").stdout.split('id="forecast-1"')[1].split("</details>")[0]
    moves = re.findall(r"status (\w+) on ", parse(card).text)
    # The chart's marks and its table both say so: refuted, then open again, as the forecast is.
    assert moves[:2] == ["refuted", "open"] and moves[-1] == "open", moves
    assert run_json("show", "1")["status"] == "open"


def test_the_chart_marks_evidence_where_the_fold_added_it_an_undone_addition_too(seeded, tmp_path):
    """The marks are what the fold found, evidence as status: the undone addition was added then,
    and taken back after (history is kept); each addition is marked once."""
    ok("update", "1", "--probability", "30%")
    ok("evidence", "add", "1", "A hotline call")
    ok("evidence", "add", "1", "A second call")
    ok("undo")
    card = ok("report", "-o", "-", "--format", "html").stdout.split('id="forecast-1"')[1].split("</details>")[0]
    assert len(re.findall(r"evidence added on ", parse(card).text)) == 2


HOSTILE_OPTION = "<script>alert('pwned-option')</script> & <b>Navalny</b>"


def multiple_choice_story() -> str:
    """A multiple-choice forecast with a hostile option, estimates by two people, resolved; its id."""
    forecast_id = ok("add", "Who leads Russia at the end of 2027?", "--option", "Putin", "--option", HOSTILE_OPTION,
                     "--option", "Neither", "--tag", "succession").stdout.strip()
    ok("--as", "ana", "forecast", forecast_id, "Putin=70%", f"{HOSTILE_OPTION}=20%", "Neither=10%")
    ok("evidence", "add", forecast_id, "A succession rumour")
    ok("--as", "bo", "forecast", forecast_id, "Putin=0.5", f"{HOSTILE_OPTION}=0.25", "Neither=0.25")
    ok("update", forecast_id, "--status", "confirmed", "--outcome", "Putin")
    return forecast_id


def test_the_chart_of_a_multiple_choice_forecast_draws_each_option(ledger, tmp_path):
    forecast_id = multiple_choice_story()
    text = ok("report", "-o", "-", "--format", "html").stdout
    page = parse(text)
    assert f"Probability of forecast {forecast_id} over time" in page.labels
    card = text.split(f'id="forecast-{forecast_id}"')[1].split("</details>\n")[0]
    assert "<script" not in card and "<b>Navalny" not in card and HOSTILE_OPTION in parse(card).text  # shown as text
    figure = parse(card.split('<figure class="probability-chart">')[1].split("</figure>")[0])
    # One line per option (the team's median of it), a mark per option of each estimate, the outcome ringed.
    assert {"Putin: the team's median (the outcome)", f"{HOSTILE_OPTION}: the team's median",
            "Neither: the team's median"} <= set(figure.chunks)
    assert any(chunk.startswith(f"bo: {HOSTILE_OPTION} 25% on ") for chunk in figure.chunks)
    assert any(chunk.startswith("ana: Putin 70% on ") for chunk in figure.chunks)
    assert any(chunk.startswith("resolved: Putin happened") for chunk in figure.chunks)
    assert "evidence added on" in figure.text and "status confirmed on" in figure.text
    # The legend names each option and each forecaster; the table has a column per option.
    table = card.split("<table>")[1].split("</table>")[0]
    rows = [[html.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in re.findall(r"<t[hd][^>]*>.*?</t[hd]>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", table)]
    assert rows[0] == ["when", "what", "Putin", HOSTILE_OPTION, "Neither"]
    assert [row[1:] for row in rows[1:]] == [
        ["estimate by ana", "70%", "20%", "10%"], ["team median", "70%", "20%", "10%"],
        ["evidence added", "", "", ""],
        ["estimate by bo", "50%", "25%", "25%"], ["team median", "60%", "22.5%", "17.5%"],
        ["status confirmed", "outcome", "", ""]]
    # The last median is the one `show` gives.
    assert run_json("show", forecast_id)["aggregates"]["median"] == pytest.approx(
        {"Putin": 0.6, HOSTILE_OPTION: 0.225, "Neither": 0.175})
    legend = parse(card.split('<ul class="legend">')[1].split("</ul>")[0]).chunks
    assert [chunk.strip() for chunk in legend if chunk.strip()] == [
        "Putin", "(outcome)", HOSTILE_OPTION, "Neither", "●", "ana", "■", "bo"]


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
    assert "The ledger holds no forecasts yet" in parse((tmp_path / "empty.html").read_text()).text
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


# A script added to a copy of the page (its hash added to the page's policy) that tells the page
# holding it what the browser laid out: widths, whether the page's own script ran, the charts.
PROBE = ("parent.postMessage(JSON.stringify({scroll: document.scrollingElement.scrollWidth, inner: innerWidth, "
         "indexScript: document.getElementById('index-count').textContent, "
         "charts: document.querySelectorAll('svg[role=img]').length, "
         "described: document.querySelectorAll('svg[role=img] > title').length}), '*');")
# Headless Chromium's window is never narrower than 500 pixels: a phone's width is a frame's.
HOLDER = """<!DOCTYPE html><html><head><title>waiting</title><style>body {{ margin: 0 }}
iframe {{ border: 0; width: {width}px; height: 1600px }}</style></head><body><iframe src="{page}"></iframe>
<script>addEventListener("message", function (event) {{ document.title = event.data; }});</script></body></html>"""


def probed(page: Path, target: Path) -> Path:
    """A copy of the page that runs PROBE last, its policy otherwise as written."""
    text = page.read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(PROBE.encode()).digest()).decode()
    text = text.replace("script-src &#39;", f"script-src &#39;sha256-{digest}&#39; &#39;", 1)
    target.write_text(text.replace("</body>", f"<script>{PROBE}</script></body>"), encoding="utf-8")
    return target


def framed(page: Path, target: Path, width: int) -> Path:
    target.write_text(HOLDER.format(width=width, page=page.name), encoding="utf-8")
    return target


def layout(page: Path, tmp_path: Path, width: int) -> dict:
    """What the probe saw of the page laid out `width` pixels wide."""
    copy = probed(page, tmp_path / f"probe-{width}.html")
    holder = framed(copy, tmp_path / f"holder-{width}.html", width)
    dom = browse(holder, tmp_path / f"profile-probe-{width}", "--dump-dom", "--virtual-time-budget=10000",
                 f"--window-size={max(width, 800)},1700").stdout
    return json.loads(html.unescape(re.search(r"<title>(.*?)</title>", dom).group(1)))


def screenshot(page: Path, tmp_path: Path, width: int) -> Path:
    """The page `width` pixels wide, 1600 high."""
    shot = tmp_path / f"report-{width}.png"
    holder = framed(page, tmp_path / f"shown-{width}.html", width)
    browse(holder, tmp_path / f"profile-{width}", f"--screenshot={shot}", "--virtual-time-budget=5000",
           f"--window-size={width},1600")
    return shot


def printed_pages(page: Path, tmp_path: Path) -> list[int]:
    """The page printed to PDF by the browser: how much each printed page draws (the length of
    its content stream, unpacked)."""
    pdf = tmp_path / "printed.pdf"
    browse(page, tmp_path / "profile-print", f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    data = pdf.read_bytes()
    objects = {int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+) 0 obj(.*?)endobj", data, re.DOTALL)}
    drawn = []
    for body in objects.values():
        if re.search(rb"/Type\s*/Page(?!s)", body):
            contents = objects[int(re.search(rb"/Contents\s*(\d+) 0 R", body).group(1))]
            stream = re.search(rb"stream\r?\n(.*?)\r?\nendstream", contents, re.DOTALL).group(1)
            drawn.append(len(zlib.decompress(stream)))
    return drawn


def check_printed(page: Path, tmp_path: Path, most: int) -> None:
    """Printed in at most `most` pages, at most one of them (the last) near empty."""
    drawn = printed_pages(page, tmp_path)
    assert 1 <= len(drawn) <= most, f"{len(drawn)} printed pages"
    typical = sorted(drawn)[len(drawn) // 2]
    assert all(size >= typical / 4 for size in sorted(drawn)[1:]), f"near-empty printed pages: {drawn}"


def check_in_browser(page: Path, tmp_path: Path) -> None:
    """The page at a desktop's and a phone's width: nothing wider than the window, its script ran
    under its own policy, every chart described; and screenshots of both that are not blank."""
    for width in (1280, 390):
        seen = layout(page, tmp_path, width)
        assert seen["scroll"] <= seen["inner"] == width, f"the page overflows at {width} pixels: {seen}"
        assert seen["indexScript"].endswith("shown"), "the index's script did not run"
        assert seen["charts"] >= 3 and seen["described"] == seen["charts"]
        shot = screenshot(page, tmp_path, width)
        assert png_size(shot) == (width, 1600)
        assert shot.stat().st_size > 20_000  # a rendered page, not a blank one


@pytest.mark.sqlite_only
def test_the_report_in_headless_chromium(ledger, tmp_path):
    chromium()
    claims = ledger_with_stories()
    chosen = multiple_choice_story()
    page = tmp_path / "report.html"
    ok("report", "-o", page)
    dom = browse(page, tmp_path / "profile-dom", "--dump-dom").stdout
    assert f'aria-label="Probability of forecast {chosen} over time"' in dom and "&lt;b&gt;Navalny" in dom
    assert "<svg" in dom and 'aria-label="Calibration chart"' in dom and "<circle" in dom
    for number, claim in enumerate(claims, start=1):
        assert f'id="forecast-{number}"' in dom
    # The hostile claim is shown as text: its markup became no element and ran nothing.
    assert "<title>Forecast ledger report</title>" in dom and "pwned" not in dom.split("</title>")[0]
    assert "<injected-marker" not in dom
    assert dom.count("<script") == 1 and "<img" not in dom
    assert "&lt;script&gt;document.title='pwned'" in dom
    # The index's script ran (its count is filled in) under the page's own policy.
    assert re.search(r'id="index-count"[^>]*>7 of 7 shown<', dom)
    check_in_browser(page, tmp_path)
    check_printed(page, tmp_path, 4)
    # The multiple-choice card, open in a page of its own, fits a phone with its legend and table.
    alone = tmp_path / "chosen"
    alone.mkdir()
    ok("report", "-o", alone / "report.html", "--tag", "succession")
    check_in_browser(alone / "report.html", alone)


@pytest.mark.sqlite_only
def test_a_large_generated_ledger_in_headless_chromium(ledger, tmp_path):
    """A generated ledger of thousands: the page stays a page (cards and index capped), fits a
    phone, and prints in a sane number of pages."""
    chromium()
    spec = importlib.util.spec_from_file_location("bench_generate", Path(__file__).parent.parent / "bench" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    large = tmp_path / "large.db"
    generate.generate(large, 3000, say=lambda line: None)
    page = tmp_path / "large.html"
    result = ok("--db", large, "report", "-o", page, "--limit", "50")
    assert "left out of the cards and index" in result.stderr
    parsed = parse(page.read_text())
    assert len(parsed.details) == 50 and parsed.index_rows == 50 and "cards left out" in parsed.text
    assert cards_linked(parsed) <= {name for name, _ in parsed.details}
    check_in_browser(page, tmp_path)
    check_printed(page, tmp_path, 40)


def test_a_long_series_is_thinned_to_what_the_chart_can_show(seeded, monkeypatch):
    from tracker.services import report

    monkeypatch.setattr(report, "CHART_POINTS", 10)
    ok("evidence", "add", "1", "A hotline call")
    for n in range(1, 31):
        ok("--as", f"p{n % 3}", "forecast", "1", f"{n + 10}%")
        if n == 15:
            ok("update", "1", "--status", "developing", "--note", "talks", "--evidence", "1")
    text = ok("report", "-o", "-", "--format", "html").stdout
    card = text.split('id="forecast-1"')[1].split('id="forecast-2"')[0]
    figure = card.split('<figure class="probability-chart">')[1].split("</figure>")[0]
    dots = re.findall(r"<circle [^>]*><title>([^<]*)</title>", figure)
    # The first and the last estimate, and others between; every mark; the story tells all 30.
    assert len(dots) == 10 and dots[0].startswith("p1: 11% on ") and dots[-1].startswith("p0: 40% on "), dots
    assert "status developing on" in figure and "evidence added on" in figure
    assert card.count('<li class="estimate">') == 30
