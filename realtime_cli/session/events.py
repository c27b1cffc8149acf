"""What a voice session tells its user: the `VoiceEvent`s of `VoiceSession.events()`."""

from __future__ import annotations

from dataclasses import dataclass

from realtime_cli.core.actions import (
    HeardRevised,
    Interrupted,
    Notice,
    ResponseFailed,
    ResponseFinished,
    ResponseStarted,
    ServerError,
    SpeechStarted,
    SpeechStopped,
    TranscriptDelta,
    TranscriptDone,
    TranscriptFailed,
    UserTurnCommitted,
)
from realtime_cli.core.pricing import Cost
from realtime_cli.protocol import Usage

__all__ = [
    "AudioDelta",
    "HeardRevised",
    "Interrupted",
    "McpApprovalRequested",
    "McpProgress",
    "Notice",
    "ResponseDone",
    "ResponseFailed",
    "ResponseStarted",
    "ServerError",
    "SpeechStarted",
    "SpeechStopped",
    "ToolCalled",
    "ToolCompleted",
    "TranscriptDelta",
    "TranscriptDone",
    "TranscriptFailed",
    "UserTurnCommitted",
    "VoiceEvent",
]


@dataclass(frozen=True, slots=True)
class AudioDelta:
    """A chunk of assistant audio: 24 kHz mono PCM16 little-endian."""

    response_id: str
    item_id: str
    content_index: int
    pcm: bytes


@dataclass(frozen=True, slots=True)
class ResponseDone:
    """A response ended, with its usage and estimated cost."""

    response_id: str
    status: str
    reason: str | None
    usage: Usage | None
    cost: Cost
    generated_audio_ms: int
    heard_audio_ms: int
    #: It called tools: a response using their results follows (the session asks for it).
    follow_up: bool = False

    def finished(self) -> ResponseFinished:
        """The core's `ResponseFinished` this came from (what a `TalkView` is fed)."""
        return ResponseFinished(
            self.response_id,
            self.status,
            self.reason,
            self.usage,
            self.generated_audio_ms,
            self.heard_audio_ms,
            follow_up=self.follow_up,
        )


@dataclass(frozen=True, slots=True)
class ToolCalled:
    """The model called a function tool; it is running."""

    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class ToolCompleted:
    """A tool call finished; `output` is what the model receives (an error text included)."""

    call_id: str
    name: str
    output: str


@dataclass(frozen=True, slots=True)
class McpProgress:
    """A hosted MCP server at work. `stage` is `listing`, `listed` (detail: the tools),
    `list_failed`, `calling` (detail: the arguments), `called` (detail: the output) or
    `call_failed` (detail: the error)."""

    stage: str
    server_label: str
    name: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class McpApprovalRequested:
    """The model wants to call an MCP tool that needs the user's approval: answer with
    `VoiceSession.answer_mcp_approval(request_id, approve)`."""

    request_id: str
    server_label: str
    name: str
    arguments: str


#: Everything `VoiceSession.events()` yields.
VoiceEvent = (
    SpeechStarted
    | SpeechStopped
    | AudioDelta
    | TranscriptDelta
    | TranscriptDone
    | TranscriptFailed
    | UserTurnCommitted
    | Interrupted
    | ResponseStarted
    | ResponseDone
    | ResponseFailed
    | HeardRevised
    | ToolCalled
    | ToolCompleted
    | McpProgress
    | McpApprovalRequested
    | ServerError
    | Notice
)
