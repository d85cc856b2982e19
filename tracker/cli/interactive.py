"""`tracker review --interactive`: one sitting through the review queue, a forecast at a time.

Each forecast is shown with its latest evidence, then one key says what to do. Every action
is its own transaction, committed as soon as it is taken, so quitting (q, Ctrl-C, Ctrl-D)
loses nothing and the next sitting resumes with what is left. Skipped forecasts stay due;
they are only passed over for the rest of this sitting.
"""

import os
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

import click

from tracker.cli import tables
from tracker.cli.context import Ledger
from tracker.cli.output import message, visible
from tracker.cli.params import DATE, PROBABILITY_OR_NONE, ParsedType
from tracker.cli.review import snoozed_message
from tracker.dates import parse_date
from tracker.errors import InvalidInput, TrackerError
from tracker.fields import STANCES
from tracker.probability import as_percent
from tracker.statuses import STATUSES, is_final

KEYS = {"r": "reviewed", "s": "status", "p": "probability", "e": "evidence", "z": "snooze", "n": "skip",
        "q": "quit"}
MENU = "  ".join(f"[{key}] {name}" for key, name in KEYS.items())
SHOWN_EVIDENCE = 3


class Quit(Exception):
    """The user asked to end the sitting."""


def review_sitting(ledger: Ledger) -> None:
    """Walk the queue until it is empty or the user quits."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise click.ClickException("review --interactive needs a terminal; in scripts use "
                                   "`tracker review` to list and `tracker review ID` to mark one reviewed.")
    from tracker.services.reviews import next_for_review

    skipped: list[int] = []
    # Reviewed or snoozed in this sitting: an overdue forecast stays due until it is settled,
    # so it is not shown again until the next sitting.
    handled: list[int] = []
    done: Counter[str] = Counter()
    finished = False
    try:
        while True:
            with ledger.session(write=False) as session:
                entry, left = next_for_review(session, tuple(skipped + handled))
            if entry is None:
                finished = True
                break
            click.echo(describe(entry, left))
            key = ask_key()
            if key == "n":
                skipped.append(entry["id"])
                done["skipped"] += 1
                continue
            try:
                action = act(ledger, entry, key)
                done[action] += 1
                if action in ("reviewed", "snoozed"):
                    handled.append(entry["id"])
            except TrackerError as exc:
                message(f"Error: {exc}")
    except (Quit, KeyboardInterrupt):
        # Ctrl-C between two keys: the action under way, if any, was rolled back whole.
        pass
    click.echo()
    summary = ", ".join(f"{name} {count}" for name, count in done.items() if count) or "nothing done"
    message(f"Review sitting over: {summary}. " + ("Nothing more is due." if finished and not skipped
                                                   else "Run it again to go on with what is left."))


def describe(entry: dict[str, Any], left: int) -> str:
    """The forecast as a reviewer needs it: claim, criteria, state, what changed, latest evidence."""
    deadline = tables.plain(entry["resolve_by"]) + (" (passed)" if entry["deadline_passed"] else "")
    lines = [
        "",
        click.style(visible(f"Forecast {entry['id']}  {entry['key']}"), bold=True) + f"   ({left} due)",
        tables.field_line("Claim", entry["claim"]),
        tables.field_line("Criteria", entry["criteria"] or "-"),
        tables.field_line("Status", f"{entry['status']}    Probability: {as_percent(entry['probability'])}"
                                    f"    Resolve by: {deadline}"),
        tables.field_line("Review", f"due {entry['next_review_on']}; last review {tables.last_review(entry)}"),
        tables.field_line("Changed", f"since last review: {tables.changes_since_review(entry)}"),
        f"Evidence ({len(entry['latest_evidence'])} standing)",
    ]
    shown = entry["latest_evidence"][:SHOWN_EVIDENCE]
    lines.append(tables.indent(tables.evidence_rows(shown)) if shown else "  none yet")
    return "\n".join(lines)


def ask_key() -> str:
    """Read one key press; Ctrl-C and Ctrl-D end the sitting, other keys ask again."""
    with click.termui.raw_terminal() as fd:
        # Raw mode drops keys typed before it starts, so the menu is written only once it has:
        # a key pressed as soon as the menu shows is never lost.
        ask = MENU + " ? "
        while True:
            click.echo(ask, nl=False)
            sys.stdout.flush()
            key = os.read(fd, 32).decode("utf-8", "replace")[:1].lower() if fd >= 0 else click.getchar()
            if key in ("\x03", "\x04"):
                key = "q"
            if key in KEYS:
                break
            ask = "\r\n" + MENU + " ? "  # the terminal is raw: no newline translation
    click.echo(KEYS[key])
    if key == "q":
        raise Quit
    return key


def prompt(text: str, **options) -> Any:
    """Ask for one value; Ctrl-C or Ctrl-D end the sitting."""
    try:
        return click.prompt(text, **options)
    except click.Abort:
        raise Quit from None


def checked(clean: Callable[[str], Any]) -> Callable[[str], Any]:
    """A prompt's value_proc from a service's check: what it refuses is asked again, with why."""
    def value_proc(text: str) -> Any:
        try:
            return clean(text)
        except InvalidInput as exc:
            raise click.BadParameter(str(exc)) from None
    return value_proc


def evidence_ids(text: str) -> tuple[int, ...]:
    """Evidence ids as typed at a prompt: none, or numbers separated by spaces or commas."""
    words = text.replace(",", " ").split()
    if not all(word.isdigit() and int(word) > 0 for word in words):
        raise click.BadParameter(f"{text!r} is not a list of evidence ids; give numbers such as 3 5, or nothing.")
    return tuple(int(word) for word in words)


def observed(text: str):
    """The day evidence was observed: a date (or `today`, `-3d`), not in the future."""
    from tracker.services.evidence import check_observed_on

    return check_observed_on(parse_date(text))


OBSERVED_ON = ParsedType("date", observed)


def act(ledger: Ledger, entry: dict[str, Any], key: str) -> str:
    """Carry out one action in its own transaction; return what was done."""
    from tracker.services import evidence, forecasts, reviews
    from tracker.services.forecasts import clean_text

    ref, actor = str(entry["id"]), ledger.actor
    if key == "r":
        with ledger.session(write=True) as session:
            next_review = reviews.review_forecast(session, ref, actor).next_review_on
        message(f"Reviewed forecast {ref}; next review on {next_review}.")
        return "reviewed"
    if key == "s":
        status = prompt("New status", type=click.Choice(STATUSES))
        note = prompt("Note (why)", default="", show_default=False)
        changes = forecasts.ForecastChanges(status=status, note=note or None)
        with ledger.session(write=True) as session:
            forecasts.update_forecast(session, ref, actor, changes)
        message(f"Forecast {ref} is now {status}; " + ("settled, it leaves the queue." if is_final(status) else
                                                       "it stays in the queue until marked reviewed (r)."))
        return "status changed"
    if key == "p":
        probability = prompt("New probability (or none)", type=PROBABILITY_OR_NONE)
        note = prompt("Why (note)", default="", show_default=False)
        cited = prompt("Evidence it rests on (ids, optional)", default="", show_default=False,
                       value_proc=evidence_ids)
        changes = forecasts.ForecastChanges(edits={"probability": probability}, note=note or None, evidence_ids=cited)
        with ledger.session(write=True) as session:
            forecasts.update_forecast(session, ref, actor, changes)
        message(f"Forecast {ref} now has probability {as_percent(probability)}; "
                "it stays in the queue until marked reviewed (r).")
        return "probability changed"
    if key == "e":
        # Each answer is checked as it is given, so a wrong one is asked again alone and
        # nothing typed before it is lost.
        summary = prompt("Evidence summary", value_proc=checked(lambda text: clean_text(text, "evidence summary",
                                                                                      required=True)))
        stance = prompt("Stance", type=click.Choice(STANCES), default="context")
        url = prompt("URL (optional)", default="", show_default=False, value_proc=checked(evidence.clean_url))
        observed_on = prompt("Observed on", default="today", type=OBSERVED_ON)
        with ledger.session(write=True) as session:
            added = evidence.add_evidence(session, ref, actor, summary, url=url or None, stance=stance,
                                          observed_on=observed_on).id
        message(f"Added evidence {added} to forecast {ref}.")
        return "evidence added"
    until = prompt("Snooze until", type=DATE)
    with ledger.session(write=True) as session:
        _, before = reviews.snooze_forecast(session, ref, actor, until)
    message(snoozed_message(int(ref), until, before) if before else f"Forecast {ref} is already due on {until}.")
    return "snoozed"
