"""Human-readable layouts of forecasts, evidence and events for `--format table`."""

import datetime as dt
from typing import Any

from tracker.cli.events import describe_estimate, describe_event, describe_source
from tracker.cli.output import local_time, paint, plain, render_table, wrapped
from tracker.probability import as_percent
from tracker.statuses import is_final

# Colours on a terminal that takes them; what has no colour here is left as the terminal's.
STATUS_COLOURS = {"developing": "cyan", "stalled": "yellow", "confirmed": "green", "partial": "magenta",
                  "refuted": "red", "void": "bright_black"}
STANCE_COLOURS = {"supports": "green", "contradicts": "red"}
OVERDUE = "OVERDUE"


def status_colour(status: str) -> str | None:
    return STATUS_COLOURS.get(status)


def stance_colour(stance: str) -> str | None:
    return STANCE_COLOURS.get(stance)


def overdue_colour(text: str) -> str | None:
    return "red" if OVERDUE in text.split() else None


def forecast_rows(forecasts: list[dict[str, Any]], *, today: dt.date | None = None) -> str:
    """One line a forecast; with `today`, deadlines passed unsettled are marked overdue."""
    if not forecasts:
        return ""
    # The team's median estimate (yes/no forecasts) gets a column when any forecast listed has one.
    team = any(f.get("aggregate") is not None for f in forecasts)
    headers = ("ID", "STATUS", "PROB") + ("TEAM",) * team + ("RESOLVE BY", "TAGS", "CLAIM")
    rows = [(f["id"], f["status"], as_percent(f["probability"]))
            + (as_percent(f.get("aggregate")),) * team
            + (deadline_text(f, today), f["tags"], f["claim"]) for f in forecasts]
    # One line a forecast: on a terminal the claim keeps most of the room, the tags give it up.
    return render_table(headers, rows, give=(4 + team,), one_line=True,
                        colours={1: status_colour, 3 + team: overdue_colour})


def deadline_text(forecast: dict[str, Any], today: dt.date | None) -> str:
    text = plain(forecast["resolve_by"])
    if today and forecast["resolve_by"] and forecast["resolve_by"] < today and not is_final(forecast["status"]):
        text += " " + OVERDUE
    return text


def queue_rows(queue: list[dict[str, Any]]) -> str:
    """`tracker review`: what is due, how long since it was last looked at, and what changed."""
    if not queue:
        return ""
    rows = [(f["id"], f["status"], f["next_review_on"], last_review(f), changes_since_review(f),
             (OVERDUE + " " if f["deadline_passed"] else "") + f["claim"]) for f in queue]
    # The claim is what a reviewer reads: it wraps whole; what changed and when give up room.
    return render_table(("ID", "STATUS", "DUE", "LAST REVIEW", "SINCE THEN", "CLAIM"), rows, give=(4, 3),
                        colours={1: status_colour, 5: overdue_colour})


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


def evidence_rows(evidence: list[dict[str, Any]], *, margin: int = 0) -> str:
    if not evidence:
        return ""
    rows = [(e["id"], e["observed_on"], e["stance"], describe_evidence(e)) for e in evidence]
    return render_table(("ID", "OBSERVED", "STANCE", "SUMMARY"), rows, colours={2: stance_colour}, margin=margin)


def describe_evidence(evidence: dict[str, Any]) -> str:
    text = evidence["summary"]
    if evidence["url"]:
        text += f" <{evidence['url']}>"
    if evidence["retracted_at"]:
        text = (f"[retracted {local_time(evidence['retracted_at'])} by {evidence['retracted_by']}: "
                f"{evidence['retraction_reason']}] {text}")
    return text


def event_rows(events: list[dict[str, Any]], *, margin: int = 0) -> str:
    rows = [(local_time(e["at"]), e["actor"], describe_event(e)) for e in events]
    return render_table(("WHEN", "WHO", "WHAT"), rows, give=(1,), margin=margin)


