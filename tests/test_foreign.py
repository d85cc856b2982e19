"""Bringing in other trackers' data whole: Fatebook's CSV export and PredictionBook's API JSON,
every forecast by every person at its own moment, comments as evidence, resolutions when they
happened; odd but real records kept and flagged; a later export merged, not duplicated."""

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import dump, ok, run, run_json
from interchange_helpers import ledgers  # noqa: F401  (a fixture)
from test_bad_input import assert_clean_failure

FIXTURES = Path(__file__).parent / "fixtures"
FATEBOOK = FIXTURES / "fatebook-export.csv"
PREDICTIONBOOK = FIXTURES / "predictionbook-my-predictions.json"
# The columns of Fatebook's export from mid 2023 to late 2024: no options, resolution named apart.
FATEBOOK_2023 = ("Question title,Forecast created by,Forecast (scale = 0-1),Forecast created at,Question created by,"
                 "Question created at,Question resolution,Question resolve by,Question resolved at,"
                 "Your Brier score for this question,Your relative Brier score for this question,Question notes,"
                 "Question shared with,Question shared publicly,Question comments\n")


def by_claim() -> dict[str, dict]:
    return {f["claim"]: f for f in run_json("list")}


def estimates(shown: dict) -> list[tuple]:
    return [(e["actor"], e["at"][:19], e.get("probability", e.get("probabilities"))) for e in shown["estimates"]]


def kinds(shown: dict) -> list[tuple[str, str]]:
    return [(e["kind"], e["actor"]) for e in shown["events"]]


def test_every_fatebook_forecast_is_an_estimate_by_its_forecaster(ledger):
    result = ok("import", "--from", "fatebook", FATEBOOK)
    assert "5 added, 0 updated, 0 unchanged" in result.stderr
    assert "6 estimates by 2 people." in result.stderr
    assert "1 hidden forecast (empty cell) skipped." in result.stderr
    forecasts = by_claim()
    library = run_json("show", forecasts["Will the new library branch open before March?"]["id"])
    assert estimates(library) == [("Ada Lovelace", "2024-01-05T09:14:07", 0.6),
                                  ("Grace Hopper", "2024-01-06T11:00:12", 0.8),
                                  ("Ada Lovelace", "2024-01-20T08:30:05", 0.75)]
    assert library["probability"] == 0.6  # what its creator said when asking
    assert library["aggregate"] == pytest.approx(0.775)
    assert (library["made_on"], library["resolve_by"], library["status"]) == ("2024-01-05", "2024-03-01", "confirmed")
    assert library["source"]["author"] == "Ada Lovelace"
    assert library["criteria"].startswith("Counts if the doors are open")
    assert library["key"].startswith("fatebook/") and library["tags"] == ["fatebook"]
    assert kinds(library) == [("created", "Ada Lovelace"), ("estimate", "Ada Lovelace"), ("estimate", "Grace Hopper"),
                              ("estimate", "Ada Lovelace"), ("evidence_added", "Grace Hopper"),
                              ("evidence_added", "Ada Lovelace"), ("status_changed", "tester")]
    assert library["events"][0]["at"].startswith("2024-01-05T09:13:58")
    assert library["events"][-1]["at"].startswith("2024-02-20T18:02:33")
    assert [(e["summary"], e["added_by"]) for e in library["evidence"]] == [
        ("Grace Hopper: the mayor says February", "Grace Hopper"),
        ("Ada Lovelace: opening party booked", "Ada Lovelace")]
    assert forecasts['Will it snow in Lisbon this winter, "even a little"?']["status"] == "refuted"
    assert forecasts["Will the bill pass the second reading?"]["status"] == "void"
    unresolved = forecasts["=Will the price pass 100?"]
    assert unresolved["status"] == "open" and unresolved["probability"] is None
    assert run_json("show", unresolved["id"])["estimates"] == []  # its one forecast was hidden
    ok("doctor")


