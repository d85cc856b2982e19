"""Generate a realistic ledger of any size, fast, for the benchmark.

The ledger is created at head by `tracker db upgrade`, then filled directly with sqlite3
`executemany` with what tracker itself would have written had its users run the commands
simulated here: each command (add, update, evidence add, evidence retract, review, snooze,
delete) is one change, whose events record the values they found, so replaying a timeline
gives the row as it stands and `tracker doctor` finds nothing to report. Each forecast's
search text is folded by tracker's own function, so search finds in it what tracker would.

What makes it realistic: ten years of forecasts entered in date order; statuses skewed by
age (old forecasts are mostly settled, recent ones mostly open); outcomes that follow the
stated probabilities; a few thousand sources and a few hundred tags used with a long tail;
evidence counts from none to hundreds per forecast (three a forecast on average); claims
drawn from a vocabulary with a long tail, so some words are common and most are rare.

    python bench/generate.py LEDGER.db --size 100000

The same seed, day and time zone give the same ledger: dates a command takes from the
calendar (a review's next date, a snooze's earliest) are local dates, as tracker's are.
Indexes and triggers are dropped while loading and made again afterwards from the schema's
own SQL, and full-text tables are rebuilt, so the loaded ledger is exactly what tracker
would have: only faster to make.
"""

import argparse
import datetime as dt
import json
import math
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tracker.storage.folding import search_text

GENERATOR_VERSION = 3
YEARS = 10
EVIDENCE_PER_FORECAST = 3.0
CHUNK = 20_000

ACTIVE = ("open", "developing", "stalled")
FINAL = ("confirmed", "partial", "refuted", "void")

WORDS = """
agreement alliance approval army attack auction bailout ballot bank blackout blockade bond border
budget cabinet campaign candidate cap capital carbon ceasefire census central chip climate coal
coalition collapse commission congress constitution contract convention corruption council coup
court crisis currency cyber debt default deficit demand deployment devaluation diplomacy disarmament
drought earnings economy election embargo emissions energy exports famine federal finance fiscal
flood forecast gas government grain growth harvest health housing impeachment imports index inflation
interest invasion investment jobs judge junta labour launch law leader lending loan lockdown majority
manifesto market merger migration military minister mission monopoly mortgage nuclear offensive oil
opposition outbreak output parliament party pension pipeline policy poll power president price
primary privatisation protest rally rates recession referendum reform refugee regulation rent
reserves resignation revenue riot sanctions satellite scandal security senate settlement shortage
shutdown siege spending stimulus strike subsidy summit supply surplus tariff tax technology
treaty truce unemployment union vaccine veto vote wage war wheat yield
""".split()
RARE_WORDS = [f"{a}{b}" for a in ("ab", "ke", "lo", "mi", "or", "pra", "sta", "ve", "zu", "tri")
              for b in ("nova", "dale", "mark", "ston", "vik", "grad", "ford", "mere", "holm", "bury",
                        "wick", "field", "port", "lund", "berg", "stad", "minde", "ness", "haven", "by")]
PLACES = """
Anchorage Ankara Athens Bangkok Beijing Berlin Brasilia Brussels Budapest Cairo Canberra Caracas
Delhi Doha Geneva Jakarta Kyiv Lagos Lima London Madrid Manila Mexico Moscow Nairobi Ottawa Paris
Pretoria Riyadh Rome Santiago Seoul Singapore Stockholm Taipei Tehran Tokyo Warsaw Washington
""".split()
VERBS = ("will", "will not", "is likely to", "is unlikely to", "will fail to", "will quickly")
ACTIONS = ("sign", "announce", "reach", "lose", "win", "approve", "reject", "cut", "raise", "end",
           "start", "hold", "call", "pass", "block", "default on", "recover from", "collapse under")
TOPICS = """
economy elections energy climate health security trade technology finance labour housing migration
defence diplomacy courts media sport science space agriculture transport
""".split()
REGIONS = "us eu uk china russia india brazil africa mideast asia latam global".split()
FIRST = "Ana Ben Chloe Dmitri Elena Farid Grace Hiro Ines Jonas Kofi Lena Marco Nadia Omar Priya Quinn Rosa Sven Tara".split()
LAST = "Adams Berg Costa Dubois Eriksen Fischer Garcia Haddad Ito Jensen Kowalski Laine Moreau Novak Okafor Petrov".split()
OUTLETS = [f"The {p} {k}" for p in ("Daily", "Weekly", "Evening", "Morning", "Global", "National")
           for k in ("Herald", "Post", "Review", "Standard", "Courier", "Ledger", "Observer", "Times", "Tribune")]
