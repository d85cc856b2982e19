"""The report as Markdown, for pasting into a wiki or an issue: the same content as the HTML page.

`write_report` writes the report; `write_report_markdown` writes it forecast by forecast for
`export --format markdown` too, so both give the same document. User text is escaped so that
it shows as written and never becomes markup, links or HTML.
"""

import re
from collections.abc import Iterable, Iterator
from typing import Any, TextIO
from urllib.parse import quote

from tracker.cli import report_text as words
from tracker.cli.output import visible
from tracker.cli.score_tables import calibration_cells, forecaster_cells, group_cells
from tracker.statuses import FINAL, STATUSES

# The characters that can start Markdown or HTML markup inside a line (text never starts a
# line here, so list and heading markers at a line's start need no escape; # can close a heading).
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&$])")
# Characters a URL may keep as they are inside a Markdown link; others, such as spaces,
# parentheses and angle brackets, are percent-encoded so they cannot end the link.
URL_SAFE = ":/?#@!$&'*+,;=%~.-_"


# GitHub turns bare addresses into links: after `scheme:` followed by `//`, after `www.`, and
# around an `@` (e-mail addresses, and @mentions). An escaped `:` or `.` shows as itself but
# ends the match; an `@` can only be kept apart from what follows by an invisible joiner.
_BARE_LINKS = re.compile(r"(:)(?=//)|(?i:(?<=www)(\.))|(@)")


def _unlinked(match: re.Match) -> str:
    return "@\u200d" if match.group(3) else "\\" + match.group()


def md(value: Any) -> str:
    """User text as one line of Markdown that shows that text (line breaks and tabs as spaces,
    other control characters as on the terminal) and never becomes markup, HTML or a link."""
    text = _SPECIAL.sub(r"\\\1", visible(" ".join(str(value).split())))
    return _BARE_LINKS.sub(_unlinked, text)


def md_link(text: str, url: str | None) -> str:
    if not url:
        return md(text)
    return f"[{md(text)}]({quote(url, safe=URL_SAFE)})"


