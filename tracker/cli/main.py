"""The `tracker` command group: global options, lazy subcommands, and the error boundary."""

import gc
import importlib

import click

from tracker import __version__
from tracker.actors import clean_actor
from tracker.cli.context import Ledger, login_name
from tracker.cli.output import visible
from tracker.errors import TrackerError
from tracker.limits import ACTOR_LENGTH

# Each subcommand's module is imported only when that command runs (or help lists it),
# so `tracker --help` loads Click and nothing of SQLAlchemy.
SUBCOMMANDS = {
    "add": "tracker.cli.forecasts:add",
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
        return getattr(importlib.import_module(module_name), attribute)

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
            raise click.ClickException(visible(str(exc))) from exc
        except click.ClickException as exc:
            raise shown_safely(exc)


def shown_safely(exc: click.ClickException) -> click.ClickException:
    """The error with the user's text in it (a value, an option, a name) safe for a terminal."""
    exc.message = visible(exc.message)
    return exc


@click.group(cls=TrackerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "database", envvar="TRACKER_DB", metavar="PATH|URL",
              help="Ledger file or database URL [env TRACKER_DB; default: tracker.db in the user data folder].")
@click.option("--as", "actor", envvar="TRACKER_USER", metavar="NAME",
              help=f"Who is acting, recorded on every change; at most {ACTOR_LENGTH} characters, no control characters "
                   "[env TRACKER_USER; default: login name].")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of short errors.")
@click.version_option(__version__, prog_name="tracker", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, database: str | None, actor: str | None, debug: bool) -> None:
    """A ledger of forecasts: claims, their evidence, their status, and every change."""
    if database is not None and not database.strip():
        raise click.BadParameter("is empty; give a ledger file or database URL, or leave it out for the "
                                 "default ledger.", param_hint="'--db' / TRACKER_DB")
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
