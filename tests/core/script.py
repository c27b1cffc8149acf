"""Builders of server events for scripted conversations (no socket anywhere)."""

from __future__ import annotations

import itertools

from realtime_cli.protocol import (
    AudioFormat,
    ConversationItemAdded,
    Error,
    ErrorDetails,
    InputAudioBufferCommitted,
    InputAudioBufferSpeechStarted,
    InputAudioConfig,
    MessageItem,
    RealtimeAudioConfig,
    RealtimeSession,
    Response,
    ResponseCreated,
    ResponseDone,
    ResponseFunctionCallArgumentsDone,
    ResponseOutputAudioDelta,
    ResponseOutputAudioTranscriptDelta,
    ResponseStatusDetails,
    ServerVad,
    SessionCreated,
    Usage,
)

_ids = itertools.count(1)
MS = 48  # bytes of 24 kHz PCM16 per millisecond


def eid() -> str:
    return f"event_{next(_ids)}"


def session(*, interrupt_response: bool = True, create_response: bool = True) -> SessionCreated:
    detection = ServerVad(
        threshold=0.5, create_response=create_response, interrupt_response=interrupt_response
    )
    return SessionCreated(
        event_id=eid(),
        session=RealtimeSession(
            id="sess_1",
            audio=RealtimeAudioConfig(
                input=InputAudioConfig(format=AudioFormat.pcm(), turn_detection=detection)
            ),
        ),
    )


def manual_session() -> SessionCreated:
    return SessionCreated(
        event_id=eid(),
        session=RealtimeSession(
            audio=RealtimeAudioConfig(input=InputAudioConfig(turn_detection=None))
        ),
    )


def created(response_id: str) -> ResponseCreated:
    return ResponseCreated(event_id=eid(), response=Response(id=response_id, status="in_progress"))


def done(
    response_id: str, status: str = "completed", reason: str | None = None, tokens: int = 10
) -> ResponseDone:
    details = None if reason is None else ResponseStatusDetails(type=status, reason=reason)
    return ResponseDone(
        event_id=eid(),
        response=Response(
            id=response_id,
            status=status,
            status_details=details,
            usage=Usage(total_tokens=tokens, input_tokens=tokens // 2, output_tokens=tokens // 2),
        ),
    )


def audio(response_id: str, item_id: str, ms: int) -> ResponseOutputAudioDelta:
    return ResponseOutputAudioDelta(
        event_id=eid(),
        response_id=response_id,
        item_id=item_id,
        output_index=0,
        content_index=0,
        delta=b"\x01\x00" * (ms * MS // 2),
    )


def transcript(response_id: str, item_id: str, text: str) -> ResponseOutputAudioTranscriptDelta:
    return ResponseOutputAudioTranscriptDelta(
        event_id=eid(),
        response_id=response_id,
        item_id=item_id,
        output_index=0,
        content_index=0,
        delta=text,
    )


def speech_started(ms: int = 0) -> InputAudioBufferSpeechStarted:
    return InputAudioBufferSpeechStarted(event_id=eid(), item_id="item_user", audio_start_ms=ms)


def committed(item_id: str, previous: str | None = None) -> InputAudioBufferCommitted:
    return InputAudioBufferCommitted(event_id=eid(), item_id=item_id, previous_item_id=previous)


def item_added(item_id: str, previous: str | object | None = ...) -> ConversationItemAdded:
    item = MessageItem(role="user", content=[], id=item_id)
    if previous is ...:
        return ConversationItemAdded(event_id=eid(), item=item)
    return ConversationItemAdded(event_id=eid(), item=item, previous_item_id=previous)  # type: ignore[arg-type]


def function_call(
    response_id: str, call_id: str, name: str, args: str = "{}"
) -> ResponseFunctionCallArgumentsDone:
    return ResponseFunctionCallArgumentsDone(
        event_id=eid(),
        response_id=response_id,
        item_id=f"item_{call_id}",
        output_index=0,
        call_id=call_id,
        name=name,
        arguments=args,
    )


def error(code: str, message: str = "failed") -> Error:
    return Error(
        event_id=eid(),
        error=ErrorDetails(type="invalid_request_error", message=message, code=code),
    )
