"""Human-readable layouts of forecasts, evidence and events for `--format table`."""

from typing import Any

import click

from tracker.cli.output import local_time, plain, render_table
from tracker.probability import as_percent


def forecast_rows(forecasts: list[dict[str, Any]]) -> str:
    if not forecasts:
        return ""
    rows = [(f["id"], f["status"], as_percent(f["probability"]), f["resolve_by"], f["tags"], f["claim"])
            for f in forecasts]
    return render_table(("ID", "STATUS", "PROB", "RESOLVE BY", "TAGS", "CLAIM"), rows)


def evidence_rows(evidence: list[dict[str, Any]]) -> str:
    if not evidence:
        return ""
    rows = [(e["id"], e["observed_on"], e["stance"], describe_evidence(e)) for e in evidence]
    return render_table(("ID", "OBSERVED", "STANCE", "SUMMARY"), rows)


def describe_evidence(evidence: dict[str, Any]) -> str:
    text = evidence["summary"]
    if evidence["url"]:
        text += f" <{evidence['url']}>"
    if evidence["retracted_at"]:
        text = (f"[retracted {local_time(evidence['retracted_at'])} by {evidence['retracted_by']}: "
                f"{evidence['retraction_reason']}] {text}")
    return text


def event_rows(events: list[dict[str, Any]]) -> str:
    rows = [(local_time(e["at"]), e["actor"], describe_event(e)) for e in events]
    return render_table(("WHEN", "WHO", "WHAT"), rows)


def describe_event(event: dict[str, Any]) -> str:
    kind = event["kind"]
    if kind == "status_changed":
        text = f"status {event['from']} → {event['to']}"
        if event["evidence_ids"]:
            text += " citing " + ", ".join(f"#{n}" for n in event["evidence_ids"])
    elif kind == "edited":
        show = as_percent if event["field"] == "probability" else plain
        text = f"{event['field']}: {show(event['old'])} → {show(event['new'])}"
    elif kind in ("evidence_added", "evidence_retracted"):
        text = f"evidence #{event['evidence_id']} {kind.removeprefix('evidence_')}"
    else:
        text = kind.replace("_", " ")
    if event.get("note"):
        text += f": {event['note']}"
    return text


def forecast_detail(forecast: dict[str, Any]) -> str:
    """`tracker show`: the fields, then the evidence, then the timeline."""
    source = forecast["source"]
    deadline = plain(forecast["resolve_by"])
    lines = [
        f"Forecast {forecast['id']}  {forecast['key']}  [{forecast['status']}]  version {forecast['version']}",
    ]
    if forecast["deleted_at"]:
        lines.append(f"DELETED {local_time(forecast['deleted_at'])}")
    lines += [
        field_line("Claim", forecast["claim"]),
        field_line("Criteria", forecast["criteria"] or "-"),
        field_line("Source", describe_source(source) if source else "-"),
        field_line("Made on", f"{forecast['made_on']}    Resolve by: {deadline}    "
                              f"Probability: {as_percent(forecast['probability'])}"),
        field_line("Tags", plain(forecast["tags"])),
        field_line("Review", f"every {forecast['review_every']} days, next on {forecast['next_review_on']}"),
        field_line("Changed", f"{local_time(forecast['updated_at'])} (created {local_time(forecast['created_at'])})"),
        "",
        f"Evidence ({len(forecast['evidence'])})",
        indent(evidence_rows(forecast["evidence"]) or "none yet"),
        "",
        "Timeline",
        indent(event_rows(forecast["events"])),
    ]
    return "\n".join(lines)


def describe_source(source: dict[str, Any]) -> str:
    parts = [source["title"]] + [source[k] for k in ("author", "outlet") if source[k]]
    text = ", ".join(parts)
    if source["published_on"]:
        text += f" ({source['published_on']})"
    if source["url"]:
        text += f" <{source['url']}>"
    return text


def field_line(label: str, value: str) -> str:
    prefix = f"{label + ':':<10} "
    return click.wrap_text(value, width=88, initial_indent=prefix, subsequent_indent=" " * len(prefix))


def indent(text: str) -> str:
    return "\n".join("  " + line if line else line for line in text.splitlines())
