"""Fault modes: ways the emulator can misbehave on purpose, so clients can be tested against
the failures a real network and service produce.

    async with Emulator(faults={"drop-1011"}) as emu:     # or emu.faults.add("malformed")
        ...

`rt emulator --fault NAME` (repeatable) switches the same faults on. The set is read at the
moment each fault matters (a new TCP connection, a REST request, a delta being sent, a session
starting), so a test may change `Emulator.faults` while clients are connected. One-shot
faults (`rest-429`, `rest-500`) remove themselves from the set once they fired.

Where each lives: socket and timing faults are in the I/O adapter (`server.py`); the content
of what is sent (malformed frames, the expiry `error`) is built here or by the sans-I/O
`SessionMachine`, which also owns the pacing that `slow-response` stretches.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

import msgspec

from realtime_cli.errors import UsageError
from realtime_cli.protocol import ErrorDetails, ResponseStatusDetails, ResponseStatusError

__all__ = [
    "CONTENT_FAULTS",
    "DELTA_TYPES",
    "FAULTS",
    "MALFORMED_FRAMES",
    "ONE_SHOT_FAULTS",
    "PART_END_TYPES",
    "RESPONSE_FAULTS",
    "SERVER_ERROR_MESSAGE",
    "TRANSCRIPTION_FAULTS",
    "FaultSettings",
    "check_faults",
    "permission_failure",
    "rate_limit_failure",
    "server_error_details",
    "session_expired_close",
    "session_expired_error",
]

#: Every fault name, with what it does (shown by `rt emulator --help`).
FAULTS: dict[str, str] = {
    "drop-1011": "close the websocket with 1011 in the middle of a response",
    "drop-reset": "reset the TCP connection (RST, no close frame) in the middle of a response",
    "stop-reading": "stop reading from the client after session.created; keep the socket open",
    "malformed": "send malformed frames between valid ones (non-JSON, no type, unknown "
    "type, broken known type, binary)",
    "slow-response": "pause between the deltas of a response (--slow-pause seconds)",
    "rest-429": "answer the next REST request with 429 and Retry-After: 1",
    "rest-500": "answer the next REST request with 500",
    "no-handshake": "accept TCP connections but never answer the upgrade or REST request",
    "expire": "sessions expire after --expire-after seconds: error session_expired, close",
    "response-failed": "the next response fails (status failed, rate_limit_exceeded with the "
    "wait time)",
    "response-denied": "the next response fails (status failed, an authorization error: "
    "insufficient permissions)",
    "response-incomplete": "the next response stops half way (status incomplete, content_filter)",
    "server-error": "the next response gets an error event of type server_error and fails",
    "transcription-failed": "the next input transcription fails (audio_unintelligible)",
    "transcription-stalls": "the next input transcription's deltas stop half way, and "
    "neither completed nor failed ever comes",
}

#: Faults in what a session says (not in the socket): the session machine asks for them.
RESPONSE_FAULTS = ("response-failed", "response-denied", "response-incomplete", "server-error")
TRANSCRIPTION_FAULTS = ("transcription-failed", "transcription-stalls")
CONTENT_FAULTS = frozenset({*RESPONSE_FAULTS, *TRANSCRIPTION_FAULTS})

#: Faults that fire once and then switch themselves off.
ONE_SHOT_FAULTS = frozenset({"rest-429", "rest-500", *CONTENT_FAULTS})

#: Server events that carry a piece of a response (what the drop faults count).
DELTA_TYPES = frozenset(
    {
        "response.output_text.delta",
        "response.output_audio.delta",
        "response.output_audio_transcript.delta",
        "response.function_call_arguments.delta",
    }
)

#: Events after which a response has no more deltas for its current part: a drop fault fires
#: here at the latest, so a short answer is still cut in the middle.
PART_END_TYPES = frozenset(
    {
        "response.output_text.done",
        "response.output_audio.done",
        "response.output_audio_transcript.done",
        "response.function_call_arguments.done",
    }
)

# The 60-minute cap on the live service: an `error` with code session_expired (reported,
# livekit/agents#1122), then close 1001 with the error's message as the reason
# (PROTOCOL.md section 11).
SESSION_EXPIRED_CODE = 1001

SERVER_ERROR_MESSAGE = (
    "The server had an error while processing your request. Sorry about that! You can retry "
    "your request, or contact us through our help center at help.openai.com if the error "
    "persists."
)

#: Raw frames the `malformed` fault sends (str: a text frame, bytes: a binary frame).
MALFORMED_FRAMES: tuple[str | bytes, ...] = (
    "this is not JSON {",
    '{"event_id": "event_fault_1", "delta": "an object without a type"}',
    msgspec.json.encode(
        {
            "type": "response.future_feature.delta",
            "event_id": "event_fault_2",
            "delta": "from a newer API",
            "extra": {"nested": [1, 2, 3], "flag": True},
        }
    ).decode(),
    '{"type": "response.output_text.delta", "event_id": "event_fault_3"}',
    b"\x00\x01 a binary frame \xff\xfe",
)


def session_expired_error(lifetime_s: float) -> ErrorDetails:
    """The `error` the service sends when a session reaches its maximum duration."""
    minutes = lifetime_s / 60
    amount, unit = (minutes, "minute") if minutes >= 1 else (lifetime_s, "second")
    duration = f"{amount:g} {unit}{'' if amount == 1 else 's'}"
    return ErrorDetails(
        type="invalid_request_error",
        code="session_expired",
        message=f"Your session hit the maximum duration of {duration}.",
        param=None,
        event_id=None,
    )


def session_expired_close(lifetime_s: float) -> tuple[int, str]:
    """The close after the cap: 1001 with the service's message as the reason."""
    message = session_expired_error(lifetime_s).message
    return SESSION_EXPIRED_CODE, message if isinstance(message, str) else ""


