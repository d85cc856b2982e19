"""`score --format json` lists each card's forecasts: the text is the one a listing of the whole
ledger held in memory gives (the reference below), whatever the grouping, the order the
database gives the forecasts in, or the size of the batches they are read in."""

import datetime as dt
import json

import pytest

from conftest import ok, run
from tracker.cli.context import Ledger
from tracker.cli.output import numbers_rounded, to_json
from tracker.services import scorecards
from tracker.services.forecasts import ForecastChanges, ForecastDraft, create_forecast, update_forecast
from tracker.services.scorecards import ScoreRequest, group_names, resolved_forecasts, scored_forecast
from tracker.services.scoring import Resolution, scorecard

GROUPINGS = (None, "source", "author", "tag")

# (actor, source, tags, probability, statuses it goes through): names that sort differently by
# case, by accent and byte by byte, forecasts in several groups or in none.
FORECASTS = [
    ("ana", {"title": "Gazette", "author": "Jane Roe"}, ["économie", "b"], 0.7, ["confirmed"]),
    ("ana", {"title": "gazette"}, ["B"], 0.2, ["refuted"]),
    ("bob", {"title": "Zeta", "author": "zoë"}, [], 0.9, ["confirmed"]),
    ("bob", {"title": "Ärzteblatt", "author": "Émile"}, ["a"], None, ["confirmed"]),
    ("Bob", None, ["a", "b"], 0.4, ["partial"]),
    ("ana", None, [], 0.55, ["void"]),
    ("zed", {"title": "Gazette", "author": "Jane Roe"}, ["a"], 0.3, ["confirmed", "open", "refuted"]),
    ("ana", {"title": "alpha"}, ["économie"], 0.6, ["refuted", "confirmed"]),
    ("ana", {"title": "Zeta", "author": "zoë"}, ["zz"], 0.8, []),  # still open: in no card
    ("émile", {"title": "Ärzteblatt", "author": "Émile"}, [], 0.1, ["refuted"]),
]


def fill(target: str, forecasts=FORECASTS, repeat: int = 1) -> None:
    for _ in range(repeat):
        for actor, source, tags, probability, statuses in forecasts:
            with Ledger(target=target, actor=actor).session(write=True) as session:
                draft = ForecastDraft(claim=f"Claim by {actor}", source=source, tags=list(tags),
                                      probability=probability)
                forecast_id = str(create_forecast(session, actor, draft).id)
                for status in statuses:
                    update_forecast(session, forecast_id, actor, ForecastChanges(status=status, note="as it went"))


def reference(target: str, by: str | None):
    """The cards as the whole ledger read into memory makes them: every resolved forecast
    placed in its groups by `group_names`, each card's forecasts by id."""
    members: dict = {}
    with Ledger(target=target, actor="reader").session(write=False) as session:
        for item in resolved_forecasts(session):
            for name in group_names(item, by) if by else [None]:
                members.setdefault(name, []).append(item)
    cards = [{"group": name, **scorecard(item.resolution for item in items),
              "forecasts": [scored_forecast(item) for item in sorted(items, key=lambda item: item.id)]}
             for name, items in members.items()]
    if by is None:
        card = cards[0] if cards else {**scorecard([]), "forecasts": []}
        return {name: value for name, value in card.items() if name != "group"}
    return sorted(cards, key=lambda card: (card["group"] is None, (card["group"] or "").casefold(),
                                           card["group"] or ""))


def expected_text(target: str, by: str | None, fmt: str) -> str:
    cards = numbers_rounded(reference(target, by))
    if fmt == "json":
        return to_json(cards, indent=2) + "\n"
    return "".join(to_json(card) + "\n" for card in ([cards] if by is None else cards))


def score(by: str | None, fmt: str) -> str:
    return ok("score", *(["--by", by] if by else []), "--format", fmt).stdout


@pytest.mark.parametrize("by", GROUPINGS)
def test_each_card_lists_its_forecasts_as_a_listing_of_the_whole_ledger_does(ledger, by):
    fill(ledger.target)
    for fmt in ("json", "jsonl"):
        assert score(by, fmt) == expected_text(ledger.target, by, fmt), fmt
    if by == "tag":
        groups = [line.split('"group": ')[1].split(",")[0] for line in score(by, "jsonl").splitlines()]
        assert groups == ['"a"', '"b"', '"économie"', "null"]


