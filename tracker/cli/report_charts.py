"""The report's charts as plain geometry: where each mark goes and what it says.

Nothing here writes markup; the template (templates/report.html.j2) draws each chart as inline
SVG from these numbers and escapes every word. Each chart also carries the `rows` of its
text alternative, a table of the numbers it draws.
"""

import datetime as dt
from typing import Any

from tracker.cli.output import local_time
from tracker.cli.score_tables import calibration_cells, number
from tracker.probability import as_percent
from tracker.statuses import FINAL, STATUSES

STATUS_COLOURS = {
    "open": "#6b7280", "developing": "#2563eb", "stalled": "#b45309", "confirmed": "#15803d",
    "partial": "#0f766e", "refuted": "#b91c1c", "void": "#7c3aed",
}
# Colours of forecasters' estimates, in turn.
PALETTE = ("#d97706", "#0891b2", "#9333ea", "#be123c", "#4d7c0f", "#1d4ed8", "#a16207", "#0f766e")
# Groups drawn in a scorecard's bar chart, at most.
GROUP_BARS = 20
# Room kept inside a plot's frame, so that a dot at 0% or 100% sits inside it, not on its border.
INSET = 12


def status_bar(stats: dict[str, Any]) -> dict[str, Any]:
    """A stacked bar of the forecasts by status (widths in percent of the bar)."""
    total, x, parts = stats["forecasts"], 0.0, []
    for status in STATUSES:
        if total and stats[status]:
            width = 100 * stats[status] / total
            parts.append({"status": status, "x": x, "width": width, "count": stats[status],
                          "colour": STATUS_COLOURS[status]})
            x += width
    return {"parts": parts, "legend": [(s, STATUS_COLOURS[s], stats[s]) for s in STATUSES]}


def calibration(bins: list[dict[str, Any]]) -> dict[str, Any]:
    """Observed frequency against mean forecast per bin, with 95% Wilson intervals."""
    left, top, size = 52, 12, 280
    inner = size - 2 * INSET

    def x(p: float) -> float:
        return left + INSET + p * inner

    def y(p: float) -> float:
        return top + INSET + (1 - p) * inner

    ticks = [{"label": f"{t}%", "x": x(t / 100), "y": y(t / 100)} for t in range(0, 101, 20)]
    points = []
    for b in bins:
        if not b["count"]:
            continue
        label, count, mean, observed, interval = calibration_cells(b)
        points.append({"x": x(b["mean_forecast"]), "y": y(b["observed"]), "low": y(b["ci_low"]),
                       "high": y(b["ci_high"]), "r": min(3.5 + 1.5 * b["count"] ** 0.5, 11),
                       "title": f"{label}: {count} forecasts, mean {mean}, came true {observed} "
                                f"(95% interval {interval})"})
    return {"left": left, "top": top, "size": size, "width": left + size + 16, "height": top + size + 48,
            "ticks": ticks, "diagonal": (x(0), y(0), x(1), y(1)), "points": points,
            "rows": [calibration_cells(b) for b in bins]}


