"""The 46 GA server events (what the service sends), one Struct each, tagged on `type`.

Included are the WebRTC/SIP-only events (`output_audio_buffer.*`, DTMF) and the legacy
names the SDK still lists (`conversation.created`, `conversation.item.created`), so nothing
the service or the SDK can send is unknown. Fields the live service sends but the SDK does
not declare (`obfuscation` on deltas; `id`, `object`, `expires_at` on sessions) are modelled.
"""

from __future__ import annotations

from typing import Union

from realtime_cli.protocol.base import UNSET, Model, Opt, TaggedModel
from realtime_cli.protocol.items import Item
from realtime_cli.protocol.response import RateLimit, Response
from realtime_cli.protocol.session import Session
from realtime_cli.protocol.transcription import (
    LogProb,
    TranscriptionError,
    TranscriptionLanguage,
    TranscriptionUsage,
)

__all__ = [
    "SERVER_EVENT_TYPES",
    "BaseServerEvent",
    "Conversation",
    "ConversationCreated",
    "ConversationItemAdded",
    "ConversationItemCreated",
    "ConversationItemDeleted",
    "ConversationItemDone",
    "ConversationItemInputAudioTranscriptionCompleted",
    "ConversationItemInputAudioTranscriptionDelta",
    "ConversationItemInputAudioTranscriptionFailed",
    "ConversationItemInputAudioTranscriptionSegment",
    "ConversationItemRetrieved",
    "ConversationItemTruncated",
    "Error",
    "ErrorDetails",
    "InputAudioBufferCleared",
    "InputAudioBufferCommitted",
    "InputAudioBufferDtmfEventReceived",
    "InputAudioBufferSpeechStarted",
    "InputAudioBufferSpeechStopped",
    "InputAudioBufferTimeoutTriggered",
    "McpListToolsCompleted",
    "McpListToolsFailed",
    "McpListToolsInProgress",
    "OutputAudioBufferCleared",
    "OutputAudioBufferStarted",
    "OutputAudioBufferStopped",
    "RateLimitsUpdated",
    "ResponseContentPart",
    "ResponseContentPartAdded",
    "ResponseContentPartDone",
    "ResponseCreated",
    "ResponseDone",
    "ResponseFunctionCallArgumentsDelta",
    "ResponseFunctionCallArgumentsDone",
    "ResponseMcpCallArgumentsDelta",
    "ResponseMcpCallArgumentsDone",
    "ResponseMcpCallCompleted",
    "ResponseMcpCallFailed",
    "ResponseMcpCallInProgress",
    "ResponseOutputAudioDelta",
    "ResponseOutputAudioDone",
    "ResponseOutputAudioTranscriptDelta",
    "ResponseOutputAudioTranscriptDone",
    "ResponseOutputItemAdded",
    "ResponseOutputItemDone",
    "ResponseOutputTextDelta",
    "ResponseOutputTextDone",
    "ServerEvent",
    "SessionCreated",
    "SessionUpdated",
]


class BaseServerEvent(TaggedModel):
    """A server event. Every one carries `event_id` except the SIP DTMF event."""


class _Identified(BaseServerEvent):
    event_id: str


class ErrorDetails(Model):
    """The body of an `error` event. `event_id` names the client event that caused it."""

    type: str
    message: str
    code: Opt[str] = UNSET
    param: Opt[str] = UNSET
    event_id: Opt[str] = UNSET


class Error(_Identified, tag="error"):
    """An error. Non-fatal unless the socket then closes (3000 auth, 4000 model or shape)."""

    error: ErrorDetails


class SessionCreated(_Identified, tag="session.created"):
    """The first event of every connection: the session's full effective configuration."""

    session: Session


class SessionUpdated(_Identified, tag="session.updated"):
    """The session's full effective configuration after a `session.update`."""

    session: Session


class Conversation(Model):
    """A conversation (legacy `conversation.created`)."""

    id: Opt[str] = UNSET
    object: Opt[str] = UNSET


class ConversationCreated(_Identified, tag="conversation.created"):
    """Legacy: listed by the SDK, not sent by the GA service."""

    conversation: Conversation


class ConversationItemCreated(_Identified, tag="conversation.item.created"):
    """Legacy (beta) name; GA sends `conversation.item.added` then `.done`."""

    item: Item
    previous_item_id: Opt[str] = UNSET


class ConversationItemAdded(_Identified, tag="conversation.item.added"):
    """An item joined the conversation (model items may still be in progress)."""

    item: Item
    previous_item_id: Opt[str] = UNSET


class ConversationItemDone(_Identified, tag="conversation.item.done"):
    """An item is final (its audio bytes are left out)."""

    item: Item
    previous_item_id: Opt[str] = UNSET


class ConversationItemRetrieved(_Identified, tag="conversation.item.retrieved"):
    """The answer to `conversation.item.retrieve`, audio included."""

    item: Item


class ConversationItemDeleted(_Identified, tag="conversation.item.deleted"):
    """An item was removed."""

    item_id: str


