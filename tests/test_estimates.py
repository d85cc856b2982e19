"""Forecasting together: each person's estimates, multiple-choice questions, the team's aggregate,
and every forecaster scored, checked against independent computations (scikit-learn, pandas)."""

import datetime as dt
import json
import math
import re
import shlex
import statistics
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import gmean
from sklearn.metrics import brier_score_loss

from clock import clock  # noqa: F401  (fixture)
from conftest import dump, ok, run, run_json
from interchange_helpers import ledgers  # noqa: F401  (fixture)
from test_bad_input import FAILURE, USAGE, assert_clean_failure


def readme_session(heading: str) -> list[tuple[list[str], list[str]]]:
    """The first console block under a README heading: each `$ tracker …` command with the
    lines the README shows it printing."""
    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = text.split(f"\n{heading}\n", 1)[1]
    block = section.split("```console\n", 1)[1].split("\n```", 1)[0]
    session: list[tuple[list[str], list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ tracker "):
            session.append((shlex.split(line.removeprefix("$ tracker ")), []))
        elif line.strip() != "…":
            session[-1][1].append(line)
    return session


def test_the_readme_s_team_forecasting_the_anchorage_questions_is_what_tracker_does(seeded):
    """README "Forecasting together", run on a seeded ledger: every line it shows is printed
    (dates and times aside, which depend on the day it runs)."""
    def plain(line: str) -> str:
        return re.sub(r"\d{4}-\d\d-\d\d( \d\d:\d\d)?", "DATE", line).rstrip()

    session = readme_session("## Forecasting together")
    assert len(session) >= 10
    for args, shown in session:
        done = ok(*args)
        printed = {plain(line) for line in (done.stdout + "\n" + done.stderr).splitlines()}
        for line in shown:
            assert plain(line) in printed, (args, line)


def test_anyone_estimates_and_show_lists_each_forecaster_and_the_team(seeded):
    ok("--as", "ana", "forecast", "1", "40%", "--note", "the hotline is back")
    ok("--as", "ana", "forecast", "1", "0.6")
    evidence = ok("evidence", "add", "1", "Military line used twice").stdout.strip()
    ok("--as", "bo", "forecast", "1", "3:1", "--evidence", evidence)
    shown = run_json("show", "1")
    assert shown["probability"] is None  # the source's own chance stays what it stated
    assert [(e["actor"], e["probability"]) for e in shown["estimates"]] == [("ana", 0.4), ("ana", 0.6), ("bo", 0.75)]
    assert [(f["actor"], f["first"], f["probability"], f["count"]) for f in shown["forecasters"]] == [
        ("ana", 0.4, 0.6, 2), ("bo", 0.75, 0.75, 1)]
    team = shown["aggregates"]
    assert team["forecasters"] == 2 and team["median"] == pytest.approx(0.675) and team["mean"] == pytest.approx(0.675)
    odds = math.exp((math.log(0.6 / 0.4) + math.log(0.75 / 0.25)) / 2)
    assert team["geometric_mean_of_odds"] == pytest.approx(odds / (1 + odds))
    assert shown["aggregate"] == pytest.approx(0.675)
    [cited] = [e for e in shown["events"] if e["kind"] == "estimate" and e["actor"] == "bo"]
    assert cited["evidence_ids"] == [int(evidence)] and cited["new"] == 0.75
    table = ok("show", "1").stdout
    assert "ana: 40% → 60%  (2 estimates" in table and "team: median 67.5%" in table
    assert [f["id"] for f in run_json("list", "--sort", "-aggregate")][0] == 1
    ok("doctor")


def test_a_multiple_choice_forecast_takes_estimates_per_option_and_resolves_to_one(ledger):
    ok("add", "Who leads Russia at the end of 2027?", "--option", "Putin", "--option", "Medvedev",
       "--option", "Neither")
    ok("--as", "ana", "forecast", "1", "Putin=70%", "Medvedev=20%", "Neither=10%")
    ok("--as", "bo", "forecast", "1", "Putin=0.5", "Medvedev=0.25", "Neither=0.25")
    shown = run_json("show", "1")
    assert shown["options"] == ["Putin", "Medvedev", "Neither"] and shown["aggregate"] is None
    assert shown["aggregates"]["mean"] == pytest.approx({"Putin": 0.6, "Medvedev": 0.225, "Neither": 0.175})
    pooled = shown["aggregates"]["geometric_mean_of_odds"]
    assert sum(pooled.values()) == pytest.approx(1)
    assert_clean_failure(run("update", "1", "--status", "confirmed"), FAILURE, "say which option happened")
    assert_clean_failure(run("update", "1", "--status", "refuted"), FAILURE, "or void; not refuted")
    assert_clean_failure(run("update", "1", "--status", "confirmed", "--outcome", "Navalny"), FAILURE,
                         "'Navalny' is not an option")
    ok("update", "1", "--status", "confirmed", "--outcome", "Putin")
    assert run_json("show", "1")["outcome"] == "Putin"
    assert "status open → confirmed (Putin)" in ok("history", "1").stdout
    ok("undo")
    assert (run_json("show", "1")["status"], run_json("show", "1")["outcome"]) == ("open", None)
    ok("doctor")


@pytest.mark.parametrize("args,message", [
    (("1", "Putin=70%", "Medvedev=20%"), "does not give a probability for each option"),
    (("1", "Putin=70%", "Medvedev=20%", "Neither=20%"), "sum to 1.1, not 1"),
    (("1", "70%"), "does not give a probability for each option"),
    (("2", "Yes=70%", "No=30%"), "a yes/no forecast: give one probability"),
    (("2", "170%"), "outside 0..1"),
    (("2", "fifty"), "is not a probability"),
    (("9", "50%"), "no forecast with id or key '9'"),
    (("1", "Putin=70%", "Putin=30%"), "given twice"),
])
def test_an_estimate_that_does_not_fit_is_refused_and_changes_nothing(ledger, args, message):
    ok("add", "Who leads?", "--option", "Putin", "--option", "Medvedev", "--option", "Neither")
    ok("add", "A yes/no forecast")
    before = dump(ledger)
    assert_clean_failure(run("forecast", *args), FAILURE, message)
    assert dump(ledger) == before


def test_options_that_do_not_make_a_question_are_refused(ledger):
    assert_clean_failure(run("add", "One option", "--option", "Only"), FAILURE, "two or more --option")
    assert_clean_failure(run("add", "Twice", "--option", "A", "--option", "A"), FAILURE, "given twice")
    assert_clean_failure(run("add", "With odds", "--option", "A", "--option", "B", "--probability", "0.5"),
                         FAILURE, "no single probability")
    assert_clean_failure(run("forecast", "1"), USAGE, "Missing argument")


def test_estimates_stop_at_the_resolution_and_resume_when_it_is_undone(seeded):
    ok("forecast", "1", "55%")
    ok("update", "1", "--status", "refuted")
    before = dump(seeded)
    assert_clean_failure(run("forecast", "1", "10%"), FAILURE, "forecast 1 is refuted: estimates are made before")
    assert dump(seeded) == before
    ok("undo")
    ok("forecast", "1", "10%")
    assert run_json("show", "1")["forecasters"][0]["probability"] == 0.1


def test_an_estimate_is_undone_like_any_change(seeded):
    ok("forecast", "1", "30%")
    ok("forecast", "1", "70%")
    assert "estimate 70%" in ok("undo").stderr
    shown = run_json("show", "1")
    assert [e["probability"] for e in shown["estimates"]] == [0.3] and shown["aggregate"] == 0.3
    assert "estimate 70% withdrawn" in ok("history", "1").stdout
    ok("doctor")


def test_a_latest_estimate_is_the_last_made_not_the_last_recorded(ledger, ledgers, clock, tmp_path):
    """An import may record an estimate after ones made later (a re-import of another tracker's
    export appends what it lacked): who holds which view goes by when each was made."""
    ok("add", "Q", "--key", "q")
    ok("--as", "ana", "forecast", "q", "20%")
    clock.go(2)
    ok("--as", "ana", "forecast", "q", "70%")
    ok("--as", "bo", "forecast", "q", "40%")
    ok("update", "q", "--status", "confirmed")
    record = json.loads(ok("export", "--format", "jsonl").stdout)
    first, second = [event for event in record["events"] if event["actor"] == "ana"]
    first["at"], second["at"] = second["at"], first["at"]  # ana's 70% now made before her 20%
    record["aggregate"] = statistics.median([0.2, 0.4])
    path = tmp_path / "swapped.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    other = ledgers.new()
    ok("--db", other, "import", path)
    shown = run_json("--db", other, "show", "q")
    assert [(e["actor"], e["probability"]) for e in shown["estimates"]] == [("ana", 0.7), ("ana", 0.2), ("bo", 0.4)]
    ana = next(f for f in shown["forecasters"] if f["actor"] == "ana")
    assert (ana["probability"], ana["first"]) == (0.2, 0.7)
    cards = {card["group"]: card for card in run_json("--db", other, "score", "--by", "forecaster")}
    assert cards["ana"]["brier"] == pytest.approx((0.2 - 1) ** 2)
    ok("--db", other, "doctor")


def test_show_as_of_gives_the_estimates_as_they_stood(ledger, clock):
    ok("seed")
    ok("--as", "ana", "forecast", "1", "20%")
    clock.go(3)
    ok("--as", "ana", "forecast", "1", "80%")
    ok("--as", "bo", "forecast", "1", "50%")
    past = run_json("show", "1", "--as-of", clock.date(1))
    assert [(f["actor"], f["probability"]) for f in past["forecasters"]] == [("ana", 0.2)]
    assert past["aggregates"]["median"] == 0.2


def test_estimates_and_options_round_trip_byte_identically(ledger, ledgers, tmp_path):
    ok("seed")
    ok("add", "Who leads?", "--option", "Putin", "--option", "Medvedev", "--option", "Neither")
    ok("--as", "ana", "forecast", "4", "Putin=0.6", "Medvedev=0.3", "Neither=0.1", "--note", "why")
    ok("--as", "bo", "forecast", "1", "0.35")
    ok("--as", "cy", "forecast", "1", "0.1234567890123457")
    ok("--as", "cy", "forecast", "1", "33%")
    ok("--as", "bo", "forecast", "2", "0.2")
    ok("--as", "bo", "undo")
    ok("add", "Open still", "--option", "A", "--option", "B")
    ok("--as", "di", "forecast", "5", "A=1 in 3", "B=2:1")
    ok("update", "4", "--status", "confirmed", "--outcome", "Medvedev")
    for fmt in ("json", "jsonl"):
        exported = ok("export", "--format", fmt).stdout
        path = tmp_path / f"ledger.{fmt}"
        path.write_text(exported, encoding="utf-8")
        other = ledgers.new()
        ok("--db", other, "import", path)
        assert ok("--db", other, "export", "--format", fmt).stdout == exported
        ok("--db", other, "doctor")


def test_an_import_whose_aggregate_or_outcome_is_not_its_fold_is_refused(seeded, tmp_path):
    ok("--as", "ana", "forecast", "1", "0.35")
    record = json.loads(ok("export", "--format", "jsonl").stdout.splitlines()[0])
    fresh = run_json("show", "1")["id"]
    for field, value, message in (("aggregate", 0.9, "field 'aggregate': is 0.9 but its events make it 0.35"),
                                  ("outcome", "Yes", "field 'outcome': is \"Yes\" but its events make it null")):
        changed = {**record, "key": "other", field: value}
        changed["events"][0]["new"]["key"] = "other"
        path = tmp_path / f"{field}.jsonl"
        path.write_text(json.dumps(changed) + "\n", encoding="utf-8")
        assert_clean_failure(run("import", path), FAILURE, message)
    assert fresh == 1


# Scores per forecaster, against computations that share nothing with tracker's.

def build_team_ledger(clock):
    """Three forecasters on four questions over some weeks: binary and multiple choice."""
    ok("add", "Binary A", "--key", "a")
    ok("add", "Binary B", "--key", "b")
    ok("add", "Three ways", "--key", "c", "--option", "X", "--option", "Y", "--option", "Z")
    ok("add", "Left void", "--key", "d")
    ok("--as", "ana", "forecast", "a", "0.7")
    ok("--as", "bo", "forecast", "a", "0.4")
    ok("--as", "ana", "forecast", "c", "X=0.5", "Y=0.3", "Z=0.2")
    ok("--as", "cy", "forecast", "d", "0.5")
    clock.go(3)
    ok("--as", "cy", "forecast", "a", "0.9")
    ok("--as", "bo", "forecast", "b", "0.2")
    ok("--as", "bo", "forecast", "c", "X=0.2", "Y=0.6", "Z=0.2")
    clock.go(7)
    ok("--as", "ana", "forecast", "a", "0.95")
    ok("--as", "ana", "forecast", "b", "0.1")
    ok("--as", "cy", "forecast", "c", "X=0.1", "Y=0.1", "Z=0.8")
    clock.go(12)
    ok("update", "a", "--status", "confirmed")
    ok("update", "b", "--status", "refuted")
    ok("update", "c", "--status", "confirmed", "--outcome", "Y")
    ok("update", "d", "--status", "void")
    clock.go(13)
    assert_clean_failure(run("--as", "bo", "forecast", "a", "0.1"), FAILURE, "estimates are made before")


def independent_scores(exported: dict) -> dict:
    """Every forecaster's scores from the exported events, by a plain pandas computation."""
    rows = []
    for forecast in exported["forecasts"]:
        if forecast["status"] not in ("confirmed", "refuted"):
            continue
        resolved = next(pd.Timestamp(e["at"]) for e in reversed(forecast["events"]) if e["kind"] == "status_changed")
        options = forecast["options"]
        outcome = ({o: int(o == forecast["outcome"]) for o in options} if options
                   else {"yes": int(forecast["status"] == "confirmed")})
        for e in forecast["events"]:
            if e["kind"] == "estimate" and pd.Timestamp(e["at"]) < resolved:
                value = e["new"] if options else {"yes": e["new"]}
                rows.append({"q": forecast["id"], "who": e["actor"], "at": pd.Timestamp(e["at"]), "resolved": resolved,
                             "brier": sum((value[o] - hit) ** 2 for o, hit in outcome.items()),
                             "p_outcome": value[next(o for o, hit in outcome.items() if hit)] if options else
                             (value["yes"] if outcome["yes"] else 1 - value["yes"])})
    frame = pd.DataFrame(rows).sort_values("at")
    final = frame.groupby(["who", "q"]).last()
    scores = {who: {"brier": group["brier"].mean(), "log_score": group["p_outcome"].map(math.log).mean()}
              for who, group in final.groupby(level="who")}
    daily = []
    for (q, who), group in frame.groupby(["q", "who"]):
        end = group["resolved"].iloc[0].tz_convert("UTC").normalize()
        days = pd.date_range(group["at"].min().tz_convert("UTC").normalize(), end, freq="D")
        by_day = group.assign(day=group["at"].dt.tz_convert("UTC").dt.normalize()).groupby("day")["brier"].last()
        series = by_day.reindex(days).ffill()
        daily += [{"q": q, "who": who, "day": day, "brier": b} for day, b in series.items()]
    daily = pd.DataFrame(daily)
    for who, group in daily.groupby("who"):
        scores[who]["brier_time_averaged"] = group.groupby("q")["brier"].mean().mean()
        relative = []
        for _, row in group.iterrows():
            others = daily[(daily.q == row.q) & (daily.day == row.day) & (daily.who != who)]["brier"]
            if len(others):
                relative.append(row.brier - statistics.median(others))
        scores[who]["relative_brier"] = sum(relative) / len(relative) if relative else None
    return scores


def test_scores_per_forecaster_match_an_independent_computation(ledger, clock):
    build_team_ledger(clock)
    cards = {card["group"]: card for card in run_json("score", "--by", "forecaster")}
    expected = independent_scores(json.loads(ok("export", "--format", "json").stdout))
    assert set(expected) == {"ana", "bo", "cy"}
    for who, numbers in expected.items():
        for name, value in numbers.items():
            # JSON gives numbers to 12 significant digits.
            assert cards[who][name] == pytest.approx(value, rel=1e-11, abs=1e-12), (who, name)
    assert cards["ana"]["scored"] == 3 and cards["cy"]["scored"] == 2  # void and unestimated questions left out
    assert {name for name in cards if cards[name]["aggregate"]} == {"(median)", "(mean)", "(geometric mean of odds)"}
    table = ok("score", "--by", "forecaster").stdout
    assert table.splitlines()[0].split() == ["FORECASTER", "SCORED", "BRIER", "LOG", "TIME-AVG", "BRIER", "RELATIVE"]


def independent_aggregate_scores(exported: dict) -> dict:
    """The team's aggregates scored from the exported events by numpy, scipy and pandas: on each
    UTC day from the first estimate to the resolution, every forecaster's latest estimate by the
    day's end, combined by the median, the mean and the geometric mean of odds (multiple choice:
    of each option's probability, normalised)."""
    cards: dict[str, dict[str, list]] = {}
    for forecast in exported["forecasts"]:
        if forecast["status"] not in ("confirmed", "refuted"):
            continue
        resolved = next(pd.Timestamp(e["at"]) for e in reversed(forecast["events"]) if e["kind"] == "status_changed")
        options = forecast["options"] or ["yes", "no"]
        outcome = ({o: int(o == forecast["outcome"]) for o in options} if forecast["options"]
                   else {"yes": int(forecast["status"] == "confirmed"), "no": int(forecast["status"] != "confirmed")})
        made = pd.DataFrame([{"who": e["actor"], "day": pd.Timestamp(e["at"]).tz_convert("UTC").normalize(),
                              **(e["new"] if forecast["options"] else {"yes": e["new"], "no": 1 - e["new"]})}
                             for e in forecast["events"] if e["kind"] == "estimate" and pd.Timestamp(e["at"]) < resolved])
        if made.empty:
            continue
        days = pd.date_range(made["day"].min(), resolved.tz_convert("UTC").normalize(), freq="D")
        standing = {who: group.groupby("day")[options].last().reindex(days).ffill()
                    for who, group in made.groupby("who")}
        daily: dict[str, list[float]] = {name: [] for name in AGGREGATES}
        relative: dict[str, list[float]] = {name: [] for name in AGGREGATES}
        finals = {}
        for day in days:
            values = pd.DataFrame([frame.loc[day] for frame in standing.values() if frame.loc[day].notna().all()])
            if values.empty:
                continue
            binary = not forecast["options"]
            if binary:
                clipped = values["yes"].clip(1e-4, 1 - 1e-4)
                odds = float(np.exp(np.log(clipped / (1 - clipped)).mean()))
            combined = {
                "(median)": values.median(),
                "(mean)": values.mean(),
                "(geometric mean of odds)": (pd.Series({"yes": odds / (1 + odds), "no": 1 / (1 + odds)}) if binary else
                                             pd.Series({o: gmean(values[o].clip(lower=1e-4)) for o in options})),
            }
            people = [sum((row[o] - outcome[o]) ** 2 for o in (["yes"] if binary else options))
                      for _, row in values.iterrows()]
            for name, value in combined.items():
                value = value / value.sum()
                score = sum((value[o] - outcome[o]) ** 2 for o in (["yes"] if binary else options))
                daily[name].append(score)
                relative[name].append(score - float(np.median(people)))
                finals[name] = value
        happened = next(o for o, hit in outcome.items() if hit)
        for name in AGGREGATES:
            card = cards.setdefault(name, {"brier": [], "log_score": [], "brier_time_averaged": [], "relative": [],
                                           "finals": []})
            card["brier"].append(daily[name][-1])
            card["log_score"].append(math.log(min(max(finals[name][happened], 1e-6), 1 - 1e-6)))
            card["brier_time_averaged"].append(float(np.mean(daily[name])))
            card["relative"] += relative[name]
            if not forecast["options"]:
                card["finals"].append((finals[name]["yes"], outcome["yes"]))
    return {name: {"brier": np.mean(card["brier"]), "log_score": np.mean(card["log_score"]),
                   "brier_time_averaged": np.mean(card["brier_time_averaged"]),
                   "relative_brier": np.mean(card["relative"]), "finals": card["finals"]}
            for name, card in cards.items()}


AGGREGATES = ("(median)", "(mean)", "(geometric mean of odds)")


def assert_calibration_is_pandas(card: dict, finals: list[tuple[float, int]]) -> None:
    """A card's calibration table against a plain pandas grouping of its final probabilities into
    tenths (k/10 to (k+1)/10, the last with 1; 0.3 written as 0.29999… counted in 30–40% as meant)."""
    frame = pd.DataFrame(finals, columns=["p", "hit"])
    frame["bin"] = np.minimum(np.floor(np.round(frame["p"] * 10, 9)), 9).astype(int)
    grouped = frame.groupby("bin").agg(count=("p", "size"), mean_forecast=("p", "mean"), observed=("hit", "mean"))
    assert [row["count"] for row in card["calibration"]] == [int(grouped["count"].get(k, 0)) for k in range(10)]
    for k, row in grouped.iterrows():
        shown = card["calibration"][k]
        assert shown["mean_forecast"] == pytest.approx(row["mean_forecast"], abs=1e-12)
        assert shown["observed"] == pytest.approx(row["observed"], abs=1e-12)


def test_the_aggregates_scores_and_everyones_calibration_match_an_independent_computation(ledger, clock):
    build_team_ledger(clock)
    ok("add", "Binary E", "--key", "e")
    ok("add", "Binary F", "--key", "f")
    ok("--as", "ana", "forecast", "e", "0.35")
    ok("--as", "bo", "forecast", "e", "0.62")
    ok("--as", "cy", "forecast", "f", "0.05")
    clock.go(15)
    ok("--as", "ana", "forecast", "f", "0.81")
    ok("--as", "bo", "forecast", "f", "1")
    ok("--as", "ana", "forecast", "e", "0.3")
    clock.go(18)
    ok("update", "e", "--status", "confirmed")
    ok("update", "f", "--status", "refuted")
    exported = json.loads(ok("export", "--format", "json").stdout)
    cards = {card["group"]: card for card in run_json("score", "--by", "forecaster")}
    expected = independent_aggregate_scores(exported)
    assert set(expected) == set(AGGREGATES)
    for name, numbers in expected.items():
        for score in ("brier", "log_score", "brier_time_averaged", "relative_brier"):
            assert cards[name][score] == pytest.approx(numbers[score], abs=1e-12), (name, score)
        assert_calibration_is_pandas(cards[name], numbers["finals"])
    for who in ("ana", "bo", "cy"):
        finals = []
        for forecast in exported["forecasts"]:
            mine = [e["new"] for e in forecast["events"] if e["kind"] == "estimate" and e["actor"] == who]
            if mine and forecast["options"] is None and forecast["status"] in ("confirmed", "refuted"):
                finals.append((mine[-1], int(forecast["status"] == "confirmed")))
        assert_calibration_is_pandas(cards[who], finals)


def test_show_extremizes_the_team_s_geometric_mean_of_odds_on_request(seeded):
    ok("--as", "ana", "forecast", "1", "70%")
    ok("--as", "bo", "forecast", "1", "80%")
    plain = run_json("show", "1")["aggregates"]
    assert "extremized" not in plain
    team = run_json("show", "1", "--extremize", "2")["aggregates"]
    odds = math.exp(2 * statistics.fmean([math.log(0.7 / 0.3), math.log(0.8 / 0.2)]))
    assert team["extremize"] == 2 and team["extremized"] == pytest.approx(odds / (1 + odds), abs=1e-12)
    assert "extremized (geometric mean of odds to the power 2): 90.3226%" in ok("show", "1", "--extremize", "2").stdout
    ok("add", "Who?", "--option", "A", "--option", "B", "--option", "C")
    ok("--as", "ana", "forecast", "4", "A=0.6", "B=0.3", "C=0.1")
    ok("--as", "bo", "forecast", "4", "A=0.2", "B=0.5", "C=0.3")
    pooled = {o: gmean([a, b]) ** 1.5 for o, a, b in (("A", 0.6, 0.2), ("B", 0.3, 0.5), ("C", 0.1, 0.3))}
    shown = run_json("show", "4", "--extremize", "1.5")["aggregates"]["extremized"]
    assert shown == pytest.approx({o: v / sum(pooled.values()) for o, v in pooled.items()}, abs=1e-12)
    assert_clean_failure(run("show", "1", "--extremize", "0"), USAGE, "--extremize")


def test_list_shows_and_sorts_by_the_team_s_median_once_anyone_estimates(seeded):
    assert ok("list").stdout.splitlines()[0].split() == ["ID", "STATUS", "PROB", "RESOLVE", "BY", "TAGS", "CLAIM"]
    ok("--as", "ana", "forecast", "2", "30%")
    ok("--as", "ana", "forecast", "3", "70%")
    ok("--as", "bo", "forecast", "3", "90%")
    lines = ok("list", "--sort", "-aggregate").stdout.splitlines()
    assert lines[0].split()[:4] == ["ID", "STATUS", "PROB", "TEAM"]
    assert [line.split()[:4] for line in lines[1:3]] == [["3", "open", "-", "80%"], ["2", "open", "-", "30%"]]
    assert [f["aggregate"] for f in run_json("list", "--sort", "-aggregate")][:2] == [0.8, 0.3]


def test_binary_brier_at_resolution_is_scikit_learns(ledger, clock):
    build_team_ledger(clock)
    exported = json.loads(ok("export", "--format", "json").stdout)
    cards = {card["group"]: card for card in run_json("score", "--by", "forecaster")}
    bo_outcomes, bo_probabilities = [], []
    for forecast in exported["forecasts"]:
        mine = [e["new"] for e in forecast["events"] if e["kind"] == "estimate" and e["actor"] == "bo"]
        if mine and forecast["options"] is None and forecast["status"] in ("confirmed", "refuted"):
            bo_outcomes.append(int(forecast["status"] == "confirmed"))
            bo_probabilities.append(mine[-1])
    # bo's multiple-choice question counts too: add its summed Brier (0 to 2) to the binary ones.
    binary = brier_score_loss(bo_outcomes, bo_probabilities) * len(bo_outcomes)
    multiple = (0.2 - 0) ** 2 + (0.6 - 1) ** 2 + (0.2 - 0) ** 2
    assert cards["bo"]["brier"] == pytest.approx((binary + multiple) / (len(bo_outcomes) + 1))


def test_a_team_view_that_beats_its_members_shows_it(ledger, clock):
    ok("add", "Q", "--key", "q")
    ok("--as", "ana", "forecast", "q", "0.9")
    ok("--as", "bo", "forecast", "q", "0.3")
    ok("update", "q", "--status", "confirmed")
    cards = {card["group"]: card for card in run_json("score", "--by", "forecaster")}
    assert cards["(mean)"]["brier"] == pytest.approx(0.16)
    assert cards["ana"]["relative_brier"] == pytest.approx(0.01 - 0.49)
    assert_clean_failure(run("score", "--by", "forecaster", "--since", "2020-01-01"), FAILURE, "leave out --since")


def test_the_report_scores_every_forecaster(ledger, clock, tmp_path):
    build_team_ledger(clock)
    markdown = ok("export", "--format", "markdown").stdout
    assert "### By forecaster (their own estimates)" in markdown
    assert any(line.startswith("| ana | 3 |") for line in markdown.splitlines())
    ok("report", "-o", tmp_path / "report.html")
    assert "By forecaster (their own estimates)" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_the_forecaster_scores_read_each_timeline_as_the_fold_does(ledger, clock, tmp_path):
    """The scores fold only a timeline's status changes when none of its estimates was taken
    back, and read its estimates as they stand: the same as the fold of every event gives."""
    from sqlalchemy import select

    from tracker.cli.context import Ledger
    from tracker.services.forecaster_scores import questions
    from tracker.services.replay import load_states
    from tracker.storage.models import Forecast

    build_team_ledger(clock)
    ok("add", "Taken back", "--key", "e")
    ok("--as", "ana", "forecast", "e", "0.3")
    ok("--as", "ana", "forecast", "e", "0.6")
    ok("--as", "ana", "undo")
    ok("update", "e", "--status", "refuted")
    ok("update", "a", "--status", "open", "--note", "judged too soon")
    clock.go(15)
    ok("update", "a", "--status", "refuted", "--note", "judged again")
    ok("import", "--from", "predictionbook", Path(__file__).parent / "fixtures" / "predictionbook-my-predictions.json")
    with Ledger(ledger.target, "tester").session(write=False) as session:
        read = {question.id: question for question in questions(session)}
        forecasts = list(session.scalars(select(Forecast).where(Forecast.id.in_(read)).order_by(Forecast.id)))
        states = load_states(session, forecasts)
    assert len(read) == len(states) == 6
    for state in states:
        question = read[state.record["id"]]
        assert question.estimates == state.in_time_order()
        assert question.resolved_at == state.resolution.resolved_at
    assert [e.value for e in read[run_json("show", "e")["id"]].estimates] == [0.3]
