"""The `rt` command line: typer commands, one small module per command group."""

from __future__ import annotations

import sys
import traceback

import typer

from realtime_cli import __version__
from realtime_cli.cli.calls import call_app, sdp_offer
from realtime_cli.cli.config import config_app
from realtime_cli.cli.devices import devices
from realtime_cli.cli.doctor import doctor
from realtime_cli.cli.emulator import emulator
from realtime_cli.cli.replay import replay
from realtime_cli.cli.talk import talk
from realtime_cli.cli.text import text
from realtime_cli.cli.token import token
from realtime_cli.errors import RtError

#: The exit code of a command ended by Ctrl-C (128 + SIGINT, as shells report it).
INTERRUPTED = 130

app = typer.Typer(
    name="rt",
    help="Talk to the OpenAI Realtime API (GA) from a terminal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Talk to the OpenAI Realtime API (GA) from a terminal."""


app.command()(talk)
app.command()(text)
app.command("sdp-offer")(sdp_offer)
app.add_typer(call_app, name="call")
app.command()(token)
app.add_typer(config_app, name="config")
app.command()(emulator)
app.command()(devices)
app.command()(doctor)
app.command()(replay)


@app.command()
def version() -> None:
    """Print rt's version."""
    typer.echo(__version__)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code.

    An `RtError` becomes one line on stderr (`rt: error: ...`) and its exit code; the
    traceback is shown too with --debug. Usage errors exit 2, an interrupt exits 130.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        app(args=args, prog_name="rt")
    except SystemExit as exc:
        code = exc.code
        if code == INTERRUPTED:
            # typer turns Ctrl-C (KeyboardInterrupt) into a silent exit 130.
            print("rt: interrupted", file=sys.stderr)
        return code if isinstance(code, int) else (0 if code is None else 1)
    except RtError as exc:
        if "--debug" in args:
            traceback.print_exc()
        print(f"rt: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("rt: interrupted", file=sys.stderr)
        return INTERRUPTED
    except OSError as exc:
        # A safety net: the commands check their files first, but a disk can still fail.
        if "--debug" in args:
            traceback.print_exc()
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"rt: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    return 0


def run() -> None:
    """Console-script entry point for `rt`."""
    sys.exit(main())
