"""Probabilities kept as written, and computed numbers written out rounded the same way by every format."""

from conftest import ok, run, run_json


def test_a_probability_is_kept_and_shown_as_written():
    ok("add", "Rain tomorrow", "--probability", "99.9%")
    shown = run_json("show", "1")
    assert shown["probability"] == 0.999
    assert "99.9%" in ok("show", "1").stdout
    assert ok("export", "--format", "csv").stdout.splitlines()[1].split(",")[7] == "0.999"
    ok("update", "1", "--probability", "1 in 3")
    assert run_json("show", "1")["probability"] == 0.333333333333  # 12 significant digits, as every output
    assert "33.3333%" in ok("list").stdout


def test_computed_numbers_are_written_rounded_the_same_everywhere():
    ok("add", "Rain tomorrow", "--probability", "55%")
    ok("update", "1", "--status", "refuted")
    assert run_json("score")["brier"] == 0.3025
    csv_lines = ok("score", "--format", "csv").stdout.splitlines()
    assert dict(zip(csv_lines[0].split(","), csv_lines[1].split(",")))["brier"] == "0.3025"


def test_a_whole_number_as_a_probability_is_refused_with_its_percent_suggested():
    result = run("add", "Rain tomorrow", "--probability", "85")
    assert result.exit_code == 2
    assert "85%" in result.stderr