def test_a_fatebook_multiple_choice_question_is_one_forecast_with_options(ledger):
    ok("import", "--from", "fatebook", FATEBOOK)
    final = run_json("show", by_claim()["Which team wins the regional final?"]["id"])
    assert final["options"] == ["Harbour FC", "Mill Town"]
    assert (final["status"], final["outcome"]) == ("confirmed", "Mill Town")
    assert estimates(final) == [("Ada Lovelace", "2024-03-01T19:00:00", {"Harbour FC": 0.55, "Mill Town": 0.45})]
    assert not any("Harbour FC" in claim and "—" in claim for claim in by_claim())


def test_the_older_fatebook_layout_is_read_too(ledger, tmp_path):
    path = tmp_path / "fatebook-2023.csv"
    path.write_text(FATEBOOK_2023 + (
        '"Will the ferry run on Sunday?","Ada Lovelace",0.3,2023-09-01 10:00:5,"Ada Lovelace",2023-09-01 09:59:1,'
        '"NO",2023-09-10 00:00:0,2023-09-11 08:00:0,0.09,,"Timetable counts.",,false,"Ada Lovelace: no crew"\n'
        '"Will the ferry run on Sunday?","Bo",0.6,2023-09-02 10:00:0,"Ada Lovelace",2023-09-01 09:59:1,'
        '"NO",2023-09-10 00:00:0,2023-09-11 08:00:0,0.09,,"Timetable counts.",,false,"Ada Lovelace: no crew"\n'),
        encoding="utf-8")
    assert "1 added" in ok("import", "--from", "fatebook", path).stderr
    [ferry] = run_json("list")
    shown = run_json("show", ferry["id"])
    assert (shown["status"], shown["criteria"]) == ("refuted", "Timetable counts.")
    assert estimates(shown) == [("Ada Lovelace", "2023-09-01T10:00:05", 0.3), ("Bo", "2023-09-02T10:00:00", 0.6)]
    assert shown["events"][-1]["at"].startswith("2023-09-11T08:00:00")


def test_a_fatebook_question_without_a_named_creator_is_credited_to_a_placeholder(ledger, tmp_path):
    """Not to whoever forecast on it; and an evening export west of UTC, whose moments are
    already tomorrow in UTC, is kept, not refused as being in the future."""
    tomorrow = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=20)
    stamp = f"{tomorrow:%Y-%m-%d} {tomorrow.hour:02d}:{tomorrow.minute:02d}:{tomorrow.second}"
    path = tmp_path / "fatebook.csv"
    row = f'"Rain at the picnic?","Bo",0.4,{stamp},,{stamp},,,,,,,,false,\n'
    path.write_text(FATEBOOK_2023 + row, encoding="utf-8")
    result = ok("import", "--from", "fatebook", path)
    assert "1 question whose creator the file does not name credited to a placeholder" in result.stderr
    [picnic] = run_json("list")
    shown = run_json("show", picnic["id"])
    assert kinds(shown) == [("created", "fatebook:unnamed"), ("estimate", "Bo")]
    assert shown["source"]["author"] is None and "flag:creator-unknown" in shown["tags"]
    assert shown["probability"] is None  # Bo's forecast is not the creator's


