"""The data people already keep, imported as they keep it: a spreadsheet with its own column
names and status words, files saved by Excel or Notepad in their encodings, standard input,
dates and probabilities as people write them, and files without keys imported twice.
Every refusal leaves the ledger exactly as it was."""

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import dump, ok, run, run_json
from tracker.dates import parse_date
from tracker.errors import InvalidInput

FIXTURES = Path(__file__).parent / "fixtures"
SHEET = FIXTURES / "journalist-sheet.csv"
# The command line README gives for the journalist's sheet.
SHEET_OPTIONS = ("--map", "Who said it=source.author", "--map", "Date=made_on", "--map", "Deadline=resolve_by",
                 "--map", "Link=source.url", "--map", "Notes=-",
                 "--map-status", "Promise Kept=confirmed", "--map-status", "Promise Broken=refuted",
                 "--map-status", "In the Works=developing", "--map-status", "Not Yet Rated=open")


def refused(ledger, *args, code=1, input=None) -> str:
    """Run a command that must fail cleanly; its error line, the ledger untouched."""
    before = dump(ledger)
    result = run(*args, input=input)
    assert result.exit_code == code, (result.exit_code, result.stderr, result.exception)
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    assert dump(ledger) == before
    return result.stderr


def by_claim() -> dict[str, dict]:
    return {f["claim"]: f for f in run_json("list")}


def test_a_journalists_sheet_imports_with_the_documented_command_line(ledger):
    error = refused(ledger, "import", SHEET)
    assert "these columns are not tracker's and would be ignored: 'Who said it', 'Date', 'Deadline', 'Notes', " \
           "'Link'" in error
    assert "--map 'COLUMN=field'" in error and "--map 'COLUMN=-'" in error

    result = ok("import", SHEET, *SHEET_OPTIONS)
    assert "Imported journalist-sheet.csv: 5 added, 0 updated, 0 unchanged." in result.stderr
    forecasts = by_claim()
    bridge = forecasts["The new bridge opens to traffic"]
    assert (bridge["made_on"], bridge["resolve_by"], bridge["status"]) == ("2025-01-12", "2026-12-31", "developing")
    assert bridge["source"]["author"] == "Mayor Dana Ruiz"
    assert bridge["source"]["url"] == "https://news.example.org/bridge"
    assert bridge["criteria"] is None  # Notes left out, as the command line says
    fares = forecasts["Bus fares stay at 2 euros"]
    assert (fares["made_on"], fares["resolve_by"], fares["status"]) == ("2025-03-04", "2025-12-31", "confirmed")
    assert forecasts["Every school gets a nurse"]["status"] == "refuted"
    assert forecasts["Every school gets a nurse"]["made_on"] == "2025-03-09"
    assert forecasts["Housing permits double"]["resolve_by"] is None
    assert forecasts["The tram line reaches the airport"]["status"] == "stalled"
    assert {f["source"]["author"] for f in forecasts.values()} == {
        "Mayor Dana Ruiz", "Councillor Lee Park", "Governor Sam Okafor"}

    # The source has only an author, who is its title too: `show` names them once.
    assert "Source:    Mayor Dana Ruiz <https://news.example.org/bridge>" in ok("show", str(bridge["id"])).stdout

    again = ok("import", SHEET, *SHEET_OPTIONS)
    assert "0 added, 0 updated, 5 unchanged; 5 matched without a key" in again.stderr
    assert len(run_json("list")) == 5


def test_a_column_mapped_to_a_field_keeps_what_it_says(ledger):
    options = [o if o != "Notes=-" else "Notes=criteria" for o in SHEET_OPTIONS]
    ok("import", SHEET, *options)
    assert by_claim()["Every school gets a nurse"]["criteria"] == "Budget cut in June"


def test_headers_match_whatever_their_case_spaces_and_underscores(ledger):
    ok("import", FIXTURES / "header-variants.csv")
    forecasts = by_claim()
    rates = forecasts["Rates fall by spring"]
    assert (rates["resolve_by"], rates["made_on"], rates["probability"]) == ("2026-04-30", "2026-01-05", 0.7)
    assert rates["source"]["title"] == "Morning Brief" and rates["tags"] == ["economy", "rates"]
    deal = forecasts["A deal before summer"]
    assert (deal["resolve_by"], deal["made_on"], deal["probability"], deal["source"]) == (
        "2026-06-30", "2026-01-05", 0.25, None)


