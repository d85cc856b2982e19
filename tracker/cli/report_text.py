"""The words of the report, as plain text: both the HTML and the Markdown rendering use them.

Nothing here is escaped; each renderer escapes what it shows.
"""

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from tracker.cli.events import describe_event
from tracker.cli.output import local_time, plain
from tracker.cli.score_tables import brier_words, clipping_words, final_counts, number, share
from tracker.probability import as_percent

TITLE = "Forecast ledger report"
GROUP_TITLES = {"source": "By source", "author": "By author", "tag": "By tag"}
NO_GROUP = {"source": "(no source)", "author": "(unknown)", "tag": "(no tags)"}


def generated_line(content: dict[str, Any]) -> str:
    stats = content["stats"]
    return (f"Generated {local_time(content['generated_at'])}: {stats['forecasts']} forecasts, "
            f"{stats['active']} active and {stats['final']} final.")


def left_out_line(content: dict[str, Any]) -> str | None:
    """How many forecasts in scope have no card (and no index row), or None if none was left out."""
    left = content["total"] - content["shown"]
    if left <= 0:
        return None
    return (f"The first {content['shown']} of {content['total']} forecasts are shown; {left} "
            f"card{'s' * (left != 1)} left out. Write the report with --all to show every one, "
            "or narrow it with the filters of `tracker list`.")


def overview_facts(stats: dict[str, Any]) -> list[tuple[str, str]]:
    """The headline counts of the status overview, label and value."""
    return [
        ("Forecasts", str(stats["forecasts"])),
        ("Active", str(stats["active"])),
        ("Final", str(stats["final"])),
        ("Overdue", str(stats["overdue"])),
        ("Due for review", str(stats["due_for_review"])),
        # As `tracker stats` counts it: every piece, the retracted ones among them.
        ("Evidence", str(stats["evidence"]) + (f" ({stats['evidence_retracted']} retracted)"
                                               if stats["evidence_retracted"] else "")),
    ]


def scope_words(filters) -> str:
    """Which forecasts a report covers, from the filters of `tracker list` that chose them."""
    parts = []
    if filters.statuses:
        parts.append("status " + " or ".join(filters.statuses))
    if filters.final is not None:
        parts.append("final" if filters.final else "active")
    if filters.tags:
        parts.append(("tags " if len(filters.tags) > 1 else "tag ") + " and ".join(filters.tags))
    if filters.source:
        parts.append(f"source containing “{filters.source}”")
    if filters.search:
        parts.append(f"text containing “{filters.search}”")
    if filters.actor:
        parts.append(f"changed or created by {filters.actor}")
    if filters.due:
        parts.append("due for review")
    if filters.overdue:
        parts.append("overdue")
    return "Forecasts with " + "; ".join(parts) if parts else "Every forecast in the ledger"


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


def timeline(forecast: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The forecast's story, oldest first, as its events are read: each entry's time, actor,
    headline, note, and evidence."""
    evidence = {item["id"]: item for item in forecast["evidence"]}
    for event in forecast["events"]:
        yield {
            "at": local_time(event["at"]),
            "actor": event["actor"],
            "kind": event["kind"],
            "headline": headline(event),
            "note": event.get("note"),
            "id": event.get("id"),
            "evidence": evidence.get(event.get("evidence_id")) if event["kind"] == "evidence_added" else None,
        }


def headline(event: dict[str, Any]) -> str:
    """The event as `history` words it, as a sentence; its note is shown apart."""
    text = describe_event(event, note=False)
    return text[:1].upper() + text[1:]


def evidence_line(item: dict[str, Any]) -> str:
    """Stance and date of a piece of evidence, to stand beside its summary."""
    text = f"{item['stance']}, observed {plain(item['observed_on'])}"
    if item["retracted_at"]:
        text += f"; retracted by {item['retracted_by']}: {item['retraction_reason']}"
    return text


def days(count: int) -> str:
    return f"{count} day{'s' * (count != 1)}"


def attention_lists(attention: dict[str, Any]) -> list[tuple[str, dict[str, Any], Any]]:
    """The lists of what needs attention: title, the list (`count`, `items`), and the words of an item."""
    today = attention["today"]

    def overdue(entry: dict[str, Any]) -> str:
        return f"{entry['status']}, resolve by {entry['resolve_by']}: {days((today - entry['resolve_by']).days)} overdue"

    def due(entry: dict[str, Any]) -> str:
        waiting = (today - entry["next_review_on"]).days
        return (f"{entry['status']}, review due {entry['next_review_on']}"
                + (f" ({days(waiting)} ago)" if waiting else " (today)"))

    def stale(entry: dict[str, Any]) -> str:
        last = entry["last_evidence"]
        return f"{entry['status']}, " + (f"last evidence {local_time(last)}" if last else "no evidence yet")

    return [
        ("Overdue", attention["overdue"], overdue),
        ("Reviews due", attention["due"], due),
        (f"No new evidence for {days(attention['stale_days'])}", attention["stale"], stale),
    ]
