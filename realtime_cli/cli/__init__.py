"""The `rt` command line: typer commands, one small module per command group."""

from __future__ import annotations

import sys
import traceback
from typing import Annotated, Any

import typer

from realtime_cli import __version__
from realtime_cli.cli.lazy_commands import LazyGroup
from realtime_cli.errors import RtError

#: The exit code of a command ended by Ctrl-C (128 + SIGINT, as shells report it).
INTERRUPTED = 130

app = typer.Typer(
    name="rt",
    cls=LazyGroup,
    help="Talk to the OpenAI Realtime API (GA) from a terminal.",
    epilog=(
        "Examples: rt emulator (a local stand-in service; prints what to export)  |  "
        'rt text "Hello"  |  rt talk --voice cedar  |  rt doctor.  '
        "Exit codes: 0 ok, 1 API or network error, 2 usage or configuration error, "
        "130 interrupted."
    ),
    no_args_is_help=True,
    # Plain help: rich's help renderer alone costs more than the rest of `rt --help`.
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _version_line() -> str:
    """What `rt --version` and `rt version` both print."""
    return f"rt {__version__}"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(_version_line())
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            callback=_print_version,
            is_eager=True,
            help="Print rt's version and exit.",
        ),
    ] = False,
) -> None:
    """Talk to the OpenAI Realtime API (GA) from a terminal."""


@app.command()
def version() -> None:
    """Print rt's version (as `rt --version` does)."""
    typer.echo(_version_line())


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code.

    An `RtError` becomes one line on stderr (`rt: error: ...`) and its exit code; the
    traceback is shown too with --debug. Usage errors exit 2, an interrupt exits 130.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    clicks = _click_exceptions()
    try:
        # Not standalone: click's own errors come back here, to be said in rt's one line.
        result = app(args=args, prog_name="rt", standalone_mode=False)
    except clicks.ClickException as exc:
        shown: Any = exc
        if isinstance(exc, getattr(clicks, "NoArgsIsHelpError", ())):
            shown.show()  # `rt config` alone: its help
        else:
            print(f"rt: error: {_click_error_line(exc)}", file=sys.stderr)
        return int(exc.exit_code)
    except typer.Abort:
        print("rt: interrupted", file=sys.stderr)
        return INTERRUPTED
    except SystemExit as exc:
        code = exc.code
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
    # An exit code (typer.Exit, --help) or a command's return value (None: success).
    code = result if isinstance(result, int) else 0
    if code == INTERRUPTED:
        # typer turns Ctrl-C (KeyboardInterrupt) into a silent exit 130.
        print("rt: interrupted", file=sys.stderr)
    return code


def _click_exceptions() -> Any:
    """The exceptions module of the click typer runs on (recent typer vendors its own)."""
    return sys.modules[typer.BadParameter.__module__]


def _click_error_line(exc: Any) -> str:
    """A usage error of click's in rt's words: one line, pointing at the right --help."""
    message = str(exc.format_message()).strip().rstrip(".")
    line = message[:1].lower() + message[1:]
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        line += f" (see '{ctx.command_path} --help')"
    return line


def run() -> None:
    """Console-script entry point for `rt`."""
    sys.exit(main())