class ConversationItemTruncated(_Identified, tag="conversation.item.truncated"):
    """An assistant audio item was cut at `audio_end_ms`."""

    item_id: str
    content_index: int
    audio_end_ms: int


class ConversationItemInputAudioTranscriptionDelta(
    _Identified, tag="conversation.item.input_audio_transcription.delta"
):
    """A piece of the user's transcript."""

    item_id: str
    content_index: Opt[int] = UNSET
    delta: Opt[str] = UNSET
    logprobs: Opt[list[LogProb]] = UNSET
    obfuscation: Opt[str] = UNSET


class ConversationItemInputAudioTranscriptionCompleted(
    _Identified, tag="conversation.item.input_audio_transcription.completed"
):
    """The user's full transcript of one item (order across turns is not guaranteed)."""

    item_id: str
    content_index: int
    transcript: str
    usage: TranscriptionUsage
    languages: Opt[list[TranscriptionLanguage]] = UNSET
    logprobs: Opt[list[LogProb]] = UNSET


class ConversationItemInputAudioTranscriptionFailed(
    _Identified, tag="conversation.item.input_audio_transcription.failed"
):
    """Transcribing the user's audio failed."""

    item_id: str
    content_index: int
    error: TranscriptionError


class ConversationItemInputAudioTranscriptionSegment(
    _Identified, tag="conversation.item.input_audio_transcription.segment"
):
    """A diarized segment of the user's audio."""

    id: str
    item_id: str
    content_index: int
    text: str
    speaker: str
    start: float
    end: float


class InputAudioBufferCommitted(_Identified, tag="input_audio_buffer.committed"):
    """The input buffer became a user item."""

    item_id: str
    previous_item_id: Opt[str] = UNSET


class InputAudioBufferCleared(_Identified, tag="input_audio_buffer.cleared"):
    """The input buffer was cleared."""


class InputAudioBufferSpeechStarted(_Identified, tag="input_audio_buffer.speech_started"):
    """The server VAD heard the user start speaking: the barge-in trigger."""

    item_id: str
    audio_start_ms: int


class InputAudioBufferSpeechStopped(_Identified, tag="input_audio_buffer.speech_stopped"):
    """The server VAD heard the user stop speaking."""

    item_id: str
    audio_end_ms: int


class InputAudioBufferTimeoutTriggered(_Identified, tag="input_audio_buffer.timeout_triggered"):
    """The server VAD's idle timeout fired."""

    item_id: str
    audio_start_ms: int
    audio_end_ms: int


class InputAudioBufferDtmfEventReceived(
    BaseServerEvent, tag="input_audio_buffer.dtmf_event_received"
):
    """A DTMF key press on a SIP call (the one server event without `event_id`)."""

    event: str
    received_at: int


class OutputAudioBufferStarted(_Identified, tag="output_audio_buffer.started"):
    """WebRTC/SIP only: the server started playing a response's audio."""

    response_id: str


class OutputAudioBufferStopped(_Identified, tag="output_audio_buffer.stopped"):
    """WebRTC/SIP only: the server's output audio buffer ran empty."""

    response_id: str


class OutputAudioBufferCleared(_Identified, tag="output_audio_buffer.cleared"):
    """WebRTC/SIP only: the server's output audio buffer was cleared."""

    response_id: str


class ResponseCreated(_Identified, tag="response.created"):
    """A response started."""

    response: Response


class ResponseDone(_Identified, tag="response.done"):
    """A response ended (completed, cancelled, failed or incomplete), with its usage."""

    response: Response


class ResponseOutputItemAdded(_Identified, tag="response.output_item.added"):
    """A response produced a new item."""

    response_id: str
    output_index: int
    item: Item


class ResponseOutputItemDone(_Identified, tag="response.output_item.done"):
    """A response's item is final."""

    response_id: str
    output_index: int
    item: Item


class ResponseContentPart(Model):
    """The part of `response.content_part.*`: `type` is `text` or `audio` here."""

    type: Opt[str] = UNSET
    text: Opt[str] = UNSET
    audio: Opt[str] = UNSET
    transcript: Opt[str] = UNSET


class ResponseContentPartAdded(_Identified, tag="response.content_part.added"):
    """A content part started."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    part: ResponseContentPart


class ResponseContentPartDone(_Identified, tag="response.content_part.done"):
    """A content part is final."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    part: ResponseContentPart


class ResponseOutputTextDelta(_Identified, tag="response.output_text.delta"):
    """A piece of response text."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str
    obfuscation: Opt[str] = UNSET


class ResponseOutputTextDone(_Identified, tag="response.output_text.done"):
    """The full response text of a part."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    text: str


class ResponseOutputAudioDelta(_Identified, tag="response.output_audio.delta"):
    """A chunk of response audio; `delta` holds the decoded bytes (PCM16 for audio/pcm)."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: bytes


class ResponseOutputAudioDone(_Identified, tag="response.output_audio.done"):
    """The response audio of a part is complete."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int