@pytest.mark.parametrize("options,text", [
    (("--map", "Nobody=claim"), "--map names 'Nobody', which is not a column of journalist-sheet.csv"),
    (("--map", "Who said it=speaker"), "'speaker' is not a field"),
    (("--map", "Who said it"), "is not 'COLUMN=field'"),
    (("--map", "Who said it=claim", "--map", "Date=-", "--map", "Deadline=-", "--map", "Link=-",
      "--map", "Notes=-"), "columns 'Claim' and 'Who said it' both give 'claim'"),
    (SHEET_OPTIONS[:-6], "status words that tracker does not know: 'In the Works' (line 2), "
                         "'Promise Broken' (line 4), 'Not Yet Rated' (line 5)"),
    (SHEET_OPTIONS + ("--map-status", "Gone=finished"), "'finished' is not a status"),
])
def test_a_sheet_that_cannot_be_read_whole_is_refused_saying_how_to_map_it(ledger, options, text):
    assert text in refused(ledger, "import", SHEET, *options)


def test_unknown_status_words_are_all_listed_with_the_hint(ledger):
    error = refused(ledger, "import", SHEET, *SHEET_OPTIONS[:10])
    assert "Map each to one of open, developing" in error and "--map-status 'In the Works=STATUS'" in error


def test_status_words_match_whatever_their_case_and_spacing(ledger, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("claim,status\nOne,Confirmed\nTwo,  promise   BROKEN \n", encoding="utf-8")
    ok("import", path, "--map-status", "Promise Broken=refuted")
    assert {c: f["status"] for c, f in by_claim().items()} == {"One": "confirmed", "Two": "refuted"}
    path.write_text("claim,status\nOne,\nTwo,Refuted\n", encoding="utf-8")
    assert "0 added, 0 updated, 2 unchanged; 2 matched" in ok("import", path).stderr  # an empty cell says nothing
    assert {c: f["status"] for c, f in by_claim().items()} == {"One": "confirmed", "Two": "refuted"}


def test_map_is_for_csv_in_trackers_layout(ledger):
    assert "--map and --map-status are for a CSV" in refused(
        ledger, "import", FIXTURES / "written-forms.jsonl", "--map", "a=claim", code=2)


def test_a_sheet_saved_by_excel_in_cp1252_imports_and_says_how_it_was_read(ledger):
    result = ok("import", FIXTURES / "journalist-sheet-cp1252.csv", *[o if o != "Notes=-" else "Notes=criteria"
                                                                     for o in SHEET_OPTIONS])
    assert "5 added" in result.stderr
    assert "journalist-sheet-cp1252.csv is not UTF-8 (line 2 has byte 0x93); read it as Windows-1252 (cp1252)" \
        in result.stderr
    forecasts = by_claim()
    assert forecasts["The new bridge opens to traffic"]["criteria"] == \
        "Said at the ribbon-cutting: \u201cwe\u2019re nearly there\u201d"
    assert forecasts["Every school gets a nurse"]["source"]["author"] == "Councillor Ren\u00e9e Park"


def test_an_error_in_a_cp1252_sheet_names_its_line(ledger):
    # Line 6: the header, a row, a row whose cell spans two lines, a row, then the bad one.
    error = refused(ledger, "import", FIXTURES / "journalist-sheet-cp1252-bad-date.csv", *SHEET_OPTIONS)
    assert "Error: line 6, field 'made_on': '03/04/2025' is not a date tracker reads" in error


def test_a_cp1252_sheet_read_as_utf8_is_refused_at_its_first_bad_byte(ledger):
    error = refused(ledger, "import", FIXTURES / "journalist-sheet-cp1252.csv", "--encoding", "utf-8",
                    *SHEET_OPTIONS)
    content = (FIXTURES / "journalist-sheet-cp1252.csv").read_bytes()
    offset = content.index(b"\x93")
    column = offset - content.rindex(b"\n", 0, offset)
    assert f"journalist-sheet-cp1252.csv is not utf-8 text: line 2 (byte {column} of the line, offset {offset} " \
           "in the file) has byte 0x93" in error


def test_a_file_neither_utf8_nor_cp1252_is_refused_naming_both_places(ledger, tmp_path):
    path = tmp_path / "odd.jsonl"
    path.write_bytes(b'{"claim": "caf\xe9"}\n{"claim": "x\x81"}\n')
    error = refused(ledger, "import", path)
    assert "odd.jsonl is not UTF-8 text: line 1 (byte 15 of the line, offset 14 in the file) has byte 0xE9; " \
           "nor is it Windows-1252 (cp1252): line 2 (byte 13 of the line, offset 30 in the file) has byte 0x81" \
           in error


@pytest.mark.parametrize("name,claims", [
    ("forecasts-utf16.csv", {"La réforme passe au Sénat", "東京の地価は上がる"}),
    ("forecasts-bom.jsonl", {"Café prices rise"}),
    ("forecasts-cp1252.json", {"The \u201cbig\u201d merger closes"}),
])
def test_utf16_utf8_with_a_mark_and_cp1252_are_read(ledger, name, claims):
    ok("import", FIXTURES / name)
    assert set(by_claim()) == claims


def test_an_encoding_can_be_given(ledger, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("claim\nZażółć gęślą jaźń\n".encode("iso8859-2"))
    ok("import", path, "--encoding", "latin2")
    assert set(by_claim()) == {"Zażółć gęślą jaźń"}
    assert "'klingon' is not an encoding" in refused(ledger, "import", path, "--encoding", "klingon")


def test_standard_input_is_read_given_its_format(ledger):
    content = (FIXTURES / "written-forms.jsonl").read_bytes()
    assert "standard input has no file name to tell its format by; give --format" in refused(
        ledger, "import", "-", input=content)
    result = ok_input(content, "import", "-", "--format", "jsonl")
    assert "Imported stdin: 5 added" in result.stderr
    exported = ok("export", "--format", "csv").stdout
    result = ok_input(exported.encode(), "import", "-", "--format", "csv")
    assert "0 added, 0 updated, 5 unchanged" in result.stderr


def ok_input(content: bytes, *args):
    result = run(*args, input=content)
    assert result.exit_code == 0, (result.stderr, result.exception)
    return result


def test_json_takes_every_probability_and_date_form_the_command_line_takes(ledger):
    ok("import", FIXTURES / "written-forms.jsonl")
    forecasts = by_claim()
    assert {c: f["probability"] for c, f in forecasts.items()} == {
        "Percent as text": 0.6, "Decimal as text": 0.6, "Decimal as a number": 0.6, "Odds for and against": 0.6,
        "One in four": 0.25}
    assert {f["made_on"] for f in forecasts.values()} == {"2026-02-03"}
    assert forecasts["Odds for and against"]["resolve_by"] == "2026-12-31"
    shown = run_json("show", str(forecasts["One in four"]["id"]))
    assert shown["source"]["published_on"] == "2026-02-01"
    assert shown["evidence"][0]["observed_on"] == "2026-02-02"


@pytest.mark.parametrize("field,value,text", [
    ("probability", "85", "probability '85' is outside 0..1"),
    ("probability", "lots", "'lots' is not a probability"),
    ("made_on", "03/04/2026", "'03/04/2026' is not a date tracker reads: 03/04 could be day/month or month/day"),
    ("made_on", "today", "'today' is not a date; use YYYY-MM-DD"),
    ("resolve_by", "31 Smarch 2026", "'smarch' is not a month"),
])
def test_a_written_form_that_cannot_be_read_is_refused_naming_its_field(ledger, tmp_path, field, value, text):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"claim": "Fine", "made_on": "2026-01-01"}) + "\n" +
                    json.dumps({"claim": "Bad", field: value}) + "\n", encoding="utf-8")
    assert f"line 2, field '{field}': " in (error := refused(ledger, "import", path)) and text in error


