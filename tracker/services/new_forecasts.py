"""Forecasts an import makes from objects without a timeline (bare objects, CSV rows), in bulk.

The services would make such a forecast one change at a time (imports.create_from_object:
create it, add and retract its evidence, change its status, delete it). Here the same is
planned as its timeline: each event's values come from the services' own checks
(`new_forecast_values`, `created_values`, `evidence_fields`, `status_change_fields`), and the
forecast's row and evidence are what the fold of those events makes them (services/replay.py),
so the row cannot disagree with its events. The import's Restorer then writes them in bulk.

Which objects may come this way is the import's to say (services/imports.py): those whose
key is new, and those without a key whose claim nothing else in the ledger or the file has,
so that no twin (imports.find_twin) can exist for them.
"""

from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import dates, statuses
from tracker.errors import InvalidInput
from tracker.services.evidence import evidence_fields
from tracker.services.forecasts import (
    clean_text,
    created_values,
    generate_key,
    key_stem,
    new_forecast_values,
    status_change_fields,
)
from tracker.services.file_keys import FileKeys
from tracker.services.objects import FOLDED_FIELDS, EventObject, EvidenceObject, ForecastObject
from tracker.services.records import encode_value
from tracker.services.replay import TimelineError, fold
from tracker.sorted_ids import NumberRuns
from tracker.storage.models import Forecast


class NewForecasts:
    """Plans new forecasts made now by `actor`, each event noting `note`, and hands them to `restorer`."""

    def __init__(self, session: Session, restorer, actor: str, note: str, reserved_keys: FileKeys) -> None:
        self.session = session
        self.restorer = restorer
        self.actor = actor
        self.note = note
        # The keys the file gives and those made for it: a key made for an object is none of them.
        self.reserved_keys = reserved_keys
        self.at = dates.utc_now()
        self.today = dates.today()
        self.free_keys: set[str] = set()
        self.made_keys: list[str] = []  # made for forecasts not yet written

    def written(self) -> None:
        """The forecasts planned are written: the ledger holds the keys made for them now."""
        self.reserved_keys.difference_update(self.made_keys)
        self.made_keys.clear()

    def look_up_keys(self, items: list[ForecastObject]) -> None:
        """Find at once which of the keys the objects without one would be given first are free."""
        stems = {key_stem(item.claim.strip()) for item in items if item.key is None}
        taken = set(self.session.scalars(select(Forecast.key).where(Forecast.key.in_(stems)))) if stems else set()
        self.free_keys = stems - taken

    def add(self, item: ForecastObject) -> ForecastObject:
        planned, source_id = self.plan(item)
        self.restorer.add_new(planned, source_id, encode_value)
        return planned

    def plan(self, item: ForecastObject) -> tuple[ForecastObject, int | None]:
        """The object as the forecast the services would make of it, with its timeline and ids;
        and the id of the source it cites."""
        self.at = dates.utc_now()  # each forecast made at its own moment, as the services make one
        values = new_forecast_values(item.draft(), self.today, recorded_elsewhere=True)
        key = item.key
        if key is None:
            key = generate_key(self.session, values["claim"], self.reserved_keys, self.free_keys)
            self.reserved_keys.add(key)
            self.made_keys.append(key)
        forecast_id, evidence_ids = self.restorer.new_ids(len(item.evidence))
        source_id, source = self.restorer.found_source(item.source) if item.source else (None, None)
        events = [self._event(1, "created", new=created_values({**values, "key": key}), note=self.note)]
        evidence = {}
        for given, evidence_id in zip(item.evidence, evidence_ids):
            fields = evidence_fields(given.summary, url=given.url, observed_on=given.observed_on, stance=given.stance)
            evidence[evidence_id] = {"id": evidence_id, **fields, "added_at": self.at, "added_by": self.actor}
            events.append(self._event(len(events) + 1, "evidence_added", evidence_id=evidence_id, note=self.note))
            if given.retracted:
                reason = clean_text(given.retraction_reason or self.note, "reason", required=True)
                events.append(self._event(len(events) + 1, "evidence_retracted", evidence_id=evidence_id,
                                          note=reason))
        if item.status != statuses.DEFAULT:
            made = SimpleNamespace(id=forecast_id, status=statuses.DEFAULT, outcome=None, options=values["options"])
            if (fields := status_change_fields(made, item.status, item.outcome, self.note)) is not None:
                events.append(self._event(len(events) + 1, "status_changed", **fields))
        if item.deleted_at is not None:
            events.append(self._event(len(events) + 1, "deleted", note=clean_text(self.note, "reason", required=True)))
        try:
            state = fold({"id": forecast_id, "source": source}, events, evidence, strict=True)
        except TimelineError as exc:  # what the services would have refused on the way
            raise InvalidInput(f"{item.where}: {exc.problem}") from None
        return ForecastObject(
            where=item.where, given=item.given, id=forecast_id, source=source, events=events,
            evidence=[EvidenceObject(**state.evidence[evidence_id]) for evidence_id in evidence],
            **{name: state.record[name] for name in FOLDED_FIELDS}), source_id

    def _event(self, version: int, kind: str, **fields: Any) -> EventObject:
        return EventObject(kind=kind, at=self.at, actor=self.actor, version=version, **fields)


class ClaimCounts:
    """Which claims a file's objects (and the ledger) have once only, kept as their 64-bit hashes
    in sorted runs (a set of a million took some 65 MB): an object without a key whose claim is
    had once only can have no twin, now or later in the import."""

    def __init__(self) -> None:
        self.seen = NumberRuns()
        self.again = NumberRuns()
        self.keyless = False  # whether any object could be created without a key

    def count(self, claim: str) -> None:
        found = hash(claim.strip())
        (self.again if found in self.seen else self.seen).add(found)

    def count_ledger(self, session: Session) -> None:
        """Count the claims of the ledger's forecasts that some object of the file has too."""
        rows = session.execute(select(Forecast.claim).execution_options(yield_per=10_000))
        for (claim,) in rows:
            if (found := hash(claim)) in self.seen:
                self.again.add(found)

    def once(self, claim: str) -> bool:
        found = hash(claim.strip())
        return found in self.seen and found not in self.again