class ResponseOutputAudioTranscriptDelta(_Identified, tag="response.output_audio_transcript.delta"):
    """A piece of the transcript of the response audio."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str
    obfuscation: Opt[str] = UNSET


class ResponseOutputAudioTranscriptDone(_Identified, tag="response.output_audio_transcript.done"):
    """The full transcript of the response audio of a part."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    transcript: str


class ResponseFunctionCallArgumentsDelta(_Identified, tag="response.function_call_arguments.delta"):
    """A piece of a function call's JSON arguments."""

    response_id: str
    item_id: str
    output_index: int
    call_id: str
    delta: str
    obfuscation: Opt[str] = UNSET


class ResponseFunctionCallArgumentsDone(_Identified, tag="response.function_call_arguments.done"):
    """A function call's complete arguments: the time to run the tool."""

    response_id: str
    item_id: str
    output_index: int
    call_id: str
    name: str
    arguments: str


class ResponseMcpCallArgumentsDelta(_Identified, tag="response.mcp_call_arguments.delta"):
    """A piece of an MCP call's JSON arguments."""

    response_id: str
    item_id: str
    output_index: int
    delta: str
    obfuscation: Opt[str] = UNSET


class ResponseMcpCallArgumentsDone(_Identified, tag="response.mcp_call_arguments.done"):
    """An MCP call's complete arguments."""

    response_id: str
    item_id: str
    output_index: int
    arguments: str


class ResponseMcpCallInProgress(_Identified, tag="response.mcp_call.in_progress"):
    """An MCP call started."""

    item_id: str
    output_index: int


class ResponseMcpCallCompleted(_Identified, tag="response.mcp_call.completed"):
    """An MCP call succeeded."""

    item_id: str
    output_index: int


class ResponseMcpCallFailed(_Identified, tag="response.mcp_call.failed"):
    """An MCP call failed."""

    item_id: str
    output_index: int


class McpListToolsInProgress(_Identified, tag="mcp_list_tools.in_progress"):
    """Listing an MCP server's tools started."""

    item_id: str


class McpListToolsCompleted(_Identified, tag="mcp_list_tools.completed"):
    """Listing an MCP server's tools succeeded."""

    item_id: str


class McpListToolsFailed(_Identified, tag="mcp_list_tools.failed"):
    """Listing an MCP server's tools failed."""

    item_id: str


class RateLimitsUpdated(_Identified, tag="rate_limits.updated"):
    """Rate limits, sent about 40 ms after `response.done`."""

    rate_limits: list[RateLimit]


#: Any GA server event.
ServerEvent = Union[  # noqa: UP007 - a long union reads better this way
    Error,
    SessionCreated,
    SessionUpdated,
    ConversationCreated,
    ConversationItemCreated,
    ConversationItemAdded,
    ConversationItemDone,
    ConversationItemRetrieved,
    ConversationItemDeleted,
    ConversationItemTruncated,
    ConversationItemInputAudioTranscriptionDelta,
    ConversationItemInputAudioTranscriptionCompleted,
    ConversationItemInputAudioTranscriptionFailed,
    ConversationItemInputAudioTranscriptionSegment,
    InputAudioBufferCommitted,
    InputAudioBufferCleared,
    InputAudioBufferSpeechStarted,
    InputAudioBufferSpeechStopped,
    InputAudioBufferTimeoutTriggered,
    InputAudioBufferDtmfEventReceived,
    OutputAudioBufferStarted,
    OutputAudioBufferStopped,
    OutputAudioBufferCleared,
    ResponseCreated,
    ResponseDone,
    ResponseOutputItemAdded,
    ResponseOutputItemDone,
    ResponseContentPartAdded,
    ResponseContentPartDone,
    ResponseOutputTextDelta,
    ResponseOutputTextDone,
    ResponseOutputAudioDelta,
    ResponseOutputAudioDone,
    ResponseOutputAudioTranscriptDelta,
    ResponseOutputAudioTranscriptDone,
    ResponseFunctionCallArgumentsDelta,
    ResponseFunctionCallArgumentsDone,
    ResponseMcpCallArgumentsDelta,
    ResponseMcpCallArgumentsDone,
    ResponseMcpCallInProgress,
    ResponseMcpCallCompleted,
    ResponseMcpCallFailed,
    McpListToolsInProgress,
    McpListToolsCompleted,
    McpListToolsFailed,
    RateLimitsUpdated,
]


def _concrete(cls: type[BaseServerEvent]) -> list[type[BaseServerEvent]]:
    found: list[type[BaseServerEvent]] = []
    for sub in cls.__subclasses__():
        if sub is _Identified:
            found.extend(_concrete(sub))
        else:
            found.append(sub)
    return found


#: Wire type -> class, for every GA server event.
SERVER_EVENT_TYPES: dict[str, type[BaseServerEvent]] = {
    cls.__struct_config__.tag: cls  # type: ignore[misc]
    for cls in _concrete(BaseServerEvent)
}
