"""Human-readable layouts of forecasts, evidence and events for `--format table`."""

import datetime as dt
from typing import Any

import click

from tracker.cli.output import local_time, plain, render_table, visible
from tracker.probability import as_percent
from tracker.statuses import is_final


def forecast_rows(forecasts: list[dict[str, Any]], *, today: dt.date | None = None) -> str:
    """One line a forecast; with `today`, deadlines passed unsettled are marked overdue."""
    if not forecasts:
        return ""
    rows = [(f["id"], f["status"], as_percent(f["probability"]), deadline_text(f, today), f["tags"], f["claim"])
            for f in forecasts]
    return render_table(("ID", "STATUS", "PROB", "RESOLVE BY", "TAGS", "CLAIM"), rows)


def deadline_text(forecast: dict[str, Any], today: dt.date | None) -> str:
    text = plain(forecast["resolve_by"])
    if today and forecast["resolve_by"] and forecast["resolve_by"] < today and not is_final(forecast["status"]):
        text += " OVERDUE"
    return text


def queue_rows(queue: list[dict[str, Any]]) -> str:
    """`tracker review`: what is due, how long since it was last looked at, and what changed."""
    if not queue:
        return ""
    rows = ((f["id"], f["status"], f["next_review_on"], last_review(f), changes_since_review(f),
             ("OVERDUE " if f["deadline_passed"] else "") + f["claim"]) for f in queue)
    return render_table(("ID", "STATUS", "DUE", "LAST REVIEW", "SINCE THEN", "CLAIM"), rows)


def last_review(entry: dict[str, Any]) -> str:
    days = entry["days_since_review"]
    return f"{days} d ago" if entry["last_reviewed_at"] else f"never, added {days} d ago"


def changes_since_review(entry: dict[str, Any]) -> str:
    changes = []
    if entry["evidence_since_review"]:
        changes.append(f"+{len(entry['evidence_since_review'])} evidence")
    if entry["status_at_review"] != entry["status"]:
        changes.append(f"{entry['status_at_review']} → {entry['status']}")
    return ", ".join(changes) or "-"


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
    rows = ((local_time(e["at"]), e["actor"], describe_event(e)) for e in events)
    return render_table(("WHEN", "WHO", "WHAT"), rows)


def describe_event(event: dict[str, Any]) -> str:
    kind = event["kind"]
    if kind == "status_changed":
        text = f"status {event['from']} → {event['to']}"
        if event.get("new"):
            text += f" ({event['new']})"
        if event["evidence_ids"]:
            text += " citing " + ", ".join(f"#{n}" for n in event["evidence_ids"])
    elif kind == "edited":
        text = change_text(event["field"], event["old"], event["new"])
    elif kind in ("evidence_added", "evidence_retracted"):
        text = f"evidence #{event['evidence_id']} {kind.removeprefix('evidence_')}"
    elif kind == "reviewed":
        text = f"reviewed; next review on {event['new']}"
    elif kind == "snoozed":
        text = f"review snoozed from {event['old']} to {event['new']}"
    elif kind == "estimate":
        text = f"estimate {describe_estimate(event['new'])}"
        if event["evidence_ids"]:
            text += " citing " + ", ".join(f"#{n}" for n in event["evidence_ids"])
    elif kind == "undone":
        text = "undo: " + describe_undo(event)
    else:
        text = kind.replace("_", " ")
    if event.get("note"):
        text += f": {event['note']}"
    return text


def change_text(field: str, old: Any, new: Any) -> str:
    show = as_percent if field == "probability" else plain
    return f"{field}: {show(old)} → {show(new)}"


def describe_undo(event: dict[str, Any]) -> str:
    """What an `undone` event put back; its `field` names what was taken back."""
    taken_back = event["field"]
    if taken_back == "evidence_added":
        return f"evidence #{event['evidence_id']} retracted"
    if taken_back == "evidence_retracted":
        return f"evidence #{event['evidence_id']} restored"
    if taken_back in ("reviewed", "snoozed"):
        return f"next review {event['old']} → {event['new']}"
    if taken_back == "deleted":
        return "forecast restored"
    if taken_back == "created":
        return "forecast deleted"
    if taken_back == "estimate":
        return f"estimate {describe_estimate(event['old'])} withdrawn"
    return change_text(taken_back, event["old"], event["new"])


def describe_estimate(value: float | dict[str, float] | None) -> str:
    """A probability, or a probability per option."""
    if isinstance(value, dict):
        return ", ".join(f"{option} {as_percent(p)}" for option, p in value.items())
    return as_percent(value)


def estimate_lines(forecast: dict[str, Any]) -> list[str]:
    """Each forecaster's latest estimate and how it moved, then the team's aggregates."""
    people = forecast.get("forecasters") or []
    if not people:
        return []
    lines = ["", f"Estimates ({len(people)} forecaster{'s' * (len(people) != 1)})"]
    for person in people:
        latest = person.get("probabilities", person.get("probability"))
        moved = "" if person["count"] == 1 else f"{describe_estimate(person['first'])} → "
        lines.append(f"  {person['actor']}: {moved}{describe_estimate(latest)}  ({person['count']} estimate"
                     f"{'s' * (person['count'] != 1)}, latest {local_time(person['at'])})")
    team = forecast["aggregates"]
    lines.append(f"  team: median {describe_estimate(team['median'])}, mean {describe_estimate(team['mean'])}, "
                 f"geometric mean of odds {describe_estimate(team['geometric_mean_of_odds'])}")
    return lines


def forecast_detail(forecast: dict[str, Any], *, as_of: dt.date | None = None) -> str:
    """`tracker show`: the fields, then the evidence, then the timeline."""
    source = forecast["source"]
    deadline = plain(forecast["resolve_by"])
    lines = [
        f"Forecast {forecast['id']}  {forecast['key']}  [{forecast['status']}]  version {forecast['version']}"
        + (f"  (as of the end of {as_of})" if as_of else ""),
    ]
    if forecast["deleted_at"]:
        lines.append(f"DELETED {local_time(forecast['deleted_at'])}")
    lines += [
        field_line("Claim", forecast["claim"]),
        field_line("Criteria", forecast["criteria"] or "-"),
        field_line("Source", describe_source(source) if source else "-"),
        field_line("Made on", f"{forecast['made_on']}    Resolve by: {deadline}    "
                              f"Probability: {as_percent(forecast['probability'])}"),
        *([field_line("Options", ", ".join(forecast["options"])
                      + (f"    Outcome: {forecast['outcome']}" if forecast.get("outcome") else ""))]
          if forecast.get("options") else []),
        field_line("Tags", plain(forecast["tags"])),
        field_line("Review", f"every {forecast['review_every']} days, next on {forecast['next_review_on']}"),
        field_line("Changed", f"{local_time(forecast['updated_at'])} (created {local_time(forecast['created_at'])})"),
        *estimate_lines(forecast),
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
    return click.wrap_text(visible(value), width=88, initial_indent=prefix, subsequent_indent=" " * len(prefix))


def indent(text: str) -> str:
    return "\n".join("  " + line if line else line for line in text.splitlines())
