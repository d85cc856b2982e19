"""Human-readable layouts of scorecards and ledger counts for `--format table`."""

from typing import Any

from tracker.cli.output import render_table, wrapped
from tracker.cli.tables import STATUS_COLOURS
from tracker.statuses import FINAL, STATUSES


def number(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def share(value: float | None) -> str:
    """A frequency as a short percent: 9.45%, 33.3%, 100%."""
    return "-" if value is None else f"{value * 100:.3g}%"


def calibration_cells(row: dict[str, Any]) -> tuple[str, int, str, str, str]:
    """One calibration bin as shown: range, count, mean forecast, came true, 95% interval."""
    interval = "-" if row["ci_low"] is None else f"{share(row['ci_low'])}–{share(row['ci_high'])}"
    return (f"{share(row['low'])}–{share(row['high'])}", row["count"], share(row["mean_forecast"]),
            share(row["observed"]), interval)


def final_counts(card: dict[str, Any]) -> str:
    return ", ".join(f"{card[status]} {status}" for status in FINAL)


def brier_words(card: dict[str, Any]) -> str:
    return "averaged over the time each probability stood" if card["time_weighted"] else "at resolution"


def clipping_words(card: dict[str, Any]) -> str:
    low, high = card["log_clip"]
    return f"probabilities clipped to [{low:g}, {high:g}]; {card['clipped']} clipped"


def scorecard_text(card: dict[str, Any]) -> str:
    """`tracker score`: the numbers with what they mean, then the calibration table."""
    lines = [
        f"Resolved   {card['resolved']} ({final_counts(card)})",
        f"Scored     {card['scored']} confirmed or refuted with a probability",
        f"Brier      {number(card['brier'], 4)}  {brier_words(card)}; 0 is perfect, always 50% scores 0.25",
        f"Log score  {number(card['log_score'], 4)}  mean natural log of the probability given to the "
        f"outcome; 0 is perfect; {clipping_words(card)}",
        f"Hit rate   {share(card['hit_rate'])}  of {card['hit_rate_of']} confirmed or refuted "
        "without a probability",
    ]
    # Each line wraps under its value, clear of the labels.
    lines = [wrapped(line, rest=" " * 11) for line in lines]
    lines += ["", wrapped("Calibration (95% Wilson intervals)"), calibration_text(card["calibration"])]
    return "\n".join(lines)


def calibration_text(bins: list[dict[str, Any]]) -> str:
    return render_table(("FORECAST", "COUNT", "MEAN", "CAME TRUE", "95% INTERVAL"), [calibration_cells(b) for b in bins])

def group_name(group: str | None) -> str:
    return "(none)" if group is None else group


def scorecards_text(cards: list[dict[str, Any]]) -> str:
    """`tracker score --by`: one line per group; `--format json` has each group's calibration."""
    if not cards:
        return ""
    headers = ("GROUP", "RESOLVED", "SCORED", "BRIER", "LOG", "HIT RATE", "CONF", "PART", "REF", "VOID")
    return render_table(headers, [group_cells(c, group_name(c["group"])) for c in cards])


def group_cells(card: dict[str, Any], name: str) -> tuple:
    """One group's scorecard on one line: name, resolved, scored, Brier, log, hit rate, final counts."""
    return (name, card["resolved"], card["scored"], number(card["brier"], 4), number(card["log_score"], 4),
            share(card["hit_rate"]), *(card[status] for status in FINAL))


def score_text(data: dict[str, Any] | list[dict[str, Any]]) -> str:
    if isinstance(data, list) and data and "brier_time_averaged" in data[0]:
        return forecasters_text(data)
    return scorecards_text(data) if isinstance(data, list) else scorecard_text(data)


def forecaster_cells(card: dict[str, Any]) -> tuple:
    """One forecaster's (or aggregate's) scores on one line."""
    return (card["group"], card["scored"], number(card["brier"], 4), number(card["log_score"], 4),
            number(card["brier_time_averaged"], 4), number(card["relative_brier"], 4))


def forecasters_text(cards: list[dict[str, Any]]) -> str:
    """`tracker score --by forecaster`: one line per person, then the team's aggregates."""
    headers = ("FORECASTER", "SCORED", "BRIER", "LOG", "TIME-AVG BRIER", "RELATIVE")
    return (render_table(headers, [forecaster_cells(card) for card in cards]) + "\n\n"
            + wrapped("Brier at resolution (multiple choice: summed over options, 0 to 2); time-averaged over the "
                      "days from the first estimate; relative: minus the median of the others each day, below 0 "
                      "beats the crowd."))


def stats_text(stats: dict[str, Any]) -> str:
    """`tracker stats`: counts by status, deadlines and reviews, evidence, moves per month."""
    deleted = f"; {stats['deleted']} deleted, not counted" if stats["deleted"] else ""
    per = number(stats["evidence_per_forecast"], 1)
    lines = [
        wrapped(f"Forecasts       {stats['forecasts']} ({stats['active']} active, {stats['final']} final){deleted}",
                rest=" " * 16),
        render_table(("  STATUS", "COUNT"), [(f"  {s}", stats[s]) for s in STATUSES],
                     colours={0: lambda cell: STATUS_COLOURS.get(cell.strip())}),
        wrapped(f"Overdue         {stats['overdue']} active past their resolve-by date", rest=" " * 16),
        wrapped(f"Due for review  {stats['due_for_review']} active with a review due today or earlier, "
                "or overdue", rest=" " * 16),
        wrapped(f"Evidence        {stats['evidence']} ({stats['evidence_retracted']} retracted); {per} standing per "
                f"forecast; {stats['forecasts_without_evidence']} forecasts have none", rest=" " * 16),
    ]
    moves = stats["status_moves"]
    lines += ["", wrapped("Status moves per month")]
    if moves:
        headers = ("MONTH", "MOVES") + tuple(s.upper() for s in STATUSES)
        lines.append(render_table(headers, [(m["month"], m["moves"], *(m["to"][s] for s in STATUSES)) for m in moves]))
    else:
        lines.append("  none yet")
    return "\n".join(lines)