def test_the_listing_is_the_same_in_batches_of_any_size(ledger, monkeypatch):
    fill(ledger.target)
    whole = {by: score(by, "json") for by in GROUPINGS}
    for batch in (1, 2, 3):
        monkeypatch.setattr(scorecards, "BATCH", batch)
        assert {by: score(by, "json") for by in GROUPINGS} == whole, batch


@pytest.mark.parametrize("window", [12, 13, 40, 200])
def test_entries_longer_than_the_window_read_are_read_whole(ledger, monkeypatch, window):
    """An entry is read a window at a time from its place; a longer one, in two reads."""
    fill(ledger.target)
    whole = {by: score(by, "json") for by in GROUPINGS}
    monkeypatch.setattr(scorecards.Listing, "WINDOW", window)
    assert {by: score(by, "json") for by in GROUPINGS} == whole


def test_a_card_past_four_byte_places_keeps_eight_byte_ones():
    card = scorecards.Card(ScoreRequest(), scorecards.Listing())
    resolution = Resolution("confirmed", 0.7, dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc), ())
    item = scorecards.Resolved(1, "k", None, None, [], None, resolution)
    for place in (5, 2**32 - 1, 2**32, 2**40):
        card.add(item, place)
    assert card.places.tolist() == [5, 2**32 - 1, 2**32, 2**40] and card.tally.resolved == 4


def test_the_numbers_of_a_listed_card_are_those_of_its_table(ledger):
    """The JSON reads the forecasts a group at a time, the table and CSV in one pass for every
    group: the same cards come out."""
    fill(ledger.target)
    with Ledger(target=ledger.target, actor="reader").session(write=False) as session:
        for by in GROUPINGS:
            listed = scorecards.score_ledger(session, ScoreRequest(by=by))
            listed = [{name: value for name, value in card.items() if name != "forecasts"}
                      for card in ([listed] if by is None else listed)]
            counted = scorecards.score_ledger(session, ScoreRequest(by=by, details=False))
            assert listed == ([counted] if by is None else counted), by


def test_an_empty_listing_and_a_window_with_nothing_in_it(ledger):
    assert score("source", "json") == "[]\n" and score("source", "jsonl") == ""
    assert score(None, "json") == expected_text(ledger.target, None, "json")
    fill(ledger.target)
    assert ok("score", "--by", "tag", "--since", "2999-01-01", "--format", "json").stdout == "[]\n"
    assert '"forecasts": []' in ok("score", "--until", "2000-01-01", "--format", "json").stdout


def test_bad_score_input_leaves_the_ledger_as_it_was(ledger):
    from conftest import dump
    from test_bad_input import USAGE, assert_clean_failure

    fill(ledger.target)
    before = dump(ledger)
    assert_clean_failure(run("score", "--by", "tag", "--format", "xml"), USAGE, "'xml' is not one of")
    assert dump(ledger) == before


def test_a_forecast_in_several_groups_is_read_and_scored_once(ledger, monkeypatch):
    """The JSON by tag lists a forecast under each of its tags, from one entry made as it is read."""
    fill(ledger.target)
    made = []
    real = scorecards.scored_forecast

    def counted(item, **options):
        made.append(item.id)
        return real(item, **options)

    monkeypatch.setattr(scorecards, "scored_forecast", counted)
    cards = json.loads(score("tag", "json"))
    listed = [entry["id"] for card in cards for entry in card["forecasts"]]
    assert len(listed) > len(set(listed)) and sorted(made) == sorted(set(listed))


def test_a_forecast_reopened_while_score_reads_is_in_both_its_streams_or_neither(ledger, monkeypatch):
    """score --by tag reads the resolved forecasts and their tags in two queries, side by side.
    A forecast reopened between the two (here, once the tags' query is made) was, on PostgreSQL,
    in the tags' stream and not in the forecasts': the tags waited for it, and every forecast
    after it lost its tags. A read command sees one ledger: the one of its first query."""
    fill(ledger.target)
    before = score("tag", "json")
    real = scorecards.TagsAlongside.__init__

    def reopening_meanwhile(self, *args, **kwargs):
        real(self, *args, **kwargs)
        monkeypatch.setattr(scorecards.TagsAlongside, "__init__", real)
        with Ledger(target=ledger.target, actor="zed").session(write=True) as session:
            # The first forecast the streams read: confirmed, with tags, before many others.
            update_forecast(session, "1", "zed", ForecastChanges(status="open", note="reopened"))

    monkeypatch.setattr(scorecards.TagsAlongside, "__init__", reopening_meanwhile)
    assert score("tag", "json") == before
    assert score("tag", "json") == expected_text(ledger.target, "tag", "json") != before