def estimate_lines(forecast: dict[str, Any]) -> list[str]:
    """Each forecaster's latest estimate and how it moved, then the team's aggregates."""
    people = forecast.get("forecasters") or []
    if not people:
        return []
    lines = ["", wrapped(f"Estimates ({len(people)} forecaster{'s' * (len(people) != 1)})")]
    for person in people:
        latest = person.get("probabilities", person.get("probability"))
        moved = "" if person["count"] == 1 else f"{describe_estimate(person['first'])} → "
        lines.append(wrapped(f"{person['actor']}: {moved}{describe_estimate(latest)}  ({person['count']} estimate"
                             f"{'s' * (person['count'] != 1)}, latest {local_time(person['at'])})",
                             first="  ", rest="    "))
    team = forecast["aggregates"]
    lines.append(wrapped(f"team: median {describe_estimate(team['median'])}, mean {describe_estimate(team['mean'])}, "
                         f"geometric mean of odds {describe_estimate(team['geometric_mean_of_odds'])}",
                         first="  ", rest="    "))
    if "extremized" in team:
        lines.append(wrapped(f"extremized (geometric mean of odds to the power {team['extremize']:g}): "
                             f"{describe_estimate(team['extremized'])}", first="  ", rest="    "))
    return lines


def forecast_detail(forecast: dict[str, Any], *, as_of: dt.date | None = None) -> str:
    """`tracker show`: the fields, then the evidence, then the timeline."""
    source = forecast["source"]
    deadline = plain(forecast["resolve_by"])
    lines = [
        wrapped(f"Forecast {forecast['id']}  {forecast['key']}  [{forecast['status']}]  version {forecast['version']}"
                + (f"  (as of the end of {as_of})" if as_of else ""))
        .replace(f"[{forecast['status']}]", "[" + paint(forecast["status"], status_colour(forecast["status"])) + "]", 1),
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
        field_line("Review", f"every {forecast['review_every']} days, next on {forecast['next_review_on']}"
                   if forecast["next_review_on"] else "none: settled forecasts are not reviewed"),
        field_line("Changed", f"{local_time(forecast['updated_at'])} (created {local_time(forecast['created_at'])})"),
        *estimate_lines(forecast),
        "",
        wrapped(f"Evidence ({len(forecast['evidence'])})"),
        indent(evidence_rows(forecast["evidence"], margin=2) or "none yet"),
        "",
        "Timeline",
        indent(event_rows(forecast["events"], margin=2)),
    ]
    return "\n".join(lines)


def source_rows(sources: list[dict[str, Any]]) -> str:
    """`tracker source list`: one line a source."""
    if not sources:
        return ""
    rows = [(s["id"], s["forecasts"], s["published_on"], s["author"], s["outlet"], s["title"]) for s in sources]
    return render_table(("ID", "FORECASTS", "DATE", "AUTHOR", "OUTLET", "TITLE"), rows)


def source_detail(source: dict[str, Any]) -> str:
    """`tracker source show`: its fields, then the forecasts citing it."""
    lines = [field_line("Source", f"{source['id']}. {source['title']}")]
    for label, name in (("Author", "author"), ("Outlet", "outlet"), ("URL", "url"), ("Date", "published_on"),
                        ("Notes", "notes")):
        lines.append(field_line(label, plain(source[name])))
    lines.append("")
    if source["cited_by"]:
        lines.append(f"Cited by {source['forecasts']}:")
        lines.append(indent(render_table(("ID", "STATUS", "CLAIM"),
                                         [(f["id"], f["status"], f["claim"]) for f in source["cited_by"]])))
    else:
        lines.append("Cited by no forecast.")
    return "\n".join(lines)


def tag_rows(tags: list[dict[str, Any]]) -> str:
    """`tracker tags`: each tag and how many forecasts have it."""
    if not tags:
        return ""
    return render_table(("FORECASTS", "TAG"), [(t["forecasts"], t["tag"]) for t in tags])


def field_line(label: str, value: str) -> str:
    prefix = f"{label + ':':<10} "
    return wrapped(value, first=prefix, rest=" " * len(prefix))


def indent(text: str) -> str:
    return "\n".join("  " + line if line else line for line in text.splitlines())
