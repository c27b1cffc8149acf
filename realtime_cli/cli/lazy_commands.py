"""The `rt` command group, with each command's module imported only when it is used.

`rt --help` lists the commands from `COMMANDS` (name, module, short help) without importing
any of them; `rt talk ...` imports `realtime_cli.cli.talk` alone. Importing every command
module (and the configuration, the protocol models and asyncio behind them) used to be most
of the start-up time of `rt --help`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import Any, NamedTuple

import typer
from typer.core import TyperGroup

#: click's Command and Context (typer vendors click in recent versions, imports it before).
Command = Any
Context = Any

__all__ = ["COMMANDS", "LazyGroup", "LazySpec"]


class LazySpec(NamedTuple):
    """Where a command lives: `module:attribute` (a function, or a `typer.Typer` group)."""

    target: str
    short_help: str


#: `rt`'s commands in the order `rt --help` lists them. A test checks each short help
#: against the command's own docstring.
COMMANDS: dict[str, LazySpec] = {
    "talk": LazySpec(
        "realtime_cli.cli.talk:talk", "Hold a spoken conversation; Ctrl-C ends it with a summary."
    ),
    "text": LazySpec(
        "realtime_cli.cli.text:text",
        "Ask for a text response and stream it to stdout (status and errors go to stderr).",
    ),
    "sdp-offer": LazySpec(
        "realtime_cli.cli.calls:sdp_offer",
        "Post a WebRTC SDP offer: the answer goes to stdout, `call_id: ...` to stderr.",
    ),
    "call": LazySpec("realtime_cli.cli.calls:call_app", "Control a WebRTC or SIP call by its id."),
    "token": LazySpec(
        "realtime_cli.cli.token:token",
        "Print an ephemeral key (ek_...) for the profile's session; --json adds its expiry.",
    ),
    "config": LazySpec(
        "realtime_cli.cli.config:config_app", "Show and create rt's TOML configuration profiles."
    ),
    "emulator": LazySpec(
        "realtime_cli.cli.emulator:emulator",
        "Run a local emulator of the Realtime API (websocket and REST) until Ctrl-C.",
    ),
    "replay": LazySpec(
        "realtime_cli.cli.replay:replay",
        "Replay a `--log` recording in the live screen or as plain lines, with its audio.",
    ),
    "devices": LazySpec(
        "realtime_cli.cli.devices:devices",
        "List microphones and speakers: index, name, host API, channels, default rate.",
    ),
    "doctor": LazySpec(
        "realtime_cli.cli.doctor:doctor",
        "Self-test before talking: microphone level, then a chirp for echo and latency.",
    ),
}


def load_command(name: str, spec: LazySpec) -> Command:
    """Import the command's module and build its click command."""
    module_name, _, attribute = spec.target.partition(":")
    target: Any = getattr(importlib.import_module(module_name), attribute)
    if isinstance(target, typer.Typer):
        return typer.main.get_command(target)
    app = typer.Typer(rich_markup_mode=None, add_completion=False, pretty_exceptions_enable=False)
    app.command(name)(target)
    return typer.main.get_command(app)


class _LazyCommands(MutableMapping[str, Command]):
    """The group's `commands`: names known up front, commands built on first access."""

    def __init__(self, loaded: MutableMapping[str, Command]) -> None:
        self._loaded = dict(loaded)

    def __getitem__(self, name: str) -> Command:
        if name not in self._loaded:
            if name not in COMMANDS:
                raise KeyError(name)
            self._loaded[name] = load_command(name, COMMANDS[name])
        return self._loaded[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        yield from COMMANDS
        yield from (name for name in self._loaded if name not in COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS) + sum(1 for name in self._loaded if name not in COMMANDS)


class LazyGroup(TyperGroup):
    """A `TyperGroup` whose `COMMANDS` are imported when run, completed or asked for help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _LazyCommands(self.commands)

    def format_commands(self, ctx: Context, formatter: Any) -> None:
        """The command list from the table: listing a command does not import it."""
        rows = [(name, spec.short_help) for name, spec in COMMANDS.items()]
        rows += [
            (name, command.get_short_help_str(limit=formatter.width))
            for name in self.commands
            if name not in COMMANDS and not (command := self.commands[name]).hidden
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