def test_a_later_fatebook_export_updates_without_duplicates(ledger, tmp_path):
    ok("import", "--from", "fatebook", FATEBOOK)
    before = by_claim()
    text = FATEBOOK.read_text(encoding="utf-8")
    later = tmp_path / "fatebook.csv"
    later.write_text(
        text.replace('2025-01-01 00:00:0,,', '2025-01-01 00:00:0,"NO",2025-01-02 10:00:0')
        .replace('"Ada Lovelace",,2024-04-02 08:00:0', '"Ada Lovelace",0.3,2024-04-02 08:00:0')  # no longer hidden
        .replace("Will the new library branch open before March?", "Will the new library branch open by March?")
        + '"=Will the price pass 100?",,"Grace Hopper",0.2,2024-05-01 12:00:0,"Ada Lovelace",2024-04-02 07:59:59,'
          '2025-01-01 00:00:0,"NO",2025-01-02 10:00:0,,,,,false,\n', encoding="utf-8")
    result = ok("import", "--from", "fatebook", later)
    assert "0 added, 2 updated, 3 unchanged" in result.stderr
    after = by_claim()
    library = after["Will the new library branch open by March?"]
    assert library["id"] == before["Will the new library branch open before March?"]["id"]  # an edit, not a new one
    shown = run_json("show", library["id"])
    assert len(shown["estimates"]) == 3 and len(shown["evidence"]) == 2  # nothing twice
    assert shown["events"][-1]["kind"] == "edited" and shown["events"][-1]["field"] == "claim"
    price = run_json("show", after["=Will the price pass 100?"]["id"])
    assert estimates(price) == [("Ada Lovelace", "2024-04-02T08:00:00", 0.3),
                                ("Grace Hopper", "2024-05-01T12:00:00", 0.2)]
    assert price["status"] == "refuted" and price["events"][-1]["at"].startswith("2025-01-02T10:00:00")
    settled = dump(ledger)
    assert "0 added, 0 updated, 5 unchanged" in ok("import", "--from", "fatebook", later).stderr
    assert dump(ledger) == settled
    ok("doctor")


def test_fatebook_comments_become_evidence_once_each_dated_by_the_question_never_the_import_day(ledger, tmp_path):
    """Fatebook's export writes a question's comments in one cell, `name: comment; name: comment`,
    with no moment of their own (lib/web/export.ts). Each becomes evidence once, by its author,
    dated at the question's last known moment in the file that first holds it; a later export
    holding it again adds only the comments that are new."""
    price = '"=Will the price pass 100?",,"Ada Lovelace",,2024-04-02 08:00:0,"Ada Lovelace",2024-04-02 07:59:59,'
    text = FATEBOOK.read_text(encoding="utf-8")
    first = tmp_path / "first.csv"
    first.write_text(text.replace(price + "2025-01-01 00:00:0,,,,,,,false,",
                                  price + '2025-01-01 00:00:0,,,,,,,false,"Ada Lovelace: watching the index"'),
                     encoding="utf-8")
    ok("import", "--from", "fatebook", first)
    question = by_claim()["=Will the price pass 100?"]["id"]
    evidence = run_json("show", question)["evidence"]
    assert [(e["added_by"], e["summary"], e["added_at"][:19]) for e in evidence] == [
        ("Ada Lovelace", "Ada Lovelace: watching the index", "2024-04-02T07:59:59")]
    later = tmp_path / "later.csv"
    comments = '"Ada Lovelace: watching the index; Grace Hopper: it dipped; so did I"'
    later.write_text(text.replace(price + "2025-01-01 00:00:0,,,,,,,false,", price + "2025-01-01 00:00:0,,,,,,,false,"
                                  + comments)
                     + price.replace('"Ada Lovelace",,2024-04-02 08:00:0', '"Grace Hopper",0.2,2024-05-01 12:00:0')
                     + "2025-01-01 00:00:0,,,,,,,false," + comments + "\n", encoding="utf-8")
    ok("import", "--from", "fatebook", later)
    evidence = run_json("show", question)["evidence"]
    assert [(e["added_by"], e["summary"], e["added_at"][:19]) for e in evidence] == [
        ("Ada Lovelace", "Ada Lovelace: watching the index", "2024-04-02T07:59:59"),
        ("Grace Hopper", "Grace Hopper: it dipped; so did I", "2024-05-01T12:00:00")]
    settled = dump(ledger)
    ok("import", "--from", "fatebook", later)
    assert dump(ledger) == settled  # nothing twice


