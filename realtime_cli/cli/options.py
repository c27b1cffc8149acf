"""Options every command shares, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = [
    "ConfigFile",
    "Debug",
    "Instructions",
    "JsonOutput",
    "LogAudio",
    "LogFile",
    "Model",
    "Profile",
    "RestTimeout",
]

#: Seconds a REST command (`rt token`, `rt call ...`) may take, retries included.
DEFAULT_REST_TIMEOUT = 30.0

Profile = Annotated[
    str | None,
    typer.Option(
        "--profile",
        "-p",
        metavar="NAME",
        help="Profile to use (default: $RT_PROFILE, then the file's default_profile, "
        "then 'default').",
    ),
]
ConfigFile = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        metavar="FILE",
        dir_okay=False,
        help="Config file (default: $RT_CONFIG, then $XDG_CONFIG_HOME/rt/config.toml).",
    ),
]
# main() prints the traceback of an error when it sees --debug; the option must exist for
# typer to accept it.
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks and more detail.")]
#: The built-in model (a profile or $RT_MODEL may choose another).
DEFAULT_MODEL = "gpt-realtime"
Model = Annotated[
    str | None,
    typer.Option(
        "--model", "-m", metavar="MODEL", help=f"Realtime model (default: {DEFAULT_MODEL})."
    ),
]
JsonOutput = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
LogFile = Annotated[
    Path | None,
    typer.Option(
        "--log",
        metavar="FILE.jsonl",
        dir_okay=False,
        help="Write both directions of websocket traffic as JSON lines (audio as its length).",
    ),
]
LogAudio = Annotated[bool, typer.Option("--log-audio", help="Keep audio payloads in --log.")]
Instructions = Annotated[
    str | None,
    typer.Option(
        "--instructions",
        "-i",
        metavar="TEXT|@FILE",
        help="System instructions, or @FILE to read them.",
    ),
]
RestTimeout = Annotated[
    float,
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        min=0.1,
        help="Give up when the server has not answered within this long, retries included.",
    ),
]
