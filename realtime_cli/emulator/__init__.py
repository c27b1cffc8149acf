"""A faithful local emulator of the OpenAI Realtime GA service, for tests and the demo.

    async with Emulator(speed=50) as emu:
        emu.queue_reply("Hi there.")
        ...  # point a client at emu.base_url / emu.ws_url

Modules: `server` (listening socket, HTTP routing, websocket upgrade), `websocket` (the
sans-I/O websockets adapter), `session` (the per-connection GA state machine, with one
module per concern), `rest` (REST handlers), `handshake` (post-upgrade auth and model
checks), `vad` (energy VAD), `synth` (deterministic audio), `script` (test hooks),
`records` (what was received and sent), `faults` (fault modes:
`Emulator(faults={"drop-1011"})`, `rt emulator --fault NAME`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from realtime_cli.emulator.calls import Call
from realtime_cli.emulator.faults import FAULTS, FaultSettings
from realtime_cli.emulator.realism import Realism
from realtime_cli.emulator.records import (
    ClientFrame,
    ConnectionLog,
    Received,
    RestRequest,
    SentEvent,
    WebSocketOpened,
)
from realtime_cli.emulator.script import Script

if TYPE_CHECKING:
    from realtime_cli.emulator.server import Emulator
    from realtime_cli.emulator.session import SessionMachine, decode_frame

_LAZY = {
    "Emulator": "realtime_cli.emulator.server",
    "SessionMachine": "realtime_cli.emulator.session",
    "decode_frame": "realtime_cli.emulator.session",
}


def __getattr__(name: str) -> Any:
    # The server and the session machine import numpy; `rt --help` only needs the fault list.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "FAULTS",
    "Call",
    "ClientFrame",
    "ConnectionLog",
    "Emulator",
    "FaultSettings",
    "Realism",
    "Received",
    "RestRequest",
    "Script",
    "SentEvent",
    "SessionMachine",
    "WebSocketOpened",
    "decode_frame",
]