def what_came_in(exported: dict) -> dict:
    """Each imported question by its key: what it says, its estimates and its evidence, with
    no ids, versions or order of recording (a merge records in another order than one import)."""
    return {f["key"]: (f["claim"], f["status"], f.get("outcome"), f["resolve_by"],
                       sorted((e["actor"], e["at"], json.dumps(e["new"])) for e in f["events"] if e["kind"] == "estimate"),
                       sorted((e["summary"], e["added_by"], e["added_at"]) for e in f["evidence"]))
            for f in exported["forecasts"]}


def test_a_later_predictionbook_export_updates_without_duplicates(ledger, ledgers, tmp_path):  # noqa: F811
    """An earlier API export lacks some responses (and their comments) and a judgement, and has
    a description edited since; the later one, imported on top, leaves the ledger holding what a
    direct import of the later one holds, each response and comment once."""
    later = json.loads(PREDICTIONBOOK.read_text(encoding="utf-8"))
    earlier = json.loads(PREDICTIONBOOK.read_text(encoding="utf-8"))
    bridge = earlier["predictions"][0]
    bridge["responses"] = bridge["responses"][:1]
    bridge["outcome"], bridge["updated_at"] = None, "2015-03-02T10:11:12.000Z"
    earlier["predictions"][1]["description"] += " (draft)"
    first, second = tmp_path / "earlier.json", tmp_path / "later.json"
    first.write_text(json.dumps(earlier), encoding="utf-8")
    second.write_text(json.dumps(later), encoding="utf-8")
    ok("import", "--from", "predictionbook", first)
    assert "0 added, 2 updated" in ok("import", "--from", "predictionbook", second).stderr
    merged = what_came_in(json.loads(ok("export", "--format", "json").stdout))
    settled = dump(ledger)
    assert "0 added, 0 updated" in ok("import", "--from", "predictionbook", second).stderr
    assert dump(ledger) == settled
    direct = ledgers.new()
    ok("--db", direct, "import", "--from", "predictionbook", second)
    assert merged == what_came_in(json.loads(ok("--db", direct, "export", "--format", "json").stdout))
    assert run_json("score", "--by", "forecaster") == run_json("--db", direct, "score", "--by", "forecaster")


def test_every_predictionbook_response_is_an_estimate_and_every_comment_evidence(ledger):
    result = ok("import", "--from", "predictionbook", PREDICTIONBOOK)
    assert "4 added, 0 updated, 0 unchanged" in result.stderr and "5 estimates by 2 people." in result.stderr
    bridge = run_json("show", "predictionbook/140001")
    assert estimates(bridge) == [("predictionbook:ada", "2015-03-02T10:11:12", 0.6),
                                 ("predictionbook:bob", "2015-03-04T09:00:00", 0.9),
                                 ("predictionbook:ada", "2015-06-10T18:30:00", 0.7)]
    assert bridge["status"] == "confirmed" and bridge["probability"] == 0.6
    assert bridge["events"][-1]["at"].startswith("2016-01-02T08:00:00")  # updated_at: the API has no judgement time
    assert (bridge["made_on"], bridge["resolve_by"]) == ("2015-03-02", "2015-12-31")
    assert bridge["source"]["title"] == "PredictionBook" and bridge["source"]["author"] == "ada"
    assert bridge["criteria"].endswith("https://predictionbook.com/predictions/140001")
    assert [(e["summary"], e["observed_on"], e["added_by"]) for e in bridge["evidence"]] == [
        ("ada: Contractor says autumn.", "2015-03-02", "predictionbook:ada"),
        ("ada: Steel delivered early.", "2015-06-10", "predictionbook:ada")]
    assert run_json("show", "predictionbook/140002")["status"] == "refuted"
    assert run_json("show", "predictionbook/140003")["status"] == "void"  # withdrawn
    mars = run_json("show", "predictionbook/140004")
    assert mars["status"] == "open" and mars["probability"] is None and mars["estimates"] == []


