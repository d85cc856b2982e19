"""The words of the report, as plain text: both the HTML and the Markdown rendering use them.

Nothing here is escaped; each renderer escapes what it shows.
"""

from typing import Any
from urllib.parse import urlsplit

from tracker.cli.output import local_time, plain
from tracker.cli.score_tables import brier_words, clipping_words, final_counts, number, share
from tracker.cli.tables import change_text, fields_text
from tracker.probability import as_percent

TITLE = "Forecast ledger report"
GROUP_TITLES = {"source": "By source", "author": "By author", "tag": "By tag"}
NO_GROUP = {"source": "(no source)", "author": "(unknown)", "tag": "(no tags)"}


def generated_line(content: dict[str, Any]) -> str:
    stats = content["stats"]
    return (f"Generated {local_time(content['generated_at'])}: {stats['forecasts']} forecasts, "
            f"{stats['active']} active and {stats['final']} final.")


def overview_facts(stats: dict[str, Any]) -> list[tuple[str, str]]:
    """The headline counts of the status overview, label and value."""
    return [
        ("Forecasts", str(stats["forecasts"])),
        ("Active", str(stats["active"])),
        ("Final", str(stats["final"])),
        ("Overdue", str(stats["overdue"])),
        ("Due for review", str(stats["due_for_review"])),
        ("Evidence" + (f", {stats['evidence_retracted']} retracted" if stats["evidence_retracted"] else ""),
         str(stats["evidence"] - stats["evidence_retracted"])),
    ]


def score_facts(card: dict[str, Any]) -> list[tuple[str, str]]:
    """A scorecard's numbers with what they mean, label and text."""
    return [
        ("Resolved", f"{card['resolved']} ({final_counts(card)})"),
        ("Scored", f"{card['scored']} confirmed or refuted with a probability"),
        ("Brier score", f"{number(card['brier'], 4)}, {brier_words(card)} (0 is perfect; always saying 50% scores 0.25)"),
        ("Log score", f"{number(card['log_score'], 4)}, the mean natural log of the probability given to the "
                      f"outcome (0 is perfect; {clipping_words(card)})"),
        ("Hit rate", f"{share(card['hit_rate'])} of {card['hit_rate_of']} confirmed or refuted "
                     "without a probability"),
    ]


def group_label(by: str, group: str | None) -> str:
    return NO_GROUP[by] if group is None else group


def safe_url(url: str | None) -> str | None:
    """The URL if it is a web address that may be linked, else None (no javascript: links)."""
    if not url:
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def forecast_facts(forecast: dict[str, Any]) -> list[tuple[str, str]]:
    facts = [("Key", forecast["key"]), ("Made on", plain(forecast["made_on"])),
             ("Resolve by", plain(forecast["resolve_by"])), ("Probability", as_percent(forecast["probability"]))]
    if forecast["tags"]:
        facts.append(("Tags", ", ".join(forecast["tags"])))
    score = forecast["score"]
    if score and score["brier"] is not None:
        facts.append(("Scored", f"Brier {number(score['brier'], 4)}, log {number(score['log_score'], 4)} "
                                f"on {as_percent(score['probability'])}"))
    return facts


def source_text(source: dict[str, Any] | None) -> str | None:
    if source is None:
        return None
    text = ", ".join([source["title"]] + [source[k] for k in ("author", "outlet") if source[k]])
    if source["published_on"]:
        text += f" ({source['published_on']})"
    return text


def timeline(forecast: dict[str, Any]) -> list[dict[str, Any]]:
    """The forecast's story, oldest first: each entry's time, actor, headline, note, and evidence."""
    evidence = {item["id"]: item for item in forecast["evidence"]}
    entries = []
    for event in forecast["events"]:
        entries.append({
            "at": local_time(event["at"]),
            "actor": event["actor"],
            "kind": event["kind"],
            "headline": headline(event),
            "note": event.get("note"),
            "evidence": evidence.get(event.get("evidence_id")) if event["kind"] == "evidence_added" else None,
        })
    return entries


def headline(event: dict[str, Any]) -> str:
    kind = event["kind"]
    if kind == "created":
        probability = (event.get("new") or {}).get("probability")
        return "Entered" + (f" at {as_percent(probability)}" if probability is not None else "")
    if kind == "status_changed":
        text = (f"Status {event['to']} restated" if event["from"] == event["to"]
                else f"Status {event['from']} → {event['to']}")
        if event["evidence_ids"]:
            text += ", citing evidence " + ", ".join(f"#{n}" for n in event["evidence_ids"])
        return text
    if kind == "edited" and event["field"] == "source":
        return "Source " + change_text("source", event["old"], event["new"]).removeprefix("source: ")
    if kind == "edited":
        name = event["field"].replace("_", " ").capitalize()
        show = as_percent if event["field"] == "probability" else plain
        if event["field"] in ("claim", "criteria"):
            return f"{name} reworded; it was: {plain(event['old'])}"
        return f"{name} {show(event['old'])} → {show(event['new'])}"
    if kind == "evidence_added":
        return f"Evidence #{event['evidence_id']} added"
    if kind == "evidence_retracted":
        return f"Evidence #{event['evidence_id']} retracted"
    if kind == "evidence_edited":
        return f"Evidence #{event['evidence_id']} edited: {fields_text(event['old'], event['new'])}"
    return kind.replace("_", " ").capitalize()


def evidence_line(item: dict[str, Any]) -> str:
    """Stance and date of a piece of evidence, to stand beside its summary."""
    text = f"{item['stance']}, observed {plain(item['observed_on'])}"
    if item["retracted_at"]:
        text += f"; retracted by {item['retracted_by']}: {item['retraction_reason']}"
    return text