def test_a_keyless_file_imported_twice_adds_nothing_the_second_time(ledger, tmp_path):
    path = tmp_path / "mine.jsonl"
    objects = [{"claim": "Rain on Sunday", "made_on": "2026-01-04"},
               {"claim": "Rain on Sunday", "made_on": "2026-01-11"},
               {"claim": "Rain on Sunday", "made_on": "2026-01-04", "source": {"title": "Radio"}},
               {"claim": "Snow by March", "source": {"title": "Radio", "author": "Kim"}}]
    path.write_text("".join(json.dumps(o) + "\n" for o in objects), encoding="utf-8")
    assert "4 added" in ok("import", path).stderr
    before = run_json("list")
    objects[3]["status"] = "refuted"
    path.write_text("".join(json.dumps(o) + "\n" for o in objects), encoding="utf-8")
    result = ok("import", path)
    assert "0 added, 1 updated, 3 unchanged; 4 matched without a key, by claim, source and made-on." in result.stderr
    after = run_json("list")
    assert [f["id"] for f in after] == [f["id"] for f in before]
    assert by_claim()["Snow by March"]["status"] == "refuted"


def test_a_keyless_object_that_differs_in_source_or_date_is_a_new_forecast(ledger, tmp_path):
    ok("add", "Rain on Sunday", "--made-on", "2026-01-04", "--source", "Radio")
    path = tmp_path / "mine.jsonl"
    path.write_text(json.dumps({"claim": "Rain on Sunday", "made_on": "2026-01-04", "source": {"title": "TV"}})
                    + "\n" + json.dumps({"claim": "Rain on Sunday", "made_on": "4 Jan 2026",
                                         "source": {"title": "Radio"}}) + "\n", encoding="utf-8")
    assert "1 added, 0 updated, 1 unchanged; 1 matched" in ok("import", path).stderr