def test_odd_predictionbook_records_are_flagged_not_refused(ledger, tmp_path):
    document = json.loads(PREDICTIONBOOK.read_text(encoding="utf-8"))
    marathon = document["predictions"][1]
    marathon["deadline"] = "2015-01-01T00:00:00.000Z"  # before its creation, as real data has
    marathon["description"] = ""
    marathon["responses"] += [dict(marathon["responses"][0], confidence=100, comment=None),
                              dict(marathon["responses"][0], confidence=0, comment=None)]
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = ok("import", "--from", "predictionbook", path)
    for said in ("1 deadline before creation kept (tagged flag:deadline-before-creation).",
                 "1 question with no title given a placeholder title (tagged flag:no-title).",
                 "2 probabilities of exactly 0 or 1 kept.",
                 "2 forecasts made in the same second as another by the same person kept."):
        assert said in result.stderr
    shown = run_json("show", "predictionbook/140002")
    assert shown["claim"] == "PredictionBook prediction 140002 (no description)"
    assert shown["resolve_by"] == "2015-01-01" and shown["made_on"] == "2015-04-01"
    assert {"flag:deadline-before-creation", "flag:no-title"} <= set(shown["tags"])
    assert [e["probability"] for e in shown["estimates"]] == [0.3, 1.0, 0.0]  # one second, file order
    assert run_json("list", "--tag", "flag:no-title")[0]["key"] == "predictionbook/140002"
    ok("doctor")


@pytest.mark.parametrize("origin,path", [("fatebook", FATEBOOK), ("predictionbook", PREDICTIONBOOK)])
def test_importing_the_same_export_again_changes_nothing(ledger, origin, path):
    ok("import", "--from", origin, path)
    before = dump(ledger)
    assert "0 added, 0 updated" in ok("import", "--from", origin, path).stderr
    assert dump(ledger) == before


@pytest.mark.parametrize("origin,path", [("fatebook", FATEBOOK), ("predictionbook", PREDICTIONBOOK)])
def test_after_a_foreign_import_export_import_export_is_byte_identical(ledger, ledgers, tmp_path,  # noqa: F811
                                                                       origin, path):
    ok("import", "--from", origin, path)
    exported = ok("export", "--format", "json").stdout
    (tmp_path / "ledger.json").write_text(exported, encoding="utf-8")
    other = ledgers.new()
    ok("--db", other, "import", tmp_path / "ledger.json")
    assert ok("--db", other, "export", "--format", "json").stdout == exported


def test_undo_takes_back_a_foreign_import_and_everyone_s_estimates(ledger):
    ok("import", "--from", "predictionbook", PREDICTIONBOOK)
    ok("undo", "--yes")
    assert run_json("list") == []
    assert run_json("list", "--deleted")[0]["key"] == "predictionbook/140001"
    ok("doctor")


def test_a_deleted_forecast_is_left_alone_by_a_later_export(ledger):
    ok("import", "--from", "predictionbook", PREDICTIONBOOK)
    ok("delete", "predictionbook/140004", "--reason", "not mine to track")
    result = ok("import", "--from", "predictionbook", PREDICTIONBOOK)
    assert "1 deleted in this ledger left as it is." in result.stderr