def month_bars(months: list[dict[str, Any]], counts_of, keys: tuple[str, ...], label: str) -> dict[str, Any] | None:
    """Stacked bars per month: `counts_of(month)` gives each key's count; None without months."""
    if not months:
        return None
    left, top, height, bar_room = 36, 10, 140, 400
    step = bar_room / len(months)
    tallest = max((sum(counts_of(m).values()) for m in months), default=0) or 1
    bars = []
    for n, month in enumerate(months):
        counts, y = counts_of(month), top + height
        pieces = []
        for key in keys:
            if counts.get(key):
                h = height * counts[key] / tallest
                y -= h
                pieces.append({"y": y, "h": h, "colour": STATUS_COLOURS[key], "key": key, "count": counts[key]})
        width = min(step * 0.8, 40)
        bars.append({"x": left + n * step + (step - width) / 2, "w": width, "pieces": pieces, "month": month["month"],
                     "total": sum(counts.values()), "show_label": n == 0 or n == len(months) - 1 or
                     len(months) <= 12 or n % max(1, len(months) // 6) == 0})
    return {"left": left, "top": top, "height": height, "width": left + bar_room + 10, "full": top + height + 28,
            "tallest": tallest, "bars": bars, "label": label, "keys": [(k, STATUS_COLOURS[k]) for k in keys],
            "rows": [(m["month"], sum(counts_of(m).values()), *(counts_of(m).get(k, 0) for k in keys)) for m in months],
            "headers": ("month", "total", *keys)}


def resolutions(months: list[dict[str, Any]]) -> dict[str, Any] | None:
    return month_bars(months, lambda m: m["by_status"], FINAL, "Resolutions per month")


def status_moves(moves: list[dict[str, Any]]) -> dict[str, Any] | None:
    return month_bars(moves, lambda m: m["to"], STATUSES, "Status moves per month, by the status moved into")


def score_lines(months: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rolling Brier and log scores month by month, each point with the count it rests on."""
    charts = []
    for key, name, low, high in (("rolling_brier", "Brier score", 0.0, None), ("rolling_log_score", "Log score", None, 0.0)):
        points = [(n, m[key], m["rolling_scored"], m["month"]) for n, m in enumerate(months) if m[key] is not None]
        if not points:
            continue
        values = [p[1] for p in points]
        bottom = low if low is not None else min(min(values), -0.1)
        top_value = high if high is not None else max(max(values), 0.25)
        left, top, height, room = 48, 10, 140, 400
        step = room / max(1, len(months) - 1)

        def y(value: float) -> float:
            return top + height - height * (value - bottom) / ((top_value - bottom) or 1)

        drawn = [{"x": left + n * step if len(months) > 1 else left + room / 2, "y": y(v), "count": c,
                  "title": f"{month}: {name.lower()} {number(v, 3)} over {c} scored forecasts in the 3 months to it"}
                 for n, v, c, month in points]
        charts.append({
            "name": name, "left": left, "top": top, "height": height, "width": left + room + 12,
            "full": top + height + 28, "points": drawn,
            "path": " ".join(f"{'M' if i == 0 else 'L'}{p['x']:.1f},{p['y']:.1f}" for i, p in enumerate(drawn)),
            "ticks": [{"y": y(v), "label": number(v, 2)} for v in (bottom, (bottom + top_value) / 2, top_value)],
            "first": months[0]["month"], "last": months[-1]["month"],
            "reference": y(0.25) if key == "rolling_brier" and bottom <= 0.25 <= top_value else None,
            "rows": [(m["month"], m["scored"], number(m[key.removeprefix("rolling_")], 3), m["rolling_scored"],
                      number(m[key], 3)) for m in months],
        })
    return charts


def group_bars(cards: list[dict[str, Any]], label_of) -> dict[str, Any] | None:
    """Each group's Brier score as a bar with its 95% interval, best first: the `GROUP_BARS`
    groups with the most scored forecasts (the table under the chart has every group)."""
    scored = [c for c in cards if c.get("brier") is not None]
    if not scored:
        return None
    largest = sorted(scored, key=lambda c: -c["scored"])[:GROUP_BARS]
    scored = sorted(largest, key=lambda c: (c["brier"], -c["scored"]))
    left, row, room = 150, 22, 260
    top = max(max((c.get("brier_high") or c["brier"]) for c in scored), 0.25) * 1.05

    def x(value: float) -> float:
        return left + room * min(value, top) / top

    bars = [{"y": 8 + n * row, "label": label_of(c), "width": x(c["brier"]) - left, "low": x(interval(c)[0]),
             "high": x(interval(c)[1]), "value": number(c["brier"], 3), "count": c["scored"],
             "title": f"{label_of(c)}: Brier {number(c['brier'], 3)} over {c['scored']} scored"
                      + (f" (95% interval {number(c['brier_low'], 3)}–{number(c['brier_high'], 3)})"
                         if c.get("brier_low") is not None else "")}
            for n, c in enumerate(scored)]
    return {"left": left, "room": room, "width": left + room + 70, "height": 16 + len(bars) * row, "bars": bars,
            "quarter": x(0.25), "left_out": len([c for c in cards if c.get("brier") is not None]) - len(bars)}


def interval(card: dict[str, Any]) -> tuple[float, float]:
    """A group's 95% interval of its Brier score; the score itself at both ends when it has none."""
    if card.get("brier_low") is None:
        return card["brier"], card["brier"]
    return card["brier_low"], card["brier_high"]


def probability_chart(forecast: dict[str, Any], now: dt.datetime) -> dict[str, Any] | None:
    """A forecast's probability over time (the fold's), every forecaster's estimates and the
    team's median, with its evidence and status changes marked; for multiple choice, a line of
    the median per option and its outcome marked. None with nothing to draw."""
    series = forecast["series"]
    steps = [(at, p) for at, p in series["probabilities"] if at is not None]
    estimates, options = series["estimates"], series["options"]
    if not any(p is not None for _, p in steps) and not estimates:
        return None
    times = [at for at, _ in steps] + [at for _, at, _ in estimates] + [at for at, _, _ in series["marks"]]
    start = min(times)
    end = max(times + ([now] if forecast["status"] not in FINAL else []))
    span = (end - start).total_seconds() or 1
    left, top, height, room = 40, 8, 110, 420

    def x(at: dt.datetime) -> float:
        return left + room * (at - start).total_seconds() / span

    def y(p: float) -> float:
        return top + INSET / 2 + (1 - p) * (height - INSET)

    path, last = [], None
    for n, (at, p) in enumerate(steps):
        end_at = steps[n + 1][0] if n + 1 < len(steps) else end
        if p is not None:
            path.append(f"M{x(at):.1f},{y(p):.1f} L{x(end_at):.1f},{y(p):.1f}")
            if last is not None:
                path.append(f"M{x(at):.1f},{y(last):.1f} L{x(at):.1f},{y(p):.1f}")
        last = p
    marks = [{"x": x(at), "kind": kind, "colour": STATUS_COLOURS.get(to, "#6b7280") if kind == "status_changed" else "#6b7280",
              "title": (f"status {to} on {local_time(at)}" if kind == "status_changed"
                        else f"evidence added on {local_time(at)}")} for at, kind, to in series["marks"]]
    chart = {"left": left, "top": top, "height": height, "width": left + room + 10, "full": top + height + 24,
             "path": " ".join(path), "marks": marks, "ticks": [(y(p), f"{round(p * 100)}%") for p in (0, .5, 1)],
             "first": local_time(start)[:10], "last": local_time(end)[:10]}
    people = sorted({actor for actor, _, _ in estimates})
    medians = series["medians"]
    if options is None:
        colours = {actor: PALETTE[n % len(PALETTE)] for n, actor in enumerate(people)}
        rows = in_time_order([(at, "probability", as_percent(p)) for at, p in steps], [
            row for (actor, at, value), (_, middle) in zip(estimates, medians)
            for row in ((at, f"estimate by {actor}", as_percent(value)), (at, "team median", as_percent(middle)))],
            [(at, mark_text(kind, to), "") for at, kind, to in series["marks"]])
        return {**chart, "options": None, "headers": ("when", "what", "probability"), "rows": rows,
                "dots": [{"x": x(at), "y": y(value), "colour": colours[actor],
                          "title": f"{actor}: {as_percent(value)} on {local_time(at)}"}
                         for actor, at, value in estimates],
                "aggregate": step_line(medians, end, x, y), "people": [(actor, colours[actor]) for actor in people]}
    return {**chart, **option_lines(series, people, end, x, y)}


# Shapes of forecasters' marks on a multiple-choice chart, in turn (colour tells the option):
# each as the character the legend shows and its outline drawn around a point.
SHAPES = (("●", "m-3.5,0 a3.5,3.5 0 1,0 7,0 a3.5,3.5 0 1,0 -7,0 z"), ("■", "m-3,-3 h6 v6 h-6 z"),
          ("▲", "m0,-4 l3.8,6.5 h-7.6 z"), ("◆", "m0,-4.2 l4.2,4.2 l-4.2,4.2 l-4.2,-4.2 z"),
          ("▼", "m0,4 l3.8,-6.5 h-7.6 z"))


def option_lines(series: dict[str, Any], people: list[str], end: dt.datetime, x, y) -> dict[str, Any]:
    """A multiple-choice forecast's chart: the team's median of each option as a line of the
    option's colour, each forecaster's estimates as marks of their shape, and the outcome."""
    options, outcome, estimates, medians = series["options"], series["outcome"], series["estimates"], series["medians"]
    colours = {option: PALETTE[n % len(PALETTE)] for n, option in enumerate(options)}
    shapes = {actor: SHAPES[n % len(SHAPES)] for n, actor in enumerate(people)}
    lines = [{"option": option, "colour": colours[option], "outcome": option == outcome,
              "path": step_line([(at, value[option]) for at, value in medians], end, x, y)} for option in options]
    dots = [{"d": f"M{x(at):.1f},{y(value[option]):.1f} {shapes[actor][1]}", "colour": colours[option],
             "title": f"{actor}: {option} {as_percent(value[option])} on {local_time(at)}"}
            for actor, at, value in estimates for option in options]
    resolved = None
    if outcome is not None:
        at = series["resolved_at"] or end  # the moment the fold puts the resolution in force
        resolved = {"x": x(at), "y": y(1), "colour": colours[outcome],
                    "title": f"resolved: {outcome} happened (confirmed on {local_time(at)})"}
    rows = in_time_order([
        row for (actor, at, value), (_, middle) in zip(estimates, medians)
        for row in ((at, f"estimate by {actor}", *(as_percent(value[o]) for o in options)),
                    (at, "team median", *(as_percent(middle[o]) for o in options)))],
        [(at, mark_text(kind, to), *("outcome" if kind == "status_changed" and to == "confirmed" and o == outcome
                                     else "" for o in options)) for at, kind, to in series["marks"]])
    return {"options": lines, "dots": dots, "resolved": resolved, "outcome": outcome,
            "people": [(actor, shapes[actor][0]) for actor in people],
            "headers": ("when", "what", *options), "rows": rows}


def mark_text(kind: str, to: str | None) -> str:
    return f"status {to}" if kind == "status_changed" else "evidence added"


def in_time_order(*parts: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows of a chart's table (each a moment and its cells) by moment, those of one moment in
    the order given, the moment written as the page writes times."""
    return [(local_time(at), *cells) for at, *cells in sorted((row for part in parts for row in part),
                                                                key=lambda row: row[0])]


def step_line(points: list[tuple[dt.datetime, float]], end: dt.datetime, x, y) -> str:
    """A path through values that hold from each moment to the next, the last to `end`."""
    drawn, previous = [], None
    for at, value in points:
        if previous is not None:
            drawn.append(f"L{x(at):.1f},{y(previous):.1f} L{x(at):.1f},{y(value):.1f}")
        else:
            drawn.append(f"M{x(at):.1f},{y(value):.1f}")
        previous = value
    if previous is not None:
        drawn.append(f"L{x(end):.1f},{y(previous):.1f}")
    return " ".join(drawn)
