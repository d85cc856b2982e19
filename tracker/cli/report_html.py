"""The report as one self-contained HTML page, from the Jinja2 template in templates/.

The template escapes every value (autoescape); the page also carries a Content-Security-Policy
that allows only its own inline style and the one inline script it was written with (by its
hash) and refuses every outside request, as a second guard. The page is written as the
template renders it, so the forecasts are read, a batch at a time, as their cards are written.
"""

import base64
import datetime as dt
import hashlib
from collections.abc import Iterator
from functools import cache
from itertools import islice
from typing import Any, TextIO

from tracker import dates
from tracker.cli import report_charts as charts
from tracker.cli import report_text as words
from tracker.cli.output import local_time
from tracker.cli.score_tables import forecaster_cells, group_cells
from tracker.probability import as_percent
from tracker.statuses import STATUSES

# Cards shown open; the others are collapsed to their title line until opened.
OPEN_CARDS = 5
STATUS_COLOURS = charts.STATUS_COLOURS


@cache
def environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("tracker.cli", "templates"), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def page_parts() -> tuple[Any, str, str, str]:
    """The template, its style sheet and script (as markup), and the policy that allows them."""
    from markupsafe import Markup

    env = environment()
    css = env.loader.get_source(env, "report.css.j2")[0]
    script = env.loader.get_source(env, "report.js.j2")[0]
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    return env.get_template("report.html.j2"), Markup(css), Markup(script), csp


def write_report_html(content: dict[str, Any], stream: TextIO) -> None:
    """`tracker report -o FILE.html`: the page, written as it is rendered."""
    template, css, script, csp = page_parts()
    # The template yields a piece per value written: joined a few thousand at a time, they are
    # written in far fewer calls, and memory holds no more than those few thousand.
    pieces = template.generate(page_values(content, css, script, csp))
    while chunk := "".join(islice(pieces, 4096)):
        stream.write(chunk)


def page_values(content: dict[str, Any], css: str, script: str, csp: str) -> dict[str, Any]:
    stats, card = content["stats"], content["scorecard"]
    now = dates.utc_now()
    groups = [{"title": words.GROUP_TITLES[by],
               "chart": charts.group_bars(cards, lambda c, by=by: words.group_label(by, c["group"])),
               "rows": [group_cells(c, words.group_label(by, c["group"])) for c in cards]}
              for by, cards in content["scorecards"].items() if cards]
    total, shown = content["total"], content["shown"]
    return {
        "title": content.get("title") or words.TITLE,
        "scope": content.get("scope") or "Every forecast in the ledger",
        "whole_ledger": (content.get("scope") or "").startswith("Every"),
        "generated": words.generated_line(content),
        "left_out": words.left_out_line(content),
        "csp": csp, "css": css, "script": script,
        "colours": STATUS_COLOURS, "statuses": STATUSES,
        "attention": attention_lists(content["attention"]),
        "recent": [{"at": local_time(e["at"]), "actor": e["actor"], "forecast_id": e["forecast_id"],
                    "claim": e["claim"], "text": words.headline(e)} for e in content["attention"]["recent"]],
        "facts": words.overview_facts(stats),
        "status_bar": charts.status_bar(stats),
        "resolutions": charts.resolutions(content["scores_by_month"]),
        "moves": charts.status_moves(stats["status_moves"]),
        "calibration": charts.calibration(card["calibration"]),
        "score_facts": words.score_facts(card),
        "score_lines": charts.score_lines(content["scores_by_month"]),
        "forecasters": [forecaster_cells(c) for c in content.get("forecasters") or []],
        "groups": groups,
        "index_note": (f"{total} forecast{'s' * (total != 1)} in scope" + (f", the first {shown} listed" if shown < total
                       else "") + ". Each links to its card; sort by a column's heading, or find by any text."),
        "index": index_rows(content["index"]),
        "cards": (card_values(forecast, now) for forecast in content["forecasts"]),
        "open_cards": OPEN_CARDS,
        "last_card": content["last_card"],
    }


def attention_lists(attention: dict[str, Any]) -> list[dict[str, Any]]:
    """Each list of what needs attention, its items read as the page is written."""
    return [{"title": title, "count": entries["count"], "more": entries["count"] - entries["shown"], "alert": n == 0,
             "items": attention_items(entries["items"], line)}
            for n, (title, entries, line) in enumerate(words.attention_lists(attention))]


def attention_items(items: Iterator[dict[str, Any]], line) -> Iterator[dict[str, Any]]:
    for item in items:
        yield {"id": item["id"], "claim": item["claim"], "line": line(item)}


def chance(probability: float | None, aggregate: float | None) -> tuple[str, str]:
    """The probability as shown in the index (the team's median estimate when there is no stated
    one), and the value it sorts by."""
    if probability is not None:
        return as_percent(probability), f"{probability:.6f}"
    if aggregate is not None:
        return f"{as_percent(aggregate)} (team)", f"{aggregate:.6f}"
    return "-", ""


def index_rows(rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        text, sort = chance(row["probability"], row["aggregate"])
        yield {"id": row["id"], "claim": row["claim"], "status": row["status"], "chance": text, "chance_sort": sort,
               "resolve_by": words.plain(row["resolve_by"]), "updated": local_time(row["updated_at"]),
               "evidence": row["evidence"]}


def card_values(forecast: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    source = words.source_text(forecast["source"])
    return {
        "id": forecast["id"], "claim": forecast["claim"], "status": forecast["status"],
        "chance": chance(forecast["probability"], forecast["aggregate"])[0],
        "criteria": forecast["criteria"], "facts": words.forecast_facts(forecast),
        "source": source, "source_url": words.safe_url(forecast["source"]["url"]) if source is not None else None,
        "chart": charts.probability_chart(forecast, now),
        "timeline": timeline_entries(forecast),
    }


def timeline_entries(forecast: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The card's story, an entry at a time as the page is written."""
    for entry in words.timeline(forecast):
        item = entry["evidence"]
        if item is not None:
            item = {"summary": item["summary"], "link": words.safe_url(item["url"]),
                    "retracted_at": item["retracted_at"], "line": words.evidence_line(item)}
        yield {**entry, "evidence": item}
