"""The `tracker` command group: global options, lazy subcommands, and the error boundary."""

import gc
import importlib

import click

from tracker import __version__
from tracker.actors import clean_actor
from tracker.cli import terminal
from tracker.cli.context import Ledger, login_name
from tracker.cli.output import error_text
from tracker.errors import TrackerError
from tracker.limits import ACTOR_LENGTH

# Each subcommand's module is imported only when that command runs (or help lists it),
# so `tracker --help` loads Click and nothing of SQLAlchemy.
SUBCOMMANDS = {
    "add": "tracker.cli.forecasts:add",
    "completion": "tracker.cli.completion:completion",
    "db": "tracker.cli.db:db",
    "delete": "tracker.cli.forecasts:delete",
    "doctor": "tracker.cli.doctor:doctor",
    "evidence": "tracker.cli.evidence:evidence",
    "export": "tracker.cli.interchange:export",
    "forecast": "tracker.cli.estimates:forecast",
    "history": "tracker.cli.forecasts:history",
    "import": "tracker.cli.interchange:import_",
    "list": "tracker.cli.forecasts:list_forecasts",
    "report": "tracker.cli.report:report",
    "review": "tracker.cli.review:review",
    "score": "tracker.cli.scoring:score",
    "seed": "tracker.cli.seed:seed",
    "show": "tracker.cli.forecasts:show",
    "snooze": "tracker.cli.review:snooze",
    "source": "tracker.cli.sources:source",
    "stats": "tracker.cli.scoring:stats",
    "tags": "tracker.cli.tags:tags",
    "undo": "tracker.cli.undo:undo",
    "update": "tracker.cli.forecasts:update",
}


class TrackerGroup(click.Group):
    """Loads subcommands by import string and turns TrackerError into `Error: …`, exit 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in SUBCOMMANDS:
            return None
        module_name, attribute = SUBCOMMANDS[name].split(":")
        return with_global_options(getattr(importlib.import_module(module_name), attribute))

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args and not ctx.resilient_parsing:
            # `tracker` alone asks what there is: the help, and no error.
            click.echo(ctx.get_help())
            ctx.exit(0)
        return super().parse_args(ctx, args)

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.ClickException as exc:
            raise shown_safely(exc)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except TrackerError as exc:
            if ctx.params.get("debug"):
                raise
            raise click.ClickException(error_text(str(exc))) from exc
        except click.ClickException as exc:
            raise shown_safely(exc)


def shown_safely(exc: click.ClickException) -> click.ClickException:
    """The error with the user's text in it (a value, an option, a name) safe for a terminal."""
    exc.message = error_text(exc.message)
    return exc


def checked_database(database: str | None) -> str | None:
    if database is not None and not database.strip():
        raise click.BadParameter("is empty; give a ledger file or database URL, or leave it out for the "
                                 "default ledger.", param_hint="'--db' / TRACKER_DB")
    return database


def global_option_given(ctx: click.Context, param: click.Parameter, value) -> None:
    """A global option given after the command (`tracker list --db x`): it means what it means
    before it, and overrides the value from before the command or the environment."""
    if value is None or value is False or ctx.resilient_parsing:
        return
    ledger = ctx.find_object(Ledger)
    if param.name == "database":
        ledger.target = checked_database(value)
    elif param.name == "actor":
        ledger.actor = clean_actor(value, "--as") or ledger.actor
    elif param.name == "debug":
        ctx.find_root().params["debug"] = True
    elif param.name == "color":
        terminal.configure(color=value)
    elif param.name == "no_pager":
        terminal.configure(pager=False)


def with_global_options(command: click.Command) -> click.Command:
    """`command` (and every command under it) taking the global options too, hidden from its help."""
    if getattr(command, "takes_global_options", False):
        return command
    for option in global_options():
        command.params.append(option)
    command.takes_global_options = True
    for sub in getattr(command, "commands", {}).values():
        with_global_options(sub)
    return command


def global_options() -> list[click.Option]:
    """The global options as a subcommand takes them: no default and no environment variable, as
    those were taken before the command."""
    hidden = dict(hidden=True, expose_value=False, callback=global_option_given)
    return [
        click.Option(["--db", "database"], metavar="PATH|URL", **hidden),
        click.Option(["--as", "actor"], metavar="NAME", **hidden),
        click.Option(["--debug"], is_flag=True, default=None, **hidden),
        click.Option(["--color", "color"], type=click.Choice(terminal.COLOR_CHOICES), **hidden),
        click.Option(["--no-pager", "no_pager"], is_flag=True, default=None, **hidden),
    ]


@click.group(cls=TrackerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "database", envvar="TRACKER_DB", metavar="PATH|URL",
              help="Ledger file or database URL [env TRACKER_DB; default: tracker.db in the user data folder].")
@click.option("--as", "actor", envvar="TRACKER_USER", metavar="NAME",
              help=f"Who is acting, recorded on every change; at most {ACTOR_LENGTH} characters, no control characters "
                   "[env TRACKER_USER; default: login name].")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of short errors.")
@click.option("--color", type=click.Choice(terminal.COLOR_CHOICES), default="auto", show_default=True,
              envvar="TRACKER_COLOR",
              help="Colour tables: auto is on a terminal unless NO_COLOR is set [env TRACKER_COLOR].")
@click.option("--no-pager", is_flag=True,
              help="Never page long output (on a terminal it goes through TRACKER_PAGER, PAGER or less).")
@click.version_option(__version__, prog_name="tracker", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, database: str | None, actor: str | None, debug: bool, color: str,
        no_pager: bool) -> None:
    """A ledger of forecasts: claims, their evidence, their status, and every change.

    The options below may also be given after the command: tracker list --db FILE.

    
    Examples:
      tracker seed && tracker list
      tracker --db team.db --as ana review
      tracker show 1 --format json
    """
    checked_database(database)
    terminal.configure(color=color, pager=not no_pager)
    actor = clean_actor(actor, "--as / TRACKER_USER") or \
        clean_actor(login_name(), "the login name (choose another with --as)") or "unknown"
    ctx.obj = Ledger(target=database, actor=actor)


def main() -> None:
    # Start-up makes thousands of long-lived objects and no garbage, so the cycle collector
    # only slows it down: it is off until a command opens the ledger (Ledger.session), which
    # freezes what start-up made and turns it back on. Freezing all at exit keeps the
    # interpreter's last sweep short.
    gc.disable()
    try:
        cli(prog_name="tracker")
    except BrokenPipeError:
        # `tracker list | head`: the reader left; nothing to report.
        import os
        import sys

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
    finally:
        gc.freeze()