ACTORS = ["ana", "ben", "chloe", "dmitri", "elena", "farid", "grace", "hiro", "ines", "jonas", "kofi", "lena",
          "marco", "nadia", "omar", "priya", "quinn", "rosa", "sven", "tara"]
STANCES = ("supports", "contradicts", "context")
REVIEW_EVERY = (30, 7, 14, 60, 90, 365)
REVIEW_WEIGHTS = (60, 5, 10, 5, 15, 5)
UTC = dt.timezone.utc


def zipf_weights(n: int, s: float = 1.1) -> list[float]:
    """Cumulative weights of a Zipf law over n items: the first few are used most."""
    total, cumulative = 0.0, []
    for rank in range(1, n + 1):
        total += 1 / rank**s
        cumulative.append(total)
    return cumulative


def stamp(moment: dt.datetime) -> str:
    """A UTC moment (kept naive here) as tracker stores timestamps in SQLite."""
    return moment.isoformat(" ", "microseconds")


def local_day(moment: dt.datetime) -> dt.date:
    """The date a command run at this UTC moment takes for today (tracker's `dates.today()`
    reads the local calendar), in the zone the generator runs in."""
    return moment.replace(tzinfo=UTC).astimezone().date()


def local_midnight(day: dt.date) -> dt.datetime:
    """The UTC moment (naive) at which the local `day` begins."""
    return dt.datetime.combine(day, dt.time()).astimezone().astimezone(UTC).replace(tzinfo=None)


def encode(value) -> str:
    """Event values as tracker encodes them (services/records.encode_value)."""
    return json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)


def encode_day(day: dt.date) -> str:
    """`encode` of a date, without json's overhead: reviews write millions of them."""
    return f'"{day.isoformat()}"'