def table(headers: list[str], rows: list[list[Any]], numeric_from: int = 1) -> str:
    """A pipe table; columns from `numeric_from` on are right-aligned numbers."""
    align = ["---" if i < numeric_from else "---:" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def scorecard_markdown(card: dict[str, Any], heading: str = "Scores", level: int = 2) -> str:
    """One scorecard: its numbers with what they mean, and its calibration table."""
    facts = "\n".join(f"- **{label}:** {md(text)}" for label, text in words.score_facts(card))
    rows = [[md(cell) for cell in calibration_cells(b)] for b in card["calibration"]]
    calibration = table(["forecast", "count", "mean", "came true", "95% Wilson interval"], rows)
    return f"{'#' * level} {md(heading)}\n\n{facts}\n\n{calibration}\n"


def groups_markdown(by: str, cards: list[dict[str, Any]], level: int = 3) -> str:
    """One line per group of `score --by`."""
    rows = [[md(cell) for cell in group_cells(c, words.group_label(by, c["group"]))] for c in cards]
    headers = ["group", "resolved", "scored", "Brier", "log", "hit rate", *FINAL]
    return f"{'#' * level} {words.GROUP_TITLES[by]}\n\n{table(headers, rows)}\n"


def overview_markdown(stats: dict[str, Any]) -> str:
    facts = " · ".join(f"**{label}:** {md(value)}" for label, value in words.overview_facts(stats))
    parts = ["## Status overview", "", facts, "",
             table(["status", "forecasts"], [[s, stats[s]] for s in STATUSES]), ""]
    if stats["status_moves"]:
        rows = [[m["month"], m["moves"], *(m["to"][s] for s in STATUSES)] for m in stats["status_moves"]]
        parts += ["### Status moves per month", "", table(["month", "moves", *STATUSES], rows), ""]
    return "\n".join(parts)


def forecast_markdown(forecast: dict[str, Any]) -> Iterator[str]:
    """A forecast's section, a line at a time: its facts, then its timeline as it is read."""
    lines = [f"### {forecast['id']}. {md(forecast['claim'])}", "",
             f"- **Status:** {forecast['status']}"]
    lines += [f"- **{label}:** {md(text)}" for label, text in words.forecast_facts(forecast)]
    source = words.source_text(forecast["source"])
    if source is not None:
        lines.append(f"- **Source:** {md_link(source, words.safe_url(forecast['source']['url']))}")
    lines.append(f"- **Criteria:** {md(forecast['criteria'])}" if forecast["criteria"]
                 else "- **Criteria:** none written down")
    lines += ["", "**Timeline**", ""]
    yield "\n".join(lines) + "\n"
    for entry in words.timeline(forecast):
        text = f"- {md(entry['at'])} · {md(entry['actor'])} · {md(entry['headline'])}"
        item = entry["evidence"]
        if item is not None:
            summary = md_link(item["summary"], words.safe_url(item["url"]))
            if item["retracted_at"]:
                summary = f"~~{summary}~~"
            text += f": {summary} ({md(words.evidence_line(item))})"
        if entry["note"]:
            text += f" — {md(entry['note'])}"
        yield text + "\n"


def attention_markdown(attention: dict[str, Any]) -> Iterator[str]:
    """What needs attention, a line at a time: overdue, reviews due, quiet forecasts and the
    latest changes."""
    yield "## Needs attention\n\n"
    for title, entries, line in words.attention_lists(attention):
        yield f"### {title}\n\n"
        for entry in entries["items"]:
            yield f"- {entry['id']}. {md(entry['claim'])} — {md(line(entry))}\n"
        if not entries["count"]:
            yield "None.\n"
        elif entries["count"] > entries["shown"]:
            yield f"- … and {entries['count'] - entries['shown']} more\n"
        yield "\n"
    yield "### Latest changes\n\n"
    for e in attention["recent"]:
        yield (f"- {md(words.local_time(e['at']))} · {md(e['actor'])} · {e['forecast_id']}. {md(e['claim'])}: "
               f"{md(words.headline(e))}\n")
    if not attention["recent"]:
        yield "None.\n"
    yield "\n"


def monthly_markdown(months: list[dict[str, Any]]) -> str:
    if not months:
        return ""
    rows = [[m["month"], m["resolved"], *(m["by_status"][s] for s in FINAL), m["scored"],
             md(words.number(m["brier"], 3)), m["rolling_scored"], md(words.number(m["rolling_brier"], 3)),
             md(words.number(m["rolling_log_score"], 3))] for m in months]
    headers = ["month", "resolved", *FINAL, "scored", "Brier", "scored (3 months)", "Brier (3 months)",
               "log (3 months)"]
    return f"### Resolutions and scores per month\n\n{table(headers, rows)}\n"


def summary_markdown(content: dict[str, Any]) -> Iterator[str]:
    """Everything before the forecasts, a piece at a time: title, scope, what needs attention,
    overview, scores and calibration, scorecards."""
    parts = [f"# {md(content.get('title') or words.TITLE)}", "", md(words.generated_line(content)), ""]
    if content.get("scope"):
        parts += [f"**Scope:** {md(content['scope'])}", ""]
    yield "\n".join(parts) + "\n"
    if content.get("attention"):
        yield from attention_markdown(content["attention"])
    parts = [overview_markdown(content["stats"]), monthly_markdown(content.get("scores_by_month") or []),
             scorecard_markdown(content["scorecard"], "Scores and calibration"),
             "## Scorecards", ""]
    groupings = content["scorecards"]
    parts += [groups_markdown(by, cards) for by, cards in groupings.items() if cards]
    if not any(groupings.values()):
        parts += ["No resolved forecasts yet.", ""]
    if content.get("forecasters"):
        rows = [[md(cell) for cell in forecaster_cells(card)] for card in content["forecasters"]]
        parts += ["### By forecaster (their own estimates)", "",
                  table(["forecaster", "scored", "Brier", "log", "time-averaged Brier", "relative Brier"], rows), ""]
    parts += ["## Forecasts", ""]
    if content.get("total") is not None and (left := words.left_out_line(content)):
        parts += [md(left), ""]
    yield "\n".join(parts)


def write_report_markdown(summary: dict[str, Any], forecasts: Iterable[dict[str, Any]], stream: TextIO) -> None:
    """The report as Markdown, forecast by forecast as they come, each with its `score` (what
    `export --format markdown` streams)."""
    for piece in summary_markdown(summary):
        stream.write(piece)
    stream.write("\n")
    written = False
    for forecast in forecasts:
        stream.writelines(forecast_markdown(forecast))
        stream.write("\n")
        written = True
    if not written:
        stream.write("No forecasts to show.\n")


def write_report(content: dict[str, Any], stream: TextIO) -> None:
    """`tracker report -o FILE.md`: the summary, then the forecasts as they are read."""
    write_report_markdown(content, content["forecasts"], stream)

