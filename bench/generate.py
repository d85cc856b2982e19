"""Generate a realistic ledger of any size, fast, for the benchmark.

The ledger is created at head by `tracker db upgrade`, then filled directly with sqlite3
`executemany` in the shape tracker itself writes: every forecast has its `created` event
holding its first values, and every later change (evidence added or retracted, probability
and tag edits, status moves citing evidence, reviews, snoozes, deletions) has its event, so
replaying a timeline gives the row as it stands. Each forecast's search text is folded by
tracker's own function, so search finds in it what tracker would.

What makes it realistic: ten years of forecasts entered in date order; statuses skewed by
age (old forecasts are mostly settled, recent ones mostly open); outcomes that follow the
stated probabilities; a few thousand sources and a few hundred tags used with a long tail;
evidence counts from none to hundreds per forecast (three a forecast on average); claims
drawn from a vocabulary with a long tail, so some words are common and most are rare.

    python bench/generate.py LEDGER.db --size 100000

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

GENERATOR_VERSION = 2
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


def zipf_weights(n: int, s: float = 1.1) -> list[float]:
    """Cumulative weights of a Zipf law over n items: the first few are used most."""
    total, cumulative = 0.0, []
    for rank in range(1, n + 1):
        total += 1 / rank**s
        cumulative.append(total)
    return cumulative


def stamp(moment: dt.datetime) -> str:
    """A UTC timestamp as tracker stores it in SQLite."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def encode(value) -> str:
    """Event values as tracker encodes them (services/records.encode_value)."""
    return json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)


