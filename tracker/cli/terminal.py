"""What the terminal a command writes to allows: its width, colour, and a pager.

Set once a run by the global options (`--color`, `--no-pager`) and read by the renderer. Only
the table format looks here: JSON, JSONL and CSV never change with the terminal.
"""

import os
import shlex
import sys
from typing import TextIO

COLOR_CHOICES = ("auto", "always", "never")
DEFAULT_PAGER = "less"
# As git does: quit when the text fits one screen, pass colours through, leave the screen as is.
DEFAULT_LESS = "FRX"
# Where neither a terminal nor COLUMNS gives a width, text that is wrapped anyway (`show`'s
# fields, the scorecard's notes) is wrapped at this width; tables are left whole.
FALLBACK_WIDTH = 88


class Settings:
    color: str = "auto"
    pager: bool = True


settings = Settings()


def configure(*, color: str | None = None, pager: bool | None = None) -> None:
    """Record the global options of this run; None leaves a setting as it is."""
    if color is not None:
        settings.color = color
    if pager is not None:
        settings.pager = pager


def reset() -> None:
    settings.color, settings.pager = "auto", True


def width(stream: TextIO | None = None) -> int | None:
    """The columns output may take: COLUMNS when set, else the terminal's; None on a pipe or file
    without COLUMNS, where nothing is cut."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    stream = stream or sys.stdout
    if not stream.isatty():
        return None
    try:
        return os.get_terminal_size(stream.fileno()).columns or None
    except (OSError, ValueError):
        return None


def text_width(stream: TextIO | None = None) -> int:
    """The width running text is wrapped at: the terminal's, or a readable default."""
    return width(stream) or FALLBACK_WIDTH


def _set(name: str) -> bool:
    value = os.environ.get(name)
    return value is not None and value not in ("", "0")


def color_on() -> bool:
    """Whether table output is coloured: `--color`/TRACKER_COLOR always or never; under auto,
    not when NO_COLOR is set, yes when CLICOLOR_FORCE or FORCE_COLOR is, else only on a
    terminal (and never on a dumb one)."""
    if settings.color != "auto":
        return settings.color == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if _set("CLICOLOR_FORCE") or _set("FORCE_COLOR"):
        return True
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


def pager_command() -> str | None:
    """The pager long output goes through, or None: TRACKER_PAGER, else PAGER, else `less`
    (as `less -FRX`); an empty one or `cat` means none; never with --no-pager, nor unless both
    standard input and output are a terminal."""
    if not settings.pager or not (sys.stdout.isatty() and sys.stdin.isatty()):
        return None
    for name in ("TRACKER_PAGER", "PAGER"):
        if name in os.environ:
            command = os.environ[name].strip()
            break
    else:
        command = DEFAULT_PAGER
    if not command or shlex.split(command)[:1] == ["cat"]:
        return None
    return command


def page(text: str, *, color: bool) -> bool:
    """Show `text` through the pager; False, having done nothing, when there is none."""
    command = pager_command()
    if command is None:
        return False
    import click

    saved = {name: os.environ.get(name) for name in ("PAGER", "LESS")}
    os.environ["PAGER"] = command
    if "LESS" not in os.environ:
        os.environ["LESS"] = DEFAULT_LESS
    try:
        click.echo_via_pager(text, color=color)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return True