@pytest.mark.parametrize("origin,path,edit,text", [
    ("fatebook", FATEBOOK, lambda t: t.replace('"AMBIGUOUS"', '"MAYBE"'),
     "line 6, field 'Resolution': 'MAYBE' is not YES, NO, AMBIGUOUS"),
    ("fatebook", FATEBOOK, lambda t: t.replace("Resolution,", "Outcome,"),
     "not a Fatebook export: it has no 'Resolution' column"),
    ("fatebook", FATEBOOK, lambda t: t.splitlines()[0].replace("Question title", "Title") + "\n",
     "line 1: this is not a Fatebook export: it has no 'Question title' column"),
    ("fatebook", FATEBOOK, lambda t: t.replace(",0.05,", ",lots,"),
     "line 5, field 'Forecast (scale = 0-1)': 'lots' is not a number"),
    ("fatebook", FATEBOOK, lambda t: t.replace("2024-01-07 21:45:0", "yesterday"),
     "line 5, field 'Forecast created at': 'yesterday' is not a date and time"),
    ("predictionbook", PREDICTIONBOOK, lambda t: t.replace('"outcome": false', '"outcome": "perhaps"'),
     "prediction 2, field 'outcome': 'perhaps' is not"),
    ("predictionbook", PREDICTIONBOOK, lambda t: t.replace('"confidence": 30', '"confidence": 300'),
     "prediction 2, field 'responses[0].confidence': 300 is not a probability (0 to 100)"),
    ("predictionbook", PREDICTIONBOOK, lambda t: t.replace('"description": "I will', '"descr": "I will'),
     "prediction 2: not a PredictionBook prediction"),
])
def test_a_malformed_foreign_file_changes_nothing(seeded, tmp_path, origin, path, edit, text):
    damaged = tmp_path / path.name
    damaged.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    before = dump(seeded)
    assert_clean_failure(run("import", "--from", origin, damaged), 1, text)
    assert dump(seeded) == before


def test_another_trackers_format_and_files_are_fixed(seeded):
    before = dump(seeded)
    assert_clean_failure(run("import", "--from", "fatebook", "--format", "json", FATEBOOK),
                         1, "fatebook data comes as csv, not json")
    assert_clean_failure(run("import", "--from", "fatebook", FATEBOOK, "--questions", FATEBOOK),
                         1, "--questions goes with --from iqisa or gjp")
    assert_clean_failure(run("import", "--from", "gjp", FATEBOOK), 1, "give the questions file too")
    assert dump(seeded) == before


def test_the_command_line_offers_every_reader():
    from tracker.cli.interchange import ORIGINS
    from tracker.services.readers import ORIGIN_FORMATS

    assert ORIGINS == tuple(ORIGIN_FORMATS)


IQISA_HEADER = ("question_id,user_id,team_id,probability,answer_option,timestamp,outcome,open_time,close_time,"
                "resolve_time,time_open,n_opts,options,q_status,q_type\n")
PB_OPTIONS = '"(0) No, (1) Yes, (-1) Ambiguous, (None) Still open"'
GJP_IFPS = ("ifp_id,q_type,q_text,q_desc,q_status,date_start,date_suspend,date_to_close,date_closed,outcome,"
            "short_title,days_open,n_opts,options\n"
            '9001-0,0,Will the canal reopen by May?,Per the port authority.,closed,3/1/12,NULL,5/1/12,5/2/12,a,'
            'canal,61,2,"(a) Yes, (b) No"\n'
            '9002-0,0,Who wins the mayoral race?,,closed,3/1/12,NULL,6/1/12,6/3/12,z,mayor,92,3,'
            '"(a) Ortiz, (b) Lee, (c) Someone else"\n'
            '9003-0,0,Will the strike end in March?,,voided,3/1/12,NULL,3/31/12,NA,,strike,NA,2,"(a) Yes, (b) No"\n')
GJP_FORECASTS = ("ifp_id,ctt,cond,training,team,user_id,forecast_id,fcast_type,answer_option,value,fcast_date,"
                 "expertise,q_status,viewtime,year,timestamp\n"
                 "9001-0,1a,1,a,NA,11,-1,0,a,0.7,2012-03-02,2,closed,NA,1,2012-03-02 10:00:00\n"
                 "9001-0,1a,1,a,NA,11,-1,0,b,0.3,2012-03-02,2,closed,NA,1,2012-03-02 10:00:00\n"
                 "9002-0,1a,1,a,NA,11,-2,0,a,0.5,2012-03-02,2,closed,NA,1,2012-03-02 10:05:00\n"
                 "9002-0,1a,1,a,NA,11,-2,0,b,0.3,2012-03-02,2,closed,NA,1,2012-03-02 10:05:00\n"
                 "9002-0,1a,1,a,NA,11,-2,0,c,0.2,2012-03-02,2,closed,NA,1,2012-03-02 10:05:00\n"
                 "9004-0,1a,1,a,NA,11,-3,0,a,0.5,2012-03-02,2,closed,NA,1,2012-03-02 10:06:00\n")


