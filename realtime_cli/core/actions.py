"""What the conversation core asks its adapters to do. Plain data; the adapters act."""

from __future__ import annotations

from dataclasses import dataclass, field

from realtime_cli.protocol import BaseClientEvent, ErrorDetails, Usage

__all__ = [
    "Action",
    "AudioDone",
    "CancelTool",
    "FlushPlayback",
    "FollowUpDropped",
    "HeardRevised",
    "Interrupted",
    "Notice",
    "PlayAudio",
    "ResponseFailed",
    "ResponseFinished",
    "ResponseStarted",
    "RunTool",
    "Send",
    "ServerError",
    "SpeechStarted",
    "SpeechStopped",
    "TranscriptDelta",
    "TranscriptDone",
    "TranscriptFailed",
    "UserTurnCommitted",
]


@dataclass(frozen=True, slots=True)
class Send:
    """Send this client event over the transport."""

    event: BaseClientEvent


@dataclass(frozen=True, slots=True)
class PlayAudio:
    """Queue 24 kHz PCM16 for playback, tagged with the item it belongs to."""

    response_id: str
    item_id: str
    content_index: int
    pcm: bytes


@dataclass(frozen=True, slots=True)
class AudioDone:
    """All audio of this item has arrived: playback may drain it without waiting for more."""

    item_id: str


@dataclass(frozen=True, slots=True)
class FlushPlayback:
    """Silence playback now (within one output block, with a short fade), then report how much
    of each item was heard through `ConversationCore.playback_flushed`."""

    reason: str


@dataclass(frozen=True, slots=True)
class TranscriptDelta:
    """A piece of a transcript: `role` is `user` or `assistant`."""

    role: str
    item_id: str
    text: str


@dataclass(frozen=True, slots=True)
class TranscriptDone:
    """A finished transcript of one item."""

    role: str
    item_id: str
    text: str


@dataclass(frozen=True, slots=True)
class TranscriptFailed:
    """The service could not transcribe the user's audio of `item_id`."""

    item_id: str
    message: str


@dataclass(frozen=True, slots=True)
class UserTurnCommitted:
    """The user's audio became the item `item_id`; `transcribed` says whether a transcript
    will follow (input transcription is on)."""

    item_id: str
    transcribed: bool


@dataclass(frozen=True, slots=True)
class Interrupted:
    """The user cut an assistant item short: what was heard, and the unheard rest.

    The text sent ahead of the audio, so which words were heard is an estimate from the
    speaking rate, never beyond the audio played (`estimated`)."""

    item_id: str
    heard_ms: int
    received_ms: int
    heard_text: str
    unheard_text: str
    estimated: bool = True


@dataclass(frozen=True, slots=True)
class RunTool:
    """Run a function tool and hand its output to `ConversationCore.tool_result`."""

    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class CancelTool:
    """The response that called this tool was interrupted: cancel it if it allows that."""

    call_id: str


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """The user started speaking (server VAD or local onset)."""

    audio_start_ms: int
    local: bool = False
    #: The item the speech becomes once committed (server VAD), when known.
    item_id: str | None = None


@dataclass(frozen=True, slots=True)
class SpeechStopped:
    """The user stopped speaking."""

    audio_end_ms: int


@dataclass(frozen=True, slots=True)
class ResponseStarted:
    """A response began."""

    response_id: str


@dataclass(frozen=True, slots=True)
class ResponseFinished:
    """A response ended: `status` completed, cancelled, failed or incomplete."""

    response_id: str
    status: str
    reason: str | None = None
    usage: Usage | None = None
    generated_audio_ms: int = 0
    heard_audio_ms: int = 0
    #: The response called tools: once they answer, the core asks for the response that
    #: uses their results (unless `FollowUpDropped` comes first).
    follow_up: bool = False


@dataclass(frozen=True, slots=True)
class FollowUpDropped:
    """The response that was to follow this response's tool calls will not be asked for
    (the user interrupted, or its calls were cancelled)."""

    response_id: str


@dataclass(frozen=True, slots=True)
class ResponseFailed:
    """A response ended `failed` or `incomplete`: what the service said, for the user.

    `reason` is the incomplete reason (content_filter, max_output_tokens); `code` and
    `message` the failure's; `retry_after_s` the wait the message asks for, if it does."""

    response_id: str
    status: str
    reason: str | None = None
    code: str | None = None
    message: str | None = None
    retry_after_s: float | None = None


@dataclass(frozen=True, slots=True)
class HeardRevised:
    """A finished response's audio was cut after it finished generating: the heard share
    that `ResponseFinished` gave is revised (for the cost of unheard audio)."""

    response_id: str
    usage: Usage
    generated_audio_ms: int
    heard_before_ms: int
    heard_audio_ms: int


@dataclass(frozen=True, slots=True)
class ServerError:
    """A non-fatal `error` from the server, with the client event that caused it if known."""

    error: ErrorDetails
    caused_by: BaseClientEvent | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    """Something worth a log line (for example a benign failed cancel)."""

    text: str
    level: str = "info"
    details: dict[str, object] = field(default_factory=dict)


Action = (
    Send
    | PlayAudio
    | AudioDone
    | FlushPlayback
    | TranscriptDelta
    | TranscriptDone
    | TranscriptFailed
    | UserTurnCommitted
    | Interrupted
    | RunTool
    | CancelTool
    | SpeechStarted
    | SpeechStopped
    | ResponseStarted
    | ResponseFinished
    | FollowUpDropped
    | ResponseFailed
    | HeardRevised
    | ServerError
    | Notice
)