class Ledger:
    """Generates rows for forecasts 1..size in the order they were added, a chunk at a time.

    Each forecast's life is planned first, as the commands its users ran and when (adding it,
    editing it, adding and retracting evidence, moving its status, reviewing, snoozing,
    deleting it); then those commands are played in the order of their moments against the
    forecast as it stands, with the same rules tracker applies. So every event records the
    values it actually found, each command is one change, and the row is what the events make.
    """

    def __init__(self, size: int, seed: int, today: dt.date) -> None:
        self.size = size
        self.rng = random.Random(seed)
        self.today = today
        self.start = today - dt.timedelta(days=365 * YEARS)
        # Every command ran before today began; none is in the future of whoever opens the ledger.
        self.end = local_midnight(today) - dt.timedelta(seconds=1)
        # Forecast n is added within the n-th slot of the ten years: ids follow the order of
        # adding, as the ids tracker gives do.
        self.first = local_midnight(self.start)
        self.slot = (self.end - dt.timedelta(hours=1) - self.first) / size
        self.vocabulary = WORDS + RARE_WORDS + [p.lower() for p in PLACES]
        self.rng.shuffle(self.vocabulary)
        self.word_weights = zipf_weights(len(self.vocabulary), 0.9)
        self.tags = [f"{region}-{topic}" for region in REGIONS for topic in TOPICS] + TOPICS
        self.rng.shuffle(self.tags)
        self.tag_weights = zipf_weights(len(self.tags), 1.05)
        self.source_count = max(10, min(5000, size // 200))
        self.source_weights = zipf_weights(self.source_count, 0.9)
        self.actor_weights = zipf_weights(len(ACTORS), 1.2)
        self.evidence_id = 0
        self.event_id = 0
        self.change_id = 0

    def choose(self, items, cumulative, k=1):
        return self.rng.choices(items, cum_weights=cumulative, k=k)

    def someone(self) -> str:
        return self.choose(ACTORS, self.actor_weights)[0]

    def owner_or_someone(self, owner: str) -> str:
        """Who runs a command on a forecast: mostly whoever added it."""
        return owner if self.rng.random() < 0.8 else self.someone()

    def sources(self) -> list[tuple]:
        rng, rows = self.rng, []
        for number in range(1, self.source_count + 1):
            author = f"{rng.choice(FIRST)} {rng.choice(LAST)}" if rng.random() < 0.85 else None
            published = self.start + dt.timedelta(days=rng.randrange(365 * YEARS)) if rng.random() < 0.7 else None
            rows.append((number, f"{rng.choice(PLACES)} {rng.choice(TOPICS)} column #{number}", author,
                         rng.choice(OUTLETS) if rng.random() < 0.9 else None,
                         f"https://example.org/sources/{number}" if rng.random() < 0.6 else None,
                         published.isoformat() if published else None, None))
        return rows

    def sentence(self, low: int, high: int) -> str:
        words = self.choose(self.vocabulary, self.word_weights, self.rng.randint(low, high))
        return " ".join(words)

    def claim(self) -> str:
        rng = self.rng
        subject = rng.choice(PLACES) if rng.random() < 0.6 else f"The {rng.choice(WORDS)} {rng.choice(('bloc', 'board', 'party', 'court', 'union'))}"
        return (f"{subject} {rng.choice(VERBS)} {rng.choice(ACTIONS)} the {self.sentence(2, 5)} "
                f"before {rng.choice(('spring', 'summer', 'autumn', 'winter', 'year end'))}, "
                f"as {self.sentence(6, 14)}.")

    def probability(self) -> float | None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.15:
            return None
        if roll < 0.75:
            return rng.randint(1, 19) / 20
        return round(rng.uniform(0.01, 0.99), 2)

    def evidence_count(self) -> int:
        rng = self.rng
        roll = rng.random()
        if roll < 0.003:
            return rng.randint(20, 150)
        if roll < 0.25:
            return 0
        mean = (EVIDENCE_PER_FORECAST - 0.003 * 85) / 0.747
        return 1 + int(math.log(1 - rng.random()) / math.log(1 - 1 / mean))

    def days_before_entry(self) -> int:
        """How long before it was entered a forecast was made: mostly the same day, sometimes
        days or weeks (an article read late)."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.6:
            return 0
        return rng.randint(1, 3) if roll < 0.9 else rng.randint(4, 30)

    def moment(self, after: dt.datetime, before: dt.datetime) -> dt.datetime:
        """A random moment between two others (or `after` when there is no room). One draw
        whatever the room, so the draws that follow do not depend on it."""
        fraction = self.rng.random()
        return after + (before - after) * fraction if before > after else after

    def forecast(self, forecast_id: int, out: dict[str, list]) -> None:
        """Append one forecast and everything that made it to `out`: its changes, events,
        evidence, citations and tags."""
        rng = self.rng
        created_at = self.first + self.slot * (forecast_id - 1 + rng.random())
        owner = self.someone()
        made_on = local_day(created_at) - dt.timedelta(days=self.days_before_entry())
        horizon = rng.choice((30, 90, 180, 365, 365, 730, 1095)) if rng.random() < 0.75 else None
        resolve_by = made_on + dt.timedelta(days=horizon) if horizon else None
        probability = self.probability()
        review_every = rng.choices(REVIEW_EVERY, weights=REVIEW_WEIGHTS)[0]
        tags = sorted(set(self.choose(self.tags, self.tag_weights, rng.choice((0, 1, 1, 2, 2, 3, 4)))))
        claim = self.claim()
        criteria = f"Confirmed if {self.sentence(8, 20)}." if rng.random() < 0.6 else None
        key = f"f{forecast_id}-" + "-".join(claim.lower().split()[:3]).strip(".,")
        source_id = self.choose(range(1, self.source_count + 1), self.source_weights)[0] if rng.random() < 0.7 else None

        # How it ends: old forecasts and those past their deadline are mostly settled, around
        # the deadline (or at some earlier moment, where that would be after today). Measured
        # from moments, not local dates, so the draws are the same in every time zone.
        age = (self.end - created_at).days
        deadline = created_at + dt.timedelta(days=horizon) if horizon else None
        settled = rng.random() < (0.85 if deadline and deadline < self.end else min(0.6, age / 3650 + 0.05))
        if settled:
            if probability is not None and rng.random() < 0.8:
                status = "confirmed" if rng.random() < probability else "refuted"
            else:
                status = rng.choices(FINAL, weights=(35, 12, 45, 8))[0]
            ends = (deadline or created_at + dt.timedelta(days=365)) + dt.timedelta(days=rng.randint(-20, 60))
            if ends >= self.end:
                ends = self.moment(created_at, self.end)
            ends = max(ends, created_at + dt.timedelta(seconds=60))
        else:
            status = rng.choices(ACTIVE, weights=(55, 25, 20))[0]
            ends = self.end

        # The plan: each command as [at, actor, command name, actions], an action being what
        # one event will record once the state it meets is known.
        commands: list[list] = []
        first_probability, first_tags, update = probability, tags, None
        if probability is not None and rng.random() < 0.15:
            first_probability = rng.randint(1, 19) / 20
            if first_probability != probability:
                update = [self.moment(created_at, ends), self.owner_or_someone(owner), "update",
                          [("edited", "probability", probability)]]
                commands.append(update)
        if tags and rng.random() < 0.05:
            first_tags = tags[:-1]
            retag = ("edited", "tags", tags)
            if update is not None and rng.random() < 0.3:
                update[3].append(retag)  # one `update --probability P --tag T`: two events, one change
            else:
                commands.append([self.moment(created_at, ends), self.owner_or_someone(owner), "update", [retag]])

        for number in range(self.evidence_count()):
            added_at = self.moment(created_at, ends)
            adder = owner if rng.random() < 0.7 else self.someone()
            commands.append([added_at, adder, "evidence add",
                             [("evidence_added", number, f"Reported: {self.sentence(6, 16)}", rng.random() < 0.6,
                               rng.choices(STANCES, weights=(40, 30, 30))[0], rng.randint(0, 10))]])
            if rng.random() < 0.03:
                retractor = adder if rng.random() < 0.6 else owner
                commands.append([self.moment(added_at, self.end), retractor, "evidence retract",
                                 [("evidence_retracted", number, "misreported")]])

        # Status moves: straight to the end, or through developing or stalled first.
        path = []
        if status == "developing" or status == "stalled":
            path = [status]
        elif status in FINAL:
            path = ([rng.choice(("developing", "stalled"))] if rng.random() < 0.4 else []) + [status]
        if status in FINAL:
            moments = sorted(self.moment(created_at, ends) for _ in path[:-1]) + [ends]
        else:
            moments = [self.moment(created_at, ends) for _ in path]
        for to_status, at in zip(path, moments):
            citing = rng.randint(1, 2) if rng.random() < 0.3 else 0
            note = f"because {self.sentence(4, 10)}" if rng.random() < 0.5 else None
            commands.append([at, self.owner_or_someone(owner), "update", [("status_changed", to_status, note, citing)]])

        # Reviews while it is unsettled, and the odd snooze.
        reviews = min(12, int((ends - created_at).days / review_every * rng.uniform(0, 0.5)))
        for _ in range(reviews):
            commands.append([self.moment(created_at, ends), self.owner_or_someone(owner), "review", [("reviewed",)]])
        if rng.random() < 0.03:
            commands.append([self.moment(created_at, ends), self.owner_or_someone(owner), "snooze",
                             [("snoozed", rng.randint(7, 60), "waiting for news")]])
        if rng.random() < 0.005:
            last = max((command[0] for command in commands), default=created_at)
            commands.append([self.moment(last, self.end), self.owner_or_someone(owner), "delete",
                             [("deleted", "entered twice")]])
        # Stable: a command planned at the very moment of another still follows it.
        commands.sort(key=lambda command: command[0])

        # The play: each command against the forecast as it stands, as tracker would run it.
        next_review_on = local_day(created_at) + dt.timedelta(days=review_every)
        created = {"claim": claim, "criteria": criteria, "key": key, "made_on": made_on.isoformat(),
                   "next_review_on": next_review_on.isoformat(), "probability": first_probability,
                   "resolve_by": resolve_by.isoformat() if resolve_by else None, "review_every": review_every,
                   "status": "open", "tags": first_tags}
        state = {"probability": first_probability, "tags": first_tags}
        current, deleted_at = "open", None
        evidence: list[list] = []
        planned: dict[int, list] = {}  # the plan's evidence numbers -> their rows
        events_out, citations_out = out["events"], out["event_citations"]
        version = 0
        for at, actor, command, actions in [[created_at, owner, "add", [("created",)]], *commands]:
            when = stamp(at)
            events = []  # (kind, field, old, new, from, to, note, evidence_id, cited)
            for action in actions:
                kind = action[0]
                if kind == "created":
                    events.append((kind, None, None, encode(created), None, None, None, None, ()))
                elif kind == "edited":
                    _, name, value = action
                    events.append((kind, name, encode(state[name]), encode(value), None, None, None, None, ()))
                    state[name] = value
                elif kind == "status_changed":
                    _, to_status, note, citing = action
                    standing = [row[0] for row in evidence if row[8] is None]
                    cited = tuple(sorted(rng.sample(standing, min(len(standing), citing)))) \
                        if standing and citing else ()
                    events.append((kind, None, None, None, current, to_status, note, None, cited))
                    current = to_status
                elif kind == "evidence_added":
                    _, number, summary, has_url, stance, days_before = action
                    self.evidence_id += 1
                    # Something that has happened, since the forecast was made.
                    observed_on = max(made_on, local_day(at) - dt.timedelta(days=days_before))
                    row = [self.evidence_id, forecast_id, summary,
                           f"https://news.example.org/{forecast_id}/{self.evidence_id}" if has_url else None,
                           observed_on.isoformat(), stance, when, actor, None, None, None]
                    evidence.append(row)
                    planned[number] = row
                    events.append((kind, None, None, None, None, None, None, self.evidence_id, ()))
                elif kind == "evidence_retracted":
                    _, number, reason = action
                    row = planned[number]
                    row[8:11] = when, actor, reason
                    events.append((kind, None, None, None, None, None, reason, row[0], ()))
                elif kind == "deleted":
                    events.append((kind, None, None, None, None, None, action[1], None, ()))
                    deleted_at = when
                elif current in FINAL:
                    continue  # review and snooze refuse a settled forecast; none is planned, but a tie could
                elif kind == "reviewed":
                    after = local_day(at) + dt.timedelta(days=review_every)
                    events.append((kind, "next_review_on", encode_day(next_review_on), encode_day(after),
                                   None, None, None, None, ()))
                    next_review_on = after
                elif kind == "snoozed":
                    _, days, note = action
                    # `snooze` takes today or later, and a date that differs from the one set.
                    later = max(next_review_on, local_day(at)) + dt.timedelta(days=days)
                    events.append((kind, "next_review_on", encode_day(next_review_on), encode_day(later),
                                   None, None, note, None, ()))
                    next_review_on = later
            if not events:
                continue
            self.change_id += 1
            out["changes"].append((self.change_id, actor, when, command, None, None))
            for kind, name, old, new, from_status, to_status, note, evidence_id, cited in events:
                self.event_id += 1
                version += 1
                events_out.append((self.event_id, forecast_id, self.change_id, version, version - 1 or None, when,
                                   actor, kind, name, old, new, from_status, to_status, note, evidence_id))
                citations_out += [(self.event_id, cited_id) for cited_id in cited]
            updated_at = when
        out["forecasts"].append((forecast_id, key, claim, criteria, source_id, made_on.isoformat(),
                                 resolve_by.isoformat() if resolve_by else None, state["probability"], current,
                                 review_every, next_review_on.isoformat(), stamp(created_at), updated_at, version,
                                 deleted_at, search_text(claim, criteria, key)))
        out["forecast_tags"] += [(forecast_id, tag) for tag in state["tags"]]
        out["evidence"] += evidence


COLUMNS = {
    "sources": "id, title, author, outlet, url, published_on, notes",
    "forecasts": "id, key, claim, criteria, source_id, made_on, resolve_by, probability, status, review_every, "
                 "next_review_on, created_at, updated_at, version, deleted_at, search_text",
    "forecast_tags": "forecast_id, tag",
    "evidence": "id, forecast_id, summary, url, observed_on, stance, added_at, added_by, retracted_at, "
                "retracted_by, retraction_reason",
    "changes": "id, actor, at, command, note, undoes",
    "events": "id, forecast_id, change_id, version, previous_version, at, actor, kind, field, old_value, new_value, "
              "from_status, to_status, note, evidence_id",
    "event_citations": "event_id, evidence_id",
}


def insert(conn: sqlite3.Connection, table: str, rows: list[tuple]) -> None:
    if rows:
        marks = ", ".join("?" * len(rows[0]))
        conn.executemany(f"INSERT INTO {table} ({COLUMNS[table]}) VALUES ({marks})", rows)


def create_at_head(path: Path, tracker: list[str]) -> None:
    """A new, empty ledger made by tracker itself, so its schema is exactly head."""
    done = subprocess.run([*tracker, "--db", str(path), "db", "upgrade"], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"`tracker db upgrade` failed: {done.stderr.strip()}")


def generate(path: Path, size: int, *, seed: int = 8, tracker: list[str] | None = None,
             today: dt.date | None = None, say=print) -> dict:
    """Write a ledger of `size` forecasts to `path` (which must not exist); return what it holds."""
    if path.exists():
        raise FileExistsError(path)
    began = time.perf_counter()
    create_at_head(path, tracker or [sys.executable, "-m", "tracker"])
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1000000")
    conn.execute("PRAGMA temp_store = MEMORY")
    schema = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
                          "AND sql IS NOT NULL").fetchall()
    for kind, name, _ in schema:
        conn.execute(f'DROP {kind.upper()} "{name}"')
    ledger = Ledger(size, seed, today or dt.date.today())
    conn.execute("BEGIN")
    insert(conn, "sources", ledger.sources())
    for first in range(1, size + 1, CHUNK):
        out = {table: [] for table in COLUMNS}
        for forecast_id in range(first, min(first + CHUNK, size + 1)):
            ledger.forecast(forecast_id, out)
        for table in ("forecasts", "forecast_tags", "evidence", "changes", "events", "event_citations"):
            insert(conn, table, out[table])
        say(f"  {min(first + CHUNK - 1, size):>9,} forecasts  ({time.perf_counter() - began:.0f} s)")
    conn.execute("COMMIT")
    say(f"  indexing ({time.perf_counter() - began:.0f} s)")
    for kind, name, sql in schema:
        if kind == "index":
            conn.execute(sql)
    search_tables = [name for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
                     if sql and sql.upper().startswith("CREATE VIRTUAL TABLE") and "FTS5" in sql.upper()]
    for name in search_tables:
        say(f"  rebuilding {name} ({time.perf_counter() - began:.0f} s)")
        conn.execute(f'INSERT INTO "{name}"("{name}") VALUES (\'rebuild\')')
    for kind, name, sql in schema:
        if kind == "trigger":
            conn.execute(sql)
    conn.execute("PRAGMA journal_mode = WAL")
    counts = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in COLUMNS}
    conn.close()
    say(f"  done in {time.perf_counter() - began:.0f} s: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()))
    return counts


def lengthen(path: Path, forecast_id: int, reviews: int, *, actor: str = "Ana Adams") -> int:
    """Append `reviews` reviews, each its own change, to the active forecast `forecast_id` of
    the ledger at `path`, between its last event and now, as `tracker review ID` would have
    written them: a timeline as long as a heavy user's. Returns the forecast's new version."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        (status, review_every, next_review_on, version), = conn.execute(
            "SELECT status, review_every, next_review_on, version FROM forecasts WHERE id = ?", (forecast_id,))
        if status in FINAL:
            raise ValueError(f"forecast {forecast_id} is {status}; only an active forecast is reviewed")
        last = dt.datetime.fromisoformat(conn.execute("SELECT max(at) FROM events WHERE forecast_id = ?",
                                                      (forecast_id,)).fetchone()[0])
        step = (dt.datetime.now(UTC).replace(tzinfo=None) - dt.timedelta(minutes=1) - last) / (reviews + 1)
        change_id, event_id = (conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
                               for table in ("changes", "events"))
        due = dt.date.fromisoformat(next_review_on)
        changes, events = [], []
        for number in range(1, reviews + 1):
            at = last + step * number
            after = local_day(at) + dt.timedelta(days=review_every)
            change_id, event_id, version = change_id + 1, event_id + 1, version + 1
            changes.append((change_id, actor, stamp(at), "review", None, None))
            events.append((event_id, forecast_id, change_id, version, version - 1, stamp(at), actor, "reviewed",
                           "next_review_on", encode_day(due), encode_day(after), None, None, None, None))
            due = after
        conn.execute("BEGIN")
        insert(conn, "changes", changes)
        insert(conn, "events", events)
        conn.execute("UPDATE forecasts SET next_review_on = ?, updated_at = ?, version = ? WHERE id = ?",
                     (due.isoformat(), events[-1][5], version, forecast_id))
        conn.execute("COMMIT")
    finally:
        conn.close()
    return version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--size", type=int, default=100_000, help="forecasts to generate")
    parser.add_argument("--seed", type=int, default=8,
                        help="random seed (the same seed, day and time zone give the same ledger)")
    args = parser.parse_args()
    generate(args.path, args.size, seed=args.seed)


if __name__ == "__main__":
    main()
