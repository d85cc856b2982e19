"""The docs are tested: every command and option has help, every command's help shows examples
that parse, and README's command table names every command (as sqlite-utils' test_docs does)."""

import re
import shlex
from pathlib import Path

import click
import pytest

from conftest import ok, run
from tracker.cli.main import cli

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")

# Documentation only: one run, not one per database backend.
pytestmark = pytest.mark.sqlite_only


def commands(command: click.Command = cli, path: tuple[str, ...] = ()):
    """Every command and group of the tree, with the words that name it after `tracker`."""
    yield path, command
    if isinstance(command, click.Group):
        context = click.Context(command)
        for name in command.list_commands(context):
            yield from commands(command.get_command(context, name), path + (name,))


ALL = list(commands())
LEAVES = [path for path, command in ALL if not isinstance(command, click.Group)]


def examples(path: tuple[str, ...]) -> list[str]:
    """The example command lines of a command's --help, as shown (continued lines joined)."""
    shown = ok(*path, "--help").stdout
    block = shown.partition("\n  Examples:\n")[2].partition("\n\n")[0]
    return [line.strip() for line in block.replace("\\\n", " ").splitlines()]


@pytest.mark.parametrize("path", [path for path, _ in ALL], ids=lambda path: " ".join(path) or "tracker")
def test_every_command_has_help_with_examples(path):
    command = dict(ALL)[path]
    assert command.help and command.short_help != "", f"tracker {' '.join(path)} has no help"
    lines = examples(path)
    assert lines and all(line.startswith("tracker ") for line in lines), f"tracker {' '.join(path)}: {lines}"


@pytest.mark.parametrize("path", [path for path, _ in ALL], ids=lambda path: " ".join(path) or "tracker")
def test_every_option_has_help(path):
    command = dict(ALL)[path]
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"tracker {' '.join(path)} {param.opts[0]} has no help"


@pytest.mark.parametrize("path", [path for path, _ in ALL], ids=lambda path: " ".join(path) or "tracker")
def test_each_example_is_a_command_line_tracker_accepts(path):
    for line in examples(path):
        for part in line.split(" && "):
            words = shlex.split(part.partition(" > ")[0])[1:]
            # --help after the whole line: Click reads every option first, so a misspelt one fails.
            result = run(*words, "--help")
            assert result.exit_code == 0, f"{part!r}: {result.stderr}"


def readme_table_commands() -> set[tuple[str, ...]]:
    """The commands README's command table names: each backquoted form in a row's first cell."""
    names: set[tuple[str, ...]] = set()
    known = {path for path, _ in ALL}
    for row in re.findall(r"^\| (`tracker .*?) \| ", README, re.M):
        for form in re.findall(r"`([^`]+)`", row):
            words = form.removeprefix("tracker ").split()
            # the longest run of leading words that names a command
            for size in range(len(words), 0, -1):
                if tuple(words[:size]) in known:
                    names.add(tuple(words[:size]))
                    break
    return names


def test_every_command_is_in_the_readme_table():
    missing = [" ".join(path) for path in LEAVES if path not in readme_table_commands()]
    assert missing == [], f"README's command table does not name: {missing}"
