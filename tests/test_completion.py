"""Shell completion through Click's own protocol, as a shell runs it: a subprocess of
`tracker` with _TRACKER_COMPLETE, COMP_WORDS and COMP_CWORD set."""

import os
import subprocess
import sys

import pytest

from conftest import dump, ok


def complete(words: str, env: dict[str, str] | None = None) -> list[str]:
    """What bash would be offered after `words` (the last word is the one being completed)."""
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    done = subprocess.run([sys.executable, "-m", "tracker"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {}), "_TRACKER_COMPLETE": "bash_complete",
                               "COMP_WORDS": words, "COMP_CWORD": str(cword)})
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return [line.partition(",")[2] for line in done.stdout.splitlines() if line]


@pytest.mark.parametrize("shell,marker", [("bash", "complete -o nosort -F _tracker_completion tracker"),
                                          ("zsh", "#compdef tracker"), ("fish", "complete --no-files --command tracker")])
@pytest.mark.sqlite_only
def test_the_script_for_each_shell(shell, marker):
    script = ok("completion", shell).stdout
    assert marker in script and "_TRACKER_COMPLETE" in script


@pytest.mark.sqlite_only
def test_commands_options_and_statuses_are_completed():
    assert {"completion", "list", "show", "update", "undo"} <= set(complete("tracker "))
    assert complete("tracker sn") == ["snooze"]
    assert "--status" in complete("tracker update 1 --st")
    assert complete("tracker list --status d") == ["developing"]
    assert complete("tracker completion ") == ["bash", "zsh", "fish"]


def test_ids_keys_and_tags_come_from_the_ledger(seeded):
    ok("add", "Grain deal renewed", "--key", "grain", "--tag", "trade", "--tag", "food")
    ok("add", "Mistake", "--key", "gone")
    ok("delete", "5", "--reason", "typo")
    assert complete("tracker show ") == ["1", "anchorage-2025/channels", "2", "anchorage-2025/technical-agreements",
                                         "3", "anchorage-2025/deterrence-talks", "4", "grain"]
    assert complete("tracker update g") == ["grain"]
    assert complete("tracker history anchorage-2025/t") == ["anchorage-2025/technical-agreements"]
    assert complete("tracker evidence add 4") == ["4"]
    assert complete("tracker list --tag ") == ["communication-channels", "food", "risk-reduction",
                                               "strategic-stability", "trade", "us-russia"]
    assert complete("tracker update 4 --untag f") == ["food"]
    assert complete("tracker list --tag 100%") == []


@pytest.mark.sqlite_only
def test_completion_creates_no_ledger_and_upgrades_none(ledger, tmp_path):
    missing = tmp_path / "missing.db"
    assert complete(f"tracker --db {missing} show ") == []
    assert complete("tracker show ", env={"TRACKER_DB": str(missing)}) == []
    assert not missing.exists()
    ok("seed")
    ok("db", "downgrade", "base")
    before = dump(ledger)
    assert complete("tracker show ") == []
    assert dump(ledger) == before