def test_a_small_iqisa_file_of_predictionbook_data(ledger, tmp_path):
    path = tmp_path / "public.csv"
    path.write_text(IQISA_HEADER
                    + f"7,ada,0.0,0.9,1,2012-01-01 10:00:01+00:00,1.0,2012-01-01 10:00:00+00:00,"
                      f"2011-12-31 00:00:00+00:00,2012-02-01 00:00:00+00:00,-1 days,2.0,{PB_OPTIONS},resolved,0.0\n"
                    + f"7,Bo Jo,0.0,0.0,1,2012-01-05 10:00:00+00:00,1.0,2012-01-01 10:00:00+00:00,"
                      f"2011-12-31 00:00:00+00:00,2012-02-01 00:00:00+00:00,-1 days,2.0,{PB_OPTIONS},resolved,0.0\n",
                    encoding="utf-8")
    result = ok("import", "--from", "iqisa", path)
    assert "2 estimates by 2 people." in result.stderr and "1 deadline before creation kept" in result.stderr
    shown = run_json("show", "predictionbook/7")
    assert kinds(shown) == [("created", "predictionbook:ada"), ("estimate", "predictionbook:ada"),
                            ("estimate", "predictionbook:Bo Jo"), ("status_changed", "tester")]
    assert (shown["status"], shown["probability"], shown["claim"]) == ("confirmed", 0.9,
                                                                        "PredictionBook prediction 7 (no title)")
    assert {"flag:no-title", "flag:deadline-before-creation", "predictionbook"} == set(shown["tags"])


def test_small_gjp_files_yes_no_multiple_choice_and_voided(ledger, tmp_path):
    (tmp_path / "ifps.csv").write_text(GJP_IFPS, encoding="utf-8")
    (tmp_path / "fcasts.csv").write_text(GJP_FORECASTS, encoding="utf-8")
    result = ok("import", "--from", "gjp", tmp_path / "fcasts.csv", "--questions", tmp_path / "ifps.csv")
    assert "3 added" in result.stderr and "2 estimates by 1 person." in result.stderr
    assert "1 forecast on a question the questions file does not have skipped." in result.stderr
    canal = run_json("show", "gjp/9001-0")
    assert (canal["options"], canal["status"], canal["criteria"]) == (None, "confirmed", "Per the port authority.")
    assert estimates(canal) == [("gjp:11", "2012-03-02T10:00:00", 0.7)]
    assert canal["events"][-1]["at"].startswith("2012-05-02T00:00:00")
    mayor = run_json("show", "gjp/9002-0")  # resolved to a letter it does not have: void, flagged
    assert mayor["options"] == ["Ortiz", "Lee", "Someone else"] and mayor["status"] == "void"
    assert "flag:odd-resolution" in mayor["tags"]
    assert estimates(mayor) == [("gjp:11", "2012-03-02T10:05:00", {"Ortiz": 0.5, "Lee": 0.3, "Someone else": 0.2})]
    strike = run_json("show", "gjp/9003-0")
    assert strike["status"] == "void" and strike["events"][-1]["at"].startswith("2012-03-31")
    assert kinds(strike)[0] == ("created", "gjp")


def test_a_damaged_gjp_file_is_refused_naming_its_line(seeded, tmp_path):
    (tmp_path / "ifps.csv").write_text(GJP_IFPS, encoding="utf-8")
    (tmp_path / "fcasts.csv").write_text(GJP_FORECASTS.replace(",0.7,", ",lots,"), encoding="utf-8")
    before = dump(seeded)
    assert_clean_failure(run("import", "--from", "gjp", tmp_path / "fcasts.csv", "--questions", tmp_path / "ifps.csv"),
                         1, "fcasts.csv line 2, field 'value': 'lots' is not a number")
    assert dump(seeded) == before
