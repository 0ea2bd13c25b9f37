"""Argument parsing, the shared options, and the one place CLI errors are printed."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from app import __version__
from app.core.errors import UserError
from app.core.logs import redact, unexpected
from app.core.logs import start as start_logging
from app.core.logs import stop as stop_logging
from app.core.paths import resolve_data_dir

log = logging.getLogger(__name__)

# Each command module adds its subcommands with ``register(subparsers)`` and
# sets ``handler(ctx, args) -> int`` on them. They are imported only when a
# command is given, so the desktop app and --version start without them.
COMMAND_MODULES = [
    "profile",
    "key",
    "scenarios",
    "doctor",
    "practice",
    "record",
    "review",
    "review_team",
    "review_reports",
    "sync",
    "team",
    "database",
]


def add_global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"CrossCoach {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="data folder (database, media, settings); default: $CROSSCOACH_DATA_DIR "
        "or your user data folder",
    )
    parser.add_argument(
        "--as",
        dest="acting_as",
        metavar="NAME|ID",
        help="act as this profile for this command (default: $CROSSCOACH_PROFILE "
        "or the active profile)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crosscoach",
        description="CrossCoach: rehearse cross-selling on camera and get coached. "
        "Run without arguments to open the desktop app.",
    )
    add_global_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"app.cli.{name}").register(sub)
    return parser


def report(err: UserError) -> int:
    """The one place CLI errors are printed: what went wrong, what to do (never a password)."""
    print(f"crosscoach: {redact(err.message)}", file=sys.stderr)
    hint = getattr(err, "cli_hint", None) or err.hint  # some errors name commands here only
    if hint:
        print(f"  What to do: {redact(hint)}", file=sys.stderr)
    return err.exit_code


def global_options(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """The options every start accepts (``--version`` prints and exits here), and the rest
    of the command line: empty when no command was given (app.__main__ then opens the
    desktop app), without importing any command module."""
    first = argparse.ArgumentParser(prog="crosscoach", add_help=False)
    add_global_options(first)
    return first.parse_known_args(argv)


def run(argv: list[str]) -> int:
    """``crosscoach COMMAND ...``: the exit code of the command."""
    _, rest = global_options(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        if not rest:
            parser.error("name a command (or run crosscoach alone to open the desktop app)")
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if not hasattr(args, "handler"):
        parser.parse_args([*argv, "--help"])  # a command group without its action
    from app.cli import secrets
    from app.cli.database import open_for_command

    start_logging(resolve_data_dir(args.data_dir), f"crosscoach {args.command}")
    ctx = None
    try:
        ctx = open_for_command(args)
        # Acting as someone with a passphrase (--as, or the remembered profile) asks for it
        # once, at the first use: from a terminal or CROSSCOACH_PASSPHRASE (app.cli.secrets).
        ctx.ask_secret = secrets.ask
        if ctx.acting_as:
            ctx.profile()  # a mistyped --as (or a wrong passphrase) fails here, before anything
        return args.handler(ctx, args) or 0
    except UserError as err:
        return report(err)
    except KeyboardInterrupt:
        print("crosscoach: stopped.", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: the traceback goes to the log, one sentence to the user
        log.error("crosscoach %s failed", args.command, exc_info=exc)
        return report(unexpected(exc))
    finally:
        if ctx is not None:
            ctx.close()
        stop_logging()