class Ledger:
    """Generates rows for forecasts 1..size in date order, a chunk at a time."""

    def __init__(self, size: int, seed: int, today: dt.date) -> None:
        self.size = size
        self.rng = random.Random(seed)
        self.today = today
        self.now = dt.datetime.combine(today, dt.time(6), tzinfo=dt.timezone.utc)
        self.start = today - dt.timedelta(days=365 * YEARS)
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

    def choose(self, items, cumulative, k=1):
        return self.rng.choices(items, cum_weights=cumulative, k=k)

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

    def moment(self, after: dt.datetime, before: dt.datetime) -> dt.datetime:
        """A random moment between two others (or `after` when there is no room)."""
        span = (before - after).total_seconds()
        if span <= 0:
            return after
        return after + dt.timedelta(seconds=self.rng.uniform(0, span))

    def forecast(self, forecast_id: int, out: dict[str, list]) -> None:
        """Append one forecast, its tags, evidence, events and citations to `out`."""
        rng = self.rng
        progress = (forecast_id - 0.5) / self.size
        made_on = self.start + dt.timedelta(days=int(progress * 365 * YEARS) + rng.randint(-3, 3))
        made_on = min(max(made_on, self.start), self.today)
        created_at = min(dt.datetime.combine(made_on, dt.time(), tzinfo=dt.timezone.utc)
                         + dt.timedelta(seconds=rng.uniform(3600, 3 * 86400)), self.now - dt.timedelta(seconds=60))
        actor = self.choose(ACTORS, self.actor_weights)[0]
        resolve_by = made_on + dt.timedelta(days=rng.choice((30, 90, 180, 365, 365, 730, 1095))) \
            if rng.random() < 0.75 else None
        probability = self.probability()
        review_every = rng.choices(REVIEW_EVERY, weights=REVIEW_WEIGHTS)[0]
        tags = sorted(set(self.choose(self.tags, self.tag_weights, rng.choice((0, 1, 1, 2, 2, 3, 4)))))
        claim = self.claim()
        criteria = f"Confirmed if {self.sentence(8, 20)}." if rng.random() < 0.6 else None
        key = f"f{forecast_id}-" + "-".join(claim.lower().split()[:3]).strip(".,")
        source_id = self.choose(range(1, self.source_count + 1), self.source_weights)[0] if rng.random() < 0.7 else None

        # How it ends: old forecasts and those past their deadline are mostly settled.
        age = (self.today - made_on).days
        past_deadline = resolve_by is not None and resolve_by < self.today
        settled = rng.random() < (0.85 if past_deadline else min(0.6, age / 3650 + 0.05))
        if settled:
            if probability is not None and rng.random() < 0.8:
                status = "confirmed" if rng.random() < probability else "refuted"
            else:
                status = rng.choices(FINAL, weights=(35, 12, 45, 8))[0]
            ends = min(self.now - dt.timedelta(seconds=30),
                       dt.datetime.combine(resolve_by or made_on + dt.timedelta(days=365), dt.time(12),
                                           tzinfo=dt.timezone.utc) + dt.timedelta(days=rng.randint(-20, 60)))
        else:
            status = rng.choices(ACTIVE, weights=(55, 25, 20))[0]
            ends = self.now - dt.timedelta(seconds=30)
        ends = max(ends, created_at + dt.timedelta(seconds=60))

        first_probability = probability
        first_tags = tags
        events: list[list] = []   # [at, kind, field, old, new, from, to, note, evidence_id, cited]
        if probability is not None and rng.random() < 0.15:
            first_probability = rng.randint(1, 19) / 20
            if first_probability != probability:
                events.append([self.moment(created_at, ends), "edited", "probability",
                               encode(first_probability), encode(probability), None, None, None, None, ()])
        if tags and rng.random() < 0.05:
            first_tags = tags[:-1]
            events.append([self.moment(created_at, ends), "edited", "tags", encode(first_tags), encode(tags),
                           None, None, None, None, ()])

        evidence_rows = []
        for _ in range(self.evidence_count()):
            self.evidence_id += 1
            added_at = self.moment(created_at, ends)
            observed_on = max(made_on, (added_at - dt.timedelta(days=rng.randint(0, 10))).date())
            added_by = actor if rng.random() < 0.7 else self.choose(ACTORS, self.actor_weights)[0]
            retracted = rng.random() < 0.03
            retracted_at = self.moment(added_at, self.now - dt.timedelta(seconds=1)) if retracted else None
            evidence_rows.append((self.evidence_id, forecast_id, f"Reported: {self.sentence(6, 16)}",
                                  f"https://news.example.org/{forecast_id}/{self.evidence_id}" if rng.random() < 0.6 else None,
                                  observed_on.isoformat(), rng.choices(STANCES, weights=(40, 30, 30))[0],
                                  stamp(added_at), added_by,
                                  stamp(retracted_at) if retracted else None, added_by if retracted else None,
                                  "misreported" if retracted else None))
            events.append([added_at, "evidence_added", None, None, None, None, None, None, self.evidence_id, ()])
            if retracted:
                events.append([retracted_at, "evidence_retracted", None, None, None, None, None,
                               "misreported", self.evidence_id, ()])

        # Status moves: straight to the end, or through developing or stalled first.
        path = []
        if status == "developing" or status == "stalled":
            path = [status]
        elif status in FINAL:
            path = ([rng.choice(("developing", "stalled"))] if rng.random() < 0.4 else []) + [status]
        moments = sorted(self.moment(created_at, ends) for _ in path[:-1]) + ([ends] if path else [])
        previous = "open"
        for to_status, at in zip(path, moments):
            standing = [row[0] for row in evidence_rows if stamp(at) > row[6] and row[8] is None]
            cited = tuple(sorted(rng.sample(standing, min(len(standing), rng.randint(1, 2))))) \
                if standing and rng.random() < 0.3 else ()
            note = f"because {self.sentence(4, 10)}" if rng.random() < 0.5 else None
            events.append([at, "status_changed", None, None, None, previous, to_status, note, None, cited])
            previous = to_status

        # Reviews of what is still open, and the odd snooze.
        next_review_on = made_on + dt.timedelta(days=review_every)
        if status in ACTIVE:
            reviews = min(12, int(age / review_every * rng.uniform(0, 0.5)))
            for at in sorted(self.moment(created_at, ends) for _ in range(reviews)):
                after = at.date() + dt.timedelta(days=review_every)
                events.append([at, "reviewed", "next_review_on", encode(next_review_on.isoformat()),
                               encode(after.isoformat()), None, None, None, None, ()])
                next_review_on = after
            if rng.random() < 0.03:
                at = self.moment(created_at, ends)
                later = max(next_review_on, at.date()) + dt.timedelta(days=rng.randint(7, 60))
                events.append([at, "snoozed", "next_review_on", encode(next_review_on.isoformat()),
                               encode(later.isoformat()), None, None, "waiting for news", None, ()])
                next_review_on = later
        events.sort(key=lambda event: event[0])
        deleted_at = None
        if rng.random() < 0.005:
            deleted_at = self.moment(events[-1][0] if events else created_at, self.now - dt.timedelta(seconds=1))
            events.append([deleted_at, "deleted", None, None, None, None, None, "entered twice", None, ()])

        created = {"claim": claim, "criteria": criteria, "key": key, "made_on": made_on.isoformat(),
                   "next_review_on": (made_on + dt.timedelta(days=review_every)).isoformat(),
                   "probability": first_probability, "resolve_by": resolve_by.isoformat() if resolve_by else None,
                   "review_every": review_every, "status": "open", "tags": first_tags}
        self.event_id += 1
        out["events"].append((self.event_id, forecast_id, 1, stamp(created_at), actor, "created", None, None,
                              encode(created), None, None, None, None))
        for version, (at, kind, field, old, new, from_status, to_status, note, evidence_id, cited) in \
                enumerate(events, start=2):
            self.event_id += 1
            who = actor if rng.random() < 0.8 else self.choose(ACTORS, self.actor_weights)[0]
            out["events"].append((self.event_id, forecast_id, version, stamp(at), who, kind, field, old, new,
                                  from_status, to_status, note, evidence_id))
            out["event_citations"] += [(self.event_id, cited_id) for cited_id in cited]
        updated_at = events[-1][0] if events else created_at
        out["forecasts"].append((forecast_id, key, claim, criteria, source_id, made_on.isoformat(),
                                 resolve_by.isoformat() if resolve_by else None, probability, status, review_every,
                                 next_review_on.isoformat(), stamp(created_at), stamp(updated_at), len(events) + 1,
                                 stamp(deleted_at) if deleted_at else None, search_text(claim, criteria, key)))
        out["forecast_tags"] += [(forecast_id, tag) for tag in tags]
        out["evidence"] += evidence_rows


COLUMNS = {
    "sources": "id, title, author, outlet, url, published_on, notes",
    "forecasts": "id, key, claim, criteria, source_id, made_on, resolve_by, probability, status, review_every, "
                 "next_review_on, created_at, updated_at, version, deleted_at, search_text",
    "forecast_tags": "forecast_id, tag",
    "evidence": "id, forecast_id, summary, url, observed_on, stance, added_at, added_by, retracted_at, "
                "retracted_by, retraction_reason",
    "events": "id, forecast_id, version, at, actor, kind, field, old_value, new_value, from_status, to_status, "
              "note, evidence_id",
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
        for table in ("forecasts", "forecast_tags", "evidence", "events", "event_citations"):
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--size", type=int, default=100_000, help="forecasts to generate")
    parser.add_argument("--seed", type=int, default=8, help="random seed (the same seed gives the same ledger)")
    args = parser.parse_args()
    generate(args.path, args.size, seed=args.seed)


if __name__ == "__main__":
    main()
