"""Events in words: the one way an event of a timeline reads, wherever it is shown."""

from typing import Any

from tracker.cli.output import plain
from tracker.probability import as_percent


def describe_event(event: dict[str, Any], *, note: bool = True) -> str:
    """What one event did, in a line: `history`, `undo` and the report all read events through this.
    With `note`, the event's note follows."""
    kind = event["kind"]
    if kind == "created":
        probability = (event.get("new") or {}).get("probability")
        text = "created" + (f" at {as_percent(probability)}" if probability is not None else "")
    elif kind == "status_changed":
        text = f"status {event['from']} → {event['to']}"
        if event.get("new"):
            text += f" ({event['new']})"
        text += citing(event)
    elif kind == "edited":
        text = change_text(event["field"], event["old"], event["new"]) + citing(event)
    elif kind in ("evidence_added", "evidence_retracted"):
        text = f"evidence #{event['evidence_id']} {kind.removeprefix('evidence_')}"
    elif kind == "evidence_edited":
        text = f"evidence #{event['evidence_id']} edited: {fields_text(event['old'], event['new'])}"
    elif kind == "reviewed":
        text = f"reviewed; next review on {event['new']}"
    elif kind == "snoozed":
        text = f"review snoozed from {event['old']} to {event['new']}"
    elif kind == "estimate":
        text = f"estimate {describe_estimate(event['new'])}" + citing(event)
    elif kind == "undone":
        text = "undo: " + describe_undo(event)
    else:
        text = kind.replace("_", " ")
    if note and event.get("note"):
        text += f": {event['note']}"
    return text


def citing(event: dict[str, Any]) -> str:
    """The evidence an event rests on, as " citing #1, #2" (nothing when none)."""
    cited = event.get("evidence_ids")
    return " citing " + ", ".join(f"#{n}" for n in cited) if cited else ""


def change_text(field: str, old: Any, new: Any) -> str:
    if field == "source":
        return f"source: {describe_source(old) if old else '-'} → {describe_source(new) if new else '-'}"
    show = as_percent if field == "probability" else plain
    return f"{field}: {show(old)} → {show(new)}"


def fields_text(old: dict[str, Any], new: dict[str, Any]) -> str:
    """The fields an edit of evidence changed, each from → to."""
    return ", ".join(change_text(name, old.get(name), new.get(name)) for name in new)


def describe_source(source: dict[str, Any]) -> str:
    # A source known only by its author or outlet takes that as its title: it is said once.
    parts = [source["title"]] + [source[k] for k in ("author", "outlet") if source[k] and source[k] != source["title"]]
    text = ", ".join(parts)
    if source["published_on"]:
        text += f" ({source['published_on']})"
    if source["url"]:
        text += f" <{source['url']}>"
    return text


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
    if taken_back == "evidence_edited":
        return f"evidence #{event['evidence_id']} put back: {fields_text(event['old'], event['new'])}"
    return change_text(taken_back, event["old"], event["new"])


def describe_estimate(value: float | dict[str, float] | None) -> str:
    """A probability, or a probability per option."""
    if isinstance(value, dict):
        return ", ".join(f"{option} {as_percent(p)}" for option, p in value.items())
    return as_percent(value)
