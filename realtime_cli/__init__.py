"""rt: talk to the OpenAI Realtime API (GA protocol) from a terminal and from Python.

The public API is the names below and the protocol models in `realtime_cli.protocol`;
everything else is internal and may change. The names are imported on first use, so
`import realtime_cli` stays cheap (the `rt` command imports it on every start)::

    from realtime_cli import VoiceSession, tool

    @tool
    def add(a: int, b: int) -> int:
        \"\"\"Add two integers.\"\"\"
        return a + b

    async with VoiceSession.connect(api_key=key, voice="marin", tools=[add]) as session:
        print(await session.ask("What is 2 + 40? Use the tool."))
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_EXPORTS = {
    "VoiceSession": "realtime_cli.session",
    "ResponseBuilder": "realtime_cli.session",
    "tool": "realtime_cli.session",
    # What `VoiceSession.events()` yields (`VoiceEvent` is their union).
    "AudioDelta": "realtime_cli.session",
    "HeardRevised": "realtime_cli.session",
    "Interrupted": "realtime_cli.session",
    "McpApprovalRequested": "realtime_cli.session",
    "McpProgress": "realtime_cli.session",
    "Notice": "realtime_cli.session",
    "ResponseDone": "realtime_cli.session",
    "ResponseFailed": "realtime_cli.session",
    "ResponseStarted": "realtime_cli.session",
    "ServerError": "realtime_cli.session",
    "SpeechStarted": "realtime_cli.session",
    "SpeechStopped": "realtime_cli.session",
    "ToolCalled": "realtime_cli.session",
    "ToolCompleted": "realtime_cli.session",
    "TranscriptDelta": "realtime_cli.session",
    "TranscriptDone": "realtime_cli.session",
    "TranscriptFailed": "realtime_cli.session",
    "UserTurnCommitted": "realtime_cli.session",
    "VoiceEvent": "realtime_cli.session",
    "RealtimeConnection": "realtime_cli.transport",
    "ConnectOptions": "realtime_cli.transport",
    "RestClient": "realtime_cli.transport",
    "Emulator": "realtime_cli.emulator",
    "Settings": "realtime_cli.config",
    "load_settings": "realtime_cli.config",
    "RtError": "realtime_cli.errors",
}

__all__ = [
    "AudioDelta",
    "ConnectOptions",
    "Emulator",
    "HeardRevised",
    "Interrupted",
    "McpApprovalRequested",
    "McpProgress",
    "Notice",
    "RealtimeConnection",
    "ResponseBuilder",
    "ResponseDone",
    "ResponseFailed",
    "ResponseStarted",
    "RestClient",
    "RtError",
    "ServerError",
    "Settings",
    "SpeechStarted",
    "SpeechStopped",
    "ToolCalled",
    "ToolCompleted",
    "TranscriptDelta",
    "TranscriptDone",
    "TranscriptFailed",
    "UserTurnCommitted",
    "VoiceEvent",
    "VoiceSession",
    "__version__",
    "load_settings",
    "tool",
]

if TYPE_CHECKING:
    from realtime_cli.config import Settings, load_settings
    from realtime_cli.emulator import Emulator
    from realtime_cli.errors import RtError
    from realtime_cli.session import (
        AudioDelta,
        HeardRevised,
        Interrupted,
        McpApprovalRequested,
        McpProgress,
        Notice,
        ResponseBuilder,
        ResponseDone,
        ResponseFailed,
        ResponseStarted,
        ServerError,
        SpeechStarted,
        SpeechStopped,
        ToolCalled,
        ToolCompleted,
        TranscriptDelta,
        TranscriptDone,
        TranscriptFailed,
        UserTurnCommitted,
        VoiceEvent,
        VoiceSession,
        tool,
    )
    from realtime_cli.transport import ConnectOptions, RealtimeConnection, RestClient


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'realtime_cli' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
