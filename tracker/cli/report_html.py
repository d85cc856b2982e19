"""The report as one self-contained HTML page: inline CSS and SVG, no scripts, nothing fetched.

Every piece of user text goes through `esc` (html.escape); the page also carries a
Content-Security-Policy that forbids scripts and outside requests, as a second guard.
"""

import html
from typing import Any

from tracker.cli import report_text as words
from tracker.cli.score_tables import calibration_cells, forecaster_cells, group_cells
from tracker.statuses import STATUSES

STATUS_COLOURS = {
    "open": "#6b7280", "developing": "#2563eb", "stalled": "#b45309", "confirmed": "#15803d",
    "partial": "#0f766e", "refuted": "#b91c1c", "void": "#7c3aed",
}

CSS = """
:root { --ink: #1d232a; --muted: #5b6470; --line: #d9dee4; --panel: #f4f6f8; --accent: #2456a6; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff;
       font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 62rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
h1 { font-size: 1.7rem; line-height: 1.2; margin: .5rem 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .75rem; padding-bottom: .3rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .5rem; }
a { color: var(--accent); overflow-wrap: anywhere; }
.muted { color: var(--muted); }
nav ul { list-style: none; padding: 0; margin: .75rem 0 0; display: flex; flex-wrap: wrap; gap: .4rem 1rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(8.5rem, 1fr)); gap: .6rem; margin: 1rem 0; }
.card { background: var(--panel); border-radius: .5rem; padding: .55rem .8rem; }
.card .value { display: block; font-size: 1.45rem; font-weight: 650; line-height: 1.3; }
.card .label { font-size: .85rem; color: var(--muted); }
.statusbar { width: 100%; height: 1.1rem; display: block; border-radius: .4rem; }
.legend { list-style: none; padding: 0; margin: .5rem 0 0; display: flex; flex-wrap: wrap; gap: .3rem 1rem;
          font-size: .9rem; }
.swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: .2rem; margin-right: .3rem;
          vertical-align: -.05rem; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .3rem .55rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; background: var(--panel); white-space: nowrap; }
.num, .nowrap { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.nowrap { text-align: left; }
.figure { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
.chart { flex: 1 1 18rem; max-width: 27rem; margin: 0; }
.chart svg { width: 100%; height: auto; display: block; }
.chart figcaption { font-size: .85rem; color: var(--muted); }
.facts { flex: 1 1 18rem; margin: 0; }
dl.facts, dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .9rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
.status { display: inline-block; padding: .05rem .55rem; border-radius: 1rem; font-size: .8rem; font-weight: 650;
          color: #fff; vertical-align: .1rem; white-space: nowrap; }
article.forecast { border: 1px solid var(--line); border-radius: .6rem; padding: .8rem 1rem; margin: 1rem 0; }
article.forecast h3 { margin: 0 0 .4rem; font-size: 1.08rem; overflow-wrap: anywhere; }
.number { color: var(--muted); font-weight: 500; margin-right: .3rem; }
.criteria { margin: .5rem 0; padding: .45rem .75rem; background: var(--panel); border-radius: .4rem;
            font-size: .93rem; overflow-wrap: anywhere; }
dl.meta { font-size: .9rem; margin: .5rem 0; }
ol.timeline { list-style: none; margin: .6rem 0 0 .35rem; padding: 0; border-left: 2px solid var(--line); }
ol.timeline li { position: relative; padding: .15rem 0 .55rem 1rem; font-size: .92rem; overflow-wrap: anywhere; }
ol.timeline li::before { content: ""; position: absolute; left: -.42rem; top: .55rem; width: .7rem; height: .7rem;
                         border-radius: 50%; background: #fff; border: 2px solid var(--muted); }
ol.timeline li.status_changed::before { background: var(--accent); border-color: var(--accent); }
ol.timeline li.evidence_added::before { background: var(--muted); }
.when { display: block; font-size: .8rem; color: var(--muted); }
.note, .evidence { display: block; }
.evidence { margin-top: .15rem; }
@media (max-width: 40rem) {
  main { padding: .75rem .8rem 2rem; }
  h1 { font-size: 1.4rem; }
  dl.facts { grid-template-columns: 1fr; gap: 0; }
  dl.facts dd { margin-bottom: .35rem; }
  dl.meta { gap: .1rem .6rem; }
  table { font-size: .8rem; }
  th, td { padding: .25rem .3rem; }
  article.forecast { padding: .7rem .75rem; }
}
@media print {
  @page { margin: 1.5cm; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
  a[href]::after { content: " <" attr(href) ">"; font-size: .85em; color: #444; }
  h2, h3 { break-after: avoid; }
  article.forecast, .figure, table { break-inside: avoid; }
  .scroll { overflow: visible; }
  .status, .swatch, .card, th, .criteria { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

# Scripts, frames and every outside request are refused even if escaping ever failed.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def report_html(content: dict[str, Any]) -> str:
    """The whole page for `tracker report -o FILE.html`."""
    stats, card = content["stats"], content["scorecard"]
    body = [
        "<header>",
        f"<h1>{esc(words.TITLE)}</h1>",
        f'<p class="muted">{esc(words.generated_line(content))}</p>',
        '<nav aria-label="Contents"><ul><li><a href="#overview">Status overview</a></li>'
        '<li><a href="#calibration">Calibration</a></li><li><a href="#scorecards">Scorecards</a></li>'
        '<li><a href="#forecasts">Forecasts</a></li></ul></nav>',
        "</header>",
        overview_section(stats),
        calibration_section(card),
        scorecards_section(content["scorecards"], content.get("forecasters") or []),
        forecasts_section(content["forecasts"]),
    ]
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        f"<title>{esc(words.TITLE)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        *body,
        "</main>",
        "</body>",
        "</html>",
        "",
    ])


def status_badge(status: str) -> str:
    colour = STATUS_COLOURS.get(status, "#6b7280")
    return f'<span class="status" style="background:{colour}">{esc(status)}</span>'


def overview_section(stats: dict[str, Any]) -> str:
    cards = "".join(f'<div class="card"><span class="value">{esc(value)}</span>'
                    f'<span class="label">{esc(label)}</span></div>' for label, value in words.overview_facts(stats))
    parts = ['<section id="overview">', "<h2>Status overview</h2>", f'<div class="cards">{cards}</div>',
             status_bar(stats)]
    moves = stats["status_moves"]
    if moves:
        headers = "".join(f'<th class="num">{esc(s)}</th>' for s in STATUSES)
        rows = "".join(table_row((m["month"], m["moves"], *(m["to"][s] for s in STATUSES))) for m in moves)
        parts += ["<h3>Status moves per month</h3>",
                  f'<div class="scroll"><table><thead><tr><th>month</th><th class="num">moves</th>{headers}'
                  f"</tr></thead><tbody>{rows}</tbody></table></div>"]
    parts.append("</section>")
    return "\n".join(parts)


def status_bar(stats: dict[str, Any]) -> str:
    """A stacked bar of the forecasts by status, with a legend that carries the numbers."""
    total = stats["forecasts"]
    rects, x = [], 0.0
    for status in STATUSES:
        if total and stats[status]:
            width = 100 * stats[status] / total
            rects.append(f'<rect x="{x:.3f}" y="0" width="{width:.3f}" height="10" fill="{STATUS_COLOURS[status]}">'
                         f"<title>{esc(status)}: {stats[status]}</title></rect>")
            x += width
    if not rects:
        rects.append('<rect x="0" y="0" width="100" height="10" fill="#e5e7eb"/>')
    legend = "".join(f'<li><span class="swatch" style="background:{STATUS_COLOURS[s]}"></span>'
                     f"{esc(s)} <b>{stats[s]}</b></li>" for s in STATUSES)
    return (f'<svg class="statusbar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" '
            f'aria-label="Forecasts by status">{"".join(rects)}</svg>\n<ul class="legend">{legend}</ul>')


def calibration_section(card: dict[str, Any]) -> str:
    facts = "".join(f"<dt>{esc(label)}</dt><dd>{esc(text)}</dd>" for label, text in words.score_facts(card))
    rows = "".join(table_row(calibration_cells(b)) for b in card["calibration"])
    return "\n".join([
        '<section id="calibration">',
        "<h2>Calibration</h2>",
        '<div class="figure">',
        '<figure class="chart">',
        calibration_chart(card["calibration"]),
        "<figcaption>How often forecasts came true against the probability given, per 10% bin; the bars are "
        "95% Wilson intervals, the dot's size the number of forecasts, the dashed line perfect calibration."
        "</figcaption>",
        "</figure>",
        f'<dl class="facts">{facts}</dl>',
        "</div>",
        '<div class="scroll"><table><thead><tr><th>forecast</th><th class="num">count</th><th class="num">mean</th>'
        '<th class="num">came true</th><th class="num">95% interval</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>",
        "</section>",
    ])


def table_row(cells, *, wrap_name: bool = False) -> str:
    """A table row whose first cell names the row and whose others are numbers."""
    name, *numbers = (esc(cell) for cell in cells)
    opening = "<td>" if wrap_name else '<td class="nowrap">'
    return f"<tr>{opening}{name}</td>" + "".join(f'<td class="num">{n}</td>' for n in numbers) + "</tr>"


def calibration_chart(bins: list[dict[str, Any]]) -> str:
    """An inline SVG: observed frequency against mean forecast, Wilson intervals as error bars."""
    left, top, size = 52, 12, 280

    def x(p: float) -> float:
        return left + p * size

    def y(p: float) -> float:
        return top + (1 - p) * size

    parts = [f'<svg viewBox="0 0 {left + size + 16} {top + size + 48}" role="img" '
             'aria-label="Calibration chart" xmlns="http://www.w3.org/2000/svg" font-size="11" '
             'font-family="system-ui, sans-serif">',
             f'<rect x="{left}" y="{top}" width="{size}" height="{size}" fill="#f8fafc" stroke="#cbd5e1"/>']
    for tick in range(0, 101, 20):
        p = tick / 100
        parts.append(f'<line x1="{x(p):.1f}" y1="{top}" x2="{x(p):.1f}" y2="{top + size}" stroke="#e2e8f0"/>')
        parts.append(f'<line x1="{left}" y1="{y(p):.1f}" x2="{left + size}" y2="{y(p):.1f}" stroke="#e2e8f0"/>')
        parts.append(f'<text x="{x(p):.1f}" y="{top + size + 16}" text-anchor="middle" fill="#475569">{tick}%</text>')
        parts.append(f'<text x="{left - 6}" y="{y(p) + 4:.1f}" text-anchor="end" fill="#475569">{tick}%</text>')
    parts.append(f'<line x1="{x(0)}" y1="{y(0)}" x2="{x(1)}" y2="{y(1)}" stroke="#94a3b8" stroke-dasharray="5 4"/>')
    parts.append(f'<text x="{left + size / 2}" y="{top + size + 36}" text-anchor="middle" fill="#1e293b">'
                 "forecast probability</text>")
    parts.append(f'<text transform="translate(14 {top + size / 2}) rotate(-90)" text-anchor="middle" '
                 'fill="#1e293b">came true</text>')
    filled = [b for b in bins if b["count"]]
    for b in filled:
        cx, cy = x(b["mean_forecast"]), y(b["observed"])
        low, high = y(b["ci_low"]), y(b["ci_high"])
        radius = min(3.5 + 1.5 * b["count"] ** 0.5, 11)
        label, count, mean, observed, interval = calibration_cells(b)
        tip = f"{label}: {count} forecasts, mean {mean}, came true {observed} (95% interval {interval})"
        parts.append(f'<g class="bin"><title>{esc(tip)}</title>'
                     f'<line x1="{cx:.1f}" y1="{low:.1f}" x2="{cx:.1f}" y2="{high:.1f}" stroke="#1e3a8a" '
                     'stroke-width="1.5"/>'
                     f'<line x1="{cx - 5:.1f}" y1="{low:.1f}" x2="{cx + 5:.1f}" y2="{low:.1f}" stroke="#1e3a8a" '
                     'stroke-width="1.5"/>'
                     f'<line x1="{cx - 5:.1f}" y1="{high:.1f}" x2="{cx + 5:.1f}" y2="{high:.1f}" stroke="#1e3a8a" '
                     'stroke-width="1.5"/>'
                     f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius:.1f}" fill="#2456a6" fill-opacity=".85" '
                     'stroke="#fff"/></g>')
    if not filled:
        parts.append(f'<text x="{left + size / 2}" y="{top + size / 2}" text-anchor="middle" fill="#475569">'
                     "No forecast with a probability resolved yet</text>")
    parts.append("</svg>")
    return "\n".join(parts)


def scorecards_section(groupings: dict[str, list[dict[str, Any]]], forecasters: list[dict[str, Any]]) -> str:
    parts = ['<section id="scorecards">', "<h2>Scorecards</h2>"]
    if forecasters:
        rows = "".join(table_row(forecaster_cells(card), wrap_name=True) for card in forecasters)
        parts.append("<h3>By forecaster (their own estimates)</h3>")
        parts.append('<div class="scroll"><table><thead><tr><th>forecaster</th><th class="num">scored</th>'
                     '<th class="num">Brier</th><th class="num">log</th><th class="num">time-averaged Brier</th>'
                     f'<th class="num">relative Brier</th></tr></thead><tbody>{rows}</tbody></table></div>')
    if not any(groupings.values()):
        parts.append('<p class="muted">No resolved forecasts yet.</p>')
    for by, cards in groupings.items():
        if not cards:
            continue
        rows = "".join(table_row(group_cells(c, words.group_label(by, c["group"])), wrap_name=True) for c in cards)
        parts.append(f"<h3>{esc(words.GROUP_TITLES[by])}</h3>")
        parts.append('<div class="scroll"><table><thead><tr><th>group</th><th class="num">resolved</th>'
                     '<th class="num">scored</th><th class="num">Brier</th><th class="num">log</th>'
                     '<th class="num">hit rate</th><th class="num">confirmed</th><th class="num">partial</th>'
                     f'<th class="num">refuted</th><th class="num">void</th></tr></thead><tbody>{rows}</tbody>'
                     "</table></div>")
    parts.append("</section>")
    return "\n".join(parts)


def forecasts_section(forecasts: list[dict[str, Any]]) -> str:
    parts = ['<section id="forecasts">', "<h2>Forecasts</h2>"]
    if not forecasts:
        parts.append('<p class="muted">The ledger holds no forecasts yet.</p>')
    parts += [forecast_article(f) for f in forecasts]
    parts.append("</section>")
    return "\n".join(parts)


def forecast_article(forecast: dict[str, Any]) -> str:
    facts = words.forecast_facts(forecast)
    source = words.source_text(forecast["source"])
    meta = "".join(f"<dt>{esc(label)}</dt><dd>{esc(text)}</dd>" for label, text in facts)
    if source is not None:
        link = words.safe_url(forecast["source"]["url"])
        meta += f"<dt>Source</dt><dd>{linked(source, link)}</dd>"
    criteria = forecast["criteria"]
    entries = "\n".join(timeline_item(entry) for entry in words.timeline(forecast))
    return "\n".join([
        f'<article class="forecast" id="forecast-{forecast["id"]}">',
        f'<h3><span class="number">#{forecast["id"]}</span> <span class="claim">{esc(forecast["claim"])}</span> '
        f"{status_badge(forecast['status'])}</h3>",
        f'<p class="criteria"><b>Criteria:</b> {esc(criteria)}</p>' if criteria else
        '<p class="criteria muted">No resolution criteria written down.</p>',
        f'<dl class="meta">{meta}</dl>',
        f'<ol class="timeline">{entries}</ol>',
        "</article>",
    ])


def linked(text: str, url: str | None) -> str:
    return f'<a href="{esc(url)}" rel="noopener noreferrer">{esc(text)}</a>' if url else esc(text)


def timeline_item(entry: dict[str, Any]) -> str:
    parts = [f'<li class="{esc(entry["kind"])}"><span class="when">{esc(entry["at"])} · {esc(entry["actor"])}</span>',
             esc(entry["headline"])]
    item = entry["evidence"]
    if item is not None:
        summary = linked(item["summary"], words.safe_url(item["url"]))
        if item["retracted_at"]:
            summary = f"<s>{summary}</s>"
        parts.append(f'<span class="evidence">{summary} <span class="muted">({esc(words.evidence_line(item))})'
                     "</span></span>")
    if entry["note"]:
        parts.append(f'<span class="note muted">{esc(entry["note"])}</span>')
    parts.append("</li>")
    return "".join(parts)