def rate_limit_failure(rng: random.Random) -> ResponseStatusDetails:
    """`status_details` of a response failed by the token rate limit, with the wait time in
    the service's words (the message as reported by other clients; the figures vary)."""
    wait = round(rng.uniform(1.5, 9.0), 3)
    return ResponseStatusDetails(
        type="failed",
        error=ResponseStatusError(
            # "tokens" as the error type is a guess from reports; the code is captured.
            type="tokens",
            code="rate_limit_exceeded",
            message="Rate limit reached for gpt-realtime in organization org-emulator on "
            "tokens per min (TPM): Limit 40000, Used 38500, Requested 2431. Please try again "
            f"in {wait}s. Visit https://platform.openai.com/account/rate-limits to learn more.",
        ),
    )


def permission_failure() -> ResponseStatusDetails:
    """`status_details` of a response failed by an authorization error. Reported only as
    "insufficient permissions" (PROTOCOL.md section 11); the wording around it, the type
    and the null code are guesses (a null code is the harsher one: nothing to match on)."""
    return ResponseStatusDetails(
        type="failed",
        error=ResponseStatusError(
            type="invalid_request_error",
            code=None,
            message="You have insufficient permissions for this operation. Missing scopes: "
            "model.request. Check that you have the correct role in your organization and "
            "project, and that your API key has the right scopes.",
        ),
    )


def server_error_details() -> ErrorDetails:
    """The non-fatal `error` of type server_error (captured with `code: null`)."""
    return ErrorDetails(
        type="server_error", code=None, message=SERVER_ERROR_MESSAGE, param=None, event_id=None
    )


def check_faults(names: Iterable[str]) -> set[str]:
    """The fault names as a set; `UsageError` naming the valid ones for an unknown name."""
    wanted = set(names)
    unknown = sorted(wanted - FAULTS.keys())
    if unknown:
        raise UsageError(
            f"unknown fault {', '.join(unknown)} (choose from {', '.join(sorted(FAULTS))})"
        )
    return wanted


@dataclass(frozen=True, kw_only=True)
class FaultSettings:
    """The knobs of the timing faults."""

    #: `slow-response`: seconds between two deltas of a response.
    slow_pause: float = 2.0
    #: `drop-1011`, `drop-reset`: deltas sent before the drop (or earlier, at a part's end).
    drop_after: int = 3
    #: `expire`: seconds from `session.created` to the expiry.
    expire_after: float = 3.0

    def __post_init__(self) -> None:
        if self.slow_pause < 0 or self.expire_after <= 0 or self.drop_after < 1:
            raise UsageError("slow_pause must be >= 0, expire_after > 0 and drop_after >= 1")
