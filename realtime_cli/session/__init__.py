"""The async voice session library: `VoiceSession`, `@tool`, `ResponseBuilder`, voice events."""

from realtime_cli.session.events import *  # noqa: F403
from realtime_cli.session.events import __all__ as _events_all
from realtime_cli.session.response_builder import ResponseBuilder
from realtime_cli.session.tools import ToolRegistry, ToolSpec, tool
from realtime_cli.session.voice_session import (
    ReconnectPolicy,
    ResponseHandle,
    SessionSetupError,
    VoiceSession,
    build_session,
)

__all__ = [  # noqa: PLE0604
    "ReconnectPolicy",
    "ResponseBuilder",
    "ResponseHandle",
    "SessionSetupError",
    "ToolRegistry",
    "ToolSpec",
    "VoiceSession",
    "build_session",
    "tool",
    *_events_all,
]
