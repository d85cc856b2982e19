"""`tracker export --format markdown`: the ledger as a document people read.

A title, then one section a forecast: its fields, criteria, evidence and timeline. Each part
is its own function so the document can grow further sections.
"""

from collections.abc import Iterable
from typing import Any, TextIO

from tracker.cli.output import local_time, plain
from tracker.cli.tables import describe_event, describe_source
from tracker.probability import as_percent


def write_markdown(records: Iterable[dict[str, Any]], stream: TextIO) -> None:
    stream.write("# Forecasts\n")
    count = 0
    for record in records:
        stream.write("\n" + forecast_section(record))
        count += 1
    if not count:
        stream.write("\nNo forecasts match.\n")


def forecast_section(forecast: dict[str, Any]) -> str:
    title = one_line(forecast["claim"])
    lines = [f"## {forecast['id']}. {title}", ""]
    if forecast["deleted_at"]:
        lines += [f"*Deleted {local_time(forecast['deleted_at'])}.*", ""]
    lines += [
        f"- **Key:** `{forecast['key']}`",
        f"- **Status:** {forecast['status']}",
        f"- **Probability:** {as_percent(forecast['probability'])}",
        f"- **Made on:** {forecast['made_on']}",
        f"- **Resolve by:** {plain(forecast['resolve_by'])}",
        f"- **Source:** {one_line(describe_source(forecast['source'])) if forecast['source'] else '-'}",
        f"- **Tags:** {plain(forecast['tags'])}",
        f"- **Next review:** {forecast['next_review_on']} (every {forecast['review_every']} days)",
        "",
    ]
    if forecast["criteria"]:
        lines += ["**Criteria.** " + one_line(forecast["criteria"]), ""]
    lines += evidence_part(forecast.get("evidence", []))
    lines += timeline_part(forecast.get("events", []))
    return "\n".join(lines)


def evidence_part(evidence: list[dict[str, Any]]) -> list[str]:
    if not evidence:
        return []
    lines = ["### Evidence", ""]
    for item in evidence:
        text = f"{item['observed_on']}, {item['stance']}: {one_line(item['summary'])}"
        if item["url"]:
            text += f" <{item['url']}>"
        if item["retracted_at"]:
            text = (f"~~{text}~~ (retracted by {item['retracted_by']}: "
                    f"{one_line(item['retraction_reason'] or '')})")
        lines.append(f"- #{item['id']} {text}")
    return lines + [""]


def timeline_part(events: list[dict[str, Any]]) -> list[str]:
    if not events:
        return []
    lines = ["### Timeline", ""]
    lines += [f"- {local_time(e['at'])} {e['actor']}: {one_line(describe_event(e))}" for e in events]
    return lines + [""]


def one_line(text: str) -> str:
    return " ".join(text.split())