def test_the_command_line_reads_the_same_written_dates(ledger):
    ok("add", "Written dates", "--made-on", "3 Jan 2026", "--resolve-by", "2026/12/31")
    forecast = run_json("show", "1")
    assert (forecast["made_on"], forecast["resolve_by"]) == ("2026-01-03", "2026-12-31")
    ok("update", "1", "--resolve-by", "Dec 30, 2026")
    assert run_json("show", "1")["resolve_by"] == "2026-12-30"
    error = refused(ledger, "update", "1", "--resolve-by", "03/04/2027", code=2)
    assert "could be day/month or month/day, and it does not guess" in error


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


@pytest.mark.sqlite_only
@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_every_written_form_of_a_date_reads_as_that_date(day):
    month = MONTHS[day.month - 1]
    for text in (f"{day.year}-{day.month}-{day.day}", f"{day.year}/{day.month:02}/{day.day}",
                 f"{day.day} {month[:3]} {day.year}", f"{day.day} {month.upper()} {day.year}",
                 f"{month[:3].lower()} {day.day}, {day.year}", f"{month} {day.day} {day.year}", day.isoformat()):
        assert parse_date(text, relative=False) == day, text


@pytest.mark.sqlite_only
@given(st.integers(1, 12), st.integers(1, 12), st.integers(1000, 9999))
def test_no_all_number_date_with_the_year_last_is_guessed(first, second, year):
    with pytest.raises(InvalidInput, match="does not guess"):
        parse_date(f"{first:02}/{second:02}/{year}")


def test_a_sheet_refused_after_it_matched_and_added_rows_leaves_the_ledger_as_it_was(ledger, tmp_path):
    ok("import", SHEET, *SHEET_OPTIONS)
    path = tmp_path / "later.csv"
    path.write_text((FIXTURES / "journalist-sheet.csv").read_text(encoding="utf-8").replace(
        "Promise Kept", "Promise Broken")
        + "A new promise,Mayor Dana Ruiz,2026-01-02,,In the Works,,\n"
        + "A promise from the future,Mayor Dana Ruiz,1 Jan 2999,,In the Works,,\n", encoding="utf-8")
    # The last row is refused only once the rows before it have been applied.
    error = refused(ledger, "import", path, *SHEET_OPTIONS)
    assert "line 8: made-on 2999-01-01 is in the future" in error
